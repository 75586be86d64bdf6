package ocf

import (
	"context"
	"fmt"
	"runtime"
)

// slots bounds how many agent processes of one kind run at once on this
// node. Without a bound, a group of 200 resources brought online at once
// ran 200 shell agents side by side: on 2 CPUs the agent's own threads
// then waited so long for a CPU that its lease renewals missed the
// fencing deadline and the node fenced itself. Pacemaker bounds its jobs
// per node the same way (node-action-limit, twice the cores by default).
//
// Health checks have slots of their own: a slow start (a database
// recovering for a minute) must not hold back another resource's monitor
// until its timeout runs out and it counts as a failure.
type slots chan struct{}

// actionLimit is each kind's number of slots: twice the CPUs, and no
// fewer than 4.
func actionLimit() int { return max(4, 2*runtime.NumCPU()) }

var (
	lifecycleSlots = make(slots, actionLimit()) // meta-data, validate-all, start, stop, the monitor after start
	healthSlots    = make(slots, actionLimit()) // LooksAlive and IsAlive
)

// take waits for a free slot, or for ctx to end; give hands it back.
func (s slots) take(ctx context.Context, what string) error {
	select {
	case s <- struct{}{}:
		return nil
	default:
	}
	select {
	case s <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("ocf: %s: waiting for one of the node's %d agent slots: %w", what, cap(s), context.Cause(ctx))
	}
}

func (s slots) give() { <-s }
