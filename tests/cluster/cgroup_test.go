//go:build linux

package cluster

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/batoncluster/baton/internal/cgroup"
	"github.com/batoncluster/baton/internal/procstat"
	"github.com/batoncluster/baton/internal/restypes/vm/qmp"
)

// TestCgroups runs on one cluster of three agents on 127.0.0.91–93, each
// with a plugin directory holding the test plugin "Child Test"
// (testdata/childplugin) and the test OCF agent baton-cgtest/daemon
// installed: every process a resource starts runs in the resource's
// cgroup, an offline leaves the cgroup empty, the fence guard kills by
// cgroup, and a VM's saved state follows its group through a shared
// StateDirectory.
func TestCgroups(t *testing.T) {
	needCgroups(t)
	installDaemonAgent(t)
	plugins := buildChildPlugin(t)
	c := loopbackClusterAt(t, 90, 3)
	t.Cleanup(func() {
		if t.Failed() {
			for _, n := range c.nodes {
				b, _ := os.ReadFile(filepath.Join(n.dir, "guard.log"))
				t.Logf("--- %s's guard.log:\n%s", n.name, tail(string(b), 20))
			}
		}
	})
	for _, n := range c.nodes {
		n.db = []string{"--initial-cluster", c.initial, "--cluster-secret-file", c.secret, "--plugin-dir", plugins}
	}
	c.start(t)
	for _, st := range []struct {
		name string
		run  func(*testing.T, *cluster)
	}{
		{"OfflineEmptiesEveryCgroup", testOfflineEmptiesEveryCgroup},
		{"FenceKillsDaemons", testFenceKillsDaemons},
		{"VMStateFollowsGroup", testVMStateFollowsGroup},
	} {
		if !t.Run(st.name, func(t *testing.T) {
			for _, n := range c.nodes {
				n.mu.Lock()
				frozen := n.frozen
				n.mu.Unlock()
				if frozen {
					n.signal(t, syscall.SIGCONT)
				}
				if !n.running() {
					n.spawn(t)
				}
			}
			c.awaitAllUp(t)
			st.run(t, c)
		}) {
			t.Logf("%s failed; the next subtests run on whatever it left", st.name)
		}
	}
}

// needCgroups skips unless this machine gives an agent cgroups.
func needCgroups(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("cgroups need root")
	}
	n := cgroup.Setup(cgroup.Options{Node: "probe-" + strconv.Itoa(os.Getpid()), DataDir: t.TempDir()})
	if !n.Valid() {
		t.Skip("no usable cgroup hierarchy here: the agents would run resources without cgroups (their log says why)")
	}
	_ = n.Remove()
}

// daemonProvider is where installDaemonAgent puts the test OCF agent.
const daemonProvider = "baton-cgtest"

