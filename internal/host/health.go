package host

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/store"
)

// watchHealth starts polling an Online resource (once per state sequence).
func (h *Host) watchHealth(inst *instance, r *store.Resource, seq uint64) {
	if inst.healthSeq == seq && inst.healthCancel != nil {
		return
	}
	h.stopHealth(inst)
	looks := interval(r.Common.LooksAlivePollInterval, inst.typ.LooksAliveInterval, 5000)
	is := interval(r.Common.IsAlivePollInterval, inst.typ.IsAliveInterval, 60000)
	ctx, cancel := context.WithCancel(context.Background())
	inst.healthSeq, inst.healthCancel = seq, cancel
	name, res, cg := inst.name, inst.res, inst.cg
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		lt, it := time.NewTicker(looks), time.NewTicker(is)
		defer lt.Stop()
		defer it.Stop()
		for {
			var err error
			select {
			case <-ctx.Done():
				return
			case <-lt.C:
				// LooksAlive failing is followed by IsAlive at once.
				if err = res.LooksAlive(ctx); err != nil {
					err = res.IsAlive(ctx)
				}
			case <-it.C:
				err = res.IsAlive(ctx)
			}
			if err == nil && cg != nil && cg.Moved() {
				h.notifyChanged(name) // its processes or memory changed: report them
			}
			if err != nil && ctx.Err() == nil {
				select {
				case h.health <- healthFailure{name: name, seq: seq, err: err}:
				case <-ctx.Done():
				}
				return
			}
		}
	}()
}

func (h *Host) stopHealth(inst *instance) {
	if inst.healthCancel != nil {
		inst.healthCancel()
		inst.healthCancel, inst.healthSeq = nil, 0
	}
}

// interval picks a resource's poll interval, else its type's, else def.
func interval(resource, typ, def uint32) time.Duration {
	ms := resource
	if ms == store.UseTypeValue || ms == 0 {
		ms = typ
	}
	if ms == 0 || ms == store.UseTypeValue {
		ms = def
	}
	return time.Duration(ms) * time.Millisecond
}

// errFailAsked is the failure FailClusterResource asks for
// (store.Status.FailSeq): it is handled as a failed health check.
var errFailAsked = errors.New("failed on request (FailClusterResource)")

// onHealthFailure applies the restart policy (reference §8.2): restart on
// this node up to RestartThreshold times within RestartPeriod, unless
// RestartAction is 0; past that the resource stays Failed.
func (h *Host) onHealthFailure(ctx context.Context, f healthFailure) {
	inst := h.insts[f.name]
	if inst == nil {
		return
	}
	inst.healthCancel, inst.healthSeq = nil, 0
	v := h.cfg.Store.View()
	r := v.Resource(f.name)
	if r == nil {
		return
	}
	now := h.now()
	why := fmt.Sprintf("health check failed: %v", f.err)
	if errors.Is(f.err, errFailAsked) {
		why = f.err.Error()
		h.log.Warn("resource failed on request", "resource", f.name)
	} else {
		h.log.Warn("health check failed", "resource", f.name, "err", f.err)
	}
	restarted := false
	h.report(ctx, inst, inst.cfgRev, func(st *store.Status) bool {
		restarted = false
		if st.Seq != f.seq || wsfc.ClusterResourceState(st.State) != wsfc.ClusterResourceOnline {
			return false
		}
		st.Restarts = recentRestarts(st.Restarts, now, r.Common.RestartPeriod)
		st.Seq++
		st.LastError = why
		if r.Common.RestartAction == 0 || uint32(len(st.Restarts)) >= r.Common.RestartThreshold {
			st.State = int32(wsfc.ClusterResourceFailed)
			return true
		}
		st.Restarts = append(st.Restarts, now)
		st.State = int32(wsfc.ClusterResourceOnlinePending)
		st.Restart = true
		st.OpParams = false
		restarted = true
		return true
	})
	if restarted && h.cfg.Observer != nil {
		h.cfg.Observer.Restart(r.Group, r.Name)
	}
}

// recentRestarts keeps the restarts within the last period ms.
func recentRestarts(ts []time.Time, now time.Time, periodMs uint32) []time.Time {
	cut := now.Add(-time.Duration(periodMs) * time.Millisecond)
	var out []time.Time
	for _, t := range ts {
		if t.After(cut) {
			out = append(out, t)
		}
	}
	return out
}
