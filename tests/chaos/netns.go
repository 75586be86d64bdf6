//go:build linux

package chaos

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Network is a switch (a bridge in a network namespace of its own) and one
// network namespace per node, each linked to the switch by a veth pair,
// all made by NewNetwork and removed by Remove. Node i is 198.18.0.i
// (RFC 2544's benchmarking range) inside its namespace; no address of it
// exists in the root namespace, and no traffic leaves the namespaces.
//
// Faults: Isolate takes a node's switch port down (nothing passes either
// way; established connections hang rather than break, as in a real
// partition); Block drops what one node sends to another (a blackhole
// route in the sender's namespace: one-way at the IP level, so the other
// direction still delivers — the asymmetric partition; iptables, nft and
// tc classifiers are not available here). Heal undoes everything.
type Network struct {
	prefix string
	n      int

	mu sync.Mutex // guards the fields below
	// isolated counts the faults that hold each node's port down, and
	// blocked those that hold each one-way cut: overlapping faults undo
	// only their own cuts.
	isolated map[int]int
	blocked  map[[2]int]int
}

var networks atomic.Int32

// NewNetwork makes the switch and n node namespaces. It needs root and
// iproute2.
func NewNetwork(n int) (*Network, error) {
	if os.Geteuid() != 0 {
		return nil, ErrNeedsRoot
	}
	if _, err := exec.LookPath("ip"); err != nil {
		return nil, fmt.Errorf("chaos: needs ip (iproute2): %w", err)
	}
	// Short (interface names have at most 15 bytes) and unique to this
	// process and network.
	nw := &Network{
		prefix:   fmt.Sprintf("bzx%d%c", os.Getpid()%100000, 'a'+networks.Add(1)%26),
		n:        n,
		isolated: map[int]int{},
		blocked:  map[[2]int]int{},
	}
	steps := [][]string{
		{"netns", "add", nw.sw()},
		{"-n", nw.sw(), "link", "add", nw.prefix + "br", "type", "bridge"},
		{"-n", nw.sw(), "link", "set", nw.prefix + "br", "up"},
	}
	for i := 1; i <= n; i++ {
		ns, host, port := nw.NS(i), fmt.Sprintf("%sh%d", nw.prefix, i), nw.port(i)
		steps = append(steps,
			[]string{"netns", "add", ns},
			[]string{"link", "add", host, "netns", ns, "type", "veth", "peer", "name", port, "netns", nw.sw()},
			[]string{"-n", nw.sw(), "link", "set", port, "master", nw.prefix + "br"},
			[]string{"-n", nw.sw(), "link", "set", port, "up"},
			[]string{"-n", ns, "addr", "add", nw.Addr(i) + "/24", "dev", host},
			[]string{"-n", ns, "link", "set", host, "up"},
			[]string{"-n", ns, "link", "set", "lo", "up"},
		)
	}
	for _, s := range steps {
		if err := ip(s...); err != nil {
			nw.Remove()
			return nil, err
		}
	}
	return nw, nil
}

// ErrNeedsRoot: network namespaces need root.
var ErrNeedsRoot = errors.New("chaos: network namespaces need root")

func (nw *Network) sw() string { return nw.prefix + "-sw" }

// NS is node i's network namespace.
func (nw *Network) NS(i int) string { return fmt.Sprintf("%s-n%d", nw.prefix, i) }

// Addr is node i's address.
func (nw *Network) Addr(i int) string { return fmt.Sprintf("198.18.0.%d", i) }

func (nw *Network) port(i int) string { return fmt.Sprintf("%ss%d", nw.prefix, i) }

// Isolate takes node i's switch port down (until as many Reconnect, or
// Heal).
func (nw *Network) Isolate(i int) error {
	nw.mu.Lock()
	defer nw.mu.Unlock()
	if nw.isolated[i] == 0 {
		if err := ip("-n", nw.sw(), "link", "set", nw.port(i), "down"); err != nil {
			return err
		}
	}
	nw.isolated[i]++
	return nil
}

// Reconnect undoes one Isolate of node i.
func (nw *Network) Reconnect(i int) error {
	nw.mu.Lock()
	defer nw.mu.Unlock()
	if nw.isolated[i] == 0 {
		return nil
	}
	if nw.isolated[i] == 1 {
		if err := ip("-n", nw.sw(), "link", "set", nw.port(i), "up"); err != nil {
			return err
		}
	}
	nw.isolated[i]--
	if nw.isolated[i] == 0 {
		delete(nw.isolated, i)
	}
	return nil
}

