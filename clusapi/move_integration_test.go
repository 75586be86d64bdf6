package clusapi_test

import (
	"testing"

	"github.com/batoncluster/baton/clusapi"
)

// On one node the only move is to the owner (0); bad flags answer 87
// before anything else; a node handle from elsewhere is refused.
func TestMoveClusterGroupOneNode(t *testing.T) {
	a := startAgent(t)
	c := a.client(t)
	makeDemoGroup(t, c, "DemoGroup", 0, 0, false)
	t.Setenv("BATON_ADDR", a.Addr)
	hCluster, err := clusapi.OpenCluster("")
	if err != nil {
		t.Fatal(err)
	}
	defer clusapi.CloseCluster(hCluster)
	hGroup, err := clusapi.OpenClusterGroup(hCluster, "DemoGroup")
	if err != nil {
		t.Fatal(err)
	}
	_, owner, err := clusapi.GetClusterGroupState(hGroup)
	if err != nil {
		t.Fatal(err)
	}
	hNode, err := clusapi.OpenClusterNode(hCluster, owner)
	if err != nil {
		t.Fatal(err)
	}
	if got := clusapi.MoveClusterGroupEx(hGroup, hNode, 0x40, nil, 0); got != clusapi.ERROR_INVALID_PARAMETER {
		t.Errorf("flag 0x40: %v, want 87", got)
	}
	if got := clusapi.MoveClusterGroup(hGroup, hNode); got != clusapi.ERROR_SUCCESS {
		t.Errorf("move to the owner: %v, want 0", got)
	}
	if got := clusapi.MoveClusterGroup(hGroup, nil); got != clusapi.ERROR_CLUSTER_NODE_NOT_FOUND {
		t.Errorf("move to the best node of a one-node cluster: %v, want ERROR_CLUSTER_NODE_NOT_FOUND", got)
	}
	if got := clusapi.SetClusterGroupNodeList(hGroup, []clusapi.HNODE{hNode}); got != clusapi.ERROR_SUCCESS {
		t.Errorf("SetClusterGroupNodeList: %v", got)
	}
	g, err := c.Groups().Get(testCtx(t), "DemoGroup")
	if err != nil || len(g.PreferredOwners) != 1 || g.PreferredOwners[0] != owner {
		t.Errorf("preferred owners after SetClusterGroupNodeList: %+v %v", g, err)
	}
	clusapi.CloseClusterNode(hNode)
	if got := clusapi.MoveClusterGroup(hGroup, hNode); got != clusapi.ERROR_INVALID_HANDLE {
		t.Errorf("closed node handle: %v, want ERROR_INVALID_HANDLE", got)
	}
}
