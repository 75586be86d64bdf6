package ops_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/clustertest"
	"github.com/batoncluster/baton/internal/ops"
	"github.com/batoncluster/baton/internal/store"
)

// addNode writes the record of a node that is not running (Down), or,
// with a lease, one that is alive under it (Up).
func addNode(t *testing.T, n *clustertest.Node, name string, lease clientv3.LeaseID) {
	t.Helper()
	_, err := n.Store().Update(context.Background(), func(v store.View, tx *store.Txn) error {
		tx.PutNode(&store.Node{Name: name, State: int32(wsfc.ClusterNodeUp), DatabaseRole: "client", Started: time.Now()})
		if lease != 0 {
			tx.PutAlive(&store.Alive{Node: name, Lease: int64(lease), Since: time.Now()}, lease)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestEvictNode evicts nodes that run no agent (their records alone) from
// a one-node cluster: the checks in their order, what an eviction
// changes, and the eviction record.
func TestEvictNode(t *testing.T) {
	n := clustertest.New(t)
	e, st, ctx := n.Ops(), n.Store(), context.Background()
	addNode(t, n, "gone", 0)
	lease, err := st.Client().Grant(ctx, 60)
	if err != nil {
		t.Fatal(err)
	}
	addNode(t, n, "up", lease.ID)
	if _, err := e.CreateGroup(ctx, "owned", []string{"gone", "node1"}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := e.CreateGroup(ctx, "prefers", []string{"node1", "gone", "up"}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := e.CreateGroup(ctx, "other", []string{"up"}, nil); err != nil {
		t.Fatal(err)
	}
	// Possible owners: an explicit list loses the evicted node; the
	// default (every node) stays the default.
	for _, r := range []string{"listed", "every"} {
		if _, err := e.CreateResource(ctx, r, "prefers", "dummy", nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.RemoveResourceNode(ctx, ops.ResourceRef{Name: "listed"}, "up"); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		node  string
		force bool
		want  wsfc.Errno
	}{
		{"nobody", false, wsfc.ERROR_CLUSTER_NODE_NOT_FOUND},
		{"node1", true, wsfc.ERROR_CLUSTER_EVICT_INVALID_REQUEST}, // the node answering
		{"up", false, wsfc.ERROR_CANT_EVICT_ACTIVE_NODE},
	} {
		before := st.View().Nodes()
		_, err := e.EvictNode(ctx, tc.node, tc.force, "test")
		if !errors.Is(err, tc.want) {
			t.Errorf("evict %s (force %v): %v, want %v", tc.node, tc.force, err, tc.want)
		}
		if after := st.View().Nodes(); len(after) != len(before) {
			t.Errorf("evict %s was refused but changed the nodes: %d before, %d after", tc.node, len(before), len(after))
		}
		if ev, _ := ops.ReadEviction(ctx, st.Client(), tc.node); ev != nil {
			t.Errorf("evict %s was refused but left an eviction record", tc.node)
		}
	}

	res, err := e.EvictNode(ctx, "gone", false, "unix:user:test")
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(res.Groups)
	if res.MemberRemoved || !slices.Equal(res.Groups, []string{"owned", "prefers"}) {
		t.Errorf("eviction of gone: %+v, want no member and groups [owned prefers]", res)
	}
	v := st.View()
	if v.Node("gone") != nil {
		t.Error("the node record of gone is still there")
	}
	if g := v.Group("owned"); g.OwnerNode != "node1" || !slices.Equal(g.PreferredOwners, []string{"node1"}) {
		t.Errorf("group owned: owner %s, preferred %v; want node1, [node1]", g.OwnerNode, g.PreferredOwners)
	}
	if g := v.Group("prefers"); !slices.Equal(g.PreferredOwners, []string{"node1", "up"}) {
		t.Errorf("group prefers: preferred %v, want [node1 up]", g.PreferredOwners)
	}
	if r := v.Resource("listed"); r.PossibleOwners == nil || !slices.Equal(*r.PossibleOwners, []string{"node1"}) {
		t.Errorf("resource listed: possible owners %v, want [node1]", r.PossibleOwners)
	}
	if r := v.Resource("every"); r.PossibleOwners != nil {
		t.Errorf("resource every: possible owners %v, want every node", *r.PossibleOwners)
	}
	ev, err := ops.ReadEviction(ctx, st.Client(), "gone")
	if err != nil || ev == nil || ev.By != "unix:user:test" || ev.At.IsZero() {
		t.Errorf("eviction record of gone: %+v %v", ev, err)
	}
	if _, err := e.EvictNode(ctx, "gone", false, "test"); !errors.Is(err, wsfc.ERROR_CLUSTER_NODE_NOT_FOUND) {
		t.Errorf("evict gone again: %v, want ERROR_CLUSTER_NODE_NOT_FOUND", err)
	}

	// An Up node with force: paused with drain (it owns group other,
	// which moves to node1), 5962 until the drain completes, then
	// evicted, its lease revoked.
	_, err = e.EvictNode(ctx, "up", true, "test")
	if !errors.Is(err, wsfc.ERROR_CLUSTER_NODE_DRAIN_IN_PROGRESS) {
		t.Fatalf("evict up with force: %v, want ERROR_CLUSTER_NODE_DRAIN_IN_PROGRESS at first", err)
	}
	if nd := st.View().Node("up"); nd == nil || !nd.Draining || wsfc.ClusterNodeState(nd.State) != wsfc.ClusterNodePaused {
		t.Fatalf("node up after the first call: %+v, want paused and draining", nd)
	}
	n.Await(func(v store.View) bool { s, _ := ops.DrainStatus(v, "up"); return s == "completed" }, "the drain of up to complete")
	if _, err := e.EvictNode(ctx, "up", true, "test"); err != nil {
		t.Fatal(err)
	}
	v = st.View()
	if v.Node("up") != nil || v.Alive("up") != nil {
		t.Errorf("after evicting up: node %+v, alive %+v; want neither", v.Node("up"), v.Alive("up"))
	}
	if g := v.Group("other"); g.OwnerNode != "node1" || len(g.PreferredOwners) != 0 {
		t.Errorf("group other: owner %s, preferred %v; want node1, none", g.OwnerNode, g.PreferredOwners)
	}
	if ttl, err := st.Client().TimeToLive(ctx, lease.ID); err != nil || ttl.TTL != -1 {
		t.Errorf("lease of up after its eviction: %+v %v, want revoked", ttl, err)
	}

	// A node of the same name admitted again: the record goes.
	if err := ops.DeleteEviction(ctx, st.Client(), "gone"); err != nil {
		t.Fatal(err)
	}
	if ev, err := ops.ReadEviction(ctx, st.Client(), "gone"); ev != nil || err != nil {
		t.Errorf("eviction record after DeleteEviction: %+v %v", ev, err)
	}
}
