package host_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/agent"
	"github.com/batoncluster/baton/internal/clustertest"
	"github.com/batoncluster/baton/internal/host"
	"github.com/batoncluster/baton/internal/ledger"
	"github.com/batoncluster/baton/internal/ops"
	"github.com/batoncluster/baton/internal/store"
	"github.com/batoncluster/baton/proplist"
)

// A host that starts (a restart, or a new lease after fencing) in the
// middle of a move of one of its groups carries the move on: what is
// offline stays offline, what is going offline goes, and the group is
// handed over. (tests/chaos found a node that fenced mid-move bring the
// resources already offline back online on the source: the handover
// never came, the move counted as done, and the group stayed half
// online.)
func TestStartInTheMiddleOfAMove(t *testing.T) {
	db := clustertest.NewDatabase(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	log := slog.New(slog.DiscardHandler)
	st, err := store.Open(ctx, db.Client, log)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	led := filepath.Join(t.TempDir(), "ledger")
	e := ops.New(st, agent.Types(), "node1")
	if _, err := e.CreateGroup(ctx, "G", nil, nil); err != nil {
		t.Fatal(err)
	}
	for _, r := range []string{"a", "b"} {
		if _, err := e.CreateResource(ctx, r, "G", "dummy", nil, proplist.List{}.Set("Ledger", proplist.SZ(led))); err != nil {
			t.Fatal(err)
		}
	}
	run := func() (stop func()) {
		grant, err := db.Client.Grant(ctx, 60)
		if err != nil {
			t.Fatal(err)
		}
		h := host.New(host.Config{Node: "node1", Store: st, Types: agent.Types(), StateDir: t.TempDir(), Log: log,
			Lease: &testLease{id: grant.ID, lost: make(chan struct{})}})
		hctx, hcancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); _ = h.Run(hctx) }()
		return func() { hcancel(); <-done }
	}
	await := func(what string, cond func(v store.View) bool) {
		t.Helper()
		for deadline := time.Now().Add(20 * time.Second); !cond(st.View()); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("not %s within 20 s", what)
			}
		}
	}
	stop := run()
	if _, err := e.OnlineGroup(ctx, ops.GroupRef{Name: "G"}, "", ops.Request{}); err != nil {
		t.Fatal(err)
	}
	await("G Online", func(v store.View) bool { return v.GroupState(v.Group("G")) == wsfc.ClusterGroupOnline })
	stop() // the resources stay as they are (no StopOnExit)

	// node2 is Up; G moves there. Before node1's host runs again, a has
	// gone offline already (as if it did before the stop); b has not.
	grant, err := db.Client.Grant(ctx, 60)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Update(ctx, func(v store.View, t *store.Txn) error {
		t.PutNode(&store.Node{Name: "node2", State: int32(wsfc.ClusterNodeUp)})
		t.PutAlive(&store.Alive{Node: "node2", Lease: int64(grant.ID), Since: time.Now()}, grant.ID)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.MoveGroup(ctx, ops.GroupRef{Name: "G"}, "node2", ops.Request{}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Update(ctx, func(v store.View, t *store.Txn) error {
		s := v.Status("a").Clone()
		s.State = int32(wsfc.ClusterResourceOffline)
		s.Seq++
		t.PutStatus(s)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	restarted := ledger.Now()
	stop = run()
	defer stop()
	await("G handed over to node2", func(v store.View) bool { return v.Group("G").OwnerNode == "node2" })
	evs, err := ledger.Read(led)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range evs {
		if ev.Time > restarted && ev.Kind == ledger.Online {
			t.Errorf("node1 brought %s online again in the middle of the move: %v", ev.Resource, ev)
		}
	}
}
