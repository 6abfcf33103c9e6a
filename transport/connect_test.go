package transport

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"
)

func TestConnectUnreachable(t *testing.T) {
	for _, tc := range []struct{ url, shown, hidden string }{
		{"nats://127.0.0.1:1", "cannot connect to NATS at nats://127.0.0.1:1:", ""},
		{"nats://bob:s3cret@127.0.0.1:1", "cannot connect to NATS at nats://bob:xxxxx@127.0.0.1:1:", "s3cret"},
		{"nats://tok3n@127.0.0.1:1", "cannot connect to NATS at nats://xxxxx@127.0.0.1:1:", "tok3n"},
	} {
		c, err := Connect(ConnOptions{URL: tc.url, Logger: testLogger(t)})
		if err == nil {
			c.Close()
			t.Fatalf("%s: connected to nothing", tc.url)
		}
		if !strings.Contains(err.Error(), tc.shown) {
			t.Errorf("error %q does not contain %q", err, tc.shown)
		}
		if tc.hidden != "" && strings.Contains(err.Error(), tc.hidden) {
			t.Errorf("error %q leaks %q", err, tc.hidden)
		}
	}
}

func TestURLFromEnvAndDefault(t *testing.T) {
	e := startServer(t, nil)
	t.Setenv("NATS_URL", " "+e.ClientURL()+" ")
	if got := URLFromEnv(); got != e.ClientURL() {
		t.Fatalf("URLFromEnv = %q", got)
	}
	c := connect(t, "", ConnOptions{}) // empty URL: taken from NATS_URL
	if c.NC.ConnectedUrl() != e.ClientURL() {
		t.Fatalf("connected to %q, want %q", c.NC.ConnectedUrl(), e.ClientURL())
	}
	if c.NC.Opts.Name != DefaultName || c.NC.Opts.MaxReconnect != -1 {
		t.Fatalf("name=%q maxReconnect=%d", c.NC.Opts.Name, c.NC.Opts.MaxReconnect)
	}
}

func TestConnectUserPassword(t *testing.T) {
	e := startServer(t, func(o *server.Options) { o.Username, o.Password = "alice", "wonder" })
	connect(t, e.ClientURL(), ConnOptions{User: "alice", Password: "wonder"})
	if c, err := Connect(ConnOptions{URL: e.ClientURL(), User: "alice", Password: "wrong", Logger: testLogger(t)}); err == nil {
		c.Close()
		t.Fatal("wrong password accepted")
	}
	if c, err := Connect(ConnOptions{URL: e.ClientURL(), Logger: testLogger(t)}); err == nil {
		c.Close()
		t.Fatal("no credentials accepted")
	}
}

func TestConnectToken(t *testing.T) {
	e := startServer(t, func(o *server.Options) { o.Authorization = "t0ken" })
	connect(t, e.ClientURL(), ConnOptions{Token: "t0ken"})
	if c, err := Connect(ConnOptions{URL: e.ClientURL(), Token: "nope", Logger: testLogger(t)}); err == nil {
		c.Close()
		t.Fatal("wrong token accepted")
	}
}

func TestConnectNKey(t *testing.T) {
	kp, err := nkeys.CreateUser()
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := kp.PublicKey()
	seed, _ := kp.Seed()
	seedFile := filepath.Join(t.TempDir(), "user.nk")
	if err := os.WriteFile(seedFile, seed, 0o600); err != nil {
		t.Fatal(err)
	}
	e := startServer(t, func(o *server.Options) { o.Nkeys = []*server.NkeyUser{{Nkey: pub}} })
	connect(t, e.ClientURL(), ConnOptions{NKeyFile: seedFile})
	if c, err := Connect(ConnOptions{URL: e.ClientURL(), Logger: testLogger(t)}); err == nil {
		c.Close()
		t.Fatal("connected without the nkey")
	}
	if _, err := Connect(ConnOptions{URL: e.ClientURL(), NKeyFile: filepath.Join(t.TempDir(), "missing.nk")}); err == nil {
		t.Fatal("missing nkey file accepted")
	}
}

