package ops

import (
	"context"
	"time"

	"github.com/batoncluster/baton/internal/store"
)

// OperationRetention is how long an operation's record outlives its end
// (GetOperation, ListOperations and `baton group history` read it until
// then). Without pruning the records pile up: every failover of a group
// writes one, and every node's cache holds them all.
const OperationRetention = 15 * time.Minute

// pruneBatch bounds the deletions of one transaction.
const pruneBatch = 500

// PruneOperations deletes the records of operations older than keep —
// ended more than keep ago, or never ended (superseded before any node
// started them) and created more than keep ago — that nothing refers to
// any more: not a group (its current, queued or last operation), a
// resource's state, nor a kept operation (the one that took a move back).
// It says how many it deleted.
func (e *Engine) PruneOperations(ctx context.Context, keep time.Duration) (int, error) {
	v := e.st.View()
	cut := e.now().Add(-keep)
	inUse := map[string]bool{}
	for _, g := range v.Groups() {
		inUse[g.MoveOp], inUse[g.LastOperation], inUse[g.QueuedMove.Op] = true, true, true
		for _, name := range v.GroupResourceNames(g) {
			if st := v.Status(name); st != nil {
				inUse[st.OpID] = true
			}
		}
	}
	old := func(op *store.Operation) bool {
		if op.Finished.IsZero() {
			return op.Created.Before(cut)
		}
		return op.Finished.Before(cut)
	}
	ops := v.Operations()
	for _, op := range ops {
		if !old(op) || inUse[op.ID] {
			inUse[op.Recovery] = true
		}
	}
	var stale []*store.Operation
	for _, op := range ops {
		if old(op) && !inUse[op.ID] {
			stale = append(stale, op)
		}
	}
	deleted := 0
	for len(stale) > 0 {
		chunk := stale[:min(len(stale), pruneBatch)]
		stale = stale[len(chunk):]
		n, _, err := store.Decide(ctx, e.st, func(v store.View, t *store.Txn) (int, error) {
			n := 0
			for _, op := range chunk {
				// Compare-and-delete: an operation that changed since (it
				// finished just now) is left for the next round.
				if cur := v.Operation(op.ID); cur != nil && cur.Rev == op.Rev {
					t.Delete(store.OpKey(op.ID), op.Rev)
					n++
				}
			}
			return n, nil
		})
		if err != nil {
			return deleted, err
		}
		deleted += n
	}
	return deleted, nil
}
