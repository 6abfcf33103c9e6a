package runtime

import "fmt"

// AggFunc is a grouped aggregate function.
type AggFunc uint8

const (
	CountStar     AggFunc = iota // COUNT(*): rows, NULLs included
	Count                        // COUNT(x): non-NULL values
	CountDistinct                // COUNT(DISTINCT x): distinct non-NULL values, exact
	Sum                          // SUM(x); accumulation follows AggSpec.ResultType
	Avg                          // AVG(x) → DOUBLE
	Min                          // MIN(x), keeps the argument's type
	Max                          // MAX(x), keeps the argument's type
	StddevPop                    // STDDEV/STDDEV_POP
	VarPop                       // VARIANCE/VAR_POP
	StddevSamp                   // STDDEV_SAMP (NULL for fewer than 2 values)
	VarSamp                      // VAR_SAMP (NULL for fewer than 2 values)
	FirstValue                   // first non-NULL value in arrival order
	LastValue                    // last non-NULL value in arrival order
	UDF                          // user aggregate (AggSpec.UDF)
	GroupConcat                  // GROUP_CONCAT(x SEPARATOR s): non-NULL strings in arrival order
)

var aggFuncNames = [...]string{"COUNT(*)", "COUNT", "COUNT DISTINCT", "SUM", "AVG", "MIN", "MAX",
	"STDDEV_POP", "VAR_POP", "STDDEV_SAMP", "VAR_SAMP", "FIRST_VALUE", "LAST_VALUE", "UDF", "GROUP_CONCAT"}

// GroupConcatMaxLen is MySQL's default group_concat_max_len: a
// GROUP_CONCAT result is cut to this many bytes (at a character boundary).
const GroupConcatMaxLen = 1024

func (f AggFunc) String() string {
	if int(f) < len(aggFuncNames) {
		return aggFuncNames[f]
	}
	return fmt.Sprintf("AggFunc(%d)", uint8(f))
}

// AggSpec is one aggregate of a GROUP BY query.
//
// Semantics (MySQL/go-mysql-server): NULL arguments are ignored; COUNT
// variants return BIGINT; SUM accumulates by ResultType (TInt: exact int64,
// overflow sets c.Err; TDouble: float64; TDecimal: exact unscaled int64 at
// the widest argument scale); AVG returns DOUBLE; MIN/MAX keep the argument
// type (strings compare byte-wise); variance uses Welford's algorithm.
// SUM/AVG/MIN/MAX/STDDEV/VARIANCE/FIRST_VALUE/LAST_VALUE over no non-NULL
// value are NULL. FIRST_VALUE/LAST_VALUE follow arrival order.
//
// Distinct (SUM/AVG/GROUP_CONCAT) folds each distinct non-NULL value once
// per group and window: the state keeps the set of values seen, as COUNT
// DISTINCT does. GROUP_CONCAT's argument is a string (the planner casts);
// its result is cut at MaxLen bytes (0: GroupConcatMaxLen), NULL without
// values.
type AggSpec struct {
	Func       AggFunc
	Arg        Expr // nil for COUNT(*)
	ArgType    Type
	ResultType Type
	Distinct   bool
	Separator  []byte // GROUP_CONCAT
	MaxLen     int    // GROUP_CONCAT
	// Ordered: GROUP_CONCAT(... ORDER BY ...), whose argument is built by
	// OrderedConcatArg.
	Ordered bool
	UDF     AggUDF // for Func == UDF
	// ArgIsCol says Arg only reads input column ArgCol: the stage then
	// copies that column instead of calling Arg (a call returning a Value
	// costs a store-forwarding stall; see BENCHMARKS.md).
	ArgIsCol bool
	ArgCol   int
	// AnyValue makes a FIRST_VALUE MySQL's ANY_VALUE of a column that is
	// not grouped: the first row's value, NULL included, so that all such
	// columns come from one row and an expression of them equals the group
	// key it spells (GROUP BY k2 + y, SELECT k2 + y).
	AnyValue bool
	// Cond, when set, says Arg is CASE WHEN Cond THEN Then END (Flink's
	// FILTER (WHERE Cond)): the argument is Then's value when Cond is
	// TRUE, else NULL. A GROUP BY stage evaluates it split (ThenCol when
	// ThenIsCol), each condition once per record: aggregates with the same
	// CondID > 0 have the same condition (0: not shared). Arg stays the
	// whole expression for every other reader.
	Cond      Expr
	CondID    int
	Then      Expr
	ThenIsCol bool
	ThenCol   int
	// ThenConst says Then is a constant that is not NULL (THEN 1): a
	// COUNT of it counts the rows where Cond holds.
	ThenConst bool
	// CondRange, when set, is Cond as a range of one BIGINT column (price
	// < 10000, price >= 10000 AND price < 1000000): the stage checks it in
	// place instead of calling Cond.
	CondRange *IntRange
}

