package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/velort/velort/transport"
)

// BenchmarkWildcardIntake is the intake stage's cost in BENCHMARKS.md
// (issue 17): a core NATS stream of 4 partitions read by a filter, fed by
// one publisher in this process, either on the wildcard bi.*.v (the
// device a subject token, partitioned by velort's intake loop: one more
// NATS hop and one more decode and encode per record) or on bi.{partition}
// (the publisher hashes the device to its partition itself, as a
// producer of a {partition} stream does). Each iteration publishes n
// records and then, per partition, a marker record the filter passes;
// the time is until the 4 markers are out. Variants alternate within an
// iteration, so a loaded machine slows both alike; ns/record is reported
// per variant as the median over iterations.
//
//	go test ./cmd/velort -run XXX -bench WildcardIntake -benchtime 5x
//
// VELORT_INTAKE_RECORDS overrides the 100,000 records; VELORT_INTAKE_VARIANT
// (partition-subject or wildcard-intake) runs one variant only.
func BenchmarkWildcardIntake(b *testing.B) {
	n := 100_000
	if s := os.Getenv("VELORT_INTAKE_RECORDS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v <= 0 {
			b.Fatalf("VELORT_INTAKE_RECORDS=%q: want a positive integer", s)
		}
		n = v
	}
	// markers: one device per partition
	markers := make([]string, 4)
	for i, found := 0, 0; found < 4; i++ {
		d := fmt.Sprintf("m%d", i)
		if p := transport.PartitionOfString(d, 4); markers[p] == "" {
			markers[p] = d
			found++
		}
	}
	variants := []struct {
		name, decl string
		subject    func(device string) string
	}{
		{"partition-subject", `CREATE STREAM readings (device VARCHAR, v BIGINT)
  WITH (subject = 'bi.{partition}', partitions = 4, key = 'device');`,
			func(d string) string { return "bi." + strconv.Itoa(transport.PartitionOfString(d, 4)) }},
		{"wildcard-intake", `CREATE STREAM readings (device VARCHAR METADATA FROM 'subject.2', v BIGINT)
  WITH (subject = 'bi.*.v', partitions = 4, key = 'device');`,
			func(d string) string { return "bi." + d + ".v" }},
	}
	if only := os.Getenv("VELORT_INTAKE_VARIANT"); only != "" { // e.g. one variant under callgrind
		for _, v := range variants {
			if v.name == only {
				variants = append(variants[:0], v)
				break
			}
		}
	}
	perRecord := make([][]float64, len(variants))
	for range b.N {
		for vi, v := range variants {
			perRecord[vi] = append(perRecord[vi], intakeRun(b, v.decl, v.subject, markers, n))
		}
	}
	for vi, v := range variants {
		xs := perRecord[vi]
		sort.Float64s(xs)
		b.Logf("%s: ns/record %v (median %.0f)", v.name, xs, xs[len(xs)/2])
	}
	for vi, v := range variants {
		xs := perRecord[vi]
		b.ReportMetric(xs[len(xs)/2], "ns/record-"+v.name)
	}
}

// intakeRun runs one variant on a fresh embedded server and returns the
// wall-clock ns per record from the first publish to the last marker out.
func intakeRun(b *testing.B, decl string, subject func(string) string, markers []string, n int) float64 {
	b.Helper()
	dir, err := os.MkdirTemp("", "velort-intake-bench-*")
	if err != nil {
		b.Fatal(err)
	}
	defer os.RemoveAll(dir)
	emb, err := transport.StartEmbedded(transport.EmbeddedOptions{DataDir: filepath.Join(dir, "nats"), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	defer emb.Shutdown()
	nc, err := nats.Connect(emb.ClientURL())
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	sqlFile := filepath.Join(dir, "q.sql")
	os.WriteFile(sqlFile, []byte(decl+`
CREATE STREAM marks WITH (subject = 'bi.marks') AS SELECT device, v FROM readings WHERE v < 0;
`), 0o644)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	go func() { done <- runFile(ctx, sqlFile, runFlags{nats: emb.ClientURL(), http: addr}, io.Discard) }()
	defer func() { cancel(); <-done }()
	out, err := nc.SubscribeSync("bi.marks")
	if err != nil {
		b.Fatal(err)
	}
	nc.Flush()
	// core NATS drops what no one reads: a marker round trip first
	for deadline := time.Now().Add(30 * time.Second); ; {
		nc.Publish(subject(markers[0]), []byte(`{"device":"`+markers[0]+`","v":-1}`))
		nc.Flush()
		if _, err := out.NextMsg(50 * time.Millisecond); err == nil {
			break
		}
		if time.Now().After(deadline) {
			b.Fatal("velort did not start")
		}
	}
	for {
		if _, err := out.NextMsg(300 * time.Millisecond); err != nil {
			break
		}
	}
	subjects := make([]string, 64)
	payloads := make([][]byte, 64)
	for i := range subjects {
		d := "d" + strconv.Itoa(i)
		subjects[i], payloads[i] = subject(d), []byte(`{"device":"`+d+`","v":`+strconv.Itoa(i)+`}`)
	}
	start := time.Now()
	for i := range n {
		if err := nc.Publish(subjects[i%64], payloads[i%64]); err != nil {
			b.Fatal(err)
		}
		if i%10_000 == 0 {
			nc.Flush() // bounded by what the server and velort take in
		}
	}
	for _, d := range markers {
		nc.Publish(subject(d), []byte(`{"device":"`+d+`","v":-1}`))
	}
	nc.Flush()
	for range markers {
		if _, err := out.NextMsg(2 * time.Minute); err != nil {
			b.Fatalf("markers: %v", err)
		}
	}
	el := time.Since(start)
	// a record dropped by a full intake would make the run look faster
	if d := allSamples(b, "http://"+addr+"/metrics", "velort_records_dropped_total"); d != 0 {
		b.Fatalf("%v records dropped: publish fewer (VELORT_INTAKE_RECORDS)", d)
	}
	return float64(el.Nanoseconds()) / float64(n)
}

// allSamples is the sum of every sample of a Prometheus metric.
func allSamples(b *testing.B, url, name string) float64 {
	resp, err := http.Get(url)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	sum := 0.0
	for _, line := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(line, name+"{") || strings.HasPrefix(line, name+" ") {
			f := strings.Fields(line)
			v, _ := strconv.ParseFloat(f[len(f)-1], 64)
			sum += v
		}
	}
	return sum
}
