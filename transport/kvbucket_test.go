package transport

import (
	"fmt"
	"sync"
	"testing"

	"github.com/nats-io/nats.go"
)

// TestKeyValueCreateRace: instances starting together each bind or create
// the same missing bucket, with configurations that differ (as a newer
// version's might); every one gets it, and they share one bucket.
func TestKeyValueCreateRace(t *testing.T) {
	emb := startServer(t, nil)
	const n = 8
	kvs := make([]nats.KeyValue, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		c := connect(t, emb.ClientURL(), ConnOptions{})
		wg.Go(func() {
			kvs[i], errs[i] = c.KeyValue(nats.KeyValueConfig{Bucket: "velort_race", Storage: nats.FileStorage, Description: fmt.Sprint("instance ", i)})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("instance %d: %v", i, err)
		}
	}
	if _, err := kvs[0].Put("k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	for i, kv := range kvs {
		if e, err := kv.Get("k"); err != nil || string(e.Value()) != "v" {
			t.Fatalf("instance %d does not see the shared bucket: %v", i, err)
		}
	}
}
