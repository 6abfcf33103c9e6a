// Package transport owns everything NATS in velort: the embedded server,
// client connections (auth, TLS, reconnection, logging), core subscriptions
// with unlimited client-side pending limits, publishing, dead-letter
// publishing, partition hashing (the same FNV-1a-32 as nats-server's
// {{partition(n,...)}} subject mapping) and `{partition}` subject expansion,
// JetStream streams and durable consumers, and KV buckets: operator-state
// checkpoints (Blobs) and instance members and partition leases (Leases).
//
// It knows nothing of SQL or the runtime.
package transport
