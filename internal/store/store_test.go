package store_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/batoncluster/baton/internal/config"
	"github.com/batoncluster/baton/internal/etcdmember"
	"github.com/batoncluster/baton/internal/store"
)

func open(t *testing.T) *store.Store { return openLimited(t, 0) }

// openLimited opens a store on a new embedded member that allows
// maxTxnOps operations per transaction (0: the agent's default).
func openLimited(t *testing.T, maxTxnOps uint) *store.Store {
	t.Helper()
	c, _ := config.FreePort()
	p, _ := config.FreePort()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	m, err := etcdmember.Start(ctx, etcdmember.Config{Name: "t", DataDir: t.TempDir(), ClientURL: "http://" + c, PeerURL: "http://" + p, TickMs: 100, ElectionMs: 500, MaxTxnOps: maxTxnOps})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	st, err := store.Open(ctx, m.Client, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	return st
}

// Concurrent read-check-write updates never lose a change: each retries on
// conflict against the revision it read.
func TestUpdateIsAtomicUnderContention(t *testing.T) {
	st := open(t)
	ctx := context.Background()
	if _, err := st.Update(ctx, func(v store.View, t *store.Txn) error {
		t.PutGroup(&store.Group{Name: "G"})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	const writers, each = 4, 10
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				_, err := st.Update(ctx, func(v store.View, t *store.Txn) error {
					g := v.Group("G").Clone()
					g.PreferredOwners = append(g.PreferredOwners, "x")
					t.PutGroup(g)
					return nil
				})
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := len(st.View().Group("G").PreferredOwners); n != writers*each {
		t.Fatalf("%d appends survived, want %d", n, writers*each)
	}
}

// Update returns once its own write is readable, and a refused decision
// writes nothing.
func TestUpdateReadsItsOwnWriteAndRefusalWritesNothing(t *testing.T) {
	st := open(t)
	ctx := context.Background()
	rev, err := st.Update(ctx, func(v store.View, t *store.Txn) error {
		t.PutNode(&store.Node{Name: "n1"})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if v := st.View(); v.Node("n1") == nil || v.Rev() < rev {
		t.Fatal("Update returned before its write was in the cache")
	}
	refused := errors.New("no")
	if _, err := st.Update(ctx, func(v store.View, t *store.Txn) error {
		t.PutNode(&store.Node{Name: "n2"})
		return refused
	}); !errors.Is(err, refused) {
		t.Fatalf("err = %v", err)
	}
	if err := st.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if st.View().Node("n2") != nil || st.View().Rev() != rev {
		t.Fatal("a refused update wrote something")
	}
	// Creating a record that exists conflicts (compare on create revision).
	t2 := &store.Txn{}
	t2.PutNode(&store.Node{Name: "n1"})
	if _, err := st.Commit(ctx, t2); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("blind create over an existing record: %v, want ErrConflict", err)
	}
}

func TestSubscriptionSeesChangedKeys(t *testing.T) {
	st := open(t)
	sub := st.Subscribe()
	defer sub.Close()
	if _, err := st.Update(context.Background(), func(v store.View, t *store.Txn) error {
		t.PutStatus(&store.Status{Resource: "r1"})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-sub.C():
	case <-time.After(5 * time.Second):
		t.Fatal("no notification")
	}
	keys, reset := sub.Take()
	if len(keys) != 1 || reset {
		t.Fatalf("keys = %v, reset %v", keys, reset)
	}
	if r, ok := store.KeyResource(keys[0]); !ok || r != "r1" {
		t.Errorf("KeyResource(%q) = %q, %v", keys[0], r, ok)
	}
}

// History hands every event of one transaction a view with the whole
// transaction applied: no reader sees half of an atomic change.
func TestHistoryViewsWholeTransactions(t *testing.T) {
	st := open(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ready := make(chan int64, 1)
	type seen struct {
		kind          string
		group, status bool
	}
	got := make(chan seen, 4)
	go func() {
		_ = st.History(ctx, 0, func(rev int64) { ready <- rev }, func(ch store.Change, v store.View) error {
			got <- seen{ch.Kind, v.Group("G") != nil, v.Status("r1") != nil}
			return nil
		})
	}()
	<-ready
	if _, err := st.Update(ctx, func(v store.View, t *store.Txn) error {
		t.PutGroup(&store.Group{Name: "G"})
		t.PutStatus(&store.Status{Resource: "r1"})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		select {
		case s := <-got:
			if !s.group || !s.status {
				t.Errorf("the %s event saw half a transaction: group %v, status %v", s.kind, s.group, s.status)
			}
		case <-ctx.Done():
			t.Fatal("no event")
		}
	}
}
