package runtime

import "strconv"

// exactPow10 holds the powers of ten a float64 represents exactly.
var exactPow10 = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// DecimalToFloat converts a DECIMAL (unscaled i at scale sc) to the
// nearest float64, as MySQL does (through the decimal's text). With an
// unscaled value below 2^53 both operands of one division are exact, so
// the quotient is correctly rounded; larger ones are read as text, since
// float64(i) would round once before the division rounds again
// (-0.23333333333333334 became -0.23333333333333337).
func DecimalToFloat(i int64, sc uint8) float64 {
	if i < 1<<53 && i > -1<<53 && int(sc) < len(exactPow10) {
		return float64(i) / exactPow10[sc]
	}
	var buf [32]byte
	b := strconv.AppendInt(buf[:0], i, 10)
	b = append(b, 'e', '-')
	b = strconv.AppendUint(b, uint64(sc), 10)
	f, _ := strconv.ParseFloat(string(b), 64)
	return f
}
