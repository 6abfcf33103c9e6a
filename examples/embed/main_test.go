package main

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
)

// TestEmbed runs the service (on its in-process NATS server) and checks
// what it read from the engine in process. It runs in CI with go test ./...
func TestEmbed(t *testing.T) {
	var out strings.Builder
	if err := run(context.Background(), "", &out, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	// ada: orders 0,3,...,27 → 10·(0+3+…+27) = 1350; bob 1,4,…,28 → 1450; cy 2,5,…,29 → 1550.
	// Large (amount >= 100): orders 10..29.
	want := "ada: 10 orders, 1350.00\nbob: 10 orders, 1450.00\ncy: 10 orders, 1550.00\nlarge orders: 20\n"
	if out.String() != want {
		t.Errorf("output:\n%s\nwant:\n%s", out.String(), want)
	}
}
