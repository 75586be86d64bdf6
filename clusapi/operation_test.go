package clusapi_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
	"github.com/batoncluster/baton/clusapi"
)

// scriptedGroup makes the fake answer OfflineGroup and OnlineGroup with
// status, and GetGroupState with the states in turn (the last one
// repeats).
func scriptedGroup(f *fake, status clusapi.Errno, states ...*batonv1.GetGroupStateResponse) {
	var mu sync.Mutex
	f.offlineGroup = func(*batonv1.OfflineGroupRequest) (*batonv1.OperationResult, error) {
		return &batonv1.OperationResult{Status: uint32(status), OperationId: "op-1"}, nil
	}
	f.onlineGroup = func(*batonv1.OnlineGroupRequest) (*batonv1.OperationResult, error) {
		return &batonv1.OperationResult{Status: uint32(status), OperationId: "op-2"}, nil
	}
	f.getGroupState = func(*batonv1.GetGroupStateRequest) (*batonv1.GetGroupStateResponse, error) {
		mu.Lock()
		defer mu.Unlock()
		s := states[0]
		if len(states) > 1 {
			states = states[1:]
		}
		return s, nil
	}
}

func gs(state clusapi.ClusterGroupState, online, offline int) *batonv1.GetGroupStateResponse {
	return &batonv1.GetGroupStateResponse{
		Name: "G", State: int32(state), OwnerNode: "n1",
		ResourcesTotal: 3, ResourcesOnline: uint32(online), ResourcesOffline: uint32(offline),
	}
}

func TestWaitOffline(t *testing.T) {
	f := &fake{}
	scriptedGroup(f, clusapi.ERROR_IO_PENDING,
		gs(clusapi.ClusterGroupPending, 2, 1),
		gs(clusapi.ClusterGroupPending, 2, 1),
		gs(clusapi.ClusterGroupPending, 1, 2),
		gs(clusapi.ClusterGroupOffline, 0, 3))
	c := newClient(t, f.serve(t))
	ctx := context.Background()
	op, err := c.Groups().Offline(ctx, "G", clusapi.OfflineOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if op.Status != clusapi.ERROR_IO_PENDING || op.ID != "op-1" {
		t.Fatalf("op = %+v", op)
	}
	var seen []int
	state, err := op.WaitProgress(ctx, func(s clusapi.GroupStatus) {
		if s.Name != "G" || s.OwnerNode != "n1" || s.ResourcesTotal != 3 {
			t.Errorf("progress %+v", s)
		}
		seen = append(seen, s.ResourcesOffline)
	})
	if state != clusapi.ClusterGroupOffline || err != nil {
		t.Fatalf("WaitProgress = %v, %v", state, err)
	}
	// Called first and on every change, not on every poll.
	if want := []int{1, 2, 3}; !slices.Equal(seen, want) {
		t.Errorf("progress saw offline counts %v, want %v", seen, want)
	}
}

func TestWaitWrongEndState(t *testing.T) {
	tests := []struct {
		name    string
		online  bool
		end     clusapi.ClusterGroupState
		want    clusapi.ClusterGroupState
		wantErr clusapi.Errno
	}{
		{"offline failed", false, clusapi.ClusterGroupFailed, clusapi.ClusterGroupOffline, clusapi.ERROR_RESOURCE_FAILED},
		{"offline superseded", false, clusapi.ClusterGroupOnline, clusapi.ClusterGroupOffline, clusapi.ERROR_INVALID_STATE},
		{"online failed", true, clusapi.ClusterGroupFailed, clusapi.ClusterGroupOnline, clusapi.ERROR_RESOURCE_FAILED},
		{"online partial", true, clusapi.ClusterGroupPartialOnline, clusapi.ClusterGroupOnline, clusapi.ERROR_GROUP_NOT_ONLINE},
		{"online superseded", true, clusapi.ClusterGroupOffline, clusapi.ClusterGroupOnline, clusapi.ERROR_GROUP_NOT_ONLINE},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fake{}
			scriptedGroup(f, clusapi.ERROR_IO_PENDING, gs(clusapi.ClusterGroupPending, 1, 1), gs(tt.end, 0, 0))
			c := newClient(t, f.serve(t))
			ctx := context.Background()
			var op *clusapi.Operation
			var err error
			if tt.online {
				op, err = c.Groups().Online(ctx, "G", clusapi.OnlineOptions{})
			} else {
				op, err = c.Groups().Offline(ctx, "G", clusapi.OfflineOptions{})
			}
			if err != nil {
				t.Fatal(err)
			}
			state, err := op.Wait(ctx)
			if state != tt.end {
				t.Errorf("Wait state = %v, want %v", state, tt.end)
			}
			var se *clusapi.GroupStateError
			if !errors.As(err, &se) {
				t.Fatalf("Wait err = %v, want *GroupStateError", err)
			}
			if se.Group != "G" || se.Want != tt.want || se.Got != tt.end || se.Code != tt.wantErr {
				t.Errorf("GroupStateError = %+v", se)
			}
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("errors.Is(err, %v) = false", tt.wantErr)
			}
		})
	}
}

