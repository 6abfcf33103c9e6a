// Package mysqlserve serves tables of velort's live state, read-only, over
// the MySQL wire protocol with go-mysql-server's own server and engine.
//
// It owns the `velort` database seen by MySQL clients, the conversion of
// velort rows to go-mysql-server rows, the per-query snapshot of each table,
// the single configured user account, and the refusal of every statement
// that would modify state. It knows nothing of NATS or the planner: callers
// hand it a function listing the tables to serve.
package mysqlserve
