package main

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A GROUP BY, a window and a Top-N by keys their JetStream source is not
// partitioned by: each reads the source through a stage partitioned by its
// key, a hidden JetStream stream (planner/exchange.go), so a crash between
// the two loops loses nothing and duplicates nothing.
const exchangeSQL = `
CREATE STREAM trades (id BIGINT, sym VARCHAR, qty BIGINT, ts TIMESTAMP)
WITH (subject = 'xd.trades.{partition}', partitions = 4, key = 'id', event_time = 'ts', jetstream = 'XD_TRADES');
CREATE STREAM totals WITH (subject = 'xd.totals', jetstream = 'XD_TOTALS') AS
SELECT sym, COUNT(*) AS n, SUM(qty) AS volume FROM trades GROUP BY sym;
CREATE STREAM windows WITH (subject = 'xd.windows', jetstream = 'XD_WINDOWS') AS
SELECT sym, window_start, COUNT(*) AS n, SUM(qty) AS volume FROM trades GROUP BY sym, TUMBLE(ts, INTERVAL '1' SECOND) EMIT FINAL;
CREATE STREAM biggest WITH (subject = 'xd.biggest', jetstream = 'XD_BIGGEST') AS
SELECT id, qty FROM trades ORDER BY qty DESC, id LIMIT 3;
`

// exchangeInput writes n trades (13 symbols, 10 ms apart) and returns the
// path, the batch answer of totals (sym → row), of windows (row → count)
// and of biggest (id → row).
func exchangeInput(t *testing.T, dir string, n int) (string, map[string]string, map[string]int, map[string]string) {
	rng := rand.New(rand.NewSource(11))
	count, vol := map[string]int64{}, map[string]int64{}
	type win struct {
		sym   string
		start int64
	}
	wn, wv := map[win]int64{}, map[win]int64{}
	type trade struct{ id, qty int64 }
	var all []trade
	var lines []string
	ts := int64(1_700_000_000_000)
	for i := range n {
		ts += 10
		sym := fmt.Sprintf("S%d", rng.Intn(13))
		qty := int64(rng.Intn(1000) + 1)
		lines = append(lines, fmt.Sprintf(`{"id":%d,"sym":"%s","qty":%d,"ts":%d}`, i, sym, qty, ts))
		count[sym]++
		vol[sym] += qty
		w := win{sym, ts - ts%1000}
		wn[w]++
		wv[w] += qty
		all = append(all, trade{int64(i), qty})
	}
	totals := map[string]string{}
	for sym := range count {
		totals[sym] = fmt.Sprintf(`{"sym":"%s","n":%d,"volume":%d}`, sym, count[sym], vol[sym])
	}
	windows := map[string]int{}
	for w := range wn {
		windows[fmt.Sprintf(`{"sym":"%s","window_start":"%s","n":%d,"volume":%d}`, w.sym, rfc3339ms(w.start), wn[w], wv[w])]++
	}
	biggest := map[string]string{}
	for range 3 {
		best := -1
		for i, tr := range all {
			if _, taken := biggest[fmt.Sprint(tr.id)]; !taken && (best < 0 || tr.qty > all[best].qty) {
				best = i
			}
		}
		biggest[fmt.Sprint(all[best].id)] = fmt.Sprintf(`{"id":%d,"qty":%d}`, all[best].id, all[best].qty)
	}
	path := filepath.Join(dir, "trades.jsonl")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, totals, windows, biggest
}

// TestRepartitionOverJetStreamSurvivesKills: velort SIGKILLed 3 times
// mid-stream and restarted. Each sink ends as the batch answer: the
// table of totals and of the Top-3; the windows exactly once each; and
// the totals' changelog holds each count of each symbol exactly once — a
// record lost between the loops would leave a gap, one processed twice a
// repeat. On the core repartition this test was written against (before
// exchange.go) records in flight between the halves were lost.
func TestRepartitionOverJetStreamSurvivesKills(t *testing.T) {
	if testing.Short() {
		t.Skip("starts velort processes")
	}
	const n = 40000
	dir := t.TempDir()
	emb := persistentServer(t, dir)
	nc := natsConnect(t, emb.ClientURL())
	in, totals, windows, biggest := exchangeInput(t, dir, n)
	query := filepath.Join(dir, "q.sql")
	os.WriteFile(query, []byte(exchangeSQL), 0o644)
	args := []string{"run", query, "--nats", emb.ClientURL(), "--replay", "trades=" + in, "--checkpoint-interval", "150ms"}
	rng := rand.New(rand.NewSource(5))
	interrupted := 0
	kills := 3
	if os.Getenv("XD_KILLS") != "" {
		fmt.Sscan(os.Getenv("XD_KILLS"), &kills)
	}
	for range kills {
		if killWhen(t, storedGrows(t, nc, "XD_TOTALS", n/8), time.Duration(rng.Intn(300))*time.Millisecond, args...) {
			interrupted++
		}
	}
	if interrupted == 0 && kills > 0 {
		t.Fatal("every run finished before it could be killed: the test proves nothing; raise n")
	}
	t.Logf("%d of 3 runs killed mid-stream", interrupted)
	_, errOut, code := velort(t, nil, args...)
	if code != 0 {
		t.Fatalf("final run: exit %d: %s", code, errOut)
	}
	if !strings.Contains(errOut, "restored checkpoint") {
		t.Errorf("the final run restored no checkpoint:\n%s", errOut)
	}
	js, _ := nc.JetStream()
	if os.Getenv("XD_DEBUG") != "" {
		t.Logf("final run: %s", errOut)
		for _, st := range []string{"VELORT_X_WINDOWS_1", "VELORT_X_TOTALS_1", "XD_TRADES"} {
			info, _ := js.StreamInfo(st)
			t.Logf("%s: %+v", st, info.State)
		}
	}
	compareTables(t, "totals vs batch answer", readChangelogTable(t, js, "XD_TOTALS"), totals)
	// A Top-N's key is the row's arrival number, which differs from run
	// to run: compare its rows.
	rows := func(table map[string]string) map[string]int {
		m := map[string]int{}
		for _, r := range table {
			m[r]++
		}
		return m
	}
	compareMultisets(t, "biggest vs batch answer", rows(readChangelogTable(t, js, "XD_BIGGEST")), rows(biggest))
	checkStream(t, nc, "XD_WINDOWS", windows)

	// Every count 1..N of each symbol exactly once in the totals' changelog.
	seen := map[string]map[int64]int{}
	for rec, times := range readSink(t, js, "XD_TOTALS") {
		var row struct {
			Sym string `json:"sym"`
			N   int64  `json:"n"`
		}
		if err := json.Unmarshal([]byte(rec), &row); err != nil {
			t.Fatalf("%q: %v", rec, err)
		}
		if seen[row.Sym] == nil {
			seen[row.Sym] = map[int64]int{}
		}
		seen[row.Sym][row.N] += times
	}
	for sym, want := range totals {
		var w struct {
			N int64 `json:"n"`
		}
		json.Unmarshal([]byte(want), &w)
		for c := int64(1); c <= w.N; c++ {
			if got := seen[sym][c]; got != 1 {
				t.Errorf("totals: %s reached count %d in %d records, want exactly 1", sym, c, got)
				break
			}
		}
	}
}

