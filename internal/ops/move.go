package ops

import (
	"context"
	"slices"
	"time"

	"github.com/batoncluster/baton/clusapi"
	"github.com/batoncluster/baton/internal/placement"
	"github.com/batoncluster/baton/internal/store"
)

// PlacementView converts the database view into placement's input.
func PlacementView(v store.View, now time.Time) placement.View {
	pv := placement.View{Now: now}
	for _, n := range v.Nodes() {
		pv.Nodes = append(pv.Nodes, placement.Node{Name: n.Name, State: placement.NodeState(v.NodeState(n.Name)), Draining: n.Draining})
	}
	for _, g := range v.Groups() {
		pg := placement.Group{
			Name: g.Name, Owner: g.OwnerNode, Online: g.PersistentState == 1,
			Failed:          failsOver(v, g),
			PreferredOwners: g.PreferredOwners, Priority: g.Policy.Priority,
			AntiAffinity:      g.Policy.AntiAffinityClassNames,
			FailoverThreshold: g.Policy.FailoverThreshold, FailoverPeriodHours: g.Policy.FailoverPeriod,
			Failovers:           g.Failovers,
			AutoFailback:        g.Policy.AutoFailbackType == 1,
			FailbackWindowStart: g.Policy.FailbackWindowStart, FailbackWindowEnd: g.Policy.FailbackWindowEnd,
			RetryPeriodOnFailureMs: retryPeriod(v, g),
		}
		pv.Groups = append(pv.Groups, pg)
	}
	return pv
}

// failsOver reports whether the group is Failed because of a resource
// whose RestartAction (2) asks for the group to fail over.
func failsOver(v store.View, g *store.Group) bool {
	if v.GroupState(g) != clusapi.ClusterGroupFailed {
		return false
	}
	for _, r := range v.GroupResources(g) {
		if v.ResourceState(r.Name) == clusapi.ClusterResourceFailed && r.Common.RestartAction == 2 {
			return true
		}
	}
	return false
}

// retryPeriod is the shortest RetryPeriodOnFailure of the group's resources.
func retryPeriod(v store.View, g *store.Group) uint32 {
	p := uint32(placement.Infinite)
	for _, r := range v.GroupResources(g) {
		p = min(p, r.Common.RetryPeriodOnFailure)
	}
	return p
}

// MoveGroup is MoveClusterGroupEx: take the group offline on its owner,
// each Online resource given the input buffer, then bring it online on
// node ("" = the best node by placement). Flags (reference §1.2): 0x1
// ignore locked mode, 0x20 ignore anti-affinity; 0x2, 0x4, 0x8, 0x10 are
// accepted. Checks, in order: flags, buffer, group, destination, locked
// mode, state.
func (e *Engine) MoveGroup(ctx context.Context, ref GroupRef, node string, req Request) (Result, error) {
	return e.move(ctx, ref, node, req, false)
}

// MoveFailedGroup moves a group that failed on its owner (its restarts
// there exhausted) to node, counting it as a failover against the group's
// FailoverThreshold.
func (e *Engine) MoveFailedGroup(ctx context.Context, group, node string) (Result, error) {
	return e.move(ctx, GroupRef{Name: group}, node, Request{Caller: "controller", Flags: clusapi.CLUSAPI_GROUP_MOVE_IGNORE_RESOURCE_STATUS}, true)
}

