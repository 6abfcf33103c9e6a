package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/velort/velort/partition"
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
			st, err := gatherStatus(ctx, conn)
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

// instanceStatus is a member key's value (memberInfo, written by run)
// and the number of leases the instance holds.
type instanceStatus struct {
	memberInfo
	Partitions int `json:"partitions"`
}

// partitionStatus is one (query, partition); nil fields are unknown.
type partitionStatus struct {
	Query           string   `json:"query"`
	Partition       int      `json:"partition"`
	Owner           string   `json:"owner"` // "" when no lease
	OwnerSince      string   `json:"owner_since,omitempty"`
	Stream          string   `json:"stream,omitempty"`
	Lag             *uint64  `json:"lag"`
	AckPending      *uint64  `json:"ack_pending"`
	CheckpointSeq   *uint64  `json:"checkpoint_seq"`
	CheckpointSaved string   `json:"checkpoint_saved,omitempty"`
	CheckpointAge   *float64 `json:"checkpoint_age_s"`
}

type clusterStatus struct {
	Instances  []instanceStatus   `json:"instances"`
	Partitions []*partitionStatus `json:"partitions"`
	noCluster  bool               // the velort_cluster bucket does not exist
}

type partKey struct {
	query string
	part  int
}

type statusReader struct {
	js    jetstream.JetStream
	conn  *transport.Conn
	st    clusterStatus
	parts map[partKey]*partitionStatus
}

// gatherStatus reads the cluster bucket, the checkpoints and the velort
// consumers of every stream.
func gatherStatus(ctx context.Context, conn *transport.Conn) (*clusterStatus, error) {
	js, err := jetstream.New(conn.NC)
	if err != nil {
		return nil, err
	}
	r := &statusReader{js: js, conn: conn, parts: map[partKey]*partitionStatus{}}
	r.st.Instances = []instanceStatus{}
	if _, err := js.AccountInfo(ctx); errors.Is(err, jetstream.ErrJetStreamNotEnabled) || errors.Is(err, jetstream.ErrJetStreamNotEnabledForAccount) {
		r.st.noCluster, r.st.Partitions = true, []*partitionStatus{}
		return &r.st, nil // velort keeps no state without JetStream
	} else if err != nil {
		return nil, fmt.Errorf("JetStream account info: %w", err)
	}
	for _, read := range []func(context.Context) error{r.cluster, r.checkpoints, r.consumers} {
		if err := read(ctx); err != nil {
			return nil, err
		}
	}
	r.st.Partitions = make([]*partitionStatus, 0, len(r.parts))
	for _, p := range r.parts {
		r.st.Partitions = append(r.st.Partitions, p)
	}
	slices.SortFunc(r.st.Partitions, func(a, b *partitionStatus) int {
		return cmp.Or(strings.Compare(a.Query, b.Query), cmp.Compare(a.Partition, b.Partition))
	})
	for i := range r.st.Instances {
		for _, p := range r.st.Partitions {
			if p.Owner == r.st.Instances[i].Instance {
				r.st.Instances[i].Partitions++
			}
		}
	}
	slices.SortFunc(r.st.Instances, func(a, b instanceStatus) int { return strings.Compare(a.Instance, b.Instance) })
	return &r.st, nil
}

func (r *statusReader) part(query string, p int) *partitionStatus {
	k := partKey{query, p}
	if r.parts[k] == nil {
		r.parts[k] = &partitionStatus{Query: query, Partition: p}
	}
	return r.parts[k]
}

// keys lists a KV bucket's keys; nil (and ok false) if the bucket does not exist.
func (r *statusReader) keys(ctx context.Context, bucket string) (jetstream.KeyValue, []string, bool, error) {
	kv, err := r.js.KeyValue(ctx, bucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		return nil, nil, false, nil
	}
	if err != nil {
		return nil, nil, false, fmt.Errorf("KV bucket %s: %w", bucket, err)
	}
	keys, err := kv.Keys(ctx)
	if err != nil && !errors.Is(err, jetstream.ErrNoKeysFound) {
		return nil, nil, true, fmt.Errorf("listing KV bucket %s: %w", bucket, err)
	}
	return kv, keys, true, nil
}

