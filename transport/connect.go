package transport

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
)

// Connection defaults.
const (
	DefaultName             = "velort"
	DefaultConnectTimeout   = 2 * time.Second
	DefaultReconnectWait    = 250 * time.Millisecond
	DefaultReconnectBufSize = 64 << 20 // publishes buffered while reconnecting
	// DefaultSyncQueueLen is the channel capacity of a sync subscription:
	// nats.go drops (and reports a slow consumer) when it is full, whatever
	// the pending limits say.
	DefaultSyncQueueLen = 1 << 18
	closeTimeout        = 10 * time.Second
	// slowConsumerLogEvery rate-limits the slow-consumer warning.
	slowConsumerLogEvery = 10 * time.Second
)

// ConnOptions mirrors the `nats` CLI's connection flags.
type ConnOptions struct {
	URL         string // comma-separated server URLs; empty: NATS_URL, then nats.DefaultURL
	User        string // --user
	Password    string // --password
	Token       string // token auth
	CredsFile   string // --creds
	NKeyFile    string // --nkey (seed file)
	TLSCert     string // --tlscert
	TLSKey      string // --tlskey
	TLSCA       string // --tlsca
	TLSInsecure bool   // skip server certificate verification
	Name        string // connection name; default "velort"

	Timeout          time.Duration // dial timeout; default 2s
	ReconnectWait    time.Duration // default 250ms
	ReconnectBufSize int           // default 64 MiB
	SyncQueueLen     int           // default 1<<18 messages

	Logger *slog.Logger // nil: slog.Default()
}

// Conn is a NATS connection that reconnects forever, logs its lifecycle
// and counts slow-consumer events.
type Conn struct {
	NC *nats.Conn

	log        *slog.Logger
	servers    string // redacted, for logs
	slow       atomic.Uint64
	slowLogged atomic.Int64 // when a slow consumer was last logged (unix ns)
	closing    atomic.Bool
	closed     chan struct{}
	closeOnce  sync.Once
}

// URLFromEnv returns $NATS_URL (trimmed), or "".
func URLFromEnv() string { return strings.TrimSpace(os.Getenv("NATS_URL")) }

// Connect dials NATS. The first connect fails fast with a clear error when
// no server is reachable; once connected, the connection reconnects forever.
func Connect(opts ConnOptions) (*Conn, error) {
	servers := opts.URL
	if servers == "" {
		servers = URLFromEnv()
	}
	if servers == "" {
		servers = nats.DefaultURL
	}
	c := &Conn{log: opts.Logger, servers: redactURLs(servers), closed: make(chan struct{})}
	if c.log == nil {
		c.log = slog.Default()
	}
	c.log = c.log.With("component", "nats")

	natsOpts, err := c.natsOptions(opts)
	if err != nil {
		return nil, fmt.Errorf("NATS options: %w", err)
	}
	nc, err := nats.Connect(servers, natsOpts...)
	if err != nil {
		return nil, fmt.Errorf("cannot connect to NATS at %s: %w", c.servers, err)
	}
	c.NC = nc
	c.log.Debug("connected to NATS", "url", nc.ConnectedUrlRedacted(), "server", nc.ConnectedServerName())
	return c, nil
}

func (c *Conn) natsOptions(o ConnOptions) ([]nats.Option, error) {
	name := o.Name
	if name == "" {
		name = DefaultName
	}
	opts := []nats.Option{
		nats.Name(name),
		nats.MaxReconnects(-1),
		nats.IgnoreAuthErrorAbort(),
		nats.ReconnectWait(orDuration(o.ReconnectWait, DefaultReconnectWait)),
		nats.ReconnectBufSize(orInt(o.ReconnectBufSize, DefaultReconnectBufSize)),
		nats.SyncQueueLen(orInt(o.SyncQueueLen, DefaultSyncQueueLen)),
		nats.Timeout(orDuration(o.Timeout, DefaultConnectTimeout)),
		nats.DrainTimeout(closeTimeout),
		nats.DisconnectErrHandler(c.onDisconnect),
		nats.ReconnectHandler(c.onReconnect),
		nats.ReconnectErrHandler(c.onReconnectErr),
		nats.ClosedHandler(c.onClosed),
		nats.ErrorHandler(c.onAsyncError),
	}
	if o.User != "" || o.Password != "" {
		opts = append(opts, nats.UserInfo(o.User, o.Password))
	}
	if o.Token != "" {
		opts = append(opts, nats.Token(o.Token))
	}
	if o.CredsFile != "" {
		opts = append(opts, nats.UserCredentials(o.CredsFile))
	}
	if o.NKeyFile != "" {
		opt, err := nats.NkeyOptionFromSeed(o.NKeyFile)
		if err != nil {
			return nil, fmt.Errorf("nkey %s: %w", o.NKeyFile, err)
		}
		opts = append(opts, opt)
	}
	// Secure must come first: it replaces the TLS config the others extend.
	if o.TLSInsecure {
		opts = append(opts, nats.Secure(&tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12}))
	}
	if o.TLSCert != "" || o.TLSKey != "" {
		if o.TLSCert == "" || o.TLSKey == "" {
			return nil, errors.New("TLS client certificate needs both a cert and a key file")
		}
		opts = append(opts, nats.ClientCert(o.TLSCert, o.TLSKey))
	}
	if o.TLSCA != "" {
		opts = append(opts, nats.RootCAs(o.TLSCA))
	}
	return opts, nil
}

