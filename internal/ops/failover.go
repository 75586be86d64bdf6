package ops

import (
	"context"
	"errors"
	"time"

	"github.com/batoncluster/baton/clusapi/wsfc"
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
// (store.TooLarge) gets the moves in halves, then in quarters, and so on;
// a single group too big for one transaction fails over in several
// (failoverSplit).
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
		if store.TooLarge(err) && len(batch) == 1 {
			var ok bool
			ok, err = e.failoverSplit(ctx, batch[0])
			if ok {
				did = batch
			}
		}
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
	g, err := mayFailOver(v, group, node)
	if err != nil {
		return Result{}, err
	}
	op := e.newOp(store.OpFailover, Request{Caller: "controller"})
	op.Group, op.From, op.To = group, g.OwnerNode, node
	starts := false
	for _, r := range v.GroupResources(g) {
		starts = e.failoverMark(v, t, g, op, r.Name) || starts
	}
	return e.failoverGroup(t, g, op, node, starts), nil
}

// mayFailOver checks that group may fail over to node now.
func mayFailOver(v store.View, group, node string) (*store.Group, error) {
	g := v.Group(group)
	if g == nil {
		return nil, fail(wsfc.ERROR_GROUP_NOT_FOUND, "group %q not found", group)
	}
	if g.OwnerNode != "" && v.NodeState(g.OwnerNode) != wsfc.ClusterNodeDown {
		return nil, fail(wsfc.ERROR_INVALID_STATE, "group %q: its owner %s is up", group, g.OwnerNode)
	}
	if v.Claim(group) != nil {
		return nil, fail(wsfc.ERROR_INVALID_STATE, "group %q is still claimed under %s's lease", group, g.OwnerNode)
	}
	if v.NodeState(node) != wsfc.ClusterNodeUp {
		return nil, fail(wsfc.ERROR_CLUSTER_NODE_DOWN, "node %q is not up", node)
	}
	return g, nil
}

// failoverMark records what a failover by op does to one resource of g:
// one to be online comes online on the new node (it reports true), one
// that is not Offline is recorded Offline (it ran on the dead node). A
// resource marked already by op is left alone.
func (e *Engine) failoverMark(v store.View, t *store.Txn, g *store.Group, op *store.Operation, name string) bool {
	st := v.Status(name)
	if st == nil {
		return false
	}
	if st.Persistent == 1 && g.PersistentState == 1 {
		if st.OpID != op.ID {
			e.setPending(t, v, name, pending{state: wsfc.ClusterResourceOnlinePending, op: op, persistent: keepPersistent, newNode: true})
		}
		return true
	}
	if wsfc.ClusterResourceState(st.State) != wsfc.ClusterResourceOffline {
		s := st.Clone()
		s.State, s.Seq, s.OpID, s.Updated = int32(wsfc.ClusterResourceOffline), st.Seq+1, op.ID, e.now()
		s.Restarts = nil // they counted on the old node
		t.PutStatus(s)
	}
	return false
}

// failoverGroup records g's new owner node, and op when it starts
// anything.
func (e *Engine) failoverGroup(t *store.Txn, g *store.Group, op *store.Operation, node string, starts bool) Result {
	n := g.Clone()
	now := e.now()
	n.OwnerNode, n.MoveTo, n.MoveOp, n.LastOperation = node, "", "", op.ID
	n.Failovers = append(recentFailovers(g.Failovers, now, g.Policy.FailoverPeriod), now)
	t.PutGroup(n)
	if !starts {
		return Result{}
	}
	t.PutOperation(op)
	return Result{Status: wsfc.ERROR_IO_PENDING, OperationID: op.ID}
}

// failoverSplit fails over one group too big for one transaction: its
// resources a chunk per transaction while the group still belongs to its
// dead owner — nobody acts on them meanwhile: the old owner is down, and
// the new one is not the owner yet — and the group's new owner with the
// last chunk. Each chunk checks again that the group may fail over (if its
// owner came back, the rest is left and it keeps the group). It reports
// whether the group failed over.
func (e *Engine) failoverSplit(ctx context.Context, m FailoverMove) (bool, error) {
	g, err := mayFailOver(e.st.View().Unrecorded(), m.Group, m.Node)
	if err != nil {
		return false, nil
	}
	op := e.newOp(store.OpFailover, Request{Caller: "controller"})
	op.Group, op.From, op.To = m.Group, g.OwnerNode, m.Node
	names := names(e.st.View().GroupResources(g))
	starts := false
	for {
		n := min(len(names), e.chunkSize())
		moved, _, err := store.Decide(ctx, e.st, func(v store.View, t *store.Txn) (struct{ done, starts bool }, error) {
			var out struct{ done, starts bool }
			g, err := mayFailOver(v, m.Group, m.Node)
			if err != nil {
				return out, err
			}
			out.starts = starts
			for _, name := range names[:n] {
				out.starts = e.failoverMark(v, t, g, op, name) || out.starts
			}
			if n == len(names) {
				e.failoverGroup(t, g, op, m.Node, out.starts)
				out.done = true
			}
			return out, nil
		})
		var oe *Error
		switch {
		case store.TooLarge(err):
			if !e.shrink(n) {
				return false, errTooBig(m.Group, err)
			}
			continue
		case errors.As(err, &oe):
			return false, nil // cannot fail over now: the controller looks again
		case err != nil:
			return false, err
		case moved.done:
			return true, nil
		}
		starts = moved.starts
		names = names[n:]
	}
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
