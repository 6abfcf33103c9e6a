package main

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/velort/velort/partition"
	"github.com/velort/velort/transport"
)

// BenchmarkScaleOut is the scale-out figure of BENCHMARKS.md (issue 8):
// SPEC §5's S0 over a JetStream backlog of 8 partitions (key order_id)
// into a JetStream sink, drained by one `velort run` process, then by two
// sharing the partitions through leases (--lease-ttl 2s), each against a
// fresh nats-server process with a file store. Every run checks that the
// sink holds each expected output exactly once.
//
//	go test ./cmd/velort -run XXX -bench ScaleOut -benchtime 1x -count 3
//
// VELORT_SCALEOUT_RECORDS overrides the 400,000 records.
func BenchmarkScaleOut(b *testing.B) {
	n := 400_000
	if s := os.Getenv("VELORT_SCALEOUT_RECORDS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v <= 0 {
			b.Fatalf("VELORT_SCALEOUT_RECORDS=%q: want a positive integer", s)
		}
		n = v
	}
	sql := scaleOutSQL(b)
	// -count repeats each sub-benchmark in a row: the i-th instances=2 run
	// is compared with the i-th instances=1 run of this process.
	var single []float64
	paired := 0
	for _, k := range []int{1, 2} {
		b.Run(fmt.Sprintf("instances=%d", k), func(b *testing.B) {
			var runs []scaleOutResult
			for range b.N {
				runs = append(runs, scaleOutRun(b, sql, n, k))
			}
			r := scaleOutMedian(runs, func(r scaleOutResult) float64 { return r.rate })
			if k == 1 {
				single = append(single, r.rate)
			} else if paired < len(single) {
				b.ReportMetric(r.rate/single[paired], "ratio_to_1")
				paired++
			}
			b.ReportMetric(r.rate, "records/s")
			b.ReportMetric(r.settledRate, "records/s_settled")
			b.ReportMetric(float64(r.startup.Milliseconds()), "ms_startup")
			b.ReportMetric(float64(r.firstOut.Milliseconds()), "ms_first_output")
			b.ReportMetric(float64(r.wall.Milliseconds()), "ms_wall")
			b.ReportMetric(float64(r.acquisitions), "acquisitions")
			b.ReportMetric(r.velortCPU, "cpu_s_velort")
			b.ReportMetric(r.serverCPU, "cpu_s_server")
			b.ReportMetric(0, "ns/op")
		})
	}
}

const scaleOutPartitions = 8

// scaleOutSQL is internal/bench/sql/s0.sql with its streams made
// JetStream streams and the source partitioned by order_id.
func scaleOutSQL(tb testing.TB) string {
	src, err := os.ReadFile(filepath.Join("..", "..", "internal", "bench", "sql", "s0.sql"))
	if err != nil {
		tb.Fatal(err)
	}
	sql := string(src)
	for from, to := range map[string]string{
		"subject = 'bench.s0.in', format = 'json'":  fmt.Sprintf("subject = 'so.s0.in.{partition}', partitions = %d, key = 'order_id', format = 'json', jetstream = 'SO_S0_IN'", scaleOutPartitions),
		"subject = 'bench.s0.out', format = 'json'": "subject = 'so.s0.out', format = 'json', jetstream = 'SO_S0_OUT'",
	} {
		if strings.Count(sql, from) != 1 {
			tb.Fatalf("s0.sql no longer contains %q once: update scaleOutSQL", from)
		}
		sql = strings.Replace(sql, from, to, 1)
	}
	return sql
}

// scaleOutRecord appends record i of S0's data (SPEC §5).
func scaleOutRecord(dst []byte, i int) []byte {
	return fmt.Appendf(dst, `{"order_id":%d,"customer_id":%d,"order_date":"2024-01-15","total_amount":%d}`, i, i%1000, 150+i%100)
}

// scaleOutExpected counts the records S0's WHERE total_amount > 100 keeps.
func scaleOutExpected(n int) int {
	c := 0
	for i := range n {
		if 150+i%100 > 100 {
			c++
		}
	}
	return c
}

