package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"connectrpc.com/connect"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
	"github.com/batoncluster/baton/api/baton/v1/batonv1connect"
	"github.com/batoncluster/baton/clusapi"
	"github.com/batoncluster/baton/internal/server"
	"github.com/batoncluster/baton/proplist"
)

// fakeGroups is a GroupService whose answers the test scripts.
type fakeGroups struct {
	batonv1connect.UnimplementedGroupServiceHandler
	offline func(*batonv1.OfflineGroupRequest) (*batonv1.OperationResult, error)
	online  func(*batonv1.OnlineGroupRequest) (*batonv1.OperationResult, error)
	state   func(*batonv1.GetGroupStateRequest) (*batonv1.GetGroupStateResponse, error)
	move    func(*batonv1.MoveGroupRequest) (*batonv1.OperationResult, error)
	group   func(*batonv1.GetGroupRequest) (*batonv1.Group, error)
	op      func(*batonv1.GetOperationRequest) (*batonv1.Operation, error)
}

func (f *fakeGroups) MoveGroup(_ context.Context, r *connect.Request[batonv1.MoveGroupRequest]) (*connect.Response[batonv1.OperationResult], error) {
	m, err := f.move(r.Msg)
	if err != nil {
		return nil, server.ToConnect(err)
	}
	return connect.NewResponse(m), nil
}

func (f *fakeGroups) GetGroup(_ context.Context, r *connect.Request[batonv1.GetGroupRequest]) (*connect.Response[batonv1.GetGroupResponse], error) {
	m, err := f.group(r.Msg)
	if err != nil {
		return nil, server.ToConnect(err)
	}
	return connect.NewResponse(&batonv1.GetGroupResponse{Group: m}), nil
}

func (f *fakeGroups) GetOperation(_ context.Context, r *connect.Request[batonv1.GetOperationRequest]) (*connect.Response[batonv1.Operation], error) {
	m, err := f.op(r.Msg)
	if err != nil {
		return nil, server.ToConnect(err)
	}
	return connect.NewResponse(m), nil
}

func (f *fakeGroups) OfflineGroup(_ context.Context, r *connect.Request[batonv1.OfflineGroupRequest]) (*connect.Response[batonv1.OperationResult], error) {
	m, err := f.offline(r.Msg)
	if err != nil {
		return nil, server.ToConnect(err)
	}
	return connect.NewResponse(m), nil
}

func (f *fakeGroups) OnlineGroup(_ context.Context, r *connect.Request[batonv1.OnlineGroupRequest]) (*connect.Response[batonv1.OperationResult], error) {
	m, err := f.online(r.Msg)
	if err != nil {
		return nil, server.ToConnect(err)
	}
	return connect.NewResponse(m), nil
}

func (f *fakeGroups) GetGroupState(_ context.Context, r *connect.Request[batonv1.GetGroupStateRequest]) (*connect.Response[batonv1.GetGroupStateResponse], error) {
	m, err := f.state(r.Msg)
	if err != nil {
		return nil, server.ToConnect(err)
	}
	return connect.NewResponse(m), nil
}

// fakeResources is a ResourceService whose answers the test scripts.
type fakeResources struct {
	batonv1connect.UnimplementedResourceServiceHandler
	offline func(*batonv1.OfflineResourceRequest) (*batonv1.OperationResult, error)
}

func (f *fakeResources) OfflineResource(_ context.Context, r *connect.Request[batonv1.OfflineResourceRequest]) (*connect.Response[batonv1.OperationResult], error) {
	m, err := f.offline(r.Msg)
	if err != nil {
		return nil, server.ToConnect(err)
	}
	return connect.NewResponse(m), nil
}

