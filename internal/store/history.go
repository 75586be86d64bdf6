package store

import (
	"context"
	"encoding/json"
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
	Created bool // a put that made the key
	Record  any  // *Group, *Resource, *Status, …; for a delete, the record before it
}

// CompactedError says the history asked for is gone.
type CompactedError struct {
	Asked, Oldest int64
}

func (e *CompactedError) Error() string {
	return fmt.Sprintf("store: revision %d was compacted; the oldest kept is %d", e.Asked, e.Oldest)
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
// revision on. It answers a *CompactedError at once if since is older than
// what the database keeps. ready, if set, is called with the revision the
// history starts after, once the watch is established.
func (s *Store) History(ctx context.Context, since int64, ready func(rev int64), fn func(Change, View) error) error {
	if since <= 0 {
		since = s.View().Rev()
	}
	ctx, cancel := context.WithCancel(clientv3.WithRequireLeader(ctx))
	defer cancel()
	// The watch acknowledges its creation before it reports a compacted
	// start, so ask first: a read at a compacted revision fails at once.
	// The replica the views come from starts as the database was at since.
	replica := newCache()
	resp, err := s.cli.Get(ctx, Prefix, clientv3.WithPrefix(), clientv3.WithRev(since))
	compacted := errors.Is(err, rpctypes.ErrCompacted)
	if err != nil && !compacted {
		return fmt.Errorf("store: history: %w", err)
	}
	if !compacted {
		var changes []change
		for _, kv := range resp.Kvs {
			changes = append(changes, change{key: string(kv.Key), value: kv.Value, rev: kv.ModRevision})
		}
		if replica, err = replica.apply(since, changes); err != nil {
			return err
		}
	}
	wch := s.cli.Watch(ctx, Prefix, clientv3.WithPrefix(), clientv3.WithRev(since+1), clientv3.WithPrevKV(), clientv3.WithCreatedNotify())
	first := true
	for resp := range wch {
		if resp.CompactRevision != 0 {
			return &CompactedError{Asked: since, Oldest: resp.CompactRevision}
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
			var decoded []Change
			for _, ev := range events[:n] {
				ch, ok, err := decodeEvent(ev)
				if err != nil {
					return err
				}
				if !ok {
					continue
				}
				c := change{key: string(ev.Kv.Key), rev: rev}
				if !ch.Deleted {
					c.value = ev.Kv.Value
				}
				changes = append(changes, c)
				decoded = append(decoded, ch)
			}
			events = events[n:]
			var err error
			if replica, err = replica.apply(rev, changes); err != nil {
				return err
			}
			for _, ch := range decoded {
				if err := fn(ch, View{c: replica}); err != nil {
					return err
				}
			}
		}
	}
	return ctx.Err()
}

func decodeEvent(ev *clientv3.Event) (Change, bool, error) {
	dir, name := kindOf(string(ev.Kv.Key))
	kind, ok := kinds[dir]
	if !ok {
		return Change{}, false, nil
	}
	ch := Change{Rev: ev.Kv.ModRevision, Kind: kind, Name: name, Deleted: ev.Type == mvccpb.DELETE, Created: ev.IsCreate()}
	value := ev.Kv.Value
	if ch.Deleted {
		if ev.PrevKv == nil {
			return ch, true, nil
		}
		value = ev.PrevKv.Value
	}
	var rec any
	switch dir {
	case keyCluster:
		rec = &Cluster{}
	case keySecurity:
		rec = &Security{}
	case dirNodes:
		rec = &Node{}
	case dirGroups:
		rec = &Group{}
	case dirResources:
		rec = &Resource{}
	case dirStatus:
		rec = &Status{}
	case dirOps:
		rec = &Operation{}
	case dirTokens:
		rec = &Token{}
	case dirAlive:
		rec = &Alive{}
	case dirClaims:
		rec = &Claim{}
	}
	if err := json.Unmarshal(value, rec); err != nil {
		return Change{}, false, fmt.Errorf("store: decode %s: %w", ev.Kv.Key, err)
	}
	ch.Record = rec
	return ch, true, nil
}
