//go:build linux

package chaos

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/batoncluster/baton/clusapi"
	"github.com/batoncluster/baton/internal/ledger"
	"github.com/batoncluster/baton/proplist"
)

var pluginFlag = flag.String("chaos.plugin", "", "the File resource-type plugin (default: go build ./examples/restype-file)")

// Bounds of the CTS scenarios' waits.
const (
	ctsUp       = 45 * time.Second // nodes start and see each other Up
	ctsOnline   = 30 * time.Second // a group is Online (after a failover, a start)
	ctsStopping = 30 * time.Second // an agent exits after SIGTERM
)

// TestCTS runs the scenarios of Pacemaker's Cluster Test Suite (cts/cts-lab,
// cts/lab/CTStests.py) that apply to baton, named as CTS names them, one
// after the other on one cluster of real agents in network namespaces:
// n1–n3 form it as its database members, n4 and n5 join as database
// clients (Pacemaker Remote's nearest kin: full nodes without a vote), and
// n6 joins later in Remote. Every agent loads the File example plugin.
// Each scenario checks that no resource ever ran on two nodes at once (the
// dummy ledger) and ends with the cluster whole and every group Online.
func TestCTS(t *testing.T) {
	dir := testDir(t)
	plugins := filepath.Join(dir, "plugins")
	if err := os.MkdirAll(plugins, 0o755); err != nil {
		t.Fatal(err)
	}
	plugin := filepath.Join(plugins, "baton-restype-file")
	if *pluginFlag != "" {
		b, err := os.ReadFile(*pluginFlag)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(plugin, b, 0o755); err != nil {
			t.Fatal(err)
		}
	} else {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		_, err := build(ctx, plugins, "baton-restype-file", "github.com/batoncluster/baton/examples/restype-file")
		cancel()
		if err != nil {
			t.Fatal(err)
		}
	}
	c, err := NewCluster(Config{Bin: batonBin, Dir: dir, Nodes: 6, Members: 3, Later: 1, Log: t.Logf,
		Args: func(*Node) []string { return []string{"--plugin-dir", plugins} }})
	if err != nil {
		t.Fatal(err)
	}
	e := &cts{c: c, ctx: context.Background(), dir: dir}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Error(err)
		}
		if t.Failed() {
			for _, n := range c.Nodes {
				t.Logf("--- last lines of %s's log (%s):\n%s", n.Name, n.Log, Tail(n.LogText(), 25))
			}
		}
	})
	if err := c.Start(e.ctx); err != nil {
		t.Fatal(err)
	}
	e.group(t, "A", []string{"n1", "n2"})
	e.group(t, "B", []string{"n4", "n5"})
	e.group(t, "C", []string{"n2", "n3"})
	for _, sc := range []struct {
		name string
		run  func(*testing.T)
		// stopped: the scenario starts from every agent stopped (as
		// the one before it left them), not from the whole cluster.
		stopped bool
	}{
		{"SimulStop", e.simulStop, false},
		{"SimulStart", e.simulStart, true},
		{"StopOnebyOne", e.stopOnebyOne, false},
		{"StartOnebyOne", e.startOnebyOne, true},
		{"RestartOnebyOne", e.restartOnebyOne, false},
		{"Flip", e.flip, false},
		{"Restart", e.restart, false},
		{"ResourceRecover", e.resourceRecover, false},
		{"ComponentFail", e.componentFail, false},
		{"SplitBrain", e.splitBrain, false},
		{"Reattach", e.reattach, false},
		{"NearQuorumPoint", e.nearQuorumPoint, false},
		{"Remote", e.remote, false},
	} {
		ok := t.Run(sc.name, func(t *testing.T) {
			begin := time.Now()
			if !sc.stopped {
				e.whole(t)
			} else if err := e.c.Net.Heal(); err != nil {
				t.Fatal(err)
			}
			sc.run(t)
			e.checkLedger(t)
			t.Logf("%s took %v", sc.name, time.Since(begin).Round(100*time.Millisecond))
		})
		if !ok {
			t.Logf("%s failed; the next scenarios run on whatever it left", sc.name)
		}
	}
}

// cts is the scenarios' shared state.
type cts struct {
	c      *Cluster
	ctx    context.Context
	dir    string
	groups []string // the groups every scenario expects Online at its start and end
}

