package runtime

import (
	"errors"
	"fmt"
)

// WindowKind selects the group window of a GROUP BY query.
type WindowKind uint8

const (
	NoWindow WindowKind = iota
	Tumble              // TUMBLE(ts, size)
	Hop                 // HOP(ts, slide, size)
	Session             // SESSION(ts, gap)
)

// WindowSpec is a group window; all durations in milliseconds. Windows are
// aligned to the epoch and half-open [start, end).
type WindowSpec struct {
	Kind  WindowKind
	Size  int64 // Tumble, Hop
	Slide int64 // Hop
	Gap   int64 // Session
}

// EmitMode says when a group stage emits rows.
type EmitMode uint8

const (
	// EmitChanges emits, after each input record, the updated row of every
	// group/window the record changed, and nothing else.
	EmitChanges EmitMode = iota
	// EmitFinal emits each window's rows once when the watermark reaches
	// window_end (without a window: every group once at end of input).
	EmitFinal
)

// GroupConfig configures a grouped aggregation stage.
type GroupConfig struct {
	Keys     []Expr
	KeyTypes []Type
	Aggs     []AggSpec
	Window   WindowSpec
	Emit     EmitMode
	// KeyCols, when set, gives for each key the input column it reads
	// directly, or -1 for a computed key.
	KeyCols []int
	// EmptyRow: a global aggregate (no keys, no window, EMIT FINAL) emits
	// its one row at end of input even when no record reached it, as SQL
	// does (COUNT 0, SUM NULL). Only the partition owning the empty key
	// sets it, so that the row is emitted once.
	EmptyRow bool
	// Retract: the input is a changelog (SPEC §2 "Changelogs"); the stage
	// keeps what retraction needs (rows per group, per-group value counts
	// for MIN, MAX, FIRST_VALUE, LAST_VALUE and DISTINCT aggregates) and
	// implements RetractStage. Only without a window; a user aggregate
	// must implement AggUDFRetracter.
	Retract bool
	// Changelog: the output is a changelog (EMIT CHANGES): rows go out
	// through ChangeDownstream.Upsert, and a group whose HAVING stops
	// holding, whose rows are all retracted, or (SESSION) whose bounds
	// change is deleted (ChangeDownstream.Delete with the row last
	// upserted). With EmptyRow, a global aggregate that saw no record
	// upserts its empty-input row at end of input.
	Changelog bool
	// StateTTL (ms; 0: none), without a window: a group whose last change
	// had an event time older than the watermark less StateTTL is
	// forgotten, emitting nothing (state_ttl.go).
	StateTTL int64
}

// Output row layout of a group stage:
//
//	[key 0 .. key K-1, agg 0 .. agg A-1, window_start, window_end]
//
// window_start and window_end are TIMESTAMP, always present, NULL when the
// query has no window. Use these helpers to compile HAVING and the
// projection against it.

// KeyCol is the output column of key i.
func (g *GroupConfig) KeyCol(i int) int { return i }

// AggCol is the output column of aggregate j.
func (g *GroupConfig) AggCol(j int) int { return len(g.Keys) + j }

// WindowStartCol is the output column of window_start.
func (g *GroupConfig) WindowStartCol() int { return len(g.Keys) + len(g.Aggs) }

// WindowEndCol is the output column of window_end.
func (g *GroupConfig) WindowEndCol() int { return len(g.Keys) + len(g.Aggs) + 1 }

// OutputWidth is the number of columns of an output row.
func (g *GroupConfig) OutputWidth() int { return len(g.Keys) + len(g.Aggs) + 2 }

// GroupOutputSchema names the output row layout of a group stage. keyNames
// and aggNames must match cfg.Keys and cfg.Aggs.
func GroupOutputSchema(cfg *GroupConfig, keyNames, aggNames []string) Schema {
	s := make(Schema, 0, cfg.OutputWidth())
	for i, n := range keyNames {
		t := TNull
		if i < len(cfg.KeyTypes) {
			t = cfg.KeyTypes[i]
		}
		s = append(s, Column{Name: n, Type: t})
	}
	for j, n := range aggNames {
		s = append(s, Column{Name: n, Type: cfg.Aggs[j].ResultType})
	}
	return append(s, Column{Name: "window_start", Type: TTimestamp}, Column{Name: "window_end", Type: TTimestamp})
}

