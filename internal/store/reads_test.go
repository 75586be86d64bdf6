package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/batoncluster/baton/internal/store"
)

// The decisions below compare nothing by hand: what a decision read is
// recorded by its view, and a change of it since makes the decision run
// again. Each test interleaves two decisions so that the first decides on
// what the second then changes (write skew): the first must run again and
// see the second's write. The control cases read the same things through
// an Unrecorded view — what a forgotten Expect used to amount to — and
// lose the update.

// interleave runs decision a up to the end of its first attempt, then
// decision b to its commit, then lets a commit. It returns a's result and
// how many attempts a took.
func interleave[R any](t *testing.T, st *store.Store, a func(v store.View, t *store.Txn) (R, error), b func(v store.View, t *store.Txn) error) (R, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	decided, bDone := make(chan struct{}), make(chan struct{})
	type result struct {
		r        R
		attempts int
		err      error
	}
	out := make(chan result, 1)
	go func() {
		attempts := 0
		r, _, err := store.Decide(ctx, st, func(v store.View, tx *store.Txn) (R, error) {
			attempts++
			r, err := a(v, tx)
			if attempts == 1 {
				close(decided)
				<-bDone
			}
			return r, err
		})
		out <- result{r, attempts, err}
	}()
	select {
	case <-decided:
	case <-ctx.Done():
		t.Fatal("decision a did not decide")
	}
	if _, err := st.Update(ctx, b); err != nil {
		t.Fatalf("decision b: %v", err)
	}
	close(bDone)
	res := <-out
	if res.err != nil {
		t.Fatalf("decision a: %v", res.err)
	}
	return res.r, res.attempts
}

