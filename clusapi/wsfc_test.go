package clusapi_test

import (
	"bytes"
	"errors"
	"sync"
	"testing"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
	"github.com/batoncluster/baton/clusapi"
	"github.com/batoncluster/baton/proplist"
)

// openDemo opens a cluster handle and a handle to DemoGroup on a fake.
func openDemo(t *testing.T, f *fake) (clusapi.HCLUSTER, clusapi.HGROUP) {
	t.Helper()
	f.demoGroup()
	addr := f.serve(t)
	hCluster, err := clusapi.OpenCluster(addr)
	if err != nil {
		t.Fatalf("OpenCluster: %v", err)
	}
	t.Cleanup(func() { clusapi.CloseCluster(hCluster) })
	hGroup, err := clusapi.OpenClusterGroup(hCluster, "DemoGroup")
	if err != nil {
		t.Fatalf("OpenClusterGroup: %v", err)
	}
	return hCluster, hGroup
}

func TestOpenClusterGroupNotFound(t *testing.T) {
	f := &fake{}
	hCluster, _ := openDemo(t, f)
	hGroup, err := clusapi.OpenClusterGroup(hCluster, "NoSuchGroup")
	if hGroup != nil {
		t.Fatal("OpenClusterGroup of an unknown group returned a handle")
	}
	if !errors.Is(err, clusapi.ERROR_GROUP_NOT_FOUND) {
		t.Fatalf("err = %v, want ERROR_GROUP_NOT_FOUND", err)
	}
	if got := clusapi.ErrnoOf(err); got != clusapi.ERROR_GROUP_NOT_FOUND {
		t.Errorf("ErrnoOf = %v", got)
	}
	var code clusapi.Errno
	if !errors.As(err, &code) || code != 5013 {
		t.Errorf("errors.As Errno = %v", code)
	}
	var ae *clusapi.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err is %T, want *APIError", err)
	}
	if ae.Message != `group "NoSuchGroup" not found` {
		t.Errorf("Message = %q", ae.Message)
	}
	if want := `ERROR_GROUP_NOT_FOUND (5013): group "NoSuchGroup" not found`; err.Error() != want {
		t.Errorf("Error() = %q, want %q", err.Error(), want)
	}
}

