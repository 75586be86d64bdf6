package clusapi_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/batoncluster/baton/clusapi"
	"github.com/batoncluster/baton/proplist"
)

// makeSlowGroup creates group name with one dummy resource that takes
// onlineMs to come online.
func makeSlowGroup(t *testing.T, c *clusapi.Client, name string, onlineMs uint32) {
	t.Helper()
	ctx := testCtx(t)
	if _, err := c.Groups().Create(ctx, name, clusapi.CreateGroupOptions{}); err != nil {
		t.Fatal(err)
	}
	props := proplist.List{{Name: "OnlineDelayMs", Values: []proplist.Value{proplist.DWORD(onlineMs)}}}
	if _, err := c.Resources().Create(ctx, name+"-r", name, "dummy", clusapi.CreateResourceOptions{Properties: props}); err != nil {
		t.Fatal(err)
	}
}

func openHandles(t *testing.T, addr, group string, opts ...clusapi.Option) (clusapi.HCLUSTER, clusapi.HGROUP) {
	t.Helper()
	hCluster, err := clusapi.OpenCluster(addr, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { clusapi.CloseCluster(hCluster) })
	return hCluster, mustOpenGroup(t, hCluster, group)
}

// A synchronous online waits as long as the online takes — here 32 s, past
// the 30 s the handle functions used to cut every call at and the agent's
// 30 s write timeout — and answers ERROR_SUCCESS.
func TestSynchronousOnlineHasNoFixedLimit(t *testing.T) {
	a := startAgent(t)
	c := a.client(t)
	makeSlowGroup(t, c, "Restore", 32000)
	_, hGroup := openHandles(t, a.Addr, "Restore")
	start := time.Now()
	got := clusapi.OnlineClusterGroupEx(hGroup, nil, clusapi.CLUSAPI_GROUP_ONLINE_SYNCHRONOUS, nil, 0)
	if took := time.Since(start); got != clusapi.ERROR_SUCCESS || took < 32*time.Second {
		t.Fatalf("synchronous online of a 32 s resource: %v after %v, want ERROR_SUCCESS after 32 s or more", got, took)
	}
	if st, _, err := clusapi.GetClusterGroupState(hGroup); st != clusapi.ClusterGroupOnline {
		t.Errorf("after the synchronous online: %v %v", st, err)
	}
}

