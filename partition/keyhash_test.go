package partition

import (
	"testing"

	"github.com/velort/velort/runtime"
	"github.com/velort/velort/transport"
)

func TestKeyTextAndPartition(t *testing.T) {
	cases := []struct {
		v    runtime.Value
		text string
	}{
		{runtime.Int(-42), "-42"},
		{runtime.String([]byte("AAPL")), "AAPL"},
		{runtime.Timestamp(1705312800000), "1705312800000"},
		{runtime.Null, ""},
		{runtime.Bool(true), "true"},
	}
	for _, c := range cases {
		if got := string(AppendKeyText(nil, c.v)); got != c.text {
			t.Errorf("key text of %v = %q, want %q", c.v, got, c.text)
		}
	}
	k := NewKeyer([]int{0, 1}, 8)
	row := runtime.Row{runtime.String([]byte("a")), runtime.Int(7)}
	if got, want := k.Partition(row), transport.PartitionOf([]byte("a|7"), 8); got != want {
		t.Errorf("compound key partition %d, want %d (hash of a|7)", got, want)
	}
	if a := testing.AllocsPerRun(100, func() { k.Partition(row) }); a != 0 {
		t.Errorf("Partition allocates %.0f times", a)
	}
	if NewKeyer(nil, 1).Partition(row) != 0 {
		t.Error("one partition must be partition 0")
	}
}

func TestSourceOf(t *testing.T) {
	for subj, want := range map[string]int{"_velort.repart.q.1.3": 3, "_velort.repart.q.0.12": 12, "x.y": -1, "": -1} {
		if got := sourceOf(subj); got != want {
			t.Errorf("sourceOf(%q) = %d, want %d", subj, got, want)
		}
	}
}
