package host_test

import (
	"context"
	"strings"
	"testing"

	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/clustertest"
	"github.com/batoncluster/baton/internal/ops"
	"github.com/batoncluster/baton/internal/store"
	"github.com/batoncluster/baton/proplist"
)

// Possible owners on three in-process nodes. G (preferred node1, node2,
// node3) holds a, which node2 may not host, and b, which fails at once
// when failed (RestartThreshold 0). Failed on node1, G fails over to
// node3, the node that can run both, not to its preferred node2. Once
// node3 is a's only possible owner, failed there G goes to node1 (no
// eligible node can run a) and comes up with a Offline, its LastError
// saying why, and b Online. An explicit move to node2 is not refused:
// the same there.
func TestPossibleOwnersOnFailover(t *testing.T) {
	first := clustertest.New(t)
	clustertest.Join(t, first, "node2")
	clustertest.Join(t, first, "node3")
	first.Await(func(v store.View) bool {
		up := 0
		for _, nd := range v.Nodes() {
			if v.NodeState(nd.Name) == wsfc.ClusterNodeUp {
				up++
			}
		}
		return up == 3
	}, "three nodes Up")
	ctx := context.Background()
	e := first.Ops()
	if _, err := e.CreateGroup(ctx, "G", []string{"node1", "node2", "node3"}, nil); err != nil {
		t.Fatal(err)
	}
	noRestart := proplist.List{{Name: "RestartThreshold", Values: []proplist.Value{proplist.DWORD(0)}}}
	for _, r := range []string{"a", "b"} {
		if _, err := e.CreateResource(ctx, r, "G", "dummy", nil, noRestart); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.RemoveResourceNode(ctx, ops.ResourceRef{Name: "a"}, "node2"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.OnlineGroup(ctx, ops.GroupRef{Name: "G"}, "node1", ops.Request{}); err != nil {
		t.Fatal(err)
	}
	upOn := func(node string, aState wsfc.ClusterResourceState) {
		t.Helper()
		first.Await(func(v store.View) bool {
			g := v.Group("G")
			return g.OwnerNode == node && v.ResourceState("a") == aState && v.ResourceState("b") == wsfc.ClusterResourceOnline
		}, "G on "+node+", a "+aState.String()+", b Online")
	}
	upOn("node1", wsfc.ClusterResourceOnline)

	if err := e.FailResource(ctx, ops.ResourceRef{Name: "b"}); err != nil {
		t.Fatal(err)
	}
	upOn("node3", wsfc.ClusterResourceOnline)

	if err := e.RemoveResourceNode(ctx, ops.ResourceRef{Name: "a"}, "node1"); err != nil {
		t.Fatal(err)
	}
	if err := e.FailResource(ctx, ops.ResourceRef{Name: "b"}); err != nil {
		t.Fatal(err)
	}
	upOn("node1", wsfc.ClusterResourceOffline)
	if st := first.Store().View().Status("a"); !strings.Contains(st.LastError, "not a possible owner") {
		t.Errorf("a's LastError %q", st.LastError)
	}

	if _, err := e.MoveGroup(ctx, ops.GroupRef{Name: "G"}, "node2", ops.Request{}); err != nil {
		t.Fatalf("an explicit move to node2: %v", err)
	}
	upOn("node2", wsfc.ClusterResourceOffline)
	if st := first.Store().View().Status("a"); st.Node != "node2" || !strings.Contains(st.LastError, "node2 is not a possible owner") {
		t.Errorf("a's status on node2: node %s, LastError %q", st.Node, st.LastError)
	}
}
