package transport

import (
	"fmt"
	"math/rand"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// randomToken is a valid subject token: printable bytes but '.', '*',
// '>' and whitespace, sometimes multi-byte UTF-8, 1 to 24 bytes.
func randomToken(rng *rand.Rand) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_%$#@!~+=:;,|"
	n := 1 + rng.Intn(24)
	var b strings.Builder
	for b.Len() < n {
		if rng.Intn(10) == 0 {
			b.WriteString([]string{"é", "ü", "東", "😀"}[rng.Intn(4)])
			continue
		}
		b.WriteByte(alphabet[rng.Intn(len(alphabet))])
	}
	return b.String()
}

// TestPartitionTransformAgreesWithNATS: for many subjects, the partition
// nats-server's own subject transform (the destination PartitionTransform
// writes, applied by server.NewSubjectTransform, the code a stream runs)
// appends equals PartitionOfString of the key token — what velort's loop
// checks a record against (partition.Keyer hashes a VARCHAR key's bytes
// with PartitionOf) — and the other tokens are kept in place.
func TestPartitionTransformAgreesWithNATS(t *testing.T) {
	rng := rand.New(rand.NewSource(17))
	cases := []struct {
		subject string
		tokens  []int
	}{
		{"plant.*.sensor.*", []int{4}},
		{"plant.*.sensor.*", []int{2}},
		{"plant.*.sensor.*", []int{2, 4}},
		{"*.x.*.*", []int{3}},
		{"*", []int{1}},
		{"a.b.*", []int{3}},
	}
	for _, c := range cases {
		for _, n := range []int{2, 3, 4, 7, 16, 64} {
			tr, err := PartitionTransform(c.subject, n, c.tokens)
			if err != nil {
				t.Fatal(err)
			}
			st, err := server.NewSubjectTransform(tr.Source, tr.Destination)
			if err != nil {
				t.Fatalf("nats-server refuses %s -> %s: %v", tr.Source, tr.Destination, err)
			}
			for range 2000 {
				toks := strings.Split(c.subject, ".")
				for i, tk := range toks {
					if tk == "*" {
						toks[i] = randomToken(rng)
					}
				}
				subject := strings.Join(toks, ".")
				got := st.TransformSubject(subject)
				cut := strings.LastIndexByte(got, '.')
				if got[:cut] != subject {
					t.Fatalf("%s stored as %s: the subject's tokens are not kept", subject, got)
				}
				var key []byte
				for _, k := range c.tokens {
					key = append(key, toks[k-1]...) // NATS hashes the tokens concatenated
				}
				want := PartitionOf(key, n)
				if len(c.tokens) == 1 {
					want = PartitionOfString(toks[c.tokens[0]-1], n)
				}
				if p := got[cut+1:]; p != strconv.Itoa(want) {
					t.Fatalf("%s -> %s (n=%d): NATS puts %s in partition %s, velort in %d", c.subject, tr.Destination, n, subject, p, want)
				}
			}
		}
	}
}

func TestPartitionTransformRefuses(t *testing.T) {
	for _, c := range []struct {
		subject string
		tokens  []int
	}{
		{"plant.>", []int{2}},
		{"plant.*.sensor.*", []int{3}}, // a literal token
		{"plant.*.sensor.*", []int{5}}, // past the end
		{"plant.*", nil},
	} {
		if tr, err := PartitionTransform(c.subject, 4, c.tokens); err == nil {
			t.Errorf("PartitionTransform(%q, %v) = %v, want an error", c.subject, c.tokens, tr)
		}
	}
	tr, err := PartitionTransform("plant.*.sensor.*", 4, []int{4})
	if err != nil || tr.Destination != "plant.{{wildcard(1)}}.sensor.{{wildcard(2)}}.{{partition(4,2)}}" {
		t.Errorf("got %+v, %v", tr, err)
	}
}

// TestEnsureStreamTransform: a stream created with the transform stores a
// message published to the user's subject under its partition's subject,
// where a consumer filtered to StoredPattern's partition finds it; an
// existing stream without the transform (or with another) is refused.
func TestEnsureStreamTransform(t *testing.T) {
	emb := startServer(t, nil)
	c := connect(t, emb.ClientURL(), ConnOptions{})
	tr, err := PartitionTransform("plant.*.sensor.*", 4, []int{4})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.EnsureStream("PLANT", []string{"plant.*.sensor.*"}, time.Minute, &tr); err != nil {
		t.Fatal(err)
	}
	if err := c.EnsureStream("PLANT", []string{"plant.*.sensor.*"}, time.Minute, &tr); err != nil {
		t.Fatalf("the stream it created refused: %v", err)
	}
	if err := c.NC.Publish("plant.north.sensor.d7", []byte("x")); err != nil {
		t.Fatal(err)
	}
	c.NC.Flush()
	p := PartitionOfString("d7", 4)
	sub, err := c.DurableConsumer("PLANT", "p", PartitionSubject(StoredPattern("plant.*.sensor.*"), p), false)
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := sub.Fetch(1, nats.MaxWait(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("plant.north.sensor.d7.%d", p); msgs[0].Subject != want {
		t.Errorf("stored as %s, want %s", msgs[0].Subject, want)
	}

	if err := c.EnsureStream("PLAIN", []string{"plain.*"}, time.Minute); err != nil {
		t.Fatal(err)
	}
	tr2, _ := PartitionTransform("plain.*", 4, []int{2})
	if err := c.EnsureStream("PLAIN", []string{"plain.*"}, time.Minute, &tr2); err == nil || !strings.Contains(err.Error(), "no subject transform") {
		t.Errorf("an existing stream without the transform: %v", err)
	}
	tr8, _ := PartitionTransform("plant.*.sensor.*", 8, []int{4})
	if err := c.EnsureStream("PLANT", []string{"plant.*.sensor.*"}, time.Minute, &tr8); err == nil {
		t.Error("an existing stream with another transform was accepted")
	}
}
