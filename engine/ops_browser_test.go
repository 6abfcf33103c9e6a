package engine

import (
	"bytes"
	"context"
	"github.com/velort/velort/udf"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The operations page in a real browser: headless Chromium (Debian's
// chromium package) loads http://ADDR/ of a running velort with traffic,
// runs the page's script (which polls /api/state), and the rendered DOM is
// checked; a screenshot is saved under the artifacts directory
// ($VELORT_ARTIFACTS, else artifacts/ at the repository root, ignored by
// git): <dir>/TestOpsPageInBrowser/ops-page.png.

// chromiumBin finds Chromium. Without it the test is skipped, unless
// CI=true (.ci/run installs the package): then it fails.
func chromiumBin(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no chromium on PATH with CI=true (.ci/run installs the Debian package chromium)")
	}
	t.Skip("no chromium on PATH (apt-get install chromium); CI runs this test")
	return ""
}

// artifactsDir is where the test leaves files for people to look at.
func artifactsDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("VELORT_ARTIFACTS")
	if dir == "" {
		var err error
		if dir, err = filepath.Abs("../artifacts"); err != nil {
			t.Fatal(err)
		}
	}
	dir = filepath.Join(dir, t.Name())
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// headless runs Chromium on url with extra flags. The virtual time budget
// lets the page's script run (its timers fast-forwarded, its fetches
// awaited) before the DOM is dumped or the screenshot taken.
func headless(t *testing.T, bin, url string, extra ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	args := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
		"--hide-scrollbars", "--user-data-dir=" + t.TempDir(), "--virtual-time-budget=4000", "--window-size=1400,1900"}, extra...)
	cmd := exec.CommandContext(ctx, bin, append(args, url)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %v: %v\n%s", extra, err, errb.String())
	}
	return out.Bytes()
}

var (
	domCellRe = regexp.MustCompile(`<td [^>]*data-q="([^"]+)" data-p="(\d+)" data-loop="([^"]*)" data-f="([a-z_]+)">([^<]*)</td>`)
	domRefRe  = regexp.MustCompile(`<body [^>]*data-refreshes="(\d+)"`)
)

// domSum adds up a field of a query's partition rows as the page shows them.
func domSum(t *testing.T, dom, query, field string) int {
	t.Helper()
	sum, found := 0, false
	for _, m := range domCellRe.FindAllStringSubmatch(dom, -1) {
		if m[1] != query || m[4] != field {
			continue
		}
		n, err := strconv.Atoi(strings.ReplaceAll(m[5], ",", ""))
		if err != nil {
			t.Fatalf("query %s %s shows %q", query, field, m[5])
		}
		sum, found = sum+n, true
	}
	if !found {
		t.Fatalf("the page shows no %s of query %s", field, query)
	}
	return sum
}

