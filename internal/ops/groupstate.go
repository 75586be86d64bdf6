package ops

import (
	"context"
	"time"

	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/placement"
	"github.com/batoncluster/baton/internal/store"
)

// OfflineGroup is OfflineClusterGroupEx. After the caller's access was
// checked it checks, in this order: flags, input buffer, the group, locked
// mode; then answers ERROR_SUCCESS if the group is already offline, or
// records the offline and answers ERROR_IO_PENDING. The same transaction
// moves every resource to be taken offline to OfflinePending, so from the
// answer on nobody reads the group as Online.
func (e *Engine) OfflineGroup(ctx context.Context, ref GroupRef, req Request) (Result, error) {
	const call = "OfflineClusterGroupEx"
	if err := checkFlags(call, req.Flags, wsfc.ValidGroupOfflineFlags); err != nil {
		return Result{}, err
	}
	if _, err := checkBuffer(call, req.InBuffer, req.Size); err != nil {
		return Result{}, err
	}
	ignoreLocked := req.Flags&wsfc.CLUSAPI_GROUP_OFFLINE_IGNORE_RESOURCE_STATUS != 0
	return e.groupChange(ctx, ref.Name, func(v store.View, t *store.Txn, sp *split) (Result, error) {
		g, err := LookupGroup(v, ref)
		if err != nil {
			return Result{}, err
		}
		bulk := sp.bulk(v)
		resources := bulk.GroupResources(g)
		if !ignoreLocked {
			if r := lockedOnline(bulk, resources); r != nil {
				return Result{}, errLocked(bulk, r)
			}
		}
		wasPersistent := g.PersistentState != 0
		offline := bulk.GroupState(g) == wsfc.ClusterGroupOffline
		g = g.Clone()
		g.PersistentState = 0
		if offline {
			if wasPersistent {
				t.PutGroup(g)
			}
			return Result{Status: wsfc.ERROR_SUCCESS}, nil
		}
		// Join an offline already under way if nothing new needs one.
		var todo []*store.Resource
		joined := ""
		for _, r := range resources {
			st := bulk.Status(r.Name)
			switch wsfc.ClusterResourceState(stateOf(st)) {
			case wsfc.ClusterResourceOnline, wsfc.ClusterResourceOnlinePending, wsfc.ClusterResourceFailed:
				todo = append(todo, r)
			case wsfc.ClusterResourceOfflinePending:
				joined = st.OpID
			}
		}
		if len(todo) == 0 {
			if wasPersistent {
				t.PutGroup(g)
			}
			return Result{Status: wsfc.ERROR_IO_PENDING, OperationID: joined}, nil
		}
		op := e.newOp(store.OpOfflineGroup, req)
		op.Group = g.Name
		rule := e.offlineRule(op, func(g *store.Group) bool { return g.LastOperation == op.ID }, false, false)
		for _, name := range sp.take(inOrder(todo, false), rule) {
			// The input buffer is for the resources that are Online.
			online := v.ResourceState(name) == wsfc.ClusterResourceOnline
			e.setPending(t, v, name, pending{state: wsfc.ClusterResourceOfflinePending, op: op, params: online})
		}
		g.LastOperation = op.ID
		sp.writing(g, op.ID)
		t.PutGroup(g)
		t.PutOperation(op)
		return Result{Status: wsfc.ERROR_IO_PENDING, OperationID: op.ID}, nil
	})
}

