package explain_test

import (
	"testing"

	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/store"
)

// A move waiting in the queue (flag 0x4) is explained: where to, why it
// waits, StatusInformation 0x4 and what the call would have answered.
func TestWhyQueuedMove(t *testing.T) {
	// n2: a paused node that is alive, so that a move to it is blocked,
	// not refused; the queue as MoveGroup writes it (ops TestMoveFlagQueue).
	g := &store.Group{Name: "G", OwnerNode: "node1", Policy: store.DefaultGroupPolicy(), LastOperation: "op1",
		QueuedMove: store.QueuedMove{Op: "op1", To: "n2", Blocker: `node "n2" is paused`, Code: uint32(wsfc.ERROR_CLUSTER_NODE_PAUSED), Since: now}}
	v := store.NewView(&store.Node{Name: "node1"}, &store.Alive{Node: "node1"},
		&store.Node{Name: "n2", State: int32(wsfc.ClusterNodePaused)}, &store.Alive{Node: "n2"}, g,
		&store.Operation{ID: "op1", Kind: store.OpMoveGroup, Group: "G", Created: now})
	x := why(v, "G")
	for _, text := range []string{"a move to n2", "op1", "StatusInformation 0x4", `node "n2" is paused`, "ERROR_CLUSTER_NODE_PAUSED"} {
		if !has(x, "", "queued", text) {
			t.Errorf("why of a group with a queued move does not say %q: %+v", text, x.Reasons)
		}
	}
}
