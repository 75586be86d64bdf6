package ops_test

import (
	"context"
	"errors"
	"maps"
	"testing"
	"time"

	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/clustertest"
	"github.com/batoncluster/baton/internal/ops"
	"github.com/batoncluster/baton/internal/store"
	"github.com/batoncluster/baton/proplist"
)

// RenameGroup renames an Online group: nothing is stopped or started
// (Onlines 1, Offlines 0), its resources, claim (same node, same lease)
// and operation records follow, and a reference by the old name with its
// id (a handle opened before) follows it. The host drives it under the
// new name. Every refusal changes nothing.
func TestRenameGroup(t *testing.T) {
	n := clustertest.New(t)
	ctx := context.Background()
	e := n.Ops()
	for _, g := range []string{"G", "H", "P"} {
		if _, err := e.CreateGroup(ctx, g, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range []struct{ name, group, dep string }{{"a", "G", ""}, {"b", "G", "a"}, {"h", "H", ""}, {"z", "P", ""}} {
		var deps []string
		if r.dep != "" {
			deps = []string{r.dep}
		}
		if _, err := e.CreateResource(ctx, r.name, r.group, "dummy", deps, nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.OnlineGroup(ctx, ops.GroupRef{Name: "G"}, "", ops.Request{}); err != nil {
		t.Fatal(err)
	}
	n.AwaitGroup("G", wsfc.ClusterGroupOnline)
	if _, err := e.SetResourceProperties(ctx, ops.ResourceRef{Name: "z"}, proplist.List{dword("OnlineDelayMs", 3000)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.OnlineGroup(ctx, ops.GroupRef{Name: "P"}, "", ops.Request{}); err != nil {
		t.Fatal(err)
	}
	v := n.Store().View()
	g := v.Group("G")
	claim := v.Claim("G")
	if claim == nil {
		t.Fatal("G is not claimed")
	}
	before := resourceRevs(v)

	grp := func(name string) ops.GroupRef { return ops.GroupRef{Name: name} }
	for _, c := range []struct {
		what string
		ref  ops.GroupRef
		name string
		want wsfc.Errno
	}{
		{"an empty name", grp("G"), "", wsfc.ERROR_INVALID_NAME},
		{"a name with '/'", grp("G"), "a/b", wsfc.ERROR_INVALID_NAME},
		{"another group's name", grp("G"), "H", wsfc.ERROR_ALREADY_EXISTS},
		{"another group's id", grp("G"), v.Group("H").ID, wsfc.ERROR_ALREADY_EXISTS},
		{"a missing group", grp("nosuch"), "Q", wsfc.ERROR_GROUP_NOT_FOUND},
		{"a deleted one", ops.GroupRef{Name: "G", ID: "gone"}, "Q", wsfc.ERROR_GROUP_NOT_AVAILABLE},
		{"a group with a pending resource", grp("P"), "Q", wsfc.ERROR_INVALID_STATE},
	} {
		if err := e.RenameGroup(ctx, c.ref, c.name); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.what, err, c.want)
		}
	}
	if err := e.RenameGroup(ctx, grp("G"), "G"); err != nil {
		t.Errorf("to its own name: %v, want success", err)
	}
	if after := resourceRevs(n.Store().View()); !maps.Equal(before, after) {
		t.Errorf("a refusal changed records:\nbefore %v\nafter  %v", before, after)
	}
	if v := n.Store().View(); v.Claim("G") == nil || v.Claim("G").Rev != claim.Rev {
		t.Error("a refusal changed G's claim")
	}

	if err := e.RenameGroup(ctx, ops.GroupRef{Name: "G", ID: g.ID}, "G2"); err != nil {
		t.Fatalf("RenameGroup: %v", err)
	}
	v = n.Store().View()
	g2 := v.Group("G2")
	if v.Group("G") != nil || g2 == nil || g2.ID != g.ID || g2.OwnerNode != g.OwnerNode || g2.PersistentState != g.PersistentState {
		t.Fatalf("G2: %+v (G was %+v; G still there: %v)", g2, g, v.Group("G") != nil)
	}
	for _, name := range []string{"a", "b"} {
		if gr := v.Resource(name).Group; gr != "G2" {
			t.Errorf("%s is in %s, want G2", name, gr)
		}
	}
	if c := v.Claim("G2"); v.Claim("G") != nil || c == nil || c.Node != claim.Node || c.Lease != claim.Lease {
		t.Errorf("claims: G %+v, G2 %+v; want G2's as G's was (%+v)", v.Claim("G"), c, claim)
	}
	if ops := v.GroupOperations("G2", store.Cursor{}, 0); len(ops) == 0 || len(v.GroupOperations("G", store.Cursor{}, 0)) != 0 {
		t.Errorf("the operations did not follow the group: G2 has %d", len(ops))
	}
	if s := v.GroupState(g2); s != wsfc.ClusterGroupOnline {
		t.Errorf("G2 is %v, want Online", s)
	}
	time.Sleep(time.Second) // the host has looked at it
	v = n.Store().View()
	for _, name := range []string{"a", "b"} {
		offlines, _ := v.Status(name).Props.DWORD("Offlines")
		if s := v.ResourceState(name); s != wsfc.ClusterResourceOnline || onlines(v, name) != 1 || offlines != 0 {
			t.Errorf("%s: %v, Onlines %d, Offlines %d; want Online, 1, 0", name, s, onlines(v, name), offlines)
		}
	}
	// A reference opened before follows the group; the host drives it.
	ref := ops.FollowGroup(v, ops.GroupRef{Name: "G", ID: g.ID})
	if ref.Name != "G2" {
		t.Fatalf("FollowGroup: %+v, want G2", ref)
	}
	if _, err := e.OfflineGroup(ctx, ref, ops.Request{}); err != nil {
		t.Fatal(err)
	}
	n.AwaitGroup("G2", wsfc.ClusterGroupOffline)
	if _, err := e.OnlineGroup(ctx, ref, "", ops.Request{}); err != nil {
		t.Fatal(err)
	}
	n.AwaitGroup("G2", wsfc.ClusterGroupOnline)
	if v := n.Store().View(); onlines(v, "a") != 2 || onlines(v, "b") != 2 {
		t.Errorf("Onlines a %d b %d, want 2 2", onlines(v, "a"), onlines(v, "b"))
	}
}