// OnlineGroup is OnlineClusterGroupEx: flags 0x1 ignore locked mode, 0x2
// synchronous (answer once the group is Online, or with the failure), 0x4
// best possible node, 0x8 ignore affinity. node, when set, is
// hDestinationNode.
//
// The group comes online on node, else on its current owner, except that
// with 0x4 and no node a group that is Offline (none of its resources
// online, pending or failed) comes online on the node placement would
// choose for it (placement.Start: preferred owners first, anti-affined
// nodes last, its owner a candidate like any node); with no node
// eligible it stays with its owner. A group with resources online stays
// where they are.
//
// Anti-affinity ([MS-CMRP] ApiOnlineGroup): unless 0x8, an online that has
// something to bring online on a node that already runs another online
// group sharing one of the group's AntiAffinityClassNames answers
// ERROR_NODE_CANT_HOST_RESOURCE — also when 0x4 found only such nodes
// (placement would ignore the rule there; a client's online does not). An
// online of a group that is Online already answers ERROR_SUCCESS without
// the check. Every refusal changes nothing.
func (e *Engine) OnlineGroup(ctx context.Context, ref GroupRef, node string, req Request) (Result, error) {
	const call = "OnlineClusterGroupEx"
	if err := checkFlags(call, req.Flags, wsfc.ValidGroupOnlineFlags); err != nil {
		return Result{}, err
	}
	if _, err := checkBuffer(call, req.InBuffer, req.Size); err != nil {
		return Result{}, err
	}
	ignoreLocked := req.Flags&wsfc.CLUSAPI_GROUP_ONLINE_IGNORE_RESOURCE_STATUS != 0
	best := req.Flags&wsfc.CLUSAPI_GROUP_ONLINE_BEST_POSSIBLE_NODE != 0
	ignoreAffinity := req.Flags&wsfc.CLUSAPI_GROUP_ONLINE_IGNORE_AFFINITY_RULE != 0
	res, err := e.groupChange(ctx, ref.Name, func(v store.View, t *store.Txn, sp *split) (Result, error) {
		g, err := LookupGroup(v, ref)
		if err != nil {
			return Result{}, err
		}
		bulk := sp.bulk(v)
		owner := g.OwnerNode
		if node != "" {
			n := v.Node(node)
			if n == nil {
				return Result{}, fail(wsfc.ERROR_CLUSTER_NODE_NOT_FOUND, "node %q not found", node)
			}
			state := bulk.GroupState(g)
			if node != g.OwnerNode && state != wsfc.ClusterGroupOffline {
				return Result{}, fail(wsfc.ERROR_HOST_NODE_NOT_GROUP_OWNER, "group %q is %s on node %q; move it to bring it online on %q", g.Name, state, g.OwnerNode, node)
			}
			owner = node
		} else if best && bulk.GroupState(g) == wsfc.ClusterGroupOffline {
			owner = e.startNode(v, g, ignoreAffinity)
		}
		if v.NodeState(owner) == wsfc.ClusterNodePaused {
			return Result{}, fail(wsfc.ERROR_SHARING_PAUSED, "node %q is paused", owner)
		}
		resources := bulk.GroupResources(g)
		if !ignoreLocked {
			if r := lockedOnline(bulk, resources); r != nil {
				return Result{}, errLocked(bulk, r)
			}
		}
		if bulk.GroupState(g) == wsfc.ClusterGroupPending {
			return Result{}, fail(wsfc.ERROR_INVALID_STATE, "group %q is pending: wait for the operation under way (or take the group offline, which supersedes an online)", g.Name)
		}
		ng := g.Clone()
		ng.PersistentState = 1
		ng.OwnerNode = owner
		var todo []*store.Resource
		for _, r := range resources {
			if bulk.ResourceState(r.Name) != wsfc.ClusterResourceOnline {
				todo = append(todo, r)
			}
		}
		if len(todo) == 0 {
			if g.PersistentState != 1 || g.OwnerNode != owner {
				t.PutGroup(ng)
			}
			return Result{Status: wsfc.ERROR_SUCCESS}, nil
		}
		if !ignoreAffinity {
			if err := e.checkAffinity(v, g, owner); err != nil {
				return Result{}, err
			}
		}
		op := e.newOp(store.OpOnlineGroup, req)
		op.Group = g.Name
		rule := e.onlineRule(op, func(g *store.Group) bool { return g.LastOperation == op.ID && g.OwnerNode == owner }, true)
		for _, name := range sp.take(inOrder(todo, true), rule) {
			e.setPending(t, v, name, pending{state: wsfc.ClusterResourceOnlinePending, op: op, params: true, persistent: 1})
		}
		ng.LastOperation = op.ID
		sp.writing(ng, op.ID)
		t.PutGroup(ng)
		t.PutOperation(op)
		return Result{Status: wsfc.ERROR_IO_PENDING, OperationID: op.ID}, nil
	})
	if err != nil || res.Status != wsfc.ERROR_IO_PENDING || req.Flags&wsfc.CLUSAPI_GROUP_ONLINE_SYNCHRONOUS == 0 {
		return res, err
	}
	return e.waitGroupSettled(ctx, ref.Name, res)
}

