package clusapi_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
	"github.com/batoncluster/baton/clusapi"
	"github.com/batoncluster/baton/internal/server"
	"github.com/batoncluster/baton/internal/wire"
	"github.com/batoncluster/baton/proplist"
)

func newClient(t *testing.T, addr string, opts ...clusapi.Option) *clusapi.Client {
	t.Helper()
	c, err := clusapi.New(addr, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestErrorsCarryWin32Codes(t *testing.T) {
	codes := []clusapi.Errno{
		clusapi.ERROR_GROUP_NOT_FOUND, clusapi.ERROR_GROUP_NOT_AVAILABLE, clusapi.ERROR_ACCESS_DENIED,
		clusapi.ERROR_INVALID_PARAMETER, clusapi.ERROR_CLUSTER_RESOURCE_LOCKED_STATUS, clusapi.ERROR_INVALID_STATE,
		clusapi.ERROR_OBJECT_ALREADY_EXISTS, clusapi.ERROR_SHARING_PAUSED, clusapi.ERROR_INVALID_HANDLE,
		clusapi.ERROR_DIR_NOT_EMPTY, clusapi.Errno(123456), // a code this package has no name for
	}
	for _, code := range codes {
		t.Run(code.String(), func(t *testing.T) {
			f := &fake{}
			f.offlineGroup = func(*batonv1.OfflineGroupRequest) (*batonv1.OperationResult, error) {
				return nil, reject(code, "it went wrong")
			}
			c := newClient(t, f.serve(t))
			op, err := c.Groups().Offline(context.Background(), "DemoGroup", clusapi.OfflineOptions{})
			if op != nil {
				t.Errorf("Offline returned an operation with the error")
			}
			if !errors.Is(err, code) {
				t.Errorf("errors.Is(%v, %v) = false", err, code)
			}
			var got clusapi.Errno
			if !errors.As(err, &got) || got != code {
				t.Errorf("errors.As Errno = %v, want %v", got, code)
			}
			var ae *clusapi.APIError
			if !errors.As(err, &ae) || ae.Code != code || ae.Message != "it went wrong" {
				t.Errorf("APIError = %#v", ae)
			}
			if want := code.Error() + ": it went wrong"; err.Error() != want {
				t.Errorf("Error() = %q, want %q", err.Error(), want)
			}
		})
	}
}

func TestErrorMessageTrimmed(t *testing.T) {
	// A server error that is a bare code has no words beyond the code.
	f := &fake{}
	f.onlineGroup = func(*batonv1.OnlineGroupRequest) (*batonv1.OperationResult, error) {
		return nil, server.ToConnect(clusapi.ERROR_SHARING_PAUSED)
	}
	c := newClient(t, f.serve(t))
	_, err := c.Groups().Online(context.Background(), "g", clusapi.OnlineOptions{})
	var ae *clusapi.APIError
	if !errors.As(err, &ae) || ae.Code != clusapi.ERROR_SHARING_PAUSED || ae.Message != "" {
		t.Errorf("bare code: %#v", ae)
	}
	if err.Error() != "ERROR_SHARING_PAUSED (70)" {
		t.Errorf("Error() = %q", err.Error())
	}
	// The real server wraps codes with %w, so the code comes before and
	// after the words; the APIError keeps the words only.
	f.offlineGroup = func(*batonv1.OfflineGroupRequest) (*batonv1.OperationResult, error) {
		return nil, server.ToConnect(fmt.Errorf("caller has Read access: %w", clusapi.ERROR_ACCESS_DENIED))
	}
	_, err = c.Groups().Offline(context.Background(), "g", clusapi.OfflineOptions{})
	if !errors.As(err, &ae) || ae.Code != clusapi.ERROR_ACCESS_DENIED || ae.Message != "caller has Read access" {
		t.Errorf("wrapped code: %#v", ae)
	}
}

func TestTransportErrors(t *testing.T) {
	ctx := context.Background()
	c := newClient(t, "unix://"+t.TempDir()+"/nobody.sock")
	if _, err := c.Groups().List(ctx); !errors.Is(err, clusapi.RPC_S_SERVER_UNAVAILABLE) {
		t.Errorf("unreachable agent: %v, want RPC_S_SERVER_UNAVAILABLE", err)
	}
	if _, err := clusapi.New("ftp://x"); !errors.Is(err, clusapi.ERROR_INVALID_PARAMETER) {
		t.Errorf("New(ftp://x): %v, want ERROR_INVALID_PARAMETER", err)
	}
	// A call the server does not implement has no Win32 detail.
	f := &fake{}
	c = newClient(t, f.serve(t))
	if _, err := c.Access().List(ctx); !errors.Is(err, clusapi.ERROR_INVALID_FUNCTION) {
		t.Errorf("unimplemented: %v, want ERROR_INVALID_FUNCTION", err)
	}
}

func TestContextErrors(t *testing.T) {
	f := &fake{}
	block := make(chan struct{})
	defer close(block)
	arrived := make(chan struct{}, 1)
	f.offlineGroup = func(*batonv1.OfflineGroupRequest) (*batonv1.OperationResult, error) {
		arrived <- struct{}{}
		<-block
		return &batonv1.OperationResult{}, nil
	}
	c := newClient(t, f.serve(t))
	// The context ends once the server has the request: whether it took
	// effect is unknown.
	ctx, cancel := context.WithCancelCause(context.Background())
	go func() {
		<-arrived
		cancel(context.DeadlineExceeded)
	}()
	_, err := c.Groups().Offline(ctx, "g", clusapi.OfflineOptions{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if clusapi.ErrnoOf(err) != clusapi.RPC_S_CALL_FAILED {
		t.Errorf("ErrnoOf = %v, want RPC_S_CALL_FAILED", clusapi.ErrnoOf(err))
	}
	// A context that ended before the request was sent: nothing reached
	// the cluster.
	dead, cancelDead := context.WithTimeout(context.Background(), 0)
	defer cancelDead()
	_, err = c.Groups().Offline(dead, "g", clusapi.OfflineOptions{})
	if !errors.Is(err, context.DeadlineExceeded) || clusapi.ErrnoOf(err) != clusapi.RPC_S_SERVER_UNAVAILABLE {
		t.Errorf("ended before sending: %v (%v), want context.DeadlineExceeded and RPC_S_SERVER_UNAVAILABLE", err, clusapi.ErrnoOf(err))
	}
}

func TestErrnoOf(t *testing.T) {
	tests := []struct {
		err  error
		want clusapi.Errno
	}{
		{nil, clusapi.ERROR_SUCCESS},
		{clusapi.ERROR_IO_PENDING, clusapi.ERROR_IO_PENDING},
		{&clusapi.APIError{Code: 5013}, clusapi.ERROR_GROUP_NOT_FOUND},
		{&clusapi.GroupStateError{Code: clusapi.ERROR_RESOURCE_FAILED}, clusapi.ERROR_RESOURCE_FAILED},
		{errors.New("plain"), clusapi.ERROR_INVALID_FUNCTION},
		{context.Canceled, clusapi.RPC_S_SERVER_UNAVAILABLE},
	}
	for _, tt := range tests {
		if got := clusapi.ErrnoOf(tt.err); got != tt.want {
			t.Errorf("ErrnoOf(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

func TestClosedClient(t *testing.T) {
	f := &fake{}
	c := newClient(t, f.serve(t))
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Cluster(context.Background()); !errors.Is(err, clusapi.ERROR_INVALID_HANDLE) {
		t.Errorf("call after Close: %v, want ERROR_INVALID_HANDLE", err)
	}
	if f.ncalls() != 0 {
		t.Errorf("a closed client sent %d requests", f.ncalls())
	}
}

func TestClientOptions(t *testing.T) {
	f := &fake{}
	addr := f.serve(t)
	c := newClient(t, addr, clusapi.WithToken("s3cret"))
	info, err := c.Cluster(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := clusapi.ClusterInfo{Name: "fake", ID: "cluster-1", Node: "n1", Principal: "unix:user:root", Access: clusapi.AccessFull}
	if *info != want {
		t.Errorf("Cluster = %+v, want %+v", *info, want)
	}
	h := f.lastHeader()
	if got := h.Get("Authorization"); got != "Bearer s3cret" {
		t.Errorf("Authorization = %q", got)
	}
	if got := h.Get("Baton-Cluster-Id"); got != "" {
		t.Errorf("an unpinned client sent cluster id %q", got)
	}
	pinned := newClient(t, addr, clusapi.WithClusterID("cluster-7"))
	if _, err := pinned.Cluster(context.Background()); !errors.Is(err, clusapi.ERROR_INVALID_HANDLE) {
		t.Errorf("client pinned to another cluster: %v, want ERROR_INVALID_HANDLE", err)
	}
	t.Setenv("BATON_ADDR", addr)
	if c := newClient(t, ""); c.Addr() != addr {
		t.Errorf("Addr = %q, want $BATON_ADDR %q", c.Addr(), addr)
	}
}

func TestGetConverts(t *testing.T) {
	t0 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	f := &fake{}
	f.getGroup = func(r *batonv1.GetGroupRequest) (*batonv1.GetGroupResponse, error) {
		return &batonv1.GetGroupResponse{Group: &batonv1.Group{
			Name: r.Group.GetName(), Id: "g-1", PreferredOwners: []string{"n1", "n2"}, PersistentState: 1,
			OwnerNode: "n1", Resources: []string{"R1"}, State: int32(clusapi.ClusterGroupPartialOnline),
			Properties:        wire.FromList(proplist.List{{Name: "FailoverThreshold", Values: []proplist.Value{proplist.DWORD(4)}}}),
			LastOperationId:   "op-1",
			StatusInformation: clusapi.CLUSGRP_STATUS_WAITING_IN_QUEUE_FOR_MOVE,
			QueuedMove: &batonv1.QueuedMove{OperationId: "op-1", To: "n2", Blocker: "node \"n2\" is paused",
				Code: uint32(clusapi.ERROR_CLUSTER_NODE_PAUSED), CodeName: "ERROR_CLUSTER_NODE_PAUSED", SinceUnixNano: t0.UnixNano()},
		}}, nil
	}
	f.getResource = func(r *batonv1.GetResourceRequest) (*batonv1.GetResourceResponse, error) {
		return &batonv1.GetResourceResponse{Resource: &batonv1.Resource{
			Name: r.Resource.GetName(), Id: "r-1", Group: "G", Type: "dummy", DependsOn: []string{"R0"},
			CommonProperties:  wire.FromList(proplist.List{{Name: "RestartAction", Values: []proplist.Value{proplist.DWORD(2)}}}),
			PrivateProperties: wire.FromList(proplist.List{{Name: "LockedReason", Values: []proplist.Value{proplist.SZ("backup")}}}),
			State:             int32(clusapi.ClusterResourceOnline), OwnerNode: "n1", Locked: true, LockedReason: "backup",
			Status:        wire.FromList(proplist.List{{Name: "Onlines", Values: []proplist.Value{proplist.DWORD(3)}}}),
			StateSequence: 9, LastError: "e", PersistentState: 1,
			RestartsUnixNano: []int64{t0.UnixNano()}, RestartCountExpiresUnixNano: t0.Add(15 * time.Minute).UnixNano(),
		}}, nil
	}
	f.getOperation = func(r *batonv1.GetOperationRequest) (*batonv1.Operation, error) {
		return &batonv1.Operation{Id: r.GetId(), Kind: "MoveGroup", Group: "G", Flags: 2, Caller: "root",
			CreatedUnixNano: t0.UnixNano(), FinishedUnixNano: t0.Add(time.Second).UnixNano(), Outcome: "failed",
			From: "n1", To: "n2", Error: uint32(clusapi.ERROR_RESOURCE_FAILED), ErrorName: "ERROR_RESOURCE_FAILED",
			Detail: "resource \"R1\" failed on n2", Recovery: "op-2"}, nil
	}
	c := newClient(t, f.serve(t))
	ctx := context.Background()
	g, err := c.Groups().Get(ctx, "G")
	if err != nil {
		t.Fatal(err)
	}
	if g.Name != "G" || g.ID != "g-1" || !slices.Equal(g.PreferredOwners, []string{"n1", "n2"}) || g.PersistentState != 1 ||
		g.OwnerNode != "n1" || !slices.Equal(g.Resources, []string{"R1"}) || g.State != clusapi.ClusterGroupPartialOnline ||
		g.LastOperationID != "op-1" || g.StatusInformation != clusapi.CLUSGRP_STATUS_WAITING_IN_QUEUE_FOR_MOVE {
		t.Errorf("Group = %+v", g)
	}
	if q := g.QueuedMove; q == nil || *q != (clusapi.QueuedMove{OperationID: "op-1", To: "n2", Blocker: `node "n2" is paused`,
		Code: clusapi.ERROR_CLUSTER_NODE_PAUSED, Since: q.Since}) || !q.Since.Equal(t0) {
		t.Errorf("Group.QueuedMove = %+v", g.QueuedMove)
	}
	if v, ok := g.Properties.DWORD("FailoverThreshold"); !ok || v != 4 {
		t.Errorf("Group.Properties = %v", g.Properties)
	}
	r, err := c.Resources().Get(ctx, "R1")
	if err != nil {
		t.Fatal(err)
	}
	if r.Name != "R1" || r.ID != "r-1" || r.Group != "G" || r.Type != "dummy" || !slices.Equal(r.DependsOn, []string{"R0"}) ||
		r.State != clusapi.ClusterResourceOnline || r.OwnerNode != "n1" || !r.Locked || r.LockedReason != "backup" ||
		r.StateSequence != 9 || r.LastError != "e" || r.PersistentState != 1 ||
		len(r.Restarts) != 1 || !r.Restarts[0].Equal(t0) || !r.RestartCountExpires.Equal(t0.Add(15*time.Minute)) {
		t.Errorf("Resource = %+v", r)
	}
	if v, _ := r.CommonProperties.DWORD("RestartAction"); v != 2 {
		t.Errorf("CommonProperties = %v", r.CommonProperties)
	}
	if v, _ := r.PrivateProperties.String("LockedReason"); v != "backup" {
		t.Errorf("PrivateProperties = %v", r.PrivateProperties)
	}
	if v, _ := r.Status.DWORD("Onlines"); v != 3 {
		t.Errorf("Status = %v", r.Status)
	}
	op, err := c.Operation(ctx, "op-1")
	if err != nil {
		t.Fatal(err)
	}
	if op.ID != "op-1" || op.Kind != "MoveGroup" || op.Outcome != "failed" || op.From != "n1" || op.To != "n2" ||
		op.Error != clusapi.ERROR_RESOURCE_FAILED || op.Detail != `resource "R1" failed on n2` || op.Recovery != "op-2" ||
		!op.Created.Equal(t0) || !op.Finished.Equal(t0.Add(time.Second)) {
		t.Errorf("OperationRecord = %+v", op)
	}
}

func TestOfflineOptionsParams(t *testing.T) {
	f := &fake{}
	var mu sync.Mutex
	var got *batonv1.OfflineGroupRequest
	f.offlineGroup = func(r *batonv1.OfflineGroupRequest) (*batonv1.OperationResult, error) {
		mu.Lock()
		got = r
		mu.Unlock()
		return &batonv1.OperationResult{Status: 997, OperationId: "op-7"}, nil
	}
	c := newClient(t, f.serve(t))
	params := proplist.List{{Name: "dummy", Values: []proplist.Value{proplist.DWORD(1)}}}
	op, err := c.Groups().Offline(context.Background(), "G", clusapi.OfflineOptions{Flags: 1, Params: params})
	if err != nil {
		t.Fatal(err)
	}
	if op.Status != clusapi.ERROR_IO_PENDING || op.ID != "op-7" || op.Group != "G" {
		t.Errorf("Operation = %+v", op)
	}
	mu.Lock()
	if got.Flags != 1 || len(got.InBuffer) != 0 || got.InBufferSize != 0 || !proto.Equal(got.Params, wire.FromList(params)) {
		t.Errorf("sent %v", got)
	}
	mu.Unlock()
	buf := params.Marshal()
	if _, err := c.Groups().Offline(context.Background(), "G", clusapi.OfflineOptions{InBuffer: buf}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if got.InBufferSize != uint32(len(buf)) || got.Params != nil {
		t.Errorf("sent %v", got)
	}
	mu.Unlock()
}

// TestPropertyListConversionMatchesWire checks that this package converts
// property lists exactly as package wire (the server's side) does.

// The agent answers WAIT_TIMEOUT when its context ended during the call
// (the caller's deadline, passed on by Connect): the change may be done,
// so the client reports RPC_S_CALL_FAILED, not a refusal.
func TestAgentWaitTimeoutIsUnknownOutcome(t *testing.T) {
	f := &fake{}
	f.offlineGroup = func(*batonv1.OfflineGroupRequest) (*batonv1.OperationResult, error) {
		return nil, reject(clusapi.WAIT_TIMEOUT, "store: update: context deadline exceeded")
	}
	c := newClient(t, f.serve(t))
	_, err := c.Groups().Offline(context.Background(), "g", clusapi.OfflineOptions{})
	if clusapi.ErrnoOf(err) != clusapi.RPC_S_CALL_FAILED {
		t.Errorf("agent's WAIT_TIMEOUT: %v, want RPC_S_CALL_FAILED", err)
	}
}

// WithPageSize sets the page size the List calls ask for; they follow
// the pages to the end. Without it they ask for ListPageSize.
func TestWithPageSize(t *testing.T) {
	f := &fake{}
	var sizes []int32
	f.listNodes = func(r *batonv1.ListNodesRequest) (*batonv1.ListNodesResponse, error) {
		sizes = append(sizes, r.GetPageSize())
		names := []string{"n1", "n2", "n3"}
		start := 0
		if r.GetPageToken() != "" {
			start = int(r.GetPageToken()[0] - '0')
		}
		end := min(start+int(r.GetPageSize()), len(names))
		resp := &batonv1.ListNodesResponse{}
		for _, n := range names[start:end] {
			resp.Nodes = append(resp.Nodes, &batonv1.Node{Name: n})
		}
		if end < len(names) {
			resp.NextPageToken = string(rune('0' + end))
		}
		return resp, nil
	}
	addr := f.serve(t)
	nodes, err := newClient(t, addr, clusapi.WithPageSize(2)).ListNodes(context.Background())
	if err != nil || len(nodes) != 3 || nodes[2].Name != "n3" {
		t.Fatalf("ListNodes with pages of 2 = %+v, %v", nodes, err)
	}
	if len(sizes) != 2 || sizes[0] != 2 || sizes[1] != 2 {
		t.Errorf("page sizes asked for: %v, want [2 2]", sizes)
	}
	sizes = nil
	if _, err := newClient(t, addr).ListNodes(context.Background()); err != nil || len(sizes) != 1 || sizes[0] != clusapi.ListPageSize {
		t.Errorf("default page size: asked for %v (%v), want [%d]", sizes, err, clusapi.ListPageSize)
	}
}