type scaleOutResult struct {
	rate         float64       // outputs / (last output stored − first output stored)
	settledRate  float64       // outputs/s after startup, from the polled sink counts
	startup      time.Duration // launch → last "partition acquired" (every unit with its final owner)
	firstOut     time.Duration // launch → first output stored
	wall         time.Duration // launch → all outputs stored (polled every 20 ms)
	acquisitions int           // "partition acquired" events; 8 means no handover
	// CPU seconds from launch until all outputs are stored: the velort
	// instances together, and nats-server.
	velortCPU, serverCPU float64
}

func scaleOutMedian(rs []scaleOutResult, key func(scaleOutResult) float64) scaleOutResult {
	s := append([]scaleOutResult(nil), rs...)
	sort.Slice(s, func(i, j int) bool { return key(s[i]) < key(s[j]) })
	return s[len(s)/2]
}

// scaleOutRun fills the source, launches k instances at once and waits
// until the sink holds every output, then checks it and stops them.
func scaleOutRun(b *testing.B, sql string, n, k int) scaleOutResult {
	b.Helper()
	dir := b.TempDir()
	url, server := scaleOutServer(b, filepath.Join(dir, "js"))
	nc, err := nats.Connect(url)
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	js, err := nc.JetStream(nats.PublishAsyncMaxPending(4096))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := js.AddStream(&nats.StreamConfig{Name: "SO_S0_IN", Subjects: []string{"so.s0.in.*"},
		Storage: nats.FileStorage, Duplicates: 2 * time.Minute}); err != nil {
		b.Fatal(err)
	}
	perPartition := scaleOutPublish(b, js, n)
	if got := scaleOutMsgs(js, "SO_S0_IN"); got != n {
		b.Fatalf("source holds %d records, want %d", got, n)
	}
	want := scaleOutExpected(n)
	query := filepath.Join(dir, "s0.sql")
	if err := os.WriteFile(query, []byte(sql), 0o644); err != nil {
		b.Fatal(err)
	}

	serverCPU0 := scaleOutCPU(server)
	t0 := time.Now()
	procs := make([]*scaleOutProc, k)
	for i := range procs {
		procs[i] = startScaleOutProc(b, "run", query, "--nats", url, "--instance-id", fmt.Sprintf("so-%d", i), "--lease-ttl", "2s")
	}
	type sample struct {
		at   time.Time
		msgs int
	}
	var samples []sample
	for deadline := t0.Add(5 * time.Minute); ; time.Sleep(20 * time.Millisecond) {
		m := scaleOutMsgs(js, "SO_S0_OUT")
		samples = append(samples, sample{time.Now(), m})
		if m >= want {
			break
		}
		for _, p := range procs {
			if !p.running() {
				b.Fatalf("instance %s exited early: %v\n%s", p.id, p.err, p.tail())
			}
		}
		if time.Now().After(deadline) {
			b.Fatalf("sink holds %d of %d outputs after 5 minutes", m, want)
		}
	}
	var r scaleOutResult
	r.wall = samples[len(samples)-1].at.Sub(t0)
	r.serverCPU = scaleOutCPU(server) - serverCPU0
	for _, p := range procs {
		r.velortCPU += scaleOutCPU(p.cmd.Process.Pid)
	}

	// Stable: nothing more arrives while the instances keep running (a
	// lease tick and more), nor after they stop.
	time.Sleep(1500 * time.Millisecond)
	if m := scaleOutMsgs(js, "SO_S0_OUT"); m != want {
		b.Fatalf("sink holds %d outputs once stable, want exactly %d", m, want)
	}
	for _, p := range procs {
		if code := p.stop(20 * time.Second); code != 0 {
			b.Fatalf("instance %s: exit %d after SIGTERM\n%s", p.id, code, p.tail())
		}
	}
	info, err := js.StreamInfo("SO_S0_OUT")
	if err != nil {
		b.Fatal(err)
	}
	if int(info.State.Msgs) != want {
		b.Fatalf("sink holds %d outputs after the instances stopped, want exactly %d", info.State.Msgs, want)
	}
	scaleOutCheckSink(b, js, n, want)

	span := info.State.LastTime.Sub(info.State.FirstTime)
	r.rate = float64(want) / span.Seconds()
	r.firstOut = info.State.FirstTime.Sub(t0)

	last := map[string]time.Time{} // unit → its final owner's acquisition
	owner := map[string]string{}
	for _, p := range procs {
		for _, a := range p.acquired() {
			r.acquisitions++
			if a.at.After(last[a.unit]) {
				last[a.unit], owner[a.unit] = a.at, p.id
			}
		}
	}
	shares := map[string]int{}
	for _, id := range owner {
		shares[id]++
	}
	if len(last) != scaleOutPartitions {
		b.Fatalf("%d units acquired, want %d", len(last), scaleOutPartitions)
	}
	settled := t0
	for _, at := range last {
		if at.After(settled) {
			settled = at
		}
	}
	r.startup = settled.Sub(t0)
	end := samples[len(samples)-1]
	for _, s := range samples {
		if !s.at.Before(settled) && s.at.Before(end.at) {
			r.settledRate = float64(end.msgs-s.msgs) / end.at.Sub(s.at).Seconds()
			break
		}
	}
	b.Logf("instances=%d: %d records (per partition %v) → %d outputs; startup %s, first output %s, all stored %s; first→last output %s = %.0f records/s; after startup %.0f records/s; %d acquisitions, final shares %v; CPU until all stored: velort %.2f s, nats-server %.2f s",
		k, n, perPartition, want, r.startup.Round(time.Millisecond), r.firstOut.Round(time.Millisecond), r.wall.Round(time.Millisecond),
		span.Round(time.Millisecond), r.rate, r.settledRate, r.acquisitions, shares, r.velortCPU, r.serverCPU)
	return r
}