// startNode is the node placement chooses to start group g on (flag
// BEST_POSSIBLE_NODE), or g's owner when no node is eligible.
func (e *Engine) startNode(v store.View, g *store.Group, ignoreAffinity bool) string {
	if n, _, ok := placement.Start(PlacementView(v, e.now()), g.Name, ignoreAffinity); ok {
		return n
	}
	return g.OwnerNode
}

// checkAffinity answers ERROR_NODE_CANT_HOST_RESOURCE when node runs an
// online group, other than g, that shares an anti-affinity class name with
// g. A group without class names reads no other group: its online does not
// conflict with every change anywhere in the cluster.
func (e *Engine) checkAffinity(v store.View, g *store.Group, node string) error {
	if len(g.Policy.AntiAffinityClassNames) == 0 {
		return nil
	}
	if other := placement.Conflict(PlacementView(v, e.now()), g.Name, node); other != "" {
		return fail(wsfc.ERROR_NODE_CANT_HOST_RESOURCE, "node %q already runs group %q, which shares an AntiAffinityClassNames entry with group %q; use the ignore-affinity flag to bring it online there anyway", node, other, g.Name)
	}
	return nil
}

// waitGroupSettled blocks until no resource of the group is pending, for
// synchronous onlines: ERROR_SUCCESS if the group came Online. When the
// caller's deadline (Connect passes the client's on) comes first it
// answers ERROR_IO_PENDING, the online accepted and going on, a little
// before the deadline so that the answer reaches the caller in time:
// otherwise the caller would only learn that the outcome is unknown.
func (e *Engine) waitGroupSettled(ctx context.Context, name string, res Result) (Result, error) {
	sub := e.st.Subscribe()
	defer sub.Close()
	var early <-chan time.Time
	if d, ok := ctx.Deadline(); ok {
		left := time.Until(d)
		t := time.NewTimer(max(0, left-min(syncAnswerMargin, left/10)))
		defer t.Stop()
		early = t.C
	}
	for {
		v := e.st.View()
		g := v.Group(name)
		if g == nil {
			return Result{}, fail(wsfc.ERROR_GROUP_NOT_AVAILABLE, "group %q was deleted while coming online", name)
		}
		switch v.GroupState(g) {
		case wsfc.ClusterGroupOnline:
			return Result{Status: wsfc.ERROR_SUCCESS, OperationID: res.OperationID}, nil
		case wsfc.ClusterGroupFailed:
			return Result{}, fail(wsfc.ERROR_RESOURCE_FAILED, "group %q failed to come online", name)
		case wsfc.ClusterGroupOffline, wsfc.ClusterGroupPartialOnline:
			return Result{}, fail(wsfc.ERROR_GROUP_NOT_ONLINE, "group %q did not come online (%s)", name, v.GroupState(g))
		}
		select {
		case <-sub.C():
			sub.Take()
		case <-early:
			return res, nil
		case <-ctx.Done():
			return Result{}, ctx.Err()
		}
	}
}

// syncAnswerMargin is how long before the caller's deadline a synchronous
// online answers that it goes on.
const syncAnswerMargin = 200 * time.Millisecond

// errLocked is the answer when resource r's locked mode blocks a call.
func errLocked(v store.View, r *store.Resource) error {
	reason := ""
	if st := v.Status(r.Name); st != nil && st.LockedReason != "" {
		reason = " (" + st.LockedReason + ")"
	}
	return fail(wsfc.ERROR_CLUSTER_RESOURCE_LOCKED_STATUS, "resource %q of group %q is in locked mode%s; use the ignore-locked flag (0x1) to go ahead anyway", r.Name, r.Group, reason)
}

// lockedOnline returns the first resource that is in locked mode while it
// runs: Online, or in the middle of a change — a virtual machine saving its
// state is OfflinePending and locked, and an offline or move that comes
// then must answer 5960, not join or queue.
func lockedOnline(v store.View, rs []*store.Resource) *store.Resource {
	for _, r := range rs {
		st := v.Status(r.Name)
		if st == nil || !st.Locked {
			continue
		}
		if s := wsfc.ClusterResourceState(st.State); s == wsfc.ClusterResourceOnline || s.IsPending() {
			return r
		}
	}
	return nil
}

func stateOf(st *store.Status) int32 {
	if st == nil {
		return int32(wsfc.ClusterResourceOffline)
	}
	return st.State
}
