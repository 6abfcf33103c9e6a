package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/velort/velort/engine"
	"github.com/velort/velort/transport"
)

// statusTimeout bounds all of status's requests to the server.
const statusTimeout = 15 * time.Second

type statusFlags struct {
	nats string
	json bool
	conn transport.ConnOptions
}

func newStatusCmd() *cobra.Command {
	var f statusFlags
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show velort instances, partition owners, consumer lag and last checkpoints",
		Long: `Show, as read from the NATS server (no velort process is contacted):

  instances   live 'velort run' processes and how many partitions each owns
  partitions  each (query, partition) with a lease, checkpoint or durable
              consumer: owner, lag (inputs not yet delivered), inputs not yet
              acknowledged, and the input sequence and age of its last
              operator-state checkpoint

A server URL is required (--nats or NATS_URL): the embedded server of
another velort process cannot be looked into. --json prints one object
{"instances":[...],"partitions":[...]}.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			url := cmp.Or(f.nats, transport.URLFromEnv())
			if url == "" {
				return &exitError{code: 2, err: errors.New("status needs a NATS server URL: give --nats URL or set NATS_URL")}
			}
			opts := f.conn
			opts.URL, opts.Name, opts.Logger = url, "velort status", slog.Default()
			conn, err := transport.Connect(opts)
			if err != nil {
				return err
			}
			defer conn.Close()
			ctx, cancel := context.WithTimeout(cmd.Context(), statusTimeout)
			defer cancel()
			st, err := engine.ReadStatus(ctx, conn.NC, slog.Default())
			if err != nil {
				return err
			}
			if f.json {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(st)
			}
			return printStatus(cmd.OutOrStdout(), st)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.nats, "nats", "", "NATS server URL (default $NATS_URL; required)")
	fl.BoolVar(&f.json, "json", false, "print one JSON object instead of tables")
	addConnFlags(fl, &f.conn)
	return cmd
}

// addConnFlags registers the NATS authentication and TLS flags.
func addConnFlags(fl *pflag.FlagSet, o *transport.ConnOptions) {
	fl.StringVar(&o.User, "user", "", "NATS user")
	fl.StringVar(&o.Password, "password", "", "NATS password")
	fl.StringVar(&o.Token, "token", "", "NATS token")
	fl.StringVar(&o.CredsFile, "creds", "", "NATS credentials file")
	fl.StringVar(&o.NKeyFile, "nkey", "", "NATS NKey seed file")
	fl.StringVar(&o.TLSCert, "tlscert", "", "TLS client certificate")
	fl.StringVar(&o.TLSKey, "tlskey", "", "TLS client key")
	fl.StringVar(&o.TLSCA, "tlsca", "", "TLS certificate authority")
}

func printStatus(out io.Writer, st *engine.ClusterStatus) error {
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	switch {
	case st.NoCluster:
		fmt.Fprintln(w, "instances: none (KV bucket velort_cluster does not exist: no velort instance has run shared on this server)")
	case len(st.Instances) == 0:
		fmt.Fprintln(w, "instances: none alive")
	default:
		fmt.Fprintln(w, "INSTANCE\tHOST\tPID\tFILE\tSTARTED\tPARTITIONS")
		for _, m := range st.Instances {
			fmt.Fprintf(w, "%s\t%s\t%d\t%s\t%s\t%d\n", m.Instance, orDash(m.Host), m.PID, orDash(m.File), orDash(m.Started), m.Partitions)
		}
	}
	fmt.Fprintln(w)
	if len(st.Partitions) == 0 {
		fmt.Fprintln(w, "partitions: none (no leases, checkpoints or velort consumers)")
		return w.Flush()
	}
	fmt.Fprintln(w, "QUERY\tPARTITION\tOWNER\tLAG\tACK_PENDING\tCHECKPOINT_SEQ\tCHECKPOINT_AGE")
	for _, p := range st.Partitions {
		age := "-"
		if p.CheckpointAge != nil {
			age = formatAge(time.Duration(*p.CheckpointAge * float64(time.Second)))
		}
		fmt.Fprintf(w, "%s\t%d\t%s\t%s\t%s\t%s\t%s\n", p.Query, p.Partition, orDash(p.Owner),
			optUint(p.Lag), optUint(p.AckPending), optUint(p.CheckpointSeq), age)
	}
	return w.Flush()
}

// formatAge prints 3.2s under a minute, else 4m10s or 2h3m0s.
func formatAge(d time.Duration) string {
	if d < time.Minute {
		return strconv.FormatFloat(max(d.Seconds(), 0), 'f', 1, 64) + "s"
	}
	return d.Round(time.Second).String()
}

func orDash(s string) string { return cmp.Or(s, "-") }

func optUint(v *uint64) string {
	if v == nil {
		return "-"
	}
	return strconv.FormatUint(*v, 10)
}
