package clusapi_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"

	"connectrpc.com/connect"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
	"github.com/batoncluster/baton/api/baton/v1/batonv1connect"
	"github.com/batoncluster/baton/clusapi"
	"github.com/batoncluster/baton/internal/dial"
	"github.com/batoncluster/baton/internal/server"
)

// fakeErr is a rejected call as the server's ops package makes it: a
// message and a Win32 code.
type fakeErr struct {
	code clusapi.Errno
	msg  string
}

func (e *fakeErr) Error() string { return e.msg }
func (e *fakeErr) Unwrap() error { return e.code }

// reject returns the Connect error the server answers for code.
func reject(code clusapi.Errno, msg string) error {
	return server.ToConnect(&fakeErr{code: code, msg: msg})
}

// fake is an agent for unit tests: the generated handlers of every
// service, with function fields for the calls a test cares about. A nil
// field answers CodeUnimplemented. Like the real server, a request pinned
// to another cluster id answers ERROR_INVALID_HANDLE.
type fake struct {
	batonv1connect.UnimplementedClusterServiceHandler
	batonv1connect.UnimplementedGroupServiceHandler
	batonv1connect.UnimplementedResourceServiceHandler
	batonv1connect.UnimplementedNodeServiceHandler
	batonv1connect.UnimplementedAccessServiceHandler

	mu        sync.Mutex // guards the fields below
	clusterID string
	calls     []string      // procedure of every call, in order
	headers   []http.Header // headers of every call, in order

	openGroup     func(*batonv1.OpenGroupRequest) (*batonv1.OpenGroupResponse, error)
	getGroup      func(*batonv1.GetGroupRequest) (*batonv1.GetGroupResponse, error)
	getGroupState func(*batonv1.GetGroupStateRequest) (*batonv1.GetGroupStateResponse, error)
	getOperation  func(*batonv1.GetOperationRequest) (*batonv1.Operation, error)
	offlineGroup  func(*batonv1.OfflineGroupRequest) (*batonv1.OperationResult, error)
	onlineGroup   func(*batonv1.OnlineGroupRequest) (*batonv1.OperationResult, error)
	openResource  func(*batonv1.OpenResourceRequest) (*batonv1.OpenResourceResponse, error)
	getResource   func(*batonv1.GetResourceRequest) (*batonv1.GetResourceResponse, error)
	resState      func(*batonv1.GetResourceStateRequest) (*batonv1.GetResourceStateResponse, error)
	offlineRes    func(*batonv1.OfflineResourceRequest) (*batonv1.OperationResult, error)
	onlineRes     func(*batonv1.OnlineResourceRequest) (*batonv1.OperationResult, error)
	listNodes     func(*batonv1.ListNodesRequest) (*batonv1.ListNodesResponse, error)
}

// guard records the call and checks the cluster id, as the server's
// interceptor does.
func (f *fake) guard() connect.UnaryInterceptorFunc {
	return func(next connect.UnaryFunc) connect.UnaryFunc {
		return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
			f.mu.Lock()
			f.calls = append(f.calls, req.Spec().Procedure)
			f.headers = append(f.headers, req.Header().Clone())
			id := f.clusterID
			f.mu.Unlock()
			if h := req.Header().Get(dial.ClusterIDHeader); h != "" && h != id {
				return nil, reject(clusapi.ERROR_INVALID_HANDLE, "the handle was opened on another cluster ("+h+")")
			}
			return next(ctx, req)
		}
	}
}

func (f *fake) setClusterID(id string) {
	f.mu.Lock()
	f.clusterID = id
	f.mu.Unlock()
}

// ncalls returns how many calls the fake received.
func (f *fake) ncalls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls)
}

// lastHeader returns the headers of the last call.
func (f *fake) lastHeader() http.Header {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.headers) == 0 {
		return nil
	}
	return f.headers[len(f.headers)-1]
}

// handle calls fn, or answers CodeUnimplemented if it is nil.
func handle[Req, Resp any](fn func(*Req) (*Resp, error), req *connect.Request[Req]) (*connect.Response[Resp], error) {
	if fn == nil {
		return nil, connect.NewError(connect.CodeUnimplemented, nil)
	}
	resp, err := fn(req.Msg)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(resp), nil
}

func (f *fake) OpenCluster(context.Context, *connect.Request[batonv1.OpenClusterRequest]) (*connect.Response[batonv1.OpenClusterResponse], error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return connect.NewResponse(&batonv1.OpenClusterResponse{
		ClusterName: "fake", ClusterId: f.clusterID, NodeName: "n1", Principal: "unix:user:root", Access: "full",
	}), nil
}

func (f *fake) OpenGroup(_ context.Context, r *connect.Request[batonv1.OpenGroupRequest]) (*connect.Response[batonv1.OpenGroupResponse], error) {
	return handle(f.openGroup, r)
}

