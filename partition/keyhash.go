package partition

import (
	"github.com/velort/velort/runtime"
	"github.com/velort/velort/transport"
)

// AppendKeyText appends the text a key value hashes as (SPEC §2): integers
// as decimal digits, strings as their bytes, TIMESTAMP as epoch-ms digits,
// NULL as nothing.
func AppendKeyText(dst []byte, v runtime.Value) []byte { return runtime.AppendKeyText(dst, v) }

// Keyer computes the partition of a row from its key columns. It reuses a
// buffer: one Keyer per goroutine.
type Keyer struct {
	idx []int
	n   int
	buf []byte
}

// NewKeyer returns a keyer over the key columns idx into n partitions.
func NewKeyer(idx []int, n int) *Keyer { return &Keyer{idx: idx, n: n} }

// Partition returns the row's partition; a compound key hashes a|b.
func (k *Keyer) Partition(r runtime.Row) int {
	if k.n <= 1 {
		return 0
	}
	k.buf = k.buf[:0]
	for i, c := range k.idx {
		if i > 0 {
			k.buf = append(k.buf, '|')
		}
		k.buf = AppendKeyText(k.buf, r[c])
	}
	return transport.PartitionOf(k.buf, k.n)
}
