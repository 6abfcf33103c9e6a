package engine

import (
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/velort/velort/partition"
	"github.com/velort/velort/transport"
	"github.com/velort/velort/udf"
)

// TestGrafanaDashboard: docs/grafana-dashboard.json parses, and every
// PromQL expression of its panels and variables names only metrics velort
// registers (newMetricsRegistry: the per-loop series, user functions, the
// NATS client, Go and process collectors) — a renamed metric would leave a
// panel silently empty.
func TestGrafanaDashboard(t *testing.T) {
	b, err := os.ReadFile("../docs/grafana-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Inputs []struct {
			Name string `json:"name"`
		} `json:"__inputs"`
		Title      string         `json:"title"`
		UID        string         `json:"uid"`
		Panels     []grafanaPanel `json:"panels"`
		Templating struct {
			List []struct {
				Name  string          `json:"name"`
				Query json.RawMessage `json:"query"`
			}
		} `json:"templating"`
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatalf("docs/grafana-dashboard.json: %v", err)
	}
	if dash.Title == "" || dash.UID == "" || len(dash.Panels) == 0 {
		t.Fatalf("dashboard without title, uid or panels: %q %q %d", dash.Title, dash.UID, len(dash.Panels))
	}
	// Importable: panels with unique ids on the 24-column grid, not
	// overlapping, reading the data source the import asks for.
	if len(dash.Inputs) != 1 || dash.Inputs[0].Name != "DS_PROMETHEUS" {
		t.Errorf("__inputs %+v, want the one data source DS_PROMETHEUS", dash.Inputs)
	}
	ids := map[int]bool{}
	for i, p := range dash.Panels {
		g := p.GridPos
		if ids[p.ID] || p.ID == 0 || g.W <= 0 || g.H <= 0 || g.X < 0 || g.X+g.W > 24 || g.Y < 0 {
			t.Errorf("panel %q: id %d (taken or 0) or gridPos %+v off the grid", p.Title, p.ID, g)
		}
		ids[p.ID] = true
		if p.Type != "row" && (p.Datasource == nil || p.Datasource.UID != "${DS_PROMETHEUS}") {
			t.Errorf("panel %q reads data source %+v, want ${DS_PROMETHEUS}", p.Title, p.Datasource)
		}
		for _, q := range dash.Panels[:i] {
			h := q.GridPos
			if g.X < h.X+h.W && h.X < g.X+g.W && g.Y < h.Y+h.H && h.Y < g.Y+g.H {
				t.Errorf("panels %q %+v and %q %+v overlap", q.Title, h, p.Title, g)
			}
		}
	}
	known := registeredMetrics(t)
	var exprs []string
	var walk func([]grafanaPanel)
	walk = func(ps []grafanaPanel) {
		for _, p := range ps {
			if p.Type != "row" && len(p.Targets) == 0 {
				t.Errorf("panel %q has no query", p.Title)
			}
			for _, tg := range p.Targets {
				if strings.TrimSpace(tg.Expr) == "" {
					t.Errorf("panel %q: a target without expr", p.Title)
				}
				exprs = append(exprs, tg.Expr)
			}
			walk(p.Panels)
		}
	}
	walk(dash.Panels)
	for _, v := range dash.Templating.List {
		var q struct{ Query string }
		if err := json.Unmarshal(v.Query, &q); err != nil || q.Query == "" {
			if err := json.Unmarshal(v.Query, &q.Query); err != nil || q.Query == "" {
				t.Errorf("variable %s: no query", v.Name)
				continue
			}
		}
		exprs = append(exprs, q.Query)
	}
	used := map[string]bool{}
	for _, e := range exprs {
		names := promQLMetrics(e)
		if len(names) == 0 {
			t.Errorf("expression names no metric: %s", e)
		}
		for _, n := range names {
			used[n] = true
			if !known[n] {
				t.Errorf("expression names %s, which velort does not register: %s", n, e)
			}
		}
	}
	// The dashboard covers what an operator looks at first.
	for _, m := range []string{"velort_records_in_total", "velort_records_out_total", "velort_records_dead_lettered_total",
		"velort_consumer_pending_messages", "velort_watermark_ms", "velort_checkpoint_age_seconds", "velort_udf_calls_total"} {
		if !used[m] {
			t.Errorf("no panel shows %s", m)
		}
	}
}

type grafanaPanel struct {
	ID         int                      `json:"id"`
	Type       string                   `json:"type"`
	Title      string                   `json:"title"`
	GridPos    struct{ X, Y, W, H int } `json:"gridPos"`
	Datasource *struct {
		UID string `json:"uid"`
	} `json:"datasource"`
	Panels  []grafanaPanel `json:"panels"`
	Targets []struct {
		Expr string `json:"expr"`
	} `json:"targets"`
}

