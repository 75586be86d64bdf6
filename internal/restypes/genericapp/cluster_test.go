package genericapp_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/clustertest"
	"github.com/batoncluster/baton/internal/ops"
	"github.com/batoncluster/baton/internal/restypes/genericapp"
	"github.com/batoncluster/baton/internal/store"
	"github.com/batoncluster/baton/proplist"
)

// clusterApp is appScript's twin: a marker on graceful stop, "ready" once
// its trap is set.
const clusterApp = `#!/bin/sh
trap 'echo graceful > "$MARKER"; exit 0' TERM
echo ready
sleep 1000 &
wait
`

type clusterFixture struct {
	n      *clustertest.Node
	script string
	marker string
}

// newCluster starts a one-node cluster with group G holding the Generic
// Application resource "web" (LooksAlive every 100 ms).
func newCluster(t *testing.T) *clusterFixture {
	t.Helper()
	dir := t.TempDir()
	f := &clusterFixture{script: filepath.Join(dir, "web.sh"), marker: filepath.Join(dir, "marker")}
	if err := os.WriteFile(f.script, []byte(clusterApp), 0o755); err != nil {
		t.Fatal(err)
	}
	// A test's node leaves the process running when it stops (for the
	// reattach test); f.pid kills it at the end of the test.
	f.n = clustertest.New(t)
	ctx := context.Background()
	e := f.n.Ops()
	if _, err := e.CreateGroup(ctx, "G", nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := e.CreateResource(ctx, "web", "G", genericapp.TypeName, nil, proplist.List{
		{Name: "CommandLine", Values: []proplist.Value{proplist.SZ(f.script)}},
		{Name: "Environment", Values: []proplist.Value{proplist.MultiSZ("MARKER=" + f.marker)}},
		{Name: "ReadyCommand", Values: []proplist.Value{proplist.SZ("grep -q ready " + genericapp.LogFile)}},
		{Name: "LooksAlivePollInterval", Values: []proplist.Value{proplist.DWORD(100)}},
		{Name: "RestartDelay", Values: []proplist.Value{proplist.DWORD(10)}},
	}); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *clusterFixture) online(t *testing.T) int {
	t.Helper()
	res, err := f.n.Ops().OnlineGroup(context.Background(), ops.GroupRef{Name: "G"}, "", ops.Request{})
	if err != nil || res.Status != wsfc.ERROR_IO_PENDING {
		t.Fatalf("OnlineGroup = %+v, %v", res, err)
	}
	f.n.AwaitGroup("G", wsfc.ClusterGroupOnline)
	return f.pid(t)
}

// pid waits for the Pid status property of "web" and kills its process
// group at the end of the test.
func (f *clusterFixture) pid(t *testing.T) int {
	t.Helper()
	var pid uint32
	f.n.Await(func(v store.View) bool {
		st := v.Status("web")
		var ok bool
		pid, ok = st.Props.DWORD(genericapp.StatusPid)
		return ok && pid != 0
	}, "status property Pid")
	t.Cleanup(func() { _ = syscall.Kill(-int(pid), syscall.SIGKILL) })
	return int(pid)
}

func (f *clusterFixture) offline(t *testing.T, action uint32) {
	t.Helper()
	buf := proplist.List{{Name: genericapp.TypeName, Values: []proplist.Value{proplist.DWORD(action)}}}.MarshalCompact()
	res, err := f.n.Ops().OfflineGroup(context.Background(), ops.GroupRef{Name: "G"}, ops.Request{InBuffer: buf, Size: uint32(len(buf))})
	if err != nil || res.Status != wsfc.ERROR_IO_PENDING {
		t.Fatalf("OfflineGroup = %+v, %v", res, err)
	}
	f.n.AwaitGroup("G", wsfc.ClusterGroupOffline)
}

// running reports whether /proc/PID is a live process (not a zombie).
func running(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(b, ')')
	return i < 0 || i+2 >= len(b) || b[i+2] != 'Z'
}

func awaitEnded(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for running(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("process %d still running", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// count is how many live processes run the script.
func (f *clusterFixture) count(t *testing.T) int {
	t.Helper()
	ents, _ := os.ReadDir("/proc")
	n := 0
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || !running(pid) {
			continue
		}
		if b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline")); err == nil && bytes.Contains(b, []byte(f.script)) {
			n++
		}
	}
	return n
}

func TestClusterOnlineOffline(t *testing.T) {
	f := newCluster(t)

	// Online, then an immediate-kill offline (3): no graceful exit.
	pid := f.online(t)
	if !running(pid) {
		t.Fatalf("/proc/%d missing with the group Online", pid)
	}
	f.offline(t, genericapp.ActionKill)
	awaitEnded(t, pid)
	if _, err := os.Stat(f.marker); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("marker after offline 3: %v, want none", err)
	}
	st := f.n.Store().View().Status("web")
	if c, ok := st.Props.DWORD(genericapp.StatusExitCode); !ok || c != 137 {
		t.Errorf("ExitCode = %d,%v; want 137", c, ok)
	}

	// Online again, then a graceful offline (0).
	pid2 := f.online(t)
	if pid2 == pid || !running(pid2) {
		t.Fatalf("second online: pid %d (first %d)", pid2, pid)
	}
	f.offline(t, genericapp.ActionStop)
	awaitEnded(t, pid2)
	if b, err := os.ReadFile(f.marker); err != nil || string(b) != "graceful\n" {
		t.Errorf("marker after offline 0 = %q, %v; want graceful", b, err)
	}
}

func TestClusterHealthRestart(t *testing.T) {
	f := newCluster(t)
	pid := f.online(t)
	// The process dies: LooksAlive fails and the host restarts it.
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	var pid2 uint32
	f.n.Await(func(v store.View) bool {
		st := v.Status("web")
		pid2, _ = st.Props.DWORD(genericapp.StatusPid)
		return wsfc.ClusterResourceState(st.State) == wsfc.ClusterResourceOnline && pid2 != 0 && int(pid2) != pid
	}, "web restarted with a new process")
	t.Cleanup(func() { _ = syscall.Kill(-int(pid2), syscall.SIGKILL) })
	if !running(int(pid2)) {
		t.Errorf("restarted process %d not running", pid2)
	}
	f.offline(t, genericapp.ActionStop)
	awaitEnded(t, int(pid2))
}

func TestClusterAgentRestartReattaches(t *testing.T) {
	f := newCluster(t)
	pid := f.online(t)
	before := f.n.Store().View().Status("web").Seq
	f.n.Restart()
	// The new agent brings the resource online again (its persistent
	// state is online): the new instance must reattach.
	f.n.Await(func(v store.View) bool {
		st := v.Status("web")
		return st.Seq > before && wsfc.ClusterResourceState(st.State) == wsfc.ClusterResourceOnline
	}, "web online again after the agent restart")
	if got := f.pid(t); got != pid {
		t.Errorf("after the agent restart Pid = %d, want %d (reattached)", got, pid)
	}
	if !running(pid) {
		t.Fatal("the process died with the agent")
	}
	if n := f.count(t); n != 1 {
		t.Errorf("%d processes run the script after the agent restart, want 1", n)
	}
	f.offline(t, genericapp.ActionKill)
	awaitEnded(t, pid)
}
