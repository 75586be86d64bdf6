package ops_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/clustertest"
	"github.com/batoncluster/baton/internal/ops"
	"github.com/batoncluster/baton/internal/store"
	"github.com/batoncluster/baton/proplist"
)

// nodes starts node1 and has node2… join it: n in-process nodes of one
// cluster, all Up. Every node runs a host and campaigns for the controller,
// so moves run for real and the leader (whichever it is) works the queue.
func nodes(t *testing.T, n int) []*clustertest.Node {
	t.Helper()
	first := clustertest.New(t)
	out := []*clustertest.Node{first}
	for i := 2; i <= n; i++ {
		out = append(out, clustertest.Join(t, first, "node"+string(rune('0'+i))))
	}
	first.Await(func(v store.View) bool {
		for _, nd := range v.Nodes() {
			if v.NodeState(nd.Name) != wsfc.ClusterNodeUp {
				return false
			}
		}
		return len(v.Nodes()) == n
	}, "every node Up")
	return out
}

func mustOK[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// awaitOp waits until operation id has ended and returns its record.
func awaitOp(t *testing.T, n *clustertest.Node, id string) *store.Operation {
	t.Helper()
	n.Await(func(v store.View) bool {
		op := v.Operation(id)
		return op != nil && !op.Finished.IsZero()
	}, "operation "+id+" to end")
	return n.Store().View().Operation(id)
}

func awaitOnlineOn(t *testing.T, n *clustertest.Node, group, node string) {
	t.Helper()
	n.Await(func(v store.View) bool {
		g := v.Group(group)
		return g != nil && g.OwnerNode == node && v.GroupState(g) == wsfc.ClusterGroupOnline
	}, group+" Online on "+node)
}

// quiet waits until every operation has ended and the database has not
// changed for a moment (the hosts write reports and outcomes after a
// group is Online).
func quiet(t *testing.T, n *clustertest.Node) {
	t.Helper()
	n.Await(func(v store.View) bool {
		for _, op := range v.Operations() {
			if op.Finished.IsZero() {
				return false
			}
		}
		return true
	}, "every operation ended")
	for rev := int64(-1); ; {
		if err := n.Store().Sync(context.Background()); err != nil {
			t.Fatal(err)
		}
		if now := n.Store().View().Rev(); now != rev {
			rev = now
			time.Sleep(200 * time.Millisecond)
			continue
		}
		return
	}
}

// refused runs a call that must answer want, and checks that it changed
// nothing: DemoGroup's records, its resources' statuses, the number of
// operations and the database revision.
func refused(t *testing.T, n *clustertest.Node, what string, want wsfc.Errno, call func() (ops.Result, error)) {
	t.Helper()
	quiet(t, n)
	before, rev := snapshot(t, n)
	res, err := call()
	if !errors.Is(err, want) {
		t.Fatalf("%s: %+v, %v; want %v", what, res, err, want)
	}
	after, rev2 := snapshot(t, n)
	if before != after || rev != rev2 {
		t.Fatalf("%s: a rejected call changed the database:\nbefore %s\nafter  %s", what, before, after)
	}
}

// Flag 0x4 queues a move only when policy blocks it; every other failure
// still answers at once, and changes nothing.
func TestMoveFlagRejectedCallsChangeNothing(t *testing.T) {
	ns := nodes(t, 2)
	n1 := ns[0]
	ctx := context.Background()
	e := n1.Ops()
	demo(t, n1, nil)
	g := ops.GroupRef{Name: "DemoGroup"}
	// node9 is a member of the cluster that is Down (no liveness record).
	mustOK[int64](t)(n1.Store().Update(ctx, func(v store.View, t *store.Txn) error {
		t.PutNode(&store.Node{Name: "node9", State: int32(wsfc.ClusterNodeUp)})
		return nil
	}))
	queue := wsfc.CLUSAPI_GROUP_MOVE_QUEUE_ENABLED
	move := func(node string, flags uint32) func() (ops.Result, error) {
		return func() (ops.Result, error) { return e.MoveGroup(ctx, g, node, ops.Request{Flags: flags}) }
	}
	refused(t, n1, "flag 0x40 with 0x4", wsfc.ERROR_INVALID_PARAMETER, move("node2", 0x40|queue))
	refused(t, n1, "0x4 to an unknown node", wsfc.ERROR_CLUSTER_NODE_NOT_FOUND, move("nonode", queue))
	refused(t, n1, "0x4 to a Down node", wsfc.ERROR_CLUSTER_NODE_DOWN, move("node9", queue))

	mustOK[*store.Node](t)(e.PauseNode(ctx, "node2", false))
	refused(t, n1, "a paused destination without 0x4", wsfc.ERROR_CLUSTER_NODE_PAUSED, move("node2", 0))
	// Locked mode is not policy: it answers even when the destination is
	// paused and the move may queue.
	mustOK[*store.Resource](t)(e.SetResourceProperties(ctx, ops.ResourceRef{Name: "r3"}, proplist.List{dword("Locked", 1)}))
	n1.Await(func(v store.View) bool { return v.Status("r3").Locked }, "r3 locked")
	refused(t, n1, "0x4 with a locked resource", wsfc.ERROR_CLUSTER_RESOURCE_LOCKED_STATUS, move("node2", queue))
	mustOK[*store.Resource](t)(e.SetResourceProperties(ctx, ops.ResourceRef{Name: "r3"}, proplist.List{dword("Locked", 0)}))
	n1.Await(func(v store.View) bool { return !v.Status("r3").Locked }, "r3 unlocked")
	mustOK[*store.Node](t)(e.ResumeNode(ctx, "node2"))

	// An anti-affinity conflict on the destination: 5071 without 0x4.
	mustOK[*store.Group](t)(e.SetGroupProperties(ctx, g, proplist.List{{Name: "AntiAffinityClassNames", Values: []proplist.Value{proplist.MultiSZ("db")}}}))
	mustOK[*store.Group](t)(e.CreateGroup(ctx, "Other", []string{"node2"}, proplist.List{{Name: "AntiAffinityClassNames", Values: []proplist.Value{proplist.MultiSZ("db")}}}))
	mustOK[*store.Resource](t)(e.CreateResource(ctx, "o1", "Other", "dummy", nil, nil))
	mustOK[ops.Result](t)(e.OnlineGroup(ctx, ops.GroupRef{Name: "Other"}, "", ops.Request{}))
	awaitOnlineOn(t, n1, "Other", "node2")
	refused(t, n1, "an anti-affinity conflict without 0x4", wsfc.ERROR_NODE_CANT_HOST_RESOURCE, move("node2", 0))

	if v := n1.Store().View(); v.GroupState(v.Group("DemoGroup")) != wsfc.ClusterGroupOnline || v.Group("DemoGroup").OwnerNode != "node1" {
		t.Fatalf("DemoGroup after the rejected calls: %+v", v.Group("DemoGroup"))
	}
}

// Flag 0x4: a move that policy blocks waits in the queue — answered 997,
// StatusInformation 0x4, nothing else changed — and runs, under the same
// operation id, once the blocker clears; a later move, an offline, a
// different failure or the group's deletion ends it instead.
func TestMoveFlagQueue(t *testing.T) {
	ns := nodes(t, 2)
	n1 := ns[0]
	ctx := context.Background()
	e := n1.Ops()
	demo(t, n1, nil)
	g := ops.GroupRef{Name: "DemoGroup"}
	queue := wsfc.CLUSAPI_GROUP_MOVE_QUEUE_ENABLED
	queuedOn := func(want string) *store.Group {
		t.Helper()
		gr := n1.Store().View().Group("DemoGroup")
		if !ops.MoveQueued(gr) || gr.QueuedMove.Op != want || ops.GroupStatusInformation(n1.Store().View(), gr)&wsfc.CLUSGRP_STATUS_WAITING_IN_QUEUE_FOR_MOVE == 0 ||
			gr.StatusInformation&wsfc.CLUSGRP_STATUS_WAITING_IN_QUEUE_FOR_MOVE == 0 {
			t.Fatalf("group %+v: want move %s queued with StatusInformation 0x4", gr, want)
		}
		return gr
	}
	notQueued := func() {
		t.Helper()
		n1.Await(func(v store.View) bool {
			gr := v.Group("DemoGroup")
			return gr.QueuedMove == (store.QueuedMove{}) && gr.StatusInformation&wsfc.CLUSGRP_STATUS_WAITING_IN_QUEUE_FOR_MOVE == 0
		}, "the queue empty and StatusInformation 0x4 clear")
		if gr := n1.Store().View().Group("DemoGroup"); ops.MoveQueued(gr) || ops.GroupStatusInformation(n1.Store().View(), gr)&wsfc.CLUSGRP_STATUS_WAITING_IN_QUEUE_FOR_MOVE != 0 {
			t.Fatalf("group %+v still reads as queued", gr)
		}
	}

	// Destination paused: queued, and nothing but the queue changed.
	mustOK[*store.Node](t)(e.PauseNode(ctx, "node2", false))
	seqs := func() string {
		v := n1.Store().View()
		var b strings.Builder
		for _, r := range []string{"r1", "r2", "r3"} {
			st := v.Status(r)
			b.WriteString(r + ":" + wsfc.ClusterResourceState(st.State).String() + ":" + string(rune('0'+st.Seq%10)) + " ")
		}
		return b.String()
	}
	before := seqs()
	res := mustOK[ops.Result](t)(e.MoveGroup(ctx, g, "node2", ops.Request{Flags: queue, Caller: "test"}))
	if res.Status != wsfc.ERROR_IO_PENDING || res.OperationID == "" {
		t.Fatalf("queued move answered %+v, want 997 with an operation", res)
	}
	first := res.OperationID
	gr := queuedOn(first)
	if gr.OwnerNode != "node1" || gr.MoveTo != "" || gr.QueuedMove.To != "node2" || gr.QueuedMove.Code != uint32(wsfc.ERROR_CLUSTER_NODE_PAUSED) || !strings.Contains(gr.QueuedMove.Blocker, "paused") {
		t.Errorf("queued group %+v", gr)
	}
	if after := seqs(); after != before {
		t.Errorf("queuing touched the resources: %s → %s", before, after)
	}
	if op := n1.Store().View().Operation(first); op == nil || op.Kind != store.OpMoveGroup || op.Flags != queue || op.From != "node1" || op.Caller != "test" || !op.Finished.IsZero() {
		t.Errorf("queued operation %+v", op)
	}

	// A second queued move takes the first one's place.
	res = mustOK[ops.Result](t)(e.MoveGroup(ctx, g, "node2", ops.Request{Flags: queue | wsfc.CLUSAPI_GROUP_MOVE_HIGH_PRIORITY_START}))
	second := res.OperationID
	queuedOn(second)
	if op := n1.Store().View().Operation(first); op.Outcome != "superseded" {
		t.Errorf("the first queued move after a second: %+v, want superseded", op)
	}

	// The blocker clears: the move runs under its own id.
	mustOK[*store.Node](t)(e.ResumeNode(ctx, "node2"))
	awaitOnlineOn(t, n1, "DemoGroup", "node2")
	if op := awaitOp(t, n1, second); op.Outcome != "succeeded" || op.From != "node1" || op.To != "node2" {
		t.Errorf("the queued move after node2 resumed: %+v", op)
	}
	notQueued()

	// Superseded by an offline.
	mustOK[*store.Node](t)(e.PauseNode(ctx, "node1", false))
	res = mustOK[ops.Result](t)(e.MoveGroup(ctx, g, "node1", ops.Request{Flags: queue}))
	queuedOn(res.OperationID)
	mustOK[ops.Result](t)(e.OfflineGroup(ctx, g, ops.Request{}))
	if op := awaitOp(t, n1, res.OperationID); op.Outcome != "superseded" {
		t.Errorf("a queued move after an offline: %+v, want superseded", op)
	}
	notQueued()
	n1.AwaitGroup("DemoGroup", wsfc.ClusterGroupOffline)

	// A different failure ends it: a resource in locked mode while it waits.
	mustOK[ops.Result](t)(e.OnlineGroup(ctx, g, "", ops.Request{}))
	awaitOnlineOn(t, n1, "DemoGroup", "node2")
	res = mustOK[ops.Result](t)(e.MoveGroup(ctx, g, "node1", ops.Request{Flags: queue}))
	queuedOn(res.OperationID)
	mustOK[*store.Resource](t)(e.SetResourceProperties(ctx, ops.ResourceRef{Name: "r1"}, proplist.List{dword("Locked", 1)}))
	if op := awaitOp(t, n1, res.OperationID); op.Outcome != "failed" || op.Error != uint32(wsfc.ERROR_CLUSTER_RESOURCE_LOCKED_STATUS) || op.Detail == "" {
		t.Errorf("a queued move after a resource locked: %+v, want failed with 5960", op)
	}
	notQueued()
	mustOK[*store.Resource](t)(e.SetResourceProperties(ctx, ops.ResourceRef{Name: "r1"}, proplist.List{dword("Locked", 0)}))

	// Behind a pending group: the move waits for the offline under way.
	mustOK[*store.Resource](t)(e.SetResourceProperties(ctx, ops.ResourceRef{Name: "r3"}, proplist.List{dword("OfflineDelayMs", 400)}))
	mustOK[*store.Node](t)(e.ResumeNode(ctx, "node1"))
	mustOK[ops.Result](t)(e.OfflineGroup(ctx, g, ops.Request{}))
	res = mustOK[ops.Result](t)(e.MoveGroup(ctx, g, "node1", ops.Request{Flags: queue}))
	if gr := queuedOn(res.OperationID); gr.QueuedMove.Code != uint32(wsfc.ERROR_INVALID_STATE) {
		t.Errorf("queued behind a pending group: %+v, want code 5023", gr.QueuedMove)
	}
	if op := awaitOp(t, n1, res.OperationID); op.Outcome != "succeeded" {
		t.Errorf("the move queued behind an offline: %+v", op)
	}
	n1.Await(func(v store.View) bool {
		gr := v.Group("DemoGroup")
		return gr.OwnerNode == "node1" && v.GroupState(gr) == wsfc.ClusterGroupOffline
	}, "DemoGroup Offline on node1")
	notQueued()

	// The group is deleted while its move waits.
	mustOK[*store.Group](t)(e.CreateGroup(ctx, "Empty", []string{"node2"}, nil))
	mustOK[*store.Node](t)(e.PauseNode(ctx, "node1", false))
	res = mustOK[ops.Result](t)(e.MoveGroup(ctx, ops.GroupRef{Name: "Empty"}, "node1", ops.Request{Flags: queue}))
	if res.Status != wsfc.ERROR_IO_PENDING {
		t.Fatalf("queued move of an empty group: %+v", res)
	}
	if err := e.DeleteGroup(ctx, ops.GroupRef{Name: "Empty"}, false); err != nil {
		t.Fatal(err)
	}
	if op := awaitOp(t, n1, res.OperationID); op.Outcome != "failed" || op.Error != uint32(wsfc.ERROR_GROUP_NOT_AVAILABLE) {
		t.Errorf("a queued move of a deleted group: %+v, want failed with 5012", op)
	}
}

// failOn makes group G on node1: three dummy resources and "gate", a
// Generic Application that fails to come online on any node whose data
// directory holds the file fail-here (its working directory is its state
// directory, <data dir>/resources/<id>). The group comes online on node1.
func failOn(t *testing.T, ns []*clustertest.Node, bad *clustertest.Node, preferred ...string) {
	t.Helper()
	ctx := context.Background()
	e := ns[0].Ops()
	mustOK[*store.Group](t)(e.CreateGroup(ctx, "G", []string{"node1"}, nil))
	for _, r := range []string{"d1", "d2", "d3"} {
		mustOK[*store.Resource](t)(e.CreateResource(ctx, r, "G", "dummy", nil, nil))
	}
	mustOK[*store.Resource](t)(e.CreateResource(ctx, "gate", "G", "Generic Application", nil, proplist.List{
		{Name: "CommandLine", Values: []proplist.Value{proplist.SZ("/bin/sh -c 'test -e ../../fail-here && exit 3; exec sleep 120'")}},
		{Name: "ReadyCommand", Values: []proplist.Value{proplist.SZ("test ! -e ../../fail-here")}},
	}))
	mustOK[ops.Result](t)(e.OnlineGroup(ctx, ops.GroupRef{Name: "G"}, "", ops.Request{}))
	awaitOnlineOn(t, ns[0], "G", "node1")
	if len(preferred) > 0 {
		if err := e.SetGroupNodeList(ctx, ops.GroupRef{Name: "G"}, preferred); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(bad.Dir, "fail-here"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { // stop the gate's process wherever it runs
		_, _ = e.OfflineGroup(context.Background(), ops.GroupRef{Name: "G"}, ops.Request{Flags: 1})
		ns[0].Await(func(v store.View) bool {
			return v.ResourceState("gate") != wsfc.ClusterResourceOnline && !v.ResourceState("gate").IsPending()
		}, "gate stopped")
	})
}

// Without flags a move whose group fails on the destination is left to the
// failover policy: the controller fails the group over to its preferred
// owner. With 0x2 it goes back to its source instead, and the move ends
// failed with ERROR_RESOURCE_FAILED; the way back is not a failover.
func TestMoveFlagReturnToSource(t *testing.T) {
	ns := nodes(t, 3)
	n1 := ns[0]
	ctx := context.Background()
	e := n1.Ops()
	failOn(t, ns, ns[1], "node3", "node1")
	g := ops.GroupRef{Name: "G"}

	// No flag: policy. The group fails on node2 and fails over to node3.
	res := mustOK[ops.Result](t)(e.MoveGroup(ctx, g, "node2", ops.Request{}))
	awaitOnlineOn(t, n1, "G", "node3")
	if op := awaitOp(t, n1, res.OperationID); op.Outcome != "failed" || op.Recovery != "" {
		t.Errorf("move without flags that failed on node2: %+v, want failed, no recovery", op)
	}
	if gr := n1.Store().View().Group("G"); len(gr.Failovers) != 1 {
		t.Errorf("failovers after the policy moved the group: %v, want 1", gr.Failovers)
	}
	mustOK[ops.Result](t)(e.MoveGroup(ctx, g, "node1", ops.Request{}))
	awaitOnlineOn(t, n1, "G", "node1")

	// 0x2: back to node1, the source.
	res = mustOK[ops.Result](t)(e.MoveGroup(ctx, g, "node2", ops.Request{Flags: wsfc.CLUSAPI_GROUP_MOVE_RETURN_TO_SOURCE_NODE_ON_ERROR}))
	awaitOp(t, n1, res.OperationID)
	n1.Await(func(v store.View) bool { return v.Operation(res.OperationID).Recovery != "" }, "the move's recovery")
	m := n1.Store().View().Operation(res.OperationID)
	if m.Outcome != "failed" || m.Error != uint32(wsfc.ERROR_RESOURCE_FAILED) || m.From != "node1" || m.To != "node2" || !strings.Contains(m.Detail, "gate") {
		t.Errorf("the move with 0x2: %+v, want failed with 5038 naming gate", m)
	}
	r := awaitOp(t, n1, m.Recovery)
	awaitOnlineOn(t, n1, "G", "node1")
	if r.Kind != store.OpReturnToSource || r.Outcome != "succeeded" || r.From != "node2" || r.To != "node1" {
		t.Errorf("the way back: %+v", r)
	}
	if gr := n1.Store().View().Group("G"); len(gr.Failovers) != 1 || gr.LastOperation != r.ID {
		t.Errorf("group after the way back: failovers %v (want the earlier 1 only), last operation %s (want %s)", gr.Failovers, gr.LastOperation, r.ID)
	}
}

// 0x10: a move that fails on the destination goes to the group's first
// preferred owner that can take it (not the source, here).
func TestMoveFlagFailback(t *testing.T) {
	ns := nodes(t, 3)
	n1 := ns[0]
	ctx := context.Background()
	e := n1.Ops()
	failOn(t, ns, ns[1], "node3", "node1")
	res := mustOK[ops.Result](t)(e.MoveGroup(ctx, ops.GroupRef{Name: "G"}, "node2", ops.Request{Flags: wsfc.CLUSAPI_GROUP_MOVE_FAILBACK}))
	n1.Await(func(v store.View) bool { return v.Operation(res.OperationID).Recovery != "" }, "the move's recovery")
	m := n1.Store().View().Operation(res.OperationID)
	if m.Outcome != "failed" || m.Error != uint32(wsfc.ERROR_RESOURCE_FAILED) {
		t.Errorf("the move with 0x10: %+v", m)
	}
	r := awaitOp(t, n1, m.Recovery)
	awaitOnlineOn(t, n1, "G", "node3")
	if r.Kind != store.OpMoveFailback || r.Outcome != "succeeded" || r.To != "node3" {
		t.Errorf("the failback: %+v", r)
	}
	if gr := n1.Store().View().Group("G"); len(gr.Failovers) != 0 {
		t.Errorf("the failback counted as a failover: %v", gr.Failovers)
	}
}
