package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/etcd/api/v3/mvccpb"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// ErrConflict means a record read for a decision changed before the write
// committed; Update retries on it.
var ErrConflict = errors.New("store: conflicting change")

// Store is the cluster database seen through a watch-fed cache. It is safe
// for concurrent use.
type Store struct {
	cli *clientv3.Client
	log *slog.Logger

	cur atomic.Pointer[cache]

	mu      sync.Mutex // guards waiters and subs
	waiters []waiter
	subs    map[*Subscription]struct{}

	wg     sync.WaitGroup
	cancel context.CancelFunc

	onCommit atomic.Pointer[func(time.Duration)]

	reloads, badRecords atomic.Uint64 // see Stats
}

// OnCommit makes every commit report how long it took (for metrics).
func (s *Store) OnCommit(f func(time.Duration)) { s.onCommit.Store(&f) }

// Stats are the store's counters since Open.
type Stats struct {
	// Reloads counts the times the watch could not resume (the history it
	// needed was compacted) and the cache was read anew: each one reset
	// every subscription.
	Reloads uint64
	// BadRecords counts record versions that could not be decoded, each
	// quarantined once (View.Quarantined), however often it is read again.
	BadRecords uint64
}

// Stats returns the store's counters (for metrics).
func (s *Store) Stats() Stats {
	return Stats{Reloads: s.reloads.Load(), BadRecords: s.badRecords.Load()}
}

type waiter struct {
	rev int64
	ch  chan struct{}
}

// Open loads every record and starts the watch that keeps the cache
// current. Close stops it. Records that do not decode do not stop it: they
// are quarantined (logged, counted, listed by View.Quarantined) and left in
// the database for an operator, so that one bad record cannot keep every
// node from starting.
func Open(ctx context.Context, cli *clientv3.Client, log *slog.Logger) (*Store, error) {
	s := &Store{cli: cli, log: log, subs: map[*Subscription]struct{}{}}
	c, err := s.read(ctx)
	if err != nil {
		return nil, err
	}
	s.noteBad(newCache(), c, nil)
	s.publish(c, nil, false)
	wctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.watch(wctx, c.rev)
	}()
	return s, nil
}

// Close stops the watch and waits for it.
func (s *Store) Close() {
	s.cancel()
	s.wg.Wait()
}

// Client is the etcd client underneath, for leases and elections.
func (s *Store) Client() *clientv3.Client { return s.cli }

// read loads every record into a new cache.
func (s *Store) read(ctx context.Context) (*cache, error) {
	resp, err := s.cli.Get(ctx, Prefix, clientv3.WithPrefix())
	if err != nil {
		return nil, fmt.Errorf("store: load: %w", err)
	}
	changes := make([]change, 0, len(resp.Kvs))
	for _, kv := range resp.Kvs {
		changes = append(changes, change{key: string(kv.Key), value: kv.Value, rev: kv.ModRevision})
	}
	return newCache().apply(resp.Header.Revision, changes), nil
}

// reload replaces the cache with a fresh read of every record and resets
// every subscription: which keys changed in between is not known.
func (s *Store) reload(ctx context.Context) (int64, error) {
	c, err := s.read(ctx)
	if err != nil {
		return 0, err
	}
	s.noteBad(s.cur.Load(), c, nil)
	s.reloads.Add(1)
	s.publish(c, nil, true)
	return c.rev, nil
}

// watch applies every change after rev to the cache, reloading everything
// if the history it needs was compacted away.
func (s *Store) watch(ctx context.Context, rev int64) {
	// Without a database leader the watch fails at once: back off, and
	// say so once per failure streak rather than once per try.
	backoff, failing := 50*time.Millisecond, false
	for ctx.Err() == nil {
		wch := s.cli.Watch(clientv3.WithRequireLeader(ctx), Prefix,
			clientv3.WithPrefix(), clientv3.WithRev(rev+1), clientv3.WithProgressNotify())
		for resp := range wch {
			if err := resp.Err(); err != nil {
				if errors.Is(err, rpctypes.ErrCompacted) {
					s.log.Warn("store: watch history compacted; reloading, and every subscriber resyncs", "rev", rev, "compacted", resp.CompactRevision)
					r, rerr := s.reload(ctx)
					if rerr == nil {
						rev = r
						break
					}
					if ctx.Err() != nil {
						return
					}
					err = rerr // try again after a backoff
				}
				if !failing {
					failing = true
					s.log.Warn("store: watch failing; retrying with backoff", "err", err)
				}
				break
			}
			if failing {
				failing, backoff = false, 50*time.Millisecond
				s.log.Info("store: watch working again")
			}
			if len(resp.Events) == 0 {
				continue
			}
			changes := make([]change, 0, len(resp.Events))
			keys := make([]string, 0, len(resp.Events))
			for _, ev := range resp.Events {
				ch := change{key: string(ev.Kv.Key), rev: ev.Kv.ModRevision, deleted: ev.Type == mvccpb.DELETE}
				if !ch.deleted {
					ch.value = ev.Kv.Value
				}
				changes = append(changes, ch)
				keys = append(keys, ch.key)
			}
			prev := s.cur.Load()
			next := prev.apply(resp.Header.Revision, changes)
			s.noteBad(prev, next, keys)
			rev = resp.Header.Revision
			s.publish(next, keys, false)
		}
		if failing {
			select {
			case <-ctx.Done():
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, 2*time.Second)
		}
	}
}

