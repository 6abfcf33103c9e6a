package bench

import (
	"strconv"

	"github.com/velort/velort/runtime"
)

// Velostream's scenario data (SPEC §5), record i of each.

// labels returns prefix0 … prefix(n-1) as byte slices, built once.
func labels(prefix string, n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = []byte(prefix + strconv.Itoa(i))
	}
	return out
}

var (
	orderDate = []byte("2024-01-15")
	sym10     = labels("SYM", 10)
	sym100    = labels("SYM", 100)
	sym200    = labels("SYM", 200)
	trader50  = labels("T", 50)
)

// s0Gen: order_id=i, customer_id=i%1000, order_date='2024-01-15',
// total_amount=150+(i%100).
type s0Gen struct{}

func (s0Gen) columns() []string {
	return []string{"order_id", "customer_id", "order_date", "total_amount"}
}

func (s0Gen) fill(i int, r runtime.Row) {
	r[0] = runtime.Int(int64(i))
	r[1] = runtime.Int(int64(i % 1000))
	r[2] = runtime.String(orderDate)
	r[3] = runtime.Double(float64(150 + i%100))
}

// expected: the rows with total_amount > 100 (all of them).
func (s0Gen) expected(rows []runtime.Row) int64 {
	var n int64
	for _, r := range rows {
		if r[3].F > 100 {
			n++
		}
	}
	return n
}

// s1Gen: symbol='SYM'||(i%10), price=100+(i%50), ts=i*1000.
type s1Gen struct{}

func (s1Gen) columns() []string { return []string{"symbol", "price", "ts"} }

func (s1Gen) fill(i int, r runtime.Row) {
	r[0] = runtime.String(sym10[i%10])
	r[1] = runtime.Double(float64(100 + i%50))
	r[2] = runtime.Timestamp(int64(i) * 1000)
}

// expected: a row window emits one row per input.
func (s1Gen) expected(rows []runtime.Row) int64 { return int64(len(rows)) }

// s2Gen: symbol='SYM'||(i%200), price=100+(i%100), quantity=i%1000.
type s2Gen struct{}

func (s2Gen) columns() []string { return []string{"symbol", "price", "quantity"} }

func (s2Gen) fill(i int, r runtime.Row) {
	r[0] = runtime.String(sym200[i%200])
	r[1] = runtime.Double(float64(100 + i%100))
	r[2] = runtime.Int(int64(i % 1000))
}

// expected: EMIT CHANGES without a window emits the updated group per input.
func (s2Gen) expected(rows []runtime.Row) int64 { return int64(len(rows)) }

// s3Gen: trader_id='T'||(i%50), symbol='SYM'||(i%100), price=100+(i%50),
// quantity=i%1000, trade_time=1000000+i*1000 ms. final selects S3a's
// expected count (one row per (group, window)); otherwise S3b's (EMIT
// CHANGES: one per input).
type s3Gen struct{ final bool }

const s3Window = 60_000 // TUMBLE(trade_time, INTERVAL '1' MINUTE)

func (s3Gen) columns() []string {
	return []string{"trader_id", "symbol", "price", "quantity", "trade_time"}
}

func (s3Gen) fill(i int, r runtime.Row) {
	r[0] = runtime.String(trader50[i%50])
	r[1] = runtime.String(sym100[i%100])
	r[2] = runtime.Double(float64(100 + i%50))
	r[3] = runtime.Int(int64(i % 1000))
	r[4] = runtime.Timestamp(1_000_000 + int64(i)*1000)
}

func (g s3Gen) expected(rows []runtime.Row) int64 {
	if !g.final {
		return int64(len(rows))
	}
	// Distinct (trader_id, symbol, window) triples; trade_time only grows,
	// so the set of groups is reset at each new window.
	var n int64
	groups := map[string]struct{}{}
	win := int64(-1 << 62)
	for _, r := range rows {
		if w := floorDiv(r[4].I, s3Window); w != win {
			n += int64(len(groups))
			clear(groups)
			win = w
		}
		groups[string(r[0].S)+"|"+string(r[1].S)] = struct{}{}
	}
	return n + int64(len(groups))
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}
