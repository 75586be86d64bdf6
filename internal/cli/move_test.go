package cli

import (
	"testing"

	"github.com/batoncluster/baton/clusapi"
)

// How --wait of `group move` judges what it sees: by the move's operation
// when there is one (a queued move waits, a failed or superseded one ends
// the wait), else by where the group is.
func TestMoveObserved(t *testing.T) {
	online, pending := clusapi.ClusterGroupOnline, clusapi.ClusterGroupPending
	g := func(owner string, state clusapi.ClusterGroupState) *clusapi.Group {
		return &clusapi.Group{Name: "G", OwnerNode: owner, State: state, PersistentState: 1}
	}
	op := func(outcome string) *clusapi.OperationRecord {
		return &clusapi.OperationRecord{ID: "x", Outcome: outcome}
	}
	for _, c := range []struct {
		name        string
		g           *clusapi.Group
		op          *clusapi.OperationRecord
		done, stuck bool
		waits       bool // the line says the move waits
	}{
		{"queued: still on the source", g("n1", online), op(""), false, false, true},
		{"under way", g("n1", pending), op(""), false, false, false},
		{"online on the destination, outcome not yet written", g("n2", online), op(""), false, false, false},
		{"succeeded", g("n2", online), op("succeeded"), true, false, false},
		{"failed and back on the source (0x2)", g("n1", online), op("failed"), false, true, false},
		{"superseded", g("n1", online), op("superseded"), false, true, false},
		{"no record: moved", g("n2", online), nil, true, false, false},
		{"no record: not yet", g("n1", online), nil, false, false, false},
	} {
		obs := moveObserved(c.g, c.op, "n1", "n2")
		if obs.done != c.done || obs.stuck != c.stuck || (obs.line != "G: Online on n1" && obs.line != "G: Online on n2" && obs.line != "G: Pending on n1") != c.waits {
			t.Errorf("%s: %+v, want done %v stuck %v waits %v", c.name, obs, c.done, c.stuck, c.waits)
		}
	}
}
