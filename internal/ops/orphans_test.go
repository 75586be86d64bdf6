package ops_test

import (
	"context"
	"testing"
	"time"

	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/clustertest"
	"github.com/batoncluster/baton/internal/ops"
	"github.com/batoncluster/baton/internal/store"
	"github.com/batoncluster/baton/proplist"
)

// An operation whose node stopped before recording its outcome (tests/chaos
// found them after a node fenced) is ended by FinishOrphans, with the
// outcome its host would have written; one still driving resources, or
// younger than the age given, is left alone.
func TestFinishOrphans(t *testing.T) {
	n := clustertest.New(t)
	ctx := context.Background()
	e := n.Ops()
	g := ops.GroupRef{Name: "G"}
	if _, err := e.CreateGroup(ctx, "G", nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := e.CreateResource(ctx, "a", "G", "dummy", nil, proplist.List{dword("OnlineDelayMs", 0)}); err != nil {
		t.Fatal(err)
	}
	online, err := e.OnlineGroup(ctx, g, "", ops.Request{})
	if err != nil {
		t.Fatal(err)
	}
	n.AwaitGroup("G", wsfc.ClusterGroupOnline)
	n.Await(func(v store.View) bool { return !v.Operation(online.OperationID).Finished.IsZero() }, "the online finished")

	put := func(op *store.Operation) {
		t.Helper()
		if _, err := n.Store().Update(ctx, func(v store.View, t *store.Txn) error {
			t.PutOperation(op)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	// The online, as a host that died before recording it would leave it:
	// its resource carries it, Online.
	old := time.Now().Add(-time.Hour)
	carried := *n.Store().View().Operation(online.OperationID)
	carried.Finished, carried.Outcome, carried.Created = time.Time{}, "", old
	put(&carried)
	// An online whose resources another operation took over.
	put(&store.Operation{ID: "superseded", Kind: store.OpOnlineGroup, Group: "G", Created: old})
	// The same, just made: too young to be judged.
	put(&store.Operation{ID: "young", Kind: store.OpOnlineGroup, Group: "G", Created: time.Now()})

	if k, err := e.FinishOrphans(ctx, time.Minute); err != nil || k != 2 {
		t.Fatalf("FinishOrphans: %d, %v; want 2 ended", k, err)
	}
	v := n.Store().View()
	for id, want := range map[string]string{online.OperationID: "succeeded", "superseded": "superseded", "young": ""} {
		op := v.Operation(id)
		if op.Outcome != want || op.Finished.IsZero() != (want == "") {
			t.Errorf("operation %s: outcome %q, finished %v; want %q", id, op.Outcome, op.Finished, want)
		}
	}

	// An operation under way is its host's to end, however old.
	if _, err := e.SetResourceProperties(ctx, ops.ResourceRef{Name: "a"}, proplist.List{dword("OfflineDelayMs", 3000)}); err != nil {
		t.Fatal(err)
	}
	off, err := e.OfflineGroup(ctx, g, ops.Request{})
	if err != nil || off.Status != wsfc.ERROR_IO_PENDING {
		t.Fatalf("offline: %v %v", off, err)
	}
	n.AwaitResource("a", wsfc.ClusterResourceOfflinePending)
	if k, err := e.FinishOrphans(ctx, 0); err != nil || k != 1 {
		t.Fatalf("FinishOrphans with an offline under way: %d, %v; want 1 (the young one)", k, err)
	}
	if op := n.Store().View().Operation(off.OperationID); !op.Finished.IsZero() {
		t.Errorf("the offline under way was ended: %+v", op)
	}
	// Its host ends it.
	n.Await(func(v store.View) bool { return v.Operation(off.OperationID).Outcome == "succeeded" }, "the offline succeeded")
}
