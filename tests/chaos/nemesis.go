//go:build linux

package chaos

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"
)

// The nemesis's faults.
const (
	FaultKill         = "kill"           // kill -9 a node, start it again after a while
	FaultKillLeader   = "kill-db-leader" // the same, to the database leader
	FaultFreeze       = "freeze"         // SIGSTOP for longer than the lease, then SIGCONT
	FaultRestart      = "restart"        // a clean stop (SIGTERM) and a start
	FaultIsolate      = "isolate"        // one node's switch port down
	FaultIsolateMinor = "isolate-minority"
	FaultSplit        = "split"   // majority/minority: each side talks within itself
	FaultBridge       = "bridge"  // two sides that share one node (a partial partition)
	FaultOneWay       = "one-way" // one node's packets out (or in) dropped, the other direction delivered
)

type faultKind struct {
	name    string
	weight  int
	minSize int // nodes the cluster needs for it to mean something
}

var faultKinds = []faultKind{
	{FaultKill, 12, 3},
	{FaultKillLeader, 8, 3},
	{FaultFreeze, 12, 3},
	{FaultRestart, 6, 3},
	{FaultIsolate, 10, 3},
	{FaultIsolateMinor, 6, 5},
	{FaultSplit, 10, 3},
	{FaultBridge, 8, 3},
	{FaultOneWay, 10, 3},
}

// Nemesis injects faults into a cluster, at random moments of a round.
type Nemesis struct {
	c   *Cluster
	log Logf
	// SpareLeader: freezes never hit the database leader (see
	// Campaign.SpareLeader).
	SpareLeader bool

	mu     sync.Mutex // guards the fields below
	counts map[string]int
	busy   map[*Node]bool // nodes a process fault of this round holds
	events []string       // what was done this round, with times
	begin  time.Time
}

// NewNemesis makes a nemesis for c.
func NewNemesis(c *Cluster, log Logf) *Nemesis {
	return &Nemesis{c: c, log: log, counts: map[string]int{}}
}

// Counts is how many faults of each kind were injected.
func (nm *Nemesis) Counts() map[string]int {
	nm.mu.Lock()
	defer nm.mu.Unlock()
	out := map[string]int{}
	for k, v := range nm.counts {
		out[k] = v
	}
	return out
}

func (nm *Nemesis) note(format string, args ...any) {
	nm.mu.Lock()
	defer nm.mu.Unlock()
	nm.events = append(nm.events, fmt.Sprintf("+%.1fs ", time.Since(nm.begin).Seconds())+fmt.Sprintf(format, args...))
}

// Round injects one fault at a random moment of the active time, and with
// some probability a second one overlapping it, undoing each when its
// time is up; then it heals everything (thaws, reconnects, starts the
// nodes that are down). It returns what it did.
func (nm *Nemesis) Round(ctx context.Context, rng *rand.Rand, active time.Duration) ([]string, error) {
	nm.mu.Lock()
	nm.busy, nm.events, nm.begin = map[*Node]bool{}, nil, time.Now()
	nm.mu.Unlock()
	n := 1
	if rng.IntN(10) < 3 {
		n = 2
	}
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		// Each fault has its own generator, so their choices do not
		// depend on how the goroutines interleave.
		frng := rand.New(rand.NewPCG(rng.Uint64(), rng.Uint64()))
		at := time.Duration(frng.Int64N(int64(active) / 3))
		if i > 0 {
			at += time.Duration(frng.Int64N(int64(active) / 3))
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case <-ctx.Done():
				return
			case <-time.After(at):
			}
			errs[i] = nm.fault(ctx, frng, active-at)
		}()
	}
	wg.Wait()
	err := errors.Join(errors.Join(errs...), nm.HealAll())
	nm.mu.Lock()
	defer nm.mu.Unlock()
	return nm.events, err
}

