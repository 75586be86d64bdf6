package clusapi_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/batoncluster/baton/clusapi"
	"github.com/batoncluster/baton/proplist"
)

// SetClusterResourceName on a real agent: an Online Generic Application
// that another resource depends on is renamed without being stopped (its
// PID is the same), its dependent names it anew, and the handle opened
// before the rename keeps working — state, and an offline through it.
// Each refusal changes nothing.
func TestSetClusterResourceName(t *testing.T) {
	a := startAgent(t)
	c := a.client(t)
	ctx := testCtx(t)
	hCluster := mustCluster(t, a.Addr)
	hG, err := clusapi.CreateClusterGroup(hCluster, "G")
	if err != nil {
		t.Fatal(err)
	}
	defer clusapi.CloseClusterGroup(hG)
	if _, err := c.Resources().Create(ctx, "app", "G", "Generic Application", clusapi.CreateResourceOptions{
		Properties: proplist.List{{Name: "CommandLine", Values: []proplist.Value{proplist.SZ("sleep 600")}}},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Resources().Create(ctx, "front", "G", "dummy", clusapi.CreateResourceOptions{DependsOn: []string{"app"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Resources().Create(ctx, "other", "G", "dummy", clusapi.CreateResourceOptions{}); err != nil {
		t.Fatal(err)
	}
	hApp, err := clusapi.OpenClusterResource(hCluster, "app")
	if err != nil {
		t.Fatal(err)
	}
	defer clusapi.CloseClusterResource(hApp)
	if got := clusapi.OnlineClusterGroup(hG, nil); got != clusapi.ERROR_SUCCESS && got != clusapi.ERROR_IO_PENDING {
		t.Fatalf("OnlineClusterGroup: %v", got)
	}
	eventually(t, "G Online", func() (bool, error) {
		st, _, err := clusapi.GetClusterGroupState(hG)
		return st == clusapi.ClusterGroupOnline, err
	})
	pidOf := func(name string) uint32 {
		t.Helper()
		r, err := c.Resources().Get(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		if r.State != clusapi.ClusterResourceOnline {
			t.Errorf("%s is %v, want Online", name, r.State)
		}
		pid, _ := r.Status.DWORD("Pid")
		return pid
	}
	pid := pidOf("app")

	for _, c := range []struct {
		name string
		want clusapi.Errno
	}{
		{"", clusapi.ERROR_INVALID_NAME},
		{"a/b", clusapi.ERROR_INVALID_NAME},
		{"other", clusapi.ERROR_ALREADY_EXISTS},
	} {
		if got := clusapi.SetClusterResourceName(hApp, c.name); got != c.want {
			t.Errorf("SetClusterResourceName(%q) = %v, want %v", c.name, got, c.want)
		}
	}
	if got := clusapi.SetClusterResourceName(nil, "x"); got != clusapi.ERROR_INVALID_HANDLE {
		t.Errorf("NULL handle: %v, want ERROR_INVALID_HANDLE", got)
	}
	t.Run("read access", func(t *testing.T) {
		hR, err := clusapi.OpenClusterResource(readOnlyCluster(t, a, c), "app")
		if err != nil {
			t.Fatal(err)
		}
		defer clusapi.CloseClusterResource(hR)
		if got := clusapi.SetClusterResourceName(hR, "app2"); got != clusapi.ERROR_ACCESS_DENIED {
			t.Errorf("Read access: %v, want ERROR_ACCESS_DENIED", got)
		}
	})
	if _, err := c.Resources().Get(ctx, "app"); err != nil {
		t.Fatalf("after the refusals: %v", err)
	}

	if got := clusapi.SetClusterResourceName(hApp, "app2"); got != clusapi.ERROR_SUCCESS {
		t.Fatalf("SetClusterResourceName: %v", got)
	}
	if _, err := c.Resources().Get(ctx, "app"); !errors.Is(err, clusapi.ERROR_RESOURCE_NOT_FOUND) {
		t.Errorf("the old name: %v, want ERROR_RESOURCE_NOT_FOUND", err)
	}
	if r, err := c.Resources().Get(ctx, "front"); err != nil || !slices.Equal(r.DependsOn, []string{"app2"}) {
		t.Errorf("front depends on %v (%v), want [app2]", r.DependsOn, err)
	}
	time.Sleep(2 * time.Second) // the host has looked at it
	if p := pidOf("app2"); p != pid {
		t.Errorf("app2's pid %d, was %d: the process was restarted", p, pid)
	}
	// The handle opened before the rename follows the resource.
	if st, _, group, err := clusapi.GetClusterResourceState(hApp); err != nil || st != clusapi.ClusterResourceOnline || group != "G" {
		t.Errorf("GetClusterResourceState through the old handle: %v %q %v", st, group, err)
	}
	// Resources.Rename, the idiomatic face, and back.
	if err := c.Resources().Rename(ctx, "app2", "app3"); err != nil {
		t.Fatalf("Resources.Rename: %v", err)
	}
	if p := pidOf("app3"); p != pid {
		t.Errorf("app3's pid %d, was %d", p, pid)
	}
	// An offline through the old handle takes front, then app3, offline:
	// the host drives the process under its new name.
	if got := clusapi.OfflineClusterResource(hApp); got != clusapi.ERROR_SUCCESS && got != clusapi.ERROR_IO_PENDING {
		t.Fatalf("OfflineClusterResource through the old handle: %v", got)
	}
	eventually(t, "app3 Offline", func() (bool, error) {
		st, _, _, err := clusapi.GetClusterResourceState(hApp)
		return st == clusapi.ClusterResourceOffline, err
	})
	if r, err := c.Resources().Get(ctx, "front"); err != nil || r.State != clusapi.ClusterResourceOffline {
		t.Errorf("front: %+v %v, want Offline", r, err)
	}
	if r, err := c.Resources().Get(ctx, "other"); err != nil || r.State != clusapi.ClusterResourceOnline {
		t.Errorf("other: %+v %v, want Online", r, err)
	}
}

// SetClusterGroupName on a real agent, the group Online (Windows allows
// it): a Generic Application in it keeps its PID, and the handles opened
// before — the group's and the resource's — keep working: state, and an
// offline through the old group handle. Each refusal changes nothing.
func TestSetClusterGroupName(t *testing.T) {
	a := startAgent(t)
	c := a.client(t)
	ctx := testCtx(t)
	hCluster := mustCluster(t, a.Addr)
	hG, err := clusapi.CreateClusterGroup(hCluster, "Web")
	if err != nil {
		t.Fatal(err)
	}
	defer clusapi.CloseClusterGroup(hG)
	hO, err := clusapi.CreateClusterGroup(hCluster, "Other")
	if err != nil {
		t.Fatal(err)
	}
	defer clusapi.CloseClusterGroup(hO)
	if _, err := c.Resources().Create(ctx, "app", "Web", "Generic Application", clusapi.CreateResourceOptions{
		Properties: proplist.List{{Name: "CommandLine", Values: []proplist.Value{proplist.SZ("sleep 600")}}},
	}); err != nil {
		t.Fatal(err)
	}
	hApp, err := clusapi.OpenClusterResource(hCluster, "app")
	if err != nil {
		t.Fatal(err)
	}
	defer clusapi.CloseClusterResource(hApp)
	if got := clusapi.OnlineClusterGroup(hG, nil); got != clusapi.ERROR_SUCCESS && got != clusapi.ERROR_IO_PENDING {
		t.Fatalf("OnlineClusterGroup: %v", got)
	}
	eventually(t, "Web Online", func() (bool, error) {
		st, _, err := clusapi.GetClusterGroupState(hG)
		return st == clusapi.ClusterGroupOnline, err
	})
	pidOf := func() uint32 {
		t.Helper()
		r, err := c.Resources().Get(ctx, "app")
		if err != nil {
			t.Fatal(err)
		}
		if r.State != clusapi.ClusterResourceOnline {
			t.Errorf("app is %v, want Online", r.State)
		}
		pid, _ := r.Status.DWORD("Pid")
		return pid
	}
	pid := pidOf()

	for _, c := range []struct {
		name string
		want clusapi.Errno
	}{
		{"", clusapi.ERROR_INVALID_NAME},
		{"a/b", clusapi.ERROR_INVALID_NAME},
		{"Other", clusapi.ERROR_ALREADY_EXISTS},
	} {
		if got := clusapi.SetClusterGroupName(hG, c.name); got != c.want {
			t.Errorf("SetClusterGroupName(%q) = %v, want %v", c.name, got, c.want)
		}
	}
	if got := clusapi.SetClusterGroupName(nil, "x"); got != clusapi.ERROR_INVALID_HANDLE {
		t.Errorf("NULL handle: %v, want ERROR_INVALID_HANDLE", got)
	}
	t.Run("read access", func(t *testing.T) {
		hR, err := clusapi.OpenClusterGroup(readOnlyCluster(t, a, c), "Web")
		if err != nil {
			t.Fatal(err)
		}
		defer clusapi.CloseClusterGroup(hR)
		if got := clusapi.SetClusterGroupName(hR, "Shop"); got != clusapi.ERROR_ACCESS_DENIED {
			t.Errorf("Read access: %v, want ERROR_ACCESS_DENIED", got)
		}
	})
	if _, err := c.Groups().Get(ctx, "Web"); err != nil {
		t.Fatalf("after the refusals: %v", err)
	}

	if got := clusapi.SetClusterGroupName(hG, "Shop"); got != clusapi.ERROR_SUCCESS {
		t.Fatalf("SetClusterGroupName: %v", got)
	}
	if _, err := c.Groups().Get(ctx, "Web"); !errors.Is(err, clusapi.ERROR_GROUP_NOT_FOUND) {
		t.Errorf("the old name: %v, want ERROR_GROUP_NOT_FOUND", err)
	}
	time.Sleep(2 * time.Second) // the host has looked at it
	if p := pidOf(); p != pid {
		t.Errorf("app's pid %d, was %d: the process was restarted", p, pid)
	}
	// The handles opened before follow the group.
	if st, node, err := clusapi.GetClusterGroupState(hG); err != nil || st != clusapi.ClusterGroupOnline || node == "" {
		t.Errorf("GetClusterGroupState through the old handle: %v %q %v", st, node, err)
	}
	if _, _, group, err := clusapi.GetClusterResourceState(hApp); err != nil || group != "Shop" {
		t.Errorf("GetClusterResourceState: group %q %v, want Shop", group, err)
	}
	// Groups.Rename, the idiomatic face.
	if err := c.Groups().Rename(ctx, "Shop", "Store"); err != nil {
		t.Fatalf("Groups.Rename: %v", err)
	}
	if p := pidOf(); p != pid {
		t.Errorf("app's pid %d, was %d", p, pid)
	}
	// An offline through the old handle stops the process.
	if got := clusapi.OfflineClusterGroup(hG); got != clusapi.ERROR_SUCCESS && got != clusapi.ERROR_IO_PENDING {
		t.Fatalf("OfflineClusterGroup through the old handle: %v", got)
	}
	eventually(t, "Store Offline", func() (bool, error) {
		g, err := c.Groups().State(ctx, "Store")
		return err == nil && g.State == clusapi.ClusterGroupOffline, err
	})
}
