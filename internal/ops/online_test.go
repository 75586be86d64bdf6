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

func TestOnlineGroupFlags(t *testing.T) {
	n := clustertest.New(t)
	ctx := context.Background()
	e := n.Ops()
	g := ops.GroupRef{Name: "G"}
	if _, err := e.CreateGroup(ctx, "G", nil, nil); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a", "b"} {
		if _, err := e.CreateResource(ctx, name, "G", "dummy", nil, proplist.List{dword("OnlineDelayMs", 50)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.OnlineGroup(ctx, g, "", ops.Request{Flags: 0x10}); !errors.Is(err, wsfc.ERROR_INVALID_PARAMETER) {
		t.Errorf("flag 0x10: %v, want 87", err)
	}
	if _, err := e.OnlineGroup(ctx, g, "nonode", ops.Request{}); !errors.Is(err, wsfc.ERROR_CLUSTER_NODE_NOT_FOUND) {
		t.Errorf("unknown destination node: %v, want 5042", err)
	}
	// 0x2: synchronous — the answer comes once the group is Online.
	res, err := e.OnlineGroup(ctx, g, "", ops.Request{Flags: wsfc.CLUSAPI_GROUP_ONLINE_SYNCHRONOUS | wsfc.CLUSAPI_GROUP_ONLINE_BEST_POSSIBLE_NODE | wsfc.CLUSAPI_GROUP_ONLINE_IGNORE_AFFINITY_RULE})
	if err != nil || res.Status != wsfc.ERROR_SUCCESS {
		t.Fatalf("synchronous online = %v, %v; want ERROR_SUCCESS", res, err)
	}
	v := n.Store().View()
	if s := v.GroupState(v.Group("G")); s != wsfc.ClusterGroupOnline {
		t.Fatalf("after a synchronous online the group is %v", s)
	}
	// Online of an online group: 0.
	if res, err := e.OnlineGroup(ctx, g, "", ops.Request{}); err != nil || res.Status != wsfc.ERROR_SUCCESS {
		t.Errorf("online of an online group: %v %v", res, err)
	}
	// Partially online with a locked Online resource: 5960 unless 0x1.
	if _, err := e.SetResourceProperties(ctx, ops.ResourceRef{Name: "a"}, proplist.List{dword("Locked", 1)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.OfflineResource(ctx, ops.ResourceRef{Name: "b"}, ops.Request{}); err != nil {
		t.Fatal(err)
	}
	n.AwaitGroup("G", wsfc.ClusterGroupPartialOnline)
	if _, err := e.OnlineGroup(ctx, g, "", ops.Request{}); !errors.Is(err, wsfc.ERROR_CLUSTER_RESOURCE_LOCKED_STATUS) {
		t.Errorf("online with a locked resource: %v, want 5960", err)
	}
	res, err = e.OnlineGroup(ctx, g, "", ops.Request{Flags: wsfc.CLUSAPI_GROUP_ONLINE_IGNORE_RESOURCE_STATUS})
	if err != nil || res.Status != wsfc.ERROR_IO_PENDING {
		t.Fatalf("online with 0x1: %v %v", res, err)
	}
	// Online while pending: ERROR_INVALID_STATE.
	if _, err := e.OnlineGroup(ctx, g, "", ops.Request{Flags: 1}); !errors.Is(err, wsfc.ERROR_INVALID_STATE) {
		t.Errorf("online while pending: %v, want 5023", err)
	}
	n.AwaitGroup("G", wsfc.ClusterGroupOnline)
	// A synchronous online that fails answers with the failure.
	if _, err := e.OfflineGroup(ctx, g, ops.Request{Flags: 1}); err != nil {
		t.Fatal(err)
	}
	n.AwaitGroup("G", wsfc.ClusterGroupOffline)
	if _, err := e.SetResourceProperties(ctx, ops.ResourceRef{Name: "b"}, proplist.List{dword("FailOnline", 1)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.OnlineGroup(ctx, g, "", ops.Request{Flags: wsfc.CLUSAPI_GROUP_ONLINE_SYNCHRONOUS}); !errors.Is(err, wsfc.ERROR_RESOURCE_FAILED) {
		t.Errorf("failing synchronous online: %v, want 5038", err)
	}
}
