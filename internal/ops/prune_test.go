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

func TestPruneOperations(t *testing.T) {
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
	if _, err := e.OnlineGroup(ctx, g, "", ops.Request{}); err != nil {
		t.Fatal(err)
	}
	n.AwaitGroup("G", wsfc.ClusterGroupOnline)
	if _, err := e.OfflineGroup(ctx, g, ops.Request{}); err != nil {
		t.Fatal(err)
	}
	n.AwaitGroup("G", wsfc.ClusterGroupOffline)
	finished := func() int {
		c := 0
		for _, op := range n.Store().View().Operations() {
			if !op.Finished.IsZero() {
				c++
			}
		}
		return c
	}
	n.Await(func(store.View) bool { return finished() == 2 }, "both operations finished")

	// Within the retention nothing goes.
	if k, err := e.PruneOperations(ctx, time.Hour); err != nil || k != 0 {
		t.Fatalf("prune within the retention: %d, %v; want 0", k, err)
	}
	// An operation still under way stays, however old.
	if _, err := e.SetResourceProperties(ctx, ops.ResourceRef{Name: "a"}, proplist.List{dword("OnlineDelayMs", 60000)}); err != nil {
		t.Fatal(err)
	}
	res, err := e.OnlineGroup(ctx, g, "", ops.Request{})
	if err != nil || res.Status != wsfc.ERROR_IO_PENDING {
		t.Fatalf("online: %v %v", res, err)
	}
	if k, err := e.PruneOperations(ctx, 0); err != nil || k != 2 {
		t.Fatalf("prune of everything finished: %d, %v; want 2", k, err)
	}
	v := n.Store().View()
	if len(v.Operations()) != 1 || v.Operation(res.OperationID) == nil {
		t.Fatalf("after pruning: %d operations, the one under way present: %v", len(v.Operations()), v.Operation(res.OperationID) != nil)
	}
}