func TestOfflineClusterGroupExSendsRequestAsGiven(t *testing.T) {
	valid := proplist.List{{Name: "dummy", Values: []proplist.Value{proplist.DWORD(1)}}}.Marshal()
	tests := []struct {
		name  string
		flags uint32
		buf   []byte
		size  uint32
	}{
		{"no buffer", 0, nil, 0},
		{"ignore locked", clusapi.CLUSAPI_GROUP_OFFLINE_IGNORE_RESOURCE_STATUS, nil, 0},
		{"buffer", 0, valid, uint32(len(valid))},
		// C-like: only the first cbInBufferSize bytes are the buffer.
		{"longer slice", 0, append(append([]byte{}, valid...), 9, 9, 9), uint32(len(valid))},
		{"slice with size 0", 0, valid, 0},
		// A bad buffer is the server's to refuse: it is sent as is.
		{"garbage", 0, []byte{1, 2, 3}, 3},
		{"bad flags", 0x2, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fake{}
			var mu sync.Mutex
			var got *batonv1.OfflineGroupRequest
			f.offlineGroup = func(r *batonv1.OfflineGroupRequest) (*batonv1.OperationResult, error) {
				mu.Lock()
				got = r
				mu.Unlock()
				if err := checkRef(r.Group); err != nil {
					return nil, err
				}
				if r.Flags&^clusapi.ValidGroupOfflineFlags != 0 || uint32(len(r.InBuffer)) != r.InBufferSize {
					return nil, reject(clusapi.ERROR_INVALID_PARAMETER, "bad request")
				}
				return &batonv1.OperationResult{Status: 997, StatusName: "ERROR_IO_PENDING", OperationId: "op-1"}, nil
			}
			_, hGroup := openDemo(t, f)
			errno := clusapi.OfflineClusterGroupEx(hGroup, tt.flags, tt.buf, tt.size)
			mu.Lock()
			defer mu.Unlock()
			if got == nil {
				t.Fatal("no OfflineGroup request reached the server")
			}
			if got.Group.GetName() != "DemoGroup" || got.Group.GetId() != "g-1" {
				t.Errorf("group ref = %v, want DemoGroup/g-1", got.Group)
			}
			if sent := tt.buf[:tt.size]; got.Flags != tt.flags || !bytes.Equal(got.InBuffer, sent) || got.InBufferSize != tt.size {
				t.Errorf("sent flags %#x buffer %x size %d, want %#x %x %d", got.Flags, got.InBuffer, got.InBufferSize, tt.flags, sent, tt.size)
			}
			if got.Params != nil {
				t.Errorf("sent params %v, want none", got.Params)
			}
			want := clusapi.ERROR_IO_PENDING
			if tt.flags&^clusapi.ValidGroupOfflineFlags != 0 {
				want = clusapi.ERROR_INVALID_PARAMETER
			}
			if errno != want {
				t.Errorf("OfflineClusterGroupEx = %v, want %v", errno, want)
			}
		})
	}
	// A size past the slice would make C read past the buffer: refused
	// with ERROR_INVALID_PARAMETER before any request.
	for _, tt := range []struct {
		buf  []byte
		size uint32
	}{{valid, uint32(len(valid)) + 4}, {nil, 8}} {
		f := &fake{}
		f.offlineGroup = func(r *batonv1.OfflineGroupRequest) (*batonv1.OperationResult, error) {
			t.Errorf("size %d past a %d-byte buffer was sent", tt.size, len(tt.buf))
			return &batonv1.OperationResult{Status: 997}, nil
		}
		_, hGroup := openDemo(t, f)
		if errno := clusapi.OfflineClusterGroupEx(hGroup, 0, tt.buf, tt.size); errno != clusapi.ERROR_INVALID_PARAMETER {
			t.Errorf("size %d past a %d-byte buffer: %v, want ERROR_INVALID_PARAMETER", tt.size, len(tt.buf), errno)
		}
	}
}

func TestOfflineClusterGroupStatuses(t *testing.T) {
	for _, code := range []clusapi.Errno{
		clusapi.ERROR_SUCCESS, clusapi.ERROR_IO_PENDING, clusapi.ERROR_CLUSTER_RESOURCE_LOCKED_STATUS,
		clusapi.ERROR_ACCESS_DENIED, clusapi.ERROR_GROUP_NOT_AVAILABLE, clusapi.ERROR_INVALID_STATE,
	} {
		t.Run(code.String(), func(t *testing.T) {
			f := &fake{}
			f.offlineGroup = func(r *batonv1.OfflineGroupRequest) (*batonv1.OperationResult, error) {
				if code == clusapi.ERROR_SUCCESS || code == clusapi.ERROR_IO_PENDING {
					return &batonv1.OperationResult{Status: uint32(code)}, nil
				}
				return nil, reject(code, "no")
			}
			_, hGroup := openDemo(t, f)
			if got := clusapi.OfflineClusterGroup(hGroup); got != code {
				t.Errorf("OfflineClusterGroup = %v, want %v", got, code)
			}
		})
	}
}

func TestGroupDeletedAfterOpen(t *testing.T) {
	f := &fake{}
	f.getGroupState = func(r *batonv1.GetGroupStateRequest) (*batonv1.GetGroupStateResponse, error) {
		if err := checkRef(&batonv1.GroupRef{Name: r.Group.GetName(), Id: "g-2"}); err != nil {
			return nil, err // the group was re-created: its id is now g-2
		}
		return nil, nil
	}
	_, hGroup := openDemo(t, f)
	state, node, err := clusapi.GetClusterGroupState(hGroup)
	if state != clusapi.ClusterGroupStateUnknown || node != "" || !errors.Is(err, clusapi.ERROR_GROUP_NOT_AVAILABLE) {
		t.Errorf("GetClusterGroupState = %v, %q, %v; want Unknown, \"\", ERROR_GROUP_NOT_AVAILABLE", state, node, err)
	}
}