// A synchronous online whose caller's deadline (its context's, or
// WithTimeout's) comes first answers ERROR_IO_PENDING just before it: the
// online goes on. A call cut short otherwise after it was sent — its
// context cancelled, the agent killed — answers RPC_S_CALL_FAILED (outcome
// unknown), never a refusal, and the operation it started goes on too; a
// call that cannot reach an agent answers RPC_S_SERVER_UNAVAILABLE and
// changes nothing.
func TestUnknownOutcome(t *testing.T) {
	a := startAgent(t)
	c := a.client(t)
	ctx := testCtx(t)
	for _, g := range []string{"Ctx", "Cancel", "Opt", "Killed"} {
		makeSlowGroup(t, c, g, 3000)
	}
	sync := clusapi.CLUSAPI_GROUP_ONLINE_SYNCHRONOUS

	// The caller's deadline.
	_, hGroup := openHandles(t, a.Addr, "Ctx")
	cctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	got := clusapi.OnlineClusterGroupExContext(cctx, hGroup, nil, sync, nil, 0)
	cancel()
	if got != clusapi.ERROR_IO_PENDING {
		t.Errorf("synchronous online past the caller's deadline: %v, want ERROR_IO_PENDING", got)
	}
	awaitGroupState(t, c, "Ctx", clusapi.ClusterGroupOnline)

	// The caller's context cancelled while the online runs.
	_, hGroup = openHandles(t, a.Addr, "Cancel")
	cctx, cancel = context.WithCancel(context.Background())
	go func() {
		defer cancel() // once the online is under way (or after 20 s)
		for end := time.Now().Add(20 * time.Second); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
			if st, err := c.Groups().State(ctx, "Cancel"); err == nil && st.State == clusapi.ClusterGroupPending {
				return
			}
		}
	}()
	if got := clusapi.OnlineClusterGroupExContext(cctx, hGroup, nil, sync, nil, 0); got != clusapi.RPC_S_CALL_FAILED {
		t.Errorf("synchronous online cancelled by the caller: %v, want RPC_S_CALL_FAILED", got)
	}
	awaitGroupState(t, c, "Cancel", clusapi.ClusterGroupOnline)

	// The OpenCluster option.
	_, hGroup = openHandles(t, a.Addr, "Opt", clusapi.WithTimeout(500*time.Millisecond))
	if got := clusapi.OnlineClusterGroupEx(hGroup, nil, sync, nil, 0); got != clusapi.ERROR_IO_PENDING {
		t.Errorf("synchronous online past WithTimeout: %v, want ERROR_IO_PENDING", got)
	}
	awaitGroupState(t, c, "Opt", clusapi.ClusterGroupOnline)
	// The Context error still says why.
	if _, _, err := clusapi.GetClusterGroupStateContext(canceled(), hGroup); !errors.Is(err, context.Canceled) || clusapi.ErrnoOf(err) != clusapi.RPC_S_SERVER_UNAVAILABLE {
		t.Errorf("a call whose context ended before it was sent: %v (%v), want context.Canceled and RPC_S_SERVER_UNAVAILABLE", err, clusapi.ErrnoOf(err))
	}

	// The agent dies while the online runs.
	_, hGroup = openHandles(t, a.Addr, "Killed")
	done := make(chan clusapi.Errno, 1)
	go func() { done <- clusapi.OnlineClusterGroupEx(hGroup, nil, sync, nil, 0) }()
	awaitGroupState(t, c, "Killed", clusapi.ClusterGroupPending)
	a.kill(t)
	if got := <-done; got != clusapi.RPC_S_CALL_FAILED {
		t.Errorf("synchronous online when the agent was killed: %v, want RPC_S_CALL_FAILED", got)
	}
	// Nothing answers now: the request is never sent.
	if got := clusapi.OfflineClusterGroup(hGroup); got != clusapi.RPC_S_SERVER_UNAVAILABLE {
		t.Errorf("offline with the agent gone: %v, want RPC_S_SERVER_UNAVAILABLE", got)
	}
	a.restart(t)
	// The online was recorded before the agent died; it goes on.
	awaitGroupState(t, c, "Killed", clusapi.ClusterGroupOnline)
	g, err := c.Groups().Get(ctx, "Killed")
	if err != nil || g.PersistentState != 1 {
		t.Errorf("after the restart: %+v %v, want persistent state online", g, err)
	}
}

func canceled() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

func awaitGroupState(t *testing.T, c *clusapi.Client, group string, want clusapi.ClusterGroupState) {
	t.Helper()
	eventually(t, group+" "+want.String(), func() (bool, error) {
		st, err := c.Groups().State(testCtx(t), group)
		return err == nil && st.State == want, err
	})
}

