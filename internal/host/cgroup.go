package host

import (
	"context"
	"fmt"
	"time"

	"github.com/batoncluster/baton/internal/cgroup"
	"github.com/batoncluster/baton/internal/store"
	"github.com/batoncluster/baton/proplist"
)

// Status properties the host adds to every resource's when the node has
// cgroups: its cgroup, and what the processes in it use.
const (
	StatusCgroup      = "Cgroup"      // sz: the cgroup's directory
	StatusProcesses   = "Processes"   // dword: processes in it
	StatusMemoryBytes = "MemoryBytes" // ularge: their memory
)

// killWithin bounds emptying a resource's cgroup.
const killWithin = 5 * time.Second

// cgroupOf makes r's cgroup on this node; nil when the node has none (or
// it cannot be made, which is logged: the resource then runs without).
func (h *Host) cgroupOf(r *store.Resource) *cgroup.Group {
	g, err := h.cfg.Cgroups.Group(r.ID, r.Name, r.Group)
	if err != nil {
		h.log.Warn("cannot make the resource's cgroup; its processes run without one", "resource", r.Name, "err", err)
		return nil
	}
	return g
}

// emptyCgroup ends whatever is left in inst's cgroup — what an Offline or
// Terminate did not stop, such as a child that double-forked away from
// the process the type watched — so that nothing the resource started
// outlives it.
func emptyCgroup(ctx context.Context, inst *instance) error {
	if inst.cg == nil {
		return nil
	}
	if left, err := inst.cg.Procs(); err != nil || len(left) == 0 {
		return nil
	}
	kctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), killWithin)
	defer cancel()
	if err := inst.cg.Kill(kctx); err != nil {
		return fmt.Errorf("processes left in the resource's cgroup: %w", err)
	}
	return nil
}

// withUsage replaces the cgroup properties in props with the figures
// Report gives for g.
func withUsage(props proplist.List, g *cgroup.Group) proplist.List {
	if g == nil {
		return props
	}
	var out proplist.List
	for _, p := range props {
		if p.Name != StatusCgroup && p.Name != StatusProcesses && p.Name != StatusMemoryBytes {
			out = append(out, p)
		}
	}
	u, err := g.Report()
	if err != nil {
		return append(out, proplist.Property{Name: StatusCgroup, Values: []proplist.Value{proplist.SZ(g.Path)}})
	}
	return append(out,
		proplist.Property{Name: StatusCgroup, Values: []proplist.Value{proplist.SZ(g.Path)}},
		proplist.Property{Name: StatusProcesses, Values: []proplist.Value{proplist.DWORD(uint32(u.Processes))}},
		proplist.Property{Name: StatusMemoryBytes, Values: []proplist.Value{proplist.ULarge(u.MemoryBytes)}},
	)
}