func TestGetClusterGroupState(t *testing.T) {
	f := &fake{}
	f.getGroupState = func(r *batonv1.GetGroupStateRequest) (*batonv1.GetGroupStateResponse, error) {
		if err := checkRef(r.Group); err != nil {
			return nil, err
		}
		return &batonv1.GetGroupStateResponse{Name: "DemoGroup", State: int32(clusapi.ClusterGroupPending), OwnerNode: "n1"}, nil
	}
	_, hGroup := openDemo(t, f)
	state, node, err := clusapi.GetClusterGroupState(hGroup)
	if state != clusapi.ClusterGroupPending || node != "n1" || err != nil {
		t.Errorf("GetClusterGroupState = %v, %q, %v; want Pending, n1, nil", state, node, err)
	}
}

func TestInvalidHandlesMakeNoCall(t *testing.T) {
	f := &fake{}
	f.listNodes = func(*batonv1.ListNodesRequest) (*batonv1.ListNodesResponse, error) {
		return &batonv1.ListNodesResponse{Nodes: []*batonv1.Node{{Name: "n1"}}}, nil
	}
	f.openResource = func(r *batonv1.OpenResourceRequest) (*batonv1.OpenResourceResponse, error) {
		return &batonv1.OpenResourceResponse{Name: r.Name, Id: "r-1"}, nil
	}
	hCluster, hGroup := openDemo(t, f)
	hRes, err := clusapi.OpenClusterResource(hCluster, "R1")
	if err != nil {
		t.Fatal(err)
	}
	hNode, err := clusapi.OpenClusterNode(hCluster, "n1")
	if err != nil {
		t.Fatal(err)
	}

	// checkAll calls every function on the handles and wants
	// ERROR_INVALID_HANDLE from each, without a request.
	checkAll := func(t *testing.T, hCluster clusapi.HCLUSTER, hGroup clusapi.HGROUP, hRes clusapi.HRESOURCE, hNode clusapi.HNODE) {
		t.Helper()
		before := f.ncalls()
		errnos := map[string]clusapi.Errno{
			"OfflineClusterGroupEx":    clusapi.OfflineClusterGroupEx(hGroup, 0, nil, 0),
			"OfflineClusterGroup":      clusapi.OfflineClusterGroup(hGroup),
			"OnlineClusterGroupEx":     clusapi.OnlineClusterGroupEx(hGroup, nil, 0, nil, 0),
			"OnlineClusterGroup":       clusapi.OnlineClusterGroup(hGroup, nil),
			"OnlineClusterResourceEx":  clusapi.OnlineClusterResourceEx(hRes, 0, nil, 0),
			"OfflineClusterResourceEx": clusapi.OfflineClusterResourceEx(hRes, 0, nil, 0),
			"OnlineClusterResource":    clusapi.OnlineClusterResource(hRes),
			"OfflineClusterResource":   clusapi.OfflineClusterResource(hRes),
		}
		for name, got := range errnos {
			if got != clusapi.ERROR_INVALID_HANDLE {
				t.Errorf("%s = %v, want ERROR_INVALID_HANDLE", name, got)
			}
		}
		gs, _, err := clusapi.GetClusterGroupState(hGroup)
		if gs != clusapi.ClusterGroupStateUnknown || !errors.Is(err, clusapi.ERROR_INVALID_HANDLE) {
			t.Errorf("GetClusterGroupState = %v, %v", gs, err)
		}
		rs, _, _, err := clusapi.GetClusterResourceState(hRes)
		if rs != clusapi.ClusterResourceStateUnknown || !errors.Is(err, clusapi.ERROR_INVALID_HANDLE) {
			t.Errorf("GetClusterResourceState = %v, %v", rs, err)
		}
		ns, err := clusapi.GetClusterNodeState(hNode)
		if ns != clusapi.ClusterNodeStateUnknown || !errors.Is(err, clusapi.ERROR_INVALID_HANDLE) {
			t.Errorf("GetClusterNodeState = %v, %v", ns, err)
		}
		if h, err := clusapi.OpenClusterGroup(hCluster, "DemoGroup"); h != nil || !errors.Is(err, clusapi.ERROR_INVALID_HANDLE) {
			t.Errorf("OpenClusterGroup = %v, %v", h, err)
		}
		if h, err := clusapi.OpenClusterResource(hCluster, "R1"); h != nil || !errors.Is(err, clusapi.ERROR_INVALID_HANDLE) {
			t.Errorf("OpenClusterResource = %v, %v", h, err)
		}
		if h, err := clusapi.OpenClusterNode(hCluster, "n1"); h != nil || !errors.Is(err, clusapi.ERROR_INVALID_HANDLE) {
			t.Errorf("OpenClusterNode = %v, %v", h, err)
		}
		if n := f.ncalls() - before; n != 0 {
			t.Errorf("%d requests were sent for invalid handles", n)
		}
	}

	t.Run("nil", func(t *testing.T) {
		checkAll(t, nil, nil, nil, nil)
		if !clusapi.CloseCluster(nil) {
			t.Error("CloseCluster(nil) = false, want true")
		}
		if clusapi.CloseClusterGroup(nil) || clusapi.CloseClusterResource(nil) || clusapi.CloseClusterNode(nil) {
			t.Error("closing a nil handle returned true")
		}
	})
	t.Run("closed children", func(t *testing.T) {
		g, _ := clusapi.OpenClusterGroup(hCluster, "DemoGroup")
		r, _ := clusapi.OpenClusterResource(hCluster, "R1")
		n, _ := clusapi.OpenClusterNode(hCluster, "n1")
		if !clusapi.CloseClusterGroup(g) || !clusapi.CloseClusterResource(r) || !clusapi.CloseClusterNode(n) {
			t.Fatal("closing a handle returned false")
		}
		// The cluster handle is still open: only the closed ones fail.
		checkAll(t, nil, g, r, n)
		if got := clusapi.OfflineClusterGroup(hGroup); got == clusapi.ERROR_INVALID_HANDLE {
			t.Error("an open group handle answered ERROR_INVALID_HANDLE")
		}
	})
	t.Run("closed cluster", func(t *testing.T) {
		if !clusapi.CloseCluster(hCluster) {
			t.Fatal("CloseCluster = false")
		}
		checkAll(t, hCluster, hGroup, hRes, hNode)
		if !clusapi.CloseCluster(hCluster) {
			t.Error("second CloseCluster = false")
		}
	})
}

