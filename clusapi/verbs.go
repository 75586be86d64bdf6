package clusapi

import (
	"context"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
)

// FailClusterResource has the resource's node treat it as if its health
// check had failed ([MS-CMRP] ApiFailResource), for testing the failover
// policy: RestartAction, RestartThreshold and RestartPeriod decide whether
// it is restarted where it is or stays Failed and its group fails over,
// exactly as after a failed IsAlive. ERROR_SUCCESS once the request is
// recorded: the node acts on it just after.
//
// ERROR_INVALID_STATE if the resource is not Online. Deliberate
// difference: protocol version 3 also accepts OnlinePending and
// OfflinePending; baton accepts Online only, as version 2 did.
// ERROR_RESOURCE_NOT_AVAILABLE if the resource was deleted since the
// handle was opened; ERROR_ACCESS_DENIED for a caller with Read access.
func FailClusterResource(hResource HRESOURCE) Errno {
	return FailClusterResourceContext(context.Background(), hResource)
}

// FailClusterResourceContext is FailClusterResource bounded by ctx.
func FailClusterResourceContext(ctx context.Context, hResource HRESOURCE) Errno {
	h := (*resourceHandle)(hResource)
	if !h.valid() {
		return ERROR_INVALID_HANDLE
	}
	ctx, cancel := callCtx(ctx)
	defer cancel()
	_, err := unary(ctx, h.cluster.c, "FailClusterResource", h.cluster.c.conn.Verbs.FailResource, &batonv1.FailResourceRequest{
		Resource: h.ref.pb(),
	})
	return ErrnoOf(err)
}

// RestartClusterResource takes the resource offline and brings it back
// ([MS-CMRP] ApiRestartResource), its persistent state unchanged. As
// OfflineClusterResource does, it takes the resources that depend on it
// offline first, and every one of them that was Online comes back with it,
// providers first (as Windows restarts a resource's dependents with it).
// ERROR_SUCCESS once they are on their way back — the call waits for the
// offline, not for the online: poll GetClusterResourceState or wait for a
// notification. ERROR_RESOURCE_FAILED if the offline ended in Failed
// (nothing is brought back).
//
// dwFlags is reserved and must be 0: Windows ignores it, baton answers
// ERROR_INVALID_PARAMETER for anything else. ERROR_INVALID_STATE if the
// resource is not Online (baton's choice: there is nothing to restart, or
// an operation is under way); the locked-mode code of
// OfflineClusterResourceEx (5960); ERROR_RESOURCE_NOT_AVAILABLE if the
// resource was deleted since the handle was opened; ERROR_ACCESS_DENIED
// for a caller with Read access. The call waits for the offline for as
// long as its context allows: one abandoned before the offline finished
// (RPC_S_CALL_FAILED, or ERROR_IO_PENDING when the client sees its
// deadline first: the outcome is unknown to the caller) leaves the
// resources offline, their persistent state online, and nothing brings
// them back.
func RestartClusterResource(hResource HRESOURCE, dwFlags uint32) Errno {
	return RestartClusterResourceExContext(context.Background(), hResource, dwFlags, "")
}

// RestartClusterResourceEx is RestartClusterResource with a reason for the
// change. Deliberate difference: the reason is accepted and not recorded
// (baton's operation records have no place for one yet).
func RestartClusterResourceEx(hResource HRESOURCE, dwFlags uint32, lpszReason string) Errno {
	return RestartClusterResourceExContext(context.Background(), hResource, dwFlags, lpszReason)
}

// RestartClusterResourceExContext is RestartClusterResourceEx bounded by
// ctx: a context that ends before the offline finished leaves the
// resources offline (see RestartClusterResource).
func RestartClusterResourceExContext(ctx context.Context, hResource HRESOURCE, dwFlags uint32, lpszReason string) Errno {
	_ = lpszReason
	h := (*resourceHandle)(hResource)
	if !h.valid() {
		return ERROR_INVALID_HANDLE
	}
	ctx, cancel := callCtx(ctx)
	defer cancel()
	resp, err := unary(ctx, h.cluster.c, "RestartClusterResource", h.cluster.c.conn.Verbs.RestartResource, &batonv1.RestartResourceRequest{
		Resource: h.ref.pb(), Flags: dwFlags,
	})
	if err != nil {
		return ErrnoOf(err)
	}
	return Errno(resp.Status)
}

