package cli

import (
	"context"
	"slices"
	"testing"

	"github.com/batoncluster/baton/clusapi"
	"github.com/batoncluster/baton/internal/ops"
	"github.com/batoncluster/baton/internal/store"
)

// `baton resource move-to-group`: the resource and its dependency tree
// move, Online, without being restarted (the dummies' Onlines stay 1).
// Refusals (missing resource or group, its own group, groups of two
// owners, Read access) change nothing.
func TestResourceMoveToGroup(t *testing.T) {
	n1, _ := twoNodes(t)
	ctx := context.Background()
	e := n1.Ops()
	addr := n1.Addr()
	must[*store.Group](t)(e.CreateGroup(ctx, "S", []string{"node1"}, nil))
	must[*store.Group](t)(e.CreateGroup(ctx, "D", []string{"node1"}, nil))
	must[*store.Group](t)(e.CreateGroup(ctx, "Far", []string{"node2"}, nil))
	must[*store.Resource](t)(e.CreateResource(ctx, "db", "S", "dummy", nil, nil))
	must[*store.Resource](t)(e.CreateResource(ctx, "web", "S", "dummy", []string{"db"}, nil))
	must[*store.Resource](t)(e.CreateResource(ctx, "solo", "S", "dummy", nil, nil))
	must[ops.Result](t)(e.OnlineGroup(ctx, ops.GroupRef{Name: "S"}, "node1", ops.Request{}))
	n1.AwaitGroup("S", clusapi.ClusterGroupOnline)
	groups := func() []string {
		v := n1.Store().View()
		return []string{v.Resource("db").Group, v.Resource("web").Group, v.Resource("solo").Group}
	}

	for _, c := range []struct {
		args []string
		want clusapi.Errno
	}{
		{[]string{"nosuch", "D"}, clusapi.ERROR_RESOURCE_NOT_FOUND},
		{[]string{"web", "nosuch"}, clusapi.ERROR_GROUP_NOT_FOUND},
		{[]string{"web", "S"}, clusapi.ERROR_ALREADY_EXISTS},
		{[]string{"web", "Far"}, clusapi.ERROR_HOST_NODE_NOT_GROUP_OWNER},
	} {
		if code := cliErr(t, addr, append([]string{"resource", "move-to-group"}, c.args...)...); code != uint32(c.want) {
			t.Errorf("move-to-group %v: %d, want %v", c.args, code, c.want)
		}
	}
	if code := cliErr(t, addr, append(readOnly(t, n1), "resource", "move-to-group", "web", "D")...); code != uint32(clusapi.ERROR_ACCESS_DENIED) {
		t.Errorf("move-to-group with Read access: %d, want ERROR_ACCESS_DENIED", code)
	}
	if g := groups(); !slices.Equal(g, []string{"S", "S", "S"}) {
		t.Errorf("after the refusals: %v", g)
	}

	res := decode[movedJSON](t, cli(t, addr, 0, "-o", "json", "resource", "move-to-group", "web", "D"))
	if res.Resource != "web" || res.Group != "D" || res.Status != 0 || res.StatusName != "ERROR_SUCCESS" || !slices.Equal(res.Moved, []string{"web", "db"}) {
		t.Errorf("move-to-group -o json: %+v", res)
	}
	if g := groups(); !slices.Equal(g, []string{"D", "D", "S"}) {
		t.Errorf("after the move: %v, want [D D S]", g)
	}
	n1.AwaitGroup("D", clusapi.ClusterGroupOnline)
	if out := cli(t, addr, 0, "resource", "move-to-group", "solo", "D"); out != "moved to group D: solo\n" {
		t.Errorf("move-to-group: %q", out)
	}
	v := n1.Store().View()
	for _, name := range []string{"db", "web", "solo"} {
		if n, _ := v.Status(name).Props.DWORD("Onlines"); n != 1 || v.ResourceState(name) != clusapi.ClusterResourceOnline {
			t.Errorf("%s: %v, Onlines %d; want Online, 1", name, v.ResourceState(name), n)
		}
	}
	if s := v.GroupState(v.Group("S")); s != clusapi.ClusterGroupOffline {
		t.Errorf("S, now empty: %v, want Offline", s)
	}
}
