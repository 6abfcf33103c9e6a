package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/velort/velort/transport"
)

// TestSharedRepartitionOnCoreNATS: two instances share the partitions of a
// core-NATS query whose GROUP BY is not the partition key, so every record
// crosses from the instance owning its source partition to the one owning
// its group's partition through the repartition subjects. Once the shares
// have settled, the per-region totals equal the input's.
func TestSharedRepartitionOnCoreNATS(t *testing.T) {
	emb, err := transport.StartEmbedded(transport.EmbeddedOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer emb.Shutdown()
	dir := t.TempDir()
	sqlFile := filepath.Join(dir, "q.sql")
	os.WriteFile(sqlFile, []byte(`
CREATE STREAM orders (cust VARCHAR, region VARCHAR, amount BIGINT)
WITH (subject = 'sr.orders.{partition}', partitions = 4, key = 'cust');
CREATE STREAM by_region WITH (subject = 'sr.by_region') AS
SELECT region, COUNT(*) AS n, SUM(amount) AS total FROM orders GROUP BY region EMIT CHANGES;`), 0o644)

	nc, err := nats.Connect(emb.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	out, err := nc.SubscribeSync("sr.by_region")
	if err != nil {
		t.Fatal(err)
	}
	out.SetPendingLimits(-1, -1)

	var procs []*clusterProc
	for _, id := range []string{"x", "y"} {
		procs = append(procs, startVelort(t, id, "run", sqlFile, "--nats", emb.ClientURL(), "--instance-id", id, "--lease-ttl", "1s"))
	}
	defer func() {
		if t.Failed() {
			dumpLogs(t, procs)
		}
	}()

	// Wait until x and y own two units each, stably for a TTL.
	js, _ := nc.JetStream()
	var kv nats.KeyValue
	owners := func() map[string]int {
		if kv == nil {
			kv, _ = js.KeyValue(transport.ClusterBucket)
			if kv == nil {
				return nil
			}
		}
		n := map[string]int{}
		for p := range 4 {
			e, err := kv.Get(fmt.Sprintf("lease.by_region.%d", p))
			if err != nil {
				continue
			}
			var v struct{ Owner string }
			json.Unmarshal(e.Value(), &v)
			n[v.Owner]++
		}
		return n
	}
	var settled time.Time
	for deadline := time.Now().Add(30 * time.Second); ; {
		if o := owners(); o["x"] == 2 && o["y"] == 2 {
			if settled.IsZero() {
				settled = time.Now()
			} else if time.Since(settled) > time.Second {
				break
			}
		} else {
			settled = time.Time{}
		}
		if time.Now().After(deadline) {
			t.Fatalf("units not shared 2 + 2: %v", owners())
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // the last acquired unit subscribes as it starts

	regions := []string{"north", "south", "east", "west", "centre"}
	type total struct{ n, sum int64 }
	want := map[string]total{}
	for i := range 2000 {
		cust := fmt.Sprintf("c%d", i%97)
		region := regions[(i*7)%len(regions)]
		amount := int64(i%50 + 1)
		rec, _ := json.Marshal(map[string]any{"cust": cust, "region": region, "amount": amount})
		if err := nc.Publish(fmt.Sprintf("sr.orders.%d", transport.PartitionOfString(cust, 4)), rec); err != nil {
			t.Fatal(err)
		}
		w := want[region]
		want[region] = total{w.n + 1, w.sum + amount}
	}
	nc.Flush()

	got := map[string]total{}
	for done := 0; done < len(want); {
		m, err := out.NextMsg(20 * time.Second)
		if err != nil {
			t.Fatalf("outputs stopped before the totals were reached: got %v, want %v", got, want)
		}
		var o struct {
			Region   string
			N, Total int64
		}
		if err := json.Unmarshal(m.Data, &o); err != nil {
			t.Fatalf("output %s: %v", m.Data, err)
		}
		if o.N <= got[o.Region].n {
			t.Fatalf("region %s: count %d after %d (one group updated in two places?)", o.Region, o.N, got[o.Region].n)
		}
		got[o.Region] = total{o.N, o.Total}
		if got[o.Region] == want[o.Region] {
			done++
		}
	}
	for _, p := range procs {
		if code, ok := p.stop(syscall.SIGTERM, 20*time.Second); !ok || code != 0 {
			t.Errorf("SIGTERM of %s: exit %d, in time %v", p.id, code, ok)
		}
	}
}
