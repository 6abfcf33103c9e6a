package main

import (
	"encoding/json"
	"fmt"
	"maps"
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

	nc := natsConnect(t, emb.ClientURL())
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

	waitShares(t, nc, "by_region", 4, map[string]int{"x": 2, "y": 2})

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

// waitShares waits until the leases of query's partitions are held in the
// given shares, unchanged for a second (longer than the 1 s TTL's ticks).
func waitShares(t *testing.T, nc *nats.Conn, query string, partitions int, want map[string]int) {
	t.Helper()
	js, _ := nc.JetStream()
	var kv nats.KeyValue
	owners := func() map[string]int {
		if kv == nil {
			if kv, _ = js.KeyValue(transport.ClusterBucket); kv == nil {
				return nil
			}
		}
		n := map[string]int{}
		for p := range partitions {
			e, err := kv.Get(fmt.Sprintf("lease.%s.%d", query, p))
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
		if o := owners(); maps.Equal(o, want) {
			if settled.IsZero() {
				settled = time.Now()
			} else if time.Since(settled) > time.Second {
				return
			}
		} else {
			settled = time.Time{}
		}
		if time.Now().After(deadline) {
			t.Fatalf("units of %s not shared as %v: %v", query, want, owners())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestSharedHandoverKeepsCoreState: a GROUP BY over a core NATS source
// runs in one instance; a second joins and takes half the partitions. The
// state of the moved partitions goes with them (saved at the handover,
// restored by the new owner), so the running counts continue instead of
// starting again.
func TestSharedHandoverKeepsCoreState(t *testing.T) {
	emb, err := transport.StartEmbedded(transport.EmbeddedOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer emb.Shutdown()
	sqlFile := filepath.Join(t.TempDir(), "q.sql")
	os.WriteFile(sqlFile, []byte(`
CREATE STREAM orders (cust VARCHAR, amount BIGINT) WITH (subject = 'sh.orders.{partition}', partitions = 4, key = 'cust');
CREATE STREAM per_cust WITH (subject = 'sh.per_cust') AS
SELECT cust, COUNT(*) AS n, SUM(amount) AS total FROM orders GROUP BY cust EMIT CHANGES;`), 0o644)
	nc := natsConnect(t, emb.ClientURL())
	out, _ := nc.SubscribeSync("sh.per_cust")
	out.SetPendingLimits(-1, -1)

	type total struct{ n, sum int64 }
	want, got := map[string]total{}, map[string]total{}
	publish := func(from, to int) {
		for i := from; i < to; i++ {
			cust := fmt.Sprintf("c%d", i%41)
			rec, _ := json.Marshal(map[string]any{"cust": cust, "amount": i % 13})
			if err := nc.Publish(fmt.Sprintf("sh.orders.%d", transport.PartitionOfString(cust, 4)), rec); err != nil {
				t.Fatal(err)
			}
			w := want[cust]
			want[cust] = total{w.n + 1, w.sum + int64(i%13)}
		}
		nc.Flush()
		for !maps.Equal(got, want) {
			m, err := out.NextMsg(20 * time.Second)
			if err != nil {
				t.Fatalf("outputs stopped short of the totals (moved state lost?):\n got %v\nwant %v", got, want)
			}
			var o struct {
				Cust     string
				N, Total int64
			}
			json.Unmarshal(m.Data, &o)
			if o.N != got[o.Cust].n+1 {
				t.Fatalf("customer %s: count %d after %d", o.Cust, o.N, got[o.Cust].n)
			}
			got[o.Cust] = total{o.N, o.Total}
		}
	}

	x := startVelort(t, "x", "run", sqlFile, "--nats", emb.ClientURL(), "--instance-id", "x", "--lease-ttl", "1s")
	procs := []*clusterProc{x}
	defer func() {
		if t.Failed() {
			dumpLogs(t, procs)
		}
	}()
	waitShares(t, nc, "per_cust", 4, map[string]int{"x": 4})
	publish(0, 1000)
	procs = append(procs, startVelort(t, "y", "run", sqlFile, "--nats", emb.ClientURL(), "--instance-id", "y", "--lease-ttl", "1s"))
	waitShares(t, nc, "per_cust", 4, map[string]int{"x": 2, "y": 2})
	publish(1000, 2000)
	for _, p := range procs {
		if code, ok := p.stop(syscall.SIGTERM, 20*time.Second); !ok || code != 0 {
			t.Errorf("SIGTERM of %s: exit %d, in time %v", p.id, code, ok)
		}
	}
}