func (r *statusReader) cluster(ctx context.Context) error {
	kv, keys, ok, err := r.keys(ctx, transport.ClusterBucket)
	r.st.noCluster = !ok
	if err != nil || !ok {
		return err
	}
	for _, key := range keys {
		e, err := kv.Get(ctx, key)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			continue // expired meanwhile
		} else if err != nil {
			return fmt.Errorf("KV %s %s: %w", transport.ClusterBucket, key, err)
		}
		if name, ok := strings.CutPrefix(key, "member."); ok {
			var m instanceStatus
			if err := json.Unmarshal(e.Value(), &m.memberInfo); err != nil {
				slog.Warn("unreadable member entry", "key", key, "err", err)
			}
			m.Instance = name
			r.st.Instances = append(r.st.Instances, m)
		} else if qp, ok := strings.CutPrefix(key, "lease."); ok {
			q, p, ok := splitQueryPart(qp, '.')
			if !ok {
				continue
			}
			var l partition.LeaseValue
			if err := json.Unmarshal(e.Value(), &l); err != nil {
				slog.Warn("unreadable lease entry", "key", key, "err", err)
			}
			ps := r.part(q, p)
			ps.Owner, ps.OwnerSince = l.Owner, l.Since
		}
	}
	return nil
}

func (r *statusReader) checkpoints(ctx context.Context) error {
	_, keys, ok, err := r.keys(ctx, transport.CheckpointBucket)
	if err != nil || !ok {
		return err
	}
	blobs, err := r.conn.OpenBlobs(transport.CheckpointBucket)
	if err != nil {
		return err
	}
	now := time.Now()
	for _, key := range keys {
		q, p, ok := splitQueryPart(key, '.')
		if !ok || isChunkKey(key) {
			continue
		}
		b, err := blobs.Get(key)
		if err != nil || b == nil {
			slog.Warn("unreadable checkpoint", "key", key, "err", err)
			continue
		}
		seq, savedMs, err := partition.CheckpointInfo(b)
		if err != nil {
			slog.Warn("unreadable checkpoint", "key", key, "err", err)
			continue
		}
		ps := r.part(q, p)
		age := float64(now.UnixMilli()-savedMs) / 1000
		ps.CheckpointSeq, ps.CheckpointAge = &seq, &age
		ps.CheckpointSaved = rfc3339Millis(savedMs)
	}
	return nil
}

// consumers reads the lag of the durable consumers velort_<query>_<partition>
// (one per source stream of the query).
func (r *statusReader) consumers(ctx context.Context) error {
	streams := r.js.StreamNames(ctx)
	for name := range streams.Name() {
		s, err := r.js.Stream(ctx, name)
		if errors.Is(err, jetstream.ErrStreamNotFound) {
			continue // deleted meanwhile
		} else if err != nil {
			return fmt.Errorf("stream %s: %w", name, err)
		}
		cl := s.ListConsumers(ctx)
		for ci := range cl.Info() {
			qp, ok := strings.CutPrefix(ci.Name, "velort_")
			q, p, ok2 := splitQueryPart(qp, '_')
			if !ok || !ok2 {
				continue
			}
			ps := r.part(q, p)
			ps.Stream = strings.TrimPrefix(ps.Stream+","+name, ",")
			lag, ack := ci.NumPending, uint64(ci.NumAckPending)
			if ps.Lag != nil {
				lag, ack = lag+*ps.Lag, ack+*ps.AckPending
			}
			ps.Lag, ps.AckPending = &lag, &ack
		}
		if err := cl.Err(); err != nil {
			return fmt.Errorf("consumers of stream %s: %w", name, err)
		}
	}
	if err := streams.Err(); err != nil {
		return fmt.Errorf("listing streams: %w", err)
	}
	return nil
}

// splitQueryPart splits "<query><sep><partition>" at the last sep.
func splitQueryPart(s string, sep byte) (string, int, bool) {
	i := strings.LastIndexByte(s, sep)
	if i <= 0 {
		return "", 0, false
	}
	p, err := strconv.Atoi(s[i+1:])
	return s[:i], p, err == nil && p >= 0
}

// isChunkKey reports a transport.Blobs chunk key: <key>.a.<i> or <key>.b.<i>.
func isChunkKey(key string) bool {
	rest, _, ok := splitQueryPart(key, '.')
	return ok && (strings.HasSuffix(rest, ".a") || strings.HasSuffix(rest, ".b"))
}

func rfc3339Millis(ms int64) string {
	return time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z")
}

func printStatus(out io.Writer, st *clusterStatus) error {
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	switch {
	case st.noCluster:
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
