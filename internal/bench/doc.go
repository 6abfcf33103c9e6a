// Package bench owns velort's benchmark suite (SPEC §5, `velort bench`):
// the scenarios (Velostream's S0–S3b, their variants with a WebAssembly
// user function in the projection, and Nexmark q0, q1, q2, q5, q7 and the
// joins q3 (auction stream ⋈ KV person table) and q8 (person ⋈ auction
// interval join), each a SQL file under sql/), their data generators
// (including a Nexmark generator that follows the standard one), the
// expected output count of each scenario computed independently of the
// engine, and the runners:
//
//   - engine: records pre-built in memory as typed rows, fed to one
//     partition's synchronous pipeline on one core (GOMAXPROCS=1), the way a
//     partition loop feeds it; "json" is the same with JSON decode and
//     encode included;
//   - nats: JSON records through an embedded NATS server, a velort
//     partition loop and back, beside the do-nothing relay ceiling measured
//     in the same run.
//
// Every run checks the number of outputs against the expected count.
package bench
