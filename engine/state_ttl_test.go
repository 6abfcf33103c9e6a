package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// TestStateTTLOverNATS runs a materialized GROUP BY with state_ttl over a
// real NATS server. By event time: a key idle for longer than the ttl is
// forgotten (its count restarts after the gap, with nothing emitted at
// expiry: the row of a key never seen again stays), a key whose records
// are closer than the ttl keeps its full count, and the state the
// partition holds (velort_state_rows) falls while velort_state_expired_total
// counts the forgotten groups (3 groups held, then 2 after 4 were made).
// By arrival time (no event_time): the clock
// moves the watermark, so an idle group expires too.
func TestStateTTLOverNATS(t *testing.T) {
	t.Run("event time", func(t *testing.T) {
		_, nc := testServer(t)
		reg := prometheus.NewRegistry()
		sql := `CREATE STREAM events (k VARCHAR, ts TIMESTAMP) WITH (subject = 'ttl.events', event_time = 'ts', idle_timeout = '1h');
CREATE TABLE counts WITH (state_ttl = '1m') AS SELECT k, COUNT(*) AS n FROM events GROUP BY k;`
		e, err := Open(context.Background(), SQL("ttl.sql", sql), Options{Conn: nc, Logger: quiet, Registerer: reg})
		if err != nil {
			t.Fatal(err)
		}
		runEngine(t, e)
		<-e.Ready()
		pub := func(k string, sec int) {
			if err := nc.Publish("ttl.events", fmt.Appendf(nil, `{"k":%q,"ts":%d}`, k, 1_700_000_000_000+int64(sec)*1000)); err != nil {
				t.Fatal(err)
			}
		}
		state := func(rows int64, expired uint64) func() bool {
			return func() bool {
				for _, s := range e.Stats() {
					if s.Query == "counts" {
						return s.StateRows == rows && s.StateExpired == expired
					}
				}
				return false
			}
		}
		pub("idle", 0)
		pub("gone", 5)
		pub("idle", 10)
		pub("busy", 30)
		waitFor(t, "the partition to hold 3 groups, none forgotten", state(3, 0))
		for sec := 60; sec <= 330; sec += 30 {
			if sec == 300 {
				pub("idle", 300) // 290 s after its last record: a new group
			}
			pub("busy", sec)
		}
		want := map[string]int64{"idle": 1, "busy": 11, "gone": 1}
		counts := e.Table("counts")
		waitFor(t, "the table to show idle restarted at 1, busy at 11 and gone's last row", func() bool {
			rows := counts.Rows()
			if len(rows) != len(want) {
				return false
			}
			for _, r := range rows {
				if r["n"] != want[r["k"].(string)] {
					return false
				}
			}
			return true
		})
		waitFor(t, "the state to fall to 2 groups, 2 forgotten", state(2, 2))
		if rows, expired := gathered(t, reg, "velort_state_rows", "counts"), gathered(t, reg, "velort_state_expired_total", "counts"); rows != 2 || expired != 2 {
			t.Errorf("metrics: velort_state_rows %v, velort_state_expired_total %v; want 2 and 2", rows, expired)
		}
	})
	t.Run("regular join by event time", func(t *testing.T) {
		_, nc := testServer(t)
		sql := `CREATE STREAM a (k BIGINT, x BIGINT, ts BIGINT) WITH (subject = 'ttl.a', event_time = 'ts', idle_timeout = '1h');
CREATE STREAM b (k BIGINT, y BIGINT, ts BIGINT) WITH (subject = 'ttl.b', event_time = 'ts', idle_timeout = '1h');
CREATE STREAM j WITH (subject = 'ttl.j', state_ttl = '1m') AS SELECT a.k, a.x, b.y FROM a JOIN b ON a.k = b.k;`
		sub, err := nc.SubscribeSync("ttl.j")
		if err != nil {
			t.Fatal(err)
		}
		e, err := Open(context.Background(), SQL("ttl.sql", sql), Options{Conn: nc, Logger: quiet, Registerer: prometheus.NewRegistry()})
		if err != nil {
			t.Fatal(err)
		}
		runEngine(t, e)
		<-e.Ready()
		pub := func(subject string, k, v, sec int) {
			if err := nc.Publish(subject, fmt.Appendf(nil, `{"k":%d,"x":%d,"y":%d,"ts":%d}`, k, v, v, int64(sec)*1000)); err != nil {
				t.Fatal(err)
			}
		}
		next := func() string {
			m, err := sub.NextMsg(30 * time.Second)
			if err != nil {
				t.Fatal(err)
			}
			return string(m.Data)
		}
		pub("ttl.a", 1, 1, 0)
		pub("ttl.b", 1, 1, 10)
		if got := next(); got != `{"k":1,"x":1,"y":1}` {
			t.Fatalf("first pair: %s", got)
		}
		pub("ttl.b", 2, 2, 200) // the watermark passes a's row (0 s) + 1 min
		pub("ttl.b", 1, 3, 210) // a's row is forgotten: no pair
		pub("ttl.a", 1, 2, 220) // pairs with b's row of 210 s, not with the one of 10 s
		if got := next(); got != `{"k":1,"x":2,"y":3}` {
			t.Fatalf("after expiry: %s (a forgotten row matched)", got)
		}
		waitFor(t, "the join to hold 3 rows and to have forgotten 2", func() bool {
			for _, s := range e.Stats() {
				if s.Query == "j" {
					return s.StateRows == 3 && s.StateExpired == 2
				}
			}
			return false
		})
		if m, err := sub.NextMsg(300 * time.Millisecond); err == nil {
			t.Errorf("an output beyond the two pairs: %s", m.Data)
		}
	})
	t.Run("arrival time", func(t *testing.T) {
		_, nc := testServer(t)
		sql := `CREATE STREAM events (k VARCHAR) WITH (subject = 'ttl.events');
CREATE TABLE counts WITH (state_ttl = '300ms') AS SELECT k, COUNT(*) AS n FROM events GROUP BY k;`
		e, err := Open(context.Background(), SQL("ttl.sql", sql), Options{Conn: nc, Logger: quiet, Registerer: prometheus.NewRegistry()})
		if err != nil {
			t.Fatal(err)
		}
		runEngine(t, e)
		<-e.Ready()
		counts := e.Table("counts")
		for range 2 {
			if err := nc.Publish("ttl.events", []byte(`{"k":"a"}`)); err != nil {
				t.Fatal(err)
			}
		}
		waitFor(t, "a counted twice", func() bool { r, ok := counts.Get("a"); return ok && r["n"] == int64(2) })
		waitFor(t, "the idle group to expire as the clock moves the watermark", func() bool {
			for _, s := range e.Stats() {
				if s.Query == "counts" {
					return s.StateExpired == 1 && s.StateRows == 0
				}
			}
			return false
		})
		if err := nc.Publish("ttl.events", []byte(`{"k":"a"}`)); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "a's count to restart at 1", func() bool { r, ok := counts.Get("a"); return ok && r["n"] == int64(1) })
	})
}

