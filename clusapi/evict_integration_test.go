package clusapi_test

import (
	"errors"
	"testing"

	"github.com/batoncluster/baton/clusapi"
)

// TestEvictClusterNode checks the refusals of EvictClusterNode(Ex) on a
// one-node cluster (tests/cluster evicts nodes of real clusters).
func TestEvictClusterNode(t *testing.T) {
	a := startAgent(t)
	c := a.client(t)
	ctx := testCtx(t)
	nodes, err := c.ListNodes(ctx)
	if err != nil || len(nodes) != 1 {
		t.Fatalf("ListNodes: %v %v", nodes, err)
	}
	if _, err := c.EvictNode(ctx, "nobody", false); !errors.Is(err, clusapi.ERROR_CLUSTER_NODE_NOT_FOUND) {
		t.Errorf("EvictNode(nobody) = %v, want ERROR_CLUSTER_NODE_NOT_FOUND", err)
	}
	if got := clusapi.EvictClusterNode(nil); got != clusapi.ERROR_INVALID_HANDLE {
		t.Errorf("EvictClusterNode(NULL) = %v, want ERROR_INVALID_HANDLE", got)
	}
	hCluster, err := clusapi.OpenCluster(a.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer clusapi.CloseCluster(hCluster)
	hNode, err := clusapi.OpenClusterNode(hCluster, nodes[0].Name)
	if err != nil {
		t.Fatal(err)
	}
	defer clusapi.CloseClusterNode(hNode)
	// The only node is the one answering: it cannot evict itself.
	status := int32(-1)
	if got := clusapi.EvictClusterNodeEx(hNode, 0, &status); got != clusapi.ERROR_CLUSTER_EVICT_INVALID_REQUEST || status != -1 {
		t.Errorf("EvictClusterNodeEx(the answering node) = %v (cleanup status %d), want ERROR_CLUSTER_EVICT_INVALID_REQUEST, status untouched", got, status)
	}
	if st, err := clusapi.GetClusterNodeState(hNode); st != clusapi.ClusterNodeUp || err != nil {
		t.Errorf("the node after the refused eviction: %v %v, want Up", st, err)
	}
}
