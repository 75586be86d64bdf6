package placement

import "testing"

// A drain with a target (PauseClusterNodeEx's hNodeDrainTarget) sends the
// groups there, where placement would have picked another node; when the
// target cannot take a group (paused since, or an anti-affinity conflict
// there) the group goes where placement picks.
func TestDrainTarget(t *testing.T) {
	view := func(target NodeState, conflict bool) View {
		v := View{Now: at(12, 0), Nodes: []Node{
			{Name: "n1", State: NodeUp, Draining: true, DrainTarget: "n3"},
			{Name: "n2", State: NodeUp},
			{Name: "n3", State: target},
		}}
		var class []string
		if conflict {
			class = []string{"web"}
			v.Groups = append(v.Groups, Group{Name: "W", Owner: "n3", Online: true, Priority: 2000, AntiAffinity: class, FailoverThreshold: Infinite, FailoverPeriodHours: 6})
		}
		for _, name := range []string{"G1", "G2"} {
			// Placement's own pick would be n2, the first preferred owner.
			v.Groups = append(v.Groups, Group{Name: name, Owner: "n1", Online: true, Priority: 2000,
				PreferredOwners: []string{"n2", "n3"}, AntiAffinity: class, FailoverThreshold: Infinite, FailoverPeriodHours: 6})
		}
		return v
	}
	dest := func(p Plan) map[string]string {
		out := map[string]string{}
		for _, m := range p.Moves {
			if m.Reason != ReasonDrain {
				t.Errorf("move %+v: want reason %s", m, ReasonDrain)
			}
			out[m.Group] = m.To
		}
		return out
	}
	if got := dest(Compute(view(NodeUp, false))); got["G1"] != "n3" || got["G2"] != "n3" {
		t.Errorf("drain to n3: moves %v", got)
	}
	if got := dest(Compute(view(NodePaused, false))); got["G1"] != "n2" || got["G2"] != "n2" {
		t.Errorf("drain to a paused n3: moves %v, want placement's n2", got)
	}
	// n3 runs W of the same anti-affinity class: the groups go elsewhere.
	if got := dest(Compute(view(NodeUp, true))); got["G1"] != "n2" || got["G2"] != "n2" {
		t.Errorf("drain to n3 beside an anti-affined group: moves %v", got)
	}
}