// daemonAgent is an OCF agent whose start daemonizes (a double fork, the
// action exits at once) a process that takes an exclusive lock on the
// file named by lock — writing a conflict line if another holds it — and
// appends "PID START_NS ocf" to starts; the daemon in turn leaves a
// double-forked grandchild (its pid appended to grandchildren) that stop,
// which kills the daemon only, knows nothing of. Its pid file is in
// HA_RSCTMP, which is the node's own.
const daemonAgent = `#!/bin/sh
if [ "$1" = meta-data ]; then
	cat <<END
<?xml version="1.0"?>
<!DOCTYPE resource-agent SYSTEM "ra-api-1.dtd">
<resource-agent name="daemon" version="1.0">
<version>1.1</version>
<longdesc lang="en">Daemonizes a sleep that holds a lock (tests).</longdesc>
<shortdesc lang="en">Test daemon</shortdesc>
<parameters>
<parameter name="lock" required="1"><shortdesc lang="en">Lock file</shortdesc><content type="string"/></parameter>
<parameter name="starts" required="1"><shortdesc lang="en">Start log</shortdesc><content type="string"/></parameter>
<parameter name="conflicts" required="1"><shortdesc lang="en">Conflict log</shortdesc><content type="string"/></parameter>
<parameter name="grandchildren" required="1"><shortdesc lang="en">Grandchild pids</shortdesc><content type="string"/></parameter>
</parameters>
<actions>
<action name="start" timeout="20s"/>
<action name="stop" timeout="20s"/>
<action name="monitor" timeout="20s" interval="10s" depth="0"/>
<action name="validate-all" timeout="5s"/>
<action name="meta-data" timeout="5s"/>
</actions>
</resource-agent>
END
	exit 0
fi
pidfile="$HA_RSCTMP/daemon.pid"
running() {
	[ -f "$pidfile" ] || return 1
	st=$(sed -n 's/^.*) \(.\).*$/\1/p' "/proc/$(cat "$pidfile")/stat" 2>/dev/null)
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}
case $1 in
start)
	running && exit 0
	rm -f "$pidfile"
	PIDFILE="$pidfile" setsid /bin/sh -c '
		exec 9>>"$OCF_RESKEY_lock"
		flock -n 9 || echo "conflict $(date +%s%N) $$ ocf" >> "$OCF_RESKEY_conflicts"
		echo "$$ $(date +%s%N) ocf" >> "$OCF_RESKEY_starts"
		(setsid /bin/sh -c "echo \$\$ >> \"$OCF_RESKEY_grandchildren\"; exec sleep 600" &)
		echo $$ > "$PIDFILE"
		exec sleep 600' </dev/null >/dev/null 2>&1 &
	i=0
	while [ $i -lt 100 ]; do running && exit 0; sleep 0.1; i=$((i+1)); done
	exit 1;;
stop)
	running && kill -9 "$(cat "$pidfile")"
	rm -f "$pidfile"
	exit 0;;
monitor)
	running && exit 0
	exit 7;;
validate-all)
	exit 0;;
esac
exit 3
`

// installDaemonAgent installs daemonAgent as baton-cgtest/daemon in the
// OCF root every agent of the test reads, and removes it at the end.
func installDaemonAgent(t *testing.T) {
	t.Helper()
	dir := filepath.Join("/usr/lib/ocf/resource.d", daemonProvider)
	if _, err := os.Stat("/usr/lib/ocf/resource.d"); err != nil {
		t.Fatalf("no OCF root (install resource-agents: apt-get install -y resource-agents): %v", err)
	}
	if _, err := exec.LookPath("flock"); err != nil {
		t.Fatalf("the test daemon needs flock (util-linux): %v", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.WriteFile(filepath.Join(dir, "daemon"), []byte(daemonAgent), 0o755); err != nil {
		t.Fatal(err)
	}
}

// buildChildPlugin builds testdata/childplugin into a plugin directory.
func buildChildPlugin(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	out, err := exec.Command("go", "build", "-o", filepath.Join(dir, "baton-restype-child"), "./testdata/childplugin").CombinedOutput()
	if err != nil {
		t.Fatalf("build the test plugin: %v\n%s", err, out)
	}
	return dir
}

// files are the logs the test daemons write, in the cluster's directory.
type daemonFiles struct {
	starts, conflicts, grandchildren, ocfLock, pluginLock string
}

func newDaemonFiles(c *cluster, prefix string) daemonFiles {
	p := func(n string) string { return filepath.Join(c.dir, prefix+"."+n) }
	return daemonFiles{p("starts"), p("conflicts"), p("grandchildren"), p("ocf.lock"), p("plugin.lock")}
}

// createDaemons makes, in group, the OCF resource name+"-ocf" (the test
// agent) and the plugin resource name+"-child", whose child takes its
// own lock, logs its start and leaves a double-forked grandchild too.
func createDaemons(t *testing.T, via *node, group, name string, f daemonFiles) {
	t.Helper()
	via.must(t, "resource", "create", name+"-ocf", "--group", group, "--type", "OCF",
		"--prop", "Provider=sz:"+daemonProvider, "--prop", "Agent=sz:daemon",
		"--prop", "lock=sz:"+f.ocfLock, "--prop", "starts=sz:"+f.starts,
		"--prop", "conflicts=sz:"+f.conflicts, "--prop", "grandchildren=sz:"+f.grandchildren)
	script := fmt.Sprintf(`exec 9>>%[1]s; flock -n 9 || echo "conflict $(date +%%s%%N) $$ plugin" >> %[2]s; `+
		`echo "$$ $(date +%%s%%N) plugin" >> %[3]s; (setsid /bin/sh -c 'echo $$ >> %[4]s; exec sleep 600' &); exec sleep 600`,
		f.pluginLock, f.conflicts, f.starts, f.grandchildren)
	via.must(t, "resource", "create", name+"-child", "--group", group, "--type", "Child Test", "--prop", "CommandLine=sz:"+script)
}

type daemonStart struct {
	pid int
	ns  int64
	tag string
}

func daemonStarts(t *testing.T, path string) []daemonStart {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var out []daemonStart
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Fields(line)
		if len(f) != 3 {
			continue
		}
		pid, err1 := strconv.Atoi(f[0])
		ns, err2 := strconv.ParseInt(f[1], 10, 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("bad line %q in %s", line, path)
		}
		out = append(out, daemonStart{pid, ns, f[2]})
	}
	return out
}

// lastStart is the last start of tag, or false.
func lastStart(starts []daemonStart, tag string) (daemonStart, bool) {
	for i := len(starts) - 1; i >= 0; i-- {
		if starts[i].tag == tag {
			return starts[i], true
		}
	}
	return daemonStart{}, false
}

// firstStartAfter is the first start of tag after ns.
func firstStartAfter(starts []daemonStart, tag string, ns int64) (daemonStart, bool) {
	for _, s := range starts {
		if s.tag == tag && s.ns > ns {
			return s, true
		}
	}
	return daemonStart{}, false
}

func readPids(t *testing.T, path string) []int {
	t.Helper()
	b, _ := os.ReadFile(path)
	var out []int
	for _, f := range strings.Fields(string(b)) {
		if pid, err := strconv.Atoi(f); err == nil {
			out = append(out, pid)
		}
	}
	return out
}

func procAlive(pid int) bool {
	st, err := procstat.Read(pid)
	return err == nil && st.State != 'Z' && st.State != 'X'
}

// watchEnd reports when pid ends (polled every 2 ms), or closes the
// channel if it still runs after limit.
func watchEnd(pid int, limit time.Duration) <-chan int64 {
	ended := make(chan int64, 1)
	go func() {
		for deadline := time.Now().Add(limit); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
			if !procAlive(pid) {
				ended <- time.Now().UnixNano()
				return
			}
		}
		close(ended)
	}()
	return ended
}

