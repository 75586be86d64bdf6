package ops

import (
	"context"

	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/store"
)

// CancelGroupOperation is CancelClusterGroupOperation ([MS-CMRP]
// ApiCancelClusterGroupOperation): it cancels the move waiting in the
// group's queue (MoveClusterGroupEx with CLUSAPI_GROUP_MOVE_QUEUE_ENABLED).
// A queued move has not touched the group, which stays where it is, in
// its persistent state; the move's operation ends failed, with a detail
// that says it was cancelled and by whom. The cancel is done when the call
// answers: ERROR_SUCCESS, with the cancelled operation's id.
//
// Codes: ERROR_INVALID_PARAMETER for dwCancelFlags other than 0 (reserved);
// ERROR_INVALID_STATE when no move waits in the queue — the protocol's
// answer when the server is not retrying a queued move; a move that has
// started, an online or an offline cannot be cancelled in baton (the
// protocol leaves what is cancellable to the implementation);
// ERROR_GROUP_NOT_FOUND / ERROR_GROUP_NOT_AVAILABLE for a missing group.
func (e *Engine) CancelGroupOperation(ctx context.Context, ref GroupRef, flags uint32, caller string) (Result, error) {
	if flags != 0 {
		return Result{}, fail(wsfc.ERROR_INVALID_PARAMETER, "CancelClusterGroupOperation: dwCancelFlags %#x is reserved and must be 0", flags)
	}
	return decide(ctx, e.st, func(v store.View, t *store.Txn) (Result, error) {
		g, err := LookupGroup(v, ref)
		if err != nil {
			return Result{}, err
		}
		if !MoveQueued(g) {
			return Result{}, fail(wsfc.ERROR_INVALID_STATE, "group %q has no move waiting in its queue to cancel", g.Name)
		}
		id := g.QueuedMove.Op
		ng := g.Clone()
		e.dequeue(v, t, ng, id)
		detail := "cancelled (CancelClusterGroupOperation)"
		if caller != "" {
			detail += " by " + caller
		}
		e.endOp(v, t, id, "failed", 0, detail)
		t.PutGroup(ng)
		return Result{Status: wsfc.ERROR_SUCCESS, OperationID: id}, nil
	})
}
