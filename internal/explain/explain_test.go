package explain_test

import (
	"strings"
	"testing"
	"time"

	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/explain"
	"github.com/batoncluster/baton/internal/store"
)

// now is the tests' time: explain is a pure function of a view and the
// time, and its tests build the view in memory (tests/e2e why_test.go
// asks a real agent).
var now = time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)

func why(v store.View, group string) explain.Explanation {
	return explain.Group(v, v.Group(group), now)
}

func has(e explain.Explanation, resource, code, text string) bool {
	for _, r := range e.Reasons {
		if r.Resource == resource && r.Code == code && strings.Contains(r.Text, text) {
			return true
		}
	}
	return false
}

// up is node1, Up (alive), and a group G it owns, online, of the given
// resources with the default policy.
func up(records ...any) store.View {
	return store.NewView(append([]any{
		&store.Node{Name: "node1"}, &store.Alive{Node: "node1"},
		&store.Group{Name: "G", OwnerNode: "node1", PersistentState: 1, Policy: store.DefaultGroupPolicy()},
	}, records...)...)
}

func resource(name string, dependsOn ...string) *store.Resource {
	return &store.Resource{Name: name, Group: "G", Type: "dummy", DependsOn: dependsOn, Common: store.DefaultResourceCommon()}
}

func status(name string, s wsfc.ClusterResourceState) *store.Status {
	return &store.Status{Resource: name, Node: "node1", State: int32(s), Updated: now.Add(-3 * time.Second)}
}

func TestWhy(t *testing.T) {
	db, app := resource("db"), resource("app", "db")
	app.Common.PendingTimeout = 120000
	on := wsfc.ClusterResourceOnline
	if x := why(up(db, app, status("db", on), status("app", on)), "G"); x.State != wsfc.ClusterGroupOnline || !strings.Contains(x.Summary, "all 2 resources are online") || len(x.Reasons) != 0 {
		t.Errorf("online group: %+v", x)
	}

	// Locked: the reason and what it blocks.
	locked := status("db", on)
	locked.Locked, locked.LockedReason = true, "backup running"
	if x := why(up(db, app, locked, status("app", on)), "G"); !has(x, "db", "locked", "backup running") || !has(x, "db", "locked", "5960") {
		t.Errorf("locked: %+v", x.Reasons)
	}

	// Pending: how long against the timeout, and what it waits for.
	offP := wsfc.ClusterResourceOfflinePending
	x := why(up(db, app, status("db", offP), status("app", offP)), "G")
	if x.State != wsfc.ClusterGroupPending || !has(x, "app", "pending", "OfflinePending for 3s of its PendingTimeout 2m0s") || !has(x, "app", "waiting", "offline call is running") ||
		!has(x, "db", "waiting", "depend on it to go offline first: app (OfflinePending)") {
		t.Errorf("pending: %+v", x)
	}
}

func TestWhyFailedAndRestarts(t *testing.T) {
	flaky := resource("flaky")
	flaky.Common.RestartThreshold, flaky.Common.RestartDelay = 1, 10
	failed := status("flaky", wsfc.ClusterResourceFailed)
	failed.LastError = "health check failed"
	failed.Restarts = []time.Time{now.Add(-time.Minute)}
	x := why(up(flaky, failed), "G")
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
