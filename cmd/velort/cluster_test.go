package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/velort/velort/partition"
	"github.com/velort/velort/transport"
)

// The scale-out test (issue 8): several `velort run` processes with the
// same SQL file against a 3-node NATS cluster share the partitions of
// every query through leases, survive a SIGKILL, a SIGTERM and a join, and
// the JetStream sinks end up holding exactly a single run's output.
//
// idle_timeout is an hour so that only event time closes windows: the
// expected output must not depend on how long a handover leaves a
// partition without input.
const clusterSQL = `
CREATE STREAM trades (sym VARCHAR, price BIGINT, qty BIGINT, ts TIMESTAMP)
WITH (subject = 'cl.trades.{partition}', partitions = 8, key = 'sym', event_time = 'ts',
      idle_timeout = '1h', jetstream = 'CL_TRADES');
CREATE STREAM big WITH (subject = 'cl.big', jetstream = 'CL_BIG') AS
SELECT sym, price, qty, price * qty AS notional, ts FROM trades WHERE qty >= 60;
CREATE STREAM bars WITH (subject = 'cl.bars', jetstream = 'CL_BARS') AS
SELECT sym, window_start, window_end, COUNT(*) AS n, SUM(qty) AS volume, SUM(price * qty) AS notional,
       MIN(price) AS low, MAX(price) AS high
FROM trades GROUP BY sym, TUMBLE(ts, INTERVAL '10' SECOND) EMIT FINAL;
`

const (
	clusterPartitions  = 8
	clusterUnits       = 2 * clusterPartitions // (query, partition) pairs
	clusterLeaseBucket = "velort_cluster"      // transport.ClusterBucket
	clusterLeaseTTL    = 2 * time.Second
)

// clusterInput is the test's input in publish order and the exact
// multisets the two sinks must hold.
type clusterInput struct {
	subjects []string
	data     [][]byte
	// sentinels, one per partition, lie an hour after the input: they
	// close every window of it and are themselves neither filtered in nor
	// ever closed.
	sentinelSubjects []string
	sentinels        [][]byte
	wantBig          map[string]int
	wantBars         map[string]int
}

func makeClusterInput(t *testing.T, n int) *clusterInput {
	const syms, stepMs, windowMs = 32, 5, 10_000
	const base = int64(1_700_000_000_000)
	type bar struct{ n, volume, notional, low, high int64 }
	in := &clusterInput{wantBig: map[string]int{}, wantBars: map[string]int{}}
	type window struct {
		sym   string
		start int64
	}
	bars := map[window]*bar{}
	symOf := map[int]string{} // a symbol of each partition
	for i := range n {
		sym := fmt.Sprintf("S%02d", i%syms)
		price := int64(100 + (i*37)%900)
		qty := int64(1 + (i*13)%100)
		ts := base + int64(i)*stepMs
		p := transport.PartitionOf([]byte(sym), clusterPartitions)
		symOf[p] = sym
		in.subjects = append(in.subjects, "cl.trades."+strconv.Itoa(p))
		in.data = append(in.data, fmt.Appendf(nil, `{"sym":"%s","price":%d,"qty":%d,"ts":%d}`, sym, price, qty, ts))
		if qty >= 60 {
			in.wantBig[fmt.Sprintf(`{"sym":"%s","price":%d,"qty":%d,"notional":%d,"ts":"%s"}`, sym, price, qty, price*qty, rfc3339ms(ts))]++
		}
		w := window{sym, ts - ts%windowMs}
		b := bars[w]
		if b == nil {
			b = &bar{low: price, high: price}
			bars[w] = b
		}
		b.n++
		b.volume += qty
		b.notional += price * qty
		b.low, b.high = min(b.low, price), max(b.high, price)
	}
	for w, b := range bars {
		in.wantBars[fmt.Sprintf(`{"sym":"%s","window_start":"%s","window_end":"%s","n":%d,"volume":%d,"notional":%d,"low":%d,"high":%d}`,
			w.sym, rfc3339ms(w.start), rfc3339ms(w.start+windowMs), b.n, b.volume, b.notional, b.low, b.high)]++
	}
	if len(symOf) != clusterPartitions {
		t.Fatalf("the symbols cover %d of %d partitions", len(symOf), clusterPartitions)
	}
	end := base + int64(n)*stepMs + time.Hour.Milliseconds()
	for p := range clusterPartitions {
		in.sentinelSubjects = append(in.sentinelSubjects, "cl.trades."+strconv.Itoa(p))
		in.sentinels = append(in.sentinels, fmt.Appendf(nil, `{"sym":"%s","price":1,"qty":1,"ts":%d}`, symOf[p], end))
	}
	return in
}

