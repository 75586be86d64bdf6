package ops

import (
	"context"
	"slices"
	"time"

	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/placement"
	"github.com/batoncluster/baton/internal/store"
)

// PlacementView converts the database view into placement's input.
//
// In a decision (a move's destination) the nodes and the groups are
// compared — which node is up, paused or draining, and where each group
// is, with its policy, decide where a group may go — but not what the
// failure facts of each group read (failsOver, lastFailedAt,
// retryPeriod): every status and resource record of the cluster. Those
// are the controller's plan's, made outside any transaction; to a move
// they are advice about other groups (the moved group's own statuses it
// reads and compares itself), and comparing them would make every move
// conflict with every change of state anywhere.
func PlacementView(v store.View, now time.Time) placement.View {
	pv := placement.View{Now: now}
	if c := v.Cluster(); c != nil {
		pv.FormingUntil = c.FormingUntil
	}
	for _, n := range v.Nodes() {
		pv.Nodes = append(pv.Nodes, placement.Node{Name: n.Name, State: placement.NodeState(v.NodeState(n.Name)), Draining: n.Draining, DrainTarget: n.DrainTarget,
			DrainStayed: n.DrainStayed, DrainRetry: n.DrainFlags&wsfc.CLUSAPI_NODE_PAUSE_RETRY_DRAIN_ON_FAILURE != 0})
	}
	facts := v.Unrecorded()
	for _, g := range v.Groups() {
		pg := placement.Group{
			Name: g.Name, Owner: g.OwnerNode, Online: g.PersistentState == 1,
			Failed:          failsOver(facts, g),
			PreferredOwners: g.PreferredOwners, Priority: g.Policy.Priority,
			AntiAffinity:      g.Policy.AntiAffinityClassNames,
			FailoverThreshold: g.Policy.FailoverThreshold, FailoverPeriodHours: g.Policy.FailoverPeriod,
			Failovers:           g.Failovers,
			AutoFailback:        g.Policy.AutoFailbackType == 1,
			FailbackWindowStart: g.Policy.FailbackWindowStart, FailbackWindowEnd: g.Policy.FailbackWindowEnd,
			LastFailedAt:           lastFailedAt(facts, g),
			RetryPeriodOnFailureMs: retryPeriod(facts, g),
			// Unrecorded: where to prefer is advice (the host enforces
			// possible owners), and a big group's resources would fill
			// the transaction's compares.
			PossibleOwners: groupPossibleOwners(facts, g),
		}
		pv.Groups = append(pv.Groups, pg)
	}
	return pv
}

// failsOver reports whether the group is Failed because of a resource
// whose RestartAction (2) asks for the group to fail over.
func failsOver(v store.View, g *store.Group) bool {
	if v.GroupState(g) != wsfc.ClusterGroupFailed {
		return false
	}
	for _, r := range v.GroupResources(g) {
		if v.ResourceState(r.Name) == wsfc.ClusterResourceFailed && r.Common.RestartAction == 2 {
			return true
		}
	}
	return false
}

// retryPeriod is the shortest RetryPeriodOnFailure of the group's Failed
// resources (the ones a retry brings online again); of all its resources
// when none has failed.
func retryPeriod(v store.View, g *store.Group) uint32 {
	all, failed := uint32(placement.Infinite), uint32(placement.Infinite)
	anyFailed := false
	for _, r := range v.GroupResources(g) {
		all = min(all, r.Common.RetryPeriodOnFailure)
		if v.ResourceState(r.Name) == wsfc.ClusterResourceFailed {
			failed, anyFailed = min(failed, r.Common.RetryPeriodOnFailure), true
		}
	}
	if anyFailed {
		return failed
	}
	return all
}

// lastFailedAt is when the controller recorded that the group's failover
// failed (Group.LastFailedAt), if that record is of the failure the group
// is in now; else zero (the failure is not recorded yet).
func lastFailedAt(v store.View, g *store.Group) time.Time {
	if g.LastFailedAt.IsZero() || g.LastFailedSeq != FailureSeq(v, g) {
		return time.Time{}
	}
	return g.LastFailedAt
}

