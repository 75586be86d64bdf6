package clusapi_test

import (
	"context"
	"testing"
	"time"

	"github.com/batoncluster/baton/clusapi"
	"github.com/batoncluster/baton/proplist"
)

// readOnlyCluster opens the agent over TCP with a token of Read access.
func readOnlyCluster(t *testing.T, a *testAgent, c *clusapi.Client) clusapi.HCLUSTER {
	t.Helper()
	if a.HTTPAddr == "" {
		t.Skip("the agent did not print its TCP address")
	}
	tok, err := c.Access().CreateToken(testCtx(t), "reader", clusapi.AccessRead)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("BATON_TOKEN", tok.Token)
	t.Setenv("BATON_CA", a.CA)
	h, err := clusapi.OpenCluster(a.HTTPAddr)
	if err != nil {
		t.Fatalf("OpenCluster with a read token: %v", err)
	}
	t.Cleanup(func() { clusapi.CloseCluster(h) })
	return h
}

// resourceIs checks a resource's state and restart count.
func resourceIs(t *testing.T, c *clusapi.Client, name string, state clusapi.ClusterResourceState, restarts int) {
	t.Helper()
	r, err := c.Resources().Get(testCtx(t), name)
	if err != nil {
		t.Fatal(err)
	}
	if r.State != state || len(r.Restarts) != restarts {
		t.Errorf("%s: %v with %d restarts, want %v with %d", name, r.State, len(r.Restarts), state, restarts)
	}
}

// FailClusterResource fails an Online resource as a failed health check
// would: with RestartThreshold 1 the first failure restarts it, the
// second leaves it Failed (on one node its group cannot fail over; the
// CLI test fails one over between two nodes). Each refusal changes
// nothing.
func TestFailClusterResource(t *testing.T) {
	a := startAgent(t)
	c := a.client(t)
	ctx := testCtx(t)
	hCluster := mustCluster(t, a.Addr)
	hG, err := clusapi.CreateClusterGroup(hCluster, "G")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Resources().Create(ctx, "r", "G", "dummy", clusapi.CreateResourceOptions{Properties: proplist.List{
		{Name: "RestartThreshold", Values: []proplist.Value{proplist.DWORD(1)}},
		{Name: "RestartDelay", Values: []proplist.Value{proplist.DWORD(10)}},
	}}); err != nil {
		t.Fatal(err)
	}
	hR, err := clusapi.OpenClusterResource(hCluster, "r")
	if err != nil {
		t.Fatal(err)
	}
	defer clusapi.CloseClusterResource(hR)

	if got := clusapi.FailClusterResource(nil); got != clusapi.ERROR_INVALID_HANDLE {
		t.Errorf("FailClusterResource(NULL) = %v, want ERROR_INVALID_HANDLE", got)
	}
	if got := clusapi.FailClusterResource(hR); got != clusapi.ERROR_INVALID_STATE {
		t.Errorf("FailClusterResource of an Offline resource = %v, want ERROR_INVALID_STATE", got)
	}
	resourceIs(t, c, "r", clusapi.ClusterResourceOffline, 0)

	if got := clusapi.OnlineClusterGroup(hG, nil); got != clusapi.ERROR_SUCCESS && got != clusapi.ERROR_IO_PENDING {
		t.Fatalf("OnlineClusterGroup: %v", got)
	}
	awaitResource := func(want clusapi.ClusterResourceState, restarts int) {
		t.Helper()
		eventually(t, want.String(), func() (bool, error) {
			r, err := c.Resources().Get(ctx, "r")
			return err == nil && r.State == want && len(r.Restarts) == restarts, err
		})
	}
	awaitResource(clusapi.ClusterResourceOnline, 0)

	// Read access: refused, nothing changes.
	t.Run("read access", func(t *testing.T) {
		hR, err := clusapi.OpenClusterResource(readOnlyCluster(t, a, c), "r")
		if err != nil {
			t.Fatal(err)
		}
		defer clusapi.CloseClusterResource(hR)
		if got := clusapi.FailClusterResource(hR); got != clusapi.ERROR_ACCESS_DENIED {
			t.Errorf("FailClusterResource with Read access = %v, want ERROR_ACCESS_DENIED", got)
		}
	})
	resourceIs(t, c, "r", clusapi.ClusterResourceOnline, 0)

	// The first failure is restarted (RestartThreshold 1) ...
	if got := clusapi.FailClusterResource(hR); got != clusapi.ERROR_SUCCESS {
		t.Fatalf("FailClusterResource: %v", got)
	}
	awaitResource(clusapi.ClusterResourceOnline, 1)
	// ... the second is past the threshold: Failed, and its group.
	if got := clusapi.FailClusterResourceContext(ctx, hR); got != clusapi.ERROR_SUCCESS {
		t.Fatalf("FailClusterResourceContext: %v", got)
	}
	awaitResource(clusapi.ClusterResourceFailed, 1)
	if r, err := c.Resources().Get(ctx, "r"); err != nil || r.LastError != "failed on request (FailClusterResource)" {
		t.Errorf("LastError: %+v %v", r, err)
	}
	if st, _, err := clusapi.GetClusterGroupState(hG); err != nil || st != clusapi.ClusterGroupFailed {
		t.Errorf("the group: %v %v, want Failed", st, err)
	}
	if got := clusapi.FailClusterResource(hR); got != clusapi.ERROR_INVALID_STATE {
		t.Errorf("FailClusterResource of a Failed resource = %v, want ERROR_INVALID_STATE", got)
	}

	// A resource deleted since the handle was opened.
	if got := clusapi.DeleteClusterResource(hR); got != clusapi.ERROR_SUCCESS {
		t.Fatalf("DeleteClusterResource: %v", got)
	}
	if got := clusapi.FailClusterResource(hR); got != clusapi.ERROR_RESOURCE_NOT_AVAILABLE {
		t.Errorf("FailClusterResource of a deleted resource = %v, want ERROR_RESOURCE_NOT_AVAILABLE", got)
	}
}

