package conformance

import "regexp"

// acceptedDiff is a difference from MariaDB that is not a bug: a
// documented velort exception (SPEC §2, docs/sql.md), or a place where
// MariaDB differs from MySQL 8 (velort follows MySQL). Nothing else may
// differ. The pattern is matched against the expression with its string
// literals blanked.
type acceptedDiff struct {
	pattern *regexp.Regexp
	// approx: velort returns DOUBLE where MySQL returns DECIMAL; the
	// value must still be equal within a relative 1e-12.
	approx bool
	reason string
}

var accepted = []acceptedDiff{
	{regexp.MustCompile(`/|\bAVG\s*\(`), true,
		"documented: `/` and AVG return DOUBLE in velort (MySQL: DECIMAL with div_precision_increment more digits)"},
}

// approxAllowed reports whether expr's DOUBLE result may be compared
// approximately with MariaDB's DECIMAL.
func approxAllowed(expr string) bool {
	e := stripStrings(expr)
	for _, a := range accepted {
		if a.approx && a.pattern.MatchString(e) {
			return true
		}
	}
	return false
}

// acceptedFor returns the accepted difference covering expr, or nil.
func acceptedFor(expr string) *acceptedDiff {
	e := stripStrings(expr)
	for i, a := range accepted {
		if !a.approx && a.pattern.MatchString(e) {
			return &accepted[i]
		}
	}
	return nil
}
