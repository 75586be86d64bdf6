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
	"github.com/batoncluster/baton/proplist"
)

// RenameResource renames an Online resource that another depends on:
// nothing is stopped or started (Onlines 1, Offlines 0), its status,
// state sequence and persistent state go with it, its dependent names it
// anew, and a reference by the old name with its id (a handle opened
// before) finds it. The host drives it under the new name. Every refusal
// changes nothing.
func TestRenameResource(t *testing.T) {
	n := clustertest.New(t)
	ctx := context.Background()
	e := n.Ops()
	if _, err := e.CreateGroup(ctx, "G", nil, nil); err != nil {
		t.Fatal(err)
	}
	for _, r := range []struct{ name, dep string }{{"p", ""}, {"r", "p"}, {"x", ""}, {"z", ""}} {
		var deps []string
		if r.dep != "" {
			deps = []string{r.dep}
		}
		if _, err := e.CreateResource(ctx, r.name, "G", "dummy", deps, nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.OnlineResource(ctx, ops.ResourceRef{Name: "r"}, ops.Request{}); err != nil {
		t.Fatal(err)
	}
	n.AwaitResource("r", wsfc.ClusterResourceOnline)
	if _, err := e.SetResourceProperties(ctx, ops.ResourceRef{Name: "z"}, proplist.List{dword("OnlineDelayMs", 3000)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.OnlineResource(ctx, ops.ResourceRef{Name: "z"}, ops.Request{}); err != nil {
		t.Fatal(err)
	}
	v := n.Store().View()
	pID, xID := v.Resource("p").ID, v.Resource("x").ID
	pSt := v.Status("p")
	before := resourceRevs(v)

	for _, c := range []struct {
		what string
		ref  ops.ResourceRef
		name string
		want wsfc.Errno
	}{
		{"an empty name", ops.ResourceRef{Name: "p"}, "", wsfc.ERROR_INVALID_NAME},
		{"a name with '/'", ops.ResourceRef{Name: "p"}, "a/b", wsfc.ERROR_INVALID_NAME},
		{"another resource's name", ops.ResourceRef{Name: "p"}, "x", wsfc.ERROR_ALREADY_EXISTS},
		{"another resource's id", ops.ResourceRef{Name: "p"}, xID, wsfc.ERROR_ALREADY_EXISTS},
		{"a missing resource", ops.ResourceRef{Name: "nosuch"}, "q", wsfc.ERROR_RESOURCE_NOT_FOUND},
		{"a deleted one", ops.ResourceRef{Name: "p", ID: "gone"}, "q", wsfc.ERROR_RESOURCE_NOT_AVAILABLE},
		{"a pending one", ops.ResourceRef{Name: "z"}, "q", wsfc.ERROR_INVALID_STATE},
	} {
		if err := e.RenameResource(ctx, c.ref, c.name); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.what, err, c.want)
		}
	}
	if err := e.RenameResource(ctx, ops.ResourceRef{Name: "p"}, "p"); err != nil {
		t.Errorf("to its own name: %v, want success", err)
	}
	if after := resourceRevs(n.Store().View()); !maps.Equal(before, after) {
		t.Errorf("a refusal changed records:\nbefore %v\nafter  %v", before, after)
	}

	if err := e.RenameResource(ctx, ops.ResourceRef{Name: "p", ID: pID}, "p2"); err != nil {
		t.Fatalf("RenameResource: %v", err)
	}
	v = n.Store().View()
	if v.Resource("p") != nil || v.Status("p") != nil {
		t.Error("the old name's records are left")
	}
	p2, st := v.Resource("p2"), v.Status("p2")
	if p2 == nil || p2.ID != pID || st == nil || st.Seq != pSt.Seq || st.Persistent != pSt.Persistent || st.Resource != "p2" {
		t.Fatalf("p2: %+v %+v (p's status was %+v)", p2, st, pSt)
	}
	if d := v.Resource("r").DependsOn; !slices.Equal(d, []string{"p2"}) {
		t.Errorf("r depends on %v, want [p2]", d)
	}
	if names := v.GroupResourceNames(v.Group("G")); !slices.Equal(names, []string{"r", "x", "z", "p2"}) {
		t.Errorf("G's resources: %v, want [r x z p2] (a renamed one comes last)", names)
	}
	time.Sleep(time.Second) // the host has looked at it
	v = n.Store().View()
	for _, name := range []string{"p2", "r"} {
		offlines, _ := v.Status(name).Props.DWORD("Offlines")
		if s := v.ResourceState(name); s != wsfc.ClusterResourceOnline || onlines(v, name) != 1 || offlines != 0 {
			t.Errorf("%s: %v, Onlines %d, Offlines %d; want Online, 1, 0", name, s, onlines(v, name), offlines)
		}
	}
	// A reference opened before (old name, id) finds p2: its offline takes
	// r offline first, then p2, which the host drives under its new name.
	res, err := e.OfflineResource(ctx, ops.ResourceRef{Name: "p", ID: pID}, ops.Request{})
	if err != nil || res.Status != wsfc.ERROR_IO_PENDING {
		t.Fatalf("offline through the old reference: %v %v", res, err)
	}
	n.AwaitResource("p2", wsfc.ClusterResourceOffline)
	n.AwaitResource("r", wsfc.ClusterResourceOffline)
	if _, err := e.OnlineResource(ctx, ops.ResourceRef{Name: "r"}, ops.Request{}); err != nil {
		t.Fatal(err)
	}
	n.AwaitResource("r", wsfc.ClusterResourceOnline)
	if v := n.Store().View(); onlines(v, "p2") != 2 {
		t.Errorf("p2 Onlines %d, want 2", onlines(v, "p2"))
	}
}
