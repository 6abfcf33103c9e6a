package transport

import (
	"errors"

	"github.com/nats-io/nats.go"
)

// KeyValue binds the KV bucket cfg.Bucket, creating it with cfg if it is
// missing. Instances starting together may race to create it: the loser's
// create fails with "name in use" and its retry binds the winner's bucket
// (whose configuration then applies). Other transient JetStream errors of a
// server or cluster settling are retried too.
func (c *Conn) KeyValue(cfg nats.KeyValueConfig) (nats.KeyValue, error) {
	js, err := c.NC.JetStream()
	if err != nil {
		return nil, err
	}
	var kv nats.KeyValue
	err = retryJS(func() error {
		var err error
		kv, err = js.KeyValue(cfg.Bucket)
		if errors.Is(err, nats.ErrBucketNotFound) {
			kv, err = js.CreateKeyValue(&cfg) // a lost race is retried: it binds the winner's bucket
		}
		return err
	})
	return kv, err
}
