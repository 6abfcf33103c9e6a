package bench

import "github.com/velort/velort/runtime"

// s2ChangelogIDs is how many rows (ids) the S2-changelog input updates in turn.
const s2ChangelogIDs = 10_000

// s2ChangelogGen: record i upserts id=i%10000 with
// symbol='SYM'||((id*7 + (i/10000)*(id%2)) % 200), price=100+(i%100),
// quantity=i%997. From the second pass on every record replaces a row:
// odd ids move to another symbol (two groups change), even ids stay in
// theirs with another quantity (one group changes). (Until 2026-12-03
// night quantity was i%1000, so an even id's update repeated its row —
// which changes no group, and emits nothing since velort stopped emitting
// unchanged rows.)
type s2ChangelogGen struct{}

func (s2ChangelogGen) columns() []string { return []string{"id", "symbol", "price", "quantity"} }

func s2ChangelogSymbol(i int) int {
	id := i % s2ChangelogIDs
	return (id*7 + (i/s2ChangelogIDs)*(id%2)) % 200
}

func (s2ChangelogGen) fill(i int, r runtime.Row) {
	r[0] = runtime.Int(int64(i % s2ChangelogIDs))
	r[1] = runtime.String(sym200[s2ChangelogSymbol(i)])
	r[2] = runtime.Double(float64(100 + i%100))
	r[3] = runtime.Int(int64(i % 997))
}

// expected: an update within one symbol changes one group (one row); a
// move changes two (the old group's row, updated or deleted, and the new
// group's); the first row of an id changes one.
func (s2ChangelogGen) expected(rows []runtime.Row) int64 {
	var n int64
	for i := range rows {
		if i < s2ChangelogIDs || s2ChangelogSymbol(i) == s2ChangelogSymbol(i-s2ChangelogIDs) {
			n++
		} else {
			n += 2
		}
	}
	return n
}
