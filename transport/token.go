package transport

import (
	"math/bits"
	"unsafe"
)

// Quick kinds of a TokenFinder (see TokenFinder.Quick).
const (
	QuickNone    = 0
	QuickBack    = quickBack
	QuickForward = quickForward
)

// Quick describes Find's fast case, for a caller that inlines it (the
// loop's subject-token columns, a few ns per record): QuickBack — token N
// ends off bytes before the subject's end, where there is a '.' unless
// off is 0; QuickForward — token N starts off (> 0) bytes after the
// subject's start, after a '.'. Then TokenBefore or TokenAfter finds it
// when it is shorter than 8 bytes; otherwise (or QuickNone) Find does.
func (f *TokenFinder) Quick() (kind uint8, off int) {
	return f.quick, f.off
}

// TokenStart returns where the token of subject that ends at e starts,
// from one 8-byte load: the last '.' among the 8 bytes before e; false
// when there is none (the token is 8 bytes or longer). The caller checks
// that 8 <= e <= len(subject) and that e is the subject's end or a '.',
// and uses it only when Quick reports a fast case (little-endian).
func TokenStart(subject string, e int) (int, bool) {
	m := dotMask(*(*uint64)(unsafe.Add(unsafe.Pointer(unsafe.StringData(subject)), e-8)))
	return e - bits.LeadingZeros64(m)>>3, m != 0 // the word's last dot is its byte 7-lz/8
}

// TokenEnd returns where the token of subject that starts at p ends, from
// one 8-byte load: the first '.' among the 8 bytes from p; false when
// there is none. The caller checks that p+8 <= len(subject), that p > 0
// and subject[p-1] is '.', and uses it only when Quick reports a fast case.
func TokenEnd(subject string, p int) (int, bool) {
	m := dotMask(*(*uint64)(unsafe.Add(unsafe.Pointer(unsafe.StringData(subject)), p)))
	return p + bits.TrailingZeros64(m)>>3, m != 0
}
