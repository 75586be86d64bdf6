// Package controller runs on one node at a time — the one that wins the
// etcd election — and keeps groups where they should be: it watches the
// database, asks placement for a plan, and carries out the plan's moves
// through package ops. Failover of a dead owner's groups is the main job;
// drain, failback and moving failed groups go through the same plan.
//
// Leadership follows Nomad's leader loop: campaign, establish (reconcile
// everything once), react to changes — and plan again at least every
// Config.Resync, so a lost notification costs at most that long — and step
// down when the session is lost; a node that regains leadership starts
// from a full reconcile again.
package controller

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"go.etcd.io/etcd/client/v3/concurrency"

	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/ops"
	"github.com/batoncluster/baton/internal/placement"
	"github.com/batoncluster/baton/internal/store"
)

// Config is what the controller needs.
type Config struct {
	Node  string
	Store *store.Store
	Ops   *ops.Engine
	Log   *slog.Logger
	// SessionTTL is the leadership session's lease TTL in seconds.
	SessionTTL int
	// OnFailover hears of each group failed over (for metrics).
	OnFailover func()
	// Started is when this node's agent started, and FormingGrace how long
	// after that a leader treats the cluster as forming: nodes not back yet
	// keep their groups (forming.go).
	Started      time.Time
	FormingGrace time.Duration
	// Resync is the longest the leader waits before it plans again when
	// nothing changes (0: DefaultResync), so that a lost notification
	// costs at most that long.
	Resync time.Duration
	// Database is how the leader keeps the database small (database.go).
	Database DatabaseCare
}

// DefaultResync is Config.Resync's default, as Nomad's leader reconciles
// every ReconcileInterval.
const DefaultResync = 30 * time.Second

// electionKey is where candidates queue for leadership.
const electionKey = store.Prefix + "leader"

// Run campaigns for leadership and leads while it has it, until ctx ends.
func Run(ctx context.Context, cfg Config) error {
	for ctx.Err() == nil {
		if err := campaign(ctx, cfg); err != nil && ctx.Err() == nil {
			cfg.Log.Warn("controller: leadership lost or not won", "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(500 * time.Millisecond):
			}
		}
	}
	return nil
}

func campaign(ctx context.Context, cfg Config) error {
	sess, err := concurrency.NewSession(cfg.Store.Client(), concurrency.WithTTL(cfg.SessionTTL), concurrency.WithContext(ctx))
	if err != nil {
		return err
	}
	defer sess.Close()
	el := concurrency.NewElection(sess, electionKey)
	if err := el.Campaign(ctx, cfg.Node); err != nil {
		return err
	}
	cfg.Log.Info("controller: this node leads the cluster")
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-sess.Done(): // the session's lease is gone: someone else may lead
			cancel()
		case <-lctx.Done():
		}
	}()
	go prune(lctx, cfg)
	go careForDatabase(lctx, cfg)
	if err := markForming(lctx, cfg); err != nil && lctx.Err() == nil {
		cfg.Log.Warn("controller: cannot record the cluster's forming", "err", err)
	}
	lead(lctx, cfg)
	rctx, rcancel := context.WithTimeout(context.Background(), time.Second)
	defer rcancel()
	_ = el.Resign(rctx)
	if ctx.Err() == nil {
		return errors.New("session ended")
	}
	return nil
}

// settle is how long the leader lets a burst of changes pass before it
// plans again (one plan for a whole node's groups).
const settle = 20 * time.Millisecond

// paceFactor paces the passes: after a pass that took d, changes
// gather for at least paceFactor × d before the next. A pass plans from
// the whole view, so it costs O(groups); paced so, the leader spends at
// most about a quarter of a CPU on it however big the cluster, and API
// calls on its node do not slow down as the cluster grows (bench/scale).
const paceFactor = 3

// lead reconciles on every change until ctx ends. A reset of the
// subscription (the store reloaded) needs nothing more: every reconcile
// plans from the whole current view.
func lead(ctx context.Context, cfg Config) {
	sub := cfg.Store.Subscribe()
	defer sub.Close()
	retry := time.NewTimer(0) // the first reconcile runs at once
	defer retry.Stop()
	q := newMoveQueue(cfg) // moves' flags 0x2, 0x4, 0x10 (queue.go)
	var took time.Duration // the last pass
	for {
		select {
		case <-ctx.Done():
			return
		case <-sub.C():
			time.Sleep(max(settle, paceFactor*took))
			sub.Take()
		case <-retry.C:
		}
		start := time.Now()
		next := min(q.reconcile(ctx), reconcile(ctx, cfg))
		took = time.Since(start)
		retry.Reset(next)
	}
}