// FailureSeq sums the state sequences of the group's resources. Every
// state change of one of them makes it grow, so it tells the failure a
// Group.LastFailedAt was recorded for from any later one.
func FailureSeq(v store.View, g *store.Group) uint64 {
	var sum uint64
	for _, name := range v.GroupResourceNames(g) {
		if st := v.Status(name); st != nil {
			sum += st.Seq
		}
	}
	return sum
}

// MoveGroup is MoveClusterGroupEx: take the group offline on its owner,
// each Online resource given the input buffer, then bring it online on
// node ("" = the best node by placement). Checks, in order: flags, buffer,
// group, destination, locked mode, state; without flag 0x4 the first that
// fails answers and nothing changes. The flags (reference §1.2; what each
// does here is in docs/moves.md):
//
//   - 0x1 ignore locked mode: locked resources are terminated on the source.
//   - 0x2 return to the source: if a resource fails on the destination
//     before the group is Online there, the controller takes the group back
//     to its source (RecoverFailedMove) and the move ends failed with
//     ERROR_RESOURCE_FAILED.
//   - 0x4 queue: when only policy blocks the move now — the destination is
//     paused or draining, it hosts an anti-affined group, no node can take
//     the group, or the group is moving or pending — the call answers
//     ERROR_IO_PENDING, the group's StatusInformation gets
//     CLUSGRP_STATUS_WAITING_IN_QUEUE_FOR_MOVE, and the controller tries the
//     move again as the cluster changes (RetryQueuedMove). A Down or unknown
//     destination and locked mode are still refused at once.
//   - 0x8 high-priority start: recorded with the operation and handed to
//     the resource types' Online; queued moves with it are tried first.
//     Nothing in the host delays a start, so there is no ordering to skip.
//   - 0x10 failback: if a resource fails on the destination, the group goes
//     to its first preferred owner that can take it, else to its source.
//   - 0x20 ignore anti-affinity.
func (e *Engine) MoveGroup(ctx context.Context, ref GroupRef, node string, req Request) (Result, error) {
	return e.move(ctx, ref, node, req, false)
}

// MoveFailedGroup moves a group that failed on its owner (its restarts
// there exhausted) to node, counting it as a failover against the group's
// FailoverThreshold. A group that failed on the destination of a move with
// flag 0x2 or 0x10 is refused with ERROR_CLUSTER_GROUP_MOVING until that
// move has taken it back (RecoverFailedMove): the caller asked for that
// instead of the failover policy.
func (e *Engine) MoveFailedGroup(ctx context.Context, group, node string) (Result, error) {
	return e.move(ctx, GroupRef{Name: group}, node, Request{Caller: "controller", Flags: wsfc.CLUSAPI_GROUP_MOVE_IGNORE_RESOURCE_STATUS}, true)
}

func (e *Engine) move(ctx context.Context, ref GroupRef, node string, req Request, failover bool) (Result, error) {
	const call = "MoveClusterGroupEx"
	if err := checkFlags(call, req.Flags, wsfc.ValidGroupMoveFlags); err != nil {
		return Result{}, err
	}
	if _, err := checkBuffer(call, req.InBuffer, req.Size); err != nil {
		return Result{}, err
	}
	return e.groupChange(ctx, ref.Name, func(v store.View, t *store.Txn, sp *split) (Result, error) {
		g, err := LookupGroup(v, ref)
		if err != nil {
			return Result{}, err
		}
		if failover {
			if m := failedMove(sp.bulk(v), g); m != nil {
				return Result{}, fail(wsfc.ERROR_CLUSTER_GROUP_MOVING, "group %q failed on %s after a move with flags 0x%x: that move takes it back, not the failover policy", g.Name, g.OwnerNode, m.Flags)
			}
		}
		res, _, err := e.decideMove(v, t, g, moveCall{node: node, req: req, failover: failover}, sp)
		return res, err
	})
}

// moveCall is one move to decide: a client's call, a move of the
// controller's, or a queued move tried again.
type moveCall struct {
	node     string // the destination asked for; "" for the best node
	req      Request
	failover bool             // a failed group moved by policy: counts against FailoverThreshold
	queued   *store.Operation // the queued move's record, when it is tried again
}

