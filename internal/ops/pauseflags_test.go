package ops_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/ops"
	"github.com/batoncluster/baton/internal/store"
)

// PauseClusterNodeEx's dwPauseFlags: undefined bits, and the drain flags
// without a drain, are refused and change nothing; AVOID_PLACEMENT alone
// pauses.
func TestPauseFlagsRefused(t *testing.T) {
	ns := nodes(t, 2)
	e := ns[0].Ops()
	ctx := context.Background()
	rev := ns[0].Store().View().Node("node1").Rev
	for _, tc := range []struct {
		name  string
		drain bool
		flags uint32
	}{
		{"an undefined bit", true, 0x8},
		{"REMAIN without a drain", false, wsfc.CLUSAPI_NODE_PAUSE_REMAIN_ON_PAUSED_NODE_ON_MOVE_ERROR},
		{"RETRY without a drain", false, wsfc.CLUSAPI_NODE_PAUSE_RETRY_DRAIN_ON_FAILURE},
	} {
		if _, err := e.PauseNodeEx(ctx, "node1", tc.drain, tc.flags, ""); !errors.Is(err, wsfc.ERROR_INVALID_PARAMETER) {
			t.Errorf("%s: %v, want ERROR_INVALID_PARAMETER", tc.name, err)
		}
	}
	if n := ns[0].Store().View().Node("node1"); n.Rev != rev {
		t.Errorf("refused pauses changed node1 (revision %d → %d)", rev, n.Rev)
	}
	n := mustOK[*store.Node](t)(e.PauseNodeEx(ctx, "node1", false, wsfc.CLUSAPI_NODE_AVOID_PLACEMENT, ""))
	if wsfc.ClusterNodeState(n.State) != wsfc.ClusterNodePaused || n.Draining {
		t.Errorf("pause with AVOID_PLACEMENT: %+v", n)
	}
	mustOK[*store.Node](t)(e.ResumeNode(ctx, "node1"))
}

// With CLUSAPI_NODE_PAUSE_REMAIN_ON_PAUSED_NODE_ON_MOVE_ERROR a group whose
// drain move fails on its destination comes back to the paused node and
// stays there; the drain ends failed. Resuming clears it all.
func TestDrainRemainOnMoveError(t *testing.T) {
	ns := nodes(t, 3)
	n1 := ns[0]
	e := n1.Ops()
	ctx := context.Background()
	failOn(t, ns, ns[1], "node2", "node1") // G fails to come online on node2

	mustOK[*store.Node](t)(e.PauseNodeEx(ctx, "node1", true, wsfc.CLUSAPI_NODE_PAUSE_REMAIN_ON_PAUSED_NODE_ON_MOVE_ERROR, "node2"))
	n1.Await(func(v store.View) bool {
		_, stayed := v.Node("node1").DrainStayed["G"]
		return stayed
	}, "G noted as staying on node1 after its drain move failed")
	awaitOnlineOn(t, n1, "G", "node1")
	v := n1.Store().View()
	if st, detail := ops.DrainStatus(v, "node1"); st != "failed" {
		t.Errorf("drain status %q (%s), want failed", st, detail)
	}
	g := v.Group("G")
	back := v.Operation(g.LastOperation)
	if back == nil || back.Kind != store.OpReturnToSource || back.To != "node1" {
		t.Errorf("G's last operation %+v, want the return to node1", back)
	}
	if len(g.Failovers) != 0 {
		t.Errorf("the way back counted as a failover: %v", g.Failovers)
	}
	// The drain does not try G again: it stays Online on node1.
	time.Sleep(2 * time.Second)
	if g2 := n1.Store().View().Group("G"); g2.OwnerNode != "node1" || g2.LastOperation != g.LastOperation {
		t.Errorf("after 2 s: G on %s, last operation %s; want it left on node1", g2.OwnerNode, g2.LastOperation)
	}
	n := mustOK[*store.Node](t)(e.ResumeNode(ctx, "node1"))
	if n.DrainFlags != 0 || n.DrainStayed != nil {
		t.Errorf("after the resume: %+v", n)
	}
}
