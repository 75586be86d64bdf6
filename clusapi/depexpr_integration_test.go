package clusapi_test

import (
	"testing"

	"github.com/batoncluster/baton/clusapi"
)

// SetClusterResourceDependencyExpression and
// GetClusterResourceDependencyExpression against a real agent: a
// dependent with "[A] or [B]" comes online, stays online when A is taken
// offline and goes offline when B is too; refusals (syntax, no such
// resource, itself, another group, a cycle, Online with the expression
// not met, Read access, NULL) change nothing.
func TestDependencyExpressionAgainstAgent(t *testing.T) {
	a := startAgent(t)
	c := a.client(t)
	ctx := testCtx(t)
	hCluster := mustCluster(t, a.Addr)
	hG, err := clusapi.CreateClusterGroup(hCluster, "G")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := clusapi.CreateClusterGroup(hCluster, "H"); err != nil {
		t.Fatal(err)
	}
	open := func(name, group string) clusapi.HRESOURCE {
		t.Helper()
		if _, err := c.Resources().Create(ctx, name, group, "dummy", clusapi.CreateResourceOptions{}); err != nil {
			t.Fatal(err)
		}
		h, err := clusapi.OpenClusterResource(hCluster, name)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { clusapi.CloseClusterResource(h) })
		return h
	}
	hA, hB, hD := open("A", "G"), open("B", "G"), open("D", "G")
	open("X", "H")
	expr := func(h clusapi.HRESOURCE) string {
		t.Helper()
		s, st := clusapi.GetClusterResourceDependencyExpression(h, nil)
		if st != clusapi.ERROR_SUCCESS {
			t.Fatalf("GetClusterResourceDependencyExpression: %v", st)
		}
		return s
	}
	state := func(name string) clusapi.ClusterResourceState {
		t.Helper()
		r, err := c.Resources().Get(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		return r.State
	}
	await := func(name string, want clusapi.ClusterResourceState) {
		t.Helper()
		eventually(t, name+" "+want.String(), func() (bool, error) {
			r, err := c.Resources().Get(ctx, name)
			return err == nil && r.State == want, err
		})
	}
	refused := func(h clusapi.HRESOURCE, e string, want clusapi.Errno) {
		t.Helper()
		before := expr(h)
		if got := clusapi.SetClusterResourceDependencyExpression(h, e); got != want {
			t.Errorf("set %q: %v, want %v", e, got, want)
		}
		if after := expr(h); after != before {
			t.Errorf("set %q was refused but the expression went from %q to %q", e, before, after)
		}
	}

	if got := clusapi.SetClusterResourceDependencyExpression(nil, "[A]"); got != clusapi.ERROR_INVALID_HANDLE {
		t.Errorf("NULL handle: %v, want ERROR_INVALID_HANDLE", got)
	}
	if _, got := clusapi.GetClusterResourceDependencyExpression(nil, nil); got != clusapi.ERROR_INVALID_HANDLE {
		t.Errorf("Get with a NULL handle: %v, want ERROR_INVALID_HANDLE", got)
	}
	if got := expr(hD); got != "" {
		t.Errorf("no dependencies: %q, want \"\"", got)
	}
	refused(hD, "[A] or [B] and [X]", clusapi.ERROR_INVALID_PARAMETER)
	refused(hD, "[A] or [nosuch]", clusapi.ERROR_RESOURCE_NOT_FOUND)
	refused(hD, "[D]", clusapi.ERROR_INVALID_PARAMETER)
	refused(hD, "[A] or [X]", clusapi.ERROR_INVALID_PARAMETER)
	t.Run("read access", func(t *testing.T) {
		hD, err := clusapi.OpenClusterResource(readOnlyCluster(t, a, c), "D")
		if err != nil {
			t.Fatal(err)
		}
		defer clusapi.CloseClusterResource(hD)
		if got := clusapi.SetClusterResourceDependencyExpression(hD, "[A]"); got != clusapi.ERROR_ACCESS_DENIED {
			t.Errorf("set with Read access: %v, want ERROR_ACCESS_DENIED", got)
		}
		if s, st := clusapi.GetClusterResourceDependencyExpression(hD, nil); st != clusapi.ERROR_SUCCESS || s != "" {
			t.Errorf("get with Read access: %q %v", s, st)
		}
	})

	if got := clusapi.SetClusterResourceDependencyExpressionContext(ctx, hD, "[A] OR [B]"); got != clusapi.ERROR_SUCCESS {
		t.Fatalf("set [A] OR [B]: %v", got)
	}
	// The name-buffer protocol: too small answers the length.
	n := uint32(5)
	if s, st := clusapi.GetClusterResourceDependencyExpressionContext(ctx, hD, &n); st != clusapi.ERROR_MORE_DATA || s != "" || n != 10 {
		t.Errorf("Get into 5 characters: %q %v, need %d; want ERROR_MORE_DATA, 10", s, st, n)
	}
	n = 11
	if s, st := clusapi.GetClusterResourceDependencyExpression(hD, &n); st != clusapi.ERROR_SUCCESS || s != "[A] or [B]" || n != 10 {
		t.Errorf("Get into 11 characters: %q %v, %d", s, st, n)
	}
	refused(hA, "[D]", clusapi.ERROR_CIRCULAR_DEPENDENCY)
	// The resource itself carries it, for show and the dashboard; a plain
	// AND carries none.
	if r, err := c.Resources().Get(ctx, "D"); err != nil || r.DependencyExpression != "[A] or [B]" {
		t.Errorf("Resource D: %q %v, want its expression", r.DependencyExpression, err)
	}
	if r, err := c.Resources().Get(ctx, "A"); err != nil || r.DependencyExpression != "" {
		t.Errorf("Resource A: %q %v, want none", r.DependencyExpression, err)
	}

	// The group comes online, D with it.
	if got := clusapi.OnlineClusterGroup(hG, nil); got != clusapi.ERROR_SUCCESS && got != clusapi.ERROR_IO_PENDING {
		t.Fatalf("OnlineClusterGroup: %v", got)
	}
	for _, r := range []string{"A", "B", "D"} {
		await(r, clusapi.ClusterResourceOnline)
	}
	// A goes; B holds D up.
	if got := clusapi.OfflineClusterResource(hA); got != clusapi.ERROR_SUCCESS && got != clusapi.ERROR_IO_PENDING {
		t.Fatalf("OfflineClusterResource(A): %v", got)
	}
	await("A", clusapi.ClusterResourceOffline)
	if s := state("D"); s != clusapi.ClusterResourceOnline {
		t.Fatalf("D is %v with A offline and B Online, want Online", s)
	}
	// Online, D keeps what it runs on: an expression A alone would meet
	// is refused.
	refused(hD, "[A]", clusapi.ERROR_RESOURCE_ONLINE)
	// B goes too: D goes first.
	if got := clusapi.OfflineClusterResource(hB); got != clusapi.ERROR_SUCCESS && got != clusapi.ERROR_IO_PENDING {
		t.Fatalf("OfflineClusterResource(B): %v", got)
	}
	await("B", clusapi.ClusterResourceOffline)
	if s := state("D"); s != clusapi.ClusterResourceOffline {
		t.Errorf("D is %v with both providers offline, want Offline", s)
	}
	if got := expr(hD); got != "[A] or [B]" {
		t.Errorf("after all that: %q", got)
	}
	// "" clears.
	if got := clusapi.SetClusterResourceDependencyExpression(hD, ""); got != clusapi.ERROR_SUCCESS || expr(hD) != "" {
		t.Errorf("clear: %v, %q", got, expr(hD))
	}
}
