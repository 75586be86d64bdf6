package controller

import (
	"context"
	"fmt"
	"time"

	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/ops"
	"github.com/batoncluster/baton/internal/placement"
	"github.com/batoncluster/baton/internal/store"
)

// A failover that cannot happen (FailoverThreshold reached, or no node to
// go to) leaves the group Failed, and RetryPeriodOnFailure later gives it
// one more online attempt (reference §8.2; placement's package doc). The
// controller keeps the records that takes, and makes the attempt:
//
//   - a group held on a dead owner whose claim is gone had its resources
//     stopped by that owner's fencing, but their statuses still read as
//     the owner last wrote them (Online): they are marked Failed, so that
//     the group reads Failed, not Online on a node that is down, and the
//     owner, back, does not start them again by itself;
//   - a Failed group that placement holds for its retry, with the failure
//     not yet recorded, gets Group.LastFailedAt (and LastFailedSeq, which
//     tells this failure from a later one), from which the period counts;
//   - a retry move runs the group's failed resources again in place
//     (OnlineClusterResourceEx, keeping their persistent state), or moves
//     the group like a failover when it goes to another node.

// noteFailedFailovers writes, in one transaction, the Failed marks and
// the LastFailedAt records the plan's holds call for. It reports whether
// it wrote anything.
func noteFailedFailovers(ctx context.Context, cfg Config, pv placement.View, plan placement.Plan, now time.Time) (bool, error) {
	groups := make(map[string]placement.Group, len(pv.Groups))
	for _, g := range pv.Groups {
		groups[g.Name] = g
	}
	var strand, record []placement.Hold
	for _, h := range plan.Holds {
		switch h.Reason {
		case placement.ReasonThresholdReached, placement.ReasonNoNode:
			strand = append(strand, h)
		case placement.ReasonRetryWait:
			if groups[h.Group].LastFailedAt.IsZero() {
				record = append(record, h)
			}
		}
	}
	if len(strand) == 0 && len(record) == 0 {
		return false, nil
	}
	wrote, _, err := store.Decide(ctx, cfg.Store, func(v store.View, t *store.Txn) (bool, error) {
		wrote := false
		for _, h := range strand {
			wrote = markStranded(v, t, h, now) || wrote
		}
		for _, h := range record {
			wrote = recordFailure(v, t, h.Group, now) || wrote
		}
		return wrote, nil
	})
	return wrote, err
}

// markStranded marks Failed the resources of a group held on a dead owner
// that were running there (Online, or coming online); one that was going
// offline is Offline. The owner must still be down and the claim gone —
// read, so compared at the commit: then the owner has stopped them
// (fencing) and cannot start them again without claiming the group anew.
func markStranded(v store.View, t *store.Txn, h placement.Hold, now time.Time) bool {
	g := v.Group(h.Group)
	if g == nil || g.OwnerNode == "" || v.Node(g.OwnerNode) == nil ||
		v.NodeState(g.OwnerNode) != wsfc.ClusterNodeDown || v.Claim(g.Name) != nil {
		return false
	}
	why := "no other node could take it"
	if h.Reason == placement.ReasonThresholdReached {
		why = fmt.Sprintf("its FailoverThreshold was reached (%d failover(s) within FailoverPeriod, %d h)", len(g.Failovers), g.Policy.FailoverPeriod)
	}
	wrote := false
	for _, r := range v.GroupResources(g) {
		st := v.Status(r.Name)
		if st == nil {
			continue
		}
		var to wsfc.ClusterResourceState
		switch s := wsfc.ClusterResourceState(st.State); s {
		case wsfc.ClusterResourceOnline, wsfc.ClusterResourceOnlinePending, wsfc.ClusterResourcePending:
			to = wsfc.ClusterResourceFailed
		case wsfc.ClusterResourceOfflinePending:
			to = wsfc.ClusterResourceOffline
		default:
			continue
		}
		n := st.Clone()
		n.State, n.Seq, n.Updated = int32(to), st.Seq+1, now
		n.Terminate, n.Restart = false, false
		n.LastError = ""
		if to == wsfc.ClusterResourceFailed {
			n.LastError = fmt.Sprintf("its node %s went down and the group was not failed over: %s", g.OwnerNode, why)
		}
		t.PutStatus(n)
		wrote = true
	}
	return wrote
}

// recordFailure sets the Failed group's LastFailedAt to now, unless it
// already records the failure the group is in.
func recordFailure(v store.View, t *store.Txn, group string, now time.Time) bool {
	g := v.Group(group)
	if g == nil || v.GroupState(g) != wsfc.ClusterGroupFailed {
		return false
	}
	seq := ops.FailureSeq(v, g)
	if !g.LastFailedAt.IsZero() && g.LastFailedSeq == seq {
		return false
	}
	n := g.Clone()
	n.LastFailedAt, n.LastFailedSeq = now, seq
	t.PutGroup(n)
	return true
}

// retry makes the one more online attempt of a Failed group on its alive
// owner: each Failed resource whose persistent state is online comes
// online again, its persistent state left as it is, dependents first so
// that each call brings the Failed resources it depends on along (a call
// for a resource whose provider is already coming online is refused). A
// group going elsewhere moves as a failed group does.
func retry(ctx context.Context, cfg Config, m placement.Move) error {
	if m.To != m.From {
		_, err := cfg.Ops.MoveFailedGroup(ctx, m.Group, m.To)
		return err
	}
	started := 0
	for range maxRetryCalls {
		// Read again each time: the call before changed what is Failed.
		r := nextToRetry(cfg.Store.View(), m.Group)
		if r == "" {
			break
		}
		res, err := cfg.Ops.OnlineResource(ctx, ops.ResourceRef{Name: r}, ops.Request{
			// Online providers in locked mode are not touched: ignore it.
			Flags:  wsfc.CLUSAPI_RESOURCE_ONLINE_IGNORE_RESOURCE_STATUS | wsfc.CLUSAPI_RESOURCE_ONLINE_DO_NOT_UPDATE_PERSISTENT_STATE,
			Caller: "controller:" + string(placement.ReasonRetry),
		})
		if err != nil {
			return fmt.Errorf("retry %s: %w", r, err)
		}
		if res.Status != wsfc.ERROR_IO_PENDING {
			break // nothing changed: do not ask again
		}
		started++
	}
	if started == 0 {
		// Its Failed resources were going offline (persistent state
		// offline): the attempt has nothing to bring online.
		cfg.Log.Debug("controller: nothing to retry in a failed group", "group", m.Group)
	}
	return nil
}

// maxRetryCalls bounds the calls of one retry (one per Failed resource at
// most, in practice far fewer).
const maxRetryCalls = 1000

// nextToRetry returns a Failed resource of the group whose persistent
// state is online and on which no other such resource depends, or "".
func nextToRetry(v store.View, group string) string {
	g := v.Group(group)
	if g == nil {
		return ""
	}
	due := func(name string) bool {
		st := v.Status(name)
		return st != nil && wsfc.ClusterResourceState(st.State) == wsfc.ClusterResourceFailed && st.Persistent == 1
	}
	for _, r := range v.GroupResources(g) {
		if !due(r.Name) {
			continue
		}
		top := true
		for _, d := range v.Dependents(r) {
			if due(d.Name) {
				top = false
				break
			}
		}
		if top {
			return r.Name
		}
	}
	return ""
}
