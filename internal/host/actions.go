package host

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/store"
	"github.com/batoncluster/baton/proplist"
	"github.com/batoncluster/baton/restype"
)

// terminateGrace bounds a Terminate call after a pending timeout.
const terminateGrace = 10 * time.Second

// start runs one lifecycle call for inst in its own goroutine.
func (h *Host) start(ctx context.Context, v store.View, inst *instance, r *store.Resource, st *store.Status, kind busy) {
	h.stopHealth(inst)
	var params proplist.List
	op := v.Operation(st.OpID)
	call := callFlagsOf(op)
	if op != nil {
		if st.OpParams && len(op.InBuffer) > 0 {
			// ops validated the buffer before accepting it.
			params, _ = proplist.Unmarshal(op.InBuffer)
		}
		h.ops[op.ID] = true
	}
	timeout := time.Duration(r.Common.PendingTimeout) * time.Millisecond
	actx, cancel := context.WithCancel(ctx)
	inst.busy, inst.cancel = kind, cancel
	h.calls++
	if kind == busyOnline {
		inst.mayRun = true
	}
	seq, terminate, restart := st.Seq, st.Terminate, st.Restart
	restartDelay := time.Duration(r.Common.RestartDelay) * time.Millisecond
	log := h.log.With("resource", inst.name, "op", st.OpID)
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		defer cancel()
		state, err := h.run(actx, inst, kind, timeout, call, params, terminate, restart, restartDelay)
		out := outcome{name: inst.name, seq: seq, state: state, err: err}
		switch {
		case ctx.Err() != nil:
			// The agent is stopping: leave the state pending; the next
			// start carries on.
			out.discard = true
		case actx.Err() != nil && !errors.Is(err, errPendingTimeout):
			log.Info("lifecycle call cancelled", "call", kind)
			out.discard = true
		case errors.Is(err, errLeaseInvalid):
			// The host fences next; the state stays pending for the
			// node's next lease.
			log.Info("online refused: the node's lease is no longer valid")
			out.discard = true
		case err != nil:
			log.Warn("lifecycle call failed", "call", kind, "err", err)
		default:
			log.Debug("lifecycle call done", "call", kind)
		}
		select {
		case h.done <- out:
		case <-ctx.Done():
		}
	}()
}

var errPendingTimeout = errors.New("pending timeout exceeded")

// run makes the type call and says which state it leads to.
func (h *Host) run(ctx context.Context, inst *instance, kind busy, timeout time.Duration, call callFlags,
	params proplist.List, terminate, restart bool, restartDelay time.Duration) (wsfc.ClusterResourceState, error) {
	cctx, cancel := context.WithTimeoutCause(ctx, timeout, errPendingTimeout)
	defer cancel()
	var err error
	switch {
	case kind == busyOnline:
		if restart {
			h.terminate(ctx, inst)
			select {
			case <-time.After(restartDelay):
			case <-cctx.Done():
			}
		}
		octx := leaseContext{Context: cctx, lease: h.cfg.Lease, now: h.now}
		if err = octx.Err(); err == nil {
			err = inst.res.Online(octx, restype.OnlineRequest{Flags: call.online, Params: params})
		}
	case terminate:
		if t, ok := inst.res.(restype.Terminator); ok {
			err = t.Terminate(cctx)
		} else {
			err = inst.res.Offline(cctx, call.offlineRequest(params))
		}
	default:
		err = inst.res.Offline(cctx, call.offlineRequest(params))
	}
	if kind != busyOnline && (err == nil || terminate) {
		// Nothing the resource started outlives its offline.
		if kerr := emptyCgroup(cctx, inst); err == nil {
			err = kerr
		}
	}
	if errors.Is(context.Cause(cctx), errPendingTimeout) {
		h.terminate(ctx, inst)
		return wsfc.ClusterResourceFailed, fmt.Errorf("%s did not finish within PendingTimeout (%v): %w", kind, timeout, errPendingTimeout)
	}
	if err != nil {
		return wsfc.ClusterResourceFailed, fmt.Errorf("%s: %w", kind, err)
	}
	if kind == busyOnline {
		return wsfc.ClusterResourceOnline, nil
	}
	return wsfc.ClusterResourceOffline, nil
}

// stopNow stops inst at once: Terminate when its type has it, else an
// offline; then whatever is left in its cgroup is killed.
func stopNow(ctx context.Context, inst *instance) error {
	var err error
	if t, ok := inst.res.(restype.Terminator); ok {
		err = t.Terminate(ctx)
	} else {
		err = inst.res.Offline(ctx, restype.OfflineRequest{})
	}
	if kerr := emptyCgroup(ctx, inst); err == nil {
		err = kerr
	}
	return err
}

func (h *Host) terminate(ctx context.Context, inst *instance) {
	tctx, cancel := context.WithTimeout(ctx, terminateGrace)
	defer cancel()
	if t, ok := inst.res.(restype.Terminator); ok {
		if err := t.Terminate(tctx); err != nil {
			h.log.Warn("terminate failed", "resource", inst.name, "err", err)
		}
	}
	if err := emptyCgroup(tctx, inst); err != nil {
		h.log.Warn("terminate: cannot empty the resource's cgroup", "resource", inst.name, "err", err)
	}
}

// outcome is how a lifecycle call ended, or what the loop decided for a
// resource without a call (a provider that cannot come online).
type outcome struct {
	name    string
	seq     uint64 // the state sequence the call started from
	state   wsfc.ClusterResourceState
	err     error
	discard bool // cancelled (superseded, or the agent is stopping): write nothing

	// Set when the outcome is settled (settle), for the writer, which
	// must not touch the loop's maps.
	inst    *instance
	cfgRev  int64
	settled time.Time
}