// startCluster starts three in-process nats-servers with JetStream routed
// into one cluster on loopback and returns their client URLs once
// JetStream has a meta leader.
func startCluster(t *testing.T) []string {
	t.Helper()
	routePorts := []string{freePort(t), freePort(t), freePort(t)}
	var servers []*server.Server
	var urls []string
	for i := range 3 {
		var routes []string
		for j, p := range routePorts {
			if j != i {
				routes = append(routes, "nats://127.0.0.1:"+p)
			}
		}
		cport, _ := strconv.Atoi(routePorts[i])
		opts := &server.Options{
			ServerName: fmt.Sprintf("cl-%d", i),
			Host:       "127.0.0.1",
			Port:       server.RANDOM_PORT,
			JetStream:  true,
			StoreDir:   filepath.Join(t.TempDir(), "js"),
			Cluster:    server.ClusterOpts{Name: "velort-test", Host: "127.0.0.1", Port: cport},
			Routes:     server.RoutesFromStr(strings.Join(routes, ",")),
			// As the embedded server: a fast publisher stalls rather than
			// having a consumer cut off.
			MaxPending:    256 << 20,
			WriteDeadline: time.Minute,
			NoSigs:        true,
			NoLog:         true,
		}
		srv, err := server.NewServer(opts)
		if err != nil {
			t.Fatal(err)
		}
		go srv.Start()
		t.Cleanup(func() { srv.Shutdown(); srv.WaitForShutdown() })
		servers = append(servers, srv)
	}
	for i, srv := range servers {
		if !srv.ReadyForConnections(20 * time.Second) {
			t.Fatalf("server %d not ready", i)
		}
		urls = append(urls, srv.ClientURL())
	}
	for i, url := range urls {
		nc, err := nats.Connect(url)
		if err != nil {
			t.Fatal(err)
		}
		js, _ := nc.JetStream()
		deadline := time.Now().Add(30 * time.Second)
		for {
			_, err := js.AccountInfo()
			if err == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("JetStream on server %d not ready: %v", i, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
		nc.Close()
	}
	return urls
}

// clusterProc is one `velort run` child process with its stderr kept.
type clusterProc struct {
	id     string
	cmd    *exec.Cmd
	log    *lineLog
	exited chan struct{}
	err    error
}

func startVelort(t *testing.T, id string, args ...string) *clusterProc {
	t.Helper()
	p := &clusterProc{id: id, log: &lineLog{}, exited: make(chan struct{})}
	p.cmd = exec.Command(os.Args[0], "-test.run=^$")
	p.cmd.Env = append(os.Environ(), "VELORT_AS_CLI=1", "VELORT_ARGS="+strings.Join(args, " "))
	p.cmd.Stderr = p.log
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			_ = p.cmd.Process.Signal(syscall.SIGKILL)
			<-p.exited
		}
	})
	return p
}

// stop sends sig and waits (up to d) for the exit; it returns the exit
// code (-1: killed by a signal) and whether the process exited in time.
func (p *clusterProc) stop(sig syscall.Signal, d time.Duration) (int, bool) {
	_ = p.cmd.Process.Signal(sig)
	select {
	case <-p.exited:
		return p.cmd.ProcessState.ExitCode(), true
	case <-time.After(d):
		return 0, false
	}
}

