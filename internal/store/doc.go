// Package store is the cluster database: baton's records kept in etcd, a
// watch-fed in-memory cache of all of them, and transactions that compare
// the revisions they read so a check and its change are atomic.
//
// Every record is JSON with a schema version "v" (SchemaVersion says what
// each version changed, and what an agent does with a newer one). Keys
// live under /baton/v1/: cluster, security, nodes/NAME, groups/NAME,
// resources/NAME, status/RESOURCE, ops/ID, tokens/NAME, and a group's
// membership stamp membership/GROUP. A group's resources are the
// resources whose record names it (View.GroupResourceNames), not a list
// in the group record.
//
// The cache keeps every kind of record, and indexes of them, in
// persistent B-trees (table.go): a watch batch costs O(changes × log n)
// whatever the size of the database, and lists are read in pages.
//
// Readers use a View of the cache at one revision. Writers use Decide (or
// Update, for a decision without a result), which runs a read-check-write
// function against the cache and commits its Txn only if everything the
// function read is unchanged — the view records each record and listing
// it hands out, as etcd's STM records its reads, so nobody lists the
// comparisons by hand — runs it again on a conflict, and returns once the
// cache has caught up with the commit, so a caller reads its own writes.
// A deletion also writes its directory's guard key (/baton/v1/groups for
// groups/…), which is how a listing learns of it.
//
// The cache degrades per key, not per batch: a record that does not decode
// is quarantined — logged once with its key, counted (Stats), listed by
// View.Quarantined, and read as absent, with no older version of it left
// readable — while everything written with it is applied. It stays in
// etcd for an operator, and leaves quarantine when it is rewritten or
// deleted; Open starts with such records rather than refusing to.
//
// Subscribers hear of the keys that changed. When the watch cannot resume
// (the history it needs was compacted) the store reloads every record and
// resets every subscription instead: the subscriber looks at everything
// again. Subscribers also resync periodically, so a notification lost to
// a bug costs a bounded delay, not a wedged group.
package store