// exchangeJoinSQL: a regular join of two JetStream streams partitioned by
// their ids, on the bid's auction: the bids are read through a stage
// partitioned by auction (planner/exchange.go); this was refused before.
const exchangeJoinSQL = `
CREATE STREAM bids (id BIGINT, auction BIGINT, price BIGINT)
WITH (subject = 'xj.bids.{partition}', partitions = 4, key = 'id', jetstream = 'XJ_BIDS');
CREATE STREAM auctions (id BIGINT, seller VARCHAR)
WITH (subject = 'xj.auctions.{partition}', partitions = 4, key = 'id', jetstream = 'XJ_AUCTIONS');
CREATE STREAM joined WITH (subject = 'xj.joined', jetstream = 'XJ_JOINED') AS
SELECT b.id, b.price, a.seller FROM bids b JOIN auctions a ON b.auction = a.id;
`

// TestJetStreamJoinRepartitionedSurvivesKills: the join above, SIGKILLed
// 3 times mid-stream and restarted, ends with the batch join: each bid
// once with its auction's seller. An INNER join of append-only streams is
// append-only: its sink must hold each joined row exactly once (message
// ids make re-processed outputs duplicates JetStream drops).
func TestJetStreamJoinRepartitionedSurvivesKills(t *testing.T) {
	if testing.Short() {
		t.Skip("starts velort processes")
	}
	const n = 30000
	dir := t.TempDir()
	emb := persistentServer(t, dir)
	nc := natsConnect(t, emb.ClientURL())
	rng := rand.New(rand.NewSource(9))
	var bids, auctions []string
	want := map[string]int{}
	for a := range 400 {
		auctions = append(auctions, fmt.Sprintf(`{"id":%d,"seller":"p%d"}`, a, a%37))
	}
	for i := range n {
		a, price := rng.Intn(500), rng.Intn(10000) // auctions 400-499 never come
		bids = append(bids, fmt.Sprintf(`{"id":%d,"auction":%d,"price":%d}`, i, a, price))
		if a < 400 {
			want[fmt.Sprintf(`{"id":%d,"price":%d,"seller":"p%d"}`, i, price, a%37)]++
		}
	}
	bidsPath, auctionsPath := filepath.Join(dir, "bids.jsonl"), filepath.Join(dir, "auctions.jsonl")
	os.WriteFile(bidsPath, []byte(strings.Join(bids, "\n")+"\n"), 0o644)
	os.WriteFile(auctionsPath, []byte(strings.Join(auctions, "\n")+"\n"), 0o644)
	query := filepath.Join(dir, "q.sql")
	os.WriteFile(query, []byte(exchangeJoinSQL), 0o644)
	args := []string{"run", query, "--nats", emb.ClientURL(), "--replay", "bids=" + bidsPath, "--replay", "auctions=" + auctionsPath, "--checkpoint-interval", "150ms"}
	rng = rand.New(rand.NewSource(6))
	interrupted := 0
	for range 3 {
		if killWhen(t, storedGrows(t, nc, "XJ_JOINED", n/8), time.Duration(rng.Intn(300))*time.Millisecond, args...) {
			interrupted++
		}
	}
	if interrupted == 0 {
		t.Fatal("every run finished before it could be killed: the test proves nothing; raise n")
	}
	t.Logf("%d of 3 runs killed mid-stream", interrupted)
	_, errOut, code := velort(t, nil, args...)
	if code != 0 {
		t.Fatalf("final run: exit %d: %s", code, errOut)
	}
	js, _ := nc.JetStream()
	got := map[string]int{}
	for _, m := range streamMsgs(t, js, "XJ_JOINED") {
		if m.Header.Get("Velort-Op") != "" {
			t.Fatalf("an append-only join's output with Velort-Op: %s", m.Data)
		}
		got[string(m.Data)]++
	}
	compareMultisets(t, "joined vs batch join", got, want)
}