func (p *clusterProc) running() bool {
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// lineLog collects a process's stderr as lines.
type lineLog struct {
	mu    sync.Mutex
	part  []byte
	lines []string
}

func (l *lineLog) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.part = append(l.part, b...)
	for {
		i := bytes.IndexByte(l.part, '\n')
		if i < 0 {
			break
		}
		l.lines = append(l.lines, string(l.part[:i]))
		l.part = l.part[i+1:]
	}
	return len(b), nil
}

func (l *lineLog) snapshot() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.lines)
}

// slogAttr returns the value of attribute key in a slog text line ("" if
// absent).
func slogAttr(line, key string) string {
	i := strings.Index(" "+line, " "+key+"=")
	if i < 0 {
		return ""
	}
	v := line[i+len(key)+1:]
	if strings.HasPrefix(v, `"`) {
		if s, err := strconv.QuotedPrefix(v); err == nil {
			u, _ := strconv.Unquote(s)
			return u
		}
	}
	if j := strings.IndexByte(v, ' '); j >= 0 {
		v = v[:j]
	}
	return v
}

// acquisitions lists the log's msg="partition acquired" events as unit
// ("<query>.<partition>") and log time.
func (l *lineLog) acquisitions() map[string][]time.Time {
	out := map[string][]time.Time{}
	for _, line := range l.snapshot() {
		if slogAttr(line, "msg") != "partition acquired" {
			continue
		}
		at, err := time.Parse(time.RFC3339Nano, slogAttr(line, "time"))
		if err != nil {
			continue
		}
		u := slogAttr(line, "unit")
		if u == "" {
			u = slogAttr(line, "query") + "." + slogAttr(line, "partition")
		}
		out[u] = append(out[u], at)
	}
	return out
}

// notable is the part of a log worth showing when the test fails.
func (l *lineLog) notable(limit int) string {
	var keep []string
	for _, line := range l.snapshot() {
		switch slogAttr(line, "msg") {
		case "partition acquired", "partition released", "lease lost":
			keep = append(keep, line)
			continue
		}
		if lv := slogAttr(line, "level"); lv == "WARN" || lv == "ERROR" || !strings.HasPrefix(line, "time=") {
			keep = append(keep, line)
		}
	}
	if len(keep) > limit {
		keep = append(keep[:limit/2:limit/2], append([]string{fmt.Sprintf("… %d lines …", len(keep)-limit)}, keep[len(keep)-limit/2:]...)...)
	}
	return strings.Join(keep, "\n")
}

// leaseWatch follows the cluster bucket: unit → owner ("" once
// released) and when that owner was first seen, and a history of owner
// and member changes for failure reports. (Expired keys are not seen:
// the bucket writes no marker for them.)
type leaseWatch struct {
	mu      sync.Mutex
	owner   map[string]string
	since   map[string]time.Time
	members map[string]bool
	history []string
	kv      nats.KeyValue
}

func watchLeases(t *testing.T, js nats.JetStreamContext) *leaseWatch {
	t.Helper()
	var kv nats.KeyValue
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		var err error
		if kv, err = js.KeyValue(clusterLeaseBucket); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("KV bucket %s never appeared: %v", clusterLeaseBucket, err)
		}
	}
	w, err := kv.WatchAll()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.Stop() })
	lw := &leaseWatch{owner: map[string]string{}, since: map[string]time.Time{}, members: map[string]bool{}, kv: kv}
	go func() {
		for e := range w.Updates() {
			if e != nil {
				lw.update(e)
			}
		}
	}()
	return lw
}

