package controller

import (
	"context"
	"time"

	"github.com/batoncluster/baton/internal/ops"
)

// pruneEvery is how often the leader deletes expired operation records.
const pruneEvery = time.Minute

// prune deletes expired operation records (ops.OperationRetention) while
// this node leads, once at once and then every pruneEvery.
func prune(ctx context.Context, cfg Config) {
	t := time.NewTicker(pruneEvery)
	defer t.Stop()
	for {
		n, err := cfg.Ops.PruneOperations(ctx, ops.OperationRetention)
		switch {
		case err != nil && ctx.Err() == nil:
			cfg.Log.Warn("controller: cannot prune operation records", "err", err)
		case n > 0:
			cfg.Log.Info("controller: pruned operation records", "deleted", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