func TestHandlePinnedToCluster(t *testing.T) {
	f := &fake{}
	f.offlineGroup = func(*batonv1.OfflineGroupRequest) (*batonv1.OperationResult, error) {
		return &batonv1.OperationResult{Status: 997}, nil
	}
	hCluster, hGroup := openDemo(t, f)
	if got := f.lastHeader().Get("Baton-Cluster-Id"); got != "cluster-1" {
		t.Fatalf("OpenClusterGroup sent cluster id %q, want cluster-1", got)
	}
	if got := clusapi.OfflineClusterGroup(hGroup); got != clusapi.ERROR_IO_PENDING {
		t.Fatalf("OfflineClusterGroup = %v", got)
	}
	// Another cluster now answers at the same address.
	f.setClusterID("cluster-2")
	if got := clusapi.OfflineClusterGroup(hGroup); got != clusapi.ERROR_INVALID_HANDLE {
		t.Errorf("OfflineClusterGroup on another cluster = %v, want ERROR_INVALID_HANDLE", got)
	}
	if _, err := clusapi.OpenClusterGroup(hCluster, "DemoGroup"); !errors.Is(err, clusapi.ERROR_INVALID_HANDLE) {
		t.Errorf("OpenClusterGroup on another cluster: %v, want ERROR_INVALID_HANDLE", err)
	}
	// A new handle opens the new cluster.
	h2, err := clusapi.OpenCluster(f.serve(t))
	if err != nil {
		t.Fatal(err)
	}
	defer clusapi.CloseCluster(h2)
	if _, err := clusapi.OpenClusterGroup(h2, "DemoGroup"); err != nil {
		t.Errorf("OpenClusterGroup on a new handle: %v", err)
	}
}