// RestartClusterResource takes the resource and its dependent offline and
// brings both back, their persistent state unchanged; an unrelated
// resource of the group is not touched. Each refusal changes nothing.
func TestRestartClusterResource(t *testing.T) {
	a := startAgent(t)
	c := a.client(t)
	ctx := testCtx(t)
	hCluster := mustCluster(t, a.Addr)
	hG, err := clusapi.CreateClusterGroup(hCluster, "G")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []struct {
		name string
		deps []string
	}{{"base", nil}, {"top", []string{"base"}}, {"other", nil}} {
		if _, err := c.Resources().Create(ctx, r.name, "G", "dummy", clusapi.CreateResourceOptions{DependsOn: r.deps}); err != nil {
			t.Fatal(err)
		}
	}
	hR, err := clusapi.OpenClusterResource(hCluster, "base")
	if err != nil {
		t.Fatal(err)
	}
	defer clusapi.CloseClusterResource(hR)
	seqs := func() map[string]uint64 {
		t.Helper()
		out := map[string]uint64{}
		for _, name := range []string{"base", "top", "other"} {
			r, err := c.Resources().Get(ctx, name)
			if err != nil {
				t.Fatal(err)
			}
			out[name] = r.StateSequence
		}
		return out
	}
	unchanged := func(what string, before map[string]uint64) {
		t.Helper()
		if after := seqs(); after["base"] != before["base"] || after["top"] != before["top"] || after["other"] != before["other"] {
			t.Errorf("%s changed state sequences: %v → %v", what, before, after)
		}
	}

	if got := clusapi.RestartClusterResource(nil, 0); got != clusapi.ERROR_INVALID_HANDLE {
		t.Errorf("RestartClusterResource(NULL) = %v, want ERROR_INVALID_HANDLE", got)
	}
	before := seqs()
	if got := clusapi.RestartClusterResource(hR, 0); got != clusapi.ERROR_INVALID_STATE {
		t.Errorf("RestartClusterResource of an Offline resource = %v, want ERROR_INVALID_STATE", got)
	}
	unchanged("a restart of an Offline resource", before)

	if got := clusapi.OnlineClusterGroup(hG, nil); got != clusapi.ERROR_SUCCESS && got != clusapi.ERROR_IO_PENDING {
		t.Fatalf("OnlineClusterGroup: %v", got)
	}
	awaitGroupState(t, c, "G", clusapi.ClusterGroupOnline)
	before = seqs()
	if got := clusapi.RestartClusterResource(hR, 1); got != clusapi.ERROR_INVALID_PARAMETER {
		t.Errorf("RestartClusterResource with dwFlags 1 = %v, want ERROR_INVALID_PARAMETER", got)
	}
	t.Run("read access", func(t *testing.T) {
		hR, err := clusapi.OpenClusterResource(readOnlyCluster(t, a, c), "base")
		if err != nil {
			t.Fatal(err)
		}
		defer clusapi.CloseClusterResource(hR)
		if got := clusapi.RestartClusterResource(hR, 0); got != clusapi.ERROR_ACCESS_DENIED {
			t.Errorf("RestartClusterResource with Read access = %v, want ERROR_ACCESS_DENIED", got)
		}
	})
	unchanged("the refused restarts", before)

	for i, restart := range []func() clusapi.Errno{
		func() clusapi.Errno { return clusapi.RestartClusterResource(hR, 0) },
		func() clusapi.Errno { return clusapi.RestartClusterResourceEx(hR, 0, "testing") },
	} {
		before = seqs()
		if got := restart(); got != clusapi.ERROR_SUCCESS {
			t.Fatalf("restart %d: %v, want ERROR_SUCCESS", i, got)
		}
		awaitGroupState(t, c, "G", clusapi.ClusterGroupOnline)
		after := seqs()
		// Offline pending, offline, online pending, online: four steps each.
		if after["base"] != before["base"]+4 || after["top"] != before["top"]+4 || after["other"] != before["other"] {
			t.Errorf("restart %d: state sequences %v → %v; want base and top 4 on, other the same", i, before, after)
		}
		for _, name := range []string{"base", "top", "other"} {
			if r, err := c.Resources().Get(ctx, name); err != nil || r.State != clusapi.ClusterResourceOnline || r.PersistentState != 1 {
				t.Errorf("restart %d: %s is %+v %v; want Online, persistent state 1", i, name, r, err)
			}
		}
	}

	// A resource deleted since the handle was opened.
	if got := clusapi.OfflineClusterGroup(hG); got != clusapi.ERROR_SUCCESS && got != clusapi.ERROR_IO_PENDING {
		t.Fatalf("OfflineClusterGroup: %v", got)
	}
	awaitGroupState(t, c, "G", clusapi.ClusterGroupOffline)
	if err := c.Resources().RemoveDependency(ctx, "top", "base"); err != nil {
		t.Fatal(err)
	}
	if got := clusapi.DeleteClusterResource(hR); got != clusapi.ERROR_SUCCESS {
		t.Fatalf("DeleteClusterResource: %v", got)
	}
	if got := clusapi.RestartClusterResource(hR, 0); got != clusapi.ERROR_RESOURCE_NOT_AVAILABLE {
		t.Errorf("RestartClusterResource of a deleted resource = %v, want ERROR_RESOURCE_NOT_AVAILABLE", got)
	}
}