func TestWaitSuccessAndEmptyGroup(t *testing.T) {
	f := &fake{}
	empty := &batonv1.GetGroupStateResponse{Name: "G", State: int32(clusapi.ClusterGroupOffline)}
	scriptedGroup(f, clusapi.ERROR_SUCCESS, empty)
	c := newClient(t, f.serve(t))
	op, err := c.Groups().Online(context.Background(), "G", clusapi.OnlineOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if op.Status != clusapi.ERROR_SUCCESS {
		t.Errorf("Status = %v", op.Status)
	}
	// A group without resources is Offline, and that is all an online can do.
	if state, err := op.Wait(context.Background()); state != clusapi.ClusterGroupOffline || err != nil {
		t.Errorf("Wait = %v, %v", state, err)
	}
}

func TestWaitContext(t *testing.T) {
	f := &fake{}
	scriptedGroup(f, clusapi.ERROR_IO_PENDING, gs(clusapi.ClusterGroupPending, 1, 2))
	c := newClient(t, f.serve(t))
	op, err := c.Groups().Offline(context.Background(), "G", clusapi.OfflineOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	state, err := op.Wait(ctx)
	if state != clusapi.ClusterGroupStateUnknown || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Wait = %v, %v; want Unknown, context.DeadlineExceeded", state, err)
	}
}

func TestWaitGroupDeleted(t *testing.T) {
	f := &fake{}
	scriptedGroup(f, clusapi.ERROR_IO_PENDING, gs(clusapi.ClusterGroupPending, 1, 2))
	f.getGroupState = func(*batonv1.GetGroupStateRequest) (*batonv1.GetGroupStateResponse, error) {
		return nil, reject(clusapi.ERROR_GROUP_NOT_FOUND, "gone")
	}
	c := newClient(t, f.serve(t))
	op, err := c.Groups().Offline(context.Background(), "G", clusapi.OfflineOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := op.Wait(context.Background()); !errors.Is(err, clusapi.ERROR_GROUP_NOT_FOUND) {
		t.Errorf("Wait = %v, want ERROR_GROUP_NOT_FOUND", err)
	}
}

func TestResourceWait(t *testing.T) {
	f := &fake{}
	var mu sync.Mutex
	states := []clusapi.ClusterResourceState{clusapi.ClusterResourceOnlinePending, clusapi.ClusterResourceOnlinePending, clusapi.ClusterResourceFailed}
	f.onlineRes = func(*batonv1.OnlineResourceRequest) (*batonv1.OperationResult, error) {
		return &batonv1.OperationResult{Status: 997, OperationId: "op-3"}, nil
	}
	f.offlineRes = func(*batonv1.OfflineResourceRequest) (*batonv1.OperationResult, error) {
		return &batonv1.OperationResult{Status: 0}, nil
	}
	f.resState = func(*batonv1.GetResourceStateRequest) (*batonv1.GetResourceStateResponse, error) {
		mu.Lock()
		defer mu.Unlock()
		s := states[0]
		if len(states) > 1 {
			states = states[1:]
		}
		return &batonv1.GetResourceStateResponse{Name: "R1", State: int32(s), OwnerNode: "n1", Group: "G"}, nil
	}
	c := newClient(t, f.serve(t))
	ctx := context.Background()
	op, err := c.Resources().Online(ctx, "R1", clusapi.ResourceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if op.Status != clusapi.ERROR_IO_PENDING || op.ID != "op-3" || op.Resource != "R1" {
		t.Errorf("op = %+v", op)
	}
	var seen []clusapi.ClusterResourceState
	state, err := op.WaitProgress(ctx, func(s clusapi.ResourceStatus) { seen = append(seen, s.State) })
	if state != clusapi.ClusterResourceFailed {
		t.Errorf("state = %v", state)
	}
	var se *clusapi.ResourceStateError
	if !errors.As(err, &se) || se.Want != clusapi.ClusterResourceOnline || se.Got != clusapi.ClusterResourceFailed || !errors.Is(err, clusapi.ERROR_RESOURCE_FAILED) {
		t.Errorf("err = %v", err)
	}
	if len(seen) != 2 || seen[0] != clusapi.ClusterResourceOnlinePending || seen[1] != clusapi.ClusterResourceFailed {
		t.Errorf("progress saw %v", seen)
	}

	mu.Lock()
	states = []clusapi.ClusterResourceState{clusapi.ClusterResourceOffline}
	mu.Unlock()
	op, err = c.Resources().Offline(ctx, "R1", clusapi.ResourceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if state, err := op.Wait(ctx); state != clusapi.ClusterResourceOffline || err != nil {
		t.Errorf("offline Wait = %v, %v", state, err)
	}
}