// TestStateTTLReplay: a .sql file with state_ttl replayed by event time
// over 2 partitions gives, run after run, the same changelog: each key's
// count restarts after a gap over the ttl (a, c), a key whose records are
// closer keeps counting (b), and a key that stops keeps its last row (d).
func TestStateTTLReplay(t *testing.T) {
	dir := t.TempDir()
	sqlFile := filepath.Join(dir, "ttl.sql")
	if err := os.WriteFile(sqlFile, []byte(`CREATE STREAM events (k VARCHAR, ts BIGINT)
  WITH (subject = 'ev.{partition}', partitions = 2, key = 'k', event_time = 'ts');
CREATE STREAM counts WITH (subject = 'counts', state_ttl = '10s') AS
  SELECT k, COUNT(*) AS n FROM events GROUP BY k;
`), 0o644); err != nil {
		t.Fatal(err)
	}
	var in strings.Builder
	want := map[string]int{}
	last := map[string]int{}
	for sec := 0; sec <= 120; sec++ {
		for _, k := range []string{"a", "b", "c", "d"} {
			on := map[string]bool{"a": sec%25 == 0, "b": sec%4 == 0, "c": sec < 30 || sec > 90 && sec%3 == 0, "d": sec < 12}[k]
			if !on {
				continue
			}
			fmt.Fprintf(&in, "{\"k\":%q,\"ts\":%d}\n", k, 1_700_000_000_000+int64(sec)*1000)
			if l, ok := last[k]; ok && sec-l > 10 {
				want[k] = 0 // the key's group expired: a new one
			}
			want[k]++
			last[k] = sec
		}
	}
	input := filepath.Join(dir, "events.jsonl")
	if err := os.WriteFile(input, []byte(in.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func() (string, map[string]string) {
		var out strings.Builder
		e, err := Open(context.Background(), File(sqlFile), Options{Logger: quiet, DataDir: t.TempDir(),
			Replay: []Replay{{Stream: "events", Path: input}}, Capture: []Capture{{Target: "counts", Path: "-"}}, Stdout: &out})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		table := map[string]string{}
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		for _, l := range lines {
			var k string
			if i := strings.Index(l, `"k":"`); i >= 0 {
				k = l[i+5 : i+6]
			}
			if i := strings.Index(l, `"row":`); i >= 0 {
				table[k] = strings.TrimSuffix(l[i+6:], "}")
			}
		}
		sorted := append([]string(nil), lines...)
		slices.Sort(sorted)
		return strings.Join(sorted, "\n"), table
	}
	first, table := run()
	for k, n := range want {
		if got, w := table[k], fmt.Sprintf(`{"k":%q,"n":%d}`, k, n); got != w {
			t.Errorf("%s: last row %s, want %s", k, got, w)
		}
	}
	if want["a"] != 1 || want["b"] != 31 || want["d"] != 12 {
		t.Fatalf("the test's own expectations: %v", want)
	}
	if second, _ := run(); second != first {
		t.Errorf("a second replay gave another changelog:\n%s\n---\n%s", first, second)
	}
}

// gathered is the value of metric name for query (partition 0) in reg.
func gathered(t *testing.T, reg *prometheus.Registry, name, query string) float64 {
	t.Helper()
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["query"] == query && labels["partition"] == "0" {
				if g := m.GetGauge(); g != nil {
					return g.GetValue()
				}
				return m.GetCounter().GetValue()
			}
		}
	}
	t.Fatalf("no %s{query=%q}", name, query)
	return 0
}