// serve starts a fake agent over HTTP and returns its address.
func serve(t *testing.T, g *fakeGroups, r *fakeResources) string {
	t.Helper()
	mux := http.NewServeMux()
	if g != nil {
		mux.Handle(batonv1connect.NewGroupServiceHandler(g))
	}
	if r != nil {
		mux.Handle(batonv1connect.NewResourceServiceHandler(r))
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

// states scripts GetGroupState: each call answers the next state, the last
// one for ever.
func states(seq ...clusapi.ClusterGroupState) func(*batonv1.GetGroupStateRequest) (*batonv1.GetGroupStateResponse, error) {
	var (
		mu sync.Mutex
		i  int
	)
	return func(r *batonv1.GetGroupStateRequest) (*batonv1.GetGroupStateResponse, error) {
		mu.Lock()
		defer mu.Unlock()
		st := seq[min(i, len(seq)-1)]
		i++
		return &batonv1.GetGroupStateResponse{Name: r.GetGroup().GetName(), State: int32(st), OwnerNode: "node1", ResourcesTotal: 3}, nil
	}
}

func TestOfflineSendsFlagsAndBuffer(t *testing.T) {
	var got *batonv1.OfflineGroupRequest
	addr := serve(t, &fakeGroups{offline: func(r *batonv1.OfflineGroupRequest) (*batonv1.OperationResult, error) {
		got = r
		return &batonv1.OperationResult{Status: 997, StatusName: "ERROR_IO_PENDING", OperationId: "op-1"}, nil
	}}, nil)

	code, stdout, stderr := run(t, "--address", addr, "-o", "json", "group", "offline", "DemoGroup",
		"--ignore-locked", "--flags", "0x2", "--param", "dummy=dword:1")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if want := `{"group":"DemoGroup","status":997,"statusName":"ERROR_IO_PENDING","operationId":"op-1"}` + "\n"; stdout != want {
		t.Errorf("stdout %q, want %q", stdout, want)
	}
	wantBuf := proplist.List{{Name: "dummy", Values: []proplist.Value{proplist.DWORD(1)}}}.Marshal()
	if got.GetGroup().GetName() != "DemoGroup" || got.GetFlags() != 0x3 ||
		string(got.GetInBuffer()) != string(wantBuf) || got.GetInBufferSize() != uint32(len(wantBuf)) || got.GetParams() != nil {
		t.Errorf("request %v; want flags 0x3, buffer %x of size %d", got, wantBuf, len(wantBuf))
	}

	// No buffer: nothing and size 0.
	if code, _, stderr := run(t, "--address", addr, "group", "offline", "DemoGroup"); code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if got.GetFlags() != 0 || len(got.GetInBuffer()) != 0 || got.GetInBufferSize() != 0 {
		t.Errorf("plain offline sent %v", got)
	}
}

func TestResourceOfflineFlags(t *testing.T) {
	var got *batonv1.OfflineResourceRequest
	addr := serve(t, nil, &fakeResources{offline: func(r *batonv1.OfflineResourceRequest) (*batonv1.OperationResult, error) {
		got = r
		return &batonv1.OperationResult{Status: 0}, nil
	}})
	code, stdout, stderr := run(t, "--address", addr, "-o", "json", "resource", "offline", "vm1", "--force-terminate", "--flags", "4")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if got.GetFlags() != 0x6 {
		t.Errorf("flags %#x, want 0x6", got.GetFlags())
	}
	if want := `{"resource":"vm1","status":0,"statusName":"ERROR_SUCCESS"}` + "\n"; stdout != want {
		t.Errorf("stdout %q, want %q", stdout, want)
	}
}

func TestAPIErrorOutput(t *testing.T) {
	addr := serve(t, &fakeGroups{offline: func(r *batonv1.OfflineGroupRequest) (*batonv1.OperationResult, error) {
		if r.GetFlags()&^clusapi.ValidGroupOfflineFlags != 0 {
			return nil, fmt.Errorf("OfflineClusterGroupEx: flags %#x: %w", r.GetFlags(), clusapi.ERROR_INVALID_PARAMETER)
		}
		return nil, fmt.Errorf("resource %q is in locked mode: %w", "vm1", clusapi.ERROR_CLUSTER_RESOURCE_LOCKED_STATUS)
	}}, nil)

	code, stdout, stderr := run(t, "--address", addr, "group", "offline", "DemoGroup")
	if code != ExitError || stdout != "" {
		t.Errorf("exit %d, stdout %q", code, stdout)
	}
	wantErr := "baton: ERROR_CLUSTER_RESOURCE_LOCKED_STATUS (5960): resource \"vm1\" is in locked mode\n" +
		"hint: a resource is in locked mode; use --ignore-locked to go ahead anyway\n"
	if stderr != wantErr {
		t.Errorf("stderr\n got %q\nwant %q", stderr, wantErr)
	}

	code, stdout, _ = run(t, "--address", addr, "-o", "json", "group", "offline", "DemoGroup", "--flags", "0x2")
	var e errJSON
	if err := json.Unmarshal([]byte(stdout), &e); code != ExitError || err != nil || e.Error.Code != 87 || e.Error.Name != "ERROR_INVALID_PARAMETER" {
		t.Errorf("bad flags: exit %d, stdout %q", code, stdout)
	}
}

func TestWait(t *testing.T) {
	g := &fakeGroups{
		offline: func(*batonv1.OfflineGroupRequest) (*batonv1.OperationResult, error) {
			return &batonv1.OperationResult{Status: 997, OperationId: "op-1"}, nil
		},
	}
	addr := serve(t, g, nil)

	g.state = states(clusapi.ClusterGroupPending, clusapi.ClusterGroupPending, clusapi.ClusterGroupOffline)
	code, stdout, stderr := run(t, "--address", addr, "-o", "json", "group", "offline", "DemoGroup", "--wait")
	if want := `{"group":"DemoGroup","status":997,"statusName":"ERROR_IO_PENDING","operationId":"op-1","state":"Offline","stateCode":1}` + "\n"; code != 0 || stdout != want {
		t.Errorf("wait: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}

	g.state = states(clusapi.ClusterGroupPending, clusapi.ClusterGroupOffline)
	code, stdout, _ = run(t, "--address", addr, "group", "offline", "DemoGroup", "--wait=10s")
	if want := "DemoGroup: ERROR_IO_PENDING (997), operation op-1\nDemoGroup: Offline\n"; code != 0 || stdout != want {
		t.Errorf("wait text: exit %d, stdout %q, want %q", code, stdout, want)
	}

	g.state = states(clusapi.ClusterGroupPending, clusapi.ClusterGroupFailed)
	code, stdout, stderr = run(t, "--address", addr, "-o", "json", "group", "offline", "DemoGroup", "--wait")
	if code != ExitError || !strings.Contains(stdout, `"state":"Failed","stateCode":2`) ||
		!strings.Contains(stderr, "group DemoGroup is Failed, not Offline") {
		t.Errorf("failed wait: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}

	g.state = states(clusapi.ClusterGroupPending)
	code, stdout, stderr = run(t, "--address", addr, "-o", "json", "group", "offline", "DemoGroup", "--wait=200ms")
	if code != ExitError || !strings.Contains(stdout, `"state":"Pending","stateCode":4`) ||
		!strings.Contains(stderr, "is not Offline after 200ms: it is Pending") {
		t.Errorf("timed-out wait: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}

	// A group that vanishes while waited for: the API error is the answer.
	g.state = func(*batonv1.GetGroupStateRequest) (*batonv1.GetGroupStateResponse, error) {
		return nil, clusapi.ERROR_GROUP_NOT_AVAILABLE
	}
	code, stdout, _ = run(t, "--address", addr, "-o", "json", "group", "offline", "DemoGroup", "--wait")
	if code != ExitError || !strings.HasPrefix(stdout, `{"error":{"code":5012,`) {
		t.Errorf("vanished group: exit %d, stdout %q", code, stdout)
	}
}

func TestOnlineWaitEndsPartial(t *testing.T) {
	var node string
	g := &fakeGroups{
		online: func(r *batonv1.OnlineGroupRequest) (*batonv1.OperationResult, error) {
			node = r.GetNode()
			return &batonv1.OperationResult{Status: 997, OperationId: "op-2"}, nil
		},
		state: states(clusapi.ClusterGroupPending, clusapi.ClusterGroupPartialOnline),
	}
	addr := serve(t, g, nil)
	code, _, stderr := run(t, "--address", addr, "group", "online", "DemoGroup", "--node", "node2", "--wait")
	if code != ExitError || node != "node2" || !strings.Contains(stderr, "is PartialOnline, not Online") {
		t.Errorf("exit %d, node %q, stderr %q", code, node, stderr)
	}
}

func TestUnreachableAgent(t *testing.T) {
	sock := "unix://" + filepath.Join(t.TempDir(), "none.sock")
	code, stdout, stderr := run(t, "--address", sock, "-o", "json", "group", "list")
	if code != ExitError || !strings.HasPrefix(stdout, `{"error":{"code":1722,"name":"RPC_S_SERVER_UNAVAILABLE"`) {
		t.Errorf("exit %d, stdout %q", code, stdout)
	}
	if !strings.Contains(stderr, "start one with 'baton agent -dev' or set BATON_ADDR") {
		t.Errorf("no hint in %q", stderr)
	}
}

// move --wait ends with the move's operation: a failed one is printed with
// its outcome — in JSON as the answer's "operation", in text on standard
// error: the Win32 code, the detail and the recovery.
func TestMoveWaitPrintsOperation(t *testing.T) {
	failed := &batonv1.Operation{Id: "op-1", Kind: "MoveGroup", Group: "G", Flags: 2, Outcome: "failed",
		From: "node1", To: "node2", Error: 5038, ErrorName: "ERROR_RESOURCE_FAILED",
		Detail: `resource "gate" failed on node2; operation op-2 (ReturnToSource) takes the group to node1`, Recovery: "op-2"}
	var got *batonv1.MoveGroupRequest
	g := &fakeGroups{
		state: states(clusapi.ClusterGroupOnline),
		move: func(r *batonv1.MoveGroupRequest) (*batonv1.OperationResult, error) {
			got = r
			return &batonv1.OperationResult{Status: 997, OperationId: "op-1"}, nil
		},
		group: func(*batonv1.GetGroupRequest) (*batonv1.Group, error) {
			return &batonv1.Group{Name: "G", OwnerNode: "node1", State: int32(clusapi.ClusterGroupOnline), PersistentState: 1}, nil
		},
		op: func(r *batonv1.GetOperationRequest) (*batonv1.Operation, error) {
			if r.GetId() != "op-1" {
				return nil, clusapi.ERROR_INVALID_PARAMETER
			}
			return failed, nil
		},
	}
	addr := serve(t, g, nil)

	code, stdout, stderr := run(t, "--address", addr, "-o", "json", "group", "move", "G", "--to", "node2", "--return-to-source", "--wait")
	if code != ExitError || got.GetFlags() != clusapi.CLUSAPI_GROUP_MOVE_RETURN_TO_SOURCE_NODE_ON_ERROR {
		t.Fatalf("exit %d, request %v, stderr %q", code, got, stderr)
	}
	var out struct {
		opJSON
		Op operationJSON `json:"operation"`
	}
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatalf("%v: %q", err, stdout)
	}
	if out.OperationID != "op-1" || out.State == nil || *out.State != "Online" || out.Op.Outcome != "failed" || out.Op.From != "node1" || out.Op.To != "node2" ||
		out.Op.Error != 5038 || out.Op.ErrorName != "ERROR_RESOURCE_FAILED" || out.Op.Detail != failed.Detail || out.Op.Recovery != "op-2" {
		t.Errorf("JSON answer %s", stdout)
	}

	code, _, stderr = run(t, "--address", addr, "group", "move", "G", "--to", "node2", "--return-to-source", "--wait")
	for _, want := range []string{
		"baton: move operation op-1 failed (5038)",
		"error:    ERROR_RESOURCE_FAILED (5038)",
		`detail:   resource "gate" failed on node2`,
		"recovery: op-2",
	} {
		if code != ExitError || !strings.Contains(stderr, want) {
			t.Errorf("text: exit %d, stderr lacks %q:\n%s", code, want, stderr)
		}
	}
}
