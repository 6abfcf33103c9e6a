package transport

import (
	"fmt"
	"strconv"
	"strings"
)

// PartitionToken is the placeholder a stream's subject pattern uses for the
// partition number.
const PartitionToken = "{partition}"

const (
	fnvOffset32 = 2166136261
	fnvPrime32  = 16777619
)

// FNV1a32 is the 32-bit FNV-1a hash of key.
func FNV1a32(key []byte) uint32 {
	h := uint32(fnvOffset32)
	for _, b := range key {
		h ^= uint32(b)
		h *= fnvPrime32
	}
	return h
}

// PartitionOf is FNV-1a-32(key) mod n: the partition nats-server's
// {{partition(n,tok)}} mapping picks for a subject token equal to key.
// nats-server hashes several tokens ({{partition(n,1,2)}}) concatenated with
// no separator. n <= 1 gives 0.
func PartitionOf(key []byte, n int) int {
	if n <= 1 {
		return 0
	}
	return int(FNV1a32(key) % uint32(n))
}

// PartitionOfString is PartitionOf for a string key, without allocating.
func PartitionOfString(key string, n int) int {
	if n <= 1 {
		return 0
	}
	h := uint32(fnvOffset32)
	for i := 0; i < len(key); i++ {
		h ^= uint32(key[i])
		h *= fnvPrime32
	}
	return int(h % uint32(n))
}

// HasPartitionToken reports whether pattern contains {partition}.
func HasPartitionToken(pattern string) bool {
	return strings.Contains(pattern, PartitionToken)
}

// AppendPartitionSubject appends pattern to dst with every {partition}
// replaced by p.
func AppendPartitionSubject(dst []byte, pattern string, p int) []byte {
	for {
		i := strings.Index(pattern, PartitionToken)
		if i < 0 {
			return append(dst, pattern...)
		}
		dst = append(dst, pattern[:i]...)
		dst = strconv.AppendInt(dst, int64(p), 10)
		pattern = pattern[i+len(PartitionToken):]
	}
}

// PartitionSubject is pattern with every {partition} replaced by p.
func PartitionSubject(pattern string, p int) string {
	if !HasPartitionToken(pattern) {
		return pattern
	}
	return string(AppendPartitionSubject(make([]byte, 0, len(pattern)+4), pattern, p))
}

// PartitionSubjects precomputes the subjects of partitions 0..n-1, so a hot
// loop can publish to subjects[p] without building strings.
func PartitionSubjects(pattern string, n int) []string {
	if n < 1 {
		n = 1
	}
	out := make([]string, n)
	for p := range out {
		out[p] = PartitionSubject(pattern, p)
	}
	return out
}

// WildcardSubject is pattern with every {partition} replaced by `*`: the
// subject filter covering all partitions.
func WildcardSubject(pattern string) string {
	return strings.ReplaceAll(pattern, PartitionToken, "*")
}

// ValidatePattern checks that {partition}, where present, is a whole subject
// token (`trades.{partition}`, not `trades.p{partition}`), so that
// WildcardSubject yields a valid filter.
func ValidatePattern(pattern string) error {
	if pattern == "" {
		return fmt.Errorf("empty subject")
	}
	for _, tok := range strings.Split(pattern, ".") {
		if tok == "" {
			return fmt.Errorf("subject %q has an empty token", pattern)
		}
		if strings.Contains(tok, PartitionToken) && tok != PartitionToken {
			return fmt.Errorf("subject %q: %s must be a whole token", pattern, PartitionToken)
		}
		if strings.ContainsAny(tok, " \t\r\n") {
			return fmt.Errorf("subject %q contains whitespace", pattern)
		}
	}
	return nil
}