func TestOnlineClusterGroupExNode(t *testing.T) {
	f := &fake{}
	var mu sync.Mutex
	var got *batonv1.OnlineGroupRequest
	f.onlineGroup = func(r *batonv1.OnlineGroupRequest) (*batonv1.OperationResult, error) {
		mu.Lock()
		got = r
		mu.Unlock()
		return &batonv1.OperationResult{Status: 997}, nil
	}
	f.listNodes = func(*batonv1.ListNodesRequest) (*batonv1.ListNodesResponse, error) {
		return &batonv1.ListNodesResponse{Nodes: []*batonv1.Node{{Name: "n1"}, {Name: "n2", State: int32(clusapi.ClusterNodePaused)}}}, nil
	}
	hCluster, hGroup := openDemo(t, f)
	if _, err := clusapi.OpenClusterNode(hCluster, "n3"); !errors.Is(err, clusapi.ERROR_CLUSTER_NODE_NOT_FOUND) {
		t.Errorf("OpenClusterNode(n3): %v, want ERROR_CLUSTER_NODE_NOT_FOUND", err)
	}
	hNode, err := clusapi.OpenClusterNode(hCluster, "n2")
	if err != nil {
		t.Fatal(err)
	}
	if st, err := clusapi.GetClusterNodeState(hNode); st != clusapi.ClusterNodePaused || err != nil {
		t.Errorf("GetClusterNodeState = %v, %v", st, err)
	}
	buf := []byte{1, 2, 3, 4, 5, 6, 7, 8, 9}
	if e := clusapi.OnlineClusterGroupEx(hGroup, hNode, 0x4, buf, 7); e != clusapi.ERROR_IO_PENDING {
		t.Fatalf("OnlineClusterGroupEx = %v", e)
	}
	mu.Lock()
	if got.Node != "n2" || got.Flags != 0x4 || !bytes.Equal(got.InBuffer, buf[:7]) || got.InBufferSize != 7 || got.Group.GetId() != "g-1" {
		t.Errorf("sent %v", got)
	}
	mu.Unlock()
	if e := clusapi.OnlineClusterGroup(hGroup, nil); e != clusapi.ERROR_IO_PENDING {
		t.Fatalf("OnlineClusterGroup = %v", e)
	}
	mu.Lock()
	if got.Node != "" || got.Flags != 0 || len(got.InBuffer) != 0 || got.InBufferSize != 0 {
		t.Errorf("sent %v", got)
	}
	mu.Unlock()

	// A node handle of another cluster handle to another cluster is refused.
	other := &fake{clusterID: "cluster-9"}
	other.listNodes = f.listNodes
	hOther, err := clusapi.OpenCluster(other.serve(t))
	if err != nil {
		t.Fatal(err)
	}
	defer clusapi.CloseCluster(hOther)
	hOtherNode, err := clusapi.OpenClusterNode(hOther, "n1")
	if err != nil {
		t.Fatal(err)
	}
	if e := clusapi.OnlineClusterGroup(hGroup, hOtherNode); e != clusapi.ERROR_INVALID_HANDLE {
		t.Errorf("OnlineClusterGroup with another cluster's node = %v, want ERROR_INVALID_HANDLE", e)
	}
}

