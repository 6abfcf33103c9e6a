package planner

import (
	"math/rand/v2"
	"testing"

	"github.com/velort/velort/runtime"
)

// TestDateFormatCacheAgainstFormatting: DATE_FORMAT's compiled closure,
// which reuses its last text while the instant stays in the period its
// format shows, gives what formatting each instant gives, over instants
// drifting forward and jumping (before 1970 too: periods are floored)
// and a format that changes between calls. A cache that took a minute for
// an hour, truncated periods toward zero or ignored a change of format
// fails it.
func TestDateFormatCacheAgainstFormatting(t *testing.T) {
	formats := []string{"%Y-%m-%d", "%H:%i", "%Y-%m-%d %H", "%T", "%r", "%p", "%k", "%l",
		"%W %a %w %j %U %u %V %v %X %x", "%D %b %M %c %e %y", "%f", "%s.%f", "plain", "%%i%", "%i%"}
	arg := func(i int) compiled {
		return compiled{fn: func(_ *runtime.Ctx, r runtime.Row) runtime.Value { return r[i] }}
	}
	df, ok, err := nativeDateFormat(nil, nil, []compiled{arg(0), arg(1)})
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	rng := rand.New(rand.NewPCG(0xda7e, 0xf0))
	c := &runtime.Ctx{}
	ms := int64(-86_400_000 * 3)
	f := formats[0]
	for i := range 200_000 {
		switch rng.IntN(50) {
		case 0:
			ms += rng.Int64N(10 * 86_400_000) // a jump
		case 1:
			ms -= rng.Int64N(2 * 3_600_000) // back in time
		case 2:
			f = formats[rng.IntN(len(formats))]
		case 3:
			ms = -ms
		default:
			ms += rng.Int64N(2000)
		}
		c.Reset()
		got := df.fn(c, runtime.Row{runtime.Timestamp(ms), runtime.String([]byte(f))})
		want := appendDateFormat(nil, ms, []byte(f))
		if got.T != runtime.TString || string(got.S) != string(want) {
			t.Fatalf("call %d: DATE_FORMAT(%d, %q) = %q, want %q", i, ms, f, got.S, want)
		}
	}
}