// registeredMetrics lists the metric names velort's registry can serve.
func registeredMetrics(t *testing.T) map[string]bool {
	t.Helper()
	reg, _ := newMetricsRegistry(func() []*partition.Loop { return nil }, func() []udf.FuncStats { return nil }, &transport.Conn{})
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, f := range fams {
		known[f.GetName()] = true
		if typ := f.GetType().String(); typ == "SUMMARY" || typ == "HISTOGRAM" {
			known[f.GetName()+"_sum"], known[f.GetName()+"_count"], known[f.GetName()+"_bucket"] = true, true, true
		}
	}
	// Per-loop and per-function series appear only with loops and
	// functions: their descriptions name them.
	fq := regexp.MustCompile(`fqName: "([^"]+)"`)
	descs := []*prometheus.Desc{udfCallsDesc, udfBatchCallsDesc, udfSecondsDesc}
	for _, m := range loopMetrics {
		descs = append(descs, m.desc)
	}
	for _, d := range descs {
		m := fq.FindStringSubmatch(d.String())
		if m == nil {
			t.Fatalf("no name in %s", d)
		}
		known[m[1]] = true
	}
	if !known["velort_records_in_total"] || !known["velort_nats_slow_consumer_events_total"] || !known["process_cpu_seconds_total"] {
		t.Fatalf("registered metrics incomplete: %v", known)
	}
	return known
}

var (
	promStringRe  = regexp.MustCompile(`"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'`)
	promBracesRe  = regexp.MustCompile(`\{[^}]*\}|\[[^\]]*\]`)
	promGroupRe   = regexp.MustCompile(`(?i)\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)`)
	promIdentRe   = regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*(\s*\()?`)
	promKeywords  = []string{"and", "or", "unless", "offset", "bool", "by", "without", "on", "ignoring", "group_left", "group_right", "e", "inf", "nan"}
	labelValuesRe = regexp.MustCompile(`^\s*label_values\(\s*(.*),\s*[a-zA-Z_][a-zA-Z0-9_]*\s*\)\s*$`)
)

// promQLMetrics returns the metric names a PromQL expression (or a Grafana
// label_values(EXPR, LABEL) variable query) reads: identifiers that are not
// functions, keywords, label names or matchers, durations or numbers.
func promQLMetrics(expr string) []string {
	if m := labelValuesRe.FindStringSubmatch(expr); m != nil {
		expr = m[1]
	}
	expr = promStringRe.ReplaceAllString(expr, `""`)
	expr = promBracesRe.ReplaceAllString(expr, " ")
	expr = promGroupRe.ReplaceAllString(expr, " ")
	var out []string
	for _, loc := range promIdentRe.FindAllStringIndex(expr, -1) {
		tok := expr[loc[0]:loc[1]]
		if strings.HasSuffix(tok, "(") { // a function
			continue
		}
		if loc[0] > 0 && (expr[loc[0]-1] >= '0' && expr[loc[0]-1] <= '9' || expr[loc[0]-1] == '.' || expr[loc[0]-1] == '$') {
			continue // 1e9's e, a $variable
		}
		if slices.Contains(promKeywords, strings.ToLower(tok)) {
			continue
		}
		out = append(out, tok)
	}
	return out
}

// TestPromQLMetrics: the expression scanner the dashboard test relies on.
func TestPromQLMetrics(t *testing.T) {
	for expr, want := range map[string]string{
		`sum by (query) (rate(velort_records_in_total{query=~"$query", instance=~"a|b"}[$__rate_interval]))`:    "velort_records_in_total",
		`time() - velort_watermark_ms{q="x"} / 1000 < 1e9`:                                                      "velort_watermark_ms",
		`sum by (m) (rate(a_total[5m])) / on (m) group_left (f) sum by (m) (rate(b_total[5m])) and c offset 5m`: "a_total b_total c",
		`label_values(velort_records_in_total{instance=~"$instance"}, query)`:                                   "velort_records_in_total",
		`rate(go_gc_duration_seconds_sum[1m]) / rate(go_gc_duration_seconds_count[1m])`:                         "go_gc_duration_seconds_sum go_gc_duration_seconds_count",
		`count(velort_records_in_total{query=~"$query"})`:                                                       "velort_records_in_total",
	} {
		if got := strings.Join(promQLMetrics(expr), " "); got != want {
			t.Errorf("%s: %q, want %q", expr, got, want)
		}
	}
}