func TestResourceHandlesFake(t *testing.T) {
	f := &fake{}
	var mu sync.Mutex
	var gotOff *batonv1.OfflineResourceRequest
	var gotOn *batonv1.OnlineResourceRequest
	f.openResource = func(r *batonv1.OpenResourceRequest) (*batonv1.OpenResourceResponse, error) {
		if r.Name != "R1" {
			return nil, reject(clusapi.ERROR_RESOURCE_NOT_FOUND, "no")
		}
		return &batonv1.OpenResourceResponse{Name: r.Name, Id: "r-1"}, nil
	}
	f.offlineRes = func(r *batonv1.OfflineResourceRequest) (*batonv1.OperationResult, error) {
		mu.Lock()
		gotOff = r
		mu.Unlock()
		return &batonv1.OperationResult{Status: 0}, nil
	}
	f.onlineRes = func(r *batonv1.OnlineResourceRequest) (*batonv1.OperationResult, error) {
		mu.Lock()
		gotOn = r
		mu.Unlock()
		return nil, reject(clusapi.ERROR_CLUSTER_RESOURCE_LOCKED_STATUS, "locked")
	}
	f.resState = func(r *batonv1.GetResourceStateRequest) (*batonv1.GetResourceStateResponse, error) {
		if r.Resource.GetId() != "r-1" {
			return nil, reject(clusapi.ERROR_RESOURCE_NOT_AVAILABLE, "gone")
		}
		return &batonv1.GetResourceStateResponse{Name: "R1", State: int32(clusapi.ClusterResourceOfflinePending), OwnerNode: "n1", Group: "DemoGroup"}, nil
	}
	hCluster, _ := openDemo(t, f)
	if _, err := clusapi.OpenClusterResource(hCluster, "R9"); !errors.Is(err, clusapi.ERROR_RESOURCE_NOT_FOUND) {
		t.Errorf("OpenClusterResource(R9): %v", err)
	}
	hRes, err := clusapi.OpenClusterResource(hCluster, "R1")
	if err != nil {
		t.Fatal(err)
	}
	if e := clusapi.OfflineClusterResourceEx(hRes, 0x2, []byte{9}, 1); e != clusapi.ERROR_SUCCESS {
		t.Errorf("OfflineClusterResourceEx = %v", e)
	}
	if e := clusapi.OnlineClusterResource(hRes); e != clusapi.ERROR_CLUSTER_RESOURCE_LOCKED_STATUS {
		t.Errorf("OnlineClusterResource = %v", e)
	}
	mu.Lock()
	if gotOff.Resource.GetId() != "r-1" || gotOff.Flags != 0x2 || !bytes.Equal(gotOff.InBuffer, []byte{9}) || gotOff.InBufferSize != 1 {
		t.Errorf("offline sent %v", gotOff)
	}
	if gotOn.Resource.GetName() != "R1" || gotOn.Flags != 0 || gotOn.InBufferSize != 0 {
		t.Errorf("online sent %v", gotOn)
	}
	mu.Unlock()
	st, node, group, err := clusapi.GetClusterResourceState(hRes)
	if st != clusapi.ClusterResourceOfflinePending || node != "n1" || group != "DemoGroup" || err != nil {
		t.Errorf("GetClusterResourceState = %v %q %q %v", st, node, group, err)
	}
}

func TestOpenClusterUnreachable(t *testing.T) {
	h, err := clusapi.OpenCluster("unix://" + t.TempDir() + "/nobody.sock")
	if h != nil || !errors.Is(err, clusapi.RPC_S_SERVER_UNAVAILABLE) {
		t.Errorf("OpenCluster = %v, %v; want nil, RPC_S_SERVER_UNAVAILABLE", h, err)
	}
	h, err = clusapi.OpenCluster("ftp://example.com")
	if h != nil || !errors.Is(err, clusapi.ERROR_INVALID_PARAMETER) {
		t.Errorf("OpenCluster(ftp://) = %v, %v; want nil, ERROR_INVALID_PARAMETER", h, err)
	}
}

func TestOpenClusterDefaultAddress(t *testing.T) {
	f := &fake{}
	f.demoGroup()
	t.Setenv("BATON_ADDR", f.serveUnix(t))
	hCluster, err := clusapi.OpenCluster("")
	if err != nil {
		t.Fatal(err)
	}
	defer clusapi.CloseCluster(hCluster)
	if _, err := clusapi.OpenClusterGroup(hCluster, "DemoGroup"); err != nil {
		t.Fatal(err)
	}
}
