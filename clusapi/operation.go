package clusapi

import (
	"context"
	"fmt"
	"time"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
)

// Polling of Wait: the first state read is at once, then the interval
// doubles from pollMin up to pollMax. An offline of a few dummy resources
// takes milliseconds, so the first reads come fast; a long one costs one
// small call per pollMax.
const (
	pollMin = 2 * time.Millisecond
	pollMax = 20 * time.Millisecond
)

// Operation is an accepted group state change (Groups.Online,
// Groups.Offline): the clusapi answer, and a way to wait for the outcome.
type Operation struct {
	// Status is ERROR_SUCCESS when there was nothing to do (the group was
	// in the state asked for already), or ERROR_IO_PENDING when the cluster
	// is working on it.
	Status Errno
	// ID identifies the operation's record (see Client.Operation); it is
	// "" when nothing was recorded.
	ID string
	// Group is the name of the group.
	Group string

	c    *Client
	ref  groupRef
	want ClusterGroupState
}

func newOperation(c *Client, ref groupRef, want ClusterGroupState, r *batonv1.OperationResult) (*Operation, error) {
	st := Errno(r.GetStatus())
	if st != ERROR_SUCCESS && st != ERROR_IO_PENDING {
		return nil, statusError(st, r.GetStatusName())
	}
	return &Operation{Status: st, ID: r.GetOperationId(), Group: ref.name, c: c, ref: ref, want: want}, nil
}

// Wait waits until the group is no longer Pending and returns the state
// it settled in. The error is nil if that is the state the operation asked
// for (Offline for an offline, Online for an online; a group without
// resources is always Offline and satisfies both), a *GroupStateError
// carrying the state otherwise, or the error of reading the state (the
// context's error if ctx ends first).
func (op *Operation) Wait(ctx context.Context) (ClusterGroupState, error) {
	return op.WaitProgress(ctx, nil)
}

// WaitProgress is Wait, calling progress with the group's status first
// and then each time it changes, for callers that show how many resources
// are offline so far. progress is called from the calling goroutine.
func (op *Operation) WaitProgress(ctx context.Context, progress func(GroupStatus)) (ClusterGroupState, error) {
	var last GroupStatus
	first := true
	interval := pollMin
	for {
		st, err := op.c.groupState(ctx, op.ref)
		if err != nil {
			return ClusterGroupStateUnknown, err
		}
		if progress != nil && (first || st != last) {
			progress(st)
		}
		first, last = false, st
		if st.State != ClusterGroupPending {
			if st.State == op.want || st.ResourcesTotal == 0 {
				return st.State, nil
			}
			return st.State, &GroupStateError{Group: op.Group, Want: op.want, Got: st.State, Code: groupOutcome(op.want, st.State)}
		}
		if err := sleep(ctx, interval); err != nil {
			return ClusterGroupStateUnknown, fmt.Errorf("clusapi: waiting for group %q: %w", op.Group, err)
		}
		interval = min(2*interval, pollMax)
	}
}

// statusError is the error of a call answered with a status other than
// ERROR_SUCCESS and ERROR_IO_PENDING (an offline of a Failed resource:
// ERROR_RESOURCE_FAILED); name, the status's name, is not repeated as
// its message.
func statusError(st Errno, name string) *APIError {
	if name == st.String() {
		name = ""
	}
	return &APIError{Code: st, Message: name}
}

func groupOutcome(want, got ClusterGroupState) Errno {
	switch {
	case got == ClusterGroupFailed:
		return ERROR_RESOURCE_FAILED
	case want == ClusterGroupOnline:
		return ERROR_GROUP_NOT_ONLINE
	default:
		return ERROR_INVALID_STATE
	}
}

// ResourceOperation is an accepted resource state change
// (Resources.Online, Resources.Offline).
type ResourceOperation struct {
	// Status is ERROR_SUCCESS or ERROR_IO_PENDING, as for Operation.
	Status Errno
	// ID identifies the operation's record; "" when nothing was recorded.
	ID string
	// Resource is the name of the resource.
	Resource string

	c    *Client
	ref  resourceRef
	want ClusterResourceState
}

func newResourceOperation(c *Client, ref resourceRef, want ClusterResourceState, r *batonv1.OperationResult) (*ResourceOperation, error) {
	st := Errno(r.GetStatus())
	if st != ERROR_SUCCESS && st != ERROR_IO_PENDING {
		return nil, statusError(st, r.GetStatusName())
	}
	return &ResourceOperation{Status: st, ID: r.GetOperationId(), Resource: ref.name, c: c, ref: ref, want: want}, nil
}

// Wait waits until the resource is no longer in a pending state and
// returns the state it settled in; the error is nil if that is the state
// asked for (Online or Offline), a *ResourceStateError otherwise.
func (op *ResourceOperation) Wait(ctx context.Context) (ClusterResourceState, error) {
	return op.WaitProgress(ctx, nil)
}

// WaitProgress is Wait, calling progress with the resource's status first
// and then each time it changes.
func (op *ResourceOperation) WaitProgress(ctx context.Context, progress func(ResourceStatus)) (ClusterResourceState, error) {
	var last ResourceStatus
	first := true
	interval := pollMin
	for {
		st, err := op.c.resourceState(ctx, op.ref)
		if err != nil {
			return ClusterResourceStateUnknown, err
		}
		if progress != nil && (first || st != last) {
			progress(st)
		}
		first, last = false, st
		if !st.State.IsPending() {
			if st.State == op.want {
				return st.State, nil
			}
			return st.State, &ResourceStateError{Resource: op.Resource, Want: op.want, Got: st.State, Code: resourceOutcome(op.want, st.State)}
		}
		if err := sleep(ctx, interval); err != nil {
			return ClusterResourceStateUnknown, fmt.Errorf("clusapi: waiting for resource %q: %w", op.Resource, err)
		}
		interval = min(2*interval, pollMax)
	}
}

func resourceOutcome(want, got ClusterResourceState) Errno {
	switch {
	case got == ClusterResourceFailed:
		return ERROR_RESOURCE_FAILED
	case want == ClusterResourceOnline:
		return ERROR_RESOURCE_NOT_ONLINE
	default:
		return ERROR_INVALID_STATE
	}
}

// sleep waits for d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