// noteBad logs and counts the records that entered or left quarantine
// between prev and next, looking at keys (nil: every key). A record is
// counted once per version, so a reload that finds it still bad says
// nothing again.
func (s *Store) noteBad(prev, next *cache, keys []string) {
	if keys == nil {
		if len(prev.bad) == 0 && len(next.bad) == 0 {
			return
		}
		for k := range prev.bad {
			keys = append(keys, k)
		}
		for k := range next.bad {
			keys = append(keys, k)
		}
	}
	seen := map[string]bool{}
	for _, k := range keys {
		if seen[k] {
			continue
		}
		seen[k] = true
		was, is := prev.bad[k], next.bad[k]
		switch {
		case is != nil && (was == nil || was.Rev != is.Rev):
			s.badRecords.Add(1)
			s.log.Error("store: record cannot be decoded: quarantined (it stays in the database and reads as absent until it is rewritten or deleted)",
				"key", k, "rev", is.Rev, "err", is.Err)
		case is == nil && was != nil:
			s.log.Info("store: quarantined record rewritten or deleted: out of quarantine", "key", k)
		}
	}
}

// publish makes c the current cache and wakes whoever waits for it: the
// subscribers hear of keys, or of a reset.
func (s *Store) publish(c *cache, keys []string, reset bool) {
	s.cur.Store(c)
	s.mu.Lock()
	defer s.mu.Unlock()
	kept := s.waiters[:0]
	for _, w := range s.waiters {
		if w.rev <= c.rev {
			close(w.ch)
		} else {
			kept = append(kept, w)
		}
	}
	s.waiters = kept
	for sub := range s.subs {
		switch {
		case reset:
			sub.pushReset()
		case len(keys) > 0:
			sub.push(keys)
		}
	}
}

// View returns the current cache as a consistent read-only view.
func (s *Store) View() View { return View{c: s.cur.Load()} }

