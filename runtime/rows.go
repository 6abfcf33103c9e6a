package runtime

import (
	"errors"
	"fmt"
)

// RowFuncKind is a window function over a ROWS frame (OVER clause).
type RowFuncKind uint8

const (
	RowAvg        RowFuncKind = iota // AVG(x) → DOUBLE
	RowSum                           // SUM(x), accumulated by ResultType as for AggSpec
	RowCount                         // COUNT(x)
	RowCountStar                     // COUNT(*)
	RowMin                           // MIN(x)
	RowMax                           // MAX(x)
	RowLag                           // LAG(x, Offset, Default)
	RowLead                          // LEAD(x, Offset, Default)
	RowNumber                        // ROW_NUMBER()
	RowFirstValue                    // FIRST_VALUE(x): x of the frame's first row (NULLs respected)
	RowLastValue                     // LAST_VALUE(x): x of the current row
)

var rowFuncNames = [...]string{"AVG", "SUM", "COUNT", "COUNT(*)", "MIN", "MAX", "LAG", "LEAD",
	"ROW_NUMBER", "FIRST_VALUE", "LAST_VALUE"}

func (k RowFuncKind) String() string {
	if int(k) < len(rowFuncNames) {
		return rowFuncNames[k]
	}
	return fmt.Sprintf("RowFuncKind(%d)", uint8(k))
}

// RowFunc is one OVER (PARTITION BY … ROWS BETWEEN n PRECEDING AND CURRENT
// ROW) function. The frame is the last Preceding+1 rows of the partition
// in arrival order, the current one included; Preceding = -1 is UNBOUNDED
// PRECEDING. LAG/LEAD/ROW_NUMBER ignore the frame.
type RowFunc struct {
	Func       RowFuncKind
	Arg        Expr // nil for COUNT(*), ROW_NUMBER
	ArgType    Type
	ResultType Type
	Preceding  int
	Offset     int  // LAG/LEAD offset (the planner fills the default 1)
	Default    Expr // LAG/LEAD value when the offset row does not exist; nil → NULL
	// ArgIsCol/ArgCol: as in AggSpec, Arg reads only that input column.
	ArgIsCol bool
	ArgCol   int
}

// RowsConfig configures a row-window stage.
type RowsConfig struct {
	PartitionBy    []Expr
	PartitionTypes []Type
	Funcs          []RowFunc
	// PartitionCols, when set: as GroupConfig.KeyCols for PartitionBy.
	PartitionCols []int
}

// MaxFrameRows bounds what a row window keeps per PARTITION BY key: the
// n of ROWS BETWEEN n PRECEDING and the offset of LAG/LEAD. Each kept row
// costs memory for every key, so larger values are refused at plan time
// (docs/sql.md, Limits).
const MaxFrameRows = 100_000

// Output row layout of a rows stage: the input row's values followed by one
// value per RowFunc. RowsFuncCol is the column of function j for an input
// row of width inputWidth.
func RowsFuncCol(inputWidth, j int) int { return inputWidth + j }

// RowsOutputSchema is the input schema followed by one column per function.
func RowsOutputSchema(in Schema, cfg *RowsConfig, names []string) Schema {
	s := make(Schema, 0, len(in)+len(cfg.Funcs))
	s = append(s, in...)
	for j, n := range names {
		s = append(s, Column{Name: n, Type: cfg.Funcs[j].ResultType})
	}
	return s
}

// ValidateRowsConfig reports a configuration the stage cannot run.
func ValidateRowsConfig(cfg *RowsConfig) error {
	for j := range cfg.Funcs {
		f := &cfg.Funcs[j]
		switch f.Func {
		case RowCountStar, RowNumber:
		case RowLag, RowLead:
			if f.Offset < 0 {
				return fmt.Errorf("%s: negative offset %d", f.Func, f.Offset)
			}
			if f.Arg == nil {
				return fmt.Errorf("%s: missing argument", f.Func)
			}
		default:
			if f.Func > RowLastValue {
				return fmt.Errorf("function %d: unknown kind %d", j, f.Func)
			}
			if f.Arg == nil {
				return fmt.Errorf("%s: missing argument", f.Func)
			}
		}
		if f.Preceding < -1 {
			return errors.New("ROWS frame: negative PRECEDING")
		}
		if f.Preceding > MaxFrameRows {
			return fmt.Errorf("ROWS frame: %d PRECEDING is over the limit of %d rows", f.Preceding, MaxFrameRows)
		}
		if (f.Func == RowLag || f.Func == RowLead) && f.Offset > MaxFrameRows {
			return fmt.Errorf("%s: offset %d is over the limit of %d rows", f.Func, f.Offset, MaxFrameRows)
		}
	}
	return nil
}

// NewRowsStage returns a row-window stage for one partition. Each PARTITION
// BY key keeps a ring of its last Preceding+1 argument values per function;
// its state lives as long as the stage (row frames never close). Output is
// emitted from Process, except that a row with LEAD waits for its
// Offset-th successor in its partition, and rows still waiting at
// Advance(EndOfTime) are emitted then with the default (or NULL).
func NewRowsStage(cfg RowsConfig) Stage {
	return newRowsStage(cfg)
}
