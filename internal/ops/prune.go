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

// PruneOperations deletes the records of operations that finished more
// than keep ago, and of those that never finished (superseded before any
// node started them), are older than keep and that no group, resource or
// kept operation refers to any more. It says how many it deleted.
func (e *Engine) PruneOperations(ctx context.Context, keep time.Duration) (int, error) {
	v := e.st.View()
	cut := e.now().Add(-keep)
	inUse := map[string]bool{}
	for _, g := range v.Groups() {
		inUse[g.MoveOp], inUse[g.LastOperation] = true, true
		for _, name := range g.Resources {
			if st := v.Status(name); st != nil {
				inUse[st.OpID] = true
			}
		}
	}
	var stale []*store.Operation
	for _, op := range v.Operations() {
		switch {
		case !op.Finished.IsZero() && op.Finished.Before(cut):
			stale = append(stale, op)
		case op.Finished.IsZero() && op.Created.Before(cut) && !inUse[op.ID]:
			stale = append(stale, op)
		default:
			inUse[op.Recovery] = true // a kept move keeps the operation that took it back
		}
	}
	deleted := 0
	for len(stale) > 0 {
		chunk := stale[:min(len(stale), pruneBatch)]
		stale = stale[len(chunk):]
		n := 0
		_, err := e.st.Update(ctx, func(v store.View, t *store.Txn) error {
			n = 0
			for _, op := range chunk {
				if inUse[op.ID] {
					continue
				}
				// Compare-and-delete: an operation that changed since (it
				// finished just now) is left for the next round.
				if cur := v.Operation(op.ID); cur != nil && cur.Rev == op.Rev {
					t.Delete(store.OpKey(op.ID), op.Rev)
					n++
				}
			}
			return nil
		})
		if err != nil {
			return deleted, err
		}
		deleted += n
	}
	return deleted, nil
}
