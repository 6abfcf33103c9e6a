package transport

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// TestBlobsInlineAndChunked stores values below and above the chunk size,
// overwrites them, and reads each back exactly.
func TestBlobsInlineAndChunked(t *testing.T) {
	emb := startServer(t, nil)
	c := connect(t, emb.ClientURL(), ConnOptions{})
	b, err := c.OpenBlobs("velort_test_blobs")
	if err != nil {
		t.Fatal(err)
	}
	b.chunk = 1000
	if v, err := b.Get("q.0"); err != nil || v != nil {
		t.Fatalf("missing key: %q, %v", v, err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	for _, size := range []int{0, 10, 999, 1000, 4500, 2000, 30, 12345} {
		v := make([]byte, size)
		for i := range v {
			v[i] = byte(rng.IntN(256))
		}
		if err := b.Put("q.0", v); err != nil {
			t.Fatalf("put %d bytes: %v", size, err)
		}
		got, err := b.Get("q.0")
		if err != nil || !bytes.Equal(got, v) {
			t.Fatalf("%d bytes: got %d bytes, %v", size, len(got), err)
		}
		// A second reader (no cached slot) sees the same.
		b2, _ := c.OpenBlobs("velort_test_blobs")
		if got, err := b2.Get("q.0"); err != nil || !bytes.Equal(got, v) {
			t.Fatalf("%d bytes, fresh reader: got %d bytes, %v", size, len(got), err)
		}
	}
}

// TestBlobsWriterDyingMidway: chunks of a new value written without their
// head leave the old value readable.
func TestBlobsWriterDyingMidway(t *testing.T) {
	emb := startServer(t, nil)
	c := connect(t, emb.ClientURL(), ConnOptions{})
	b, err := c.OpenBlobs("velort_test_blobs")
	if err != nil {
		t.Fatal(err)
	}
	b.chunk = 100
	old := bytes.Repeat([]byte("old."), 100)
	if err := b.Put("k", old); err != nil {
		t.Fatal(err)
	}
	// What a writer dying before the head would leave: the other slot's chunks.
	next := byte('b')
	if s, _ := b.slot("k"); s == 'b' {
		next = 'a'
	}
	for i := range 4 {
		if _, err := b.kv.Put(chunkKey("k", next, i), bytes.Repeat([]byte("NEW!"), 25)); err != nil {
			t.Fatal(err)
		}
	}
	b2, _ := c.OpenBlobs("velort_test_blobs")
	if got, err := b2.Get("k"); err != nil || !bytes.Equal(got, old) {
		t.Fatalf("got %q, %v; want the old value", got, err)
	}
}
