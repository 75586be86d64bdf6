package host

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/batoncluster/baton/clusapi"
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
	var flags uint32
	if op := v.Operation(st.OpID); op != nil {
		flags = op.Flags
		if st.OpParams && len(op.InBuffer) > 0 {
			// ops validated the buffer before accepting it.
			params, _ = proplist.Unmarshal(op.InBuffer)
		}
		h.ops[op.ID] = true
	}
	timeout := time.Duration(r.Common.PendingTimeout) * time.Millisecond
	actx, cancel := context.WithCancel(ctx)
	inst.busy, inst.cancel = kind, cancel
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
		state, err := h.run(actx, inst, kind, timeout, flags, params, terminate, restart, restartDelay)
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
func (h *Host) run(ctx context.Context, inst *instance, kind busy, timeout time.Duration, flags uint32,
	params proplist.List, terminate, restart bool, restartDelay time.Duration) (clusapi.ClusterResourceState, error) {
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
			err = inst.res.Online(octx, restype.OnlineRequest{Flags: flags, Params: params})
		}
	case terminate:
		if t, ok := inst.res.(restype.Terminator); ok {
			err = t.Terminate(cctx)
		} else {
			err = inst.res.Offline(cctx, restype.OfflineRequest{Flags: flags, Params: params})
		}
	default:
		err = inst.res.Offline(cctx, restype.OfflineRequest{Flags: flags, Params: params})
	}
	if kind != busyOnline && (err == nil || terminate) {
		// Nothing the resource started outlives its offline.
		if kerr := emptyCgroup(cctx, inst); err == nil {
			err = kerr
		}
	}
	if errors.Is(context.Cause(cctx), errPendingTimeout) {
		h.terminate(ctx, inst)
		return clusapi.ClusterResourceFailed, fmt.Errorf("%s did not finish within PendingTimeout (%v): %w", kind, timeout, errPendingTimeout)
	}
	if err != nil {
		return clusapi.ClusterResourceFailed, fmt.Errorf("%s: %w", kind, err)
	}
	if kind == busyOnline {
		return clusapi.ClusterResourceOnline, nil
	}
	return clusapi.ClusterResourceOffline, nil
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

// outcome is how a lifecycle call ended.
type outcome struct {
	name    string
	seq     uint64 // the state sequence the call started from
	state   clusapi.ClusterResourceState
	err     error
	discard bool // cancelled (superseded, or the agent is stopping): write nothing
}

// finishAll writes the outcomes of finished calls in one transaction —
// each only if its resource's state has not moved on since the call began
// — marks their instances idle, and returns the groups to reconcile.
func (h *Host) finishAll(ctx context.Context, outs []outcome) map[string]bool {
	groups := map[string]bool{}
	var write []outcome
	for _, o := range outs {
		inst := h.insts[o.name]
		if inst == nil {
			continue
		}
		inst.busy, inst.cancel = idle, nil
		if !o.discard && o.state == clusapi.ClusterResourceOffline {
			inst.mayRun = false
		}
		groups[inst.group] = true
		if o.discard {
			h.toReport[o.name] = true // its configuration revision, at least
		} else {
			write = append(write, o)
		}
	}
	if len(write) == 0 {
		return groups
	}
	_, err := h.cfg.Store.Update(ctx, func(v store.View, t *store.Txn) error {
		for _, o := range write {
			st := v.Status(o.name)
			if st == nil || st.Seq != o.seq {
				continue // superseded meanwhile
			}
			n := st.Clone()
			inst := h.insts[o.name]
			h.reported(inst, n)
			n.ConfigRev = max(n.ConfigRev, inst.cfgRev)
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
	if err != nil && ctx.Err() == nil {
		h.log.Warn("cannot write the outcome of lifecycle calls", "calls", len(write), "err", err)
	}
	return groups
}