func (lw *leaseWatch) update(e nats.KeyValueEntry) {
	now := time.Now()
	put := e.Operation() == nats.KeyValuePut
	lw.mu.Lock()
	defer lw.mu.Unlock()
	note := func(format string, args ...any) {
		lw.history = append(lw.history, now.UTC().Format("15:04:05.000 ")+fmt.Sprintf(format, args...))
	}
	if id, ok := strings.CutPrefix(e.Key(), "member."); ok {
		if lw.members[id] != put {
			lw.members[id] = put
			note("member %s present %v", id, put)
		}
		return
	}
	unit, ok := strings.CutPrefix(e.Key(), "lease.")
	if !ok {
		return
	}
	var v struct {
		Owner string `json:"owner"`
	}
	if put {
		_ = json.Unmarshal(e.Value(), &v)
	}
	if lw.owner[unit] != v.Owner {
		lw.since[unit] = now
		note("lease %s owner %q (was %q)", unit, v.Owner, lw.owner[unit])
	}
	lw.owner[unit] = v.Owner
}

func (lw *leaseWatch) changes() string {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	return strings.Join(lw.history, "\n")
}

// owners reads the live leases: unit → owner. (The watch cannot tell
// which leases expired.)
func (lw *leaseWatch) owners() map[string]string {
	out := map[string]string{}
	for _, q := range []string{"big", "bars"} {
		for p := range clusterPartitions {
			unit := fmt.Sprintf("%s.%d", q, p)
			e, err := lw.kv.Get("lease." + unit)
			if err != nil {
				continue
			}
			var v struct {
				Owner string `json:"owner"`
			}
			if json.Unmarshal(e.Value(), &v) == nil && v.Owner != "" {
				out[unit] = v.Owner
			}
		}
	}
	return out
}

// shares counts the units each owner holds.
func leaseShares(owners map[string]string) map[string]int {
	s := map[string]int{}
	for _, o := range owners {
		s[o]++
	}
	return s
}

