package cli

import (
	"context"
	"testing"
	"time"

	"github.com/batoncluster/baton/clusapi"
	"github.com/batoncluster/baton/internal/clustertest"
	"github.com/batoncluster/baton/internal/ops"
	"github.com/batoncluster/baton/internal/store"
)

// `baton resource rename`: an Online resource is renamed without being
// restarted (Onlines 1); refusals (missing resource, empty name, another
// resource's name, Read access) change nothing.
func TestResourceRename(t *testing.T) {
	n := clustertest.New(t)
	ctx := context.Background()
	e := n.Ops()
	addr := n.Addr()
	must[*store.Group](t)(e.CreateGroup(ctx, "G", nil, nil))
	must[*store.Resource](t)(e.CreateResource(ctx, "a", "G", "dummy", nil, nil))
	must[*store.Resource](t)(e.CreateResource(ctx, "b", "G", "dummy", []string{"a"}, nil))
	must[ops.Result](t)(e.OnlineGroup(ctx, ops.GroupRef{Name: "G"}, "", ops.Request{}))
	n.AwaitGroup("G", clusapi.ClusterGroupOnline)

	for _, c := range []struct {
		args []string
		want clusapi.Errno
	}{
		{[]string{"nosuch", "c"}, clusapi.ERROR_RESOURCE_NOT_FOUND},
		{[]string{"a", ""}, clusapi.ERROR_INVALID_NAME},
		{[]string{"a", "b"}, clusapi.ERROR_ALREADY_EXISTS},
	} {
		if code := cliErr(t, addr, append([]string{"resource", "rename"}, c.args...)...); code != uint32(c.want) {
			t.Errorf("rename %q: %d, want %v", c.args, code, c.want)
		}
	}
	if code := cliErr(t, addr, append(readOnly(t, n), "resource", "rename", "a", "c")...); code != uint32(clusapi.ERROR_ACCESS_DENIED) {
		t.Errorf("rename with Read access: %d, want ERROR_ACCESS_DENIED", code)
	}
	if v := n.Store().View(); v.Resource("a") == nil || v.Resource("c") != nil {
		t.Fatal("a refusal renamed a")
	}

	res := decode[opJSON](t, cli(t, addr, 0, "-o", "json", "resource", "rename", "a", "c"))
	if res.Resource != "c" || res.Status != 0 || res.StatusName != "ERROR_SUCCESS" {
		t.Errorf("resource rename -o json: %+v", res)
	}
	if out := cli(t, addr, 0, "resource", "rename", "c", "d"); out != "renamed resource c to d\n" {
		t.Errorf("resource rename: %q", out)
	}
	v := n.Store().View()
	if d := v.Resource("b").DependsOn; len(d) != 1 || d[0] != "d" {
		t.Errorf("b depends on %v, want [d]", d)
	}
	if on, _ := v.Status("d").Props.DWORD("Onlines"); on != 1 || v.ResourceState("d") != clusapi.ClusterResourceOnline {
		t.Errorf("d: %v, Onlines %d; want Online, 1", v.ResourceState("d"), on)
	}
}

// `baton group rename` through node1 of an Online group owned by node2:
// node2 keeps running it (Onlines 1) under the new name, whose claim is
// node2's under the same lease; refusals (missing group, empty name,
// another group's name, Read access) change nothing.
func TestGroupRename(t *testing.T) {
	n1, _ := twoNodes(t)
	ctx := context.Background()
	e := n1.Ops()
	addr := n1.Addr()
	must[*store.Group](t)(e.CreateGroup(ctx, "Web", []string{"node2"}, nil))
	must[*store.Group](t)(e.CreateGroup(ctx, "Other", nil, nil))
	must[*store.Resource](t)(e.CreateResource(ctx, "w1", "Web", "dummy", nil, nil))
	must[*store.Resource](t)(e.CreateResource(ctx, "w2", "Web", "dummy", []string{"w1"}, nil))
	must[ops.Result](t)(e.OnlineGroup(ctx, ops.GroupRef{Name: "Web"}, "", ops.Request{}))
	n1.Await(func(v store.View) bool {
		g := v.Group("Web")
		return g.OwnerNode == "node2" && v.GroupState(g) == clusapi.ClusterGroupOnline
	}, "Web Online on node2")
	claim := n1.Store().View().Claim("Web")

	for _, c := range []struct {
		args []string
		want clusapi.Errno
	}{
		{[]string{"nosuch", "X"}, clusapi.ERROR_GROUP_NOT_FOUND},
		{[]string{"Web", ""}, clusapi.ERROR_INVALID_NAME},
		{[]string{"Web", "Other"}, clusapi.ERROR_ALREADY_EXISTS},
	} {
		if code := cliErr(t, addr, append([]string{"group", "rename"}, c.args...)...); code != uint32(c.want) {
			t.Errorf("group rename %q: %d, want %v", c.args, code, c.want)
		}
	}
	if code := cliErr(t, addr, append(readOnly(t, n1), "group", "rename", "Web", "Shop")...); code != uint32(clusapi.ERROR_ACCESS_DENIED) {
		t.Errorf("group rename with Read access: %d, want ERROR_ACCESS_DENIED", code)
	}
	if v := n1.Store().View(); v.Group("Web") == nil || v.Group("Shop") != nil {
		t.Fatal("a refusal renamed Web")
	}

	res := decode[opJSON](t, cli(t, addr, 0, "-o", "json", "group", "rename", "Web", "Shop"))
	if res.Group != "Shop" || res.Status != 0 || res.StatusName != "ERROR_SUCCESS" {
		t.Errorf("group rename -o json: %+v", res)
	}
	v := n1.Store().View()
	if c := v.Claim("Shop"); c == nil || c.Node != "node2" || c.Lease != claim.Lease || v.Claim("Web") != nil {
		t.Errorf("claims: Web %+v, Shop %+v; want Shop's node2's under lease %x", v.Claim("Web"), c, claim.Lease)
	}
	time.Sleep(time.Second) // node2's host has looked at it
	v = n1.Store().View()
	for _, name := range []string{"w1", "w2"} {
		if on, _ := v.Status(name).Props.DWORD("Onlines"); on != 1 || v.ResourceState(name) != clusapi.ClusterResourceOnline || v.Resource(name).Group != "Shop" {
			t.Errorf("%s: %v in %s, Onlines %d; want Online in Shop, 1", name, v.ResourceState(name), v.Resource(name).Group, on)
		}
	}
	if out := cli(t, addr, 0, "group", "rename", "Shop", "Store"); out != "renamed group Shop to Store\n" {
		t.Errorf("group rename: %q", out)
	}
	// node2 drives it under its name: an offline stops it there.
	must[ops.Result](t)(e.OfflineGroup(ctx, ops.GroupRef{Name: "Store"}, ops.Request{}))
	n1.AwaitGroup("Store", clusapi.ClusterGroupOffline)
}
