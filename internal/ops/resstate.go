package ops

import (
	"context"

	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/store"
)

// OfflineResource is OfflineClusterResourceEx: flags 0x1 ignore locked mode
// (of the resource and its dependents), 0x2 terminate rather than wait, 0x4
// do not update the persistent state. The resource and every dependent that
// is Online go offline, dependents first, each given the input buffer — a
// dependent whose dependency expression another Online resource still
// satisfies ("[A] or [B]" with B Online) stays Online.
func (e *Engine) OfflineResource(ctx context.Context, ref ResourceRef, req Request) (Result, error) {
	const call = "OfflineClusterResourceEx"
	if err := checkFlags(call, req.Flags, wsfc.ValidResourceOfflineFlags); err != nil {
		return Result{}, err
	}
	if _, err := checkBuffer(call, req.InBuffer, req.Size); err != nil {
		return Result{}, err
	}
	res, err := decide(ctx, e.st, func(v store.View, t *store.Txn) (Result, error) {
		r, err := LookupResource(v, ref)
		if err != nil {
			return Result{}, err
		}
		// The dependents whose dependencies it leaves unsatisfied: all
		// of them, but for an "or" another Online resource still meets.
		affected := append([]*store.Resource{r}, offlineDependents(v, r)...)
		if req.Flags&wsfc.CLUSAPI_RESOURCE_OFFLINE_IGNORE_RESOURCE_STATUS == 0 {
			if l := lockedOnline(v, affected); l != nil {
				return Result{}, errLocked(v, l)
			}
		}
		persistent := 0
		if req.Flags&wsfc.CLUSAPI_RESOURCE_OFFLINE_DO_NOT_UPDATE_PERSISTENT_STATE != 0 {
			persistent = keepPersistent
		}
		st := v.Status(r.Name)
		switch s := v.ResourceState(r.Name); s {
		case wsfc.ClusterResourceOffline, wsfc.ClusterResourceFailed:
			if persistent == 0 && st != nil && st.Persistent != 0 {
				st = st.Clone()
				st.Persistent = 0
				t.PutStatus(st)
			}
			if s == wsfc.ClusterResourceFailed {
				// [MS-CMRP] ApiOfflineResource: persistent state recorded, but the call fails.
				return Result{Status: wsfc.ERROR_RESOURCE_FAILED}, nil
			}
			return Result{Status: wsfc.ERROR_SUCCESS}, nil
		case wsfc.ClusterResourceOnline:
		default:
			return Result{}, fail(wsfc.ERROR_INVALID_STATE, "resource %q is %s; wait for the operation under way", r.Name, s)
		}
		// A dependent coming online would be left out (only Online ones
		// go offline here) and, once online, hold this resource
		// OfflinePending for ever — a resource goes offline only after
		// its dependents (tests/chaos, seed 20261207, round 32). Wait for
		// it, as an online waits for a pending provider.
		for _, a := range affected[1:] {
			if s := v.ResourceState(a.Name); s == wsfc.ClusterResourceOnlinePending {
				return Result{}, fail(wsfc.ERROR_INVALID_STATE, "dependent %q of %q is %s; wait for the operation under way", a.Name, r.Name, s)
			}
		}
		op := e.newOp(store.OpOfflineResource, req)
		op.Group, op.Resource = r.Group, r.Name
		for _, a := range affected {
			if v.ResourceState(a.Name) != wsfc.ClusterResourceOnline {
				continue
			}
			e.setPending(t, v, a.Name, pending{state: wsfc.ClusterResourceOfflinePending, op: op, params: true,
				persistent: persistent, terminate: req.Flags&wsfc.CLUSAPI_RESOURCE_OFFLINE_FORCE_WITH_TERMINATION != 0})
		}
		t.PutOperation(op)
		return Result{Status: wsfc.ERROR_IO_PENDING, OperationID: op.ID}, nil
	})
	if err != nil {
		return Result{}, err
	}
	if res.Status == wsfc.ERROR_RESOURCE_FAILED {
		return Result{}, fail(wsfc.ERROR_RESOURCE_FAILED, "resource %q is failed; its persistent state is now offline", ref.Name)
	}
	return res, nil
}

