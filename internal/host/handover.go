package host

import (
	"context"

	"github.com/batoncluster/baton/clusapi/wsfc"
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
//
// A group too big for one transaction (store.TooLarge) is handed over in
// several: its resources are marked a chunk at a time while the group is
// still this node's and moving (a group moving away starts nothing here,
// reconcileResource), and the group changes hands with the last chunk, so
// the destination sees them all at once, as with one transaction.
func (h *Host) handover(ctx context.Context, v store.View, g *store.Group) {
	if g.MoveTo == "" || h.hostsAnything(g.Name) {
		return
	}
	for _, r := range v.GroupResources(g) {
		switch st := v.Status(r.Name); v.ResourceState(r.Name) {
		case wsfc.ClusterResourceOffline, wsfc.ClusterResourceFailed:
		case wsfc.ClusterResourceOnlinePending:
			if st.OpID != g.MoveOp {
				return
			}
			// Marked by a handover in several transactions that did not
			// get to its end.
		default:
			return // still going offline
		}
	}
	// op is the move's operation, when the destination takes it over.
	op, _, err := store.Decide(ctx, h.cfg.Store, func(v store.View, t *store.Txn) (string, error) {
		cur := v.Group(g.Name)
		if cur == nil || cur.OwnerNode != h.cfg.Node || cur.MoveTo == "" {
			return "", nil
		}
		op := ""
		for _, r := range v.GroupResources(cur) {
			if h.markHandedOver(v, t, cur, r.Name) {
				op = cur.MoveOp
			}
		}
		h.handOver(v, t, cur)
		return op, nil
	})
	if store.TooLarge(err) {
		op, err = h.handoverSplit(ctx, g.Name)
	}
	if err != nil {
		h.log.Warn("cannot hand the group over", "group", g.Name, "to", g.MoveTo, "err", err)
		return
	}
	if op != "" {
		delete(h.ops, op)
	}
	h.log.Info("group handed over", "group", g.Name, "to", g.MoveTo)
}

// markHandedOver marks resource name of cur, a group being handed over,
// OnlinePending for the destination if its persistent state (and the
// group's) is online; it reports whether the resource is to come online
// there. One marked already is left as it is.
func (h *Host) markHandedOver(v store.View, t *store.Txn, cur *store.Group, name string) bool {
	if cur.PersistentState != 1 {
		return false
	}
	st := v.Status(name)
	if st == nil || st.Persistent != 1 {
		return false
	}
	if wsfc.ClusterResourceState(st.State) == wsfc.ClusterResourceOnlinePending && st.OpID == cur.MoveOp {
		return true
	}
	s := st.Clone()
	s.State = int32(wsfc.ClusterResourceOnlinePending)
	s.Seq++
	s.OpID, s.OpParams, s.Terminate, s.Restart, s.LastError = cur.MoveOp, false, false, false, ""
	s.Restarts = nil // restarts count per node (RestartThreshold)
	s.Updated = h.now()
	t.PutStatus(s)
	return true
}

// handOver gives cur to its move's destination and gives up this node's
// claim.
func (h *Host) handOver(v store.View, t *store.Txn, cur *store.Group) {
	n := cur.Clone()
	n.OwnerNode, n.MoveTo, n.MoveOp = cur.MoveTo, "", ""
	t.PutGroup(n)
	if c := v.Claim(cur.Name); c != nil && c.Node == h.cfg.Node {
		t.Delete(store.ClaimKey(cur.Name), c.Rev)
	}
}

// handoverSplit hands a group over in several transactions (see
// handover): a chunk of resources each, halved when etcd refuses one, the
// group's change of hands with the last.
func (h *Host) handoverSplit(ctx context.Context, group string) (string, error) {
	v := h.cfg.Store.View()
	g := v.Group(group)
	if g == nil {
		return "", nil
	}
	var names []string
	for _, r := range v.GroupResources(g) {
		names = append(names, r.Name)
	}
	size := writeBatch
	op := ""
	for {
		n := min(len(names), size)
		res, _, err := store.Decide(ctx, h.cfg.Store, func(v store.View, t *store.Txn) (struct {
			op   string
			done bool
		}, error) {
			var out struct {
				op   string
				done bool
			}
			cur := v.Group(group)
			if cur == nil || cur.OwnerNode != h.cfg.Node || cur.MoveTo == "" {
				out.done = true
				return out, nil
			}
			for _, name := range names[:n] {
				if h.markHandedOver(v, t, cur, name) {
					out.op = cur.MoveOp
				}
			}
			if n == len(names) {
				h.handOver(v, t, cur)
				out.done = true
			}
			return out, nil
		})
		if store.TooLarge(err) && n > 1 {
			size = n / 2
			continue
		}
		if err != nil {
			return "", err
		}
		if res.op != "" {
			op = res.op
		}
		if res.done {
			return op, nil
		}
		names = names[n:]
	}
}
