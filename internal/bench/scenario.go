package bench

import (
	"fmt"
	"strings"

	"github.com/velort/velort/runtime"
)

// Scenario is one benchmark: a SQL file with one continuous query, the
// data of its source stream, and the figures it is compared with.
type Scenario struct {
	Name  string // S0, S1, S2, S3a, S3b, q0 … q22
	Title string
	File  string // the SQL file under internal/bench/sql/
	// Published is the best published engine-mode figure (records/s) for
	// this scenario by PublishedBy; 0 when there is none.
	Published   float64
	PublishedBy string
	// Target is the engine-mode target, records/s on one core (issue 5;
	// issue 7 for the joins q3 and q8).
	Target float64
	// UDF marks a variant whose projection calls a WebAssembly function,
	// or whose streams need a file copied beside the SQL (S0-wasm's codec
	// module, S0-protobuf's descriptor set).
	UDF bool

	newGen func() generator
	// newJoin replaces newGen for join scenarios (q3-kv, q8-interval; dataset_join.go).
	newJoin func() joinGen
	// nx replaces both for the Nexmark scenarios of several queries over
	// the person, auction and bid streams, checked row by row against an
	// oracle (nexmark_run.go).
	nx *nxQuery
}

// SQL returns the scenario's SQL file text.
func (s *Scenario) SQL() string { return mustSQL(s.File) }

// generator builds the records of a scenario's source stream.
type generator interface {
	// columns are the source stream's column names, in schema order.
	columns() []string
	// fill writes record i (0-based) into row. String slots alias buffers
	// owned by the generator, so filling allocates nothing.
	fill(i int, row runtime.Row)
	// expected is the number of outputs the scenario's query must produce
	// for rows (end of input included), computed without the engine.
	expected(rows []runtime.Row) int64
}

