package cli

import (
	"context"
	"testing"
	"time"

	"github.com/batoncluster/baton/clusapi"
	"github.com/batoncluster/baton/internal/clustertest"
	"github.com/batoncluster/baton/internal/ops"
	"github.com/batoncluster/baton/internal/store"
	"github.com/batoncluster/baton/proplist"
)

// readOnly returns the global flags that make the CLI call n over https
// with a token of Read access.
func readOnly(t *testing.T, n *clustertest.Node) []string {
	t.Helper()
	tok := decode[tokenJSON](t, cli(t, n.Addr(), 0, "-o", "json", "acl", "token", "create", "reader", "--access", "read"))
	return []string{"--address", "https://" + n.Agent.HTTPAddr(), "--token", tok.Token, "--ca", n.Agent.CAHash()}
}

// cliErr runs a command that must fail (exit 1) and returns its JSON error code.
func cliErr(t *testing.T, addr string, args ...string) uint32 {
	t.Helper()
	return decode[errJSON](t, cli(t, addr, 1, append([]string{"-o", "json"}, args...)...)).Error.Code
}

// `baton resource fail`: a resource failed with RestartThreshold 0 stays
// Failed and its group fails over to the other node, as after a failed
// health check. Refusals (missing resource, not Online, Read access)
// change nothing.
func TestResourceFail(t *testing.T) {
	n1, _ := twoNodes(t)
	ctx := context.Background()
	e := n1.Ops()
	addr := n1.Addr()
	must[*store.Group](t)(e.CreateGroup(ctx, "F", []string{"node1", "node2"}, nil))
	must[*store.Resource](t)(e.CreateResource(ctx, "fr", "F", "dummy", nil, nil))
	must[*store.Resource](t)(e.CreateResource(ctx, "fr0", "F", "dummy", nil, nil))
	must[*store.Resource](t)(e.SetResourceProperties(ctx, ops.ResourceRef{Name: "fr"}, proplist.List{dword("RestartThreshold", 0)}))

	if code := cliErr(t, addr, "resource", "fail", "nosuch"); code != uint32(clusapi.ERROR_RESOURCE_NOT_FOUND) {
		t.Errorf("fail of a missing resource: %d, want ERROR_RESOURCE_NOT_FOUND", code)
	}
	if code := cliErr(t, addr, "resource", "fail", "fr"); code != uint32(clusapi.ERROR_INVALID_STATE) {
		t.Errorf("fail of an Offline resource: %d, want ERROR_INVALID_STATE", code)
	}
	must[ops.Result](t)(e.OnlineGroup(ctx, ops.GroupRef{Name: "F"}, "node1", ops.Request{}))
	n1.AwaitGroup("F", clusapi.ClusterGroupOnline)
	seq := n1.Store().View().Status("fr").Seq

	ro := readOnly(t, n1)
	if code := cliErr(t, addr, append(ro, "resource", "fail", "fr")...); code != uint32(clusapi.ERROR_ACCESS_DENIED) {
		t.Errorf("fail with Read access: %d, want ERROR_ACCESS_DENIED", code)
	}
	if st := n1.Store().View().Status("fr"); st.Seq != seq || st.FailSeq != 0 {
		t.Errorf("after the refusals: %+v", st)
	}

	res := decode[opJSON](t, cli(t, addr, 0, "-o", "json", "resource", "fail", "fr"))
	if res.Resource != "fr" || res.Status != 0 || res.StatusName != "ERROR_SUCCESS" {
		t.Errorf("resource fail -o json: %+v", res)
	}
	n1.Await(func(v store.View) bool {
		g := v.Group("F")
		return g.OwnerNode == "node2" && v.GroupState(g) == clusapi.ClusterGroupOnline
	}, "F failed over to node2 and Online")
	if g := n1.Store().View().Group("F"); len(g.Failovers) != 1 {
		t.Errorf("failovers counted: %v, want 1", g.Failovers)
	}
	if out := cli(t, addr, 0, "resource", "fail", "fr0"); out != "failed resource fr0\n" {
		t.Errorf("resource fail: %q", out)
	}
}