// scaleOutPublish stores records 0..n-1 in the source, each on the
// subject of its key's partition (as velort partitions), at most 4,096
// unacknowledged; it returns the records per partition.
func scaleOutPublish(b *testing.B, js nats.JetStreamContext, n int) []int {
	subjects := make([]string, scaleOutPartitions)
	for p := range subjects {
		subjects[p] = fmt.Sprintf("so.s0.in.%d", p)
	}
	counts := make([]int, scaleOutPartitions)
	var key, data []byte
	for i := range n {
		key = strconv.AppendInt(key[:0], int64(i), 10)
		p := transport.PartitionOf(key, scaleOutPartitions)
		counts[p]++
		data = scaleOutRecord(data[:0], i)
		if _, err := js.PublishAsync(subjects[p], data, nats.StallWait(time.Minute)); err != nil {
			b.Fatalf("publishing record %d: %v", i, err)
		}
	}
	select {
	case <-js.PublishAsyncComplete():
	case <-time.After(2 * time.Minute):
		b.Fatalf("input not stored: %d acknowledgements outstanding", js.PublishAsyncPending())
	}
	return counts
}

// scaleOutCheckSink reads the whole sink: every order_id 0..n-1 that S0
// keeps appears once, and nothing else.
func scaleOutCheckSink(b *testing.B, js nats.JetStreamContext, n, want int) {
	sub, err := js.SubscribeSync("", nats.BindStream("SO_S0_OUT"), nats.OrderedConsumer(), nats.DeliverAll())
	if err != nil {
		b.Fatal(err)
	}
	defer sub.Unsubscribe()
	_ = sub.SetPendingLimits(-1, -1)
	seen := make([]bool, n)
	prefix := []byte(`"order_id":`)
	for got := 0; got < want; got++ {
		m, err := sub.NextMsg(10 * time.Second)
		if err != nil {
			b.Fatalf("reading the sink after %d outputs: %v", got, err)
		}
		if m.Header.Get(partition.HeaderControl) != "" {
			b.Fatalf("control message in the sink: %v", m.Header)
		}
		i := bytes.Index(m.Data, prefix)
		if i < 0 {
			b.Fatalf("output without order_id: %s", m.Data)
		}
		rest := m.Data[i+len(prefix):]
		j := bytes.IndexAny(rest, ",}")
		id, err := strconv.Atoi(string(rest[:max(j, 0)]))
		switch {
		case err != nil || id < 0 || id >= n:
			b.Fatalf("output with a bad order_id: %s", m.Data)
		case 150+id%100 <= 100:
			b.Fatalf("output the filter drops: %s", m.Data)
		case seen[id]:
			b.Fatalf("duplicate output for order_id %d: %s", id, m.Data)
		}
		seen[id] = true
	}
}

