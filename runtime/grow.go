package runtime

// extend returns s with n zero elements appended. When s is full its
// capacity doubles (append grows a large slice by a quarter): per-key
// arrays that only grow (a group stage's cells, a key index's keys, a
// change table's entries) are then copied about once over their final
// size instead of about four times, with as much less garbage to collect,
// at the cost of up to twice their final capacity.
func extend[T any](s []T, n int) []T {
	l := len(s)
	if l+n > cap(s) {
		ns := make([]T, l, max(2*cap(s), l+n, 8))
		copy(ns, s)
		s = ns
	}
	s = s[:l+n]
	clear(s[l:])
	return s
}
