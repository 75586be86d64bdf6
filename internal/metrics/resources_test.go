package metrics_test

import (
	"context"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/clustertest"
	"github.com/batoncluster/baton/internal/ops"
	"github.com/batoncluster/baton/proplist"
)

// The processes and memory of each resource the node hosts, from its
// cgroup, read at each scrape.
func TestResourceUsage(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("cgroups need root")
	}
	n := clustertest.New(t)
	ctx := context.Background()
	e := n.Ops()
	if _, err := e.CreateGroup(ctx, "G", nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := e.CreateResource(ctx, "app", "G", "Generic Application", nil, proplist.List{
		{Name: "CommandLine", Values: []proplist.Value{proplist.SZ("/bin/sh -c 'sleep 600 & exec sleep 600'")}},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.OnlineGroup(ctx, ops.GroupRef{Name: "G"}, "", ops.Request{}); err != nil {
		t.Fatal(err)
	}
	n.AwaitGroup("G", wsfc.ClusterGroupOnline)
	t.Cleanup(func() {
		if pid, ok := n.Store().View().Status("app").Props.DWORD("Pid"); ok {
			_ = syscall.Kill(-int(pid), syscall.SIGKILL)
		}
	})
	if _, ok := n.Store().View().Status("app").Props.DWORD("Processes"); !ok {
		t.Skip("the node has no usable cgroups")
	}
	// The shell may not have forked its background sleep yet.
	var m string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m = scrape(t, n); strings.Contains(m, `baton_resource_processes{group="G",resource="app"} 2`) {
			break
		}
	}
	for _, want := range []string{`baton_resource_processes{group="G",resource="app"} 2`, `baton_resource_memory_bytes{group="G",resource="app"} `} {
		if !strings.Contains(m, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}