// TestOpsPageInBrowser: the page renders the plan and live numbers in
// Chromium; after more traffic and a bad record a second load shows the
// counts moved and the dead letter with its reason and payload (as text).
func TestOpsPageInBrowser(t *testing.T) {
	bin := chromiumBin(t)
	addr, js := startOpsRun(t, opsSQL, Options{CheckpointInterval: 200 * time.Millisecond, UDFLimits: udf.Limits{Timeout: time.Second}})
	url := "http://" + addr + "/"
	settled := func(in int, dlq uint64) func(opsState) bool {
		return func(st opsState) bool {
			for _, name := range []string{"big", "totals", "bysize", "heavy__t"} {
				q := opsQueryOf(st, name)
				if q == nil || q.RecordsIn != uint64(in) || q.DeadLettered != dlq {
					return false
				}
			}
			for _, p := range opsQueryOf(st, "totals").Partitions {
				if p.LagPending == nil || *p.LagPending != 0 || p.Checkpoint == nil || p.Checkpoint.AtMs == 0 {
					return false
				}
			}
			return true
		}
	}

	// bysize reads the trades over core NATS: publish once it subscribed.
	waitState(t, addr, "ready", func(st opsState) bool { return st.Ready })
	publishTrades(t, js, 0, 300)
	waitState(t, addr, "300 records in, lag polled, checkpoints saved", settled(300, 0))
	dom1 := string(headless(t, bin, url, "--dump-dom"))
	if m := domRefRe.FindStringSubmatch(dom1); m == nil || m[1] == "0" || m[1] == "1" {
		t.Errorf("the page did not refresh itself (data-refreshes %v)", m)
	}
	for _, want := range []string{
		`id="stage-graph"`, `>trades</text>`, `>query big</text>`, `>query totals</text>`, `>totals</text>`,
		`>stage t</text>`, `>query heavy__t (a stage of heavy)</text>`, `>a stage of heavy · trades → t`, `>ready<`, `data-query="bysize"`, `>0 forward<`, `>1 aggregate<`,
		`data-f="checkpoint">`, `No dead letters.`, `query bysize: ctrades → bysize`,
	} {
		if !strings.Contains(dom1, want) {
			t.Errorf("first load lacks %s", want)
		}
	}
	if n := domSum(t, dom1, "big", "records_in"); n != 300 {
		t.Errorf("first load: query big shows %d records in, want 300", n)
	}
	if strings.Contains(dom1, `<tr class="dl">`) {
		t.Error("first load shows a dead letter before any bad record")
	}
	os.WriteFile(filepath.Join(artifactsDir(t), "ops-page-1.html"), []byte(dom1), 0o644)

	publishTrades(t, js, 300, 200)
	if _, err := js.Publish("ops.trades.1", []byte(opsBadRecord)); err != nil {
		t.Fatal(err)
	}
	waitState(t, addr, "501 records in, one dead letter per query", settled(501, 1))
	dom2 := string(headless(t, bin, url, "--dump-dom"))
	if n := domSum(t, dom2, "big", "records_in"); n != 501 {
		t.Errorf("second load: query big shows %d records in, want 501 (300 before)", n)
	}
	if n := domSum(t, dom2, "totals", "dead_lettered"); n != 1 {
		t.Errorf("second load: query totals shows %d dead letters, want 1", n)
	}
	rows := regexp.MustCompile(`(?s)<tr class="dl">.*?</tr>`).FindAllString(dom2, -1)
	if len(rows) != 4 {
		t.Fatalf("second load shows %d dead letters, want 4 (one per query reading trades):\n%s", len(rows), dom2)
	}
	for _, r := range rows {
		if !strings.Contains(r, "qty") || !strings.Contains(r, "ops.trades.1") ||
			!strings.Contains(r, `"sym":"BAD","qty":"lots"`) || !strings.Contains(r, `&lt;img src=x onerror=alert(1)&gt;`) {
			t.Errorf("dead letter row lacks its reason, subject or payload:\n%s", r)
		}
	}
	if strings.Contains(dom2, "<img") {
		t.Error("a dead letter's payload became markup")
	}
	os.WriteFile(filepath.Join(artifactsDir(t), "ops-page-2.html"), []byte(dom2), 0o644)

	shot := filepath.Join(artifactsDir(t), "ops-page.png")
	os.Remove(shot)
	headless(t, bin, url, "--screenshot="+shot)
	if b, err := os.ReadFile(shot); err != nil || len(b) < 10000 || !bytes.HasPrefix(b, []byte("\x89PNG")) {
		t.Fatalf("screenshot %s: %d bytes, %v", shot, len(b), err)
	}
	t.Logf("screenshot: %s", shot)
}

// TestOpsPageTables: KV tables (joined, and read FROM) and materialized
// tables are nodes of the graph, and the page draws them without a script
// error.
func TestOpsPageTables(t *testing.T) {
	addr, _ := startOpsRun(t, `
CREATE TABLE symbols (symbol VARCHAR PRIMARY KEY, sector VARCHAR) WITH (kv = 'opt_symbols');
CREATE STREAM trades (symbol VARCHAR, qty BIGINT) WITH (subject = 'opt.trades');
CREATE STREAM enriched WITH (subject = 'opt.enriched') AS
SELECT t.symbol, s.sector, t.qty FROM trades t LEFT JOIN symbols s ON t.symbol = s.symbol;
CREATE TABLE volume AS SELECT symbol, SUM(qty) AS volume FROM trades GROUP BY symbol;
CREATE TABLE sectors AS SELECT sector, COUNT(*) AS n FROM symbols GROUP BY sector;
`, Options{})
	st := waitState(t, addr, "ready", func(st opsState) bool { return st.Ready })
	ids := map[string]string{}
	for _, s := range st.Plan.Streams {
		ids[s.Kind+" "+s.Name] = s.ID
	}
	for _, tb := range st.Plan.Tables {
		ids[tb.Kind+" table "+tb.Name] = tb.ID
	}
	q := map[string]opsQuery{}
	for _, x := range st.Plan.Queries {
		q[x.Name] = x
	}
	if ids["kv table symbols"] != "t:symbols" || ids["materialized table volume"] == "" || ids["materialized table volume"] != ids["table volume"] ||
		!slices.Equal(q["enriched"].InputIDs, []string{ids["source trades"], "t:symbols"}) ||
		q["volume"].SinkID != ids["table volume"] || !slices.Equal(q["sectors"].InputIDs, []string{"t:symbols"}) {
		t.Errorf("graph ids %v, queries %+v", ids, q)
	}
	bin := chromiumBin(t)
	dom := string(headless(t, bin, "http://"+addr+"/", "--dump-dom"))
	for _, want := range []string{`>table symbols</text>`, `>table volume</text>`, `>table sectors</text>`, `>query enriched</text>`, `>ready<`} {
		if !strings.Contains(dom, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	if m := domRefRe.FindStringSubmatch(dom); m == nil || m[1] == "0" {
		t.Errorf("the page did not render (data-refreshes %v): %s", m, regexp.MustCompile(`id="refreshed">[^<]*`).FindString(dom))
	}
}
