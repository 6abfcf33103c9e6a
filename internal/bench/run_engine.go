package bench

import (
	"fmt"
	goruntime "runtime"
	"time"
)

// measurement is one timed run.
type measurement struct {
	elapsed time.Duration
	outputs int64
	allocs  uint64 // heap allocations during the run
	bytes   uint64 // heap bytes allocated during the run
	relay   time.Duration
}

// runEngine times one engine-mode run over ds on one core: a fresh
// pipeline, every record executed, end of input flushed.
func runEngine(q *query, ds *Dataset, json bool) (measurement, error) {
	ds.loadTable() // a stream–table join's table, before the pipeline is compiled
	e, err := newEngine(q, json)
	if err != nil {
		return measurement{}, err
	}
	defer e.release()
	prev := goruntime.GOMAXPROCS(1)
	defer goruntime.GOMAXPROCS(prev)
	goruntime.GC()
	var m0, m1 goruntime.MemStats
	goruntime.ReadMemStats(&m0)
	start := time.Now()
	if ds.join != nil && ds.join.sides != nil {
		if err := e.feedSides(ds, json); err != nil {
			return measurement{}, err
		}
	} else if json {
		if err := e.feedJSON(ds.JSON); err != nil {
			return measurement{}, err
		}
	} else if err := e.feedRows(ds.Rows); err != nil {
		return measurement{}, err
	}
	if err := e.finish(); err != nil {
		return measurement{}, fmt.Errorf("end of input: %w", err)
	}
	if err := e.formatErr(); err != nil {
		return measurement{}, err
	}
	elapsed := time.Since(start)
	goruntime.ReadMemStats(&m1)
	if e.late != 0 {
		return measurement{}, fmt.Errorf("%d records dropped as late; the data is in order", e.late)
	}
	return measurement{elapsed: elapsed, outputs: e.outs, allocs: m1.Mallocs - m0.Mallocs, bytes: m1.TotalAlloc - m0.TotalAlloc}, nil
}
