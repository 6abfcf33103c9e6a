package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
)

// Result is one (scenario, mode): the median over its runs.
type Result struct {
	Scenario string `json:"scenario"`
	Title    string `json:"title"`
	Mode     Mode   `json:"mode"`
	Records  int    `json:"records"`
	Runs     int    `json:"runs"`
	// Seconds and RecordsPerSec are medians over the runs.
	Seconds          float64   `json:"seconds"`
	RecordsPerSec    float64   `json:"records_per_sec"`
	RunRecordsPerSec []float64 `json:"run_records_per_sec"`
	// AllocsPerRecord is heap allocations per input record (median run);
	// in nats mode it counts the whole process (server and clients too).
	AllocsPerRecord float64 `json:"allocs_per_record"`
	BytesPerRecord  float64 `json:"bytes_per_record"`
	Outputs         int64   `json:"outputs"`
	ExpectedOutputs int64   `json:"expected_outputs"`
	// Published figure (engine mode) and the ratio of this result to it.
	Published        float64 `json:"published_records_per_sec,omitempty"`
	PublishedBy      string  `json:"published_by,omitempty"`
	RatioToPublished float64 `json:"ratio_to_published,omitempty"`
	Target           float64 `json:"target_records_per_sec,omitempty"`
	RatioToTarget    float64 `json:"ratio_to_target,omitempty"`
	// nats mode: the do-nothing relay measured in the same runs, and the
	// median of the per-run ratios velort / relay.
	RelayRecordsPerSec float64 `json:"relay_records_per_sec,omitempty"`
	RatioToRelay       float64 `json:"ratio_to_relay,omitempty"`
	// Nexmark scenarios: how many of the generator's events (every kind)
	// the records are, and the median run's rate of them, Nexmark's
	// throughput (a query of bids alone counts the people and auctions
	// its stream never receives).
	NexmarkEvents int     `json:"nexmark_events,omitempty"`
	EventsPerSec  float64 `json:"events_per_sec,omitempty"`
}

// withEvents sets r's Nexmark event count and rate: the records came
// from the first events of the generator.
func (r Result) withEvents(events int) Result {
	if r.Records > 0 {
		r.NexmarkEvents = events
		r.EventsPerSec = round(r.RecordsPerSec*float64(events)/float64(r.Records), 0)
	}
	return r
}

// summarize turns a (scenario, mode)'s runs into a Result.
func summarize(s *Scenario, mode Mode, records int, expected int64, runs []measurement) Result {
	r := Result{Scenario: s.Name, Title: s.Title, Mode: mode, Records: records, Runs: len(runs), ExpectedOutputs: expected}
	secs := make([]float64, len(runs))
	allocs := make([]float64, len(runs))
	bytes := make([]float64, len(runs))
	var relay, ratio []float64
	for i, m := range runs {
		secs[i] = m.elapsed.Seconds()
		rate := float64(records) / secs[i]
		r.RunRecordsPerSec = append(r.RunRecordsPerSec, round(rate, 0))
		allocs[i] = float64(m.allocs) / float64(records)
		bytes[i] = float64(m.bytes) / float64(records)
		r.Outputs = m.outputs
		if mode == ModeNATS {
			rr := float64(records) / m.relay.Seconds()
			relay = append(relay, rr)
			ratio = append(ratio, rate/rr)
		}
	}
	r.Seconds = round(median(secs), 6)
	r.RecordsPerSec = round(median(r.RunRecordsPerSec), 0)
	r.AllocsPerRecord = round(median(allocs), 4)
	r.BytesPerRecord = round(median(bytes), 2)
	if mode == ModeNATS {
		r.RelayRecordsPerSec = round(median(relay), 0)
		r.RatioToRelay = round(median(ratio), 3)
	} else {
		if s.Published > 0 {
			r.Published, r.PublishedBy = s.Published, s.PublishedBy
			r.RatioToPublished = round(r.RecordsPerSec/s.Published, 2)
		}
		if mode == ModeEngine && s.Target > 0 {
			r.Target = s.Target
			r.RatioToTarget = round(r.RecordsPerSec/s.Target, 2)
		}
	}
	return r
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if n := len(s); n%2 == 1 {
		return s[n/2]
	} else {
		return (s[n/2-1] + s[n/2]) / 2
	}
}

func medianInt(xs []int) int {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

func round(x float64, digits int) float64 {
	v, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'f', digits, 64), 64)
	return v
}

// WriteJSON writes one JSON object per result, one per line.
func WriteJSON(w io.Writer, results []Result) error {
	enc := json.NewEncoder(w)
	for _, r := range results {
		if err := enc.Encode(r); err != nil {
			return err
		}
	}
	return nil
}

// WriteTable writes the summary table.
func WriteTable(w io.Writer, results []Result) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\tmode\trecords\trecords/s (median)\truns min–max\tNexmark events/s\tallocs/rec\toutputs\tvs published\tvs target\trelay rec/s\tvs relay\t")
	for _, r := range results {
		lo, hi := slices.Min(r.RunRecordsPerSec), slices.Max(r.RunRecordsPerSec)
		pub, tgt, relay, vsRelay, events := "-", "-", "-", "-", "-"
		if r.EventsPerSec > 0 {
			events = rate(r.EventsPerSec)
		}
		if r.RatioToPublished > 0 {
			pub = fmt.Sprintf("%.2f× %s %s", r.RatioToPublished, r.PublishedBy, rate(r.Published))
		}
		if r.RatioToTarget > 0 {
			tgt = fmt.Sprintf("%.2f× %s", r.RatioToTarget, rate(r.Target))
		}
		if r.Mode == ModeNATS {
			relay, vsRelay = rate(r.RelayRecordsPerSec), fmt.Sprintf("%.2f×", r.RatioToRelay)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s–%s\t%s\t%.3f\t%d\t%s\t%s\t%s\t%s\t\n",
			r.Scenario, r.Mode, r.Records, rate(r.RecordsPerSec), rate(lo), rate(hi), events, r.AllocsPerRecord, r.Outputs, pub, tgt, relay, vsRelay)
	}
	return tw.Flush()
}

// rate formats records/s as 1.23M, 456K or 789.
func rate(x float64) string {
	switch {
	case x >= 1e6:
		return strconv.FormatFloat(x/1e6, 'f', 2, 64) + "M"
	case x >= 1e3:
		return strings.TrimSuffix(strconv.FormatFloat(x/1e3, 'f', 1, 64), ".0") + "K"
	}
	return strconv.FormatFloat(x, 'f', 0, 64)
}
