package ops_test

import (
	"context"
	"errors"
	"testing"

	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/clustertest"
	"github.com/batoncluster/baton/internal/ops"
	"github.com/batoncluster/baton/internal/store"
	"github.com/batoncluster/baton/proplist"
)

// onlineSnap is what a refused online must leave as it was: the group's
// record and its resources' states, and the number of operations.
type onlineSnap struct {
	owner      string
	persistent uint32
	rev        int64
	states     map[string]wsfc.ClusterResourceState
	ops        int
}

func snap(n *clustertest.Node, group string) onlineSnap {
	v := n.Store().View()
	g := v.Group(group)
	s := onlineSnap{owner: g.OwnerNode, persistent: g.PersistentState, rev: g.Rev, states: map[string]wsfc.ClusterResourceState{}, ops: len(v.Operations())}
	for _, r := range v.GroupResources(g) {
		s.states[r.Name] = v.ResourceState(r.Name)
	}
	return s
}

func sameSnap(t *testing.T, what string, a, b onlineSnap) {
	t.Helper()
	if a.owner != b.owner || a.persistent != b.persistent || a.rev != b.rev || a.ops != b.ops || len(a.states) != len(b.states) {
		t.Errorf("%s changed something: before %+v, after %+v", what, a, b)
	}
	for k, s := range a.states {
		if b.states[k] != s {
			t.Errorf("%s changed resource %s: %v → %v", what, k, s, b.states[k])
		}
	}
}

