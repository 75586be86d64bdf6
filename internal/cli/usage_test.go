package cli

import (
	"context"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/batoncluster/baton/clusapi"
	"github.com/batoncluster/baton/internal/clustertest"
	"github.com/batoncluster/baton/internal/ops"
	"github.com/batoncluster/baton/internal/store"
	"github.com/batoncluster/baton/proplist"
)

// `resource show` says how many processes the resource's cgroup holds and
// what memory they use; -o json has them in the status.
func TestShowProcesses(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("cgroups need root")
	}
	n := clustertest.New(t)
	ctx := context.Background()
	e := n.Ops()
	must[*store.Group](t)(e.CreateGroup(ctx, "G", nil, nil))
	must[*store.Resource](t)(e.CreateResource(ctx, "app", "G", "Generic Application", nil, proplist.List{
		{Name: "CommandLine", Values: []proplist.Value{proplist.SZ("/bin/sh -c 'sleep 600 & exec sleep 600'")}},
	}))
	must[ops.Result](t)(e.OnlineGroup(ctx, ops.GroupRef{Name: "G"}, "", ops.Request{}))
	n.AwaitGroup("G", clusapi.ClusterGroupOnline)
	t.Cleanup(func() {
		if pid, ok := n.Store().View().Status("app").Props.DWORD("Pid"); ok {
			_ = syscall.Kill(-int(pid), syscall.SIGKILL)
		}
	})
	if _, ok := n.Store().View().Status("app").Props.DWORD("Processes"); !ok {
		t.Skip("the node has no usable cgroups")
	}
	n.Await(func(v store.View) bool {
		p, _ := v.Status("app").Props.DWORD("Processes")
		return p == 2
	}, "status Processes 2")
	out := cli(t, n.Addr(), 0, "resource", "show", "app")
	hasAll(t, "resource show", out, "processes: 2, ", " MiB in cgroup /sys/fs/cgroup/")
	r := decode[resourceJSON](t, cli(t, n.Addr(), 0, "-o", "json", "resource", "show", "app"))
	if v, ok := r.Status.DWORD("Processes"); !ok || v != 2 {
		t.Errorf("-o json status Processes = %d, %v; want 2", v, ok)
	}
	if cg, _ := r.Status.String("Cgroup"); !strings.HasPrefix(cg, "/sys/fs/cgroup/") {
		t.Errorf("-o json status Cgroup = %q", cg)
	}
}
