package host

import (
	"context"

	"github.com/batoncluster/baton/clusapi"
	"github.com/batoncluster/baton/internal/store"
)

// handover finishes the source side of a move: once nothing of the group
// runs here, ownership passes to the destination in one transaction that
// also gives up this node's claim and marks the resources to be brought
// online there (those whose persistent state is online).
//
// From then on the destination drives the move's operation: its host
// records the outcome once the resources settle there, so a move whose
// group fails on the destination ends failed — which is what flags 0x2 and
// 0x10 of MoveClusterGroupEx act on (ops.RecoverFailedMove). This host
// forgets the operation, or its finishOps would record it succeeded the
// moment the group left, before anything ran on the destination.
func (h *Host) handover(ctx context.Context, v store.View, g *store.Group) {
	if g.MoveTo == "" || h.hostsAnything(g.Name) {
		return
	}
	for _, r := range v.GroupResources(g) {
		switch v.ResourceState(r.Name) {
		case clusapi.ClusterResourceOffline, clusapi.ClusterResourceFailed:
		default:
			return // still going offline
		}
	}
	// op is the move's operation, when the destination takes it over.
	op, _, err := store.Decide(ctx, h.cfg.Store, func(v store.View, t *store.Txn) (string, error) {
		op := ""
		cur := v.Group(g.Name)
		if cur == nil || cur.OwnerNode != h.cfg.Node || cur.MoveTo == "" {
			return "", nil
		}
		n := cur.Clone()
		n.OwnerNode, n.MoveTo, n.MoveOp = cur.MoveTo, "", ""
		t.PutGroup(n)
		if cur.PersistentState == 1 {
			for _, r := range v.GroupResources(cur) {
				st := v.Status(r.Name)
				if st == nil || st.Persistent != 1 {
					continue
				}
				s := st.Clone()
				s.State = int32(clusapi.ClusterResourceOnlinePending)
				s.Seq++
				s.OpID, s.OpParams, s.Terminate, s.Restart, s.LastError = cur.MoveOp, false, false, false, ""
				s.Restarts = nil // restarts count per node (RestartThreshold)
				s.Updated = h.now()
				t.PutStatus(s)
				op = cur.MoveOp
			}
		}
		if c := v.Claim(cur.Name); c != nil && c.Node == h.cfg.Node {
			t.Delete(store.ClaimKey(cur.Name), c.Rev)
		}
		return op, nil
	})
	if err != nil {
		h.log.Warn("cannot hand the group over", "group", g.Name, "to", g.MoveTo, "err", err)
		return
	}
	if op != "" {
		delete(h.ops, op)
	}
	h.log.Info("group handed over", "group", g.Name, "to", g.MoveTo)
}
