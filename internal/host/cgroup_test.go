package host_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/cgroup"
	"github.com/batoncluster/baton/internal/clustertest"
	"github.com/batoncluster/baton/internal/host"
	"github.com/batoncluster/baton/internal/ops"
	"github.com/batoncluster/baton/internal/procstat"
	"github.com/batoncluster/baton/internal/store"
	"github.com/batoncluster/baton/proplist"
)

// A Generic Application whose process leaves a double-forked child behind
// (in a session of its own, so the type's kill of the process group
// misses it): the offline still ends with the resource's cgroup empty,
// and the status shows the cgroup, its processes and their memory.
func TestOfflineEmptiesTheCgroup(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("cgroups need root")
	}
	n := clustertest.New(t)
	ctx := context.Background()
	e := n.Ops()
	marker := filepath.Join(t.TempDir(), "leaked")
	if _, err := e.CreateGroup(ctx, "G", nil, nil); err != nil {
		t.Fatal(err)
	}
	script := `(setsid sh -c 'echo $$ > ` + marker + `; exec sleep 600' &) ; exec sleep 600`
	if _, err := e.CreateResource(ctx, "app", "G", "Generic Application", nil, proplist.List{
		{Name: "CommandLine", Values: []proplist.Value{proplist.SZ("/bin/sh -c \"" + script + "\"")}},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.OnlineGroup(ctx, ops.GroupRef{Name: "G"}, "", ops.Request{}); err != nil {
		t.Fatal(err)
	}
	n.AwaitGroup("G", wsfc.ClusterGroupOnline)
	path, ok := n.Store().View().Status("app").Props.String(host.StatusCgroup)
	if !ok {
		t.Skipf("the node has no cgroups (status %v)", n.Store().View().Status("app").Props)
	}
	if d, err := cgroup.Open(path); err != nil || !d.Valid() {
		t.Fatalf("status Cgroup %q: %v", path, err)
	}
	var leaked int
	for deadline := time.Now().Add(5 * time.Second); leaked == 0; time.Sleep(10 * time.Millisecond) {
		b, _ := os.ReadFile(marker)
		leaked, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		if time.Now().After(deadline) {
			t.Fatal("the leaked child did not start")
		}
	}
	t.Cleanup(func() { _ = syscall.Kill(leaked, syscall.SIGKILL) })
	if b, _ := os.ReadFile(filepath.Join(path, "cgroup.procs")); !strings.Contains(string(b), strconv.Itoa(leaked)) {
		t.Errorf("the leaked child %d is not in the cgroup: %q", leaked, b)
	}
	// The status carries what the cgroup holds (refreshed at the health
	// poll, 5 s for the type: wait for it).
	n.Await(func(v store.View) bool {
		p, _ := v.Status("app").Props.DWORD(host.StatusProcesses)
		return p == 2
	}, "status Processes 2")
	if m, _ := n.Store().View().Status("app").Props.Get(host.StatusMemoryBytes); len(m.Values) == 0 || m.Values[0].Uint == 0 {
		t.Errorf("status MemoryBytes = %+v, want some memory", m)
	}

	if _, err := e.OfflineGroup(ctx, ops.GroupRef{Name: "G"}, ops.Request{}); err != nil {
		t.Fatal(err)
	}
	n.AwaitGroup("G", wsfc.ClusterGroupOffline)
	if st, err := procstat.Read(leaked); err == nil && st.State != 'Z' {
		t.Errorf("the double-forked child %d survived the offline", leaked)
	}
	if b, err := os.ReadFile(filepath.Join(path, "cgroup.procs")); err != nil || len(strings.TrimSpace(string(b))) != 0 {
		t.Errorf("cgroup.procs after the offline: %q, %v; want empty", b, err)
	}
	if p, _ := n.Store().View().Status("app").Props.DWORD(host.StatusProcesses); p != 0 {
		t.Errorf("status Processes after the offline = %d, want 0", p)
	}
}
