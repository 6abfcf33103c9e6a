package main

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// TestSinkSubjectTemplate: a sink whose subject is built from columns
// publishes each row to its own subject (values escaped into valid
// tokens) with headers from columns; another velort query reads them
// back per subject through metadata columns (velort → NATS → velort).
func TestSinkSubjectTemplate(t *testing.T) {
	nc, js, f, dir := nativeServer(t)
	sub, err := nc.SubscribeSync("alerts.>")
	if err != nil {
		t.Fatal(err)
	}
	sqlFile := filepath.Join(dir, "q.sql")
	os.WriteFile(sqlFile, []byte(`
CREATE STREAM events (symbol VARCHAR, severity VARCHAR, price DOUBLE, trace VARCHAR METADATA FROM 'header.Trace-Id')
WITH (subject = 'tpl.events', jetstream = 'TPL_EVENTS');
CREATE STREAM alerts WITH (subject = 'alerts.{symbol}.{severity}', headers = 'Trace-Id = trace, X-Price = price') AS
SELECT symbol, severity, price, trace FROM events;
CREATE STREAM back (sym VARCHAR METADATA FROM 'subject.2', sev VARCHAR METADATA FROM 'subject.3',
                    tr VARCHAR METADATA FROM 'header.Trace-Id', price DOUBLE) WITH (subject = 'alerts.*.*');
CREATE STREAM back_out WITH (subject = 'tpl.back', jetstream = 'TPL_BACK') AS SELECT sym, sev, tr, price FROM back;
CREATE STREAM by_severity WITH (subject = 'jsalerts.{severity}', jetstream = 'TPL_JS', headers = 'X-Sym = symbol') AS SELECT symbol, severity FROM events;
`), 0o644)
	stop, exited := runInBackground(t, sqlFile, f)
	waitUntil(t, "the input stream", exited, func() bool { _, err := js.StreamInfo("TPL_EVENTS"); return err == nil })
	publishMsg(t, js, "tpl.events", `{"symbol":"AAPL","severity":"high","price":1.5}`, "Trace-Id", "t-1")
	publishMsg(t, js, "tpl.events", `{"symbol":"BRK.B","severity":"","price":2}`)
	publishMsg(t, js, "tpl.events", `{"symbol":"a b>*","severity":null,"price":null}`, "Trace-Id", "t-3")
	waitUntil(t, "the rows read back", exited, func() bool { return streamCount(js, "TPL_BACK") == 3 && streamCount(js, "TPL_JS") == 3 })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	var got []string
	for i := 0; i < 3; i++ {
		m, err := sub.NextMsg(5 * time.Second)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, m.Subject+" Trace-Id="+m.Header.Get("Trace-Id")+" X-Price="+m.Header.Get("X-Price")+" "+string(m.Data))
	}
	want := []string{
		`alerts.AAPL.high Trace-Id=t-1 X-Price=1.5 {"symbol":"AAPL","severity":"high","price":1.5,"trace":"t-1"}`,
		`alerts.BRK%2EB.% Trace-Id= X-Price=2 {"symbol":"BRK.B","severity":"","price":2,"trace":null}`,
		`alerts.a%20b%3E%2A.%N Trace-Id=t-3 X-Price= {"symbol":"a b>*","severity":null,"price":null,"trace":"t-3"}`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("published:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// a JetStream sink: velort created its stream over the template's wildcard
	info, err := js.StreamInfo("TPL_JS")
	if err != nil || strings.Join(info.Config.Subjects, ",") != "jsalerts.*" {
		t.Fatalf("stream TPL_JS: %v %v", info, err)
	}
	var subjects []string
	for _, m := range streamMsgs(t, js, "TPL_JS") {
		subjects = append(subjects, m.Subject+"/"+m.Header.Get("X-Sym"))
	}
	if got := strings.Join(subjects, " "); got != "jsalerts.high/AAPL jsalerts.%/BRK.B jsalerts.%N/a b>*" {
		t.Errorf("JetStream sink subjects %s", got)
	}
	back := payloads(t, js, "TPL_BACK")
	sort.Strings(back)
	wantBack := []string{
		`{"sym":"AAPL","sev":"high","tr":"t-1","price":1.5}`,
		`{"sym":"BRK%2EB","sev":"%","tr":null,"price":2}`,
		`{"sym":"a%20b%3E%2A","sev":"%N","tr":"t-3","price":null}`,
	}
	if strings.Join(back, "\n") != strings.Join(wantBack, "\n") {
		t.Errorf("read back:\n%s\nwant\n%s", strings.Join(back, "\n"), strings.Join(wantBack, "\n"))
	}
}
