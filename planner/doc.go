// Package planner turns a velort SQL file into physical streaming plans.
//
// The path is: split the file into statements (split.go) → parse velort's
// own DDL (CREATE STREAM/TABLE/FUNCTION, ddl.go) → strip the streaming
// clauses MySQL's grammar lacks (EMIT, WINDOW, TUMBLE/HOP/SESSION; see
// streaming.go) while keeping every byte offset, so that errors still point
// at the right line and column → parse and resolve the remaining SELECT
// with go-mysql-server against a catalog of the declared streams
// (catalog.go, analyze.go) → compile the resolved expression trees into
// runtime.Expr closures (compile*.go) → assemble one runtime.Pipeline per
// partition (plan.go).
//
// The planner knows nothing of goroutines or NATS: it produces values that
// the partition and transport packages run.
package planner