// decideMove runs a move's checks against v and records what they decide
// in t; queued says the move waits in the group's queue; sp is not nil
// when the move is the head of a split change (split.go). An *Error return
// means the move is refused and t holds no write.
// With flag 0x4 a check that only policy fails (a block) does not answer
// at once: the checks go on so that a real failure still answers, and if
// there is none the move waits in the group's queue behind the first block.
func (e *Engine) decideMove(v store.View, t *store.Txn, g *store.Group, c moveCall, sp *split) (res Result, queued bool, err error) {
	queue := c.req.Flags&wsfc.CLUSAPI_GROUP_MOVE_QUEUE_ENABLED != 0 && !c.failover
	ignoreAffinity := c.req.Flags&wsfc.CLUSAPI_GROUP_MOVE_IGNORE_AFFINITY_RULE != 0
	var block *Error
	blockedBy := func(err error) error {
		if !queue {
			return err
		}
		if block == nil {
			block = err.(*Error)
		}
		return nil
	}

	dest := c.node
	pv := PlacementView(v, e.now())
	if dest == "" {
		best, _, ok := placement.Best(pv, g.Name, ignoreAffinity)
		switch {
		case ok:
			dest = best
		case !othersAlive(v, g.OwnerNode):
			return Result{}, false, fail(wsfc.ERROR_CLUSTER_NODE_NOT_FOUND, "no other node can host group %q now: no other node is up", g.Name)
		default:
			if err := blockedBy(fail(wsfc.ERROR_CLUSTER_NODE_NOT_FOUND, "no other node can host group %q now", g.Name)); err != nil {
				return Result{}, false, err
			}
		}
	} else if v.Node(dest) == nil {
		return Result{}, false, fail(wsfc.ERROR_CLUSTER_NODE_NOT_FOUND, "node %q not found", dest)
	}
	if dest != "" && dest == g.OwnerNode && g.MoveTo == "" {
		// [MS-CMRP] 3.1.4.2.53: a move to the owner succeeds with nothing
		// to do; it still takes the place of a move waiting in the queue.
		e.settled(v, t, g, c.queued)
		return Result{Status: wsfc.ERROR_SUCCESS}, false, nil
	}
	if dest != "" {
		switch v.NodeState(dest) {
		case wsfc.ClusterNodeDown:
			// Never queued: the reference rejects a Down destination at once.
			return Result{}, false, fail(wsfc.ERROR_CLUSTER_NODE_DOWN, "node %q is down", dest)
		case wsfc.ClusterNodePaused:
			if err := blockedBy(fail(wsfc.ERROR_CLUSTER_NODE_PAUSED, "node %q is paused", dest)); err != nil {
				return Result{}, false, err
			}
		default:
			if why, ok := placement.CanHost(pv, g.Name, dest, ignoreAffinity); !ok {
				if err := blockedBy(fail(wsfc.ERROR_NODE_CANT_HOST_RESOURCE, "node %q cannot host group %q now: %s", dest, g.Name, why)); err != nil {
					return Result{}, false, err
				}
			}
		}
	}
	bulk := sp.bulk(v)
	resources := bulk.GroupResources(g)
	if c.req.Flags&wsfc.CLUSAPI_GROUP_MOVE_IGNORE_RESOURCE_STATUS == 0 {
		if r := lockedOnline(bulk, resources); r != nil {
			return Result{}, false, errLocked(bulk, r)
		}
	}
	if g.MoveTo != "" {
		if err := blockedBy(fail(wsfc.ERROR_CLUSTER_GROUP_MOVING, "group %q is already moving to %s", g.Name, g.MoveTo)); err != nil {
			return Result{}, false, err
		}
	}
	if bulk.GroupState(g) == wsfc.ClusterGroupPending {
		if err := blockedBy(fail(wsfc.ERROR_INVALID_STATE, "group %q is pending: wait for the operation under way", g.Name)); err != nil {
			return Result{}, false, err
		}
	}
	if block != nil {
		return e.enqueue(v, t, g, c, block), true, nil
	}

	op := c.queued
	if op == nil {
		kind := store.OpMoveGroup
		if c.failover {
			kind = store.OpFailover
		}
		op = e.newOp(kind, c.req)
		op.Group = g.Name
	} else {
		cp := *op
		op = &cp
	}
	op.From, op.To = g.OwnerNode, dest
	ng := g.Clone()
	e.dequeue(v, t, ng, op.ID)
	if c.failover {
		now := e.now()
		ng.Failovers = append(recentFailovers(g.Failovers, now, g.Policy.FailoverPeriod), now)
	}
	if e.beginMove(v, t, g, ng, op, dest, c.req.Flags, sp) {
		t.PutOperation(op)
		return Result{Status: wsfc.ERROR_IO_PENDING, OperationID: op.ID}, false, nil
	}
	// Nothing to bring online: the group changed hands at once. A queued
	// move answered 997 when it was queued, so its record says how it ended.
	if c.queued != nil {
		op.Finished, op.Outcome = e.now(), "succeeded"
		t.PutOperation(op)
	}
	return Result{Status: wsfc.ERROR_SUCCESS}, false, nil
}