// cgroupOf is the resource's cgroup, from its status.
func cgroupOf(t *testing.T, via *node, res string) (path string, procs uint32) {
	t.Helper()
	r := mustJSON[resourceJSON](t, via, "resource", "show", res)
	p, ok := r.status("Cgroup")
	if !ok {
		t.Fatalf("%s has no Cgroup status property: %+v", res, r.Status)
	}
	n, _ := r.status("Processes")
	f, _ := n.(float64)
	return p.(string), uint32(f)
}

func cgroupProcs(t *testing.T, path string) []int {
	t.Helper()
	d, err := cgroup.Open(path)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	pids, err := d.Procs()
	if err != nil {
		t.Fatal(err)
	}
	return pids
}

// Offline of a resource of every type that starts processes leaves no
// process in its cgroup (the dummy, which starts none, has none),
// though three of them leak a double-forked child; while online, `resource
// show` and /metrics count what each cgroup holds.
func testOfflineEmptiesEveryCgroup(t *testing.T, c *cluster) {
	n1 := c.node("n1")
	f := newDaemonFiles(c, "every")
	n1.must(t, "group", "create", "every", "--preferred-owner", "n1")
	n1.must(t, "resource", "create", "every-app", "--group", "every", "--type", "Generic Application",
		"--prop", `CommandLine=sz:/bin/sh -c "(setsid sleep 600 &); exec sleep 600"`)
	createDaemons(t, n1, "every", "every", f)
	n1.must(t, "resource", "create", "every-vm", "--group", "every", "--type", "Virtual Machine", "--prop", "MemoryMB=dword:32")
	n1.must(t, "resource", "create", "every-dummy", "--group", "every", "--type", "dummy")
	op := mustJSON[opJSON](t, n1, "group", "online", "every", "--wait=60s")
	if op.State == nil || *op.State != "Online" {
		t.Fatalf("group online every: %+v", op)
	}
	// The dummy starts no process (restype.Type.NoProcesses): no cgroup.
	if p, ok := mustJSON[resourceJSON](t, n1, "resource", "show", "every-dummy").status("Cgroup"); ok {
		t.Errorf("every-dummy, a type that starts no process, has the cgroup %v", p)
	}
	want := map[string]int{"every-app": 2, "every-ocf": 2, "every-child": 2, "every-vm": 1}
	paths := map[string]string{}
	var leaked []int
	for res, n := range want {
		var path string
		await(t, 15*time.Second, res+"'s processes in its status", func() (bool, string) {
			p, procs := cgroupOf(t, n1, res)
			path = p
			return int(procs) >= n, fmt.Sprintf("Processes %d", procs)
		})
		paths[res] = path
		pids := cgroupProcs(t, path)
		if len(pids) < n {
			t.Errorf("%s: %d processes in %s, want %d", res, len(pids), path, n)
		}
		leaked = append(leaked, pids...)
	}
	show := n1.must(t, "resource", "show", "every-app")
	for _, w := range []string{"Processes", "MemoryBytes", "Cgroup"} {
		if !strings.Contains(show, w) {
			t.Errorf("resource show lacks %s:\n%s", w, show)
		}
	}
	m := scrapeMetrics(t, n1)
	for _, w := range []string{`baton_resource_processes{group="every",resource="every-app"} 2`, `baton_resource_memory_bytes{group="every",resource="every-vm"}`} {
		if !strings.Contains(m, w) {
			t.Errorf("/metrics lacks %s", w)
		}
	}

	takeOffline(t, n1, "every")
	for res, path := range paths {
		if pids := cgroupProcs(t, path); len(pids) != 0 {
			t.Errorf("%s: processes left in its cgroup after the offline: %v", res, pids)
		}
		if _, procs := cgroupOf(t, n1, res); procs != 0 {
			t.Errorf("%s: status Processes %d after the offline, want 0", res, procs)
		}
	}
	for _, pid := range leaked {
		if procAlive(pid) {
			t.Errorf("process %d survived the offline", pid)
		}
	}
	t.Logf("offline left %d cgroups empty; %d processes ended, double-forked children included", len(paths), len(leaked))
}

