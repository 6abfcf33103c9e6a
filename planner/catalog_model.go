package planner

import (
	"time"

	"github.com/velort/velort/runtime"
	"github.com/velort/velort/transport"
	"github.com/velort/velort/udf"
)

// Stream is a declared stream: a typed record flow on NATS subjects.
type Stream struct {
	Name           string
	Columns        runtime.Schema
	Subject        string           // may contain {partition}
	Partitions     int              // >= 1
	Key            []string         // partition key columns
	KeyIdx         []int            // their positions in Columns
	Format         string           // "json", "csv", "text" or "protobuf"
	PayloadFormat  *runtime.Format  // decodes/encodes payloads when Format is not "json" (nil: JSON)
	Template       *SubjectTemplate // subject built from columns, headers from columns (nil: none)
	EventTime      string           // "" = processing time
	EventTimeIdx   int              // -1 when EventTime == ""
	WatermarkDelay time.Duration    // bounded out-of-orderness
	IdleTimeout    time.Duration    // idle partitions advance their watermark
	Late           string           // "drop" or "dlq"
	DLQ            string           // dead-letter subject
	JetStream      string           // JetStream stream name, "" = core NATS
	Start          string           // earliest | latest
	DedupWindow    time.Duration
	// StateTTL (state_ttl.go), of a derived stream or table: how long the
	// state of its statement's GROUP BY without a window, DISTINCT and
	// regular joins keeps an entry after its last change (0: for good).
	StateTTL    time.Duration
	stateTTLPos int  // where state_ttl = '…' is written
	Derived     bool // declared by CREATE STREAM ... AS SELECT (schema from the query)
	// Hidden marks a stage's stream (a CTE, derived table or view;
	// compose.go): named only inside its statement (a view: in the file),
	// on an internal subject.
	Hidden bool
	// View marks a CREATE VIEW: a named query with no subject of its own.
	View bool
	// unread: a view no query reads; its queries do not run.
	unread bool
	// intake: a source on a wildcard subject with partitions > 1, which
	// velort partitions itself; IntakeOf is the raw stream its intake
	// query reads (intake.go).
	intake   bool
	IntakeOf *Stream
	// Transform: a JetStream source on a wildcard subject partitioned by
	// NATS (intake.go); Subject is then what the stream stores.
	Transform *transport.SubjectTransform
	// Changelog marks a changelog stream (SPEC §2 "Changelogs"): each
	// record upserts or deletes the row of its key. A declared source is
	// one with changelog = 'upsert'; a derived or INSERT INTO sink is one
	// when its query's output is.
	Changelog bool
	// ChangelogKey is the row key of a changelog stream: column names of
	// its schema (empty for a global aggregate, keyed by the empty text).
	// For a declared changelog source it is its key option.
	ChangelogKey []string
	// Materialized is set on the sink of a CREATE TABLE ... AS SELECT: the
	// query's rows go into that table, not to NATS.
	Materialized *Table
	pos          int
	keyPos       int // where key = '…' is written (pos when defaulted)
	changelogPos int // where changelog = '…' is written (-1 when absent)
	// changelogKeyIdx: the columns of ChangelogKey in Columns, nil when
	// some part of the key is not in the payload (then a record's key text
	// travels only in its Velort-Key header); empty for the empty key.
	changelogKeyIdx []int
	// writer is the first query writing the stream (nil: none yet): the
	// kind of every later writer must agree with it.
	writer     *Query
	subjectPos int // where subject = '…' is written (pos when defaulted)
	dlqPos     int // where dlq = '…' is written (pos when defaulted)
}

// PartitionSubject returns the subject of partition p.
func (s *Stream) PartitionSubject(p int) string {
	if s.Template != nil && s.Template.Wildcard != "" {
		return s.Template.Wildcard // a sink publishes to subjects its template builds
	}
	return expandPartition(s.Subject, s.Partitions, p)
}

// Function is a user function declared with CREATE FUNCTION or found in a
// --plugins directory.
type Function struct {
	Name    string
	Params  []runtime.Type
	Returns runtime.Type
	Module  string // path of the .wasm file
	Export  string
	Kind    string // "scalar" or "aggregate"
	pos     int

	module *udf.Module // loaded module (nil until LoadModules / PluginFunctions)
	index  int         // the function's index in module.Functions()
}
