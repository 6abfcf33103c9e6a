package planner

import (
	"strconv"
	"strings"
)

const partitionToken = "{partition}"

// expandPartition replaces {partition} in subject with p. With one
// partition and no token, the subject is used as is.
func expandPartition(subject string, partitions, p int) string {
	if !strings.Contains(subject, partitionToken) {
		return subject
	}
	return strings.ReplaceAll(subject, partitionToken, strconv.Itoa(p))
}

// subjectProblem says what makes subject an invalid NATS subject ("" when
// it is valid): tokens separated by '.', none empty, no whitespace, '*'
// and '>' only as whole tokens, '>' only last. {partition} counts as a
// token character (it expands to the partition number). wildcards says
// whether '*' and '>' are allowed (subscribing) or not (publishing).
func subjectProblem(subject string, wildcards bool) string {
	if subject == "" {
		return "it is empty"
	}
	if strings.ContainsAny(subject, " \t\r\n\f\v") {
		return "it contains whitespace"
	}
	toks := strings.Split(subject, ".")
	for i, t := range toks {
		switch {
		case t == "":
			return "it has an empty token (a leading, trailing or doubled '.')"
		case t == "*" || t == ">":
			if !wildcards {
				return "it has the wildcard '" + t + "' where a subject to publish to is needed"
			}
			if t == ">" && i != len(toks)-1 {
				return "'>' must be its last token"
			}
		case strings.ContainsAny(t, "*>"):
			return "'*' and '>' must be whole tokens"
		}
	}
	return ""
}

// subjectsOverlap reports whether some subject matches both patterns
// (NATS wildcards '*' and '>'; {partition} stands for a partition number).
func subjectsOverlap(a, b string) bool {
	x, y := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; ; i++ {
		switch {
		case i == len(x) && i == len(y):
			return true
		case i == len(x) || i == len(y):
			return false
		case x[i] == ">" || y[i] == ">":
			return true
		case !tokensOverlap(x[i], y[i]):
			return false
		}
	}
}

func tokensOverlap(a, b string) bool {
	if a == "*" || b == "*" || a == b || columnToken(a) || columnToken(b) { // a sink template's {column}: any value
		return true
	}
	pa, pb := strings.Contains(a, partitionToken), strings.Contains(b, partitionToken)
	switch {
	case pa && pb:
		return true // conservative: two partition patterns may meet
	case pa:
		return partitionTokenMatches(a, b)
	case pb:
		return partitionTokenMatches(b, a)
	}
	return false
}

// partitionTokenMatches reports whether literal token lit is pattern pat
// with its {partition} replaced by a number.
func partitionTokenMatches(pat, lit string) bool {
	i := strings.Index(pat, partitionToken)
	pre, suf := pat[:i], pat[i+len(partitionToken):]
	if strings.Contains(suf, partitionToken) || !strings.HasPrefix(lit, pre) || !strings.HasSuffix(lit, suf) || len(lit) <= len(pre)+len(suf) {
		return len(lit) > len(pre)+len(suf) && strings.HasPrefix(lit, pre) && strings.HasSuffix(lit, suf)
	}
	for _, c := range lit[len(pre) : len(lit)-len(suf)] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
