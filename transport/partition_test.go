package transport

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestPartitionOfMatchesStdlibFNV1a(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 2000; i++ {
		key := make([]byte, r.IntN(40))
		for j := range key {
			key[j] = byte(r.UintN(256))
		}
		h := fnv.New32a()
		h.Write(key)
		if FNV1a32(key) != h.Sum32() {
			t.Fatalf("FNV1a32(%x) = %d, want %d", key, FNV1a32(key), h.Sum32())
		}
		for _, n := range []int{2, 3, 4, 7, 16, 1000} {
			want := int(h.Sum32() % uint32(n))
			if got := PartitionOf(key, n); got != want {
				t.Fatalf("PartitionOf(%x,%d) = %d, want %d", key, n, got, want)
			}
			if got := PartitionOfString(string(key), n); got != want {
				t.Fatalf("PartitionOfString(%x,%d) = %d, want %d", key, n, got, want)
			}
		}
	}
	// Known vectors: FNV-1a-32("") = 0x811c9dc5, ("a") = 0xe40c292c.
	if FNV1a32(nil) != 0x811c9dc5 || FNV1a32([]byte("a")) != 0xe40c292c {
		t.Fatal("FNV-1a-32 known vectors")
	}
	for _, n := range []int{-1, 0, 1} {
		if PartitionOf([]byte("AAPL"), n) != 0 || PartitionOfString("AAPL", n) != 0 {
			t.Fatalf("n=%d must give partition 0", n)
		}
	}
}

func TestPartitionOfDoesNotAllocate(t *testing.T) {
	key := []byte("SYM42")
	s := "SYM42"
	var sink int
	if a := testing.AllocsPerRun(1000, func() { sink += PartitionOf(key, 8) + PartitionOfString(s, 8) }); a != 0 {
		t.Fatalf("PartitionOf allocates %v per call", a)
	}
	buf := make([]byte, 0, 64)
	if a := testing.AllocsPerRun(1000, func() { buf = AppendPartitionSubject(buf[:0], "trades.{partition}.x", 3) }); a != 0 {
		t.Fatalf("AppendPartitionSubject allocates %v per call", a)
	}
	_ = sink
}

// TestPartitionAgreesWithServerMapping lets nats-server partition with its
// {{partition}} subject mapping and checks PartitionOf picks the same.
func TestPartitionAgreesWithServerMapping(t *testing.T) {
	e := startServer(t, nil)
	acc := e.Server().GlobalAccount()
	if err := acc.AddMapping("in.*", "out.{{wildcard(1)}}.{{partition(4,1)}}"); err != nil {
		t.Fatal(err)
	}
	if err := acc.AddMapping("in2.*.*", "out2.{{wildcard(1)}}.{{wildcard(2)}}.{{partition(7,1,2)}}"); err != nil {
		t.Fatal(err)
	}
	c := connect(t, e.ClientURL(), ConnOptions{})
	sub, err := c.SubscribeSync("out.*.*")
	if err != nil {
		t.Fatal(err)
	}
	sub2, err := c.SubscribeSync("out2.*.*.*")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Flush(5 * time.Second); err != nil {
		t.Fatal(err)
	}

	keys := []string{"AAPL", "MSFT", "GOOG", "a", "0", "-1", "SYM|7", "été", "日本", "x_y-z", "T1|SYM2"}
	for i := 0; i < 500; i++ {
		keys = append(keys, "SYM"+strconv.Itoa(i), strconv.Itoa(i*7919))
	}
	for _, k := range keys {
		if err := c.NC.Publish("in."+k, nil); err != nil {
			t.Fatal(err)
		}
	}
	seen := make(map[int]int)
	for range keys {
		m, err := sub.NextMsg(10 * time.Second)
		if err != nil {
			t.Fatal(err)
		}
		tok := strings.Split(m.Subject, ".")
		key, server := tok[1], tok[2]
		if want := strconv.Itoa(PartitionOfString(key, 4)); server != want {
			t.Fatalf("key %q: server chose partition %s, PartitionOf says %s", key, server, want)
		}
		p, _ := strconv.Atoi(server)
		seen[p]++
	}
	if len(seen) != 4 {
		t.Fatalf("keys hit partitions %v, want all 4", seen)
	}

	// Several tokens: nats-server concatenates them with no separator.
	for i := 0; i < 200; i++ {
		if err := c.NC.Publish(fmt.Sprintf("in2.T%d.SYM%d", i%13, i), nil); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 200; i++ {
		m, err := sub2.NextMsg(10 * time.Second)
		if err != nil {
			t.Fatal(err)
		}
		tok := strings.Split(m.Subject, ".")
		if want := strconv.Itoa(PartitionOfString(tok[1]+tok[2], 7)); tok[3] != want {
			t.Fatalf("tokens %s,%s: server chose %s, PartitionOf(concat) says %s", tok[1], tok[2], tok[3], want)
		}
	}
}

func TestSubjectExpansion(t *testing.T) {
	for _, tc := range []struct {
		pattern  string
		p        int
		subject  string
		wildcard string
		has      bool
	}{
		{"trades.{partition}", 3, "trades.3", "trades.*", true},
		{"trades.{partition}.out", 12, "trades.12.out", "trades.*.out", true},
		{"{partition}.a.{partition}", 0, "0.a.0", "*.a.*", true},
		{"alerts.big", 5, "alerts.big", "alerts.big", false},
		{"orders.>", 0, "orders.>", "orders.>", false},
	} {
		if got := PartitionSubject(tc.pattern, tc.p); got != tc.subject {
			t.Errorf("PartitionSubject(%q,%d) = %q, want %q", tc.pattern, tc.p, got, tc.subject)
		}
		if got := string(AppendPartitionSubject([]byte("x:"), tc.pattern, tc.p)); got != "x:"+tc.subject {
			t.Errorf("AppendPartitionSubject(%q,%d) = %q", tc.pattern, tc.p, got)
		}
		if got := WildcardSubject(tc.pattern); got != tc.wildcard {
			t.Errorf("WildcardSubject(%q) = %q, want %q", tc.pattern, got, tc.wildcard)
		}
		if HasPartitionToken(tc.pattern) != tc.has {
			t.Errorf("HasPartitionToken(%q) != %v", tc.pattern, tc.has)
		}
		if err := ValidatePattern(tc.pattern); err != nil {
			t.Errorf("ValidatePattern(%q): %v", tc.pattern, err)
		}
	}
	if got := PartitionSubjects("t.{partition}", 3); strings.Join(got, ",") != "t.0,t.1,t.2" {
		t.Errorf("PartitionSubjects = %v", got)
	}
	for _, bad := range []string{"", "t.p{partition}", "t..x", "t.{partition}x", "a b"} {
		if ValidatePattern(bad) == nil {
			t.Errorf("ValidatePattern(%q) accepted", bad)
		}
	}
}

func BenchmarkPartitionOf(b *testing.B) {
	key := []byte("SYM123")
	b.ReportAllocs()
	s := 0
	for b.Loop() {
		s += PartitionOf(key, 16)
	}
	_ = s
}
