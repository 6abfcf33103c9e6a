// Command risk is an example velort plugin in Go: a numeric function (risk),
// a string function (mask) and an aggregate (wavg, the weighted average).
// Build it with
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o risk.wasm .
package main

import (
	"strings"

	"github.com/velort/velort/plugins/sdk/go/velort"
)

func init() {
	velort.Register("risk", Risk)
	velort.Register("mask", Mask)
	velort.RegisterAggregateRetract("wavg", wavgUpdate, wavgRetract, wavgResult)
}

// Risk is the notional exposure of a position, with a 2% surcharge on
// positions above 1000 units.
//
//go:wasmexport risk
func Risk(price float64, qty int64) float64 {
	r := price * float64(qty)
	if qty > 1000 {
		r *= 1.02
	}
	return r
}

// Mask hides all but the last four characters of s.
func Mask(s string) string {
	r := []rune(s)
	if len(r) <= 4 {
		return s
	}
	return strings.Repeat("*", len(r)-4) + string(r[len(r)-4:])
}

//go:wasmexport mask
func mask(p, n uint32) uint64 { return velort.ReturnString(Mask(velort.String(p, n))) }

// wavg(x DOUBLE, w DOUBLE) -> DOUBLE: sum(x*w) / sum(w). It can retract a
// row, so velort may run it over a changelog; n counts the rows held, so
// that retracting every row gives the empty state exactly.
type wavgState struct {
	sum, weight float64
	n           int64
}

var wavg velort.States[wavgState]

//go:wasmexport wavg_init
func wavgInit() int32 { return wavg.New() }

//go:wasmexport wavg_update
func wavgUpdate(h int32, x, w float64) {
	s := wavg.Get(h)
	s.sum += x * w
	s.weight += w
	s.n++
}

//go:wasmexport wavg_retract
func wavgRetract(h int32, x, w float64) {
	s := wavg.Get(h)
	if s.n--; s.n <= 0 {
		*s = wavgState{}
		return
	}
	s.sum -= x * w
	s.weight -= w
}

//go:wasmexport wavg_merge
func wavgMerge(h, other int32) {
	s, o := wavg.Get(h), wavg.Get(other)
	s.sum += o.sum
	s.weight += o.weight
	s.n += o.n
}

//go:wasmexport wavg_result
func wavgResult(h int32) float64 {
	s := wavg.Get(h)
	if s.weight == 0 {
		velort.ResultNull()
		return 0
	}
	return s.sum / s.weight
}

//go:wasmexport wavg_free
func wavgFree(h int32) { wavg.Free(h) }

func main() {}
