package cli

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/batoncluster/baton/clusapi"
	"github.com/batoncluster/baton/internal/clustertest"
	"github.com/batoncluster/baton/internal/ops"
	"github.com/batoncluster/baton/internal/store"
)

// The list commands follow the agent's pages to the end: with pages of 2,
// seven groups, their resources, the nodes and a group's history are all
// listed, in order.
func TestListCommandsFollowPages(t *testing.T) {
	defer func(n int32) { listPageSize = n }(listPageSize)
	listPageSize = 2
	n := clustertest.New(t)
	ctx := context.Background()
	e := n.Ops()
	var groups, resources []string
	for i := range 7 {
		g := fmt.Sprintf("G%d", i)
		must[*store.Group](t)(e.CreateGroup(ctx, g, nil, nil))
		must[*store.Resource](t)(e.CreateResource(ctx, g+"-r", g, "dummy", nil, nil))
		groups, resources = append(groups, g), append(resources, g+"-r")
	}
	for range 2 {
		must[ops.Result](t)(e.OnlineGroup(ctx, ops.GroupRef{Name: "G3"}, "", ops.Request{}))
		n.AwaitGroup("G3", clusapi.ClusterGroupOnline)
		must[ops.Result](t)(e.OfflineGroup(ctx, ops.GroupRef{Name: "G3"}, ops.Request{}))
		n.AwaitGroup("G3", clusapi.ClusterGroupOffline)
	}
	addr := n.Addr()
	var got []string
	for _, g := range decode[[]groupJSON](t, cli(t, addr, 0, "-o", "json", "group", "list")) {
		got = append(got, g.Name)
		if len(g.Resources) != 1 {
			t.Errorf("group %s lists %d resources, want 1", g.Name, len(g.Resources))
		}
	}
	if !slices.Equal(got, groups) {
		t.Errorf("group list: %v, want %v", got, groups)
	}
	got = nil
	for _, r := range decode[[]resourceJSON](t, cli(t, addr, 0, "-o", "json", "resource", "list")) {
		got = append(got, r.Name)
	}
	if !slices.Equal(got, resources) {
		t.Errorf("resource list: %v, want %v", got, resources)
	}
	if nodes := decode[[]nodeJSON](t, cli(t, addr, 0, "-o", "json", "node", "list")); len(nodes) != 1 || len(nodes[0].Groups) != 7 {
		t.Errorf("node list: %+v", nodes)
	}
	if h := decode[[]operationJSON](t, cli(t, addr, 0, "-o", "json", "group", "history", "G3")); len(h) != 4 {
		t.Errorf("group history G3: %d operations, want 4", len(h))
	}
}
