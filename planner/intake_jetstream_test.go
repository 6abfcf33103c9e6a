package planner

import (
	"strings"
	"testing"
)

// TestJetStreamWildcardPartitionedByNATS: a JetStream source on a wildcard
// subject with partitions = 4 keyed by a subject token is partitioned by
// the stream's subject transform (was refused: "is not supported yet"):
// its partitions read the stored subjects, no intake query is added, and
// explain says how.
func TestJetStreamWildcardPartitionedByNATS(t *testing.T) {
	pl, err := Parse("q.sql", `CREATE STREAM readings (site VARCHAR METADATA FROM 'subject.2', device VARCHAR METADATA FROM 'subject.4', v BIGINT)
  WITH (subject = 'plant.*.sensor.*', partitions = 4, key = 'device', jetstream = 'PLANT');
CREATE STREAM totals AS SELECT site, device, SUM(v) AS total FROM readings GROUP BY site, device;`, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := pl.Stream("readings")
	if s == nil || s.Transform == nil {
		t.Fatalf("readings: %+v", s)
	}
	if s.Transform.Source != "plant.*.sensor.*" || s.Transform.Destination != "plant.{{wildcard(1)}}.sensor.{{wildcard(2)}}.{{partition(4,2)}}" {
		t.Errorf("transform %+v", *s.Transform)
	}
	if got := s.PartitionSubject(3); got != "plant.*.sensor.*.3" {
		t.Errorf("partition 3 reads %s", got)
	}
	subjects, tr := s.JetStreamSubjects()
	if len(subjects) != 1 || subjects[0] != "plant.*.sensor.*" || tr != s.Transform {
		t.Errorf("JetStreamSubjects: %v %v", subjects, tr)
	}
	if len(pl.Queries) != 1 {
		t.Errorf("%d queries, want 1 (no intake)", len(pl.Queries))
	}
	if q := pl.Queries[0]; q.NeedsRepartition() {
		t.Error("GROUP BY site, device over a stream keyed by device repartitions")
	}
	ex := pl.Explain()
	if !strings.Contains(ex, "partitioned by NATS: the JetStream stream's subject transform stores it as plant.{{wildcard(1)}}.sensor.{{wildcard(2)}}.{{partition(4,2)}}") {
		t.Errorf("explain:\n%s", ex)
	}
}

// TestJetStreamWildcardIntakeOverJetStream: keys NATS cannot partition by
// (a payload column, a BIGINT token, a compound key, a literal token, a
// '>' subject) go through the intake stage over JetStream: the raw stream
// reads the user's stream, and the partitions are a stream of velort's.
func TestJetStreamWildcardIntakeOverJetStream(t *testing.T) {
	const tail = ";\nCREATE STREAM o AS SELECT v FROM s;"
	for _, c := range []struct{ name, decl string }{
		{"payload key", "CREATE STREAM s (d VARCHAR METADATA FROM 'subject.2', v BIGINT, k VARCHAR) WITH (subject = 'p.*', partitions = 4, key = 'k', jetstream = 'P', start = 'latest')"},
		{"number token", "CREATE STREAM s (d BIGINT METADATA FROM 'subject.2', v BIGINT) WITH (subject = 'p.*', partitions = 4, key = 'd', jetstream = 'P', start = 'latest')"},
		{"literal token", "CREATE STREAM s (d VARCHAR METADATA FROM 'subject.1', v BIGINT) WITH (subject = 'p.*', partitions = 4, key = 'd', jetstream = 'P', start = 'latest')"},
		{"tail", "CREATE STREAM s (d VARCHAR METADATA FROM 'subject.2', v BIGINT) WITH (subject = 'p.*.>', partitions = 4, key = 'd', jetstream = 'P', start = 'latest')"},
		{"compound", "CREATE STREAM s (a VARCHAR METADATA FROM 'subject.2', d VARCHAR METADATA FROM 'subject.3', v BIGINT) WITH (subject = 'p.*.*', partitions = 4, key = 'a, d', jetstream = 'P', start = 'latest')"},
	} {
		t.Run(c.name, func(t *testing.T) {
			pl, err := Parse("q.sql", c.decl+tail, Options{})
			if err != nil {
				t.Fatal(err)
			}
			s := pl.Stream("s")
			if s.Transform != nil || s.IntakeOf == nil {
				t.Fatalf("transform %v, intake of %v", s.Transform, s.IntakeOf)
			}
			if raw := s.IntakeOf; raw.JetStream != "P" || raw.Start != "latest" || raw.Partitions != 1 {
				t.Errorf("raw stream: jetstream %q, start %s, %d partitions", raw.JetStream, raw.Start, raw.Partitions)
			}
			if s.JetStream != "VELORT_IN_S" || s.Start != "earliest" || s.Subject != "_velort.in.s.{partition}" {
				t.Errorf("partitions: jetstream %q, start %s, subject %s", s.JetStream, s.Start, s.Subject)
			}
		})
	}
}
