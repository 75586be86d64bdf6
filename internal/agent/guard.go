package agent

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/batoncluster/baton/internal/cgroup"
	"github.com/batoncluster/baton/internal/guard"
	"github.com/batoncluster/baton/internal/host"
	"github.com/batoncluster/baton/internal/liveness"
	"github.com/batoncluster/baton/internal/metrics"
)

// startGuard makes the node's cgroup directory (internal/cgroup: each
// resource's processes run in a cgroup of their own below it) and
// connects to the node's fence guard (internal/guard), starting one if
// none runs: resource processes must not outlive the node's authority to
// run them, even when this agent is killed or frozen.
func (a *Agent) startGuard() error {
	a.cgroups = cgroup.Setup(cgroup.Options{Node: a.cfg.Name, DataDir: a.cfg.DataDir, Log: a.log})
	a.closers = append(a.closers, func() { _ = a.cgroups.Remove() }) // what is empty
	if a.cfg.Watchdog != "" {
		if _, err := os.Stat(a.cfg.Watchdog); err != nil {
			return fmt.Errorf("agent: --watchdog: %w (softdog: modprobe softdog)", err)
		}
	}
	g, err := guard.Connect(guard.Config{Dir: a.cfg.DataDir, Exec: a.cfg.GuardExec, Log: a.log, Cgroup: a.cgroups.Path,
		Watchdog: a.cfg.Watchdog, WatchdogTimeout: a.cfg.WatchdogTimeout})
	if err != nil {
		return err
	}
	a.guard = g
	a.closers = append(a.closers, g.Close)
	return nil
}

// resourceUsage is what /metrics reports of each hosted resource's
// cgroup.
func (a *Agent) resourceUsage() []metrics.ResourceUsage {
	var out []metrics.ResourceUsage
	for _, g := range a.cgroups.Groups() {
		u, err := g.Usage()
		if err != nil {
			continue
		}
		out = append(out, metrics.ResourceUsage{Group: g.ResourceGroup, Resource: g.Resource,
			Processes: u.Processes, MemoryBytes: u.MemoryBytes})
	}
	return out
}

// releaseLease ends a lease when the host under it stopped (err is why).
// A lease is revoked — the node is Down at once and its groups fail over —
// unless resource processes were left running (a stop without
// --stop-resources-on-exit): revoking would let another node start them
// while they still run here. That lease is left to lapse instead; the
// guard kills the processes at its deadline, before it can expire, unless
// a restarted agent takes over first and reattaches them.
func (a *Agent) releaseLease(lease *liveness.Lease, err error) {
	if !errors.Is(err, host.ErrFenced) && a.guard.Tracked() > 0 {
		a.log.Info("resource processes left running: the lease is left to lapse, not revoked",
			"processes", a.guard.Tracked(), "killedUnlessRestartedBy", lease.Deadline().Format(time.RFC3339Nano))
		lease.Abandon()
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	lease.Close(ctx) // revoke: the node is Down at once on a clean stop
}
