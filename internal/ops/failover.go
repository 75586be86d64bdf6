package ops

import (
	"context"
	"time"

	"github.com/batoncluster/baton/clusapi"
	"github.com/batoncluster/baton/internal/store"
)

// FailoverMove is one group to give to another node.
type FailoverMove struct{ Group, Node string }

// FailoverMany gives groups whose owner is gone (Down, or no owner at all)
// to their new nodes, in one transaction (a dead node's groups fail over
// together, not one commit after another). Each requires the old owner's
// claim to be gone: it is tied to the old owner's lease, so it vanishes
// only once that lease has expired, and the old owner stopped everything
// before it could. The resources that are to be online come online on the
// new node. Groups that cannot fail over now are left out; done lists the
// ones that did.
//
// An etcd cluster whose limits refuse the transaction as too large
// (store.TooLarge) gets the moves in halves, then in quarters, and so on.
func (e *Engine) FailoverMany(ctx context.Context, moves []FailoverMove) (done []FailoverMove, err error) {
	store.Batches(moves, len(moves), func(batch []FailoverMove) error {
		did, _, err := store.Decide(ctx, e.st, func(v store.View, t *store.Txn) ([]FailoverMove, error) {
			var did []FailoverMove
			for _, m := range batch {
				if _, err := e.failover(v, t, m.Group, m.Node); err == nil {
					did = append(did, m)
				}
			}
			return did, nil
		})
		if err == nil {
			done = append(done, did...)
		}
		return err
	}, func(_ []FailoverMove, e error) {
		err = e
	})
	return done, err
}

// failover records one group's failover in t; on error it has written
// nothing for that group. What it read to decide is compared all the
// same: the old owner down, its claim gone, the new node up.
func (e *Engine) failover(v store.View, t *store.Txn, group, node string) (Result, error) {
	g := v.Group(group)
	if g == nil {
		return Result{}, fail(clusapi.ERROR_GROUP_NOT_FOUND, "group %q not found", group)
	}
	if g.OwnerNode != "" && v.NodeState(g.OwnerNode) != clusapi.ClusterNodeDown {
		return Result{}, fail(clusapi.ERROR_INVALID_STATE, "group %q: its owner %s is up", group, g.OwnerNode)
	}
	if v.Claim(group) != nil {
		return Result{}, fail(clusapi.ERROR_INVALID_STATE, "group %q is still claimed under %s's lease", group, g.OwnerNode)
	}
	if v.NodeState(node) != clusapi.ClusterNodeUp {
		return Result{}, fail(clusapi.ERROR_CLUSTER_NODE_DOWN, "node %q is not up", node)
	}
	op := e.newOp(store.OpFailover, Request{Caller: "controller"})
	op.Group, op.From, op.To = group, g.OwnerNode, node
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
			e.setPending(t, v, r.Name, pending{state: clusapi.ClusterResourceOnlinePending, op: op, persistent: keepPersistent, newNode: true})
			starts = true
			continue
		}
		if clusapi.ClusterResourceState(st.State) != clusapi.ClusterResourceOffline {
			s := st.Clone()
			s.State, s.Seq, s.OpID, s.Updated = int32(clusapi.ClusterResourceOffline), st.Seq+1, op.ID, now
			s.Restarts = nil // they counted on the old node
			t.PutStatus(s)
		}
	}
	if !starts {
		return Result{}, nil
	}
	t.PutOperation(op)
	return Result{Status: clusapi.ERROR_IO_PENDING, OperationID: op.ID}, nil
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
