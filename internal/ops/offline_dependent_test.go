package ops_test

import (
	"context"
	"errors"
	"testing"

	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/clustertest"
	"github.com/batoncluster/baton/internal/ops"
	"github.com/batoncluster/baton/proplist"
)

// OfflineClusterResource of a resource whose dependent is still coming
// online waits (ERROR_INVALID_STATE) and changes nothing: taken offline
// alone, the resource would wait for its dependent to go offline first,
// and the dependent, come online, would never go (tests/chaos saw a group
// hang OfflinePending). Once the dependent is Online, both go offline.
func TestOfflineResourceWaitsForADependentComingOnline(t *testing.T) {
	n := clustertest.New(t)
	ctx := context.Background()
	e := n.Ops()
	if _, err := e.CreateGroup(ctx, "G", nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := e.CreateResource(ctx, "r1", "G", "dummy", nil, proplist.List{dword("OnlineDelayMs", 0)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.CreateResource(ctx, "r2", "G", "dummy", []string{"r1"}, proplist.List{dword("OnlineDelayMs", 2000)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.OnlineGroup(ctx, ops.GroupRef{Name: "G"}, "", ops.Request{}); err != nil {
		t.Fatal(err)
	}
	n.AwaitResource("r1", wsfc.ClusterResourceOnline)
	if s := n.Store().View().ResourceState("r2"); s != wsfc.ClusterResourceOnlinePending {
		t.Fatalf("r2 is %s, want OnlinePending (its 2 s online under way)", s)
	}
	_, err := e.OfflineResource(ctx, ops.ResourceRef{Name: "r1"}, ops.Request{})
	if !errors.Is(err, wsfc.ERROR_INVALID_STATE) {
		t.Fatalf("offline of r1 while r2 comes online: %v, want ERROR_INVALID_STATE", err)
	}
	if s := n.Store().View().ResourceState("r1"); s != wsfc.ClusterResourceOnline {
		t.Errorf("a refused offline changed r1: %s", s)
	}
	n.AwaitGroup("G", wsfc.ClusterGroupOnline)
	res, err := e.OfflineResource(ctx, ops.ResourceRef{Name: "r1"}, ops.Request{})
	if err != nil || res.Status != wsfc.ERROR_IO_PENDING {
		t.Fatalf("offline of r1 with r2 Online: %+v %v", res, err)
	}
	n.AwaitResource("r2", wsfc.ClusterResourceOffline)
	n.AwaitResource("r1", wsfc.ClusterResourceOffline)
}
