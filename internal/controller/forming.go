package controller

import (
	"context"
	"time"

	"github.com/batoncluster/baton/internal/store"
)

// markForming records, when this node leads within FormingGrace of its
// agent's start, that the cluster is forming until Started+FormingGrace.
//
// After a start of the whole cluster the first leader sees every node that
// is not back yet as Down, with no claims left: without a grace it would
// fail their groups over at once — needless moves, each counted against
// FailoverThreshold — only for their owners to arrive a second later. A
// leader elected in a running cluster has been running for longer than the
// grace, so real failovers are not delayed. Recording the end in the
// database (not in this process) lets `baton group why` explain the hold
// on any node, and a leader that follows keeps to it.
func markForming(ctx context.Context, cfg Config) error {
	if cfg.FormingGrace <= 0 || cfg.Started.IsZero() {
		return nil
	}
	until := cfg.Started.Add(cfg.FormingGrace)
	if !time.Now().Before(until) {
		return nil
	}
	_, err := cfg.Store.Update(ctx, func(v store.View, t *store.Txn) error {
		c := v.Cluster()
		if c == nil || !c.FormingUntil.Before(until) {
			return nil
		}
		n := *c
		n.FormingUntil = until
		t.PutCluster(&n)
		return nil
	})
	if err == nil {
		cfg.Log.Info("controller: the cluster is forming; groups of nodes not back yet wait", "until", until.Format(time.RFC3339Nano))
	}
	return err
}
