package ops

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/placement"
	"github.com/batoncluster/baton/internal/store"
)

// What MoveClusterGroupEx leaves to the cluster after it answers: the
// queue of flag 0x4 (CLUSAPI_GROUP_MOVE_QUEUE_ENABLED) and the way back of
// flags 0x2 (CLUSAPI_GROUP_MOVE_RETURN_TO_SOURCE_NODE_ON_ERROR) and 0x10
// (CLUSAPI_GROUP_MOVE_FAILBACK). The state is all in the database — the
// group's QueuedMove and StatusInformation, the operation's From, To,
// Error, Detail and Recovery — so whichever node leads carries on where
// the last leader stopped; the controller calls RetryQueuedMove and
// RecoverFailedMove (internal/controller/queue.go). docs/moves.md has the
// whole story.

// MoveQueued reports whether a move waits in g's queue. A queued move
// lasts until it starts or ends, or until another operation recorded on
// the group (an online, an offline, a failover) takes its place; the
// controller then clears it, and readers do not wait for that.
func MoveQueued(g *store.Group) bool {
	return g.QueuedMove.Op != "" && g.QueuedMove.Op == g.LastOperation
}

// GroupStatusInformation is the group's StatusInformation
// (CLUSGRP_STATUS_* bits, reference §8.1): the bits recorded on it, with
// CLUSGRP_STATUS_WAITING_IN_QUEUE_FOR_MOVE (0x4) set exactly while a move
// waits in its queue (MoveQueued) and CLUSGRP_STATUS_LOCKED_MODE (0x1)
// while a resource of it that is online is in locked mode (reference §5:
// that is what makes the group locked).
func GroupStatusInformation(v store.View, g *store.Group) uint64 {
	bits := g.StatusInformation &^ (wsfc.CLUSGRP_STATUS_WAITING_IN_QUEUE_FOR_MOVE | wsfc.CLUSGRP_STATUS_LOCKED_MODE)
	if MoveQueued(g) {
		bits |= wsfc.CLUSGRP_STATUS_WAITING_IN_QUEUE_FOR_MOVE
	}
	if lockedOnline(v, v.GroupResources(g)) != nil {
		bits |= wsfc.CLUSGRP_STATUS_LOCKED_MODE
	}
	return bits
}

// enqueue records a move that policy blocks (flag 0x4): a new one gets an
// operation record and takes the place of any move already waiting; one
// tried again notes a blocker that changed. The answer is ERROR_IO_PENDING.
func (e *Engine) enqueue(v store.View, t *store.Txn, g *store.Group, c moveCall, block *Error) Result {
	ng := g.Clone()
	if op := c.queued; op != nil {
		if q := g.QueuedMove; q.Blocker != block.Msg || q.Code != uint32(block.Code) {
			ng.QueuedMove.Blocker, ng.QueuedMove.Code = block.Msg, uint32(block.Code)
			t.PutGroup(ng)
		}
		return Result{Status: wsfc.ERROR_IO_PENDING, OperationID: op.ID}
	}
	op := e.newOp(store.OpMoveGroup, c.req)
	op.Group, op.From = g.Name, g.OwnerNode
	e.dequeue(v, t, ng, "")
	ng.QueuedMove = store.QueuedMove{Op: op.ID, To: c.node, Blocker: block.Msg, Code: uint32(block.Code), Since: op.Created}
	ng.StatusInformation |= wsfc.CLUSGRP_STATUS_WAITING_IN_QUEUE_FOR_MOVE
	ng.LastOperation = op.ID
	t.PutGroup(ng)
	t.PutOperation(op)
	return Result{Status: wsfc.ERROR_IO_PENDING, OperationID: op.ID}
}

// dequeue clears ng's queued move and its StatusInformation bit. The
// queued operation, unless it is keep (which the caller writes), ends
// superseded: a later move took its place.
func (e *Engine) dequeue(v store.View, t *store.Txn, ng *store.Group, keep string) {
	q := ng.QueuedMove
	if q.Op == "" {
		return
	}
	ng.QueuedMove = store.QueuedMove{}
	ng.StatusInformation &^= wsfc.CLUSGRP_STATUS_WAITING_IN_QUEUE_FOR_MOVE
	if q.Op != keep {
		e.endOp(v, t, q.Op, "superseded", 0, "a later move of the group took its place")
	}
}

