package explain_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/batoncluster/baton/clusapi"
	"github.com/batoncluster/baton/internal/clustertest"
	"github.com/batoncluster/baton/internal/explain"
	"github.com/batoncluster/baton/internal/ops"
	"github.com/batoncluster/baton/internal/store"
	"github.com/batoncluster/baton/proplist"
)

func dword(name string, v uint32) proplist.Property {
	return proplist.Property{Name: name, Values: []proplist.Value{proplist.DWORD(v)}}
}

func why(n *clustertest.Node, group string) explain.Explanation {
	v := n.Store().View()
	return explain.Group(v, v.Group(group), time.Now())
}

func has(e explain.Explanation, resource, code, text string) bool {
	for _, r := range e.Reasons {
		if r.Resource == resource && r.Code == code && strings.Contains(r.Text, text) {
			return true
		}
	}
	return false
}

func TestWhy(t *testing.T) {
	n := clustertest.New(t)
	ctx := context.Background()
	e := n.Ops()
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(e.CreateGroup(ctx, "G", nil, nil))
	must(e.CreateResource(ctx, "db", "G", "dummy", nil, nil))
	must(e.CreateResource(ctx, "app", "G", "dummy", []string{"db"}, proplist.List{dword("OfflineDelayMs", 60000), dword("PendingTimeout", 120000)}))
	must(e.OnlineGroup(ctx, ops.GroupRef{Name: "G"}, "", ops.Request{}))
	n.AwaitGroup("G", clusapi.ClusterGroupOnline)
	if x := why(n, "G"); x.State != clusapi.ClusterGroupOnline || !strings.Contains(x.Summary, "all 2 resources are online") || len(x.Reasons) != 0 {
		t.Errorf("online group: %+v", x)
	}

	// Locked: the reason and what it blocks.
	must(e.SetResourceProperties(ctx, ops.ResourceRef{Name: "db"}, proplist.List{dword("Locked", 1), {Name: "LockedReason", Values: []proplist.Value{proplist.SZ("backup running")}}}))
	if x := why(n, "G"); !has(x, "db", "locked", "backup running") || !has(x, "db", "locked", "5960") {
		t.Errorf("locked: %+v", x.Reasons)
	}

	// Pending: how long against the timeout, and what it waits for.
	must(e.OfflineGroup(ctx, ops.GroupRef{Name: "G"}, ops.Request{Flags: 1}))
	n.Await(func(v store.View) bool { return v.ResourceState("app") == clusapi.ClusterResourceOfflinePending }, "app going offline")
	x := why(n, "G")
	if x.State != clusapi.ClusterGroupPending || !has(x, "app", "pending", "PendingTimeout 2m0s") || !has(x, "app", "waiting", "offline call is running") ||
		!has(x, "db", "waiting", "depend on it to go offline first: app (OfflinePending)") {
		t.Errorf("pending: %+v", x)
	}
}

func TestWhyFailedAndRestarts(t *testing.T) {
	n := clustertest.New(t)
	ctx := context.Background()
	e := n.Ops()
	if _, err := e.CreateGroup(ctx, "G", nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := e.CreateResource(ctx, "flaky", "G", "dummy", nil, proplist.List{
		dword("LooksAlivePollInterval", 20), dword("RestartThreshold", 1), dword("RestartDelay", 10),
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.OnlineGroup(ctx, ops.GroupRef{Name: "G"}, "", ops.Request{}); err != nil {
		t.Fatal(err)
	}
	n.AwaitGroup("G", clusapi.ClusterGroupOnline)
	if _, err := e.SetResourceProperties(ctx, ops.ResourceRef{Name: "flaky"}, proplist.List{dword("FailHealth", 1)}); err != nil {
		t.Fatal(err)
	}
	n.AwaitGroup("G", clusapi.ClusterGroupFailed)
	x := why(n, "G")
	if !has(x, "flaky", "failed", "health check failed") || !has(x, "flaky", "restarts", "restarted 1 time(s)") || !has(x, "flaky", "restarts", "0 more allowed") {
		t.Errorf("failed: %+v", x.Reasons)
	}
	// RestartAction 2 asks for a failover, but on one node the default
	// FailoverThreshold (nodes - 1) allows none.
	if !has(x, "", "held", "the cluster leaves the group where it is") {
		t.Errorf("no hold explained: %+v", x.Reasons)
	}
	if x.Summary != "1 of 1 resources failed" {
		t.Errorf("summary %q", x.Summary)
	}
}
