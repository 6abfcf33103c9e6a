package planner

import (
	"fmt"
	"strings"
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
	case s.JetStream != "":
		p.errorf(at, "stream %s: a JetStream stream on a wildcard subject with partitions = %d is not supported yet (velort would partition it with a subject transform): expected partitions = 1, or a subject with {partition}", s.Name, s.Partitions)
		return
	case s.Changelog:
		p.errorf(at, "stream %s: a changelog on a wildcard subject with partitions = %d is not supported yet: expected partitions = 1, or a subject with {partition}", s.Name, s.Partitions)
		return
	case len(s.Key) == 0:
		p.errorf(at, "stream %s has %d partitions on the wildcard subject %q: expected key = 'column' to partition it by", s.Name, s.Partitions, s.Subject)
		return
	}
	raw := *s
	raw.Name = s.Name + "__raw"
	raw.Partitions, raw.Key, raw.KeyIdx, raw.Hidden, raw.intake = 1, nil, nil, true, false
	raw.Columns = append(raw.Columns[:0:0], s.Columns...)
	pl.Streams = append(pl.Streams, &raw)

	name := strings.ToLower(s.Name)
	s.Subject = fmt.Sprintf("_velort.in.%s.{partition}", subjectToken(name))
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