// SlowConsumers is the number of slow-consumer events reported by nats.go
// on this connection's subscriptions.
func (c *Conn) SlowConsumers() uint64 { return c.slow.Load() }

// Flush waits until the server has processed everything published so far.
func (c *Conn) Flush(timeout time.Duration) error { return c.NC.FlushTimeout(timeout) }

// Close flushes pending publishes (waiting at most closeTimeout for the
// server to confirm them) and closes the connection. Messages still queued
// in subscriptions are discarded; use Drain to let readers finish them.
func (c *Conn) Close() {
	if c == nil || c.NC == nil || !c.closing.CompareAndSwap(false, true) {
		return
	}
	if c.NC.IsConnected() {
		if err := c.NC.FlushTimeout(closeTimeout); err != nil {
			c.log.Warn("NATS flush on close", "err", err)
		}
	}
	c.NC.Close()
}

// Drain unsubscribes every subscription, lets their handlers (or NextMsg
// readers) finish the messages already received, flushes publishes and
// closes the connection; it returns when closed or after closeTimeout.
func (c *Conn) Drain() error {
	if c == nil || c.NC == nil || !c.closing.CompareAndSwap(false, true) {
		return nil
	}
	if err := c.NC.Drain(); err != nil {
		c.NC.Close()
		if !errors.Is(err, nats.ErrConnectionClosed) {
			return fmt.Errorf("NATS drain: %w", err)
		}
		return nil
	}
	select {
	case <-c.closed:
		return nil
	case <-time.After(closeTimeout + time.Second):
		c.NC.Close()
		return errors.New("NATS drain: timed out")
	}
}

func (c *Conn) onDisconnect(_ *nats.Conn, err error) {
	if c.closing.Load() {
		return
	}
	c.log.Warn("disconnected from NATS; reconnecting", "servers", c.servers, "err", err)
}

func (c *Conn) onReconnect(nc *nats.Conn) {
	c.log.Info("reconnected to NATS", "url", nc.ConnectedUrlRedacted())
}

func (c *Conn) onReconnectErr(_ *nats.Conn, err error) {
	c.log.Debug("NATS reconnect attempt failed", "err", err)
}

func (c *Conn) onClosed(*nats.Conn) {
	c.closeOnce.Do(func() { close(c.closed) })
	c.log.Debug("NATS connection closed")
}

func (c *Conn) onAsyncError(_ *nats.Conn, sub *nats.Subscription, err error) {
	if errors.Is(err, nats.ErrSlowConsumer) {
		// Under overload these come in bursts (one per run of drops):
		// counted each, logged at most every slowConsumerLogEvery. The
		// partition loops count the dropped records themselves.
		n := c.slow.Add(1)
		now := time.Now().UnixNano()
		if last := c.slowLogged.Load(); now-last < int64(slowConsumerLogEvery) || !c.slowLogged.CompareAndSwap(last, now) {
			return
		}
		subject, dropped := "", 0
		if sub != nil {
			subject = sub.Subject
			dropped, _ = sub.Dropped()
		}
		c.log.Warn("NATS slow consumer: messages dropped", "subject", subject, "dropped", dropped, "events", n)
		return
	}
	attrs := []any{"err", err}
	if sub != nil {
		attrs = append(attrs, "subject", sub.Subject)
	}
	c.log.Error("NATS async error", attrs...)
}

// redactURLs hides passwords in a comma-separated URL list.
func redactURLs(urls string) string {
	parts := strings.Split(urls, ",")
	for i, p := range parts {
		p = strings.TrimSpace(p)
		if u, err := url.Parse(p); err == nil && u.User != nil {
			if _, has := u.User.Password(); has {
				p = u.Redacted()
			} else {
				p = strings.Replace(p, u.User.Username()+"@", "xxxxx@", 1) // token in user slot
			}
		}
		parts[i] = p
	}
	return strings.Join(parts, ",")
}

func orDuration(v, def time.Duration) time.Duration {
	if v > 0 {
		return v
	}
	return def
}

func orInt(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}
