package clusapi_test

import (
	"context"
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"connectrpc.com/connect"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
	"github.com/batoncluster/baton/api/baton/v1/batonv1connect"
	"github.com/batoncluster/baton/clusapi"
)

// What the CLI needs of the package beside the clusapi names: the verbs
// as Client methods, the group's move and failovers, the node's drain,
// and the transport's failure under an unanswered call.

// fakeVerbs is a VerbService that records its requests.
type fakeVerbs struct {
	batonv1connect.UnimplementedVerbServiceHandler
	fail    *batonv1.FailResourceRequest
	restart *batonv1.RestartResourceRequest
	cancel  *batonv1.CancelGroupOperationRequest
}

func (f *fakeVerbs) FailResource(_ context.Context, r *connect.Request[batonv1.FailResourceRequest]) (*connect.Response[batonv1.FailResourceResponse], error) {
	f.fail = r.Msg
	if r.Msg.GetResource().GetName() == "offline" {
		return nil, reject(clusapi.ERROR_INVALID_STATE, "resource \"offline\" is Offline")
	}
	return connect.NewResponse(&batonv1.FailResourceResponse{}), nil
}

func (f *fakeVerbs) RestartResource(_ context.Context, r *connect.Request[batonv1.RestartResourceRequest]) (*connect.Response[batonv1.OperationResult], error) {
	f.restart = r.Msg
	return connect.NewResponse(&batonv1.OperationResult{Status: 0, StatusName: "ERROR_SUCCESS", OperationId: "op-back"}), nil
}

func (f *fakeVerbs) CancelGroupOperation(_ context.Context, r *connect.Request[batonv1.CancelGroupOperationRequest]) (*connect.Response[batonv1.OperationResult], error) {
	f.cancel = r.Msg
	if r.Msg.GetFlags() != 0 {
		return nil, reject(clusapi.ERROR_INVALID_PARAMETER, "dwCancelFlags is reserved")
	}
	return connect.NewResponse(&batonv1.OperationResult{Status: 0, StatusName: "ERROR_SUCCESS", OperationId: "op-move"}), nil
}

func TestVerbMethods(t *testing.T) {
	f := &fakeVerbs{}
	mux := http.NewServeMux()
	mux.Handle(batonv1connect.NewVerbServiceHandler(f))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	c := newClient(t, srv.URL)
	ctx := context.Background()

	if err := c.Resources().Fail(ctx, "r1"); err != nil || f.fail.GetResource().GetName() != "r1" {
		t.Errorf("Fail: %v, request %v", err, f.fail)
	}
	if err := c.Resources().Fail(ctx, "offline"); !errors.Is(err, clusapi.ERROR_INVALID_STATE) {
		t.Errorf("Fail of an offline resource: %v, want ERROR_INVALID_STATE", err)
	}
	op, err := c.Resources().Restart(ctx, "r1", 0)
	if err != nil || op.Status != clusapi.ERROR_SUCCESS || op.ID != "op-back" || op.Resource != "r1" || f.restart.GetResource().GetName() != "r1" {
		t.Errorf("Restart: %+v, %v", op, err)
	}
	id, err := c.Groups().CancelOperation(ctx, "G", 0)
	if err != nil || id != "op-move" || f.cancel.GetGroup().GetName() != "G" {
		t.Errorf("CancelOperation: %q, %v, request %v", id, err, f.cancel)
	}
	if _, err := c.Groups().CancelOperation(ctx, "G", 1); !errors.Is(err, clusapi.ERROR_INVALID_PARAMETER) || f.cancel.GetFlags() != 1 {
		t.Errorf("CancelOperation with flags: %v, want ERROR_INVALID_PARAMETER", err)
	}
}

