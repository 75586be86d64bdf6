package ops_test

import (
	"context"
	"errors"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/clustertest"
	"github.com/batoncluster/baton/internal/ops"
	"github.com/batoncluster/baton/internal/store"
	"github.com/batoncluster/baton/proplist"
)

// onlines is how many times the dummy resource name came online in this
// process (its status property Onlines).
func onlines(v store.View, name string) uint32 {
	n, _ := v.Status(name).Props.DWORD("Onlines")
	return n
}

// resourceRevs are the revisions of every resource and status record: a
// refused call changes none.
func resourceRevs(v store.View) map[string]int64 {
	out := map[string]int64{}
	for _, r := range v.Resources() {
		out["r/"+r.Name] = r.Rev
		out["s/"+r.Name] = v.Status(r.Name).Rev
	}
	for _, g := range v.Groups() {
		out["g/"+g.Name] = g.Rev
	}
	return out
}

// ChangeResourceGroup moves a resource with its dependency tree, Online,
// into an offline group of the same node that nobody claimed: nothing is
// stopped or started (the dummies' Onlines stay 1), the group is claimed
// under the lease the resources run under, and the host drives them in
// their new group (an offline of it takes them offline, the one left in
// the old group runs on). Every refusal changes nothing.
func TestChangeResourceGroup(t *testing.T) {
	n := clustertest.New(t)
	ctx := context.Background()
	e := n.Ops()
	for _, g := range []string{"G1", "G2", "G3"} {
		if _, err := e.CreateGroup(ctx, g, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range []struct{ name, group, dep string }{{"p", "G1", ""}, {"r", "G1", "p"}, {"x", "G1", ""}, {"y", "G2", ""}, {"z", "G2", ""}} {
		var deps []string
		if r.dep != "" {
			deps = []string{r.dep}
		}
		if _, err := e.CreateResource(ctx, r.name, r.group, "dummy", deps, nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.OnlineGroup(ctx, ops.GroupRef{Name: "G1"}, "", ops.Request{}); err != nil {
		t.Fatal(err)
	}
	n.AwaitGroup("G1", wsfc.ClusterGroupOnline)
	v := n.Store().View()
	rID := v.Resource("r").ID

	// z pending (a slow online) in G2, for the pending refusal.
	if _, err := e.SetResourceProperties(ctx, ops.ResourceRef{Name: "z"}, proplist.List{dword("OnlineDelayMs", 3000)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.OnlineResource(ctx, ops.ResourceRef{Name: "z"}, ops.Request{}); err != nil {
		t.Fatal(err)
	}
	before := resourceRevs(n.Store().View())

	res := func(name string) ops.ResourceRef { return ops.ResourceRef{Name: name} }
	grp := func(name string) ops.GroupRef { return ops.GroupRef{Name: name} }
	for _, c := range []struct {
		what  string
		ref   ops.ResourceRef
		to    ops.GroupRef
		flags uint64
		want  wsfc.Errno
	}{
		{"FORCE_MOVE_TO_CSV", res("r"), grp("G3"), 0x1, wsfc.ERROR_INVALID_PARAMETER},
		{"an unknown flag", res("r"), grp("G3"), 0x100000000, wsfc.ERROR_INVALID_PARAMETER},
		{"a missing resource", res("nosuch"), grp("G3"), 0, wsfc.ERROR_RESOURCE_NOT_FOUND},
		{"a resource deleted since opened", ops.ResourceRef{Name: "r", ID: "other"}, grp("G3"), 0, wsfc.ERROR_RESOURCE_NOT_AVAILABLE},
		{"a missing group", res("r"), grp("nosuch"), 0, wsfc.ERROR_GROUP_NOT_FOUND},
		{"a group deleted since opened", res("r"), ops.GroupRef{Name: "G3", ID: "other"}, 0, wsfc.ERROR_GROUP_NOT_AVAILABLE},
		{"its own group", res("r"), grp("G1"), 0, wsfc.ERROR_ALREADY_EXISTS},
		{"a pending resource", res("z"), grp("G3"), 0, wsfc.ERROR_INVALID_STATE},
	} {
		if _, err := e.ChangeResourceGroup(ctx, c.ref, c.to, c.flags); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.what, err, c.want)
		}
	}
	if after := resourceRevs(n.Store().View()); !maps.Equal(before, after) {
		t.Errorf("a refusal changed records:\nbefore %v\nafter  %v", before, after)
	}
	n.AwaitResource("z", wsfc.ClusterResourceOnline)

	v = n.Store().View()
	if v.Claim("G3") != nil {
		t.Fatal("G3 is claimed before anything of it runs")
	}
	seqBefore := v.Status("r").Seq
	moved, err := e.ChangeResourceGroup(ctx, ops.ResourceRef{Name: "r", ID: rID}, grp("G3"), 0)
	if err != nil || !slices.Equal(moved, []string{"r", "p"}) {
		t.Fatalf("ChangeResourceGroup: %v %v, want [r p]", moved, err)
	}
	v = n.Store().View()
	for _, name := range []string{"r", "p"} {
		if g := v.Resource(name).Group; g != "G3" {
			t.Errorf("%s is in %s, want G3", name, g)
		}
	}
	if seq := v.Status("r").Seq; seq != seqBefore+1 {
		t.Errorf("r's state sequence %d, want %d: [MS-CMRP] increments it", seq, seqBefore+1)
	}
	if g := v.Resource("x").Group; g != "G1" {
		t.Errorf("x (not in r's tree) moved to %s", g)
	}
	c1, c3 := v.Claim("G1"), v.Claim("G3")
	if c3 == nil || c3.Node != c1.Node || c3.Lease != c1.Lease {
		t.Errorf("G3's claim %+v, want G1's %+v", c3, c1)
	}
	if s := v.GroupState(v.Group("G3")); s != wsfc.ClusterGroupOnline {
		t.Errorf("G3 is %v, want Online", s)
	}
	// The host takes them over as they run: give it time to look.
	time.Sleep(time.Second)
	v = n.Store().View()
	for _, name := range []string{"p", "r", "x"} {
		if s := v.ResourceState(name); s != wsfc.ClusterResourceOnline || onlines(v, name) != 1 {
			t.Errorf("%s: %v, Onlines %d; want Online, 1 (never stopped)", name, s, onlines(v, name))
		}
	}
	if !slices.Equal(v.GroupResourceNames(v.Group("G1")), []string{"x"}) {
		t.Errorf("G1's resources: %v, want [x]", v.GroupResourceNames(v.Group("G1")))
	}

	// The host drives them in G3 now: an offline of G3 takes r and p
	// offline, x runs on; online brings them back.
	if _, err := e.OfflineGroup(ctx, grp("G3"), ops.Request{}); err != nil {
		t.Fatal(err)
	}
	n.AwaitGroup("G3", wsfc.ClusterGroupOffline)
	if _, err := e.OnlineGroup(ctx, grp("G3"), "", ops.Request{}); err != nil {
		t.Fatal(err)
	}
	n.AwaitGroup("G3", wsfc.ClusterGroupOnline)
	v = n.Store().View()
	if onlines(v, "r") != 2 || onlines(v, "p") != 2 || onlines(v, "x") != 1 || v.ResourceState("x") != wsfc.ClusterResourceOnline {
		t.Errorf("Onlines r %d p %d x %d (x %v); want 2 2 1, x Online", onlines(v, "r"), onlines(v, "p"), onlines(v, "x"), v.ResourceState("x"))
	}
}

// Groups of two owners: ERROR_HOST_NODE_NOT_GROUP_OWNER, whatever the
// resource's state, and nothing changes.
func TestChangeResourceGroupOwners(t *testing.T) {
	n1 := clustertest.New(t)
	clustertest.Join(t, n1, "node2")
	ctx := context.Background()
	e := n1.Ops()
	if _, err := e.CreateGroup(ctx, "A", []string{"node1"}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := e.CreateGroup(ctx, "B", []string{"node2"}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := e.CreateResource(ctx, "a", "A", "dummy", nil, nil); err != nil {
		t.Fatal(err)
	}
	// The owner has applied the new resource (its report is written).
	n1.Await(func(v store.View) bool { return v.Status("a").ConfigRev >= v.Resource("a").Rev }, "a's configuration applied")
	v := n1.Store().View()
	if v.Group("A").OwnerNode == v.Group("B").OwnerNode {
		t.Fatalf("both groups are owned by %s", v.Group("A").OwnerNode)
	}
	before := resourceRevs(v)
	if _, err := e.ChangeResourceGroup(ctx, ops.ResourceRef{Name: "a"}, ops.GroupRef{Name: "B"}, 0); !errors.Is(err, wsfc.ERROR_HOST_NODE_NOT_GROUP_OWNER) {
		t.Errorf("groups of two owners: %v, want ERROR_HOST_NODE_NOT_GROUP_OWNER", err)
	}
	if after := resourceRevs(n1.Store().View()); !maps.Equal(before, after) {
		t.Errorf("the refusal changed records")
	}
}
