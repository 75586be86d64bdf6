package server_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/clustertest"
	"github.com/batoncluster/baton/internal/dial"
	"github.com/batoncluster/baton/internal/ops"
	"github.com/batoncluster/baton/internal/store"
	"github.com/batoncluster/baton/proplist"
)

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// twoNodes starts node1 and has node2 join it; both run a host and
// campaign for the controller, so moves run for real.
func twoNodes(t *testing.T) (n1, n2 *clustertest.Node) {
	t.Helper()
	n1 = clustertest.New(t)
	n2 = clustertest.Join(t, n1, "node2")
	n1.Await(func(v store.View) bool {
		return len(v.Nodes()) == 2 && v.NodeState("node1") == wsfc.ClusterNodeUp && v.NodeState("node2") == wsfc.ClusterNodeUp
	}, "both nodes Up")
	return n1, n2
}

func getGroup(t *testing.T, c *dial.Conn, name string) *batonv1.Group {
	t.Helper()
	resp, err := c.Groups.GetGroup(context.Background(), connect.NewRequest(&batonv1.GetGroupRequest{Group: &batonv1.GroupRef{Name: name}}))
	if err != nil {
		t.Fatal(err)
	}
	return resp.Msg.Group
}

func getOperation(t *testing.T, c *dial.Conn, id string) *batonv1.Operation {
	t.Helper()
	resp, err := c.Groups.GetOperation(context.Background(), connect.NewRequest(&batonv1.GetOperationRequest{Id: id}))
	if err != nil {
		t.Fatal(err)
	}
	return resp.Msg
}

// A move with flag 0x4 to a paused node waits in the queue: the group
// shows StatusInformation 0x4 and the queued move; the operation its
// source. Once the node resumes the move runs, and both clear.
func TestGroupQueuedMove(t *testing.T) {
	n1, _ := twoNodes(t)
	ctx := context.Background()
	e := n1.Ops()
	c := conn(t, n1.Addr(), "")
	must[*store.Group](t)(e.CreateGroup(ctx, "G", []string{"node1"}, nil))
	must[*store.Resource](t)(e.CreateResource(ctx, "r1", "G", "dummy", nil, nil))
	must[ops.Result](t)(e.OnlineGroup(ctx, ops.GroupRef{Name: "G"}, "", ops.Request{}))
	n1.AwaitGroup("G", wsfc.ClusterGroupOnline)
	if g := getGroup(t, c, "G"); g.StatusInformation != 0 || g.QueuedMove != nil {
		t.Fatalf("before the move: StatusInformation 0x%x, queued move %v", g.StatusInformation, g.QueuedMove)
	}

	must[*store.Node](t)(e.PauseNode(ctx, "node2", false))
	before := time.Now()
	resp, err := c.Groups.MoveGroup(ctx, connect.NewRequest(&batonv1.MoveGroupRequest{
		Group: &batonv1.GroupRef{Name: "G"}, Node: "node2", Flags: wsfc.CLUSAPI_GROUP_MOVE_QUEUE_ENABLED,
	}))
	if err != nil {
		t.Fatal(err)
	}
	id := resp.Msg.OperationId
	if resp.Msg.Status != uint32(wsfc.ERROR_IO_PENDING) || id == "" {
		t.Fatalf("queued move answered %v", resp.Msg)
	}
	g := getGroup(t, c, "G")
	if g.StatusInformation != wsfc.CLUSGRP_STATUS_WAITING_IN_QUEUE_FOR_MOVE {
		t.Errorf("StatusInformation 0x%x, want 0x4", g.StatusInformation)
	}
	q := g.QueuedMove
	if q == nil {
		t.Fatal("no queued move")
	}
	if q.OperationId != id || q.To != "node2" || q.Code != uint32(wsfc.ERROR_CLUSTER_NODE_PAUSED) || q.CodeName != "ERROR_CLUSTER_NODE_PAUSED" ||
		!strings.Contains(q.Blocker, "paused") || q.SinceUnixNano < before.Add(-time.Second).UnixNano() {
		t.Errorf("queued move %v; want operation %s to node2, 5070 ERROR_CLUSTER_NODE_PAUSED, a blocker naming the pause, since about %v", q, id, before)
	}
	if op := getOperation(t, c, id); op.From != "node1" || op.To != "" || op.Outcome != "" || op.Error != 0 || op.ErrorName != "" {
		t.Errorf("queued operation %v; want from node1, no destination yet, not ended", op)
	}
	if g.OwnerNode != "node1" || g.MoveTo != "" {
		t.Errorf("queued group owner %q, moving to %q", g.OwnerNode, g.MoveTo)
	}

	must[*store.Node](t)(e.ResumeNode(ctx, "node2"))
	n1.Await(func(v store.View) bool {
		op := v.Operation(id)
		return op != nil && op.Outcome == "succeeded"
	}, "the queued move to succeed")
	n1.Await(func(v store.View) bool { return v.Group("G").QueuedMove.Op == "" }, "the queue empty")
	if g := getGroup(t, c, "G"); g.StatusInformation != 0 || g.QueuedMove != nil || g.OwnerNode != "node2" {
		t.Errorf("after the move: StatusInformation 0x%x, queued move %v, owner %s", g.StatusInformation, g.QueuedMove, g.OwnerNode)
	}
	if op := getOperation(t, c, id); op.From != "node1" || op.To != "node2" || op.Outcome != "succeeded" || op.Error != 0 || op.Recovery != "" {
		t.Errorf("the move after it ran: %v", op)
	}
}

