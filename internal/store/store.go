package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
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
		changes = append(changes, change{key: string(kv.Key), value: kv.Value, rev: kv.ModRevision, crev: kv.CreateRevision})
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
				ch := change{key: string(ev.Kv.Key), rev: ev.Kv.ModRevision, crev: ev.Kv.CreateRevision, deleted: ev.Type == mvccpb.DELETE}
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

// ErrNoQuorum is a linearizable read or a commit that the database did
// not answer within quorumWait: it has no leader, or no quorum.
var ErrNoQuorum = errors.New("store: the database answered nothing in time: no leader or no quorum")

// quorumWait bounds each linearizable read (Sync) and each commit. Without
// a bound they would wait for as long as their caller: while the database
// has no leader the etcd client retries them until their context ends, so
// an API call made then hung until its client gave up, where it should
// answer that the cluster has no quorum. An election takes a few seconds
// at most. A commit cut off so may still be applied, if a leader comes
// back with it, as one etcd itself answers "request timed out" may.
const quorumWait = 10 * time.Second

// boundedByQuorum is ctx bounded by quorumWait, and the error to return
// in place of err when that bound, not ctx, ended the call.
func boundedByQuorum(ctx context.Context) (context.Context, context.CancelFunc, func(error) error) {
	rctx, cancel := context.WithTimeoutCause(ctx, quorumWait, ErrNoQuorum)
	return rctx, cancel, func(err error) error {
		if err != nil && ctx.Err() == nil && errors.Is(context.Cause(rctx), ErrNoQuorum) {
			return ErrNoQuorum
		}
		return err
	}
}

// Sync waits until the cache holds everything committed before the call
// (a linearizable read of the current revision, then WaitRev). A database
// without a leader or quorum fails it with ErrNoQuorum after quorumWait.
func (s *Store) Sync(ctx context.Context) error {
	rctx, cancel, cause := boundedByQuorum(ctx)
	defer cancel()
	resp, err := s.cli.Get(rctx, keyCluster)
	if err != nil {
		return fmt.Errorf("store: sync: %w", cause(err))
	}
	return s.WaitRev(ctx, resp.Header.Revision)
}

// Update is Decide for a decision without a result: it returns the
// commit revision once the cache has it.
func (s *Store) Update(ctx context.Context, fn func(v View, t *Txn) error) (int64, error) {
	_, rev, err := Decide(ctx, s, func(v View, t *Txn) (struct{}, error) {
		return struct{}{}, fn(v, t)
	})
	return rev, err
}

// updateAttempts bounds the attempts of one decision.
const updateAttempts = 20

// conflictBackoff pauses after the attempt-th conflict (0-based): not at
// all after the first two, then a random time up to 2 ms per attempt,
// at most 25 ms.
func conflictBackoff(ctx context.Context, attempt int) error {
	if attempt < 2 {
		return nil
	}
	limit := min(time.Duration(attempt)*2*time.Millisecond, 25*time.Millisecond)
	t := time.NewTimer(rand.N(limit))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Decide makes one read-check-write decision atomic. fn reads the
// database through v and records its writes in t; Decide commits t only
// if every record fn read is still as fn saw it, and otherwise runs fn
// again on a newer view (up to 20 times). It returns fn's result from the
// attempt that committed, and the commit revision once the cache has it,
// so the caller reads its own writes.
//
// What fn read is recorded by v itself, as etcd's STM records its Gets,
// and the commit compares exactly that (see View): each record read, at
// the revision v had it at (one read as absent must still be absent); for
// each listing, that no record of its kind was created, changed or
// deleted since; and for each write, the revision its record carries
// (Txn.Put). fn lists no comparisons by hand, so none can be forgotten. A
// read that is only advice to the decision goes through v.Unrecorded(),
// with the reason said where it does.
//
// fn may run several times, each time on a fresh view and an empty t: it
// must have no effect outside t, and it returns what it decided — never
// leave it in a variable the closure captured, which an attempt that lost
// the race would have set. A fn that fails has its error returned
// unchanged, and nothing is written. A decision that writes nothing
// commits nothing: it returns the current revision. Either answer comes
// from a view at least as new as the database when Decide was called:
// Decide confirms it with a linearizable read (and decides once more if
// the cache lagged), so, like a commit, it needs a quorum.
func Decide[R any](ctx context.Context, s *Store, fn func(v View, t *Txn) (R, error)) (R, int64, error) {
	var zero R
	confirmed := false
	for attempt := range updateAttempts {
		c := s.cur.Load()
		t := &Txn{bad: c.bad, c: c}
		res, err := fn(View{c: c, t: t}, t)
		if (err != nil || t.Empty()) && !confirmed {
			// An answer that commits nothing — a refusal, or nothing to
			// do — rests on the view alone, and this node's cache may
			// lag the cluster (its watch behind after a partition): an
			// offline answered "already offline" while another node had
			// brought the group online seconds before (tests/chaos).
			// Confirm, with a linearizable read, that nothing was
			// committed that the view lacks; else decide once more on
			// a view that has it, and answer from that one.
			confirmed = true
			if serr := s.Sync(ctx); serr != nil {
				return zero, 0, serr
			}
			if s.cur.Load().rev > c.rev {
				continue
			}
		}
		if err != nil {
			return zero, 0, err
		}
		if t.Empty() {
			return res, s.View().Rev(), nil
		}
		rev, err := s.Commit(ctx, t)
		if errors.Is(err, ErrConflict) {
			// Our view was stale: wait for what beat us, then decide again.
			if err := s.Sync(ctx); err != nil {
				return zero, 0, err
			}
			// Writers that keep meeting each other on one hot record
			// would go on colliding in step (4 writers under the race
			// detector lost 20 times in a row): after the first retries,
			// a short random pause breaks the step.
			if err := conflictBackoff(ctx, attempt); err != nil {
				return zero, 0, err
			}
			continue
		}
		if err != nil {
			return zero, 0, err
		}
		return res, rev, nil
	}
	return zero, 0, fmt.Errorf("store: update: %w after %d attempts", ErrConflict, updateAttempts)
}

// Commit writes t atomically if every compared record is unchanged, and
// waits for the cache to catch up. A transaction with a record that could
// not be encoded writes nothing and fails with ErrUnencodable.
func (s *Store) Commit(ctx context.Context, t *Txn) (int64, error) {
	if t.err != nil {
		return 0, t.err
	}
	start := time.Now()
	rctx, cancel, cause := boundedByQuorum(ctx)
	resp, err := s.cli.Txn(rctx).If(t.cmps...).Then(t.allOps()...).Commit()
	cancel()
	if f := s.onCommit.Load(); f != nil && err == nil {
		(*f)(time.Since(start))
	}
	if err != nil {
		return 0, fmt.Errorf("store: commit: %w", cause(err))
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
