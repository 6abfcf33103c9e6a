package engine_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/velort/velort/engine"
	"github.com/velort/velort/transport"
)

const exampleSQL = `
CREATE STREAM orders (id BIGINT, customer VARCHAR, amount DOUBLE)
WITH (subject = 'shop.orders');
CREATE TABLE spend AS
SELECT customer, COUNT(*) AS orders, SUM(amount) AS total FROM orders GROUP BY customer;
`

// Open a SQL text on an embedded NATS server, replay a file of records
// through it and read the materialized table once the input has ended.
func ExampleOpen() {
	dir, _ := os.MkdirTemp("", "velort-example")
	defer os.RemoveAll(dir)
	input := filepath.Join(dir, "orders.jsonl")
	os.WriteFile(input, []byte(`{"id":1,"customer":"ada","amount":12.5}
{"id":2,"customer":"bob","amount":3}
{"id":3,"customer":"ada","amount":7.5}
`), 0o644)

	ctx := context.Background()
	e, err := engine.Open(ctx, engine.SQL(filepath.Join(dir, "shop.sql"), exampleSQL), engine.Options{
		DataDir: filepath.Join(dir, "nats"), // the embedded server's JetStream store
		Replay:  []engine.Replay{{Stream: "orders", Path: input}},
		Logger:  slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := e.Run(ctx); err != nil { // returns at the end of the replayed input
		fmt.Println(err)
		return
	}
	rows := e.Table("spend").Rows()
	slices.SortFunc(rows, func(a, b engine.Row) int { return strings.Compare(a["customer"].(string), b["customer"].(string)) })
	for _, r := range rows {
		fmt.Println(r["customer"], r["orders"], r["total"])
	}
	// Output:
	// ada 2 20
	// bob 1 3
}

// Run an engine on the program's own NATS connection, publish to it, read
// a row of its table while it runs, and shut it down gracefully.
func ExampleEngine_Shutdown() {
	srv, _ := transport.StartEmbedded(transport.EmbeddedOptions{}) // or any NATS server
	defer srv.Shutdown()
	nc, _ := nats.Connect(srv.ClientURL())
	defer nc.Close()

	ctx := context.Background()
	e, err := engine.Open(ctx, engine.SQL("shop.sql", exampleSQL), engine.Options{
		Conn:     nc,
		LeaseTTL: -1, // one instance: run every partition here
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	go e.Run(ctx)
	<-e.Ready()
	for i, c := range []string{"ada", "bob", "ada"} {
		nc.Publish("shop.orders", fmt.Appendf(nil, `{"id":%d,"customer":%q,"amount":10}`, i, c))
	}
	spend := e.Table("spend")
	for {
		if r, ok := spend.Lookup("customer", "ada"); ok && r["orders"] == int64(2) {
			fmt.Println("ada", r["orders"], r["total"])
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := e.Shutdown(ctx); err != nil {
		fmt.Println(err)
	}
	<-e.Done()
	fmt.Println("connection still open:", !nc.IsClosed())
	// Output:
	// ada 2 20
	// connection still open: true
}

// Check a SQL text: errors name name:line:col.
func ExampleCheck() {
	ctx := context.Background()
	r, err := engine.Check(ctx, engine.SQL("shop.sql", exampleSQL), engine.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, q := range r.Queries {
		fmt.Printf("%s: %s → %s (%s)\n", q.Name, q.Source, q.Sink, q.OutputKind)
	}
	_, err = engine.Check(ctx, engine.SQL("typo.sql", "CREATE STREAM s (a BIGINT) WITH (subject = 's');\nSELEC a FROM s;"), engine.Options{})
	fmt.Println(strings.SplitN(err.Error(), ":", 4)[:3])
	// Output:
	// spend: orders → spend (changelog (key: customer))
	// [typo.sql 2 1]
}