// scaleOutCPU is the CPU seconds (user + system) process pid has used,
// from /proc (0 where unavailable).
func scaleOutCPU(pid int) float64 {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the parenthesized command: state is field 3, utime 14, stime 15.
	f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100 // clock ticks (USER_HZ, 100 on Linux)
}

// scaleOutMsgs is how many messages a stream holds (0 if it does not exist).
func scaleOutMsgs(js nats.JetStreamContext, stream string) int {
	if info, err := js.StreamInfo(stream); err == nil {
		return int(info.State.Msgs)
	}
	return 0
}

// scaleOutServer starts a nats-server process with JetStream and a file
// store in store, stopped when the benchmark ends, and returns its URL.
func scaleOutServer(b *testing.B, store string) (url string, pid int) {
	bin, err := natsServerBin()
	if err != nil {
		b.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	l.Close()
	cmd := exec.Command(bin, "-a", "127.0.0.1", "-p", port, "-js", "-sd", store)
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = cmd.Process.Signal(syscall.SIGTERM); _ = cmd.Wait() })
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if c, err := net.Dial("tcp", "127.0.0.1:"+port); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("nats-server did not listen on %s", port)
		}
	}
	return "nats://127.0.0.1:" + port, cmd.Process.Pid
}

// scaleOutProc is one `velort run` child process; it keeps its stderr and
// notes each "partition acquired" line.
type scaleOutProc struct {
	id     string
	cmd    *exec.Cmd
	exited chan struct{}
	err    error

	mu   sync.Mutex
	part []byte
	log  []string
	acq  []scaleOutAcquisition
}

type scaleOutAcquisition struct {
	unit string
	at   time.Time
}

func startScaleOutProc(b *testing.B, args ...string) *scaleOutProc {
	p := &scaleOutProc{exited: make(chan struct{})}
	for i, a := range args {
		if a == "--instance-id" && i+1 < len(args) {
			p.id = args[i+1]
		}
	}
	p.cmd = exec.Command(os.Args[0], "-test.run=^$")
	p.cmd.Env = append(os.Environ(), "VELORT_AS_CLI=1", "VELORT_ARGS="+strings.Join(args, " "))
	p.cmd.Stderr = p
	if err := p.cmd.Start(); err != nil {
		b.Fatal(err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.exited) }()
	b.Cleanup(func() {
		if p.running() {
			_ = p.cmd.Process.Signal(syscall.SIGKILL)
			<-p.exited
		}
	})
	return p
}

// Write collects stderr by line.
func (p *scaleOutProc) Write(b []byte) (int, error) {
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.part = append(p.part, b...)
	for {
		i := bytes.IndexByte(p.part, '\n')
		if i < 0 {
			return len(b), nil
		}
		line := string(p.part[:i])
		p.part = p.part[i+1:]
		p.log = append(p.log, line)
		if slogAttr(line, "msg") == "partition acquired" {
			at, err := time.Parse(time.RFC3339Nano, slogAttr(line, "time"))
			if err != nil {
				at = now
			}
			p.acq = append(p.acq, scaleOutAcquisition{unit: slogAttr(line, "unit"), at: at})
		}
	}
}

func (p *scaleOutProc) acquired() []scaleOutAcquisition {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]scaleOutAcquisition(nil), p.acq...)
}

func (p *scaleOutProc) tail() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.log[max(0, len(p.log)-30):], "\n")
}

func (p *scaleOutProc) running() bool {
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// stop sends SIGTERM and returns the exit code (-1 if not exited within d).
func (p *scaleOutProc) stop(d time.Duration) int {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
		return p.cmd.ProcessState.ExitCode()
	case <-time.After(d):
		return -1
	}
}
