package host

import (
	"context"
	"fmt"

	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/store"
)

// recover runs once at start. Nothing this node hosted before it stopped
// is known to be running now — or it may be, for types whose resources
// outlive the agent (processes, VMs) — so resources recorded Online (or
// coming online) whose persistent state is online are brought online again
// (a type reattaches to what still runs), and the rest are taken offline
// through their type, so nothing is left running unmanaged. Resources
// recorded Offline whose persistent state (and their group's) is online —
// the agent's stop took them offline — come online again too. Pending
// offlines carry on as they are. A group moving away (MoveTo) is being
// taken offline for its handover: its resources go, or stay, offline —
// brought online again here, they blocked the handover for good while
// the move counted as done (tests/chaos, seed 20261207: a node fenced
// in the middle of a move, and rejoined).
func (h *Host) recover(ctx context.Context) error {
	_, err := h.cfg.Store.Update(ctx, func(v store.View, t *store.Txn) error {
		for _, g := range v.Groups() {
			if g.OwnerNode != h.cfg.Node {
				continue
			}
			moving := g.MoveTo != ""
			for _, r := range v.GroupResources(g) {
				st := v.Status(r.Name)
				if st == nil {
					continue
				}
				switch wsfc.ClusterResourceState(st.State) {
				case wsfc.ClusterResourceOnline, wsfc.ClusterResourceOnlinePending:
				case wsfc.ClusterResourceOffline:
					// Taken offline by the agent's stop (or by an offline
					// that kept the persistent state): the persistent
					// state is what a start restores.
					if moving || st.Persistent != 1 || g.PersistentState != 1 {
						continue
					}
				default:
					continue
				}
				n := st.Clone()
				n.Seq++
				n.Updated = h.now()
				if st.Persistent == 1 && !moving {
					n.State = int32(wsfc.ClusterResourceOnlinePending)
					n.OpParams = false
				} else {
					n.State = int32(wsfc.ClusterResourceOfflinePending)
					n.OpParams = false
				}
				t.PutStatus(n)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("host: recover: %w", err)
	}
	return nil
}
