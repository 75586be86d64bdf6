package ops

import (
	"context"
	"time"

	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/store"
)

// FinishOrphans ends the operations no node will ever end: older than
// minAge, not finished, and no longer driving anything — no resource is
// pending with it, and it is no group's move under way or queued. A host
// records the outcome of the operations it started once their resources
// are no longer pending; but a host that fenced (its node was frozen or
// cut off past its lease) or died forgets the operations it had started,
// and an operation whose resources were taken over meanwhile by another
// (an offline, a failover) would stay unfinished until pruned, so a
// client waiting for it would wait forever. The outcome is the host's
// rule (Host.outcomeOf): failed if a resource it left carries it Failed,
// succeeded if any carries it otherwise, superseded if none does. It says
// how many it ended.
func (e *Engine) FinishOrphans(ctx context.Context, minAge time.Duration) (int, error) {
	v := e.st.View()
	cut := e.now().Add(-minAge)
	busy := map[string]bool{}
	for _, g := range v.Groups() {
		busy[g.MoveOp], busy[g.QueuedMove.Op], busy[g.Writing] = true, true, true
		for _, name := range v.GroupResourceNames(g) {
			if st := v.Status(name); st != nil && wsfc.ClusterResourceState(st.State).IsPending() {
				busy[st.OpID] = true
			}
		}
	}
	var ids []string
	for _, op := range v.Operations() {
		if op.Finished.IsZero() && op.Created.Before(cut) && !busy[op.ID] {
			ids = append(ids, op.ID)
		}
	}
	ended := 0
	for _, id := range ids {
		// Once nothing refers to an operation nothing will again (a
		// move's operation is the group's until the handover puts it on
		// the resources), so the decision reads only its own records.
		wrote := false
		_, err := e.st.Update(ctx, func(v store.View, t *store.Txn) error {
			wrote = false
			op := v.Operation(id)
			if op == nil || !op.Finished.IsZero() {
				return nil
			}
			n := *op
			n.Finished, n.Outcome = e.now(), "superseded"
			if g := v.Group(op.Group); g != nil {
				if g.MoveOp == id || g.QueuedMove.Op == id {
					return nil
				}
				// The statuses are read without comparing them: once
				// nothing refers to the operation nothing will again,
				// and a big group's would not fit in one transaction.
				for _, name := range v.GroupResourceNames(g) {
					st := v.Unrecorded().Status(name)
					if st == nil || st.OpID != id {
						continue
					}
					switch s := wsfc.ClusterResourceState(st.State); {
					case s.IsPending():
						return nil // driving again: its host ends it
					case s == wsfc.ClusterResourceFailed:
						n.Outcome = "failed"
					case n.Outcome != "failed":
						n.Outcome = "succeeded"
					}
				}
			}
			n.Detail = "ended by the cluster: the node that ran it stopped before recording the outcome"
			t.PutOperation(&n)
			wrote = true
			return nil
		})
		if err != nil {
			return ended, err
		}
		if wrote {
			ended++
		}
	}
	return ended, nil
}