func TestConnectCredsFile(t *testing.T) {
	okp, _ := nkeys.CreateOperator()
	opub, _ := okp.PublicKey()
	oc := jwt.NewOperatorClaims(opub)
	akp, _ := nkeys.CreateAccount()
	apub, _ := akp.PublicKey()
	ajwt, err := jwt.NewAccountClaims(apub).Encode(okp)
	if err != nil {
		t.Fatal(err)
	}
	ukp, _ := nkeys.CreateUser()
	upub, _ := ukp.PublicKey()
	useed, _ := ukp.Seed()
	ujwt, err := jwt.NewUserClaims(upub).Encode(akp)
	if err != nil {
		t.Fatal(err)
	}
	creds, err := jwt.FormatUserConfig(ujwt, useed)
	if err != nil {
		t.Fatal(err)
	}
	credsFile := filepath.Join(t.TempDir(), "user.creds")
	if err := os.WriteFile(credsFile, creds, 0o600); err != nil {
		t.Fatal(err)
	}
	skp, _ := nkeys.CreateAccount()
	spub, _ := skp.PublicKey()
	sjwt, err := jwt.NewAccountClaims(spub).Encode(okp)
	if err != nil {
		t.Fatal(err)
	}
	resolver := &server.MemAccResolver{}
	if err := resolver.Store(apub, ajwt); err != nil {
		t.Fatal(err)
	}
	if err := resolver.Store(spub, sjwt); err != nil {
		t.Fatal(err)
	}
	e := startServer(t, func(o *server.Options) {
		o.TrustedOperators = []*jwt.OperatorClaims{oc}
		o.AccountResolver = resolver
		o.SystemAccount = spub
	})
	c := connect(t, e.ClientURL(), ConnOptions{CredsFile: credsFile})
	if err := c.Flush(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	if c, err := Connect(ConnOptions{URL: e.ClientURL(), Logger: testLogger(t)}); err == nil {
		c.Close()
		t.Fatal("connected without creds")
	}
}

func TestReconnectsAfterServerRestart(t *testing.T) {
	e1, err := StartEmbedded(EmbeddedOptions{Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	_, portStr, _ := net.SplitHostPort(strings.TrimPrefix(e1.ClientURL(), "nats://"))
	port, _ := strconv.Atoi(portStr)
	c := connect(t, e1.ClientURL(), ConnOptions{})
	sub, err := c.SubscribeSync("restart.test")
	if err != nil {
		t.Fatal(err)
	}
	e1.Shutdown()
	waitFor(t, "disconnect", func() bool { return c.NC.Status() != nats.CONNECTED })

	e2, err := StartEmbedded(EmbeddedOptions{Port: port, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer e2.Shutdown()
	waitFor(t, "reconnect", c.NC.IsConnected)
	if err := c.NC.Publish("restart.test", []byte("after")); err != nil {
		t.Fatal(err)
	}
	m, err := sub.NextMsg(10 * time.Second)
	if err != nil || string(m.Data) != "after" {
		t.Fatalf("subscription not restored after reconnect: %v", err)
	}
	if c.NC.Stats().Reconnects < 1 {
		t.Fatal("no reconnect counted")
	}
}

func TestCloseFlushesPendingPublishes(t *testing.T) {
	e := startServer(t, nil)
	rx := connect(t, e.ClientURL(), ConnOptions{})
	sub, err := rx.SubscribeSync("close.test")
	if err != nil {
		t.Fatal(err)
	}
	if err := rx.Flush(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	tx, err := Connect(ConnOptions{URL: e.ClientURL(), Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	const n = 1000
	for i := 0; i < n; i++ {
		if err := tx.NC.Publish("close.test", []byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	tx.Close()
	if !tx.NC.IsClosed() {
		t.Fatal("connection not closed")
	}
	for i := 0; i < n; i++ {
		if _, err := sub.NextMsg(10 * time.Second); err != nil {
			t.Fatalf("message %d published before Close lost: %v", i, err)
		}
	}
}

func TestDrainLetsHandlersFinish(t *testing.T) {
	e := startServer(t, nil)
	c, err := Connect(ConnOptions{URL: e.ClientURL(), Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	const n = 500
	handled := 0
	release := make(chan struct{})
	if _, err := c.Subscribe("drain.test", func(*nats.Msg) { <-release; handled++ }); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		if err := c.NC.Publish("drain.test", []byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Flush(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	close(release)
	if err := c.Drain(); err != nil {
		t.Fatal(err)
	}
	if !c.NC.IsClosed() || handled != n {
		t.Fatalf("closed=%v handled=%d of %d", c.NC.IsClosed(), handled, n)
	}
}