func (f *fake) GetGroup(_ context.Context, r *connect.Request[batonv1.GetGroupRequest]) (*connect.Response[batonv1.GetGroupResponse], error) {
	return handle(f.getGroup, r)
}

func (f *fake) GetOperation(_ context.Context, r *connect.Request[batonv1.GetOperationRequest]) (*connect.Response[batonv1.Operation], error) {
	return handle(f.getOperation, r)
}

func (f *fake) GetGroupState(_ context.Context, r *connect.Request[batonv1.GetGroupStateRequest]) (*connect.Response[batonv1.GetGroupStateResponse], error) {
	return handle(f.getGroupState, r)
}

func (f *fake) OfflineGroup(_ context.Context, r *connect.Request[batonv1.OfflineGroupRequest]) (*connect.Response[batonv1.OperationResult], error) {
	return handle(f.offlineGroup, r)
}

func (f *fake) OnlineGroup(_ context.Context, r *connect.Request[batonv1.OnlineGroupRequest]) (*connect.Response[batonv1.OperationResult], error) {
	return handle(f.onlineGroup, r)
}

func (f *fake) OpenResource(_ context.Context, r *connect.Request[batonv1.OpenResourceRequest]) (*connect.Response[batonv1.OpenResourceResponse], error) {
	return handle(f.openResource, r)
}

func (f *fake) GetResource(_ context.Context, r *connect.Request[batonv1.GetResourceRequest]) (*connect.Response[batonv1.GetResourceResponse], error) {
	return handle(f.getResource, r)
}

func (f *fake) GetResourceState(_ context.Context, r *connect.Request[batonv1.GetResourceStateRequest]) (*connect.Response[batonv1.GetResourceStateResponse], error) {
	return handle(f.resState, r)
}

func (f *fake) OfflineResource(_ context.Context, r *connect.Request[batonv1.OfflineResourceRequest]) (*connect.Response[batonv1.OperationResult], error) {
	return handle(f.offlineRes, r)
}

func (f *fake) OnlineResource(_ context.Context, r *connect.Request[batonv1.OnlineResourceRequest]) (*connect.Response[batonv1.OperationResult], error) {
	return handle(f.onlineRes, r)
}

func (f *fake) ListNodes(_ context.Context, r *connect.Request[batonv1.ListNodesRequest]) (*connect.Response[batonv1.ListNodesResponse], error) {
	return handle(f.listNodes, r)
}

func (f *fake) mux() *http.ServeMux {
	opt := connect.WithInterceptors(f.guard())
	mux := http.NewServeMux()
	mux.Handle(batonv1connect.NewClusterServiceHandler(f, opt))
	mux.Handle(batonv1connect.NewGroupServiceHandler(f, opt))
	mux.Handle(batonv1connect.NewResourceServiceHandler(f, opt))
	mux.Handle(batonv1connect.NewNodeServiceHandler(f, opt))
	mux.Handle(batonv1connect.NewAccessServiceHandler(f, opt))
	return mux
}

// serve starts f on a TCP test server and returns its address.
func (f *fake) serve(t *testing.T) string {
	t.Helper()
	if f.clusterID == "" {
		f.clusterID = "cluster-1"
	}
	srv := httptest.NewServer(f.mux())
	t.Cleanup(srv.Close)
	return srv.URL
}

// serveUnix starts f on a Unix socket and returns its address.
func (f *fake) serveUnix(t *testing.T) string {
	t.Helper()
	if f.clusterID == "" {
		f.clusterID = "cluster-1"
	}
	path := filepath.Join(t.TempDir(), "fake.sock")
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(f.mux())
	srv.Listener.Close()
	srv.Listener = l
	srv.Start()
	t.Cleanup(srv.Close)
	return "unix://" + path
}

// demoGroup makes the fake know one group, "DemoGroup" with id "g-1",
// answering like the server: 5013 for another name, 5012 for another id.
func (f *fake) demoGroup() {
	f.openGroup = func(r *batonv1.OpenGroupRequest) (*batonv1.OpenGroupResponse, error) {
		if r.Name != "DemoGroup" {
			return nil, reject(clusapi.ERROR_GROUP_NOT_FOUND, `group "`+r.Name+`" not found`)
		}
		return &batonv1.OpenGroupResponse{Name: r.Name, Id: "g-1"}, nil
	}
}

// checkRef answers like the server's group lookup.
func checkRef(ref *batonv1.GroupRef) error {
	switch {
	case ref.GetName() != "DemoGroup":
		return reject(clusapi.ERROR_GROUP_NOT_FOUND, `group "`+ref.GetName()+`" not found`)
	case ref.GetId() != "" && ref.GetId() != "g-1":
		return reject(clusapi.ERROR_GROUP_NOT_AVAILABLE, `group "DemoGroup" was deleted after it was opened`)
	}
	return nil
}