// OnlineClusterGroupEx and OnlineClusterResourceEx honour
// AntiAffinityClassNames ([MS-CMRP] ApiOnlineGroup: 5071), and their best
// possible node and ignore affinity flags take effect, on two nodes.
func TestOnlineAntiAffinity(t *testing.T) {
	ns := nodes(t, 2)
	n1 := ns[0]
	e := n1.Ops()
	ctx := context.Background()
	web := proplist.List{{Name: "AntiAffinityClassNames", Values: []proplist.Value{proplist.MultiSZ("web")}}}
	for _, g := range []struct {
		name  string
		props proplist.List
	}{{"A", web}, {"B", web}, {"C", web}, {"D", web}, {"E", nil}} {
		if _, err := e.CreateGroup(ctx, g.name, nil, g.props); err != nil {
			t.Fatal(err)
		}
		if _, err := e.CreateResource(ctx, g.name+"1", g.name, "dummy", nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	home := n1.Store().View().Group("A").OwnerNode
	other := "node2"
	sync := ops.Request{Flags: wsfc.CLUSAPI_GROUP_ONLINE_SYNCHRONOUS}
	if res, err := e.OnlineGroup(ctx, ops.GroupRef{Name: "A"}, "", sync); err != nil || res.Status != wsfc.ERROR_SUCCESS {
		t.Fatalf("online A: %v %v", res, err)
	}

	// B shares A's class: refused on A's node, with nothing changed.
	before := snap(n1, "B")
	if _, err := e.OnlineGroup(ctx, ops.GroupRef{Name: "B"}, "", ops.Request{}); !errors.Is(err, wsfc.ERROR_NODE_CANT_HOST_RESOURCE) {
		t.Fatalf("online B beside A: %v, want 5071", err)
	}
	sameSnap(t, "refused online of B", before, snap(n1, "B"))
	if _, err := e.OnlineGroup(ctx, ops.GroupRef{Name: "B"}, home, sync); !errors.Is(err, wsfc.ERROR_NODE_CANT_HOST_RESOURCE) {
		t.Fatalf("online B on %s by name: %v, want 5071", home, err)
	}
	sameSnap(t, "refused online of B on a named node", before, snap(n1, "B"))

	// 0x4: the best possible node is the one without a group of class web.
	res, err := e.OnlineGroup(ctx, ops.GroupRef{Name: "B"}, "", ops.Request{Flags: sync.Flags | wsfc.CLUSAPI_GROUP_ONLINE_BEST_POSSIBLE_NODE})
	if err != nil || res.Status != wsfc.ERROR_SUCCESS {
		t.Fatalf("online B with BEST_POSSIBLE_NODE: %v %v", res, err)
	}
	awaitOnlineOn(t, n1, "B", other)

	// C: both nodes run a group of class web now. 0x4 finds no node
	// free of it, and the online is refused (placement would ignore the
	// rule; a client's online does not).
	before = snap(n1, "C")
	if _, err := e.OnlineGroup(ctx, ops.GroupRef{Name: "C"}, "", ops.Request{Flags: wsfc.CLUSAPI_GROUP_ONLINE_BEST_POSSIBLE_NODE}); !errors.Is(err, wsfc.ERROR_NODE_CANT_HOST_RESOURCE) {
		t.Fatalf("online C with BEST_POSSIBLE_NODE, every node anti-affined: %v, want 5071", err)
	}
	sameSnap(t, "refused best-node online of C", before, snap(n1, "C"))
	// 0x8 skips the check.
	if res, err := e.OnlineGroup(ctx, ops.GroupRef{Name: "C"}, "", ops.Request{Flags: sync.Flags | wsfc.CLUSAPI_GROUP_ONLINE_IGNORE_AFFINITY_RULE}); err != nil || res.Status != wsfc.ERROR_SUCCESS {
		t.Fatalf("online C with IGNORE_AFFINITY_RULE: %v %v", res, err)
	}
	awaitOnlineOn(t, n1, "C", home)
	// An online of a group that is Online already answers 0, conflict or not.
	if res, err := e.OnlineGroup(ctx, ops.GroupRef{Name: "C"}, "", ops.Request{}); err != nil || res.Status != wsfc.ERROR_SUCCESS {
		t.Errorf("online of Online C: %v %v, want 0", res, err)
	}

	// Resources: the same rule; 0x4 (quorum) changes nothing, 0x8 finds
	// no free node, 0x20 skips the check.
	before = snap(n1, "D")
	for _, flags := range []uint32{0, wsfc.CLUSAPI_RESOURCE_ONLINE_NECESSARY_FOR_QUORUM, wsfc.CLUSAPI_RESOURCE_ONLINE_BEST_POSSIBLE_NODE} {
		if _, err := e.OnlineResource(ctx, ops.ResourceRef{Name: "D1"}, ops.Request{Flags: flags}); !errors.Is(err, wsfc.ERROR_NODE_CANT_HOST_RESOURCE) {
			t.Errorf("online of resource D1 with flags %#x: %v, want 5071", flags, err)
		}
	}
	sameSnap(t, "refused onlines of resource D1", before, snap(n1, "D"))
	if res, err := e.OnlineResource(ctx, ops.ResourceRef{Name: "D1"}, ops.Request{Flags: wsfc.CLUSAPI_RESOURCE_ONLINE_IGNORE_AFFINITY_RULE}); err != nil || res.Status != wsfc.ERROR_IO_PENDING {
		t.Fatalf("online of resource D1 with IGNORE_AFFINITY_RULE: %v %v", res, err)
	}
	n1.AwaitResource("D1", wsfc.ClusterResourceOnline)

	// E has no class: 0x8 starts its group on the node with fewer groups.
	if res, err := e.OnlineResource(ctx, ops.ResourceRef{Name: "E1"}, ops.Request{Flags: wsfc.CLUSAPI_RESOURCE_ONLINE_BEST_POSSIBLE_NODE}); err != nil || res.Status != wsfc.ERROR_IO_PENDING {
		t.Fatalf("online of resource E1 with BEST_POSSIBLE_NODE: %v %v", res, err)
	}
	n1.Await(func(v store.View) bool {
		return v.Group("E").OwnerNode == other && v.ResourceState("E1") == wsfc.ClusterResourceOnline
	}, "E1 Online on "+other)
}