// CancelClusterGroupOperation cancels the move waiting in the group's
// queue (MoveClusterGroupEx with CLUSAPI_GROUP_MOVE_QUEUE_ENABLED,
// [MS-CMRP] ApiCancelClusterGroupOperation). The queued move had not
// touched the group, which stays where it is, in its persistent state;
// StatusInformation loses CLUSGRP_STATUS_WAITING_IN_QUEUE_FOR_MOVE and the
// move's operation ends failed ("cancelled"). ERROR_SUCCESS: the cancel is
// done when the call answers (the protocol's ERROR_IO_PENDING is for a
// server that cancels later; baton never does).
//
// ERROR_INVALID_PARAMETER for dwCancelFlags other than 0 (reserved);
// ERROR_INVALID_STATE when no move waits in the queue — in baton a move
// that has started, an online or an offline cannot be cancelled;
// ERROR_GROUP_NOT_AVAILABLE if the group was deleted since the handle was
// opened; ERROR_ACCESS_DENIED for a caller with Read access.
func CancelClusterGroupOperation(hGroup HGROUP, dwCancelFlags uint32) Errno {
	return CancelClusterGroupOperationContext(context.Background(), hGroup, dwCancelFlags)
}

// CancelClusterGroupOperationContext is CancelClusterGroupOperation
// bounded by ctx.
func CancelClusterGroupOperationContext(ctx context.Context, hGroup HGROUP, dwCancelFlags uint32) Errno {
	h := (*groupHandle)(hGroup)
	if !h.valid() {
		return ERROR_INVALID_HANDLE
	}
	ctx, cancel := callCtx(ctx)
	defer cancel()
	resp, err := unary(ctx, h.cluster.c, "CancelClusterGroupOperation", h.cluster.c.conn.Verbs.CancelGroupOperation, &batonv1.CancelGroupOperationRequest{
		Group: h.ref.pb(), Flags: dwCancelFlags,
	})
	if err != nil {
		return ErrnoOf(err)
	}
	return Errno(resp.Status)
}

// Fail has the node of the resource called name treat it as if its
// health check had failed (FailClusterResource): its restart policy
// decides what follows. It returns once the request is recorded; the
// resource's state (Resources.State) shows what the node did. A resource
// that is not Online answers ERROR_INVALID_STATE.
func (r Resources) Fail(ctx context.Context, name string) error {
	_, err := unary(ctx, r.c, "FailClusterResource", r.c.conn.Verbs.FailResource, &batonv1.FailResourceRequest{
		Resource: resourceRef{name: name}.pb(),
	})
	return err
}

// Restart takes the Online resource called name offline, with the
// resources that depend on it, and brings them back, their persistent
// state unchanged (RestartClusterResource; flags are reserved and must be
// 0). It returns once the offline is done and the resources are on their
// way back: the operation's Status is ERROR_SUCCESS, its ID that of the
// operation that brings them back ("" when something else already did),
// and its Wait waits for the resource to be Online. A resource that is
// not Online answers ERROR_INVALID_STATE; an offline that ended in Failed
// ERROR_RESOURCE_FAILED.
func (r Resources) Restart(ctx context.Context, name string, flags uint32) (*ResourceOperation, error) {
	ref := resourceRef{name: name}
	resp, err := unary(ctx, r.c, "RestartClusterResource", r.c.conn.Verbs.RestartResource, &batonv1.RestartResourceRequest{
		Resource: ref.pb(), Flags: flags,
	})
	if err != nil {
		return nil, err
	}
	return newResourceOperation(r.c, ref, ClusterResourceOnline, resp)
}

// CancelOperation cancels the move waiting in the queue of the group
// called name (CancelClusterGroupOperation; flags are reserved and must be
// 0) and returns the ID of the move's operation, which ends failed,
// marked cancelled. The group stays where it is. A group with no move
// waiting in its queue answers ERROR_INVALID_STATE.
func (g Groups) CancelOperation(ctx context.Context, name string, flags uint32) (operationID string, err error) {
	resp, err := unary(ctx, g.c, "CancelClusterGroupOperation", g.c.conn.Verbs.CancelGroupOperation, &batonv1.CancelGroupOperationRequest{
		Group: groupRef{name: name}.pb(), Flags: flags,
	})
	if err != nil {
		return "", err
	}
	if st := Errno(resp.GetStatus()); st != ERROR_SUCCESS {
		return "", &APIError{Code: st}
	}
	return resp.GetOperationId(), nil
}