func put(t *testing.T, st *store.Store, fn func(v store.View, t *store.Txn)) {
	t.Helper()
	if _, err := st.Update(context.Background(), func(v store.View, tx *store.Txn) error {
		fn(v, tx)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// onCall is the classic write skew: each of two groups may go online
// (PersistentState 1) only while the other is offline. Each decision
// reads the other group and writes its own.
func onCall(self, other string, read func(v store.View) store.View) func(v store.View, t *store.Txn) (bool, error) {
	return func(v store.View, t *store.Txn) (bool, error) {
		if read(v).Group(other).PersistentState == 1 {
			return false, nil
		}
		g := v.Group(self).Clone()
		g.PersistentState = 1
		t.PutGroup(g)
		return true, nil
	}
}

func recorded(v store.View) store.View { return v }
func advisory(v store.View) store.View { return v.Unrecorded() }

func TestDecisionRereadsARecordThatChanged(t *testing.T) {
	for _, tc := range []struct {
		name     string
		read     func(store.View) store.View
		bothOn   bool
		attempts int
	}{
		{"recorded", recorded, false, 2},
		{"unrecorded (control)", advisory, true, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := open(t)
			put(t, st, func(_ store.View, tx *store.Txn) {
				tx.PutGroup(&store.Group{Name: "A"})
				tx.PutGroup(&store.Group{Name: "B"})
			})
			wrote, attempts := interleave(t, st, onCall("A", "B", tc.read), func(v store.View, tx *store.Txn) error {
				_, err := onCall("B", "A", recorded)(v, tx)
				return err
			})
			v := st.View()
			a, b := v.Group("A").PersistentState, v.Group("B").PersistentState
			if got := a == 1 && b == 1; got != tc.bothOn || attempts != tc.attempts || wrote != tc.bothOn {
				t.Errorf("A %d, B %d after %d attempt(s) of A (A wrote: %v); want both on %v after %d", a, b, attempts, wrote, tc.bothOn, tc.attempts)
			}
		})
	}
}

// A record read as absent must still be absent: two decisions that each
// create their token only if the other's does not exist.
func TestDecisionRereadsARecordThatWasAbsent(t *testing.T) {
	st := open(t)
	create := func(self, other string) func(v store.View, t *store.Txn) (bool, error) {
		return func(v store.View, t *store.Txn) (bool, error) {
			if v.Token(other) != nil {
				return false, nil
			}
			t.PutToken(&store.Token{Name: self})
			return true, nil
		}
	}
	wrote, attempts := interleave(t, st, create("t1", "t2"), func(v store.View, tx *store.Txn) error {
		_, err := create("t2", "t1")(v, tx)
		return err
	})
	v := st.View()
	if wrote || attempts != 2 || v.Token("t1") != nil || v.Token("t2") == nil {
		t.Errorf("t1 %v, t2 %v after %d attempt(s) of the first (it wrote: %v); want only t2, after 2",
			v.Token("t1") != nil, v.Token("t2") != nil, attempts, wrote)
	}
}

// drainList is PauseNode's decision in small: a node record that lists
// the groups owned by n1, from a listing of every group.
func drainList(v store.View, t *store.Txn) ([]string, error) {
	var owned []string
	for _, g := range v.Groups() {
		if g.OwnerNode == "n1" {
			owned = append(owned, g.Name)
		}
	}
	n := *v.Node("n1")
	n.DrainGroups = owned
	t.PutNode(&n)
	return owned, nil
}

// A listing conflicts with any record of its kind created, changed or
// deleted since — a deletion through the guard key it writes, since the
// deleted record is no longer there to compare.
func TestDecisionRereadsAListingThatChanged(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(v store.View, t *store.Txn) error
		want   []string
	}{
		{"created", func(v store.View, t *store.Txn) error {
			t.PutGroup(&store.Group{Name: "G3", OwnerNode: "n1"})
			return nil
		}, []string{"G1", "G2", "G3"}},
		{"changed", func(v store.View, t *store.Txn) error {
			g := v.Group("G2").Clone()
			g.OwnerNode = "n2"
			t.PutGroup(g)
			return nil
		}, []string{"G1"}},
		{"deleted", func(v store.View, t *store.Txn) error {
			t.Delete(store.GroupKey("G1"), v.Group("G1").Rev)
			return nil
		}, []string{"G2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := open(t)
			put(t, st, func(_ store.View, tx *store.Txn) {
				tx.PutNode(&store.Node{Name: "n1"})
				tx.PutGroup(&store.Group{Name: "G1", OwnerNode: "n1"})
				tx.PutGroup(&store.Group{Name: "G2", OwnerNode: "n1"})
			})
			got, attempts := interleave(t, st, drainList, tc.change)
			if stored := st.View().Node("n1").DrainGroups; attempts != 2 || !slices.Equal(got, tc.want) || !slices.Equal(stored, tc.want) {
				t.Errorf("drain list %v (returned %v) after %d attempt(s); want %v after 2", stored, got, attempts, tc.want)
			}
		})
	}
}

// Claims vanish with their node's lease, which writes no guard key: a
// listing of claims compares each claim, and sees one go that way.
func TestDecisionRereadsAClaimGoneWithItsLease(t *testing.T) {
	st := open(t)
	ctx := context.Background()
	lease, err := st.Client().Grant(ctx, 60)
	if err != nil {
		t.Fatal(err)
	}
	put(t, st, func(_ store.View, tx *store.Txn) {
		tx.PutNode(&store.Node{Name: "n1"})
		tx.PutClaim(&store.Claim{Group: "G1", Node: "n1", Lease: int64(lease.ID)}, lease.ID)
	})
	claimed := func(v store.View, t *store.Txn) (int, error) {
		n := *v.Node("n1")
		n.DrainGroups = nil
		for _, c := range v.Claims() {
			n.DrainGroups = append(n.DrainGroups, c.Group)
		}
		t.PutNode(&n)
		return len(n.DrainGroups), nil
	}
	got, attempts := interleave(t, st, claimed, func(v store.View, tx *store.Txn) error {
		// Writes nothing itself, so Decide confirms its view and may run
		// it again: revoke only while the claim is there.
		if v.Claim("G1") == nil {
			return nil
		}
		if _, err := st.Client().Revoke(ctx, lease.ID); err != nil {
			return err
		}
		return st.Sync(ctx)
	})
	if attempts != 2 || got != 0 {
		t.Errorf("%d claims listed after %d attempt(s); want 0 after 2", got, attempts)
	}
}

// A listing is one comparison however long it is: against an etcd that
// takes 8 operations per transaction, a decision over a listing of 50
// groups commits.
func TestListingIsOneComparison(t *testing.T) {
	st := openLimited(t, 8)
	for i := range 50 {
		put(t, st, func(_ store.View, tx *store.Txn) {
			tx.PutGroup(&store.Group{Name: fmt.Sprintf("G%02d", i), OwnerNode: "n1"})
		})
	}
	put(t, st, func(_ store.View, tx *store.Txn) { tx.PutNode(&store.Node{Name: "n1"}) })
	owned, _, err := store.Decide(context.Background(), st, drainList)
	if err != nil || len(owned) != 50 {
		t.Fatalf("listed %d groups, err %v", len(owned), err)
	}
}

// Guard keys are not records: they are in no listing and no history.
func TestGuardKeysAreNotRecords(t *testing.T) {
	st := open(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ready := make(chan int64, 1)
	kinds := make(chan string, 8)
	go func() {
		_ = st.History(ctx, 0, func(rev int64) { ready <- rev }, func(ch store.Change, v store.View) error {
			kinds <- fmt.Sprintf("%s %s deleted=%v", ch.Kind, ch.Name, ch.Deleted)
			return nil
		})
	}()
	<-ready
	put(t, st, func(_ store.View, tx *store.Txn) { tx.PutGroup(&store.Group{Name: "G"}) })
	put(t, st, func(v store.View, tx *store.Txn) { tx.Delete(store.GroupKey("G"), v.Group("G").Rev) })
	put(t, st, func(_ store.View, tx *store.Txn) { tx.PutGroup(&store.Group{Name: "H"}) })
	var seen []string
	for len(seen) < 3 {
		select {
		case k := <-kinds:
			seen = append(seen, k)
		case <-ctx.Done():
			t.Fatalf("history gave %v", seen)
		}
	}
	if want := []string{"group G deleted=false", "group G deleted=true", "group H deleted=false"}; !slices.Equal(seen, want) {
		t.Errorf("history %v, want %v", seen, want)
	}
	if gs := st.View().Groups(); len(gs) != 1 || gs[0].Name != "H" {
		t.Errorf("groups %v", gs)
	}
}
