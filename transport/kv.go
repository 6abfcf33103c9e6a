package transport

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"strconv"
	"sync"

	"github.com/nats-io/nats.go"
)

// CheckpointBucket is the JetStream KV bucket holding operator-state
// checkpoints, one key per (query, partition).
const CheckpointBucket = "velort_checkpoints"

// Blobs stores values of any size in a JetStream KV bucket (history 1,
// file storage). A value that fits in one message is stored under its key.
// A larger one is split into chunks stored under <key>.a.<i> or
// <key>.b.<i> — alternately, never the set the key currently names — and
// the key is then written with a small head naming the set, its length and
// CRC. The key is written last, so a reader sees the old value or the new
// one, never a mix, even if the writer dies midway.
//
// Blobs is safe for concurrent use; each key should have one writer.
type Blobs struct {
	kv    nats.KeyValue
	chunk int // bytes per chunk

	mu    sync.Mutex
	slots map[string]byte // the chunk set each key's head names ('a'/'b'), 0 = inline
}

// OpenBlobs binds the KV bucket, creating it if missing.
func (c *Conn) OpenBlobs(bucket string) (*Blobs, error) {
	kv, err := c.KeyValue(nats.KeyValueConfig{
		Bucket: bucket, History: 1, Storage: nats.FileStorage,
		Description: "velort operator-state checkpoints",
	})
	if err != nil {
		return nil, fmt.Errorf("KV bucket %s: %w", bucket, err)
	}
	chunk := int(c.NC.MaxPayload()) - 4096 // room for the subject and headers
	if chunk < 1024 {
		chunk = 1024
	}
	return &Blobs{kv: kv, chunk: chunk, slots: map[string]byte{}}, nil
}

const (
	blobInline  = 'V'
	blobChunked = 'C'
)

// Put stores value under key.
func (b *Blobs) Put(key string, value []byte) error {
	if len(value) < b.chunk {
		head := make([]byte, 0, len(value)+1)
		head = append(append(head, blobInline), value...)
		if _, err := b.kv.Put(key, head); err != nil {
			return err
		}
		b.setSlot(key, 0)
		return nil
	}
	cur, err := b.slot(key)
	if err != nil {
		return err
	}
	next := byte('a')
	if cur == 'a' {
		next = 'b'
	}
	n := 0
	for off := 0; off < len(value); off += b.chunk {
		end := min(off+b.chunk, len(value))
		if _, err := b.kv.Put(chunkKey(key, next, n), value[off:end]); err != nil {
			return err
		}
		n++
	}
	head := []byte{blobChunked, next}
	head = binary.AppendUvarint(head, uint64(n))
	head = binary.AppendUvarint(head, uint64(len(value)))
	head = binary.LittleEndian.AppendUint32(head, crc32.Checksum(value, crcTable))
	if _, err := b.kv.Put(key, head); err != nil {
		return err
	}
	b.setSlot(key, next)
	return nil
}

// Delete removes key's value (its chunks, if any, are left to be
// overwritten by a later Put).
func (b *Blobs) Delete(key string) error {
	err := b.kv.Delete(key)
	b.mu.Lock()
	delete(b.slots, key)
	b.mu.Unlock()
	return err
}

// Get returns the value stored under key, or nil and no error if there is
// none.
func (b *Blobs) Get(key string) ([]byte, error) {
	var e nats.KeyValueEntry
	err := retryJS(func() error { // read once at a partition's start: ride out a cluster settling
		var err error
		e, err = b.kv.Get(key)
		return err
	})
	if errors.Is(err, nats.ErrKeyNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	head := e.Value()
	if len(head) == 0 {
		return nil, fmt.Errorf("KV key %s: empty value", key)
	}
	switch head[0] {
	case blobInline:
		b.setSlot(key, 0)
		return head[1:], nil
	case blobChunked:
	default:
		return nil, fmt.Errorf("KV key %s: unknown value format %q", key, head[0])
	}
	if len(head) < 2 {
		return nil, fmt.Errorf("KV key %s: truncated head", key)
	}
	slot := head[1]
	n, k1 := binary.Uvarint(head[2:])
	size, k2 := binary.Uvarint(head[2+max(k1, 0):])
	if k1 <= 0 || k2 <= 0 || len(head) != 2+k1+k2+4 {
		return nil, fmt.Errorf("KV key %s: truncated head", key)
	}
	sum := binary.LittleEndian.Uint32(head[2+k1+k2:])
	value := make([]byte, 0, size)
	for i := range int(n) {
		c, err := b.kv.Get(chunkKey(key, slot, i))
		if err != nil {
			return nil, fmt.Errorf("KV key %s chunk %d: %w", key, i, err)
		}
		value = append(value, c.Value()...)
	}
	if uint64(len(value)) != size || crc32.Checksum(value, crcTable) != sum {
		return nil, fmt.Errorf("KV key %s: chunks do not match the head (%d bytes, want %d)", key, len(value), size)
	}
	b.setSlot(key, slot)
	return value, nil
}

// slot returns the chunk set key's head names, reading it if unknown.
func (b *Blobs) slot(key string) (byte, error) {
	b.mu.Lock()
	s, ok := b.slots[key]
	b.mu.Unlock()
	if ok {
		return s, nil
	}
	e, err := b.kv.Get(key)
	switch {
	case errors.Is(err, nats.ErrKeyNotFound):
		return 0, nil
	case err != nil:
		return 0, err
	}
	if v := e.Value(); len(v) >= 2 && v[0] == blobChunked {
		return v[1], nil
	}
	return 0, nil
}

func (b *Blobs) setSlot(key string, s byte) {
	b.mu.Lock()
	b.slots[key] = s
	b.mu.Unlock()
}

func chunkKey(key string, slot byte, i int) string {
	return key + "." + string(slot) + "." + strconv.Itoa(i)
}

var crcTable = crc32.MakeTable(crc32.Castagnoli)
