package bench

import (
	"context"
	"strings"
	"testing"

	"github.com/velort/velort/runtime"
)

// corruptOne appends to c a copy of the first row it holds with one
// checked value changed to a marker, as an upsert of its key (a string column's to "corrupt-row",
// else an integer column's to 987654321987), as the last row of the run's
// output: for an append-only stream one row too many, for a changelog a
// wrong last row of a key. It returns the marker.
func corruptOne(t *testing.T, c *outCapture) string {
	t.Helper()
	if len(c.buf) == 0 {
		t.Fatal("the capture holds no row")
	}
	r, _, key, _ := c.decode(c.buf)
	r = append(runtime.Row(nil), r...)
	for i := range r {
		r[i].S = append([]byte(nil), r[i].S...)
	}
	key = append([]byte(nil), key...)
	cols := c.cols
	if cols == nil {
		for i := range r {
			cols = append(cols, i)
		}
	}
	marker := ""
	for _, i := range cols {
		if r[i].T == runtime.TString {
			r[i].S, marker = []byte("corrupt-row"), "corrupt-row"
			break
		}
	}
	if marker == "" {
		for _, i := range cols {
			if r[i].T == runtime.TInt && i != c.sink.sumCol {
				r[i].I, marker = 987654321987, "987654321987"
				break
			}
		}
	}
	if marker == "" {
		t.Fatal("no string or integer column to corrupt")
	}
	c.add(r, runtime.OpUpsert, key)
	return marker
}

// TestNexmarkDeferredCheck: the check made after the timed section, from
// the rows outCapture copied during it, passes a correct run — with a
// buffer small enough to be drained (clocks stopped) several times
// during the run, and with the default one — and
// fails, showing the row, a run whose output has one wrong row: appended
// (append-only), or a key's last row with a wrong value (changelog).
func TestNexmarkDeferredCheck(t *testing.T) {
	for _, name := range []string{"q0", "q4", "q12", "q18", "q19"} {
		t.Run(name, func(t *testing.T) {
			s, ok := Lookup(name)
			if !ok {
				t.Fatalf("no scenario %s", name)
			}
			q, err := s.planNx(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			defer q.close()
			in, err := s.nxInput(q, 20_000, false)
			if err != nil {
				t.Fatal(err)
			}
			for _, size := range []int{captureSlack + 4<<10, captureBytes} {
				drains := -1
				m, sink, err := runGraphCapture(s, q, in, false, false, size, func(c *outCapture) { drains = c.drains })
				if err != nil {
					t.Fatal(err)
				}
				if err := checkResult(in, sink, func() (*outSink, error) {
					_, again, err := runGraphCapture(s, q, in, false, true, size, nil)
					return again, err
				}); err != nil {
					t.Fatalf("buffer of %d bytes: %v", size, err)
				}
				if m.outputs != in.want.n || m.outputs == 0 {
					t.Fatalf("buffer of %d bytes: %d rows, the oracle %d", size, m.outputs, in.want.n)
				}
				if size < captureBytes && drains < 2 {
					t.Fatalf("buffer of %d bytes drained %d times during the run: the test means it to drain often", size, drains)
				}
				var marker string
				corrupt := func(c *outCapture) { marker = corruptOne(t, c) }
				_, sink, err = runGraphCapture(s, q, in, false, false, size, corrupt)
				if err != nil {
					t.Fatal(err)
				}
				err = checkResult(in, sink, func() (*outSink, error) {
					_, again, err := runGraphCapture(s, q, in, false, true, size, corrupt)
					return again, err
				})
				if err == nil || !strings.Contains(err.Error(), "differs from the oracle's") || !strings.Contains(err.Error(), marker) {
					t.Fatalf("buffer of %d bytes, one row corrupted (%s): %v", size, marker, err)
				}
			}
		})
	}
}

// TestNexmarkCaptureCopies: what the check sees of a run is what the
// engine handed out at the time, not what the memory it pointed to holds
// later — every input's values and strings, which outputs may alias, are
// overwritten after the timed section, before the check, and the check
// still passes.
func TestNexmarkCaptureCopies(t *testing.T) {
	for _, name := range []string{"q0", "q18"} {
		s, _ := Lookup(name)
		q, err := s.planNx(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		in, err := s.nxInput(q, 10_000, false)
		if err != nil {
			t.Fatal(err)
		}
		scribble := func(*outCapture) {
			for _, r := range in.ev.rows {
				for i := range r {
					for j := range r[i].S {
						r[i].S[j] = 'x'
					}
					r[i].I, r[i].F = -1, -1
				}
			}
		}
		_, sink, err := runGraphCapture(s, q, in, false, false, captureBytes, scribble)
		if err == nil {
			err = checkResult(in, sink, func() (*outSink, error) { return nil, errTest })
		}
		q.close()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
}

var errTest = errorString("no rerun in this test")

type errorString string

func (e errorString) Error() string { return string(e) }

// TestCaptureRoundTrip: a row comes back from the capture buffer with the
// canonical text and integers it went in with, for every type (also one
// without a short form), with its op and key.
func TestCaptureRoundTrip(t *testing.T) {
	rows := []runtime.Row{
		{runtime.Int(-42), runtime.Timestamp(1705276800123), runtime.Bool(true), runtime.Null, runtime.Double(0.1 + 0.2),
			runtime.Decimal(-123450, 3), runtime.String([]byte("héllo|x")), {T: runtime.TJSON, S: []byte(`{"a":1}`)},
			{T: runtime.Type(200), Scale: 7, I: 9, F: 1.5, S: []byte("odd")}, runtime.String(nil), {T: runtime.TNull, I: 5}},
		{runtime.Int(1 << 62), runtime.String([]byte("second"))},
	}
	c := newOutCapture(newOutSink(nil, true, -1, false), captureSlack+1024)
	keys := [][]byte{[]byte("k1"), nil}
	ops := []runtime.Op{runtime.OpUpsert, runtime.OpDelete}
	for i, r := range rows {
		c.add(r, ops[i], keys[i])
	}
	b := c.buf
	for i, want := range rows {
		var got runtime.Row
		var op runtime.Op
		var key []byte
		got, op, key, b = c.decode(b)
		if op != ops[i] || string(key) != string(keys[i]) || len(got) != len(want) {
			t.Fatalf("row %d: op %v key %q width %d, want %v %q %d", i, op, key, len(got), ops[i], keys[i], len(want))
		}
		for j := range want {
			if g, w := string(canonCell(nil, got[j])), string(canonCell(nil, want[j])); g != w || got[j].I != want[j].I && want[j].T != runtime.TString && want[j].T != runtime.TJSON && want[j].T != runtime.TDouble {
				t.Errorf("row %d column %d: %q (I %d), want %q (I %d)", i, j, g, got[j].I, w, want[j].I)
			}
		}
	}
	if len(b) != 0 {
		t.Fatalf("%d bytes left", len(b))
	}
}