func TestGroupMoveAndFailovers(t *testing.T) {
	t0 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	f := &fake{}
	f.getGroup = func(r *batonv1.GetGroupRequest) (*batonv1.GetGroupResponse, error) {
		return &batonv1.GetGroupResponse{Group: &batonv1.Group{Name: r.Group.GetName(), MoveTo: "n2",
			FailoversUnixNano: []int64{t0.UnixNano()}, FailoverCountExpiresUnixNano: t0.Add(time.Hour).UnixNano()}}, nil
	}
	f.listNodes = func(*batonv1.ListNodesRequest) (*batonv1.ListNodesResponse, error) {
		return &batonv1.ListNodesResponse{Nodes: []*batonv1.Node{{Name: "n1", DrainStatus: "failed", DrainDetail: "G cannot move", DatabaseRole: "member"}}}, nil
	}
	c := newClient(t, f.serve(t))
	ctx := context.Background()
	g, err := c.Groups().Get(ctx, "G")
	if err != nil {
		t.Fatal(err)
	}
	if g.MoveTo != "n2" || len(g.Failovers) != 1 || !g.Failovers[0].Equal(t0) || !g.FailoverCountExpires.Equal(t0.Add(time.Hour)) {
		t.Errorf("Group = %+v", g)
	}
	nodes, err := c.ListNodes(ctx)
	if err != nil || len(nodes) != 1 {
		t.Fatalf("ListNodes: %v, %v", nodes, err)
	}
	if n := nodes[0]; n.DrainStatus != "failed" || n.DrainDetail != "G cannot move" || n.DatabaseRole != "member" {
		t.Errorf("Node = %+v", n)
	}
}

// An unanswered call's error carries the transport's failure beneath the
// Win32 code; an answered one carries the code alone.
func TestUnansweredCallCarriesCause(t *testing.T) {
	ctx := context.Background()
	c := newClient(t, "unix://"+t.TempDir()+"/nobody.sock")
	_, err := c.Groups().List(ctx)
	if !errors.Is(err, clusapi.RPC_S_SERVER_UNAVAILABLE) || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("unreachable agent: %v, want RPC_S_SERVER_UNAVAILABLE over ENOENT", err)
	}
	var ae *clusapi.APIError
	if !errors.As(err, &ae) || !slices.Contains(ae.Unwrap(), error(clusapi.RPC_S_SERVER_UNAVAILABLE)) {
		t.Errorf("unreachable agent: %#v", err)
	}
	f := &fake{}
	f.getGroup = func(*batonv1.GetGroupRequest) (*batonv1.GetGroupResponse, error) {
		return nil, reject(clusapi.ERROR_GROUP_NOT_FOUND, `group "x" not found`)
	}
	c = newClient(t, f.serve(t))
	_, err = c.Groups().Get(ctx, "x")
	var ce *connect.Error
	if !errors.As(err, &ae) || len(ae.Unwrap()) != 1 || errors.As(err, &ce) {
		t.Errorf("answered error %#v carries more than its code", err)
	}
}

// fakeHistory is a GroupService that lists three operations in pages of
// two.
type fakeHistory struct {
	batonv1connect.UnimplementedGroupServiceHandler
}

func (fakeHistory) ListOperations(_ context.Context, r *connect.Request[batonv1.ListOperationsRequest]) (*connect.Response[batonv1.ListOperationsResponse], error) {
	if r.Msg.GetGroup().GetName() != "G" {
		return nil, reject(clusapi.ERROR_GROUP_NOT_FOUND, "no such group")
	}
	all := []*batonv1.Operation{
		{Id: "op-1", Kind: "OnlineGroup", Group: "G", Outcome: "succeeded"},
		{Id: "op-2", Kind: "MoveGroup", Group: "G", From: "n1", To: "n2", Outcome: "failed", Error: 5038},
		{Id: "op-3", Kind: "OfflineGroup", Group: "G"},
	}
	if r.Msg.GetPageToken() == "" {
		return connect.NewResponse(&batonv1.ListOperationsResponse{Operations: all[:2], NextPageToken: "2"}), nil
	}
	return connect.NewResponse(&batonv1.ListOperationsResponse{Operations: all[2:]}), nil
}

func TestGroupOperations(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle(batonv1connect.NewGroupServiceHandler(fakeHistory{}))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	c := newClient(t, srv.URL)
	ops, err := c.Groups().Operations(context.Background(), "G")
	if err != nil || len(ops) != 3 {
		t.Fatalf("Operations: %+v, %v", ops, err)
	}
	if ops[0].ID != "op-1" || ops[1].From != "n1" || ops[1].Error != clusapi.ERROR_RESOURCE_FAILED || ops[2].Outcome != "" {
		t.Errorf("Operations = %+v", ops)
	}
	if _, err := c.Groups().Operations(context.Background(), "x"); !errors.Is(err, clusapi.ERROR_GROUP_NOT_FOUND) {
		t.Errorf("unknown group: %v", err)
	}
}