// fault picks a fault and a victim, injects it and undoes it after a
// random time within left.
func (nm *Nemesis) fault(ctx context.Context, rng *rand.Rand, left time.Duration) error {
	k := nm.pick(rng)
	c := nm.c
	hold := func(lo, hi time.Duration) {
		d := lo + time.Duration(rng.Int64N(int64(hi-lo)+1))
		select {
		case <-ctx.Done():
		case <-time.After(d):
		}
	}
	switch k {
	case FaultKill, FaultKillLeader:
		var victim *Node
		if k == FaultKillLeader {
			if l := c.DBLeader(); l != nil && nm.claim(l) {
				victim = l
			}
		}
		if victim == nil {
			k = FaultKill
			victim = nm.claimRandom(rng)
		}
		if victim == nil {
			return nil
		}
		nm.count(k)
		nm.note("%s %s", k, victim.Name)
		if err := victim.Kill(); err != nil {
			return err
		}
		hold(500*time.Millisecond, 4*time.Second)
		nm.note("start %s", victim.Name)
		return victim.Spawn()
	case FaultFreeze:
		var not []*Node
		if nm.SpareLeader {
			if l := c.DBLeader(); l != nil {
				not = append(not, l)
			}
		}
		victim := nm.claimRandom(rng, not...)
		if victim == nil {
			return nil
		}
		nm.count(k)
		nm.note("freeze %s", victim.Name)
		if err := victim.Freeze(); err != nil {
			return err
		}
		// Longer than the lease: its groups go elsewhere meanwhile.
		hold(LeaseTTL+FenceMargin, LeaseTTL+3*time.Second)
		nm.note("thaw %s", victim.Name)
		victim.Thaw()
		return nil
	case FaultRestart:
		victim := nm.claimRandom(rng)
		if victim == nil {
			return nil
		}
		nm.count(k)
		nm.note("restart %s (SIGTERM)", victim.Name)
		if err := victim.Stop(30 * time.Second); err != nil {
			return err
		}
		nm.note("start %s", victim.Name)
		return victim.Spawn()
	}
	// Network faults.
	idx := make([]int, len(c.Nodes))
	for i := range idx {
		idx[i] = i + 1
	}
	rng.Shuffle(len(idx), func(a, b int) { idx[a], idx[b] = idx[b], idx[a] })
	minority := 1 + rng.IntN((len(idx)-1)/2)
	var cut Cut
	var err error
	var what string
	switch k {
	case FaultIsolate:
		what = fmt.Sprintf("isolate n%d", idx[0])
		err = c.Net.IsolateAll(&cut, idx[0])
	case FaultIsolateMinor:
		what = fmt.Sprintf("isolate each of %s", names(idx[:minority]))
		err = c.Net.IsolateAll(&cut, idx[:minority]...)
	case FaultSplit:
		what = fmt.Sprintf("split %s | %s", names(idx[:minority]), names(idx[minority:]))
		err = c.Net.SplitCut(&cut, idx[:minority], idx[minority:])
	case FaultBridge:
		// a and b see each other, and so do b and c; a and c do not.
		half := len(idx) / 2
		a, b := idx[:half], idx[half+1:]
		what = fmt.Sprintf("bridge %s | n%d | %s", names(a), idx[half], names(b))
		err = c.Net.SplitCut(&cut, a, b)
	case FaultOneWay:
		x := idx[0]
		if rng.IntN(2) == 0 {
			what = fmt.Sprintf("one-way: n%d's packets out dropped", x)
			err = c.Net.BlockAll(&cut, []int{x}, idx[1:])
		} else {
			what = fmt.Sprintf("one-way: n%d's packets in dropped", x)
			err = c.Net.BlockAll(&cut, idx[1:], []int{x})
		}
	}
	nm.count(k)
	nm.note("%s", what)
	if err != nil {
		return errors.Join(err, c.Net.Undo(cut))
	}
	// Some shorter than the lease (nothing should move), most longer.
	hold(time.Second, max(2*time.Second, min(left, 7*time.Second)))
	nm.note("end %s", what)
	return c.Net.Undo(cut)
}

func names(idx []int) string {
	s := make([]string, len(idx))
	for i, x := range idx {
		s[i] = fmt.Sprintf("n%d", x)
	}
	return "{" + strings.Join(s, ",") + "}"
}

func (nm *Nemesis) pick(rng *rand.Rand) string {
	var kinds []faultKind
	total := 0
	for _, k := range faultKinds {
		if len(nm.c.Nodes) >= k.minSize {
			kinds = append(kinds, k)
			total += k.weight
		}
	}
	x := rng.IntN(total)
	for _, k := range kinds {
		if x < k.weight {
			return k.name
		}
		x -= k.weight
	}
	return kinds[0].name
}

func (nm *Nemesis) count(kind string) {
	nm.mu.Lock()
	defer nm.mu.Unlock()
	nm.counts[kind]++
}

// claim reserves n for a process fault; false if another holds it or it
// does not run.
func (nm *Nemesis) claim(n *Node) bool {
	nm.mu.Lock()
	defer nm.mu.Unlock()
	if nm.busy[n] || !n.Running() || n.Frozen() {
		return false
	}
	nm.busy[n] = true
	return true
}

func (nm *Nemesis) claimRandom(rng *rand.Rand, not ...*Node) *Node {
	nodes := slices.Clone(nm.c.Nodes)
	rng.Shuffle(len(nodes), func(a, b int) { nodes[a], nodes[b] = nodes[b], nodes[a] })
	for _, n := range nodes {
		if !slices.Contains(not, n) && nm.claim(n) {
			return n
		}
	}
	return nil
}

// HealAll ends every fault: thaws frozen agents, heals the network and
// starts the agents that are down.
func (nm *Nemesis) HealAll() error {
	var errs []error
	for _, n := range nm.c.Nodes {
		if n.Frozen() {
			n.Thaw()
		}
	}
	errs = append(errs, nm.c.Net.Heal())
	for _, n := range nm.c.Nodes {
		if !n.Running() {
			errs = append(errs, n.Spawn())
		}
	}
	return errors.Join(errs...)
}
