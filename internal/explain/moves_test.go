package explain_test

import (
	"context"
	"testing"

	"github.com/batoncluster/baton/clusapi"
	"github.com/batoncluster/baton/internal/clustertest"
	"github.com/batoncluster/baton/internal/ops"
	"github.com/batoncluster/baton/internal/store"
)

// A move waiting in the queue (flag 0x4) is explained: where to, why it
// waits, StatusInformation 0x4 and what the call would have answered.
func TestWhyQueuedMove(t *testing.T) {
	n := clustertest.New(t)
	ctx := context.Background()
	e := n.Ops()
	// n2: a paused node that is alive (its liveness record under a lease
	// of its own), so that a move to it is blocked, not refused.
	cli := n.Store().Client()
	lease, err := cli.Grant(ctx, 60)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Store().Update(ctx, func(v store.View, t *store.Txn) error {
		t.PutNode(&store.Node{Name: "n2", State: int32(clusapi.ClusterNodePaused)})
		t.PutAlive(&store.Alive{Node: "n2", Lease: int64(lease.ID)}, lease.ID)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.CreateGroup(ctx, "G", nil, nil); err != nil {
		t.Fatal(err)
	}
	res, err := e.MoveGroup(ctx, ops.GroupRef{Name: "G"}, "n2", ops.Request{Flags: clusapi.CLUSAPI_GROUP_MOVE_QUEUE_ENABLED})
	if err != nil || res.Status != clusapi.ERROR_IO_PENDING {
		t.Fatalf("queued move: %+v, %v", res, err)
	}
	x := why(n, "G")
	for _, text := range []string{"a move to n2", res.OperationID, "StatusInformation 0x4", `node "n2" is paused`, "ERROR_CLUSTER_NODE_PAUSED"} {
		if !has(x, "", "queued", text) {
			t.Errorf("why of a group with a queued move does not say %q: %+v", text, x.Reasons)
		}
	}
}