// settled records that a move found the group where it was to go: it
// takes the place of a move waiting in the queue, or, if it is that
// queued move tried again, ends it.
func (e *Engine) settled(v store.View, t *store.Txn, g *store.Group, queued *store.Operation) {
	if g.QueuedMove.Op == "" {
		return
	}
	keep := ""
	if queued != nil {
		keep = queued.ID
		e.endOp(v, t, queued.ID, "succeeded", 0, "the group is on "+g.OwnerNode+" already")
	}
	ng := g.Clone()
	e.dequeue(v, t, ng, keep)
	t.PutGroup(ng)
}

// endOp records how operation id ended, unless it has ended already.
func (e *Engine) endOp(v store.View, t *store.Txn, id, outcome string, code wsfc.Errno, detail string) {
	op := v.Operation(id)
	if op == nil || !op.Finished.IsZero() {
		return
	}
	n := *op
	n.Finished, n.Outcome, n.Error, n.Detail = e.now(), outcome, uint32(code), detail
	t.PutOperation(&n)
}

// QueuedMoveRef names a move waiting in a group's queue.
type QueuedMoveRef struct {
	Group, GroupID, Op string
}

// QueuedMoves lists the moves waiting in queues, in the order they are to
// be tried: those with CLUSAPI_GROUP_MOVE_HIGH_PRIORITY_START (0x8) first,
// then by group Priority (3000 first), then the longest waiting, then by
// name. When one node frees up, the first of these gets it.
func QueuedMoves(v store.View) []QueuedMoveRef {
	type entry struct {
		ref  QueuedMoveRef
		high bool
		g    *store.Group
	}
	var es []entry
	for _, g := range v.Groups() {
		q := g.QueuedMove
		if q.Op == "" {
			continue
		}
		op := v.Operation(q.Op)
		high := op != nil && op.Flags&wsfc.CLUSAPI_GROUP_MOVE_HIGH_PRIORITY_START != 0
		es = append(es, entry{QueuedMoveRef{g.Name, g.ID, q.Op}, high, g})
	}
	slices.SortFunc(es, func(a, b entry) int {
		if a.high != b.high {
			if a.high {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(b.g.Policy.Priority, a.g.Policy.Priority),
			a.g.QueuedMove.Since.Compare(b.g.QueuedMove.Since), strings.Compare(a.g.Name, b.g.Name))
	})
	out := make([]QueuedMoveRef, len(es))
	for i, e := range es {
		out[i] = e.ref
	}
	return out
}

// RetryQueuedMove tries the move waiting in group's queue again, with the
// checks and flags of the call that queued it. It starts (keeping its
// operation id, so the caller's handle still names it) once nothing blocks
// it; it ends, failed with the answer the call would get now, when a check
// that is not policy's fails (the destination went Down, a resource is
// locked); and it ends superseded when another operation was recorded on
// the group since it was queued. waiting reports whether it still waits.
func (e *Engine) RetryQueuedMove(ctx context.Context, group string) (waiting bool, err error) {
	waiting, _, err = store.Decide(ctx, e.st, func(v store.View, t *store.Txn) (bool, error) {
		g := v.Group(group)
		if g == nil || g.QueuedMove.Op == "" {
			return false, nil
		}
		q := g.QueuedMove
		op := v.Operation(q.Op)
		ng := g.Clone()
		switch {
		case op == nil || !op.Finished.IsZero():
			e.dequeue(v, t, ng, q.Op) // nothing left to run
			t.PutGroup(ng)
			return false, nil
		case g.LastOperation != q.Op:
			e.dequeue(v, t, ng, q.Op)
			e.endOp(v, t, q.Op, "superseded", 0, fmt.Sprintf("operation %s on the group took its place", g.LastOperation))
			t.PutGroup(ng)
			return false, nil
		}
		req := Request{Flags: op.Flags, InBuffer: op.InBuffer, Size: uint32(len(op.InBuffer)), Caller: op.Caller}
		_, queued, err := e.decideMove(v, t, g, moveCall{node: q.To, req: req, queued: op}, nil)
		var refused *Error
		if errors.As(err, &refused) {
			// A different failure: the move ends with it (t holds no write).
			e.dequeue(v, t, ng, q.Op)
			e.endOp(v, t, q.Op, "failed", refused.Code, refused.Msg)
			t.PutGroup(ng)
			return false, nil
		}
		return queued, err
	})
	return waiting, err
}

// OrphanedQueuedMoves lists the queued moves (unfinished MoveGroup
// operations with flag 0x4) whose group was deleted: it is gone, or it
// was made again and nothing of it refers to the operation. It reads every
// operation: the controller calls it when it takes the lead and when it
// sees a group go.
func OrphanedQueuedMoves(v store.View) []string {
	var out []string
	for _, op := range v.Operations() {
		if op.Kind == store.OpMoveGroup && op.Flags&wsfc.CLUSAPI_GROUP_MOVE_QUEUE_ENABLED != 0 &&
			op.Finished.IsZero() && !refersTo(v, v.Group(op.Group), op.ID) {
			out = append(out, op.ID)
		}
	}
	return out
}

// refersTo reports whether group g (nil: gone) still has anything to do
// with operation id: it waits in its queue, drives its move, is its last
// operation, or drives one of its resources.
func refersTo(v store.View, g *store.Group, id string) bool {
	if g == nil {
		return false
	}
	if g.QueuedMove.Op == id || g.MoveOp == id || g.LastOperation == id {
		return true
	}
	for _, name := range v.GroupResourceNames(g) {
		if st := v.Status(name); st != nil && st.OpID == id {
			return true
		}
	}
	return false
}

// EndDeletedGroupMoves ends the given queued moves, whose group was
// deleted while they waited, with ERROR_GROUP_NOT_AVAILABLE (the answer a
// call on a handle to a deleted group gets). Operations that ended already,
// or that a group refers to again, are left alone.
func (e *Engine) EndDeletedGroupMoves(ctx context.Context, ids []string) error {
	_, err := e.st.Update(ctx, func(v store.View, t *store.Txn) error {
		for _, id := range ids {
			op := v.Operation(id)
			if op == nil {
				continue
			}
			if refersTo(v, v.Group(op.Group), id) {
				continue
			}
			e.endOp(v, t, id, "failed", wsfc.ERROR_GROUP_NOT_AVAILABLE, fmt.Sprintf("group %q was deleted while the move waited in its queue", op.Group))
		}
		return nil
	})
	return err
}

// failedMove returns the move that left g Failed on its destination and
// asked, with flag 0x2 or 0x10, to be taken back — if it has not been yet.
// That is: g is not moving, one of its resources is Failed carrying the
// operation of a MoveGroup with either flag, that move's destination owns
// g, and the move neither succeeded (the group was Online there: a later
// failure is the failover policy's) nor was taken back already.
func failedMove(v store.View, g *store.Group) *store.Operation {
	if g.MoveTo != "" {
		return nil
	}
	for _, r := range v.GroupResources(g) {
		st := v.Status(r.Name)
		if st == nil || wsfc.ClusterResourceState(st.State) != wsfc.ClusterResourceFailed || st.OpID == "" {
			continue
		}
		op := v.Operation(st.OpID)
		if op == nil || op.Kind != store.OpMoveGroup || op.Recovery != "" || op.Outcome == "succeeded" ||
			op.Flags&(wsfc.CLUSAPI_GROUP_MOVE_RETURN_TO_SOURCE_NODE_ON_ERROR|wsfc.CLUSAPI_GROUP_MOVE_FAILBACK) == 0 ||
			op.To != g.OwnerNode || op.From == "" || op.From == op.To {
			continue
		}
		return op
	}
	return nil
}

// FailedMoves lists the groups that failed on the destination of a move
// with flag 0x2 or 0x10 and wait to be taken back (RecoverFailedMove).
func FailedMoves(v store.View) []string {
	var out []string
	for _, g := range v.Groups() {
		if failedMove(v, g) != nil {
			out = append(out, g.Name)
		}
	}
	return out
}

// RecoverFailedMove takes back a group that failed on the destination of
// a move with flag 0x2 or 0x10 (see failedMove; otherwise it does
// nothing). The move ends failed with ERROR_RESOURCE_FAILED — the answer
// the reference gives when resources do not reach their persistent state,
// and the one a synchronous online gets when a resource fails — and in the
// same transaction a new operation (ReturnToSource for 0x2, MoveFailback
// for 0x10) takes the group offline on the destination, terminating what
// failed, and online again on:
//
//   - 0x2: the source, if it is Up or Paused (it held the group before);
//   - 0x10 (or 0x2 whose source is Down): the first preferred owner, other
//     than the destination, that may take the group (Up, not draining, no
//     anti-affinity conflict unless the move had 0x20), else the source if
//     it is Up or Paused.
//
// If no node qualifies, the move ends failed all the same, its Recovery
// says "policy", and the failover policy takes over (MoveFailedGroup). The
// recovery is part of the client's move: it does not count against the
// group's FailoverThreshold, and it is not itself taken back if it fails.
func (e *Engine) RecoverFailedMove(ctx context.Context, group string) (Result, error) {
	return decide(ctx, e.st, func(v store.View, t *store.Txn) (Result, error) {
		g := v.Group(group)
		if g == nil {
			return Result{}, nil
		}
		m := failedMove(v, g)
		if m == nil {
			return Result{}, nil
		}
		failed := ""
		for _, r := range v.GroupResources(g) {
			if st := v.Status(r.Name); st != nil && st.OpID == m.ID && wsfc.ClusterResourceState(st.State) == wsfc.ClusterResourceFailed {
				failed = r.Name
				break
			}
		}
		n := *m
		if n.Finished.IsZero() {
			n.Finished = e.now()
		}
		n.Outcome, n.Error = "failed", uint32(wsfc.ERROR_RESOURCE_FAILED)
		dest, kind, why := e.recoveryTarget(v, g, m)
		if dest == "" {
			n.Recovery = store.RecoveryPolicy
			n.Detail = fmt.Sprintf("resource %q failed on %s; %s, so the failover policy decides where the group goes", failed, g.OwnerNode, why)
			t.PutOperation(&n)
			return Result{}, nil
		}
		reason := "return-to-source"
		if kind == store.OpMoveFailback {
			reason = "move-failback"
		}
		op := e.newOp(kind, Request{Caller: "controller:" + reason})
		op.Group, op.From, op.To = g.Name, g.OwnerNode, dest
		op.Detail = fmt.Sprintf("takes the group to %s after move %s failed on %s: resource %q failed there, and the move ended with %s",
			dest, m.ID, g.OwnerNode, failed, wsfc.ERROR_RESOURCE_FAILED)
		n.Recovery = op.ID
		n.Detail = fmt.Sprintf("resource %q failed on %s; operation %s (%s) takes the group to %s", failed, g.OwnerNode, op.ID, kind, dest)
		ng := g.Clone()
		e.dequeue(v, t, ng, "")
		if kind == store.OpReturnToSource {
			e.noteDrainStayed(v, t, m, g)
		}
		if !e.beginMove(v, t, g, ng, op, dest, 0, nil) {
			op.Finished, op.Outcome = e.now(), "succeeded"
		}
		t.PutOperation(&n)
		t.PutOperation(op)
		return Result{Status: wsfc.ERROR_IO_PENDING, OperationID: op.ID}, nil
	})
}

// recoveryTarget picks where a failed move m takes group g (see
// RecoverFailedMove); "" and why when no node qualifies.
func (e *Engine) recoveryTarget(v store.View, g *store.Group, m *store.Operation) (dest, kind, why string) {
	sourceOK := func() bool {
		switch v.NodeState(m.From) {
		case wsfc.ClusterNodeUp, wsfc.ClusterNodePaused:
			return m.From != g.OwnerNode
		}
		return false
	}
	var whys []string
	if m.Flags&wsfc.CLUSAPI_GROUP_MOVE_RETURN_TO_SOURCE_NODE_ON_ERROR != 0 {
		if sourceOK() {
			return m.From, store.OpReturnToSource, ""
		}
		whys = append(whys, fmt.Sprintf("its source %s is %s", m.From, v.NodeState(m.From)))
	}
	if m.Flags&wsfc.CLUSAPI_GROUP_MOVE_FAILBACK != 0 {
		pv := PlacementView(v, e.now())
		ignoreAffinity := m.Flags&wsfc.CLUSAPI_GROUP_MOVE_IGNORE_AFFINITY_RULE != 0
		for _, p := range g.PreferredOwners {
			if p == g.OwnerNode {
				continue
			}
			if _, ok := placement.CanHost(pv, g.Name, p, ignoreAffinity); ok {
				return p, store.OpMoveFailback, ""
			}
		}
		if sourceOK() {
			return m.From, store.OpMoveFailback, ""
		}
		whys = append(whys, fmt.Sprintf("no preferred owner can take it and its source %s is %s", m.From, v.NodeState(m.From)))
	}
	return "", "", strings.Join(whys, "; ")
}