// OnlineResource is OnlineClusterResourceEx: flags 0x1 ignore locked mode
// (of the resource and its providers), 0x2 do not update the persistent
// state, 0x4 necessary for quorum, 0x8 best possible node, 0x20 ignore
// affinity. The resource and every provider not yet Online come online,
// providers first, each given the input buffer.
//
//   - 0x4 is accepted and changes nothing: baton has no quorum resource
//     (the cluster database keeps its own quorum), so every online is one
//     quorum does not need.
//   - 0x8: when the resource's group is Offline, the group's owner becomes
//     the node placement would start the group on, as OnlineGroup's 0x4
//     does; otherwise the resource comes online where its group runs.
//   - Unless 0x20, an online on a node that runs another online group
//     sharing one of the group's AntiAffinityClassNames answers
//     ERROR_NODE_CANT_HOST_RESOURCE, as OnlineGroup does (the flag is
//     the header's leave to bypass that rule).
//
// Every refusal changes nothing.
func (e *Engine) OnlineResource(ctx context.Context, ref ResourceRef, req Request) (Result, error) {
	const call = "OnlineClusterResourceEx"
	if err := checkFlags(call, req.Flags, wsfc.ValidResourceOnlineFlags); err != nil {
		return Result{}, err
	}
	if _, err := checkBuffer(call, req.InBuffer, req.Size); err != nil {
		return Result{}, err
	}
	return decide(ctx, e.st, func(v store.View, t *store.Txn) (Result, error) {
		r, err := LookupResource(v, ref)
		if err != nil {
			return Result{}, err
		}
		affected := append([]*store.Resource{r}, providersClosure(v, r)...)
		if req.Flags&wsfc.CLUSAPI_RESOURCE_ONLINE_IGNORE_RESOURCE_STATUS == 0 {
			if l := lockedOnline(v, affected); l != nil {
				return Result{}, errLocked(v, l)
			}
		}
		g := v.Group(r.Group)
		if !g.Deleting.IsZero() {
			return Result{}, fail(wsfc.ERROR_RESOURCE_NOT_AVAILABLE, "resource %q: its group %q is being deleted", r.Name, g.Name)
		}
		ignoreAffinity := req.Flags&wsfc.CLUSAPI_RESOURCE_ONLINE_IGNORE_AFFINITY_RULE != 0
		owner := g.OwnerNode
		if req.Flags&wsfc.CLUSAPI_RESOURCE_ONLINE_BEST_POSSIBLE_NODE != 0 && g.MoveTo == "" && v.GroupState(g) == wsfc.ClusterGroupOffline {
			owner = e.startNode(v, g, ignoreAffinity)
		}
		if v.NodeState(owner) == wsfc.ClusterNodePaused {
			return Result{}, fail(wsfc.ERROR_SHARING_PAUSED, "node %q is paused", owner)
		}
		if g.MoveTo != "" {
			// Brought online on the source, the resource would hold the
			// handover up for ever — it waits for everything to be
			// offline — and its group half online (tests/chaos, seed
			// 20261208, round 94).
			return Result{}, fail(wsfc.ERROR_INVALID_STATE, "group %q is moving to %q; wait for the move", g.Name, g.MoveTo)
		}
		persistent := 1
		if req.Flags&wsfc.CLUSAPI_RESOURCE_ONLINE_DO_NOT_UPDATE_PERSISTENT_STATE != 0 {
			persistent = keepPersistent
		}
		switch s := v.ResourceState(r.Name); s {
		case wsfc.ClusterResourceOnline:
			if st := v.Status(r.Name); persistent == 1 && st.Persistent != 1 {
				st = st.Clone()
				st.Persistent = 1
				t.PutStatus(st)
			}
			return Result{Status: wsfc.ERROR_SUCCESS}, nil
		case wsfc.ClusterResourceOffline, wsfc.ClusterResourceFailed:
		default:
			return Result{}, fail(wsfc.ERROR_INVALID_STATE, "resource %q is %s; wait for the operation under way", r.Name, s)
		}
		for _, a := range affected[1:] {
			if s := v.ResourceState(a.Name); s.IsPending() {
				return Result{}, fail(wsfc.ERROR_INVALID_STATE, "provider %q of %q is %s; wait for the operation under way", a.Name, r.Name, s)
			}
		}
		if !ignoreAffinity {
			if err := e.checkAffinity(v, g, owner); err != nil {
				return Result{}, err
			}
		}
		if owner != g.OwnerNode {
			ng := g.Clone()
			ng.OwnerNode = owner
			t.PutGroup(ng)
		}
		op := e.newOp(store.OpOnlineResource, req)
		op.Group, op.Resource = r.Group, r.Name
		for _, a := range affected {
			if v.ResourceState(a.Name) != wsfc.ClusterResourceOnline {
				e.setPending(t, v, a.Name, pending{state: wsfc.ClusterResourceOnlinePending, op: op, params: true, persistent: persistent})
			}
		}
		t.PutOperation(op)
		return Result{Status: wsfc.ERROR_IO_PENDING, OperationID: op.ID}, nil
	})
}

// providersClosure returns every resource r depends on, directly or not.
func providersClosure(v store.View, r *store.Resource) []*store.Resource {
	var out []*store.Resource
	seen := map[string]bool{r.Name: true}
	queue := []*store.Resource{r}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		for _, name := range cur.DependsOn {
			if p := v.Resource(name); p != nil && !seen[name] {
				seen[name] = true
				out = append(out, p)
				queue = append(queue, p)
			}
		}
	}
	return out
}
