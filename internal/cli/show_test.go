package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/batoncluster/baton/clusapi"
	"github.com/batoncluster/baton/internal/clustertest"
	"github.com/batoncluster/baton/internal/ops"
	"github.com/batoncluster/baton/internal/store"
	"github.com/batoncluster/baton/proplist"
)

// The counters and outcomes the database records, as `group show`,
// `resource show` and `group history` print them, against in-process
// nodes (internal/clustertest).

func dword(name string, v uint32) proplist.Property {
	return proplist.Property{Name: name, Values: []proplist.Value{proplist.DWORD(v)}}
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// words joins s's fields with single spaces, so checks of text output do
// not depend on column alignment.
func words(s string) string { return strings.Join(strings.Fields(s), " ") }

func hasAll(t *testing.T, what, out string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(words(out), w) {
			t.Errorf("%s lacks %q:\n%s", what, w, out)
		}
	}
}

// A resource the health policy restarted: `resource show` and `group show`
// count the restart and say when it stops counting; after RestartPeriod
// they count none.
func TestShowRestarts(t *testing.T) {
	n := clustertest.New(t)
	ctx := context.Background()
	e := n.Ops()
	addr := n.Addr()
	const period = 2 * time.Second
	must[*store.Group](t)(e.CreateGroup(ctx, "G", nil, nil))
	must[*store.Resource](t)(e.CreateResource(ctx, "flaky", "G", "dummy", nil, proplist.List{
		dword("LooksAlivePollInterval", 20), dword("RestartThreshold", 1), dword("RestartDelay", 10),
		dword("RestartPeriod", uint32(period/time.Millisecond)),
	}))
	must[ops.Result](t)(e.OnlineGroup(ctx, ops.GroupRef{Name: "G"}, "", ops.Request{}))
	n.AwaitGroup("G", clusapi.ClusterGroupOnline)
	must[*store.Resource](t)(e.SetResourceProperties(ctx, ops.ResourceRef{Name: "flaky"}, proplist.List{dword("FailHealth", 1)}))
	n.AwaitResource("flaky", clusapi.ClusterResourceFailed)
	restarts := n.Store().View().Status("flaky").Restarts
	if len(restarts) != 1 {
		t.Fatalf("restarts in the record: %v, want 1", restarts)
	}
	expires := restarts[0].Add(period)
	if time.Until(expires) < period/4 {
		t.Skipf("the restart was too long ago (%v) to see it count", time.Since(restarts[0]))
	}
	at := restarts[0].UTC().Format(time.RFC3339)
	until := expires.UTC().Format(time.RFC3339)

	r := decode[resourceJSON](t, cli(t, addr, 0, "-o", "json", "resource", "show", "flaky"))
	if len(r.Restarts) != 1 || r.Restarts[0] != at || r.RestartCountExpires != until {
		t.Errorf("resource show -o json: restarts %v until %q; want [%s] until %s", r.Restarts, r.RestartCountExpires, at, until)
	}
	hasAll(t, "resource show", cli(t, addr, 0, "resource", "show", "flaky"),
		"restarts: 1 within RestartPeriod (RestartThreshold 1; the oldest counts until "+until+")")
	g := decode[groupJSON](t, cli(t, addr, 0, "-o", "json", "group", "show", "G"))
	if len(g.Resources) != 1 || len(g.Resources[0].Restarts) != 1 || g.Resources[0].RestartCountExpires != until {
		t.Errorf("group show -o json: resources %+v", g.Resources)
	}
	hasAll(t, "group show", cli(t, addr, 0, "group", "show", "G"),
		"NAME TYPE STATE LOCKED RESTARTS", "flaky dummy Failed no 1 until "+until)

	time.Sleep(time.Until(expires) + 50*time.Millisecond)
	r = decode[resourceJSON](t, cli(t, addr, 0, "-o", "json", "resource", "show", "flaky"))
	if len(r.Restarts) != 0 || r.RestartCountExpires != "" {
		t.Errorf("after RestartPeriod: restarts %v until %q; want none", r.Restarts, r.RestartCountExpires)
	}
	hasAll(t, "resource show after RestartPeriod", cli(t, addr, 0, "resource", "show", "flaky"), "restarts: none within RestartPeriod")
	hasAll(t, "group show after RestartPeriod", cli(t, addr, 0, "group", "show", "G"), "flaky dummy Failed no 0")
}

// twoNodes starts node1 and has node2 join it.
func twoNodes(t *testing.T) (n1, n2 *clustertest.Node) {
	t.Helper()
	n1 = clustertest.New(t)
	n2 = clustertest.Join(t, n1, "node2")
	n1.Await(func(v store.View) bool {
		return len(v.Nodes()) == 2 && v.NodeState("node1") == clusapi.ClusterNodeUp && v.NodeState("node2") == clusapi.ClusterNodeUp
	}, "both nodes Up")
	return n1, n2
}