// cbInBufferSize is C-like: the first cbInBufferSize bytes of the slice
// count; size 0 is no buffer whatever the slice; a size past the slice
// answers ERROR_INVALID_PARAMETER and changes nothing.
func TestInBufferSizeIsCLike(t *testing.T) {
	a := startAgent(t)
	c := a.client(t)
	ctx := testCtx(t)
	makeSlowGroup(t, c, "Buf", 0)
	_, hGroup := openHandles(t, a.Addr, "Buf")
	params := proplist.List{{Name: "dummy", Values: []proplist.Value{proplist.DWORD(1)}}}.Marshal()
	longer := append(append([]byte{}, params...), 0xde, 0xad, 0xbe, 0xef)

	before, err := c.Groups().Get(ctx, "Buf")
	if err != nil {
		t.Fatal(err)
	}
	if got := clusapi.OnlineClusterGroupEx(hGroup, nil, 0, params, uint32(len(params))+1); got != clusapi.ERROR_INVALID_PARAMETER {
		t.Errorf("size past the buffer: %v, want ERROR_INVALID_PARAMETER", got)
	}
	if got := clusapi.OnlineClusterGroupEx(hGroup, nil, 0, nil, 4); got != clusapi.ERROR_INVALID_PARAMETER {
		t.Errorf("nil buffer of size 4: %v, want ERROR_INVALID_PARAMETER", got)
	}
	if after, err := c.Groups().Get(ctx, "Buf"); err != nil || after.PersistentState != before.PersistentState || after.LastOperationID != before.LastOperationID || after.State != before.State {
		t.Errorf("refused onlines changed the group: %+v → %+v (%v)", before, after, err)
	}

	// A longer slice: only the first cbInBufferSize bytes are sent.
	if got := clusapi.OnlineClusterGroupEx(hGroup, nil, 0, longer, uint32(len(params))); got != clusapi.ERROR_IO_PENDING {
		t.Fatalf("online with a longer slice: %v, want ERROR_IO_PENDING", got)
	}
	awaitGroupState(t, c, "Buf", clusapi.ClusterGroupOnline)
	g, err := c.Groups().Get(ctx, "Buf")
	if err != nil {
		t.Fatal(err)
	}
	op, err := c.Operation(ctx, g.LastOperationID)
	if err != nil || string(op.InBuffer) != string(params) {
		t.Errorf("the operation's buffer: %x (%v), want the first %d bytes %x", op.InBuffer, err, len(params), params)
	}
	// Size 0: no buffer, whatever the slice holds.
	if got := clusapi.OfflineClusterGroupEx(hGroup, 0, longer, 0); got != clusapi.ERROR_IO_PENDING {
		t.Fatalf("offline with size 0 and a slice: %v, want ERROR_IO_PENDING", got)
	}
	awaitGroupState(t, c, "Buf", clusapi.ClusterGroupOffline)
	if g, err = c.Groups().Get(ctx, "Buf"); err != nil {
		t.Fatal(err)
	}
	if op, err := c.Operation(ctx, g.LastOperationID); err != nil || len(op.InBuffer) != 0 {
		t.Errorf("the offline's buffer: %x (%v), want none", op.InBuffer, err)
	}
	// The same for resources and moves.
	hRes, err := clusapi.OpenClusterResource(mustCluster(t, a.Addr), "Buf-r")
	if err != nil {
		t.Fatal(err)
	}
	if got := clusapi.OnlineClusterResourceEx(hRes, 0, params[:4], 8); got != clusapi.ERROR_INVALID_PARAMETER {
		t.Errorf("resource online, size past the buffer: %v, want ERROR_INVALID_PARAMETER", got)
	}
	if got := clusapi.MoveClusterGroupEx(hGroup, nil, 0, nil, 1); got != clusapi.ERROR_INVALID_PARAMETER {
		t.Errorf("move, size past the buffer: %v, want ERROR_INVALID_PARAMETER", got)
	}
	if got := clusapi.OnlineClusterResourceEx(hRes, 0, longer, 0); got != clusapi.ERROR_IO_PENDING {
		t.Errorf("resource online with size 0 and a slice: %v, want ERROR_IO_PENDING", got)
	}
	if got := clusapi.OfflineClusterResourceEx(hRes, 0, longer, uint32(len(params))); got != clusapi.ERROR_IO_PENDING && got != clusapi.ERROR_INVALID_STATE {
		t.Errorf("resource offline with a longer slice: %v", got)
	}
}

func mustCluster(t *testing.T, addr string) clusapi.HCLUSTER {
	t.Helper()
	h, err := clusapi.OpenCluster(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { clusapi.CloseCluster(h) })
	return h
}
