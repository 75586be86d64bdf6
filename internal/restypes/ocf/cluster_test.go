package ocf_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/clustertest"
	"github.com/batoncluster/baton/internal/ops"
	"github.com/batoncluster/baton/internal/restypes/ocf"
	"github.com/batoncluster/baton/internal/store"
	"github.com/batoncluster/baton/proplist"
)

func sz(s string) []proplist.Value { return []proplist.Value{proplist.SZ(s)} }

// sleepers returns the live processes running "sleep arg".
func sleepers(arg string) []int {
	ents, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		st, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if i := bytes.LastIndexByte(st, ')'); err != nil || i < 0 || i+2 >= len(st) || st[i+2] == 'Z' {
			continue
		}
		if b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline")); err == nil && bytes.Equal(b, []byte("/bin/sleep\x00"+arg+"\x00")) {
			out = append(out, pid)
		}
	}
	return out
}

// TestClusterOnlineOffline runs real agents through the cluster: a group
// with heartbeat/Dummy, heartbeat/anything and the recording test agent,
// brought online, then taken offline with the input buffer OCF=3.
func TestClusterOnlineOffline(t *testing.T) {
	ocf.UseTestRoot(t) // before the node starts: it reads the root
	dir := t.TempDir()
	stateFile := filepath.Join(dir, "dummy.state")
	record := filepath.Join(dir, "record")
	arg := fmt.Sprintf("%d.%d", 200000+os.Getpid()%10000, time.Now().UnixNano()%1000000)
	t.Cleanup(func() {
		for _, pid := range sleepers(arg) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	})

	n := clustertest.New(t)
	ctx := context.Background()
	e := n.Ops()
	if _, err := e.CreateGroup(ctx, "G", nil, nil); err != nil {
		t.Fatal(err)
	}
	for _, r := range []struct {
		name  string
		props proplist.List
	}{
		{"dummy", proplist.List{{Name: "Agent", Values: sz("Dummy")}, {Name: "state", Values: sz(stateFile)}}},
		{"app", proplist.List{{Name: "Agent", Values: sz("anything")}, {Name: "binfile", Values: sz("/bin/sleep")},
			{Name: "cmdline_options", Values: sz(arg)}, {Name: "pidfile", Values: sz(filepath.Join(dir, "app.pid"))}}},
		{"rec", proplist.List{{Name: "Provider", Values: sz(ocf.TestProvider)}, {Name: "Agent", Values: sz("recorder")},
			{Name: "log", Values: sz(record)}}},
	} {
		if _, err := e.CreateResource(ctx, r.name, "G", ocf.TypeName, nil, r.props); err != nil {
			t.Fatalf("create %s: %v", r.name, err)
		}
	}
	// Validation against the agent's meta-data refuses bad parameters.
	_, err := e.CreateResource(ctx, "bad", "G", ocf.TypeName, nil, proplist.List{{Name: "Agent", Values: sz("Dummy")}, {Name: "bogus", Values: sz("1")}})
	var opErr *ops.Error
	if !errors.As(err, &opErr) || opErr.Code != wsfc.ERROR_INVALID_PARAMETER || !strings.Contains(err.Error(), "bogus") {
		t.Errorf("create with an unknown parameter = %v, want ERROR_INVALID_PARAMETER naming it", err)
	}
	_, err = e.CreateResource(ctx, "bad", "G", ocf.TypeName, nil, proplist.List{{Name: "Agent", Values: sz("anything")}})
	if err == nil || !strings.Contains(err.Error(), "binfile") {
		t.Errorf("create without a required parameter = %v, want an error naming binfile", err)
	}

	res, err := e.OnlineGroup(ctx, ops.GroupRef{Name: "G"}, "", ops.Request{})
	if err != nil || res.Status != wsfc.ERROR_IO_PENDING {
		t.Fatalf("OnlineGroup = %+v, %v", res, err)
	}
	n.AwaitGroup("G", wsfc.ClusterGroupOnline)
	if _, err := os.Stat(stateFile); err != nil {
		t.Errorf("Dummy state file after online: %v", err)
	}
	if p := sleepers(arg); len(p) != 1 {
		t.Errorf("%d processes run sleep %s after online, want 1", len(p), arg)
	}
	n.Await(func(v store.View) bool {
		a, _ := v.Status("dummy").Props.String(ocf.StatusLastAction)
		return a == "monitor"
	}, "dummy status LastAction monitor")

	buf := proplist.List{{Name: ocf.TypeName, Values: []proplist.Value{proplist.DWORD(3)}}}.MarshalCompact()
	res, err = e.OfflineGroup(ctx, ops.GroupRef{Name: "G"}, ops.Request{InBuffer: buf, Size: uint32(len(buf))})
	if err != nil || res.Status != wsfc.ERROR_IO_PENDING {
		t.Fatalf("OfflineGroup = %+v, %v", res, err)
	}
	n.AwaitGroup("G", wsfc.ClusterGroupOffline)
	if _, err := os.Stat(stateFile); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Dummy state file after offline: %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(sleepers(arg)) > 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if p := sleepers(arg); len(p) != 0 {
		t.Errorf("sleep %s still running after offline: %v", arg, p)
	}
	b, err := os.ReadFile(record)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "stop offline_action=3 ") {
		t.Errorf("the recorder's stop did not get the offline action 3:\n%s", b)
	}
	st := n.Store().View().Status("dummy")
	if a, _ := st.Props.String(ocf.StatusLastAction); a != "stop" {
		t.Errorf("dummy LastAction = %q, want stop", a)
	}
	if c, ok := st.Props.DWORD(ocf.StatusLastExitCode); !ok || c != 0 {
		t.Errorf("dummy LastExitCode = %d,%v", c, ok)
	}
}

// TestClusterMonitorFailure: an external stop makes the monitor fail
// (7) and the host restarts the resource.
func TestClusterMonitorFailure(t *testing.T) {
	ocf.NeedAgents(t)
	stateFile := filepath.Join(t.TempDir(), "dummy.state")
	n := clustertest.New(t)
	ctx := context.Background()
	e := n.Ops()
	if _, err := e.CreateGroup(ctx, "G", nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := e.CreateResource(ctx, "dummy", "G", ocf.TypeName, nil, proplist.List{
		{Name: "Agent", Values: sz("Dummy")}, {Name: "state", Values: sz(stateFile)},
		{Name: "LooksAlivePollInterval", Values: []proplist.Value{proplist.DWORD(200)}},
		{Name: "RestartDelay", Values: []proplist.Value{proplist.DWORD(10)}},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.OnlineGroup(ctx, ops.GroupRef{Name: "G"}, "", ops.Request{}); err != nil {
		t.Fatal(err)
	}
	n.AwaitGroup("G", wsfc.ClusterGroupOnline)
	before := n.Store().View().Status("dummy").Seq
	if err := os.Remove(stateFile); err != nil {
		t.Fatal(err)
	}
	n.Await(func(v store.View) bool {
		st := v.Status("dummy")
		return st.Seq > before+1 && wsfc.ClusterResourceState(st.State) == wsfc.ClusterResourceOnline
	}, "dummy restarted after its monitor failed")
	if _, err := os.Stat(stateFile); err != nil {
		t.Errorf("state file after the restart: %v", err)
	}
	if res, err := e.OfflineGroup(ctx, ops.GroupRef{Name: "G"}, ops.Request{}); err != nil || res.Status != wsfc.ERROR_IO_PENDING {
		t.Fatal(res, err)
	}
	n.AwaitGroup("G", wsfc.ClusterGroupOffline)
}
