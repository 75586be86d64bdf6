package controller

import (
	"context"
	"time"

	"github.com/batoncluster/baton/internal/ops"
)

// pruneEvery is how often the leader deletes expired operation records.
const pruneEvery = time.Minute

// orphansEvery is how often the leader ends operations no node will end
// (ops.FinishOrphans), and orphanAge how old they must be: older than
// any host takes to record an outcome once an operation's resources
// settle, so that the leader does not race the host for it.
const (
	orphansEvery = 5 * time.Second
	orphanAge    = 10 * time.Second
)

// prune deletes expired operation records (ops.OperationRetention) while
// this node leads, once at once and then every pruneEvery; and every
// orphansEvery it ends the operations whose node stopped before it
// recorded their outcome, and finishes the changes to big groups, split
// over several transactions, whose writer stopped half-way
// (ops.FinishSplits).
func prune(ctx context.Context, cfg Config) {
	t := time.NewTicker(pruneEvery)
	defer t.Stop()
	orphans := time.NewTicker(orphansEvery)
	defer orphans.Stop()
	for {
		n, err := cfg.Ops.PruneOperations(ctx, ops.OperationRetention)
		switch {
		case err != nil && ctx.Err() == nil:
			cfg.Log.Warn("controller: cannot prune operation records", "err", err)
		case n > 0:
			cfg.Log.Info("controller: pruned operation records", "deleted", n)
		}
	wait:
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				break wait
			case <-orphans.C:
				n, err := cfg.Ops.FinishOrphans(ctx, orphanAge)
				switch {
				case err != nil && ctx.Err() == nil:
					cfg.Log.Warn("controller: cannot end orphaned operations", "err", err)
				case n > 0:
					cfg.Log.Info("controller: ended operations whose node stopped before recording their outcome", "ended", n)
				}
				n, err = cfg.Ops.FinishSplits(ctx, ops.SplitAbandoned)
				switch {
				case err != nil && ctx.Err() == nil:
					cfg.Log.Warn("controller: cannot finish big groups' changes whose writer stopped", "err", err)
				case n > 0:
					cfg.Log.Warn("controller: finished big groups' changes whose writer stopped half-way", "groups", n)
				}
			}
		}
	}
}