// waitOwners polls until every unit is owned by one of members, in
// balanced shares (they differ by at most one), and stays so for a lease
// TTL; it fails the test after d.
func (lw *leaseWatch) waitOwners(t *testing.T, d time.Duration, members ...string) map[string]string {
	t.Helper()
	deadline := time.Now().Add(d)
	var settled time.Time // since when the shares are as wanted
	for {
		o := lw.owners()
		s := leaseShares(o)
		ok := len(o) == clusterUnits
		for owner := range s {
			ok = ok && slices.Contains(members, owner)
		}
		for _, m := range members {
			ok = ok && s[m] >= clusterUnits/len(members) && s[m] <= (clusterUnits+len(members)-1)/len(members)
		}
		switch {
		case !ok:
			settled = time.Time{}
		case settled.IsZero():
			settled = time.Now()
		case time.Since(settled) >= clusterLeaseTTL:
			return o
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s the %d units are not all owned by %v in balanced shares for %s: shares %v", d, clusterUnits, members, clusterLeaseTTL, s)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func dumpLogs(t *testing.T, procs []*clusterProc) {
	t.Helper()
	for _, p := range procs {
		state := "running"
		if !p.running() {
			state = fmt.Sprintf("exited: %v", p.err)
		}
		t.Logf("--- instance %s (%s):\n%s", p.id, state, p.log.notable(200))
	}
}

// readSink returns the data of every non-control message of a stream (read
// through an ordered consumer) with the number of times it is stored.
func readSink(t *testing.T, js nats.JetStreamContext, stream string) map[string]int {
	t.Helper()
	info, err := js.StreamInfo(stream)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	last := info.State.LastSeq
	if last == 0 {
		return got
	}
	sub, err := js.SubscribeSync("", nats.BindStream(stream), nats.OrderedConsumer(), nats.DeliverAll())
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	for {
		m, err := sub.NextMsg(10 * time.Second)
		if err != nil {
			t.Fatalf("%s: reading: %v", stream, err)
		}
		if m.Header.Get(partition.HeaderControl) == "" {
			got[string(m.Data)]++
		}
		if meta, err := m.Metadata(); err != nil || meta.Sequence.Stream >= last {
			return got
		}
	}
}

// diffOutputs describes how got differs from want as multisets: records
// missing, records output more often than expected (duplicates) and
// records not expected at all, and the source partitions of these; ""
// when they are equal. identity, when set, names the group a record
// belongs to (e.g. its window), and groups output more than once are
// counted too.
func diffOutputs(got, want map[string]int, identity func(string) string) string {
	byPartition := map[string]int{}
	var missing, dups, unexpected []string
	nMissing, nDups, nUnexpected := 0, 0, 0
	for k, c := range want {
		if g := got[k]; g < c {
			nMissing += c - g
			missing = append(missing, k)
			byPartition[recordPartition(k)] += c - g
		}
	}
	for k, g := range got {
		switch c, ok := want[k]; {
		case !ok:
			nUnexpected += g
			unexpected = append(unexpected, k)
			byPartition[recordPartition(k)] += g
		case g > c:
			nDups += g - c
			dups = append(dups, fmt.Sprintf("%d× %s", g, k))
			byPartition[recordPartition(k)] += g - c
		}
	}
	nGroups := 0
	var groups []string
	if identity != nil {
		per := map[string]int{}
		for k, g := range got {
			per[identity(k)] += g
		}
		for id, g := range per {
			if g > 1 {
				nGroups++
				groups = append(groups, fmt.Sprintf("%d× %s", g, id))
			}
		}
	}
	if nMissing+nDups+nUnexpected+nGroups == 0 {
		return ""
	}
	for _, s := range [][]string{missing, dups, unexpected, groups} {
		sort.Strings(s)
	}
	msg := fmt.Sprintf("%d expected, %d stored: %d missing %v; %d duplicated %v; %d unexpected %v",
		multisetSize(want), multisetSize(got), nMissing, head(missing), nDups, head(dups), nUnexpected, head(unexpected))
	if identity != nil {
		msg += fmt.Sprintf("; %d groups output more than once %v", nGroups, head(groups))
	}
	return msg + fmt.Sprintf("; wrong records by source partition: %v", byPartition)
}

func multisetSize(m map[string]int) int {
	n := 0
	for _, c := range m {
		n += c
	}
	return n
}

// recordPartition is "p<N>", the source partition of an output record
// (by its sym).
func recordPartition(rec string) string {
	var v struct{ Sym string }
	if json.Unmarshal([]byte(rec), &v) != nil {
		return "?"
	}
	return fmt.Sprintf("p%d", transport.PartitionOf([]byte(v.Sym), clusterPartitions))
}

// barWindow is the (sym, window) a bars record is about.
func barWindow(rec string) string {
	if i := strings.Index(rec, `,"n":`); i >= 0 {
		return rec[:i]
	}
	return rec
}

// publishRange stores records (subject i, data i) and waits for their acks.
func publishRange(t *testing.T, js nats.JetStreamContext, subjects []string, data [][]byte) {
	t.Helper()
	acks := make([]nats.PubAckFuture, 0, len(data))
	for i := range data {
		f, err := js.PublishAsync(subjects[i], data[i], nats.StallWait(time.Minute))
		if err != nil {
			t.Errorf("publishing input: %v", err)
			return
		}
		acks = append(acks, f)
	}
	for _, f := range acks {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			t.Errorf("publishing input: %v", err)
			return
		case <-time.After(time.Minute):
			t.Error("input not stored within a minute")
			return
		}
	}
}

// sinkMsgs is how many messages a stream holds (0 if it does not exist).
func sinkMsgs(js nats.JetStreamContext, stream string) int {
	if info, err := js.StreamInfo(stream); err == nil {
		return int(info.State.Msgs)
	}
	return 0
}

// TestClusterScaleOut: three velort instances, each connected to another
// server of a 3-node NATS cluster, share the 16 (query, partition) units
// of a filter and a TUMBLE aggregate over an 8-partition JetStream source.
// One is SIGKILLed and another SIGTERMed while input flows, and a fourth
// joins; the sinks then hold exactly the output of a single run: every
// record once, every window once with exact aggregates.
func TestClusterScaleOut(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a NATS cluster and velort processes")
	}
	started := time.Now()
	// stamp is the wall clock (as in velort's logs) and the test's age.
	stamp := func() string {
		now := time.Now()
		return now.UTC().Format("15:04:05.000") + " (+" + now.Sub(started).Round(time.Millisecond).String() + ")"
	}
	urls := startCluster(t)
	t.Logf("%s cluster of 3 ready", stamp())

	const n = 120_000
	in := makeClusterInput(t, n)
	nc, err := nats.Connect(urls[0])
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := nc.JetStream(nats.PublishAsyncMaxPending(4096))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.AddStream(&nats.StreamConfig{Name: "CL_TRADES", Subjects: []string{"cl.trades.*"},
		Storage: nats.FileStorage, Duplicates: 2 * time.Minute}); err != nil {
		t.Fatal(err)
	}
	// 70% of the input before the instances start, the rest while they
	// are killed, stopped and joined.
	pre := n * 7 / 10
	publishRange(t, js, in.subjects[:pre], in.data[:pre])
	t.Logf("%s %d records stored; starting a, b, c", stamp(), pre)

	dir := t.TempDir()
	query := filepath.Join(dir, "cluster.sql")
	if err := os.WriteFile(query, []byte(clusterSQL), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(id, url string) *clusterProc {
		return startVelort(t, id, "run", query, "--nats", url, "--instance-id", id,
			"--lease-ttl", clusterLeaseTTL.String(), "--checkpoint-interval", "200ms")
	}
	a, b, c := run("a", urls[0]), run("b", urls[1]), run("c", urls[2])
	procs := []*clusterProc{a, b, c}
	leases := watchLeases(t, js)
	defer func() {
		if t.Failed() {
			dumpLogs(t, procs)
			t.Logf("--- changes of the cluster bucket seen by the test:\n%s", leases.changes())
		}
	}()
	owners := leases.waitOwners(t, 30*time.Second, "a", "b", "c")
	t.Logf("%s units shared by a, b, c: %v", stamp(), leaseShares(owners))

	// The rest of the input, paced over about 20 s, from another connection.
	pubDone, stopPub := make(chan struct{}), make(chan struct{})
	defer func() { close(stopPub); <-pubDone }()
	go func() {
		defer close(pubDone)
		pnc, err := nats.Connect(urls[2])
		if err != nil {
			t.Error(err)
			return
		}
		defer pnc.Close()
		pjs, _ := pnc.JetStream(nats.PublishAsyncMaxPending(4096))
		const batch = 200
		for i := pre; i < n; i += batch {
			j := min(i+batch, n)
			publishRange(t, pjs, in.subjects[i:j], in.data[i:j])
			select {
			case <-stopPub:
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	time.Sleep(time.Second)

	// SIGKILL a: its leases expire and b and c take its units.
	var killed []string
	for u, o := range leases.owners() {
		if o == "a" {
			killed = append(killed, u)
		}
	}
	sort.Strings(killed)
	if len(killed) == 0 {
		t.Fatal("a owns no unit")
	}
	t.Logf("%s SIGKILL a", stamp())
	killedAt := time.Now()
	if _, ok := a.stop(syscall.SIGKILL, 10*time.Second); !ok {
		t.Fatal("a did not die of SIGKILL")
	}
	owners = leases.waitOwners(t, 30*time.Second, "b", "c")
	var leaseMoved time.Time
	leases.mu.Lock()
	for _, u := range killed {
		leaseMoved = laterOf(leaseMoved, leases.since[u])
	}
	leases.mu.Unlock()
	var logAcquired time.Time
	complete := true
	for _, u := range killed {
		var first time.Time
		for _, p := range []*clusterProc{b, c} {
			for _, at := range p.log.acquisitions()[u] {
				if at.After(killedAt) && (first.IsZero() || at.Before(first)) {
					first = at
				}
			}
		}
		if first.IsZero() {
			complete = false
		}
		logAcquired = laterOf(logAcquired, first)
	}
	t.Logf("SIGKILL of a (units %v): leases held by others after %s (lease TTL %s); shares %v",
		killed, leaseMoved.Sub(killedAt).Round(time.Millisecond), clusterLeaseTTL, leaseShares(owners))
	if complete {
		t.Logf("SIGKILL of a: last \"partition acquired\" of its units logged %s after the kill", logAcquired.Sub(killedAt).Round(time.Millisecond))
	} else {
		t.Errorf("not every unit of a was logged as \"partition acquired\" by b or c after the kill")
	}

	// SIGTERM b: it hands its units over and exits 0.
	t.Logf("%s SIGTERM b", stamp())
	if code, ok := b.stop(syscall.SIGTERM, 30*time.Second); !ok || code != 0 {
		t.Fatalf("SIGTERM of b: exit code %d, exited within 30s: %v", code, ok)
	}
	owners = leases.waitOwners(t, 30*time.Second, "c")
	t.Logf("%s after SIGTERM of b: shares %v", stamp(), leaseShares(owners))

	// d joins and takes a share from c.
	t.Logf("%s starting d", stamp())
	d := run("d", urls[1])
	procs = append(procs, d)
	owners = leases.waitOwners(t, 30*time.Second, "c", "d")
	t.Logf("%s after d joined: shares %v", stamp(), leaseShares(owners))

	<-pubDone
	if t.Failed() {
		t.FailNow()
	}
	publishRange(t, js, in.sentinelSubjects, in.sentinels)
	t.Logf("%s all %d records and the window-closing sentinels stored", stamp(), n)

	waitClusterSinks(t, js, in)
	t.Logf("%s sinks complete or stalled", stamp())

	// Stop the last two (c hands its units to d, d checkpoints them), then
	// compare: nothing the handovers re-ran may show up twice.
	for _, p := range []*clusterProc{c, d} {
		t.Logf("%s SIGTERM %s", stamp(), p.id)
		if code, ok := p.stop(syscall.SIGTERM, 30*time.Second); !ok || code != 0 {
			t.Errorf("SIGTERM of %s: exit code %d, exited within 30s: %v", p.id, code, ok)
		}
	}
	checkClusterSinks(t, js, in)
	t.Logf("%s done", stamp())
}

func laterOf(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// waitClusterSinks waits until the sinks hold as many records as they
// should (giving up after 30 s without progress), then a little longer
// for any extra output.
func waitClusterSinks(t *testing.T, js nats.JetStreamContext, in *clusterInput) {
	t.Helper()
	wantBig, wantBars := multisetSize(in.wantBig), multisetSize(in.wantBars)
	last, lastChange := -1, time.Now()
	for {
		big, bars := sinkMsgs(js, "CL_BIG"), sinkMsgs(js, "CL_BARS")
		if big >= wantBig && bars >= wantBars {
			break
		}
		if big+bars != last {
			last, lastChange = big+bars, time.Now()
		}
		if time.Since(lastChange) > 30*time.Second {
			t.Errorf("sinks incomplete, and no new output for 30s: CL_BIG %d of %d, CL_BARS %d of %d", big, wantBig, bars, wantBars)
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(2 * clusterLeaseTTL)
}

// checkClusterSinks compares the sinks with the expectation.
func checkClusterSinks(t *testing.T, js nats.JetStreamContext, in *clusterInput) {
	t.Helper()
	if diff := diffOutputs(readSink(t, js, "CL_BIG"), in.wantBig, nil); diff != "" {
		t.Errorf("CL_BIG (filter): %s", diff)
	}
	if diff := diffOutputs(readSink(t, js, "CL_BARS"), in.wantBars, barWindow); diff != "" {
		t.Errorf("CL_BARS (TUMBLE): %s", diff)
	}
}