// WaitRev waits until the cache reflects revision rev.
func (s *Store) WaitRev(ctx context.Context, rev int64) error {
	s.mu.Lock()
	if s.cur.Load().rev >= rev {
		s.mu.Unlock()
		return nil
	}
	ch := make(chan struct{})
	s.waiters = append(s.waiters, waiter{rev: rev, ch: ch})
	s.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Sync waits until the cache holds everything committed before the call
// (a linearizable read of the current revision, then WaitRev).
func (s *Store) Sync(ctx context.Context) error {
	resp, err := s.cli.Get(ctx, keyCluster)
	if err != nil {
		return fmt.Errorf("store: sync: %w", err)
	}
	return s.WaitRev(ctx, resp.Header.Revision)
}

// Update runs fn on the current view; fn records its writes (and the
// revisions its decision depends on) in t. Update commits t, retrying fn on
// a conflict, and returns the commit revision once the cache has it. fn's
// own error is returned unchanged and nothing is written.
func (s *Store) Update(ctx context.Context, fn func(v View, t *Txn) error) (int64, error) {
	const attempts = 20
	for i := 0; i < attempts; i++ {
		v := s.View()
		t := &Txn{bad: v.c.bad}
		if err := fn(v, t); err != nil {
			return 0, err
		}
		if t.Empty() {
			return s.View().Rev(), nil
		}
		rev, err := s.Commit(ctx, t)
		if errors.Is(err, ErrConflict) {
			// Our view was stale: wait for what beat us, then decide again.
			if err := s.Sync(ctx); err != nil {
				return 0, err
			}
			continue
		}
		return rev, err
	}
	return 0, fmt.Errorf("store: update: %w after %d attempts", ErrConflict, attempts)
}

// Commit writes t atomically if every compared record is unchanged, and
// waits for the cache to catch up. A transaction with a record that could
// not be encoded writes nothing and fails with ErrUnencodable.
func (s *Store) Commit(ctx context.Context, t *Txn) (int64, error) {
	if t.err != nil {
		return 0, t.err
	}
	start := time.Now()
	resp, err := s.cli.Txn(ctx).If(t.cmps...).Then(t.ops...).Commit()
	if f := s.onCommit.Load(); f != nil && err == nil {
		(*f)(time.Since(start))
	}
	if err != nil {
		return 0, fmt.Errorf("store: commit: %w", err)
	}
	if !resp.Succeeded {
		return 0, ErrConflict
	}
	rev := resp.Header.Revision
	if err := s.WaitRev(ctx, rev); err != nil {
		return 0, err
	}
	return rev, nil
}

// Txn collects the comparisons and writes of one atomic change.
type Txn struct {
	cmps []clientv3.Cmp
	ops  []clientv3.Op
	seen map[string]bool
	// err is the first record that could not be encoded: Commit returns
	// it and writes nothing.
	err error
	// bad is the quarantine of the view Update decides on: a record there
	// reads as absent, so expecting it absent compares its bad version.
	bad map[string]*BadRecord
}

// Empty reports whether the transaction writes nothing. One with a record
// that could not be encoded is not empty: committing it fails.
func (t *Txn) Empty() bool { return len(t.ops) == 0 && t.err == nil }

// Expect makes the commit depend on key still being at rev (0: absent).
// In an Update, a quarantined record counts as absent: expecting it absent
// expects its undecodable version, so writing the record anew replaces it
// (and takes it out of quarantine) instead of conflicting forever.
func (t *Txn) Expect(key string, rev int64) {
	if t.seen == nil {
		t.seen = map[string]bool{}
	}
	if t.seen[key] {
		return
	}
	t.seen[key] = true
	if b := t.bad[key]; rev == 0 && b != nil {
		rev = b.Rev
	}
	if rev == 0 {
		t.cmps = append(t.cmps, clientv3.Compare(clientv3.CreateRevision(key), "=", 0))
	} else {
		t.cmps = append(t.cmps, clientv3.Compare(clientv3.ModRevision(key), "=", rev))
	}
}

// Put writes rec at key, expecting the revision rec was read at. A record
// that could not be read back (see encode) makes the commit fail with
// ErrUnencodable.
func (t *Txn) Put(key string, rec any, readRev int64) {
	t.Expect(key, readRev)
	b, err := encode(key, rec)
	if err != nil {
		t.err = cmp.Or(t.err, err)
		return
	}
	t.ops = append(t.ops, clientv3.OpPut(key, string(b)))
}

// PutLeased writes rec at key attached to an etcd lease: the key goes when
// the lease does.
func (t *Txn) PutLeased(key string, rec any, readRev int64, lease clientv3.LeaseID) {
	t.Expect(key, readRev)
	b, err := encode(key, rec)
	if err != nil {
		t.err = cmp.Or(t.err, err)
		return
	}
	t.ops = append(t.ops, clientv3.OpPut(key, string(b), clientv3.WithLease(lease)))
}

// Delete removes key, expecting the revision it was read at.
func (t *Txn) Delete(key string, readRev int64) {
	t.Expect(key, readRev)
	t.ops = append(t.ops, clientv3.OpDelete(key))
}

func (t *Txn) PutCluster(c *Cluster)     { c.V = SchemaVersion; t.Put(ClusterKey(), c, c.Rev) }
func (t *Txn) PutSecurity(s *Security)   { s.V = SchemaVersion; t.Put(SecurityKey(), s, s.Rev) }
func (t *Txn) PutNode(n *Node)           { n.V = SchemaVersion; t.Put(NodeKey(n.Name), n, n.Rev) }
func (t *Txn) PutGroup(g *Group)         { g.V = SchemaVersion; t.Put(GroupKey(g.Name), g, g.Rev) }
func (t *Txn) PutResource(r *Resource)   { r.V = SchemaVersion; t.Put(ResourceKey(r.Name), r, r.Rev) }
func (t *Txn) PutStatus(s *Status)       { s.V = SchemaVersion; t.Put(StatusKey(s.Resource), s, s.Rev) }
func (t *Txn) PutOperation(o *Operation) { o.V = SchemaVersion; t.Put(OpKey(o.ID), o, o.Rev) }
func (t *Txn) PutToken(k *Token)         { k.V = SchemaVersion; t.Put(TokenKey(k.Name), k, k.Rev) }

func (t *Txn) PutAlive(a *Alive, lease clientv3.LeaseID) {
	a.V = SchemaVersion
	t.PutLeased(AliveKey(a.Node), a, a.Rev, lease)
}

func (t *Txn) PutClaim(c *Claim, lease clientv3.LeaseID) {
	c.V = SchemaVersion
	t.PutLeased(ClaimKey(c.Group), c, c.Rev, lease)
}