// `baton resource restart`: the resource and its dependent go offline and
// come back; refusals (missing resource, dwFlags other than 0, not Online,
// Read access) change nothing.
func TestResourceRestart(t *testing.T) {
	n := clustertest.New(t)
	ctx := context.Background()
	e := n.Ops()
	addr := n.Addr()
	must[*store.Group](t)(e.CreateGroup(ctx, "R", nil, nil))
	must[*store.Resource](t)(e.CreateResource(ctx, "rb", "R", "dummy", nil, nil))
	must[*store.Resource](t)(e.CreateResource(ctx, "rt", "R", "dummy", []string{"rb"}, nil))
	if code := cliErr(t, addr, "resource", "restart", "rb"); code != uint32(clusapi.ERROR_INVALID_STATE) {
		t.Errorf("restart of an Offline resource: %d, want ERROR_INVALID_STATE", code)
	}
	must[ops.Result](t)(e.OnlineGroup(ctx, ops.GroupRef{Name: "R"}, "", ops.Request{}))
	n.AwaitGroup("R", clusapi.ClusterGroupOnline)
	seq := func(name string) uint64 { return n.Store().View().Status(name).Seq }
	b, top := seq("rb"), seq("rt")

	if code := cliErr(t, addr, "resource", "restart", "nosuch"); code != uint32(clusapi.ERROR_RESOURCE_NOT_FOUND) {
		t.Errorf("restart of a missing resource: %d, want ERROR_RESOURCE_NOT_FOUND", code)
	}
	if code := cliErr(t, addr, "resource", "restart", "rb", "--flags", "0x1"); code != uint32(clusapi.ERROR_INVALID_PARAMETER) {
		t.Errorf("restart --flags 0x1: %d, want ERROR_INVALID_PARAMETER", code)
	}
	if code := cliErr(t, addr, append(readOnly(t, n), "resource", "restart", "rb")...); code != uint32(clusapi.ERROR_ACCESS_DENIED) {
		t.Errorf("restart with Read access: %d, want ERROR_ACCESS_DENIED", code)
	}
	if seq("rb") != b || seq("rt") != top {
		t.Errorf("the refusals changed state sequences: rb %d → %d, rt %d → %d", b, seq("rb"), top, seq("rt"))
	}

	res := decode[opJSON](t, cli(t, addr, 0, "-o", "json", "resource", "restart", "rb"))
	if res.Resource != "rb" || res.Status != 0 || res.OperationID == "" {
		t.Errorf("resource restart -o json: %+v", res)
	}
	n.AwaitGroup("R", clusapi.ClusterGroupOnline)
	if seq("rb") != b+4 || seq("rt") != top+4 {
		t.Errorf("after the restart: rb %d → %d, rt %d → %d; want 4 on each", b, seq("rb"), top, seq("rt"))
	}
	if op := n.Store().View().Operation(res.OperationID); op == nil || op.Kind != store.OpRestartResource || op.Resource != "rb" {
		t.Errorf("the operation that brought them back: %+v", op)
	}
}

// `baton group cancel`: a move queued behind a paused node is cancelled;
// the group stays Online on node1, StatusInformation loses 0x4, the move
// ends failed ("cancelled"), and resuming node2 moves nothing. Refusals
// (missing group, dwCancelFlags other than 0, Read access, nothing
// queued) change nothing.
func TestGroupCancel(t *testing.T) {
	n1, _ := twoNodes(t)
	ctx := context.Background()
	e := n1.Ops()
	addr := n1.Addr()
	must[*store.Group](t)(e.CreateGroup(ctx, "C", []string{"node1"}, nil))
	must[*store.Resource](t)(e.CreateResource(ctx, "c1", "C", "dummy", nil, nil))
	must[ops.Result](t)(e.OnlineGroup(ctx, ops.GroupRef{Name: "C"}, "", ops.Request{}))
	n1.AwaitGroup("C", clusapi.ClusterGroupOnline)
	if code := cliErr(t, addr, "group", "cancel", "C"); code != uint32(clusapi.ERROR_INVALID_STATE) {
		t.Errorf("cancel with nothing queued: %d, want ERROR_INVALID_STATE", code)
	}

	cli(t, addr, 0, "node", "pause", "node2")
	res := decode[opJSON](t, cli(t, addr, 0, "-o", "json", "group", "move", "C", "--to", "node2", "--queue"))
	if res.Status != uint32(clusapi.ERROR_IO_PENDING) || res.OperationID == "" {
		t.Fatalf("queued move answered %+v", res)
	}
	id := res.OperationID
	queued := func() bool { return ops.MoveQueued(n1.Store().View().Group("C")) }
	if code := cliErr(t, addr, "group", "cancel", "nosuch"); code != uint32(clusapi.ERROR_GROUP_NOT_FOUND) {
		t.Errorf("cancel of a missing group: %d, want ERROR_GROUP_NOT_FOUND", code)
	}
	if code := cliErr(t, addr, "group", "cancel", "C", "--flags", "0x1"); code != uint32(clusapi.ERROR_INVALID_PARAMETER) {
		t.Errorf("cancel --flags 0x1: %d, want ERROR_INVALID_PARAMETER", code)
	}
	if code := cliErr(t, addr, append(readOnly(t, n1), "group", "cancel", "C")...); code != uint32(clusapi.ERROR_ACCESS_DENIED) {
		t.Errorf("cancel with Read access: %d, want ERROR_ACCESS_DENIED", code)
	}
	if !queued() {
		t.Fatal("the refusals ended the queued move")
	}

	res = decode[opJSON](t, cli(t, addr, 0, "-o", "json", "group", "cancel", "C"))
	if res.Group != "C" || res.Status != 0 || res.OperationID != id {
		t.Errorf("group cancel -o json: %+v, want status 0 and operation %s", res, id)
	}
	v := n1.Store().View()
	g := v.Group("C")
	if queued() || ops.GroupStatusInformation(v, g) != 0 || g.OwnerNode != "node1" || v.GroupState(g) != clusapi.ClusterGroupOnline {
		t.Errorf("after the cancel: %+v (state %v)", g, v.GroupState(g))
	}
	if op := v.Operation(id); op == nil || op.Outcome != "failed" || op.Finished.IsZero() || op.Detail == "" {
		t.Errorf("the cancelled move: %+v", op)
	}
	if code := cliErr(t, addr, "group", "cancel", "C"); code != uint32(clusapi.ERROR_INVALID_STATE) {
		t.Errorf("cancel again: %d, want ERROR_INVALID_STATE", code)
	}
	cli(t, addr, 0, "node", "resume", "node2")
	time.Sleep(500 * time.Millisecond) // the controller's next pass would have moved it
	if g := n1.Store().View().Group("C"); g.OwnerNode != "node1" || g.MoveTo != "" {
		t.Errorf("after node2 resumed, the cancelled move ran: %+v", g)
	}
}
