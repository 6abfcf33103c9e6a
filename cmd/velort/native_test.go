package main

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/nats-io/nats.go"

	"github.com/velort/velort/partition"
	"github.com/velort/velort/transport"
)

// Tests of SPEC §2 "NATS-native streams" over a real embedded NATS
// server: metadata columns, and the csv, text and protobuf formats round
// trip velort → NATS → velort with malformed payloads dead-lettered.

// nativeServer starts an embedded JetStream server with a stream keeping
// every dead letter (NATIVE_DLQ over velort.dlq.>).
func nativeServer(t *testing.T) (*nats.Conn, nats.JetStreamContext, runFlags, string) {
	t.Helper()
	dir := t.TempDir()
	emb, err := transport.StartEmbedded(transport.EmbeddedOptions{DataDir: filepath.Join(dir, "nats"), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emb.Shutdown)
	nc := natsConnect(t, emb.ClientURL())
	js, _ := nc.JetStream()
	if _, err := js.AddStream(&nats.StreamConfig{Name: "NATIVE_DLQ", Subjects: []string{"velort.dlq.>"}}); err != nil {
		t.Fatal(err)
	}
	return nc, js, runFlags{nats: emb.ClientURL()}, dir
}

// payloads returns the payloads of a JetStream stream in order.
func payloads(t *testing.T, js nats.JetStreamContext, stream string) []string {
	var out []string
	for _, m := range streamMsgs(t, js, stream) {
		out = append(out, string(m.Data))
	}
	return out
}

// deadLetters returns "subject: reason" of each dead letter.
func deadLetters(t *testing.T, js nats.JetStreamContext) []string {
	var out []string
	for _, m := range streamMsgs(t, js, "NATIVE_DLQ") {
		out = append(out, m.Subject+": "+m.Header.Get(partition.HeaderError))
	}
	return out
}

func publishMsg(t *testing.T, js nats.JetStreamContext, subject, data string, headers ...string) {
	t.Helper()
	m := nats.NewMsg(subject)
	m.Data = []byte(data)
	for i := 0; i+1 < len(headers); i += 2 {
		m.Header.Set(headers[i], headers[i+1])
	}
	if _, err := js.PublishMsg(m); err != nil {
		t.Fatal(err)
	}
}

// TestMetadataColumns: subject tokens, a header, the JetStream sequence
// and the arrival time are columns: selected, filtered on, used as the
// key and the event time, and grouped by; a payload field of a metadata
// column's name does not fill it; a header that does not convert to its
// column's type dead-letters the record with the reason.
func TestMetadataColumns(t *testing.T) {
	_, js, f, dir := nativeServer(t)
	sqlFile := filepath.Join(dir, "q.sql")
	os.WriteFile(sqlFile, []byte(`
CREATE STREAM readings (
    site     VARCHAR   METADATA FROM 'subject.2',
    device   VARCHAR   METADATA FROM 'subject.4',
    trace    VARCHAR   METADATA FROM 'header.Trace-Id',
    ts       TIMESTAMP METADATA FROM 'header.Ts',
    seq      BIGINT    METADATA FROM 'jetstream.sequence',
    received TIMESTAMP METADATA FROM 'received',
    temp     DOUBLE
) WITH (subject = 'plant.*.sensor.*', key = 'device', event_time = 'ts', jetstream = 'MD_IN');
CREATE STREAM hot WITH (subject = 'md.hot', jetstream = 'MD_HOT') AS
SELECT site, device, trace, seq, temp, received IS NOT NULL AS arrived FROM readings WHERE site = 'north' AND temp > 20;
CREATE STREAM per_device WITH (subject = 'md.per_device', jetstream = 'MD_PER_DEVICE') AS
SELECT device, window_start, COUNT(*) AS n FROM readings GROUP BY device, TUMBLE(ts, INTERVAL '1' SECOND);
`), 0o644)
	stop, exited := runInBackground(t, sqlFile, f)
	waitUntil(t, "the input stream", exited, func() bool { _, err := js.StreamInfo("MD_IN"); return err == nil })
	publishMsg(t, js, "plant.north.sensor.d1", `{"temp":25.5,"device":"WRONG","site":"WRONG"}`, "Trace-Id", "t-1", "Ts", "1000")
	publishMsg(t, js, "plant.south.sensor.d2", `{"temp":30}`, "Trace-Id", "t-2", "Ts", "1100")
	publishMsg(t, js, "plant.north.sensor.d2", `{"temp":21}`, "Ts", "1200")                         // no Trace-Id: NULL
	publishMsg(t, js, "plant.north.sensor.d1", `{"temp":19}`, "Trace-Id", "t-4", "Ts", "1300")      // too cold
	publishMsg(t, js, "plant.north.sensor.d1", `{"temp":50}`, "Trace-Id", "t-5", "Ts", "yesterday") // bad event time
	publishMsg(t, js, "plant.north.sensor.d3", `{"temp":`, "Ts", "1400")                            // bad payload
	publishMsg(t, js, "plant.north.sensor.d1", `{"temp":22}`, "Trace-Id", "t-7", "Ts", "2500")      // closes the first window
	waitUntil(t, "outputs", exited, func() bool {
		return streamCount(js, "MD_HOT") == 3 && streamCount(js, "MD_PER_DEVICE") == 2 && streamCount(js, "NATIVE_DLQ") == 4
	})
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	want := []string{
		`{"site":"north","device":"d1","trace":"t-1","seq":1,"temp":25.5,"arrived":true}`,
		`{"site":"north","device":"d2","trace":null,"seq":3,"temp":21,"arrived":true}`,
		`{"site":"north","device":"d1","trace":"t-7","seq":7,"temp":22,"arrived":true}`,
	}
	if got := payloads(t, js, "MD_HOT"); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("hot:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	got := payloads(t, js, "MD_PER_DEVICE")
	sort.Strings(got)
	wantWin := []string{
		`{"device":"d1","window_start":"1970-01-01T00:00:01.000Z","n":2}`,
		`{"device":"d2","window_start":"1970-01-01T00:00:01.000Z","n":2}`,
	}
	if strings.Join(got, "\n") != strings.Join(wantWin, "\n") {
		t.Errorf("per_device:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wantWin, "\n"))
	}
	dl := strings.Join(deadLetters(t, js), "\n")
	if strings.Count(dl, "metadata header.Ts") != 2 || !strings.Contains(dl, `"yesterday"`) || strings.Count(dl, "invalid JSON") != 2 {
		t.Errorf("dead letters (2 per query for the bad event time and the bad payload):\n%s", dl)
	}
}
