package agent_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/agent"
	"github.com/batoncluster/baton/internal/clustertest"
	"github.com/batoncluster/baton/internal/config"
	"github.com/batoncluster/baton/internal/etcdmember"
	"github.com/batoncluster/baton/internal/ops"
	"github.com/batoncluster/baton/internal/store"
	"github.com/batoncluster/baton/proplist"
)

// A restart on the same data directory loses nothing: groups, resources,
// properties, dependencies, access entries, tokens and persistent states,
// and a group that was online comes back online: taken offline as the
// agent stops (the default outside tests), online again from its
// persistent state.
func TestRestartKeepsEverything(t *testing.T) {
	n := clustertest.NewWith(t, func(c *config.Config) { c.StopResourcesOnExit = true })
	ctx := context.Background()
	e := n.Ops()
	mustDo(t, second(e.CreateGroup(ctx, "Up", nil, proplist.List{{Name: "Priority", Values: []proplist.Value{proplist.DWORD(3000)}}})))
	mustDo(t, second(e.CreateGroup(ctx, "Down", nil, nil)))
	props := proplist.List{{Name: "OnlineDelayMs", Values: []proplist.Value{proplist.DWORD(5)}}}
	mustDo(t, second(e.CreateResource(ctx, "a", "Up", "dummy", nil, props)))
	mustDo(t, second(e.CreateResource(ctx, "b", "Up", "dummy", []string{"a"}, nil)))
	mustDo(t, second(e.CreateResource(ctx, "c", "Down", "dummy", nil, nil)))
	mustDo(t, second(e.OnlineGroup(ctx, ops.GroupRef{Name: "Up"}, "", ops.Request{})))
	mustDo(t, second(e.OnlineGroup(ctx, ops.GroupRef{Name: "Down"}, "", ops.Request{})))
	n.AwaitGroup("Up", wsfc.ClusterGroupOnline)
	n.AwaitGroup("Down", wsfc.ClusterGroupOnline)
	mustDo(t, second(e.OfflineGroup(ctx, ops.GroupRef{Name: "Down"}, ops.Request{})))
	n.AwaitGroup("Down", wsfc.ClusterGroupOffline)
	_, err := n.Store().Update(ctx, func(v store.View, t *store.Txn) error {
		sd := v.Security().Clone()
		sd.Entries["unix:user:alice"] = store.AccessRead
		t.PutSecurity(sd)
		return nil
	})
	mustDo(t, err)
	before := n.Store().View()

	n.Restart()

	after := n.Store().View()
	for _, name := range []string{"Up", "Down"} {
		b, a := before.Group(name), after.Group(name)
		if a == nil || a.ID != b.ID || a.PersistentState != b.PersistentState || a.Policy.Priority != b.Policy.Priority {
			t.Errorf("group %s: before %+v, after %+v", name, b, a)
		}
	}
	for _, name := range []string{"a", "b", "c"} {
		b, a := before.Resource(name), after.Resource(name)
		if a == nil || a.ID != b.ID || !a.Private.Equal(b.Private) || len(a.DependsOn) != len(b.DependsOn) {
			t.Errorf("resource %s: before %+v, after %+v", name, b, a)
		}
	}
	if after.Security().Entries["unix:user:alice"] != store.AccessRead {
		t.Error("the access entry was lost")
	}
	n.AwaitGroup("Up", wsfc.ClusterGroupOnline)
	if s := after.GroupState(after.Group("Down")); s != wsfc.ClusterGroupOffline {
		t.Errorf("group Down is %v after restart, want Offline (its persistent state)", s)
	}
}

func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func second[T any](_ T, err error) error { return err }

// With --stop-resources-on-exit the agent takes what it hosts offline as it
// stops, dependents first, and leaves the persistent state online.
func TestStopResourcesOnExit(t *testing.T) {
	n := clustertest.NewWith(t, func(c *config.Config) { c.StopResourcesOnExit = true })
	ctx := context.Background()
	e := n.Ops()
	mustDo(t, second(e.CreateGroup(ctx, "G", nil, nil)))
	mustDo(t, second(e.CreateResource(ctx, "a", "G", "dummy", nil, nil)))
	mustDo(t, second(e.CreateResource(ctx, "b", "G", "dummy", []string{"a"}, nil)))
	mustDo(t, second(e.OnlineGroup(ctx, ops.GroupRef{Name: "G"}, "", ops.Request{})))
	n.AwaitGroup("G", wsfc.ClusterGroupOnline)
	n.Agent.Close()

	// Read what the agent left in its database.
	c, _ := config.FreePort()
	p, _ := config.FreePort()
	m, err := etcdmember.Start(ctx, etcdmember.Config{Name: "node1", DataDir: filepath.Join(n.Dir, "etcd"), ClientURL: "http://" + c, PeerURL: "http://" + p, TickMs: 100, ElectionMs: 500})
	mustDo(t, err)
	defer m.Close()
	st, err := store.Open(ctx, m.Client, slog.New(slog.DiscardHandler))
	mustDo(t, err)
	defer st.Close()
	v := st.View()
	for _, r := range []string{"a", "b"} {
		s := v.Status(r)
		if wsfc.ClusterResourceState(s.State) != wsfc.ClusterResourceOffline || s.Persistent != 1 {
			t.Errorf("%s after exit: state %v persistent %d; want Offline, still persistently online", r, wsfc.ClusterResourceState(s.State), s.Persistent)
		}
		if a, _ := s.Props.String("LastOfflineAction"); a != "Shutdown" {
			t.Errorf("%s: LastOfflineAction %q, want Shutdown", r, a)
		}
	}
	if v.NodeState("node1") != wsfc.ClusterNodeDown {
		t.Error("a stopped node is not marked Down")
	}
}

// A start that fails half-way undoes what it started and says why (it used
// to panic on the cleanup).
func TestStartFailureCleansUp(t *testing.T) {
	cfg := config.Defaults()
	cfg.Dev, cfg.Name, cfg.DataDir = true, "node1", t.TempDir()
	cfg.EtcdClientAddr, cfg.EtcdPeerAddr = "auto", "auto"
	cfg.HTTPAddr = "256.0.0.1:1" // cannot listen there
	a, err := agent.Start(context.Background(), cfg, io.Discard, slog.New(slog.DiscardHandler))
	if err == nil || a != nil {
		t.Fatalf("Start = %v, %v; want an error", a, err)
	}
}
