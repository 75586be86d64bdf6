package host_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/agent"
	"github.com/batoncluster/baton/internal/clustertest"
	"github.com/batoncluster/baton/internal/config"
	"github.com/batoncluster/baton/internal/ops"
	"github.com/batoncluster/baton/internal/store"
)

// A node cut off from its database while its groups are changed, and the
// database compacted meanwhile, cannot resume its watch: its store reloads,
// and the reset makes the host and the controller look at everything. So
// every change made in the gap is acted on — onlines, offlines, and a
// failover only the controller does — long before the periodic resync
// (30 s) would have caught it.
func TestChangesDuringACompactedGapAreActedOn(t *testing.T) {
	db := clustertest.NewDatabase(t)
	proxy := clustertest.NewProxy(t, db.Addr)
	n := clustertest.NewWith(t, func(c *config.Config) {
		c.EtcdEndpoints = []string{"http://" + proxy.Addr()}
		// The gap, and gRPC's reconnection after it, stay well inside the
		// lease: the node must not fence.
		c.LeaseTTL, c.RenewInterval, c.FenceMargin = 6*time.Second, 500*time.Millisecond, 2*time.Second
	})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	e := n.Ops()
	const each = 3
	for i := range each {
		for _, g := range []string{"A", "B"} {
			name := fmt.Sprint(g, i)
			if _, err := e.CreateGroup(ctx, name, nil, nil); err != nil {
				t.Fatal(err)
			}
			if _, err := e.CreateResource(ctx, "r"+name, name, "dummy", nil, nil); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := e.OnlineGroup(ctx, ops.GroupRef{Name: fmt.Sprint("B", i)}, "", ops.Request{}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range each {
		n.AwaitGroup(fmt.Sprint("B", i), wsfc.ClusterGroupOnline)
	}

	// Another writer on the database itself, as another node would be.
	other, err := store.Open(ctx, db.Client, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	e2 := ops.New(other, agent.Types(), "node2")

	proxy.Cut()
	for i := range each {
		if _, err := e2.OnlineGroup(ctx, ops.GroupRef{Name: fmt.Sprint("A", i)}, "", ops.Request{}); err != nil {
			t.Fatal(err)
		}
		if _, err := e2.OfflineGroup(ctx, ops.GroupRef{Name: fmt.Sprint("B", i)}, ops.Request{}); err != nil {
			t.Fatal(err)
		}
	}
	// A group online on a node that is down: the controller's to fail
	// over (the cluster is no longer forming, so nothing holds it).
	if _, err := other.Update(ctx, func(v store.View, t *store.Txn) error {
		c := *v.Cluster()
		c.FormingUntil = time.Time{}
		t.PutCluster(&c)
		t.PutNode(&store.Node{Name: "ghost", State: int32(wsfc.ClusterNodeUp)})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := e2.CreateGroup(ctx, "C", []string{"ghost"}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := e2.CreateResource(ctx, "rC", "C", "dummy", nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := e2.OnlineGroup(ctx, ops.GroupRef{Name: "C"}, "", ops.Request{}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Client.Compact(ctx, other.View().Rev()); err != nil {
		t.Fatal(err)
	}
	proxy.Heal()

	// Await gives up after 20 s, before the 30 s resync would step in.
	n.Await(func(v store.View) bool {
		for i := range each {
			a, b := v.Group(fmt.Sprint("A", i)), v.Group(fmt.Sprint("B", i))
			if a == nil || v.GroupState(a) != wsfc.ClusterGroupOnline || b == nil || v.GroupState(b) != wsfc.ClusterGroupOffline {
				return false
			}
		}
		c := v.Group("C")
		return c != nil && c.OwnerNode == "node1" && v.GroupState(c) == wsfc.ClusterGroupOnline
	}, "every change made in the gap acted on")
	if s := n.Store().Stats(); s.Reloads != 1 {
		t.Errorf("store stats %+v, want 1 reload", s)
	}
}
