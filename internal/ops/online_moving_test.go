package ops_test

import (
	"context"
	"errors"
	"testing"

	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/ops"
	"github.com/batoncluster/baton/proplist"
)

// OnlineClusterResource of a resource of a group on its way to another
// node waits (ERROR_INVALID_STATE): brought online on the source, it held
// the handover up for ever, which waits for everything to be offline, and
// the group stayed half online (tests/chaos). The move then ends as usual.
func TestOnlineResourceWaitsForAMove(t *testing.T) {
	ns := nodes(t, 2)
	e := ns[0].Ops()
	ctx := context.Background()
	if _, err := e.CreateGroup(ctx, "G", []string{"node1"}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := e.CreateResource(ctx, "slow", "G", "dummy", nil, proplist.List{dword("OfflineDelayMs", 2000)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.CreateResource(ctx, "quick", "G", "dummy", nil, nil); err != nil {
		t.Fatal(err)
	}
	mustOK[ops.Result](t)(e.OnlineGroup(ctx, ops.GroupRef{Name: "G"}, "", ops.Request{}))
	awaitOnlineOn(t, ns[0], "G", "node1")
	mustOK[ops.Result](t)(e.MoveGroup(ctx, ops.GroupRef{Name: "G"}, "node2", ops.Request{}))
	ns[0].AwaitResource("quick", wsfc.ClusterResourceOffline) // "slow" takes 2 s
	_, err := e.OnlineResource(ctx, ops.ResourceRef{Name: "quick"}, ops.Request{})
	if !errors.Is(err, wsfc.ERROR_INVALID_STATE) {
		t.Fatalf("online of a resource of a moving group: %v, want ERROR_INVALID_STATE", err)
	}
	awaitOnlineOn(t, ns[0], "G", "node2")
}
