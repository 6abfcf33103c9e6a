package transport

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go"
)

// ControlBucket is the JetStream KV bucket holding the token that velort's
// control messages (end-of-input markers, watermark heartbeats) carry.
const ControlBucket = "velort_control"

const controlTokenKey = "token"

// ControlToken returns the deployment's control-message token: the value of
// key "token" in the KV bucket velort_control, created with a random value
// by the first velort to ask. Every velort process against the same NATS
// account thus recognises the markers of the others (instances sharing
// partitions) and of its own earlier runs (markers stored in a JetStream
// stream), while a program that does not read the bucket cannot forge them.
// Without JetStream it returns an error; the caller keeps a per-process
// token.
func (c *Conn) ControlToken() (string, error) {
	js, err := c.NC.JetStream()
	if err != nil {
		return "", err
	}
	if _, err := js.AccountInfo(); err != nil { // no JetStream: fail fast, not after retries
		return "", err
	}
	replicas := 1
	if len(c.NC.Servers()) >= 3 { // a cluster: survive the loss of a server
		replicas = 3
	}
	kv, err := c.KeyValue(nats.KeyValueConfig{Bucket: ControlBucket, History: 1, Storage: nats.FileStorage, Replicas: replicas,
		Description: "velort control-message token"})
	if err != nil {
		return "", fmt.Errorf("KV bucket %s: %w", ControlBucket, err)
	}
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	var tok string
	err = retryJS(func() error {
		e, err := kv.Get(controlTokenKey)
		if err == nil {
			tok = string(e.Value())
			return nil
		}
		if !errors.Is(err, nats.ErrKeyNotFound) {
			return err
		}
		mine := hex.EncodeToString(b[:])
		if _, err := kv.Create(controlTokenKey, []byte(mine)); err != nil {
			if errors.Is(err, nats.ErrKeyExists) { // lost a race: read the winner's
				e, err := kv.Get(controlTokenKey)
				if err == nil {
					tok = string(e.Value())
				}
				return err
			}
			return err
		}
		tok = mine
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("KV bucket %s: %w", ControlBucket, err)
	}
	return tok, nil
}
