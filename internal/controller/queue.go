package controller

import (
	"context"
	"time"

	"github.com/batoncluster/baton/internal/ops"
)

// moveQueue carries out, on the leader, what MoveClusterGroupEx leaves to
// the cluster after it answered (docs/moves.md):
//
//   - moves accepted with flag 0x2 or 0x10 whose group then failed on the
//     destination are taken back, to the source or a preferred owner
//     (ops.RecoverFailedMove) — before the failover policy would move them
//     elsewhere (ops.MoveFailedGroup refuses them until then);
//   - moves waiting in a queue (flag 0x4) are tried again on every change,
//     high-priority ones (0x8) first (ops.RetryQueuedMove): each starts once
//     nothing blocks it, or ends;
//   - queued moves whose group was deleted end failed.
//
// All of it is state in the database, so a new leader carries on where the
// last one stopped. The only memory here is what saves reading every
// operation on every pass: the groups of the last pass (a deletion makes
// the next pass look) and when it last looked (it looks every
// orphanScanEvery anyway, for a group made and deleted between passes).
type moveQueue struct {
	cfg      Config
	groups   map[string]string // group name → id at the last pass; nil before the first
	lastScan time.Time
}

// orphanScanEvery bounds how long a queued move of a deleted group can go
// unnoticed.
const orphanScanEvery = 5 * time.Second

// queueRecheck is how often the leader looks at waiting moves even when
// nothing changes (every change makes it look at once).
const queueRecheck = 5 * time.Second

func newMoveQueue(cfg Config) *moveQueue { return &moveQueue{cfg: cfg} }

// reconcile does one pass and says when to look again if nothing changes.
func (q *moveQueue) reconcile(ctx context.Context) time.Duration {
	log := q.cfg.Log
	next := time.Hour
	for _, name := range ops.FailedMoves(q.cfg.Store.View()) {
		res, err := q.cfg.Ops.RecoverFailedMove(ctx, name)
		if err != nil {
			if ctx.Err() != nil {
				return next
			}
			log.Warn("controller: cannot take back a group whose move failed", "group", name, "err", err)
			next = min(next, 200*time.Millisecond)
			continue
		}
		if res.OperationID == "" {
			log.Info("controller: move failed on its destination and no node can take the group back; the failover policy decides", "group", name)
		} else {
			log.Info("controller: move failed on its destination; taking the group back", "group", name, "op", res.OperationID)
		}
	}

	for _, m := range ops.QueuedMoves(q.cfg.Store.View()) {
		waiting, err := q.cfg.Ops.RetryQueuedMove(ctx, m.Group)
		switch {
		case err != nil && ctx.Err() != nil:
			return next
		case err != nil:
			log.Warn("controller: cannot try a queued move again", "group", m.Group, "op", m.Op, "err", err)
			next = min(next, 200*time.Millisecond)
		case waiting:
			next = min(next, queueRecheck)
		default:
			log.Info("controller: queued move no longer waits", "group", m.Group, "op", m.Op)
		}
	}

	// A group deleted (or deleted and made again) may have left a queued
	// move: look for those among the operations when a group went since
	// the last pass, and every orphanScanEvery.
	v := q.cfg.Store.View()
	groups := make(map[string]string, len(q.groups))
	for _, g := range v.Groups() {
		groups[g.Name] = g.ID
	}
	now := time.Now()
	deleted := q.groups == nil || now.Sub(q.lastScan) >= orphanScanEvery
	for name, id := range q.groups {
		if groups[name] != id {
			deleted = true
			break
		}
	}
	if deleted {
		q.lastScan = now
		if gone := ops.OrphanedQueuedMoves(v); len(gone) > 0 {
			if err := q.cfg.Ops.EndDeletedGroupMoves(ctx, gone); err != nil {
				if ctx.Err() == nil {
					log.Warn("controller: cannot end the queued moves of deleted groups", "ops", len(gone), "err", err)
				}
				return min(next, 200*time.Millisecond) // and look again
			}
		}
	}
	q.groups = groups
	return min(next, orphanScanEvery)
}