// CancelClusterGroupOperation's refusals on one node, each changing
// nothing (the CLI test cancels a queued move between two nodes).
func TestCancelClusterGroupOperationRefusals(t *testing.T) {
	a := startAgent(t)
	c := a.client(t)
	ctx := testCtx(t)
	makeDemoGroup(t, c, "DemoGroup", 0, 0, false)
	hCluster := mustCluster(t, a.Addr)
	hG, err := clusapi.OpenClusterGroup(hCluster, "DemoGroup")
	if err != nil {
		t.Fatal(err)
	}
	defer clusapi.CloseClusterGroup(hG)
	before, err := c.Groups().Get(ctx, "DemoGroup")
	if err != nil {
		t.Fatal(err)
	}
	if got := clusapi.CancelClusterGroupOperation(nil, 0); got != clusapi.ERROR_INVALID_HANDLE {
		t.Errorf("CancelClusterGroupOperation(NULL) = %v, want ERROR_INVALID_HANDLE", got)
	}
	if got := clusapi.CancelClusterGroupOperation(hG, 1); got != clusapi.ERROR_INVALID_PARAMETER {
		t.Errorf("dwCancelFlags 1 = %v, want ERROR_INVALID_PARAMETER", got)
	}
	if got := clusapi.CancelClusterGroupOperationContext(ctx, hG, 0); got != clusapi.ERROR_INVALID_STATE {
		t.Errorf("nothing queued = %v, want ERROR_INVALID_STATE", got)
	}
	t.Run("read access", func(t *testing.T) {
		hG, err := clusapi.OpenClusterGroup(readOnlyCluster(t, a, c), "DemoGroup")
		if err != nil {
			t.Fatal(err)
		}
		defer clusapi.CloseClusterGroup(hG)
		if got := clusapi.CancelClusterGroupOperation(hG, 0); got != clusapi.ERROR_ACCESS_DENIED {
			t.Errorf("with Read access = %v, want ERROR_ACCESS_DENIED", got)
		}
	})
	after, err := c.Groups().Get(ctx, "DemoGroup")
	if err != nil || after.State != before.State || after.OwnerNode != before.OwnerNode || after.LastOperationID != before.LastOperationID {
		t.Errorf("the refusals changed the group: %+v → %+v (%v)", before, after, err)
	}

	hX, err := clusapi.CreateClusterGroup(hCluster, "X")
	if err != nil {
		t.Fatal(err)
	}
	defer clusapi.CloseClusterGroup(hX)
	if got := clusapi.DeleteClusterGroup(hX); got != clusapi.ERROR_SUCCESS {
		t.Fatalf("DeleteClusterGroup: %v", got)
	}
	if got := clusapi.CancelClusterGroupOperation(hX, 0); got != clusapi.ERROR_GROUP_NOT_AVAILABLE {
		t.Errorf("a deleted group = %v, want ERROR_GROUP_NOT_AVAILABLE", got)
	}
}