// A move with flag 0x2 whose group fails on the destination goes back to
// its source; the move's record says so: failed with 5038, why, and the
// operation that took the group back.
func TestFailedMoveOperation(t *testing.T) {
	n1, n2 := twoNodes(t)
	ctx := context.Background()
	c := conn(t, n1.Addr(), "")
	failOnNode(t, n1, n2)

	resp, err := c.Groups.MoveGroup(ctx, connect.NewRequest(&batonv1.MoveGroupRequest{
		Group: &batonv1.GroupRef{Name: "G"}, Node: "node2", Flags: wsfc.CLUSAPI_GROUP_MOVE_RETURN_TO_SOURCE_NODE_ON_ERROR,
	}))
	if err != nil {
		t.Fatal(err)
	}
	id := resp.Msg.OperationId
	n1.Await(func(v store.View) bool { op := v.Operation(id); return op != nil && op.Recovery != "" }, "the move's recovery")
	op := getOperation(t, c, id)
	if op.Kind != store.OpMoveGroup || op.Outcome != "failed" || op.From != "node1" || op.To != "node2" ||
		op.Error != uint32(wsfc.ERROR_RESOURCE_FAILED) || op.ErrorName != "ERROR_RESOURCE_FAILED" ||
		!strings.Contains(op.Detail, `"gate"`) || op.Recovery == "" || op.Recovery == store.RecoveryPolicy || op.FinishedUnixNano == 0 {
		t.Fatalf("the failed move: %v; want failed from node1 to node2 with 5038, a detail naming gate, and a recovery", op)
	}
	back := getOperation(t, c, op.Recovery)
	if back.Kind != store.OpReturnToSource || back.From != "node2" || back.To != "node1" || !strings.Contains(back.Detail, id) {
		t.Errorf("the way back: %v", back)
	}
	n1.Await(func(v store.View) bool {
		g := v.Group("G")
		return g.OwnerNode == "node1" && v.GroupState(g) == wsfc.ClusterGroupOnline
	}, "G Online on node1 again")
	// ListOperations (group history) carries the same fields.
	list, err := c.Groups.ListOperations(ctx, connect.NewRequest(&batonv1.ListOperationsRequest{Group: &batonv1.GroupRef{Name: "G"}}))
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, o := range list.Msg.Operations {
		if o.Id == id {
			found = o.Error == op.Error && o.Detail == op.Detail && o.Recovery == op.Recovery && o.From == "node1" && o.To == "node2"
		}
	}
	if !found {
		t.Errorf("ListOperations does not show the move as GetOperation does: %v", list.Msg.Operations)
	}
}

// failOnNode makes group G, Online on node1: a dummy resource and "gate",
// a Generic Application that fails to come online on bad, whose data
// directory holds the file fail-here (its working directory is
// <data dir>/resources/<id>).
func failOnNode(t *testing.T, n1, bad *clustertest.Node) {
	t.Helper()
	ctx := context.Background()
	e := n1.Ops()
	must[*store.Group](t)(e.CreateGroup(ctx, "G", []string{"node1"}, nil))
	must[*store.Resource](t)(e.CreateResource(ctx, "d1", "G", "dummy", nil, nil))
	must[*store.Resource](t)(e.CreateResource(ctx, "gate", "G", "Generic Application", nil, proplist.List{
		{Name: "CommandLine", Values: []proplist.Value{proplist.SZ("/bin/sh -c 'test -e ../../fail-here && exit 3; exec sleep 120'")}},
		{Name: "ReadyCommand", Values: []proplist.Value{proplist.SZ("test ! -e ../../fail-here")}},
	}))
	must[ops.Result](t)(e.OnlineGroup(ctx, ops.GroupRef{Name: "G"}, "", ops.Request{}))
	n1.Await(func(v store.View) bool {
		g := v.Group("G")
		return g.OwnerNode == "node1" && v.GroupState(g) == wsfc.ClusterGroupOnline
	}, "G Online on node1")
	if err := os.WriteFile(filepath.Join(bad.Dir, "fail-here"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { // stop the gate's process wherever it runs
		_, _ = e.OfflineGroup(context.Background(), ops.GroupRef{Name: "G"}, ops.Request{Flags: 1})
		n1.Await(func(v store.View) bool {
			return v.ResourceState("gate") != wsfc.ClusterResourceOnline && !v.ResourceState("gate").IsPending()
		}, "gate stopped")
	})
}