// A move queued (flag 0x4) behind a paused node shows in `group show` —
// StatusInformation 0x4 and the queued move — until it runs; a move with
// flag 0x2 that failed on its destination shows in `group history` with
// ERROR_RESOURCE_FAILED, why, and the operation that took the group back.
func TestShowQueuedAndFailedMoves(t *testing.T) {
	n1, n2 := twoNodes(t)
	ctx := context.Background()
	e := n1.Ops()
	addr := n1.Addr()
	must[*store.Group](t)(e.CreateGroup(ctx, "Q", []string{"node1"}, nil))
	must[*store.Resource](t)(e.CreateResource(ctx, "q1", "Q", "dummy", nil, nil))
	must[ops.Result](t)(e.OnlineGroup(ctx, ops.GroupRef{Name: "Q"}, "", ops.Request{}))
	n1.AwaitGroup("Q", clusapi.ClusterGroupOnline)

	cli(t, addr, 0, "node", "pause", "node2")
	res := decode[opJSON](t, cli(t, addr, 0, "-o", "json", "group", "move", "Q", "--to", "node2", "--queue"))
	if res.Status != uint32(clusapi.ERROR_IO_PENDING) || res.OperationID == "" {
		t.Fatalf("queued move answered %+v", res)
	}
	id := res.OperationID
	g := decode[groupJSON](t, cli(t, addr, 0, "-o", "json", "group", "show", "Q"))
	if q := g.QueuedMove; g.StatusInformation != 0x4 || q == nil || q.OperationID != id || q.To != "node2" ||
		q.Code != 5070 || q.CodeName != "ERROR_CLUSTER_NODE_PAUSED" || !strings.Contains(q.Blocker, "paused") || q.Since == "" {
		t.Errorf("queued group: StatusInformation %#x, queued move %+v", g.StatusInformation, g.QueuedMove)
	}
	hasAll(t, "group show of a queued move", cli(t, addr, 0, "group", "show", "Q"),
		"status information: 0x4 (WAITING_IN_QUEUE_FOR_MOVE)",
		"queued move: to node2, operation "+id+", waiting since "+g.QueuedMove.Since+": ",
		"(without the queue flag: ERROR_CLUSTER_NODE_PAUSED (5070))")
	hist := decode[[]operationJSON](t, cli(t, addr, 0, "-o", "json", "group", "history", "Q"))
	if last := hist[len(hist)-1]; last.ID != id || last.From != "node1" || last.To != "" || last.Outcome != "in progress" {
		t.Errorf("history of a queued move: %+v", last)
	}

	cli(t, addr, 0, "node", "resume", "node2")
	n1.Await(func(v store.View) bool {
		op, g := v.Operation(id), v.Group("Q")
		return op != nil && op.Outcome == "succeeded" && g.QueuedMove.Op == ""
	}, "the queued move to run")
	g = decode[groupJSON](t, cli(t, addr, 0, "-o", "json", "group", "show", "Q"))
	if g.StatusInformation != 0 || g.QueuedMove != nil || g.OwnerNode != "node2" {
		t.Errorf("after the move: %+v", g)
	}
	hasAll(t, "group show after the move", cli(t, addr, 0, "group", "show", "Q"), "status information: 0x0", "queued move: -")
	hasAll(t, "history after the move", cli(t, addr, 0, "group", "history", "Q"), "MoveGroup node1 → node2 0x4")

	// 0x2: the group fails on node2 and goes back to node1.
	failOnNode(t, n1, n2, "H")
	res = decode[opJSON](t, cli(t, addr, 0, "-o", "json", "group", "move", "H", "--to", "node2", "--return-to-source"))
	id = res.OperationID
	n1.Await(func(v store.View) bool { op := v.Operation(id); return op != nil && op.Recovery != "" }, "the move's recovery")
	recovery := n1.Store().View().Operation(id).Recovery
	var move *operationJSON
	hist = decode[[]operationJSON](t, cli(t, addr, 0, "-o", "json", "group", "history", "H"))
	for i := range hist {
		if hist[i].ID == id {
			move = &hist[i]
		}
	}
	if move == nil || move.Outcome != "failed" || move.From != "node1" || move.To != "node2" || move.Error != 5038 ||
		move.ErrorName != "ERROR_RESOURCE_FAILED" || !strings.Contains(move.Detail, `"gate"`) || move.Recovery != recovery {
		t.Errorf("history of the failed move: %+v (recovery %s)", move, recovery)
	}
	hasAll(t, "history of the failed move", cli(t, addr, 0, "group", "history", "H"),
		"MoveGroup node1 → node2 0x2", "failed (5038)", "details:", "MoveGroup, operation "+id+":",
		"error: ERROR_RESOURCE_FAILED (5038)", `detail: resource "gate" failed on node2`, "recovery: "+recovery)
}

// failOnNode makes group name, Online on node1: a dummy resource and
// "gate", a Generic Application that fails to come online on bad, whose
// data directory holds the file fail-here (its working directory is
// <data dir>/resources/<id>).
func failOnNode(t *testing.T, n1, bad *clustertest.Node, name string) {
	t.Helper()
	ctx := context.Background()
	e := n1.Ops()
	must[*store.Group](t)(e.CreateGroup(ctx, name, []string{"node1"}, nil))
	must[*store.Resource](t)(e.CreateResource(ctx, name+"-d1", name, "dummy", nil, nil))
	must[*store.Resource](t)(e.CreateResource(ctx, "gate", name, "Generic Application", nil, proplist.List{
		{Name: "CommandLine", Values: []proplist.Value{proplist.SZ("/bin/sh -c 'test -e ../../fail-here && exit 3; exec sleep 120'")}},
		{Name: "ReadyCommand", Values: []proplist.Value{proplist.SZ("test ! -e ../../fail-here")}},
	}))
	must[ops.Result](t)(e.OnlineGroup(ctx, ops.GroupRef{Name: name}, "", ops.Request{}))
	n1.Await(func(v store.View) bool {
		g := v.Group(name)
		return g.OwnerNode == "node1" && v.GroupState(g) == clusapi.ClusterGroupOnline
	}, name+" Online on node1")
	if err := os.WriteFile(filepath.Join(bad.Dir, "fail-here"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { // stop the gate's process wherever it runs
		_, _ = e.OfflineGroup(context.Background(), ops.GroupRef{Name: name}, ops.Request{Flags: 1})
		n1.Await(func(v store.View) bool {
			return v.ResourceState("gate") != clusapi.ClusterResourceOnline && !v.ResourceState("gate").IsPending()
		}, "gate stopped")
	})
}