// A restart whose caller's deadline comes before the offline finished
// answers an unknown outcome and leaves the resource offline: the agent does not bring it back after its caller left.
func TestRestartClusterResourceDeadline(t *testing.T) {
	a := startAgent(t)
	c := a.client(t)
	ctx := testCtx(t)
	if _, err := c.Groups().Create(ctx, "S", clusapi.CreateGroupOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Resources().Create(ctx, "slow", "S", "dummy", clusapi.CreateResourceOptions{Properties: proplist.List{
		{Name: "OfflineDelayMs", Values: []proplist.Value{proplist.DWORD(1500)}},
	}}); err != nil {
		t.Fatal(err)
	}
	onlineAndWait(t, c, "S")
	hCluster := mustCluster(t, a.Addr)
	hR, err := clusapi.OpenClusterResource(hCluster, "slow")
	if err != nil {
		t.Fatal(err)
	}
	defer clusapi.CloseClusterResource(hR)
	dctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	// Whichever sees the deadline first answers: the agent (1726) or the
	// client (997); the outcome is unknown to the caller either way.
	if got := clusapi.RestartClusterResourceExContext(dctx, hR, 0, ""); got != clusapi.RPC_S_CALL_FAILED && got != clusapi.ERROR_IO_PENDING {
		t.Errorf("restart with a deadline before the offline ends = %v, want RPC_S_CALL_FAILED or ERROR_IO_PENDING", got)
	}
	awaitGroupState(t, c, "S", clusapi.ClusterGroupOffline)
	time.Sleep(300 * time.Millisecond) // a restart going on would have started the online by now
	if r, err := c.Resources().Get(ctx, "slow"); err != nil || r.State != clusapi.ClusterResourceOffline || r.PersistentState != 1 {
		t.Errorf("after the abandoned restart: %+v %v; want Offline, persistent state 1", r, err)
	}
}