// IntRange is a condition on input column Col, a BIGINT: it holds when the
// column is not NULL and Lo <= its value <= Hi (Lo > Hi: never).
type IntRange struct {
	Col    int
	Lo, Hi int64
}

// holds reports whether the range holds for r.
func (g *IntRange) holds(r Row) bool {
	x := &r[g.Col]
	return x.T != TNull && g.Lo <= x.I && x.I <= g.Hi
}

// AggUDF is a user aggregate whose state lives outside Go (a wasm
// instance). The stage calls Init when a group/window state is created,
// Update for each non-NULL argument (every row when Arg is nil), Result to
// emit and Free when the state is dropped.
type AggUDF interface {
	Init(c *Ctx) (state int64, err error)
	Update(c *Ctx, state int64, arg Value) error
	Result(c *Ctx, state int64) Value
	Free(state int64)
}

// AggUDFMerger is implemented by user aggregates that can combine two
// states. SESSION windows need it: when a record bridges two sessions their
// states are merged into dst and src is freed. A SESSION query whose UDF
// aggregate cannot merge fails the bridging record (c.Err) without changing
// state; ValidateGroupConfig reports this at plan time.
type AggUDFMerger interface {
	Merge(c *Ctx, dst, src int64) error
}

// AggUDFRetracter is implemented by user aggregates that may be able to
// take a row back out of a state: a wasm aggregate whose module exports a
// retract function (ABI velort/1, docs/udf.md). Over a changelog input
// (GroupConfig.Retract) a retracted row's argument is computed by the
// AggSpec's Arg exactly as for Update (a NULL argument is skipped the same
// way), and Retract is called right after, with the state handle the row
// was added to: it undoes that Update. An error is the record's error
// (c.Err). CanRetract says whether this aggregate has the export; a user
// aggregate that does not implement the interface, or cannot retract, is
// refused over a changelog (ValidateGroupConfig).
type AggUDFRetracter interface {
	Retract(c *Ctx, state int64, arg Value) error
	CanRetract() bool
}

// UDFRetracter returns a's user aggregate as an AggUDFRetracter when it
// can retract rows, and nil otherwise. A stage looks it up once.
func (a *AggSpec) UDFRetracter() AggUDFRetracter {
	if a.Func != UDF || a.UDF == nil {
		return nil
	}
	if r, ok := a.UDF.(AggUDFRetracter); ok && r.CanRetract() {
		return r
	}
	return nil
}

// mergeable reports whether the aggregate's state can be merged.
func (a *AggSpec) mergeable() bool {
	if a.Func == GroupConcat && a.Distinct {
		return false // which value came first cannot be recovered from two sets
	}
	if a.Func != UDF {
		return true
	}
	_, ok := a.UDF.(AggUDFMerger)
	return ok
}

// keepsSet reports whether the aggregate keeps the distinct values seen.
func (a *AggSpec) keepsSet() bool { return a.Func == CountDistinct || a.Distinct }
