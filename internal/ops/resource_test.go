package ops_test

import (
	"context"
	"errors"
	"testing"

	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/clustertest"
	"github.com/batoncluster/baton/internal/ops"
	"github.com/batoncluster/baton/internal/store"
	"github.com/batoncluster/baton/proplist"
)

func dword(name string, v uint32) proplist.Property {
	return proplist.Property{Name: name, Values: []proplist.Value{proplist.DWORD(v)}}
}

func TestResourceOnlineOfflineEx(t *testing.T) {
	n := clustertest.New(t)
	ctx := context.Background()
	e := n.Ops()
	if _, err := e.CreateGroup(ctx, "G", nil, nil); err != nil {
		t.Fatal(err)
	}
	for _, r := range []struct{ name, dep string }{{"ip", ""}, {"app", "ip"}, {"web", "app"}} {
		var deps []string
		if r.dep != "" {
			deps = []string{r.dep}
		}
		if _, err := e.CreateResource(ctx, r.name, "G", "dummy", deps, nil); err != nil {
			t.Fatal(err)
		}
	}
	ref := func(name string) ops.ResourceRef { return ops.ResourceRef{Name: name} }

	// Bad flags, for both calls.
	if _, err := e.OnlineResource(ctx, ref("web"), ops.Request{Flags: 0x10}); !errors.Is(err, wsfc.ERROR_INVALID_PARAMETER) {
		t.Errorf("online flag 0x10: %v, want 87", err)
	}
	if _, err := e.OfflineResource(ctx, ref("web"), ops.Request{Flags: 0x8}); !errors.Is(err, wsfc.ERROR_INVALID_PARAMETER) {
		t.Errorf("offline flag 0x8: %v, want 87", err)
	}
	if _, err := e.OnlineResource(ctx, ref("nope"), ops.Request{}); !errors.Is(err, wsfc.ERROR_RESOURCE_NOT_FOUND) {
		t.Errorf("unknown resource: %v, want 5007", err)
	}
	// Online of a dependent brings its providers online first.
	res, err := e.OnlineResource(ctx, ref("web"), ops.Request{})
	if err != nil || res.Status != wsfc.ERROR_IO_PENDING {
		t.Fatal(res, err)
	}
	n.AwaitGroup("G", wsfc.ClusterGroupOnline)
	// Already online → 0.
	if res, err := e.OnlineResource(ctx, ref("web"), ops.Request{}); err != nil || res.Status != wsfc.ERROR_SUCCESS {
		t.Errorf("online of an online resource: %v %v", res, err)
	}
	// A locked dependent blocks the offline of its provider unless 0x1.
	if _, err := e.SetResourceProperties(ctx, ref("web"), proplist.List{dword("Locked", 1)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.OfflineResource(ctx, ref("ip"), ops.Request{}); !errors.Is(err, wsfc.ERROR_CLUSTER_RESOURCE_LOCKED_STATUS) {
		t.Fatalf("offline with a locked dependent: %v, want 5960", err)
	}
	// Offline of a provider takes its dependents offline too, with the
	// buffer; 0x4 leaves the persistent state alone.
	buf := proplist.List{{Name: "dummy", Values: []proplist.Value{proplist.DWORD(3)}}}.MarshalCompact()
	res, err = e.OfflineResource(ctx, ref("ip"), ops.Request{Flags: 0x1 | 0x4, InBuffer: buf, Size: uint32(len(buf))})
	if err != nil || res.Status != wsfc.ERROR_IO_PENDING {
		t.Fatal(res, err)
	}
	n.AwaitGroup("G", wsfc.ClusterGroupOffline)
	v := n.Store().View()
	for _, r := range []string{"ip", "app", "web"} {
		if a, _ := v.Status(r).Props.String("LastOfflineAction"); a != "ShutdownForce" {
			t.Errorf("%s LastOfflineAction = %q, want ShutdownForce", r, a)
		}
		if v.Status(r).Persistent != 1 {
			t.Errorf("%s: flag 0x4 should leave the persistent state online", r)
		}
	}
	// Offline of an offline resource → 0.
	if res, err := e.OfflineResource(ctx, ref("ip"), ops.Request{}); err != nil || res.Status != wsfc.ERROR_SUCCESS {
		t.Errorf("offline of an offline resource: %v %v", res, err)
	}
	// Deleting a resource something depends on is refused.
	if err := e.DeleteResource(ctx, ref("ip")); !errors.Is(err, wsfc.ERROR_DEPENDENT_RESOURCE_EXISTS) {
		t.Errorf("delete a provider: %v, want 5001", err)
	}
	if err := e.AddDependency(ctx, ref("ip"), "web"); !errors.Is(err, wsfc.ERROR_CIRCULAR_DEPENDENCY) {
		t.Errorf("cycle: %v, want ERROR_CIRCULAR_DEPENDENCY (1059), not 5069: AddClusterResourceDependency's page", err)
	}
}

func TestRestartPolicy(t *testing.T) {
	n := clustertest.New(t)
	ctx := context.Background()
	e := n.Ops()
	if _, err := e.CreateGroup(ctx, "G", nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := e.CreateResource(ctx, "flaky", "G", "dummy", nil, proplist.List{
		dword("LooksAlivePollInterval", 20), dword("IsAlivePollInterval", 20),
		dword("RestartThreshold", 2), dword("RestartDelay", 10),
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.OnlineGroup(ctx, ops.GroupRef{Name: "G"}, "", ops.Request{}); err != nil {
		t.Fatal(err)
	}
	n.AwaitGroup("G", wsfc.ClusterGroupOnline)
	// Health fails for good: two restarts, then Failed.
	if _, err := e.SetResourceProperties(ctx, ops.ResourceRef{Name: "flaky"}, proplist.List{dword("FailHealth", 1)}); err != nil {
		t.Fatal(err)
	}
	n.AwaitResource("flaky", wsfc.ClusterResourceFailed)
	st := n.Store().View().Status("flaky")
	if len(st.Restarts) != 2 {
		t.Errorf("restarts = %d, want 2 (RestartThreshold)", len(st.Restarts))
	}
	if st.LastError == "" {
		t.Error("no reason given for the failure")
	}
	// Offline of a failed resource: 5038, persistent state set offline.
	if _, err := e.OfflineResource(ctx, ops.ResourceRef{Name: "flaky"}, ops.Request{}); !errors.Is(err, wsfc.ERROR_RESOURCE_FAILED) {
		t.Errorf("offline of a failed resource: %v, want 5038", err)
	}
	n.Await(func(v store.View) bool { return v.Status("flaky").Persistent == 0 }, "persistent state offline")
}

func TestRestartActionZeroNeverRestarts(t *testing.T) {
	n := clustertest.New(t)
	ctx := context.Background()
	e := n.Ops()
	if _, err := e.CreateGroup(ctx, "G", nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := e.CreateResource(ctx, "r", "G", "dummy", nil, proplist.List{
		dword("LooksAlivePollInterval", 20), dword("RestartAction", 0),
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.OnlineGroup(ctx, ops.GroupRef{Name: "G"}, "", ops.Request{}); err != nil {
		t.Fatal(err)
	}
	n.AwaitGroup("G", wsfc.ClusterGroupOnline)
	if _, err := e.SetResourceProperties(ctx, ops.ResourceRef{Name: "r"}, proplist.List{dword("FailHealth", 1)}); err != nil {
		t.Fatal(err)
	}
	n.AwaitResource("r", wsfc.ClusterResourceFailed)
	if got := len(n.Store().View().Status("r").Restarts); got != 0 {
		t.Errorf("RestartAction 0 restarted %d times", got)
	}
}

func TestCreateValidation(t *testing.T) {
	n := clustertest.New(t)
	ctx := context.Background()
	e := n.Ops()
	if _, err := e.CreateGroup(ctx, "G", nil, nil); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		err  error
		want wsfc.Errno
	}{
		{"duplicate group", second(e.CreateGroup(ctx, "G", nil, nil)), wsfc.ERROR_OBJECT_ALREADY_EXISTS},
		{"empty group name", second(e.CreateGroup(ctx, "", nil, nil)), wsfc.ERROR_INVALID_PARAMETER},
		{"slash in name", second(e.CreateGroup(ctx, "a/b", nil, nil)), wsfc.ERROR_INVALID_PARAMETER},
		{"unknown preferred owner", second(e.CreateGroup(ctx, "H", []string{"nonode"}, nil)), wsfc.ERROR_CLUSTER_NODE_NOT_FOUND},
		{"bad priority", second(e.CreateGroup(ctx, "H", nil, proplist.List{dword("Priority", 7)})), wsfc.ERROR_INVALID_PARAMETER},
		{"priority as a string", second(e.CreateGroup(ctx, "H", nil, proplist.List{{Name: "Priority", Values: []proplist.Value{proplist.SZ("high")}}})), wsfc.ERROR_INVALID_PARAMETER},
		{"unknown group property", second(e.CreateGroup(ctx, "H", nil, proplist.List{dword("Colour", 1)})), wsfc.ERROR_INVALID_PARAMETER},
		{"unknown type", second(e.CreateResource(ctx, "r", "G", "Teapot", nil, nil)), wsfc.ERROR_CLUSTER_RESOURCE_TYPE_NOT_FOUND},
		{"resource in a missing group", second(e.CreateResource(ctx, "r", "NoGroup", "dummy", nil, nil)), wsfc.ERROR_GROUP_NOT_FOUND},
		{"missing dependency", second(e.CreateResource(ctx, "r", "G", "dummy", []string{"ghost"}, nil)), wsfc.ERROR_RESOURCE_NOT_FOUND},
		{"bad private property", second(e.CreateResource(ctx, "r", "G", "dummy", nil, proplist.List{dword("FailOnline", 7)})), wsfc.ERROR_INVALID_PARAMETER},
		{"pending timeout too small", second(e.CreateResource(ctx, "r", "G", "dummy", nil, proplist.List{dword("PendingTimeout", 1)})), wsfc.ERROR_INVALID_PARAMETER},
	}
	for _, c := range cases {
		if !errors.Is(c.err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, c.err, c.want)
		}
	}
	v := n.Store().View()
	if len(v.Groups()) != 1 || len(v.Resources()) != 0 {
		t.Errorf("rejected creates left records behind: %d groups, %d resources", len(v.Groups()), len(v.Resources()))
	}
}

func second[T any](_ T, err error) error { return err }