// scrapeMetrics reads the agent's /metrics over its socket (as root).
func scrapeMetrics(t *testing.T, n *node) string {
	t.Helper()
	sock := filepath.Join(n.dir, "baton.sock")
	cl := http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", sock)
		},
	}}
	resp, err := cl.Get("http://baton/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// fenceRuns is how many failures testFenceKillsDaemons makes
// (BATON_FENCE_RUNS overrides it).
func fenceRuns() int {
	if n, err := strconv.Atoi(os.Getenv("BATON_FENCE_RUNS")); err == nil && n > 0 {
		return n
	}
	return 20
}

// A group of an OCF resource whose agent daemonizes and a plugin resource
// whose plugin starts a child — neither process is a process group any
// type registered — fails over again and again: its owner is killed
// (kill -9) or frozen (SIGSTOP) in turn. Every time, the daemon, the
// child and the grandchildren they double-forked on the failed node end
// before the next owner starts its own (their start times prove it, and
// the exclusive locks they hold would have logged a conflict).
func testFenceKillsDaemons(t *testing.T, c *cluster) {
	const group = "fence"
	f := newDaemonFiles(c, group)
	via := c.node("n1")
	via.must(t, "group", "create", group, "--preferred-owner", "n1", "--preferred-owner", "n2", "--preferred-owner", "n3")
	// Every run is a failover: more than the default threshold allows
	// (nodes - 1 in six hours).
	via.must(t, "group", "set", group, "--prop", "FailoverThreshold=dword:1000")
	createDaemons(t, via, group, group, f)
	op := mustJSON[opJSON](t, via, "group", "online", group, "--wait=30s")
	if op.State == nil || *op.State != "Online" {
		t.Fatalf("group online %s: %+v", group, op)
	}
	t.Cleanup(func() {
		for _, pid := range append(readPids(t, f.grandchildren), pidsOf(daemonStarts(t, f.starts))...) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	})
	killedByGuard := map[string]bool{}
	for run := 1; run <= fenceRuns(); run++ {
		freeze := run%2 == 0
		leader := c.dbLeader(t)
		owner := c.node(groupState(t, via, group).OwnerNode)
		// Each node in turn is the one that fails, killed and frozen; but
		// freezing the database leader also makes healthy nodes fence
		// (testFreezeDatabaseLeader): keep this test about the owner.
		target := c.nodes[(run/2)%len(c.nodes)]
		if freeze && target == leader {
			target = c.others(leader)[run%2]
		}
		if owner != target {
			if mv := mustJSON[opJSON](t, c.others(target)[0], "group", "move", group, "--to", target.name, "--wait=30s"); mv.State == nil || *mv.State != "Online" {
				t.Fatalf("run %d: move to %s: %+v", run, target.name, mv)
			}
			owner = target
		}
		via = c.others(owner)[0]
		before := daemonStarts(t, f.starts)
		var watched []int
		for _, tag := range []string{"ocf", "plugin"} {
			s, ok := lastStart(before, tag)
			if !ok || !procAlive(s.pid) {
				t.Fatalf("run %d: no running %s daemon on %s: %+v", run, tag, owner.name, before)
			}
			watched = append(watched, s.pid)
		}
		for _, pid := range readPids(t, f.grandchildren) {
			if procAlive(pid) {
				watched = append(watched, pid)
			}
		}
		ends := make([]<-chan int64, len(watched))
		for i, pid := range watched {
			ends[i] = watchEnd(pid, failoverWithin+5*time.Second)
		}
		failed := time.Now()
		how := "kill -9"
		if freeze {
			how = "SIGSTOP"
			owner.signal(t, syscall.SIGSTOP)
		} else {
			owner.kill(t)
		}
		got, _ := awaitOnlineOn(t, via, group, "", owner.name, failoverWithin)
		var after []daemonStart
		var next []daemonStart
		await(t, 10*time.Second, "both daemons started again on "+got, func() (bool, string) {
			after = daemonStarts(t, f.starts)
			next = next[:0]
			for _, tag := range []string{"ocf", "plugin"} {
				if s, ok := firstStartAfter(after, tag, failed.UnixNano()); ok {
					next = append(next, s)
				}
			}
			return len(next) == 2, fmt.Sprintf("%+v", after)
		})
		firstNew := min(next[0].ns, next[1].ns)
		var lastEnd int64
		for i, pid := range watched {
			end, ok := <-ends[i]
			if !ok {
				t.Fatalf("run %d (%s of %s): process %d still runs %v after the failure", run, how, owner.name, pid, failoverWithin+5*time.Second)
			}
			if end >= firstNew {
				t.Fatalf("run %d (%s of %s): two owners: process %d on %s ended %v after %s started the group's daemons",
					run, how, owner.name, pid, owner.name, time.Duration(end-firstNew), got)
			}
			lastEnd = max(lastEnd, end)
		}
		if b, _ := os.ReadFile(f.conflicts); len(b) > 0 {
			t.Fatalf("run %d: a daemon found another's lock held:\n%s", run, b)
		}
		t.Logf("run %2d: %-7s of %s: its %d processes (daemon, child, grandchildren) gone %v after the failure, %v before %s started the group",
			run, how, owner.name, len(watched), time.Duration(lastEnd-failed.UnixNano()).Round(time.Millisecond),
			time.Duration(firstNew-lastEnd).Round(time.Millisecond), got)
		if log, _ := os.ReadFile(filepath.Join(owner.dir, "guard.log")); strings.Contains(string(log), "killed the processes of the cgroup") {
			killedByGuard[owner.name] = true
		}

		// The failed node comes back and starts nothing of the group.
		if freeze {
			owner.signal(t, syscall.SIGCONT)
			c.awaitAllUp(t)
		} else {
			owner.restart(t)
		}
		time.Sleep(300 * time.Millisecond)
		if n := len(daemonStarts(t, f.starts)); n != len(after) {
			t.Fatalf("run %d: %d starts after %s came back, want %d: it started the group's daemons again", run, n, owner.name, len(after))
		}
		if st := groupState(t, via, group); st.State != "Online" || st.OwnerNode != got {
			t.Fatalf("run %d: after %s came back the group is %+v, want Online on %s", run, owner.name, st, got)
		}
	}
	if len(killedByGuard) == 0 {
		t.Error("no guard.log says it killed the processes of a cgroup")
	}
	takeOffline(t, via, group)
	for _, res := range []string{group + "-ocf", group + "-child"} {
		path, _ := cgroupOf(t, via, res)
		if pids := cgroupProcs(t, path); len(pids) != 0 {
			t.Errorf("%s: processes left after the offline: %v", res, pids)
		}
	}
	for _, pid := range readPids(t, f.grandchildren) {
		if procAlive(pid) {
			t.Errorf("grandchild %d still runs at the end", pid)
		}
	}
}

func pidsOf(starts []daemonStart) []int {
	var out []int
	for _, s := range starts {
		out = append(out, s.pid)
	}
	return out
}

// resourceErrJSON is the part of `resource show -o json` with the error.
type resourceErrJSON struct {
	ID        string `json:"id"`
	State     string `json:"state"`
	OwnerNode string `json:"ownerNode"`
	LastError string `json:"lastError"`
}

// A VM saved on n1 and moved to n2: with a StateDirectory both see, it
// resumes there (the guest memory holds the value it held at the save,
// not the one a fresh boot would write); without one, the online on n2
// fails with the documented error, and DiscardSavedState=1 boots it
// afresh.
func testVMStateFollowsGroup(t *testing.T, c *cluster) {
	if _, err := exec.LookPath("qemu-system-x86_64"); err != nil {
		t.Fatalf("the test runs a real VM: install QEMU (apt-get install qemu-system-x86): %v", err)
	}
	n1, n2 := c.node("n1"), c.node("n2")
	shared := filepath.Join(c.dir, "vm-shared")
	if err := os.MkdirAll(shared, 0o700); err != nil {
		t.Fatal(err)
	}
	const before, after = 0xcafebabe, 0x0badf00d
	loader := func(v uint32) string {
		return fmt.Sprintf("ExtraArgs=multi_sz:-device;loader,addr=0x800000,data=%#x,data-len=4", v)
	}
	save := func(group, res string, props ...string) {
		t.Helper()
		n1.must(t, "group", "create", group, "--preferred-owner", "n1", "--preferred-owner", "n2")
		args := append([]string{"resource", "create", res, "--group", group, "--type", "Virtual Machine",
			"--prop", "MemoryMB=dword:32", "--prop", loader(before)}, props...)
		n1.must(t, args...)
		if op := mustJSON[opJSON](t, n1, "group", "online", group, "--wait=60s"); op.State == nil || *op.State != "Online" {
			t.Fatalf("online %s: %+v", group, op)
		}
		if v := guestWordOf(t, n1, res); v != before {
			t.Fatalf("%s on n1: guest memory %#x, want %#x", res, v, before)
		}
		if op := mustJSON[opJSON](t, n1, "group", "offline", group, "--param", "Virtual Machine=dword:1", "--wait=60s"); op.State == nil || *op.State != "Offline" {
			t.Fatalf("save %s: %+v", group, op)
		}
		// A fresh boot would now write another value.
		n1.must(t, "resource", "set", res, "--prop", loader(after))
		if op := mustJSON[opJSON](t, n1, "group", "move", group, "--to", "n2", "--wait=60s"); op.Status != 997 && op.Status != 0 {
			t.Fatalf("move %s to n2: %+v", group, op)
		}
	}

	// Shared: resumes on n2.
	save("vmshared", "vmshared-vm", "--prop", "StateDirectory=sz:"+shared)
	if _, err := os.Stat(filepath.Join(shared, "vm-state")); err != nil {
		t.Fatalf("the saved state is not in the StateDirectory: %v", err)
	}
	op := mustJSON[opJSON](t, n1, "group", "online", "vmshared", "--wait=60s")
	if op.State == nil || *op.State != "Online" || groupState(t, n1, "vmshared").OwnerNode != "n2" {
		t.Fatalf("online vmshared on n2: %+v, %+v", op, groupState(t, n1, "vmshared"))
	}
	if v := guestWordOf(t, n2, "vmshared-vm"); v != before {
		t.Errorf("guest memory on n2 = %#x, want %#x: the VM did not resume where it stopped", v, before)
	} else {
		t.Logf("saved on n1, resumed on n2 from the shared StateDirectory: guest memory %#x intact", v)
	}
	r := mustJSON[resourceJSON](t, n1, "resource", "show", "vmshared-vm")
	if v, _ := r.status("RestoredSavedState"); v != float64(1) {
		t.Errorf("RestoredSavedState on n2 = %v, want 1", v)
	}
	takeOffline(t, n1, "vmshared")

	// Not shared: the online on n2 fails, saying why. (The group is held
	// on n2, FailoverThreshold 0: else the cluster would move the failed
	// group on, to n1, which can resume it.)
	save("vmlocal", "vmlocal-vm")
	n1.must(t, "group", "set", "vmlocal", "--prop", "FailoverThreshold=dword:0")
	_, _, _, err := n1.baton("group", "online", "vmlocal", "--wait=60s")
	if err != nil {
		t.Fatal(err)
	}
	var re resourceErrJSON
	await(t, 30*time.Second, "the online on n2 to fail with the documented error", func() (bool, string) {
		var err error
		re, err = tryJSON[resourceErrJSON](n1, "resource", "show", "vmlocal-vm")
		if err != nil {
			return false, err.Error()
		}
		return strings.Contains(re.LastError, "saved state is not reachable on this node"), fmt.Sprintf("%+v", re)
	})
	for _, w := range []string{"saved on node n1", "node n2", "StateDirectory", "DiscardSavedState=1"} {
		if !strings.Contains(re.LastError, w) {
			t.Errorf("the error does not say %q: %s", w, re.LastError)
		}
	}
	t.Logf("without a shared directory the online on n2 failed: %s", re.LastError)
	if st := groupState(t, n1, "vmlocal"); st.State != "Failed" || st.OwnerNode != "n2" {
		t.Errorf("vmlocal after the online on n2: %+v, want Failed on n2", st)
	}
	// Giving the saved state up explicitly boots it afresh on n2.
	n1.must(t, "resource", "set", "vmlocal-vm", "--prop", "DiscardSavedState=dword:1")
	if op := mustJSON[opJSON](t, n1, "group", "online", "vmlocal", "--wait=60s"); op.State == nil || *op.State != "Online" {
		t.Fatalf("online vmlocal with DiscardSavedState=1: %+v", op)
	}
	if owner := groupState(t, n1, "vmlocal").OwnerNode; owner == "n2" {
		if v := guestWordOf(t, n2, "vmlocal-vm"); v != after {
			t.Errorf("guest memory after DiscardSavedState = %#x, want %#x (a fresh boot)", v, after)
		}
	} else {
		t.Errorf("vmlocal Online on %s, want n2", owner)
	}
	takeOffline(t, n1, "vmlocal")
}

// guestWordOf reads the 32-bit value at 8 MiB of the VM's guest memory
// through its second QMP socket on node n.
func guestWordOf(t *testing.T, n *node, res string) uint32 {
	t.Helper()
	r := mustJSON[resourceJSON](t, n, "resource", "show", res)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := qmp.Dial(ctx, filepath.Join(n.dir, "resources", r.ID, "monitor.sock"))
	if err != nil {
		t.Fatalf("%s on %s: %v", res, n.name, err)
	}
	defer c.Close()
	out := filepath.Join(t.TempDir(), "mem")
	if err := c.Execute(ctx, "pmemsave", map[string]any{"val": 0x800000, "size": 4, "filename": out}, nil); err != nil {
		t.Fatalf("pmemsave: %v", err)
	}
	b, err := os.ReadFile(out)
	if err != nil || len(b) != 4 {
		t.Fatalf("pmemsave wrote %d bytes: %v", len(b), err)
	}
	return binary.LittleEndian.Uint32(b)
}
