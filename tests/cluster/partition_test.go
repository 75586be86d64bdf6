//go:build linux

package cluster

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/batoncluster/baton/internal/ledger"
)

// network is a switch (a bridge in a network namespace of its own) and one
// network namespace per node, each linked to the switch by a veth pair, all
// created by the test and removed at its end. Node i is 198.18.0.i (the
// benchmarking range, RFC 2544) inside its namespace; no address of it
// exists in the root namespace, and no traffic leaves the namespaces.
// Loopback addresses cannot be routed between namespaces, hence these.
type network struct {
	prefix string
	n      int
}

var networks atomic.Int32

func newNetwork(t *testing.T, n int) *network {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("network namespaces need root")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("needs ip (iproute2)")
	}
	// Short (interface names have at most 15 bytes) and unique to this
	// process and network.
	nw := &network{prefix: fmt.Sprintf("bzt%d%c", os.Getpid()%100000, 'a'+networks.Add(1)%26), n: n}
	t.Cleanup(func() { nw.remove(t) })
	nw.ip(t, "netns", "add", nw.sw())
	nw.ip(t, "-n", nw.sw(), "link", "add", nw.prefix+"br", "type", "bridge")
	nw.ip(t, "-n", nw.sw(), "link", "set", nw.prefix+"br", "up")
	for i := 1; i <= n; i++ {
		ns, host, port := nw.ns(i), fmt.Sprintf("%sh%d", nw.prefix, i), nw.port(i)
		nw.ip(t, "netns", "add", ns)
		nw.ip(t, "link", "add", host, "netns", ns, "type", "veth", "peer", "name", port, "netns", nw.sw())
		nw.ip(t, "-n", nw.sw(), "link", "set", port, "master", nw.prefix+"br")
		nw.ip(t, "-n", nw.sw(), "link", "set", port, "up")
		nw.ip(t, "-n", ns, "addr", "add", nw.addr(i)+"/24", "dev", host)
		nw.ip(t, "-n", ns, "link", "set", host, "up")
		nw.ip(t, "-n", ns, "link", "set", "lo", "up")
	}
	return nw
}

func (nw *network) sw() string        { return nw.prefix + "-sw" }
func (nw *network) ns(i int) string   { return fmt.Sprintf("%s-n%d", nw.prefix, i) }
func (nw *network) port(i int) string { return fmt.Sprintf("%ss%d", nw.prefix, i) }
func (nw *network) addr(i int) string { return fmt.Sprintf("198.18.0.%d", i) }

// cut takes node i's switch port down: nothing passes either way, and
// established connections hang rather than break, as in a real partition.
func (nw *network) cut(t *testing.T, i int) {
	t.Helper()
	nw.ip(t, "-n", nw.sw(), "link", "set", nw.port(i), "down")
}

func (nw *network) heal(t *testing.T, i int) {
	t.Helper()
	nw.ip(t, "-n", nw.sw(), "link", "set", nw.port(i), "up")
}

func (nw *network) ip(t *testing.T, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "ip", args...).CombinedOutput(); err != nil {
		t.Fatalf("ip %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// remove deletes the namespaces, and with them their links. The agents
// must have stopped first (their cleanup runs before this one).
func (nw *network) remove(t *testing.T) {
	for i := nw.n; i >= 0; i-- {
		ns := nw.sw()
		if i > 0 {
			ns = nw.ns(i)
		}
		out, err := exec.Command("ip", "netns", "del", ns).CombinedOutput()
		if err != nil && !strings.Contains(string(out), "No such file") {
			t.Errorf("ip netns del %s: %v %s", ns, err, out)
		}
	}
}

// Cut the owner of a group off the network: it cannot renew its lease, so
// it must fence (stop the group's resources) before the lease can expire on
// the database, and only then may another node start them. Healed, it
// rejoins and starts nothing. The owner is not the database leader (cutting
// off the leader would also hit the other nodes' leases; see
// testFreezeDatabaseLeader).
func TestPartition(t *testing.T) {
	nw := newNetwork(t, 3)
	c := newCluster(t, 3, nw.addr, nw.ns)
	c.start(t)
	leader := c.dbLeader(t)
	owner, next := c.others(leader)[0], c.others(leader)[1]
	var ownerIndex int
	fmt.Sscanf(owner.name, "n%d", &ownerIndex)
	led := c.newLedger(t)
	createGroup(t, leader, "part", led, owner.name, next.name)
	if st := groupState(t, leader, "part"); st.OwnerNode != owner.name || st.State != "Online" {
		t.Fatalf("group part: %+v, want Online on %s", st, owner.name)
	}

	marks := c.markLogs()
	cutAt := ledger.Now()
	nw.cut(t, ownerIndex)
	await(t, 10*time.Second, owner.name+" logging that it fenced", func() (bool, string) {
		return strings.Contains(marks.since(owner), "fenced"), tail(marks.since(owner), 5)
	})
	_, d := awaitOnlineOn(t, leader, "part", next.name, "", failoverWithin)
	evs := readLedger(t, led)
	stops := eventsOf(evs, owner.name, ledger.Offline, cutAt)
	starts := eventsOf(evs, next.name, ledger.Online, cutAt)
	if len(stops) != 3 || len(starts) != 3 {
		t.Fatalf("after the cut, %s wrote %d offline lines and %s %d online lines; want 3 and 3:\n%s", owner.name, len(stops), next.name, len(starts), formatEvents(evs))
	}
	var fenced, started int64
	for _, e := range stops {
		fenced = max(fenced, e.Time)
	}
	started = starts[0].Time
	for _, e := range starts {
		started = min(started, e.Time)
	}
	if fenced >= started {
		t.Errorf("the isolated %s stopped its last resource %v after the cut, but %s started one %v after it", owner.name,
			time.Duration(fenced-cutAt), next.name, time.Duration(started-cutAt))
	}
	t.Logf("partition of %s: it fenced %v after the cut; %s started the group %v after the cut (%v later); seen Online after %v",
		owner.name, time.Duration(fenced-cutAt).Round(time.Millisecond), next.name, time.Duration(started-cutAt).Round(time.Millisecond),
		time.Duration(started-fenced).Round(time.Millisecond), d.Round(time.Millisecond))

	healedAt := ledger.Now()
	nw.heal(t, ownerIndex)
	c.awaitAllUp(t)
	t.Logf("%s rejoined %v after the heal", owner.name, time.Duration(ledger.Now()-healedAt).Round(time.Millisecond))
	time.Sleep(time.Second)
	for _, n := range []*node{owner, leader} {
		if st := groupState(t, n, "part"); st.OwnerNode != next.name || st.State != "Online" {
			t.Errorf("after the heal %s says %+v, want Online on %s", n.name, st, next.name)
		}
	}
	if got := eventsOf(readLedger(t, led), owner.name, ledger.Online, cutAt); len(got) > 0 {
		t.Errorf("%s started resources again after the partition: %v", owner.name, got)
	}
	c.noteBystanders(t, marks, owner)
	takeOffline(t, leader, "part")
	checkLedger(t, led)
}