// beginMove records in t the move of g (written as ng, to which it adds the
// move) to dest, driven by op. Resources that run on the owner go
// OfflinePending — each Online one given op's input buffer, Failed ones
// (and, with flag 0x1, locked ones) terminated — and the owner's host hands
// the group over once they are offline (host/handover.go). If nothing runs,
// the group changes hands at once and the resources to be online go
// OnlinePending there. It reports whether op drives anything (and so must
// be recorded); the caller writes op. sp is not nil when the move is the
// head of a split change: it changes the first chunk of resources and
// leaves the rest to the tail.
func (e *Engine) beginMove(v store.View, t *store.Txn, g, ng *store.Group, op *store.Operation, dest string, flags uint32, sp *split) bool {
	bulk := sp.bulk(v)
	ng.LastOperation = op.ID
	var running []*store.Resource
	for _, r := range bulk.GroupResources(g) {
		switch bulk.ResourceState(r.Name) {
		case wsfc.ClusterResourceOnline, wsfc.ClusterResourceOnlinePending, wsfc.ClusterResourceFailed:
			// A Failed resource may still run (an offline it refused):
			// it is terminated before the group changes hands.
			running = append(running, r)
		}
	}
	if len(running) == 0 {
		ng.OwnerNode, ng.MoveTo, ng.MoveOp = dest, "", ""
		starts := false
		if g.PersistentState == 1 {
			rule := e.onlineRule(op, func(g *store.Group) bool {
				return g.LastOperation == op.ID && g.MoveTo == "" && g.OwnerNode == dest
			}, false)
			todo := movable(bulk, g)
			for _, name := range sp.take(inOrder(todo, true), rule) {
				e.setPending(t, v, name, pending{state: wsfc.ClusterResourceOnlinePending, op: op, persistent: keepPersistent})
			}
			starts = len(todo) > 0
		}
		if !starts {
			ng.LastOperation = g.LastOperation // no record is written for op
		}
		sp.writing(ng, op.ID)
		t.PutGroup(ng)
		return starts
	}
	ng.MoveTo, ng.MoveOp = dest, op.ID
	terminateLocked := flags&wsfc.CLUSAPI_GROUP_MOVE_IGNORE_RESOURCE_STATUS != 0
	rule := e.offlineRule(op, func(g *store.Group) bool { return g.MoveOp == op.ID }, true, terminateLocked)
	for _, name := range sp.take(inOrder(running, false), rule) {
		st := v.Status(name)
		state := wsfc.ClusterResourceState(stateOf(st))
		e.setPending(t, v, name, pending{state: wsfc.ClusterResourceOfflinePending, op: op,
			params: state == wsfc.ClusterResourceOnline, persistent: keepPersistent,
			terminate: state == wsfc.ClusterResourceFailed || terminateLocked && st != nil && st.Locked})
	}
	sp.writing(ng, op.ID)
	t.PutGroup(ng)
	return true
}

// othersAlive reports whether a node other than owner is Up or Paused: one
// that could take the group once policy lets it.
func othersAlive(v store.View, owner string) bool {
	for _, n := range v.Nodes() {
		if n.Name != owner && v.NodeState(n.Name) != wsfc.ClusterNodeDown {
			return true
		}
	}
	return false
}

// movable lists the resources a handover brings online on the new owner.
func movable(v store.View, g *store.Group) []*store.Resource {
	return slices.DeleteFunc(v.GroupResources(g), func(r *store.Resource) bool {
		st := v.Status(r.Name)
		return st == nil || st.Persistent != 1
	})
}