// MaxHopWindows bounds the windows a HOP record belongs to (size/slide,
// rounded up): each record updates, and under EMIT CHANGES emits, a row per
// window. Larger ratios are refused at plan time (docs/sql.md, Limits).
const MaxHopWindows = 1000

// MaxWindowMs bounds window sizes, slides and gaps (100 years): window
// arithmetic on epoch milliseconds must not overflow.
const MaxWindowMs = 100 * 366 * 86_400_000

// HopWindows is the number of windows a HOP record belongs to.
func HopWindows(w WindowSpec) int64 {
	if w.Slide <= 0 {
		return 0
	}
	return (w.Size + w.Slide - 1) / w.Slide
}

// ValidateGroupConfig reports a configuration the stage cannot run.
func ValidateGroupConfig(cfg *GroupConfig) error {
	w := cfg.Window
	if w.Size > MaxWindowMs || w.Slide > MaxWindowMs || w.Gap > MaxWindowMs {
		return fmt.Errorf("window durations are limited to %d ms (100 years)", int64(MaxWindowMs))
	}
	if cfg.Retract && w.Kind != NoWindow {
		return errors.New("a window needs an append-only input: over a changelog, GROUP BY without a window")
	}
	switch w.Kind {
	case NoWindow:
	case Tumble:
		if w.Size <= 0 {
			return errors.New("TUMBLE: window size must be positive")
		}
	case Hop:
		if w.Size <= 0 || w.Slide <= 0 {
			return errors.New("HOP: slide and size must be positive")
		}
		if w.Slide > w.Size {
			return fmt.Errorf("HOP: slide (%d ms) larger than size (%d ms) would skip records", w.Slide, w.Size)
		}
		if n := HopWindows(w); n > MaxHopWindows {
			return fmt.Errorf("HOP: size/slide puts each record in %d windows, over the limit of %d", n, MaxHopWindows)
		}
	case Session:
		if w.Gap <= 0 {
			return errors.New("SESSION: gap must be positive")
		}
	default:
		return fmt.Errorf("unknown window kind %d", w.Kind)
	}
	for j := range cfg.Aggs {
		a := &cfg.Aggs[j]
		if a.Func > GroupConcat {
			return fmt.Errorf("aggregate %d: unknown function %d", j, a.Func)
		}
		if a.Func != CountStar && a.Arg == nil && a.Func != UDF {
			return fmt.Errorf("aggregate %d (%s): missing argument", j, a.Func)
		}
		if a.Func == UDF && a.UDF == nil {
			return fmt.Errorf("aggregate %d: UDF aggregate without implementation", j)
		}
		if w.Kind == Session && !a.mergeable() {
			if a.Func == GroupConcat {
				return errors.New("GROUP_CONCAT(DISTINCT ...) is not supported with SESSION windows: merging two sessions cannot keep the values' order")
			}
			return fmt.Errorf("aggregate %d: user aggregate cannot merge states, which SESSION windows need", j)
		}
		if cfg.Retract && a.Func == UDF && a.UDFRetracter() == nil {
			return fmt.Errorf("aggregate %d: user aggregate cannot take a row back (no retract export), which an input changelog needs", j)
		}
		if a.Distinct && a.Func != Sum && a.Func != Avg && a.Func != GroupConcat {
			return fmt.Errorf("aggregate %d (%s): DISTINCT is supported for COUNT, SUM, AVG, MIN, MAX and GROUP_CONCAT", j, a.Func)
		}
	}
	return nil
}

// NewGroupStage returns a grouped aggregation stage for one partition.
// The configuration must pass ValidateGroupConfig.
func NewGroupStage(cfg GroupConfig) Stage {
	s := newGroupStage(cfg)
	if s.ttl != 0 && s.retract {
		return ttlGroupStage{s}
	}
	return s
}
