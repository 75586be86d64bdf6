package clusapi_test

import (
	"slices"
	"testing"
	"time"

	"github.com/batoncluster/baton/clusapi"
	"github.com/batoncluster/baton/proplist"
)

// ChangeClusterResourceGroup on a real agent: a Generic Application and
// the dummy it depends on, Online, move together into an offline group
// without being stopped — the process keeps its PID, the dummy its
// Onlines count — and the handles opened before keep working (the
// resource's state names its new group). Each refusal changes nothing.
func TestChangeClusterResourceGroup(t *testing.T) {
	a := startAgent(t)
	c := a.client(t)
	ctx := testCtx(t)
	hCluster := mustCluster(t, a.Addr)
	hA, err := clusapi.CreateClusterGroup(hCluster, "A")
	if err != nil {
		t.Fatal(err)
	}
	defer clusapi.CloseClusterGroup(hA)
	hB, err := clusapi.CreateClusterGroup(hCluster, "B")
	if err != nil {
		t.Fatal(err)
	}
	defer clusapi.CloseClusterGroup(hB)
	if _, err := c.Resources().Create(ctx, "base", "A", "dummy", clusapi.CreateResourceOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Resources().Create(ctx, "app", "A", "Generic Application", clusapi.CreateResourceOptions{
		DependsOn: []string{"base"},
		Properties: proplist.List{
			{Name: "CommandLine", Values: []proplist.Value{proplist.SZ("sleep 600")}},
		},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Resources().Create(ctx, "other", "A", "dummy", clusapi.CreateResourceOptions{}); err != nil {
		t.Fatal(err)
	}
	hApp, err := clusapi.OpenClusterResource(hCluster, "app")
	if err != nil {
		t.Fatal(err)
	}
	defer clusapi.CloseClusterResource(hApp)
	if got := clusapi.OnlineClusterGroup(hA, nil); got != clusapi.ERROR_SUCCESS && got != clusapi.ERROR_IO_PENDING {
		t.Fatalf("OnlineClusterGroup: %v", got)
	}
	eventually(t, "A Online", func() (bool, error) {
		st, _, err := clusapi.GetClusterGroupState(hA)
		return st == clusapi.ClusterGroupOnline, err
	})
	// running says the resources' PID and Onlines, and that they are Online.
	running := func() (pid, baseOnlines, otherOnlines uint32) {
		t.Helper()
		for name, out := range map[string]*uint32{"app": &pid, "base": &baseOnlines, "other": &otherOnlines} {
			r, err := c.Resources().Get(ctx, name)
			if err != nil {
				t.Fatal(err)
			}
			if r.State != clusapi.ClusterResourceOnline {
				t.Errorf("%s is %v, want Online", name, r.State)
			}
			key := "Onlines"
			if name == "app" {
				key = "Pid"
			}
			*out, _ = r.Status.DWORD(key)
		}
		return
	}
	pid, baseOnlines, otherOnlines := running()
	if pid == 0 || baseOnlines != 1 || otherOnlines != 1 {
		t.Fatalf("pid %d, Onlines %d %d", pid, baseOnlines, otherOnlines)
	}
	groupOf := func(name string) string {
		t.Helper()
		r, err := c.Resources().Get(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		return r.Group
	}

	// Refusals.
	if got := clusapi.ChangeClusterResourceGroup(nil, hB); got != clusapi.ERROR_INVALID_HANDLE {
		t.Errorf("NULL resource: %v, want ERROR_INVALID_HANDLE", got)
	}
	if got := clusapi.ChangeClusterResourceGroup(hApp, nil); got != clusapi.ERROR_INVALID_HANDLE {
		t.Errorf("NULL group: %v, want ERROR_INVALID_HANDLE", got)
	}
	if got := clusapi.ChangeClusterResourceGroupEx(hApp, hB, uint64(clusapi.CLUSAPI_CHANGE_RESOURCE_GROUP_FORCE_MOVE_TO_CSV)); got != clusapi.ERROR_INVALID_PARAMETER {
		t.Errorf("FORCE_MOVE_TO_CSV: %v, want ERROR_INVALID_PARAMETER", got)
	}
	if got := clusapi.ChangeClusterResourceGroup(hApp, hA); got != clusapi.ERROR_ALREADY_EXISTS {
		t.Errorf("to its own group: %v, want ERROR_ALREADY_EXISTS", got)
	}
	t.Run("read access", func(t *testing.T) {
		ro := readOnlyCluster(t, a, c)
		hR, err := clusapi.OpenClusterResource(ro, "app")
		if err != nil {
			t.Fatal(err)
		}
		defer clusapi.CloseClusterResource(hR)
		hG, err := clusapi.OpenClusterGroup(ro, "B")
		if err != nil {
			t.Fatal(err)
		}
		defer clusapi.CloseClusterGroup(hG)
		if got := clusapi.ChangeClusterResourceGroup(hR, hG); got != clusapi.ERROR_ACCESS_DENIED {
			t.Errorf("Read access: %v, want ERROR_ACCESS_DENIED", got)
		}
	})
	for _, name := range []string{"app", "base", "other"} {
		if g := groupOf(name); g != "A" {
			t.Errorf("after the refusals %s is in %s", name, g)
		}
	}

	// The move: app and base (its tree), as they run.
	if got := clusapi.ChangeClusterResourceGroup(hApp, hB); got != clusapi.ERROR_SUCCESS {
		t.Fatalf("ChangeClusterResourceGroup: %v", got)
	}
	for name, want := range map[string]string{"app": "B", "base": "B", "other": "A"} {
		if g := groupOf(name); g != want {
			t.Errorf("%s is in %s, want %s", name, g, want)
		}
	}
	// The handle opened before still works, and names the new group.
	if st, _, group, err := clusapi.GetClusterResourceState(hApp); err != nil || st != clusapi.ClusterResourceOnline || group != "B" {
		t.Errorf("GetClusterResourceState: %v %q %v, want Online in B", st, group, err)
	}
	if st, _, err := clusapi.GetClusterGroupState(hB); err != nil || st != clusapi.ClusterGroupOnline {
		t.Errorf("B: %v %v, want Online", st, err)
	}
	time.Sleep(2 * time.Second) // the host has looked at both groups
	if p, b, o := running(); p != pid || b != 1 || o != 1 {
		t.Errorf("after the move: pid %d (was %d), Onlines %d %d: something was restarted", p, pid, b, o)
	}
	// ChangeGroup, the idiomatic face, moves them back.
	moved, err := c.Resources().ChangeGroup(ctx, "base", "A")
	if err != nil || !slices.Equal(moved, []string{"base", "app"}) {
		t.Fatalf("Resources.ChangeGroup: %v %v, want [base app]", moved, err)
	}
	if p, b, o := running(); p != pid || b != 1 || o != 1 {
		t.Errorf("after the move back: pid %d (was %d), Onlines %d %d", p, pid, b, o)
	}
	// The host drives app in its group: B is empty and Offline; an offline
	// of A stops the process.
	if got := clusapi.OfflineClusterGroup(hA); got != clusapi.ERROR_SUCCESS && got != clusapi.ERROR_IO_PENDING {
		t.Fatalf("OfflineClusterGroup: %v", got)
	}
	eventually(t, "A Offline", func() (bool, error) {
		st, _, err := clusapi.GetClusterGroupState(hA)
		return st == clusapi.ClusterGroupOffline, err
	})
}
