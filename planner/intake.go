package planner

import (
	"fmt"
	"strings"

	"github.com/velort/velort/runtime"
	"github.com/velort/velort/transport"
)

// Wildcard sources partitioned by velort (SPEC §2 "NATS-native streams"):
//
//	CREATE STREAM s (device VARCHAR METADATA FROM 'subject.2', v BIGINT)
//	  WITH (subject = 'plant.*.v', partitions = 4, key = 'device');
//
// Traffic already on NATS has no {partition} in its subjects. On core NATS
// velort adds an intake stage: one loop subscribes to the wildcard (the
// raw stream, hidden), decodes each record (its format, its metadata
// columns from the message) and publishes it as JSON to the partition of
// its key on _velort.in.<s>.{partition}; the stream the file names is that
// partitioned stream, so every query reads it as it reads any partitioned
// source. The intake is one loop: its throughput bounds the stream's.

// intakeStage declares s (a source on a wildcard subject with partitions
// > 1) as the partitioned stream of an intake query reading the wildcard.
func (p *parser) intakeStage(pl *Plan, s *Stream, at token) {
	switch {
	case s.Changelog:
		p.errorf(at, "stream %s: a changelog on a wildcard subject with partitions = %d is not supported yet: expected partitions = 1, or a subject with {partition}", s.Name, s.Partitions)
		return
	case len(s.Key) == 0:
		p.errorf(at, "stream %s has %d partitions on the wildcard subject %q: expected key = 'column' to partition it by", s.Name, s.Partitions, s.Subject)
		return
	case s.JetStream != "" && p.natsPartitioned(pl, s):
		return
	}
	raw := *s
	raw.Name = s.Name + "__raw"
	raw.Partitions, raw.Key, raw.KeyIdx, raw.Hidden, raw.intake = 1, nil, nil, true, false
	raw.Columns = append(raw.Columns[:0:0], s.Columns...)
	pl.Streams = append(pl.Streams, &raw)

	name := strings.ToLower(s.Name)
	s.Subject = fmt.Sprintf("_velort.in.%s.{partition}", subjectToken(name))
	if s.JetStream != "" {
		// a key NATS cannot partition by (natsPartitioned): the intake reads
		// the user's stream durably and writes the partitions to a stream of
		// velort's, so the whole path stays effectively once
		s.JetStream, s.Start = "VELORT_IN_"+strings.ToUpper(subjectToken(name)), "earliest"
	}
	s.Format, s.PayloadFormat, s.Template = "json", nil, nil
	s.IntakeOf = &raw
	cols := append(s.Columns[:0:0], s.Columns...)
	for i := range cols {
		cols[i].Meta = "" // carried in the JSON the intake publishes
	}
	s.Columns = cols
	pl.addStream(s)

	pl.scopes = append(pl.scopes, map[string]*Stream{strings.ToLower(raw.Name): &raw})
	defer func() { pl.scopes = pl.scopes[:len(pl.scopes)-1] }()
	if q := planGenerated(p, pl, s, name+"__intake", fmt.Sprintf("SELECT * FROM `%s`", raw.Name), at); q != nil {
		q.Statement = name
	}
}

// A JetStream source on a wildcard subject with partitions > 1 is
// partitioned by NATS itself when its key is one VARCHAR subject token: the
// stream velort creates has a subject transform that appends NATS's
// partition of the token (transport.PartitionTransform):
//
//	subject 'plant.*.sensor.*', key = 'device' (METADATA FROM 'subject.4'), partitions = 4
//	stores plant.north.sensor.d7 as plant.north.sensor.d7.{{partition(4,2)}}
//
// and partition p's durable consumer filters plant.*.sensor.*.p. NATS hashes
// the token's bytes with FNV-1a, as velort hashes a VARCHAR key
// (transport.PartitionOf), so the loop's check that a record's key hashes
// to its partition agrees (TestPartitionTransformAgreesWithNATS). Other
// keys go through the intake stage over JetStream instead (intakeStage): a
// payload column is not known to NATS, a non-VARCHAR token hashes as its
// text (007 vs 7), a compound key's text is a|b where NATS hashes ab, and
// a '>' subject cannot be transformed so.

// natsPartitioned declares s as a JetStream stream partitioned by NATS's
// subject transform and reports true, or reports false when its key is
// not one VARCHAR subject token of a '*'.
func (p *parser) natsPartitioned(pl *Plan, s *Stream) bool {
	if len(s.KeyIdx) != 1 {
		return false
	}
	c := s.Columns[s.KeyIdx[0]]
	m, ok := transport.ParseMetadata(c.Meta)
	if c.Meta == "" || !ok || m.Kind != transport.MetaSubject || c.Type != runtime.TString {
		return false
	}
	tr, err := transport.PartitionTransform(s.Subject, s.Partitions, []int{m.Token})
	if err != nil {
		return false
	}
	s.Transform = &tr
	s.Subject = transport.StoredPattern(s.Subject)
	pl.addStream(s)
	return true
}

// JetStreamSubjects returns the subjects a JetStream source's stream
// stores and, for a wildcard partitioned by NATS, the subject transform
// the stream is created with (nil otherwise).
func (s *Stream) JetStreamSubjects() ([]string, *transport.SubjectTransform) {
	if s.Transform != nil {
		return []string{s.Transform.Source}, s.Transform
	}
	subj := s.WildcardSubject()
	if s.Partitions > 1 || strings.Contains(subj, partitionToken) {
		subj = transport.WildcardSubject(subj)
	}
	return []string{subj}, nil
}