func (e *Engine) move(ctx context.Context, ref GroupRef, node string, req Request, failover bool) (Result, error) {
	const call = "MoveClusterGroupEx"
	if err := checkFlags(call, req.Flags, clusapi.ValidGroupMoveFlags); err != nil {
		return Result{}, err
	}
	if _, err := checkBuffer(call, req.InBuffer, req.Size); err != nil {
		return Result{}, err
	}
	ignoreAffinity := req.Flags&clusapi.CLUSAPI_GROUP_MOVE_IGNORE_AFFINITY_RULE != 0
	var res Result
	_, err := e.st.Update(ctx, func(v store.View, t *store.Txn) error {
		res = Result{}
		g, err := LookupGroup(v, ref)
		if err != nil {
			return err
		}
		dest := node
		pv := PlacementView(v, e.now())
		if dest == "" {
			best, _, ok := placement.Best(pv, g.Name, ignoreAffinity)
			if !ok {
				return fail(clusapi.ERROR_CLUSTER_NODE_NOT_FOUND, "no other node can host group %q now", g.Name)
			}
			dest = best
		} else if v.Node(dest) == nil {
			return fail(clusapi.ERROR_CLUSTER_NODE_NOT_FOUND, "node %q not found", dest)
		}
		if dest == g.OwnerNode && g.MoveTo == "" {
			res.Status = clusapi.ERROR_SUCCESS // [MS-CMRP] 3.1.4.2.53: move to the owner
			return nil
		}
		switch v.NodeState(dest) {
		case clusapi.ClusterNodeDown:
			return fail(clusapi.ERROR_CLUSTER_NODE_DOWN, "node %q is down", dest)
		case clusapi.ClusterNodePaused:
			return fail(clusapi.ERROR_CLUSTER_NODE_PAUSED, "node %q is paused", dest)
		}
		if why, ok := placement.CanHost(pv, g.Name, dest, ignoreAffinity); !ok {
			return fail(clusapi.ERROR_NODE_CANT_HOST_RESOURCE, "node %q cannot host group %q now: %s", dest, g.Name, why)
		}
		resources := v.GroupResources(g)
		for _, r := range resources {
			t.Expect(store.StatusKey(r.Name), revOf(v.Status(r.Name)))
		}
		if req.Flags&clusapi.CLUSAPI_GROUP_MOVE_IGNORE_RESOURCE_STATUS == 0 {
			if r := lockedOnline(v, resources); r != nil {
				return errLocked(v, r)
			}
		}
		if g.MoveTo != "" {
			return fail(clusapi.ERROR_CLUSTER_GROUP_MOVING, "group %q is already moving to %s", g.Name, g.MoveTo)
		}
		if v.GroupState(g) == clusapi.ClusterGroupPending {
			return fail(clusapi.ERROR_INVALID_STATE, "group %q is pending: wait for the operation under way", g.Name)
		}
		kind := store.OpMoveGroup
		if failover {
			kind = store.OpFailover
		}
		op := e.newOp(kind, req)
		op.Group = g.Name
		ng := g.Clone()
		ng.LastOperation = op.ID
		if failover {
			now := e.now()
			ng.Failovers = append(recentFailovers(g.Failovers, now, g.Policy.FailoverPeriod), now)
		}
		// Nothing runs: the group changes hands at once, and comes online
		// there if it should be online.
		// A Failed resource may still run (an offline it refused): it is
		// terminated on the source before the group changes hands.
		var running []*store.Resource
		for _, r := range resources {
			switch v.ResourceState(r.Name) {
			case clusapi.ClusterResourceOnline, clusapi.ClusterResourceOnlinePending, clusapi.ClusterResourceFailed:
				running = append(running, r)
			}
		}
		if len(running) == 0 {
			ng.OwnerNode = dest
			starts := false
			for _, r := range movable(v, g) {
				if g.PersistentState == 1 {
					e.setPending(t, v, r.Name, pending{state: clusapi.ClusterResourceOnlinePending, op: op, persistent: keepPersistent})
					starts = true
				}
			}
			t.PutGroup(ng)
			if !starts {
				res.Status = clusapi.ERROR_SUCCESS
				return nil
			}
			t.PutOperation(op)
			res = Result{Status: clusapi.ERROR_IO_PENDING, OperationID: op.ID}
			return nil
		}
		ng.MoveTo, ng.MoveOp = dest, op.ID
		for _, r := range running {
			state := v.ResourceState(r.Name)
			e.setPending(t, v, r.Name, pending{state: clusapi.ClusterResourceOfflinePending, op: op,
				params: state == clusapi.ClusterResourceOnline, persistent: keepPersistent,
				terminate: state == clusapi.ClusterResourceFailed ||
					req.Flags&clusapi.CLUSAPI_GROUP_MOVE_IGNORE_RESOURCE_STATUS != 0 && v.Status(r.Name).Locked})
		}
		t.PutGroup(ng)
		t.PutOperation(op)
		res = Result{Status: clusapi.ERROR_IO_PENDING, OperationID: op.ID}
		return nil
	})
	if err != nil {
		return Result{}, err
	}
	return res, nil
}

// movable lists the resources a handover brings online on the new owner.
func movable(v store.View, g *store.Group) []*store.Resource {
	return slices.DeleteFunc(v.GroupResources(g), func(r *store.Resource) bool {
		st := v.Status(r.Name)
		return st == nil || st.Persistent != 1
	})
}
