// Command embed is a Go service that embeds velort: it has its own NATS
// connection, runs a continuous query over the orders it publishes, reads
// the query's materialized table in process, and shuts the engine down
// gracefully.
//
//	go run ./examples/embed                  # an in-process NATS server
//	go run ./examples/embed -nats URL        # or a server of yours
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"os"
	"os/signal"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/velort/velort/engine"
	"github.com/velort/velort/transport"
)

// The service's queries: orders in, spend per customer kept as a table,
// large orders published to shop.large.
const shopSQL = `
CREATE STREAM orders (id BIGINT, customer VARCHAR, amount DOUBLE)
WITH (subject = 'shop.orders.{partition}', partitions = 2, key = 'customer');
CREATE TABLE spend AS
SELECT customer, COUNT(*) AS orders, SUM(amount) AS total FROM orders GROUP BY customer;
CREATE STREAM large WITH (subject = 'shop.large') AS
SELECT id, customer, amount FROM orders WHERE amount >= 100;
`

func main() {
	url := flag.String("nats", os.Getenv("NATS_URL"), "NATS server URL (default: an in-process server)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *url, os.Stdout, slog.Default()); err != nil {
		log.Fatal(err)
	}
}

// run is the service: it prints the spend table once every order it
// published has been counted.
func run(ctx context.Context, url string, out io.Writer, logger *slog.Logger) error {
	if url == "" {
		srv, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: server.RANDOM_PORT, NoLog: true, NoSigs: true})
		if err != nil {
			return err
		}
		srv.Start()
		defer srv.Shutdown()
		if !srv.ReadyForConnections(10 * time.Second) {
			return fmt.Errorf("NATS server not ready")
		}
		url = srv.ClientURL()
	}
	nc, err := nats.Connect(url, nats.Name("shop"))
	if err != nil {
		return err
	}
	defer nc.Close()

	e, err := engine.Open(ctx, engine.SQL("shop.sql", shopSQL), engine.Options{
		Conn:     nc,     // the service's connection (the engine never closes it)
		Logger:   logger, // the service's logger
		LeaseTTL: -1,     // one instance: every partition runs here
	})
	if err != nil {
		return err
	}
	runErr := make(chan error, 1)
	go func() { runErr <- e.Run(ctx) }()
	select {
	case <-e.Ready():
	case err := <-runErr:
		return err
	}

	// The service's own work: it publishes orders (keyed by customer, to
	// the partition subject velort reads that customer from).
	large, err := nc.SubscribeSync("shop.large")
	if err != nil {
		return err
	}
	customers := []string{"ada", "bob", "cy"}
	const n = 30
	for i := range n {
		c := customers[i%len(customers)]
		subject := fmt.Sprintf("shop.orders.%d", transport.PartitionOfString(c, 2))
		if err := nc.Publish(subject, fmt.Appendf(nil, `{"id":%d,"customer":%q,"amount":%d}`, i, c, 10*i)); err != nil {
			return err
		}
	}

	// In-process reads: the live statistics, then the table.
	for counted := 0; counted < n; {
		counted = 0
		for _, s := range e.Stats() {
			if s.Query == "spend" {
				counted += int(s.In)
			}
		}
		select {
		case err := <-runErr:
			return err
		case <-time.After(10 * time.Millisecond):
		}
	}
	rows := e.Table("spend").Rows()
	slices.SortFunc(rows, func(a, b engine.Row) int { return strings.Compare(a["customer"].(string), b["customer"].(string)) })
	for _, r := range rows {
		fmt.Fprintf(out, "%s: %d orders, %.2f\n", r["customer"], r["orders"], r["total"])
	}
	big := 0
	for {
		if _, err := large.NextMsg(time.Second); err != nil {
			break
		}
		big++
	}
	fmt.Fprintf(out, "large orders: %d\n", big)

	// Graceful stop: intake stops, records in flight finish, sinks flush.
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := e.Shutdown(sctx); err != nil {
		return err
	}
	return <-runErr
}