// base are the nodes every scenario starts from: n1–n5 (n6 only ever
// joins in Remote).
func (e *cts) base() []*Node { return e.c.Nodes[:5] }

// whole brings the base nodes back (thawed, healed, started) and waits
// until they are Up and every group is Online.
func (e *cts) whole(t *testing.T) {
	t.Helper()
	if err := e.c.Net.Heal(); err != nil {
		t.Fatal(err)
	}
	for _, n := range e.base() {
		n.Thaw()
		if !n.Running() {
			if err := n.Spawn(); err != nil {
				t.Fatal(err)
			}
		}
	}
	e.awaitUp(t, e.base()...)
	e.awaitGroups(t)
}

func (e *cts) awaitUp(t *testing.T, nodes ...*Node) {
	t.Helper()
	if err := e.c.AwaitUp(e.ctx, nodes, ctsUp); err != nil {
		t.Fatal(err)
	}
}

// via is a running, unfrozen node to ask, preferring the given ones.
func (e *cts) via(prefer ...*Node) *Node {
	for _, n := range append(prefer, e.c.Nodes...) {
		if n.Running() && !n.Frozen() {
			return n
		}
	}
	return e.c.Nodes[0]
}

// group makes a group of two dummy resources writing the ledger (r2
// depends on r1), preferring the given owners, and brings it online.
func (e *cts) group(t *testing.T, name string, preferred []string) {
	t.Helper()
	cl := e.via().Client()
	if _, err := cl.Groups().Create(e.ctx, name, clusapi.CreateGroupOptions{PreferredOwners: preferred,
		Properties: proplist.List{}.Set("FailoverThreshold", proplist.DWORD(noThreshold))}); err != nil {
		t.Fatal(err)
	}
	for i, r := range []string{name + "-r1", name + "-r2"} {
		opts := clusapi.CreateResourceOptions{Properties: resourceProps(e.c.Ledger)}
		if i == 1 {
			opts.DependsOn = []string{name + "-r1"}
		}
		if _, err := cl.Resources().Create(e.ctx, r, name, "dummy", opts); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := cl.Groups().Online(e.ctx, name, clusapi.OnlineOptions{}); err != nil {
		t.Fatal(err)
	}
	e.groups = append(e.groups, name)
	e.awaitOnline(t, name)
}

// awaitOnline waits until group is Online on a node that runs, and not
// on any of notOn; it returns the owner.
func (e *cts) awaitOnline(t *testing.T, group string, notOn ...*Node) *Node {
	t.Helper()
	var owner *Node
	err := Await(e.ctx, ctsOnline, fmt.Sprintf("group %s Online", group), func() (bool, string) {
		st, err := e.via().Client().Groups().State(e.ctx, group)
		if err != nil {
			return false, err.Error()
		}
		owner = e.c.Node(st.OwnerNode)
		ok := st.State == clusapi.ClusterGroupOnline && owner != nil && owner.Running() && !slices.Contains(notOn, owner)
		return ok, fmt.Sprintf("%+v", st)
	})
	if err != nil {
		t.Fatal(err)
	}
	return owner
}

func (e *cts) awaitGroups(t *testing.T) {
	t.Helper()
	for _, g := range e.groups {
		e.awaitOnline(t, g)
	}
}

func (e *cts) owner(t *testing.T, group string) *Node {
	t.Helper()
	st, err := e.via().Client().Groups().State(e.ctx, group)
	if err != nil {
		t.Fatal(err)
	}
	return e.c.Node(st.OwnerNode)
}

// move moves group to node and waits until it is Online there.
func (e *cts) move(t *testing.T, group string, to *Node) {
	t.Helper()
	if e.owner(t, group) == to {
		return
	}
	if _, err := e.via().Client().Groups().Move(e.ctx, group, clusapi.MoveOptions{Node: to.Name}); err != nil {
		t.Fatalf("move %s to %s: %v", group, to.Name, err)
	}
	if got := e.awaitOnline(t, group); got != to {
		t.Fatalf("group %s Online on %s after a move to %s", group, got.Name, to.Name)
	}
}

func (e *cts) checkLedger(t *testing.T) {
	t.Helper()
	if _, err := CheckLedger(e.c.Ledger, e.c.Freezes()); err != nil {
		t.Error(err)
	}
	if crashes := e.c.Crashes(); len(crashes) > 0 {
		t.Errorf("agents exited though nobody stopped them: %v", crashes)
	}
	for _, n := range e.c.Nodes {
		if a := logAlarms(n); a != "" {
			t.Errorf("%s's log: %s", n.Name, a)
		}
	}
}

// runningNow lists, from the ledger, the resources running on each node.
func (e *cts) runningNow(t *testing.T) map[string][]string {
	t.Helper()
	r, err := ledgerRunning(e.c.Ledger)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// stopAll stops the given agents at once (SIGTERM) and fails the test
// unless each exits within ctsStopping.
func (e *cts) stopAll(t *testing.T, nodes []*Node) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make([]error, len(nodes))
	for i, n := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = n.Stop(ctsStopping)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
}

func spawn(t *testing.T, nodes ...*Node) {
	t.Helper()
	for _, n := range nodes {
		if err := n.Spawn(); err != nil {
			t.Fatal(err)
		}
	}
}

// nodeState is how via sees node.
func (e *cts) nodeState(t *testing.T, via, node *Node) clusapi.ClusterNodeState {
	t.Helper()
	n, err := via.Client().Node(e.ctx, node.Name)
	if err != nil {
		t.Fatal(err)
	}
	return n.State
}

// SimulStop: every agent stopped at once (SIGTERM). Each exits in time,
// having taken what it ran offline: nothing runs afterwards, and every
// resource stopped by an offline, none left to die with its agent.
func (e *cts) simulStop(t *testing.T) {
	mark := ledger.Now()
	e.stopAll(t, e.base())
	if run := e.runningNow(t); len(run) > 0 {
		t.Errorf("after every agent stopped, the ledger has resources running: %v", run)
	}
	evs, err := ledger.Read(e.c.Ledger)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range evs {
		if ev.Time > mark && ev.Kind == ledger.Gone {
			t.Errorf("%s was still running when %s's agent exited: a clean stop takes it offline first", ev.Resource, ev.Node)
		}
	}
}

// SimulStart: every agent started at once: all are Up, and every group
// (persistently online) comes back Online.
func (e *cts) simulStart(t *testing.T) {
	e.stopAll(t, e.base()) // if the scenario before left any running
	begin := time.Now()
	spawn(t, e.base()...)
	e.awaitUp(t, e.base()...)
	e.awaitGroups(t)
	t.Logf("five agents started at once: all Up and every group Online in %v", time.Since(begin).Round(100*time.Millisecond))
}

// StopOnebyOne: the agents stopped one after the other, clients first.
// While a database quorum is left, every group is Online on a node still
// running after each stop; the last member left alone has no quorum and
// stops everything (fences); once all are stopped nothing runs.
func (e *cts) stopOnebyOne(t *testing.T) {
	order := []*Node{e.c.Node("n5"), e.c.Node("n4"), e.c.Node("n3"), e.c.Node("n2"), e.c.Node("n1")}
	for i, n := range order {
		e.stopAll(t, []*Node{n})
		if members := 3 - max(0, i-1); members >= 2 {
			for _, g := range e.groups {
				e.awaitOnline(t, g, order[:i+1]...)
			}
		}
	}
	if run := e.runningNow(t); len(run) > 0 {
		t.Errorf("after every agent stopped, the ledger has resources running: %v", run)
	}
}

// StartOnebyOne: the agents started one after the other, from none
// running. The first member alone has no quorum and runs nothing; from
// the second on, every node started is Up and every group Online.
func (e *cts) startOnebyOne(t *testing.T) {
	e.stopAll(t, e.base()) // if the scenario before left any running
	spawn(t, e.c.Node("n1"))
	time.Sleep(3 * time.Second)
	if run := e.runningNow(t); len(run) > 0 {
		t.Errorf("n1 alone, without a database quorum, runs resources: %v", run)
	}
	for i, n := range e.base()[1:] {
		spawn(t, n)
		e.awaitUp(t, e.base()[:i+2]...)
		e.awaitGroups(t)
	}
}

// RestartOnebyOne: each agent stopped and started again in turn: each
// comes back Up, and every group is Online again after each restart.
func (e *cts) restartOnebyOne(t *testing.T) {
	for _, n := range e.base() {
		e.stopAll(t, []*Node{n})
		spawn(t, n)
		e.awaitUp(t, e.base()...)
		e.awaitGroups(t)
	}
}

// Flip: a node's state flipped: n5, running, is stopped (seen Down, its
// groups Online elsewhere), then flipped again (started, seen Up).
func (e *cts) flip(t *testing.T) {
	n5 := e.c.Node("n5")
	e.move(t, "B", n5)
	e.stopAll(t, []*Node{n5})
	if s := e.nodeState(t, e.c.Node("n1"), n5); s != clusapi.ClusterNodeDown {
		t.Errorf("n1 sees the stopped n5 %s, want Down", s)
	}
	e.awaitOnline(t, "B", n5)
	spawn(t, n5)
	e.awaitUp(t, e.base()...)
}

// Restart: one node stopped and started again — the owner of group C: C
// goes Online elsewhere meanwhile, and the node rejoins Up.
func (e *cts) restart(t *testing.T) {
	owner := e.owner(t, "C")
	e.stopAll(t, []*Node{owner})
	e.awaitOnline(t, "C", owner)
	spawn(t, owner)
	e.awaitUp(t, e.base()...)
}

// appGroup makes a group of one Generic Application that appends "PID
// START_NS" to a file of its own and then becomes a long sleep, polled
// every 200 ms, on node; it returns the file.
func (e *cts) appGroup(t *testing.T, name string, node *Node) string {
	t.Helper()
	starts := filepath.Join(e.dir, name+".starts")
	script := fmt.Sprintf(`echo "$$ $(date +%%s%%N)" >> %s; exec sleep 600`, starts)
	cl := e.via().Client()
	if _, err := cl.Groups().Create(e.ctx, name, clusapi.CreateGroupOptions{PreferredOwners: []string{node.Name},
		Properties: proplist.List{}.Set("FailoverThreshold", proplist.DWORD(noThreshold))}); err != nil {
		t.Fatal(err)
	}
	props := proplist.List{}.Set("CommandLine", proplist.SZ("/bin/sh -c '"+script+"'")).
		Set("LooksAlivePollInterval", proplist.DWORD(200))
	if _, err := cl.Resources().Create(e.ctx, name+"-app", name, "Generic Application", clusapi.CreateResourceOptions{Properties: props}); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.Groups().Online(e.ctx, name, clusapi.OnlineOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := e.awaitOnline(t, name); got != node {
		t.Fatalf("group %s Online on %s, want %s", name, got.Name, node.Name)
	}
	e.awaitStarts(t, starts, 1)
	t.Cleanup(func() {
		for _, s := range readStarts(t, starts) {
			_ = syscall.Kill(-s.pid, syscall.SIGKILL)
		}
	})
	return starts
}

// dropGroup takes a scenario's own group offline and deletes it.
func (e *cts) dropGroup(t *testing.T, name string) {
	t.Helper()
	cl := e.via().Client()
	op, err := cl.Groups().Offline(e.ctx, name, clusapi.OfflineOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(e.ctx, ctsOnline)
	defer cancel()
	if _, err := op.Wait(ctx); err != nil {
		t.Fatalf("offline %s: %v", name, err)
	}
	if err := cl.Groups().Delete(e.ctx, name, true); err != nil {
		t.Fatalf("delete %s: %v", name, err)
	}
}

type appStart struct {
	pid int
	ns  int64
}

func readStarts(t *testing.T, path string) []appStart {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var out []appStart
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Fields(line)
		if len(f) != 2 {
			continue
		}
		pid, err1 := strconv.Atoi(f[0])
		ns, err2 := strconv.ParseInt(f[1], 10, 64)
		if err1 == nil && err2 == nil {
			out = append(out, appStart{pid, ns})
		}
	}
	return out
}

func (e *cts) awaitStarts(t *testing.T, path string, n int) []appStart {
	t.Helper()
	var got []appStart
	err := Await(e.ctx, ctsOnline, fmt.Sprintf("%d start(s) in %s", n, path), func() (bool, string) {
		got = readStarts(t, path)
		return len(got) >= n, fmt.Sprintf("%+v", got)
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// watchEnd reports, on the channel, when process pid ended (ns, ledger
// time), or closes it if it still runs after limit.
func watchEnd(pid int, limit time.Duration) <-chan int64 {
	ended := make(chan int64, 1)
	go func() {
		for deadline := time.Now().Add(limit); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
			if !Alive(pid) {
				ended <- ledger.Now()
				return
			}
		}
		close(ended)
	}()
	return ended
}

// ResourceRecover: a resource's process killed (kill -9) under its
// agent: the agent notices (LooksAlive), restarts it on the same node, and
// counts the restart; the group stays where it is.
func (e *cts) resourceRecover(t *testing.T) {
	n2 := e.c.Node("n2")
	starts := e.appGroup(t, "recover", n2)
	first := readStarts(t, starts)[0]
	killed := time.Now().UnixNano() // the wall clock, as the script's date
	if err := syscall.Kill(first.pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	all := e.awaitStarts(t, starts, 2)
	t.Logf("the killed process was started again %v after the kill", time.Duration(all[1].ns-killed).Round(time.Millisecond))
	if got := e.awaitOnline(t, "recover"); got != n2 {
		t.Errorf("recovered on %s, want n2 (a restart in place)", got.Name)
	}
	r, err := e.via().Client().Resources().Get(e.ctx, "recover-app")
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Restarts) != 1 {
		t.Errorf("the resource counts %d restarts, want 1: %+v", len(r.Restarts), r.Restarts)
	}
	e.dropGroup(t, "recover")
}

// ComponentFail: components of a node fail under it. (1) Its fence guard
// is killed: the agent starts another and tells it everything again, so
// when the agent itself is then killed, the new guard still kills the
// resource's process before another node starts its own. (2) A resource
// type's plugin process is killed: the agent stays up, starts the plugin
// again, and the resource comes back on the same node.
func (e *cts) componentFail(t *testing.T) {
	t.Run("guard", func(t *testing.T) {
		n3 := e.c.Node("n3")
		starts := e.appGroup(t, "guarded", n3)
		app := readStarts(t, starts)[0].pid
		old := n3.GuardPID()
		if old == 0 {
			t.Fatal("n3 has no fence guard running")
		}
		if err := syscall.Kill(old, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		var guard int
		if err := Await(e.ctx, 10*time.Second, "a new guard for n3", func() (bool, string) {
			guard = n3.GuardPID()
			return guard != 0 && guard != old, fmt.Sprint(guard)
		}); err != nil {
			t.Fatal(err)
		}
		// Give the new guard a renewal or two to hear of everything.
		time.Sleep(3 * RenewInterval)
		ended := watchEnd(app, ctsOnline)
		if err := n3.Kill(); err != nil {
			t.Fatal(err)
		}
		e.awaitOnline(t, "guarded", n3)
		endNs, ok := <-ended
		if !ok {
			t.Fatalf("the process %d of the killed n3 still runs: its new guard (%d) did not kill it", app, guard)
		}
		second := e.awaitStarts(t, starts, 2)[1]
		if endNs >= second.ns {
			t.Errorf("two owners: n3's process ended %v after the next owner's started", time.Duration(endNs-second.ns))
		}
		if log, _ := os.ReadFile(filepath.Join(n3.Dir, "guard.log")); !strings.Contains(string(log), "killed process group") {
			t.Errorf("n3's guard.log does not say it killed the process group:\n%s", log)
		}
		spawn(t, n3)
		e.awaitUp(t, e.base()...)
		e.dropGroup(t, "guarded")
	})
	t.Run("plugin", func(t *testing.T) {
		n2 := e.c.Node("n2")
		path := filepath.Join(e.dir, "file-resource")
		cl := e.via().Client()
		if _, err := cl.Groups().Create(e.ctx, "file", clusapi.CreateGroupOptions{PreferredOwners: []string{n2.Name}}); err != nil {
			t.Fatal(err)
		}
		props := proplist.List{}.Set("Path", proplist.SZ(path)).Set("Content", proplist.SZ("hello")).
			Set("LooksAlivePollInterval", proplist.DWORD(200))
		if _, err := cl.Resources().Create(e.ctx, "file-r", "file", "File", clusapi.CreateResourceOptions{Properties: props}); err != nil {
			t.Fatal(err)
		}
		if _, err := cl.Groups().Online(e.ctx, "file", clusapi.OnlineOptions{}); err != nil {
			t.Fatal(err)
		}
		if got := e.awaitOnline(t, "file"); got != n2 {
			t.Fatalf("group file Online on %s, want n2", got.Name)
		}
		old := n2.ChildPID("baton-restype-file")
		if old == 0 {
			t.Fatal("n2 runs no File plugin process")
		}
		agent := n2.PID()
		if err := syscall.Kill(old, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		// The next health check finds the plugin gone: the resource
		// fails, and is restarted in a new plugin process.
		if err := Await(e.ctx, ctsOnline, "a new File plugin process and the resource Online again", func() (bool, string) {
			r, err := cl.Resources().Get(e.ctx, "file-r")
			if err != nil {
				return false, err.Error()
			}
			pid := n2.ChildPID("baton-restype-file")
			return pid != 0 && pid != old && r.State == clusapi.ClusterResourceOnline && len(r.Restarts) > 0,
				fmt.Sprintf("plugin %d, %s, restarts %d, %s", pid, r.State, len(r.Restarts), r.LastError)
		}); err != nil {
			t.Fatal(err)
		}
		if got := e.owner(t, "file"); got != n2 {
			t.Errorf("group file on %s after the plugin's death, want n2", got.Name)
		}
		if n2.PID() != agent {
			t.Errorf("n2's agent was restarted (pid %d, was %d)", n2.PID(), agent)
		}
		if b, err := os.ReadFile(path); err != nil || string(b) != "hello" {
			t.Errorf("the File resource's file: %q, %v", b, err)
		}
		e.dropGroup(t, "file")
	})
}

// SplitBrain: the network split in two, {n1, n4} | {n2, n3, n5}; the
// smaller side holds one database member of three. Its nodes cannot renew
// their leases and stop what they run; the larger side takes their groups
// over. Healed, the cluster is whole again, every group Online once, and
// no resource ever ran on both sides.
func (e *cts) splitBrain(t *testing.T) {
	n1, n4 := e.c.Node("n1"), e.c.Node("n4")
	e.move(t, "A", n1)
	e.move(t, "B", n4)
	if err := e.c.Net.Split([]int{1, 4}, []int{2, 3, 5}); err != nil {
		t.Fatal(err)
	}
	big := []*Node{e.c.Node("n2"), e.c.Node("n3"), e.c.Node("n5")}
	for _, g := range []string{"A", "B"} {
		err := Await(e.ctx, ctsOnline, fmt.Sprintf("group %s Online on the larger side", g), func() (bool, string) {
			st, err := big[0].Client().Groups().State(e.ctx, g)
			if err != nil {
				return false, err.Error()
			}
			return st.State == clusapi.ClusterGroupOnline && st.OwnerNode != "n1" && st.OwnerNode != "n4", fmt.Sprintf("%+v", st)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	run := e.runningNow(t)
	for res, nodes := range run {
		if slices.Contains(nodes, "n1") || slices.Contains(nodes, "n4") {
			t.Errorf("%s still runs on the side without a quorum: %v", res, nodes)
		}
	}
	if err := e.c.Net.Heal(); err != nil {
		t.Fatal(err)
	}
	e.awaitUp(t, e.base()...)
	e.awaitGroups(t)
}

// Reattach: an agent stopped with --stop-resources-on-exit=false while its
// resource's process runs, and started again at once: the process runs on
// through the restart (the same process, never started again), the new
// agent reattaches it, and the group stays Online on the node.
func (e *cts) reattach(t *testing.T) {
	n5 := e.c.Node("n5")
	// The agent that stops must be one started with the flag.
	n5.Extra = []string{"--stop-resources-on-exit=false"}
	defer func() { n5.Extra = nil }()
	e.stopAll(t, []*Node{n5})
	spawn(t, n5)
	e.awaitUp(t, e.base()...)
	starts := e.appGroup(t, "reattach", n5)
	app := readStarts(t, starts)[0].pid
	e.stopAll(t, []*Node{n5})
	spawn(t, n5)
	e.awaitUp(t, e.base()...)
	time.Sleep(LeaseTTL) // past the old lease: a guard that had not been reached would have killed it
	if !Alive(app) {
		t.Fatalf("the process %d did not survive its agent's restart", app)
	}
	if got := readStarts(t, starts); len(got) != 1 {
		t.Errorf("the process was started again: %+v", got)
	}
	if got := e.awaitOnline(t, "reattach"); got != n5 {
		t.Errorf("group reattach Online on %s, want n5", got.Name)
	}
	n5.Extra = nil
	e.dropGroup(t, "reattach")
}

// NearQuorumPoint: database members killed down to the quorum point and
// past it. With two members of three the cluster goes on (the dead one's
// groups fail over); with one, no node can renew its lease and nothing
// runs anywhere; a second member back, every group is Online again.
func (e *cts) nearQuorumPoint(t *testing.T) {
	n2, n3 := e.c.Node("n2"), e.c.Node("n3")
	e.move(t, "C", n3)
	if err := n3.Kill(); err != nil {
		t.Fatal(err)
	}
	for _, g := range e.groups {
		e.awaitOnline(t, g, n3)
	}
	if err := n2.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := Await(e.ctx, ctsOnline, "nothing running without a quorum", func() (bool, string) {
		run := e.runningNow(t)
		return len(run) == 0, fmt.Sprint(run)
	}); err != nil {
		t.Fatal(err)
	}
	spawn(t, n2)
	for _, g := range e.groups {
		e.awaitOnline(t, g, n3)
	}
	spawn(t, n3)
	e.awaitUp(t, e.base()...)
}

// Remote: client nodes (database clients, no vote) leaving and joining.
// n4 leaves cleanly: its groups go to n5; it comes back as the client it
// was, and the group it prefers fails back to it. n6 joins for the first
// time with a token, takes a group, and leaves for good (kill -9): the
// group fails over, and the cluster goes on without it.
func (e *cts) remote(t *testing.T) {
	n4, n5, n6 := e.c.Node("n4"), e.c.Node("n5"), e.c.Node("n6")
	cl := e.via().Client()
	if _, err := cl.Groups().SetProperties(e.ctx, "B", proplist.List{}.Set("AutoFailbackType", proplist.DWORD(1))); err != nil {
		t.Fatal(err)
	}
	defer cl.Groups().SetProperties(e.ctx, "B", proplist.List{}.Set("AutoFailbackType", proplist.DWORD(0)))
	e.move(t, "B", n4)
	e.stopAll(t, []*Node{n4})
	if got := e.awaitOnline(t, "B", n4); got != n5 {
		t.Errorf("B Online on %s after n4 left, want n5 (its next preferred owner)", got.Name)
	}
	spawn(t, n4)
	e.awaitUp(t, e.base()...)
	if err := Await(e.ctx, ctsOnline, "B back on n4", func() (bool, string) {
		st, err := cl.Groups().State(e.ctx, "B")
		return err == nil && st.OwnerNode == "n4" && st.State == clusapi.ClusterGroupOnline, fmt.Sprintf("%+v %v", st, err)
	}); err != nil {
		t.Fatal(err)
	}

	spawn(t, n6)
	e.awaitUp(t, append(e.base(), n6)...)
	roles := e.roles(t)
	for name, want := range map[string]string{"n1": "member", "n2": "member", "n3": "member", "n4": "client", "n5": "client", "n6": "client"} {
		if roles[name] != want {
			t.Errorf("%s's database role %q, want %q (all roles: %v)", name, roles[name], want, roles)
		}
	}
	e.move(t, "C", n6)
	if err := n6.Kill(); err != nil {
		t.Fatal(err)
	}
	e.awaitOnline(t, "C", n6)
	if s := e.nodeState(t, e.c.Node("n1"), n6); s != clusapi.ClusterNodeDown {
		t.Errorf("n1 sees n6, gone, %s; want Down", s)
	}
}

// roles reads each node's database role (`baton node list -o json`).
func (e *cts) roles(t *testing.T) map[string]string {
	t.Helper()
	out, err := e.via().CLI(e.ctx, "node", "list", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	var nodes []struct {
		Name         string `json:"name"`
		DatabaseRole string `json:"databaseRole"`
	}
	if err := json.Unmarshal([]byte(out), &nodes); err != nil {
		t.Fatalf("node list -o json: %v: %s", err, out)
	}
	m := map[string]string{}
	for _, n := range nodes {
		m[n.Name] = n.DatabaseRole
	}
	return m
}
