package ops_test

import (
	"context"
	"errors"
	"testing"

	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/ops"
	"github.com/batoncluster/baton/internal/store"
)

// A drain with a target (PauseClusterNodeEx's hNodeDrainTarget) moves the
// node's groups to that node, though placement would pick another; a
// target that cannot be one is refused with its code and changes nothing.
func TestDrainTarget(t *testing.T) {
	ns := nodes(t, 3)
	e := ns[0].Ops()
	ctx := context.Background()
	for _, g := range []string{"D1", "D2"} {
		mustOK[*store.Group](t)(e.CreateGroup(ctx, g, []string{"node1", "node2", "node3"}, nil))
		mustOK[*store.Resource](t)(e.CreateResource(ctx, g+"-r", g, "dummy", nil, nil))
		mustOK[ops.Result](t)(e.OnlineGroup(ctx, ops.GroupRef{Name: g}, "node1", ops.Request{}))
		ns[0].AwaitGroup(g, wsfc.ClusterGroupOnline)
	}
	rev := ns[0].Store().View().Node("node1").Rev
	for _, tc := range []struct {
		name   string
		drain  bool
		target string
		want   wsfc.Errno
	}{
		{"a target without a drain", false, "node3", wsfc.ERROR_INVALID_PARAMETER},
		{"itself", true, "node1", wsfc.ERROR_INVALID_PARAMETER},
		{"no such node", true, "node9", wsfc.ERROR_CLUSTER_NODE_NOT_FOUND},
	} {
		_, err := e.PauseNodeTo(ctx, "node1", tc.drain, tc.target)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	mustOK[*store.Node](t)(e.PauseNode(ctx, "node2", false))
	if _, err := e.PauseNodeTo(ctx, "node1", true, "node2"); !errors.Is(err, wsfc.ERROR_CLUSTER_NODE_PAUSED) {
		t.Errorf("a paused target: %v, want ERROR_CLUSTER_NODE_PAUSED", err)
	}
	mustOK[*store.Node](t)(e.ResumeNode(ctx, "node2"))
	if n := ns[0].Store().View().Node("node1"); n.Rev != rev {
		t.Errorf("refused pauses changed node1 (revision %d → %d)", rev, n.Rev)
	}

	// Placement's pick would be node2, the first preferred owner left.
	mustOK[*store.Node](t)(e.PauseNodeTo(ctx, "node1", true, "node3"))
	ns[0].Await(func(v store.View) bool {
		for _, g := range []string{"D1", "D2"} {
			if gr := v.Group(g); gr == nil || gr.OwnerNode != "node3" || v.GroupState(gr) != wsfc.ClusterGroupOnline {
				return false
			}
		}
		return true
	}, "D1 and D2 Online on node3, the drain target")
	mustOK[*store.Node](t)(e.ResumeNode(ctx, "node1"))
	if n := ns[0].Store().View().Node("node1"); n.DrainTarget != "" || n.Draining {
		t.Errorf("after the resume: %+v", n)
	}
}