var scenarios = []*Scenario{
	{Name: "S0", Title: "pure SELECT (filter + projection)", File: "s0.sql", Published: 767e3, PublishedBy: "Velostream", Target: 10e6, newGen: func() generator { return s0Gen{} }},
	{Name: "S1", Title: "ROWS window, 100 rows", File: "s1.sql", Published: 865e3, PublishedBy: "Velostream", Target: 5e6, newGen: func() generator { return s1Gen{} }},
	{Name: "S2", Title: "GROUP BY, EMIT CHANGES", File: "s2.sql", Published: 571e3, PublishedBy: "Velostream", Target: 5e6, newGen: func() generator { return s2Gen{} }},
	{Name: "S2-changelog", Title: "S2's GROUP BY over a changelog input (each update = retract + insert)", File: "s2_changelog.sql", Target: 3e6, newGen: func() generator { return s2ChangelogGen{} }},
	{Name: "S2-changelog-sum", Title: "S2-changelog with COUNT, SUM, AVG only (retraction by subtraction)", File: "s2_changelog_sum.sql", Target: 3e6, newGen: func() generator { return s2ChangelogGen{} }},
	{Name: "S3a", Title: "TUMBLE 1 min, EMIT FINAL", File: "s3a.sql", Published: 1.04e6, PublishedBy: "Velostream", Target: 5e6, newGen: func() generator { return s3Gen{final: true} }},
	{Name: "S3b", Title: "TUMBLE 1 min, EMIT CHANGES", File: "s3b.sql", Published: 28.8e3, PublishedBy: "Velostream", Target: 2e6, newGen: func() generator { return s3Gen{} }},
	{Name: "S0-builtin", Title: "S0 + the UDF's built-in equivalent (baseline of S0-udf)", File: "s0_builtin.sql", newGen: func() generator { return s0Gen{} }},
	{Name: "S0-udf", Title: "S0 + wasm UDF in the projection", File: "s0_udf.sql", UDF: true, newGen: func() generator { return s0Gen{} }},
	{Name: "S1-udf", Title: "S1 + wasm UDF in the projection", File: "s1_udf.sql", UDF: true, newGen: func() generator { return s1Gen{} }},
	{Name: "S2-udf", Title: "S2 + wasm UDF in the projection", File: "s2_udf.sql", UDF: true, newGen: func() generator { return s2Gen{} }},
	{Name: "S3a-udf", Title: "S3a + wasm UDF in the projection", File: "s3a_udf.sql", UDF: true, newGen: func() generator { return s3Gen{final: true} }},
	{Name: "S3b-udf", Title: "S3b + wasm UDF in the projection", File: "s3b_udf.sql", UDF: true, newGen: func() generator { return s3Gen{} }},
	{Name: "S0-wasm", Title: "S0 over a wasm codec (MessagePack in and out, c_msgpack.wasm)", File: "s0_wasm.sql", UDF: true, newGen: func() generator { return s0Gen{} }},
	{Name: "S0-protobuf", Title: "S0 over Protobuf (bench.Order in and out, s0.binpb)", File: "s0_protobuf.sql", UDF: true, newGen: func() generator { return s0Gen{} }},
	// Nexmark q0–q2 are checked against their oracles too (runNexmark);
	// Published for every Nexmark query is Flink 1.13's, see below.
	{Name: "q0", Title: "Nexmark q0 pass-through", File: "nexmark_q0.sql", Published: 155.02e3, PublishedBy: "Flink", Target: 3e6, newGen: func() generator { return newBidGen(q0Expected) }, nx: &nxQuery{out: "q0_out", oracle: oracleQ0}},
	{Name: "q1", Title: "Nexmark q1 currency conversion", File: "nexmark_q1.sql", Published: 157.94e3, PublishedBy: "Flink", Target: 3e6, newGen: func() generator { return newBidGen(q0Expected) }, nx: &nxQuery{out: "q1_out", oracle: oracleQ1}},
	{Name: "q2", Title: "Nexmark q2 selection", File: "nexmark_q2.sql", Published: 175.21e3, PublishedBy: "Flink", Target: 3e6, newGen: func() generator { return newBidGen(q2Expected) }, nx: &nxQuery{out: "q2_out", oracle: oracleQ2}},
	// q3 and q8 are joins (targets from issue 7): records are auctions (q3),
	// or persons and auctions (q8).
	{Name: "q3-kv", Title: "Nexmark q3 local item suggestion (auction ⋈ person KV table)", File: "nexmark_q3_kv.sql", Target: 3e6, newJoin: newQ3Gen},
	{Name: "q5-count", Title: "Nexmark q5's first stage (HOP count)", File: "nexmark_q5_count.sql", Target: 1e6, newGen: func() generator { return newBidGen(q5Expected) }},
	{Name: "q7-max", Title: "Nexmark q7's first stage (TUMBLE max)", File: "nexmark_q7_max.sql", Target: 1e6, newGen: func() generator { return newBidGen(q7Expected) }},
	{Name: "q8-interval", Title: "Nexmark q8 as an interval join (person ⋈ auction, 10 s)", File: "nexmark_q8_interval.sql", Target: 1e6, newJoin: newQ8Gen},
	// The full Nexmark queries (issue 16); Published is Flink 1.13's
	// throughput per core in nexmark's README (github.com/nexmark/nexmark,
	// "Benchmark Results": 100 M events, 8 TaskManagers; events of all three
	// streams per second per core). several queries each where
	// Nexmark nests them, over the person, auction and bid streams in event
	// order; records = the events of the streams a query reads. Each run's
	// result is checked row by row against the oracle (nexmark_oracle.go).
	{Name: "q3", Title: "Nexmark q3 local item suggestion (auction ⋈ person, regular join)", File: "nexmark_q3.sql", Published: 152.12e3, PublishedBy: "Flink", Target: 1e6, nx: &nxQuery{out: "q3_out", oracle: oracleQ3}},
	{Name: "q4", Title: "Nexmark q4 average price per category (join, MAX, AVG)", File: "nexmark_q4.sql", Published: 34.33e3, PublishedBy: "Flink", Target: 1e6, nx: &nxQuery{out: "q4_out", oracle: oracleQ4}},
	{Name: "q5", Title: "Nexmark q5 hot items (HOP count, max per window, join)", File: "nexmark_q5.sql", Published: 22.14e3, PublishedBy: "Flink", Target: 1e6, nx: &nxQuery{out: "q5_out", oracle: oracleQ5}},
	{Name: "q6", Title: "Nexmark q6 average selling price by seller (join, MAX, Top-10 per seller, AVG)", File: "nexmark_q6.sql", Target: 1e6, nx: &nxQuery{out: "q6_out", oracle: oracleQ6}},
	{Name: "q7", Title: "Nexmark q7 highest bid (TUMBLE max, interval join)", File: "nexmark_q7.sql", Published: 12.33e3, PublishedBy: "Flink", Target: 1e6, nx: &nxQuery{out: "q7_out", oracle: oracleQ7}},
	{Name: "q8", Title: "Nexmark q8 monitor new users (people ⋈ sellers of the same 10 s window)", File: "nexmark_q8.sql", Published: 146.14e3, PublishedBy: "Flink", Target: 1e6, nx: &nxQuery{out: "q8_out", oracle: oracleQ8}},
	{Name: "q9", Title: "Nexmark q9 winning bids (join, Top-1 per auction by price, then bid time)", File: "nexmark_q9.sql", Published: 14.24e3, PublishedBy: "Flink", Target: 1e6, nx: &nxQuery{out: "q9_out", oracle: oracleQ9}},
	{Name: "q10", Title: "Nexmark q10 log to file system (projection with DATE_FORMAT)", File: "nexmark_q10.sql", Published: 57.81e3, PublishedBy: "Flink", Target: 1e6, nx: &nxQuery{out: "q10_out", oracle: oracleQ10}},
	{Name: "q11", Title: "Nexmark q11 user sessions (SESSION 10 s)", File: "nexmark_q11.sql", Published: 39.7e3, PublishedBy: "Flink", Target: 1e6, nx: &nxQuery{out: "q11_out", oracle: oracleQ11}},
	{Name: "q12", Title: "Nexmark q12 processing-time windows (TUMBLING 10 s)", File: "nexmark_q12.sql", Published: 75.67e3, PublishedBy: "Flink", Target: 1e6, nx: &nxQuery{out: "q12_out", cols: []string{"bidder", "bid_count"}, sumCol: "bid_count", oracle: oracleQ12}},
	{Name: "q13", Title: "Nexmark q13 bounded side input join (KV table)", File: "nexmark_q13.sql", Published: 130.73e3, PublishedBy: "Flink", Target: 1e6, nx: &nxQuery{out: "q13_out", oracle: oracleQ13, side: q13Rows}},
	{Name: "q14", Title: "Nexmark q14 calculation (CASE, filter)", File: "nexmark_q14.sql", Published: 161.23e3, PublishedBy: "Flink", Target: 1e6, nx: &nxQuery{out: "q14_out", oracle: oracleQ14}},
	{Name: "q15", Title: "Nexmark q15 bidding statistics per day (COUNT DISTINCT)", File: "nexmark_q15.sql", Published: 72.42e3, PublishedBy: "Flink", Target: 1e6, nx: &nxQuery{out: "q15_out", oracle: oracleQ15}},
	{Name: "q16", Title: "Nexmark q16 channel statistics per day", File: "nexmark_q16.sql", Published: 18.65e3, PublishedBy: "Flink", Target: 1e6, nx: &nxQuery{out: "q16_out", oracle: oracleQ16}},
	{Name: "q17", Title: "Nexmark q17 auction statistics per day", File: "nexmark_q17.sql", Published: 116.8e3, PublishedBy: "Flink", Target: 1e6, nx: &nxQuery{out: "q17_out", oracle: oracleQ17}},
	{Name: "q18", Title: "Nexmark q18 last bid per bidder and auction (Top-1 per key)", File: "nexmark_q18.sql", Published: 53.7e3, PublishedBy: "Flink", Target: 1e6, nx: &nxQuery{out: "q18_out", oracle: oracleQ18}},
	{Name: "q19", Title: "Nexmark q19 auction top-10 price (Top-N per auction)", File: "nexmark_q19.sql", Published: 44.04e3, PublishedBy: "Flink", Target: 1e6, nx: &nxQuery{out: "q19_out", oracle: oracleQ19}},
	{Name: "q20", Title: "Nexmark q20 expand bid with auction (regular join)", File: "nexmark_q20.sql", Published: 18.98e3, PublishedBy: "Flink", Target: 1e6, nx: &nxQuery{out: "q20_out", oracle: oracleQ20}},
	{Name: "q21", Title: "Nexmark q21 add channel id (CASE, regular expressions)", File: "nexmark_q21.sql", Published: 98.49e3, PublishedBy: "Flink", Target: 1e6, nx: &nxQuery{out: "q21_out", oracle: oracleQ21}},
	{Name: "q22", Title: "Nexmark q22 URL directories (SUBSTRING_INDEX)", File: "nexmark_q22.sql", Published: 129.96e3, PublishedBy: "Flink", Target: 1e6, nx: &nxQuery{out: "q22_out", oracle: oracleQ22}},
}

// Scenarios returns every scenario in suite order.
func Scenarios() []*Scenario { return append([]*Scenario(nil), scenarios...) }

// Lookup finds a scenario by name, case-insensitively; "nexmark-q5" and
// "q5" name the same one, "S0-udf" and "s0_udf" too.
func Lookup(name string) (*Scenario, bool) {
	n := strings.TrimPrefix(strings.ToLower(name), "nexmark-")
	n = strings.TrimPrefix(n, "nexmark_")
	n = strings.ReplaceAll(n, "_", "-")
	for _, s := range scenarios {
		if strings.ToLower(s.Name) == n {
			return s, true
		}
	}
	return nil, false
}

// Select resolves scenario names; no names selects them all.
func Select(names []string) ([]*Scenario, error) {
	if len(names) == 0 {
		return Scenarios(), nil
	}
	var out []*Scenario
	for _, n := range names {
		s, ok := Lookup(n)
		if !ok {
			var all []string
			for _, s := range scenarios {
				all = append(all, s.Name)
			}
			return nil, fmt.Errorf("unknown scenario %q: expected one of %s", n, strings.Join(all, ", "))
		}
		out = append(out, s)
	}
	return out, nil
}