// Block drops every packet node from sends to node to (until as many
// Unblock, or Heal).
func (nw *Network) Block(from, to int) error {
	nw.mu.Lock()
	defer nw.mu.Unlock()
	k := [2]int{from, to}
	if nw.blocked[k] == 0 {
		if err := ip("-n", nw.NS(from), "route", "add", "blackhole", nw.Addr(to)+"/32"); err != nil {
			return err
		}
	}
	nw.blocked[k]++
	return nil
}

// Unblock undoes one Block.
func (nw *Network) Unblock(from, to int) error {
	nw.mu.Lock()
	defer nw.mu.Unlock()
	k := [2]int{from, to}
	if nw.blocked[k] == 0 {
		return nil
	}
	if nw.blocked[k] == 1 {
		if err := ip("-n", nw.NS(from), "route", "del", "blackhole", nw.Addr(to)+"/32"); err != nil {
			return err
		}
	}
	nw.blocked[k]--
	if nw.blocked[k] == 0 {
		delete(nw.blocked, k)
	}
	return nil
}

// Cut is a set of cuts a fault made, to undo exactly those.
type Cut struct {
	isolated []int
	blocked  [][2]int
}

// Undo undoes the cuts of c.
func (nw *Network) Undo(c Cut) error {
	var errs []error
	for _, i := range c.isolated {
		errs = append(errs, nw.Reconnect(i))
	}
	for _, k := range c.blocked {
		errs = append(errs, nw.Unblock(k[0], k[1]))
	}
	return errors.Join(errs...)
}

// IsolateAll isolates each of the nodes.
func (nw *Network) IsolateAll(c *Cut, nodes ...int) error {
	for _, i := range nodes {
		if err := nw.Isolate(i); err != nil {
			return err
		}
		c.isolated = append(c.isolated, i)
	}
	return nil
}

// BlockAll blocks each pair (from, to) of a and b, and records them in c.
func (nw *Network) BlockAll(c *Cut, from, to []int) error {
	for _, x := range from {
		for _, y := range to {
			if err := nw.Block(x, y); err != nil {
				return err
			}
			c.blocked = append(c.blocked, [2]int{x, y})
		}
	}
	return nil
}

// Split cuts every link between a node of side a and a node of side b,
// both ways; each side still talks within itself.
func (nw *Network) Split(a, b []int) error {
	var c Cut
	return nw.SplitCut(&c, a, b)
}

// SplitCut is Split recording its cuts in c.
func (nw *Network) SplitCut(c *Cut, a, b []int) error {
	return errors.Join(nw.BlockAll(c, a, b), nw.BlockAll(c, b, a))
}

// Faulty reports whether any cut is in place.
func (nw *Network) Faulty() bool {
	nw.mu.Lock()
	defer nw.mu.Unlock()
	return len(nw.isolated) > 0 || len(nw.blocked) > 0
}

// Heal undoes every Isolate and Block.
func (nw *Network) Heal() error {
	nw.mu.Lock()
	defer nw.mu.Unlock()
	var errs []error
	for i := range nw.isolated {
		if err := ip("-n", nw.sw(), "link", "set", nw.port(i), "up"); err != nil {
			errs = append(errs, err)
			continue
		}
		delete(nw.isolated, i)
	}
	keys := make([][2]int, 0, len(nw.blocked))
	for k := range nw.blocked {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b [2]int) int { return a[0]*100 + a[1] - b[0]*100 - b[1] })
	for _, k := range keys {
		if err := ip("-n", nw.NS(k[0]), "route", "del", "blackhole", nw.Addr(k[1])+"/32"); err != nil {
			errs = append(errs, err)
			continue
		}
		delete(nw.blocked, k)
	}
	return errors.Join(errs...)
}

// Remove deletes the namespaces, and with them their links. The agents
// must have stopped first.
func (nw *Network) Remove() error {
	var errs []error
	for i := nw.n; i >= 0; i-- {
		ns := nw.sw()
		if i > 0 {
			ns = nw.NS(i)
		}
		out, err := exec.Command("ip", "netns", "del", ns).CombinedOutput()
		if err != nil && !strings.Contains(string(out), "No such file") {
			errs = append(errs, fmt.Errorf("ip netns del %s: %v %s", ns, err, out))
		}
	}
	return errors.Join(errs...)
}

func ip(args ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "ip", args...).CombinedOutput(); err != nil {
		return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}