// completed takes the outcomes of finished calls. Each that counts is
// settled — the loop acts on it at once: the resources waiting for it
// start now, in this call — and written to the database behind it, in a
// batch with whatever else finished meanwhile (flush). A discarded one
// (superseded, or the agent is stopping) writes nothing and its group is
// looked at again as a whole.
func (h *Host) completed(ctx context.Context, outs []outcome) {
	var settled []string
	regroup := map[string]bool{}
	for _, o := range outs {
		h.calls--
		inst := h.insts[o.name]
		if inst == nil {
			continue
		}
		inst.busy, inst.cancel = idle, nil
		if o.discard {
			h.toReport[o.name] = true // its configuration revision, at least
			regroup[inst.group] = true
			continue
		}
		if o.state == wsfc.ClusterResourceOffline {
			inst.mayRun = false
		}
		h.settle(inst, o)
		settled = append(settled, o.name)
	}
	h.advance(ctx, settled)
	if len(regroup) > 0 {
		h.reconcile(ctx, regroup)
	} else {
		h.reportAll(ctx)
	}
	h.flush(ctx)
}

// settle records o as inst's state as far as this node is concerned (see
// Host.unwritten) and queues it for the writer.
func (h *Host) settle(inst *instance, o outcome) {
	o.inst, o.cfgRev, o.settled = inst, inst.cfgRev, h.now()
	h.unwritten[o.name] = o
	h.queue = append(h.queue, o)
}

// written is what the writer reports of one batch.
type written struct {
	outs []outcome
	err  error
}

// writeDelay is how long an outcome may wait to be written while calls
// still run on the node: their outcomes join it in one transaction. Once
// no call runs, what is queued is written at once.
const writeDelay = 25 * time.Millisecond

// flush hands the queued outcomes to the writer unless it is busy: one
// transaction at a time, with everything settled while the last one was
// committed. While calls still run it lets the oldest outcome wait up to
// writeDelay for more (the timer calls again), so a chain of quick calls
// costs a commit every writeDelay, not one per member; the group's last
// outcome, with nothing running any more, goes at once.
func (h *Host) flush(ctx context.Context) {
	if h.writing || len(h.queue) == 0 {
		return
	}
	if h.calls > 0 && len(h.queue) < writeBatch {
		if wait := h.queue[0].settled.Add(writeDelay).Sub(h.now()); wait > 0 {
			h.flushTimer.Reset(wait)
			return
		}
	}
	n := min(len(h.queue), writeBatch)
	batch := h.queue[:n:n]
	h.queue = h.queue[n:]
	if len(h.queue) == 0 {
		h.queue = nil
	}
	h.writing = true
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		err := h.writeOutcomes(ctx, batch)
		select {
		case h.wrote <- written{outs: batch, err: err}:
		case <-ctx.Done():
		}
	}()
}

// wroteBack takes the writer's report: the outcomes it wrote are now the
// database's business. A batch that could not be written leaves those
// resources pending in the database: they are looked at again from what
// it says, and their calls made again (stop and start are idempotent, see
// doc.go).
func (h *Host) wroteBack(ctx context.Context, w written) {
	h.writing = false
	for _, o := range w.outs {
		if u, ok := h.unwritten[o.name]; ok && u.seq == o.seq {
			delete(h.unwritten, o.name)
		}
	}
	if w.err != nil && ctx.Err() == nil {
		h.log.Warn("cannot write the outcome of lifecycle calls; looking at them again", "calls", len(w.outs), "err", w.err)
		groups := map[string]bool{}
		for _, o := range w.outs {
			groups[o.inst.group] = true
		}
		h.reconcile(ctx, groups)
	}
	h.flush(ctx)
}

// writeOutcomes writes outs in one transaction (or in order, in several
// when etcd refuses one as too large), each only if its
// resource's state has not moved on since the call began. It runs in the
// writer's goroutine: it reads only the outcomes and what the types
// report.
func (h *Host) writeOutcomes(ctx context.Context, outs []outcome) error {
	// Those superseded already need no decision (which, writing nothing,
	// would confirm its view with a read of the database).
	v := h.cfg.Store.View()
	outs = slices.DeleteFunc(slices.Clone(outs), func(o outcome) bool {
		st := v.Status(o.name)
		return st == nil || st.Seq != o.seq
	})
	// A batch etcd refuses as too large (an etcd with its default limits,
	// 128 operations) goes in halves, in order, until one fails.
	for size := len(outs); len(outs) > 0; {
		n := min(size, len(outs))
		err := h.writeOutcomesTxn(ctx, outs[:n])
		if store.TooLarge(err) && n > 1 {
			size = n / 2
			continue
		}
		if err != nil {
			return err
		}
		outs = outs[n:]
	}
	return nil
}

// writeOutcomesTxn is one transaction of writeOutcomes.
func (h *Host) writeOutcomesTxn(ctx context.Context, outs []outcome) error {
	_, err := h.cfg.Store.Update(ctx, func(v store.View, t *store.Txn) error {
		for _, o := range outs {
			st := v.Status(o.name)
			if st == nil || st.Seq != o.seq {
				continue // superseded meanwhile
			}
			n := st.Clone()
			h.reported(o.inst, n)
			n.ConfigRev = max(n.ConfigRev, o.cfgRev)
			n.State = int32(o.state)
			n.Seq++
			n.Terminate, n.Restart, n.LastError = false, false, ""
			if o.err != nil {
				n.LastError = o.err.Error()
			}
			n.Node, n.Updated = h.cfg.Node, h.now()
			t.PutStatus(n)
		}
		return nil
	})
	return err
}