// reconcile carries out one plan and says when to look again even if
// nothing changes (a hold with an end, or a move that could not be done).
func reconcile(ctx context.Context, cfg Config) time.Duration {
	now := time.Now()
	v := cfg.Store.View()
	pv := ops.PlacementView(v, now)
	plan := placement.Compute(pv)
	next := cfg.Resync
	if next <= 0 {
		next = DefaultResync
	}
	// Failed failovers: mark and record them (failed.go); the write
	// brings a new plan that counts the retry period from the record.
	if _, err := noteFailedFailovers(ctx, cfg, pv, plan, now); err != nil {
		if ctx.Err() != nil {
			return next
		}
		cfg.Log.Warn("controller: cannot record failed failovers", "err", err)
		next = 200 * time.Millisecond
	}
	for _, h := range plan.Holds {
		if !h.Until.IsZero() && h.Until.Sub(now) < next {
			next = max(h.Until.Sub(now), 10*time.Millisecond)
		}
	}
	// A dead node's groups fail over together, a batch per transaction.
	var batch []placement.Move
	for _, m := range plan.Moves {
		// So does a retry of a dead owner's group, to another node.
		if m.Reason == placement.ReasonOwnerDown || m.Reason == placement.ReasonNoOwner ||
			m.Reason == placement.ReasonRetry && v.NodeState(m.From) == wsfc.ClusterNodeDown {
			if v.Claim(m.Group) != nil {
				next = min(next, 200*time.Millisecond) // the old lease has not expired yet
				continue
			}
			batch = append(batch, m)
			continue
		}
		if err := apply(ctx, cfg, m); err != nil {
			if ctx.Err() != nil {
				return next
			}
			cfg.Log.Debug("controller: move not done yet", "group", m.Group, "to", m.To, "reason", m.Reason, "err", err)
			next = min(next, 200*time.Millisecond)
		}
	}
	for len(batch) > 0 {
		n := min(len(batch), failoverBatch)
		if !failover(ctx, cfg, batch[:n]) {
			next = min(next, 200*time.Millisecond)
		}
		batch = batch[n:]
	}
	return next
}

// failoverBatch bounds the groups failed over in one transaction: about
// 6,000 operations and 1.5 MB, inside the embedded members' limits (16,384
// operations, 8 MiB). Against an etcd with smaller limits FailoverMany
// halves the batch until it passes.
const failoverBatch = 1000

// failover gives a dead owner's groups to their new nodes in one
// transaction; it reports whether all of them moved.
func failover(ctx context.Context, cfg Config, moves []placement.Move) bool {
	req := make([]ops.FailoverMove, len(moves))
	from := map[string]placement.Move{}
	for i, m := range moves {
		req[i] = ops.FailoverMove{Group: m.Group, Node: m.To}
		from[m.Group] = m
	}
	done, err := cfg.Ops.FailoverMany(ctx, req)
	if err != nil {
		if ctx.Err() == nil {
			cfg.Log.Warn("controller: failover not done", "groups", len(moves), "err", err)
		}
		return false
	}
	for _, d := range done {
		m := from[d.Group]
		cfg.Log.Info("controller: group failed over", "group", m.Group, "from", m.From, "to", m.To)
		if cfg.OnFailover != nil && m.Reason == placement.ReasonOwnerDown {
			cfg.OnFailover()
		}
	}
	return len(done) == len(moves)
}

// apply carries out one move of a group whose owner is alive.
func apply(ctx context.Context, cfg Config, m placement.Move) error {
	switch m.Reason {
	case placement.ReasonRetry:
		err := retry(ctx, cfg, m)
		if err == nil {
			cfg.Log.Info("controller: failed group retried after RetryPeriodOnFailure", "group", m.Group, "from", m.From, "to", m.To)
		}
		return err
	case placement.ReasonResourceFailed:
		res, err := cfg.Ops.MoveFailedGroup(ctx, m.Group, m.To)
		if err == nil {
			cfg.Log.Info("controller: failed group moved", "group", m.Group, "from", m.From, "to", m.To, "status", res.Status)
			if cfg.OnFailover != nil {
				cfg.OnFailover()
			}
		}
		return err
	default:
		req := ops.Request{Caller: "controller:" + string(m.Reason)}
		if m.Reason == placement.ReasonDrain {
			req.Flags = ops.DrainMoveFlags(cfg.Store.View(), m.From)
		}
		res, err := cfg.Ops.MoveGroup(ctx, ops.GroupRef{Name: m.Group}, m.To, req)
		if err == nil {
			cfg.Log.Info("controller: group moved", "group", m.Group, "from", m.From, "to", m.To, "reason", m.Reason, "status", res.Status)
		} else if errors.Is(err, wsfc.ERROR_CLUSTER_GROUP_MOVING) {
			return nil
		}
		return err
	}
}
