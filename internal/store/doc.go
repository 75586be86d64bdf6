// Package store is the cluster database: baton's records kept in etcd, a
// watch-fed in-memory cache of all of them, and transactions that compare
// the revisions they read so a check and its change are atomic.
//
// Every record is JSON with a schema version "v". Keys live under
// /baton/v1/: cluster, security, nodes/NAME, groups/NAME, resources/NAME,
// status/RESOURCE, ops/ID, tokens/NAME.
//
// Readers use Read with a View of the cache at one revision. Writers use
// Update, which runs a read-check-write function against the cache, commits
// its Txn with a comparison on every record it read for the decision, retries
// on conflict, and returns once the cache has caught up with the commit, so a
// caller reads its own writes.
package store
