package host_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/clustertest"
	"github.com/batoncluster/baton/internal/host"
	"github.com/batoncluster/baton/internal/ops"
	"github.com/batoncluster/baton/internal/restypes/dummy"
	"github.com/batoncluster/baton/proplist"
	"github.com/batoncluster/baton/restype"
)

// An offline resource has no instance on its owner: its type's New runs
// when it first has something to do. A property change is reported
// applied at once all the same, and the instance made later gets it.
func TestOfflineResourcesHaveNoInstance(t *testing.T) {
	n := clustertest.New(t)
	var made atomic.Int32
	counted := dummy.Type()
	counted.Name = "counted dummy"
	newDummy := counted.New
	counted.New = func(cfg restype.Config) (restype.Resource, error) {
		made.Add(1)
		return newDummy(cfg)
	}
	if err := n.Agent.Types().Register(counted); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	e := n.Ops()
	if _, err := e.CreateGroup(ctx, "G", nil, nil); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a", "b", "c"} {
		if _, err := e.CreateResource(ctx, name, "G", counted.Name, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	// The host has seen the group (its statuses exist) and made nothing.
	n.AwaitResource("c", wsfc.ClusterResourceOffline)
	if err := n.Store().Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if m := made.Load(); m != 0 {
		t.Fatalf("%d instances made for offline resources", m)
	}

	start := time.Now()
	delay := proplist.List{{Name: dummy.PropOnlineDelayMs, Values: []proplist.Value{proplist.DWORD(1)}}}
	r, err := e.SetResourceProperties(ctx, ops.ResourceRef{Name: "a"}, delay)
	if err != nil {
		t.Fatal(err)
	}
	// waitApplied gives up after 10 s; an answer well within it means the
	// owner reported the revision applied.
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("a property change of an offline resource took %v", el)
	}
	if st := n.Store().View().Status("a"); st == nil || st.ConfigRev < r.Rev {
		t.Errorf("status %+v, want ConfigRev ≥ %d", st, r.Rev)
	}
	if m := made.Load(); m != 0 {
		t.Errorf("%d instances made by a property change", m)
	}

	if _, err := e.OnlineGroup(ctx, ops.GroupRef{Name: "G"}, "", ops.Request{}); err != nil {
		t.Fatal(err)
	}
	n.AwaitGroup("G", wsfc.ClusterGroupOnline)
	if m := made.Load(); m != 3 {
		t.Errorf("%d instances after the online, want 3", m)
	}
	if on, _ := n.Store().View().Status("a").Props.DWORD(dummy.StatusOnlines); on != 1 {
		t.Errorf("Onlines = %d, want 1", on)
	}
	// The dummy runs in the agent's process (restype.Type.NoProcesses):
	// no cgroup, and no process count or memory to report.
	if cg, ok := n.Store().View().Status("a").Props.String(host.StatusCgroup); ok {
		t.Errorf("a dummy has the cgroup %s", cg)
	}
}
