package store

import (
	"context"
	"errors"
	"fmt"

	"go.etcd.io/etcd/api/v3/mvccpb"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// Change is one change from the database's history, decoded.
type Change struct {
	Rev     int64
	Kind    string // cluster, security, node, group, resource, status, operation, token
	Name    string
	Deleted bool
	Created bool // a put of a record absent before (a new key, or one out of quarantine)
	// Record is the *Group, *Resource, *Status, … after the change; for a
	// delete, the record before it. Shared: never modify it.
	Record any
	// Prev is the record before a put (nil for one created). Shared too.
	Prev any
}

// CompactedError says the history asked for is gone: the changes after
// revision Asked (since, or the last change given when a watch had to
// resume) are no longer kept; Oldest is the oldest revision kept.
type CompactedError struct {
	Asked, Oldest int64
}

func (e *CompactedError) Error() string {
	return fmt.Sprintf("store: the changes after revision %d were compacted; the oldest revision kept is %d", e.Asked, e.Oldest)
}

var kinds = map[string]string{
	keyCluster: "cluster", keySecurity: "security", dirNodes: "node", dirGroups: "group",
	dirResources: "resource", dirStatus: "status", dirOps: "operation", dirTokens: "token",
	dirAlive: "alive", dirClaims: "claim",
}

// History calls fn for every change after revision since, in order, until
// ctx ends or fn fails, with a view of the whole database as it was right
// after that change (so facts derived from several records, like a group's
// state, are those of that moment). since 0 means from the current
// revision on. It answers a *CompactedError if the history it needs is no
// longer kept: at once if since is older than what the database keeps, or
// later if the watch has to resume (after a lost connection) from a
// revision compacted meanwhile. ready, if set, is called with the revision the history
// starts after, once the watch is established.
//
// A record that does not decode is treated as the store's cache treats it
// (see View.Quarantined): as absent. Its put is reported as the deletion
// of the version before it, if there was one, and a later put that decodes
// as a creation.
func (s *Store) History(ctx context.Context, since int64, ready func(rev int64), fn func(Change, View) error) error {
	fromNow := since <= 0
	if fromNow {
		// The cache's revision, not the database's: a reader that listed
		// from the cache and then watches from now misses nothing.
		since = s.View().Rev()
	}
	ctx, cancel := context.WithCancel(clientv3.WithRequireLeader(ctx))
	defer cancel()
	// The watch acknowledges its creation before it reports a compacted
	// start, so ask first: a read at a compacted revision fails at once.
	// The replica the views come from starts as the database was at since.
	replica := newCache()
	resp, err := s.cli.Get(ctx, Prefix, clientv3.WithPrefix(), clientv3.WithRev(since))
	if fromNow && errors.Is(err, rpctypes.ErrCompacted) {
		// The cache is behind a compaction (its watch is about to reload):
		// now is once it has caught up.
		if err := s.Sync(ctx); err != nil {
			return fmt.Errorf("store: history: %w", err)
		}
		since = s.View().Rev()
		resp, err = s.cli.Get(ctx, Prefix, clientv3.WithPrefix(), clientv3.WithRev(since))
	}
	compacted := errors.Is(err, rpctypes.ErrCompacted)
	if err != nil && !compacted {
		return fmt.Errorf("store: history: %w", err)
	}
	if !compacted {
		var changes []change
		for _, kv := range resp.Kvs {
			changes = append(changes, change{key: string(kv.Key), value: kv.Value, rev: kv.ModRevision, crev: kv.CreateRevision})
		}
		replica = replica.apply(since, changes)
	}
	wch := s.cli.Watch(ctx, Prefix, clientv3.WithPrefix(), clientv3.WithRev(since+1), clientv3.WithCreatedNotify())
	first := true
	at := since // the last revision given
	for resp := range wch {
		if resp.CompactRevision != 0 {
			return &CompactedError{Asked: at, Oldest: resp.CompactRevision}
		}
		if err := resp.Err(); err != nil {
			return fmt.Errorf("store: history: %w", err)
		}
		if first {
			first = false // the created notification: the watch is in place
			if compacted {
				continue // the compaction report comes next
			}
			if ready != nil {
				ready(since)
			}
		}
		// One transaction is one revision: apply all its changes before
		// any of its events is sent, so no view shows half of it.
		events := resp.Events
		for len(events) > 0 {
			rev := events[0].Kv.ModRevision
			n := 1
			for n < len(events) && events[n].Kv.ModRevision == rev {
				n++
			}
			var changes []change
			for _, ev := range events[:n] {
				c := change{key: string(ev.Kv.Key), rev: rev, crev: ev.Kv.CreateRevision, deleted: ev.Type == mvccpb.DELETE}
				if !c.deleted {
					c.value = ev.Kv.Value
				}
				changes = append(changes, c)
			}
			events = events[n:]
			before := replica
			replica = replica.apply(rev, changes)
			for _, c := range changes {
				ch, ok := changeOf(c, before, replica)
				if !ok {
					continue
				}
				if err := fn(ch, View{c: replica}); err != nil {
					return err
				}
			}
			at = rev
		}
	}
	return ctx.Err()
}

// changeOf describes c, applied to before to give after; false if there is
// nothing to tell (not a record of ours, or one absent before and after).
func changeOf(c change, before, after *cache) (Change, bool) {
	dir, name := kindOf(c.key)
	kind, ok := kinds[dir]
	if !ok {
		return Change{}, false
	}
	ch := Change{Rev: c.rev, Kind: kind, Name: name}
	prev, cur := before.get(c.key), after.get(c.key)
	switch {
	case cur != nil:
		ch.Record, ch.Created = cur, prev == nil
		if prev != nil {
			ch.Prev = prev
		}
	case prev != nil: // deleted, or no longer readable
		ch.Record, ch.Deleted = prev, true
	default:
		return Change{}, false
	}
	return ch, true
}
