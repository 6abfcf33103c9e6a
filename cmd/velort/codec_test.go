package main

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// copyCodecs copies prebuilt codec modules into dir/plugins, where the
// SQL files name them relative to their own directory.
func copyCodecs(t *testing.T, dir string, names ...string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, "plugins"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "plugins", n))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "plugins", n), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func checkSorted(t *testing.T, what string, got, want []string) {
	t.Helper()
	sort.Strings(got)
	sort.Strings(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\n%s\nwant\n%s", what, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestWasmCodecRoundTrip: velort writes rows through the C MessagePack
// codec (format = 'wasm') and reads them back, with the same codec and,
// on the same subject, with the Go one (velort → NATS → velort): values,
// NULLs, empty and non-ASCII strings intact; the payloads are MessagePack
// maps; malformed payloads are dead letters with the codec's reason for
// each reader, and the records after them are processed.
func TestWasmCodecRoundTrip(t *testing.T) {
	_, js, f, dir := nativeServer(t)
	copyCodecs(t, dir, "c_msgpack.wasm", "msgpack.wasm")
	sqlFile := filepath.Join(dir, "q.sql")
	os.WriteFile(sqlFile, []byte(`
CREATE STREAM src (id BIGINT, name VARCHAR, price DOUBLE, ts TIMESTAMP, ok BOOLEAN) WITH (subject = 'cod.src', jetstream = 'COD_SRC');
CREATE STREAM as_mp WITH (subject = 'cod.mp', jetstream = 'COD_MP', format = 'wasm', codec = 'plugins/c_msgpack.wasm') AS
SELECT id, name, price, ts, ok FROM src;
CREATE STREAM from_c WITH (subject = 'cod.from_c', jetstream = 'COD_FROM_C') AS
SELECT id, name, price * 2 AS p2, ts, ok FROM as_mp WHERE id > 0;
CREATE STREAM mp_go (ok BOOLEAN, name VARCHAR, id BIGINT, ts TIMESTAMP) WITH (subject = 'cod.mp', jetstream = 'COD_MP', format = 'wasm', codec = 'plugins/msgpack.wasm');
CREATE STREAM from_go WITH (subject = 'cod.from_go', jetstream = 'COD_FROM_GO') AS
SELECT id, CONCAT('<', name, '>') AS name, ts, NOT ok AS nok FROM mp_go;
`), 0o644)
	stop, exited := runInBackground(t, sqlFile, f)
	waitUntil(t, "the streams", exited, func() bool {
		_, err1 := js.StreamInfo("COD_SRC")
		_, err2 := js.StreamInfo("COD_MP")
		return err1 == nil && err2 == nil
	})
	for _, r := range []string{
		`{"id":1,"name":"Zürich ✓","price":1.5,"ts":1000,"ok":true}`,
		`{"id":2,"name":"","price":-2.25,"ts":"2024-01-02T03:04:05.678Z","ok":false}`,
		`{"id":3,"name":null,"price":null,"ts":null,"ok":null}`,
		`{"id":-4,"name":"skipped by from_c","price":0,"ts":0,"ok":true}`,
	} {
		publishMsg(t, js, "cod.src", r)
	}
	publishMsg(t, js, "cod.mp", "\x93\x01\x02\x03")                    // an array, not a map
	publishMsg(t, js, "cod.mp", "\x81\xa2id\xa3abc")                   // {"id": "abc"}
	publishMsg(t, js, "cod.mp", "\x82\xa2id\x05\xa4name\xa5hello\xc0") // a byte after the map
	publishMsg(t, js, "cod.mp", "\x82\xa2ID\x06\xa4Name\xa3six")       // keys of another case: read
	waitUntil(t, "outputs", exited, func() bool {
		return streamCount(js, "COD_FROM_C") == 4 && streamCount(js, "COD_FROM_GO") == 5 && streamCount(js, "NATIVE_DLQ") == 6
	})
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	checkSorted(t, "COD_FROM_C", payloads(t, js, "COD_FROM_C"), []string{
		`{"id":1,"name":"Zürich ✓","p2":3,"ts":"1970-01-01T00:00:01.000Z","ok":true}`,
		`{"id":2,"name":"","p2":-4.5,"ts":"2024-01-02T03:04:05.678Z","ok":false}`,
		`{"id":3,"name":null,"p2":null,"ts":null,"ok":null}`,
		`{"id":6,"name":"six","p2":null,"ts":null,"ok":null}`,
	})
	checkSorted(t, "COD_FROM_GO", payloads(t, js, "COD_FROM_GO"), []string{
		`{"id":1,"name":"<Zürich ✓>","ts":"1970-01-01T00:00:01.000Z","nok":false}`,
		`{"id":2,"name":"<>","ts":"2024-01-02T03:04:05.678Z","nok":true}`,
		`{"id":3,"name":null,"ts":null,"nok":null}`,
		`{"id":-4,"name":"<skipped by from_c>","ts":"1970-01-01T00:00:00.000Z","nok":false}`,
		`{"id":6,"name":"<six>","ts":null,"nok":null}`,
	})
	// velort's payloads are MessagePack maps of every column, in order
	for _, p := range payloads(t, js, "COD_MP") {
		if strings.Contains(p, "\xa4name\xa0") { // id 2
			want := "\x85\xa2id\x02\xa4name\xa0\xa5price\xcb\xc0\x02\x00\x00\x00\x00\x00\x00\xa2ts\xc7\x0c\xff\x28\x69\x75\x80\x00\x00\x00\x00\x65\x93\x7d\x25\xa2ok\xc2"
			if p != want {
				t.Errorf("velort's MessagePack for id 2: %x\nwant %x", p, want)
			}
		}
	}
	checkSorted(t, "dead letters", deadLetters(t, js), []string{
		"velort.dlq.as_mp: codec msgpack: msgpack: the payload is not a map at offset 0",
		"velort.dlq.mp_go: codec msgpack: msgpack: the payload is not a map at offset 0",
		`velort.dlq.as_mp: column "id": expected BIGINT, the codec gave VARCHAR "abc"`,
		`velort.dlq.mp_go: column "id": expected BIGINT, the codec gave VARCHAR "abc"`,
		"velort.dlq.as_mp: codec msgpack: msgpack: bytes after the map at offset 16",
		"velort.dlq.mp_go: codec msgpack: msgpack: bytes after the map at offset 16",
	})
}

// TestWasmCodecFaultsDeadLettered: a codec that traps, loops past
// udf_timeout, answers with a string outside its memory or rejects a
// payload dead-letters that record with the reason; its instance is
// replaced and velort goes on with the next records. An encoder that
// traps dead-letters the input whose output it could not write.
func TestWasmCodecFaultsDeadLettered(t *testing.T) {
	_, js, f, dir := nativeServer(t)
	f.udfTimeout = 200 * time.Millisecond
	f.udfMemory = 16 << 20
	copyCodecs(t, dir, "c_codec_faults.wasm")
	sqlFile := filepath.Join(dir, "q.sql")
	os.WriteFile(sqlFile, []byte(`
CREATE STREAM texts (line VARCHAR) WITH (subject = 'flt.in', jetstream = 'FLT_IN', format = 'wasm', codec = 'plugins/c_codec_faults.wasm');
CREATE STREAM echoed WITH (subject = 'flt.out', jetstream = 'FLT_OUT', format = 'wasm', codec = 'plugins/c_codec_faults.wasm') AS
SELECT UPPER(line) AS line FROM texts;
CREATE STREAM words (w VARCHAR) WITH (subject = 'flt.words', jetstream = 'FLT_WORDS');
CREATE STREAM wout WITH (subject = 'flt.wout', jetstream = 'FLT_WOUT', format = 'wasm', codec = 'plugins/c_codec_faults.wasm') AS
SELECT w FROM words;
`), 0o644)
	stop, exited := runInBackground(t, sqlFile, f)
	waitUntil(t, "the streams", exited, func() bool {
		_, err1 := js.StreamInfo("FLT_IN")
		_, err2 := js.StreamInfo("FLT_WORDS")
		return err1 == nil && err2 == nil
	})
	for _, l := range []string{"a", "trap", "b", "loop", "c", "badptr", "d", "reject", "e", "grow", "f"} {
		publishMsg(t, js, "flt.in", l)
	}
	for _, w := range []string{"x", "trap", "y"} {
		publishMsg(t, js, "flt.words", `{"w":"`+w+`"}`)
	}
	waitUntil(t, "outputs", exited, func() bool {
		return streamCount(js, "FLT_OUT") == 6 && streamCount(js, "FLT_WOUT") == 2 && streamCount(js, "NATIVE_DLQ") == 6
	})
	if err := exited(); err != nil {
		t.Fatal(err)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	checkSorted(t, "FLT_OUT", payloads(t, js, "FLT_OUT"), []string{"A", "B", "C", "D", "E", "F"})
	checkSorted(t, "FLT_WOUT", payloads(t, js, "FLT_WOUT"), []string{"x", "y"})
	var dl []string
	for _, m := range streamMsgs(t, js, "NATIVE_DLQ") {
		dl = append(dl, m.Subject+": "+string(m.Data)+": "+m.Header.Get("Velort-Error"))
	}
	checkSorted(t, "dead letters", dl, []string{
		"velort.dlq.texts: trap: udf codec faulty decode: trap: wasm error: unreachable",
		"velort.dlq.texts: loop: udf codec faulty decode: timeout: ran longer than the 200ms timeout",
		"velort.dlq.texts: badptr: udf codec faulty decode: trap: malformed output: column line: (ptr 4294967280, len 64) is outside guest memory",
		"velort.dlq.texts: reject: codec faulty: faulty: rejected on request",
		"velort.dlq.texts: grow: udf codec faulty decode: memory limit: memory.grow failed at the 16 MiB limit, then: wasm error: unreachable",
		`velort.dlq.words: {"w":"trap"}: output for flt.wout cannot be encoded: udf codec faulty encode: trap: wasm error: unreachable`,
	})
}
