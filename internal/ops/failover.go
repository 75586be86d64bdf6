package ops

import (
	"context"
	"time"

	"github.com/batoncluster/baton/clusapi"
	"github.com/batoncluster/baton/internal/store"
)

// Failover gives a group whose owner is gone (Down, or no owner at all) to
// node, in one transaction that requires the old owner's claim to be gone:
// it is tied to the old owner's lease, so it vanishes only once that lease
// has expired, and the old owner stopped everything before it could. The
// resources that are to be online come online on node.
func (e *Engine) Failover(ctx context.Context, group, node string) (Result, error) {
	var res Result
	_, err := e.st.Update(ctx, func(v store.View, t *store.Txn) error {
		res = Result{}
		g := v.Group(group)
		if g == nil {
			return fail(clusapi.ERROR_GROUP_NOT_FOUND, "group %q not found", group)
		}
		if g.OwnerNode != "" && v.NodeState(g.OwnerNode) != clusapi.ClusterNodeDown {
			return fail(clusapi.ERROR_INVALID_STATE, "group %q: its owner %s is up", group, g.OwnerNode)
		}
		if v.Claim(group) != nil {
			return fail(clusapi.ERROR_INVALID_STATE, "group %q is still claimed under %s's lease", group, g.OwnerNode)
		}
		if v.NodeState(node) != clusapi.ClusterNodeUp {
			return fail(clusapi.ERROR_CLUSTER_NODE_DOWN, "node %q is not up", node)
		}
		t.Expect(store.ClaimKey(group), 0)
		t.Expect(store.AliveKey(node), v.Alive(node).Rev)
		op := e.newOp(store.OpFailover, Request{Caller: "controller"})
		op.Group = group
		n := g.Clone()
		now := e.now()
		n.OwnerNode, n.MoveTo, n.MoveOp, n.LastOperation = node, "", "", op.ID
		n.Failovers = append(recentFailovers(g.Failovers, now, g.Policy.FailoverPeriod), now)
		t.PutGroup(n)
		starts := false
		for _, r := range v.GroupResources(g) {
			st := v.Status(r.Name)
			if st == nil {
				continue
			}
			if st.Persistent == 1 && g.PersistentState == 1 {
				e.setPending(t, v, r.Name, pending{state: clusapi.ClusterResourceOnlinePending, op: op, persistent: keepPersistent})
				starts = true
				continue
			}
			if clusapi.ClusterResourceState(st.State) != clusapi.ClusterResourceOffline {
				s := st.Clone()
				s.State, s.Seq, s.OpID, s.Updated = int32(clusapi.ClusterResourceOffline), st.Seq+1, op.ID, now
				t.PutStatus(s)
			}
		}
		if starts {
			t.PutOperation(op)
			res = Result{Status: clusapi.ERROR_IO_PENDING, OperationID: op.ID}
		}
		return nil
	})
	return res, err
}

// recentFailovers keeps the failovers within the last period hours.
func recentFailovers(ts []time.Time, now time.Time, hours uint32) []time.Time {
	cut := now.Add(-time.Duration(hours) * time.Hour)
	var out []time.Time
	for _, t := range ts {
		if t.After(cut) {
			out = append(out, t)
		}
	}
	return out
}
