package placement

import (
	"testing"
	"time"
)

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

// A group whose drain move failed and came back (DrainStayed) stays on the
// draining node — unless the drain retries, which holds it until
// DrainRetryDelay has passed and then moves it again. The node's other
// groups drain as before.
func TestDrainStayed(t *testing.T) {
	stayedAt := at(12, 0)
	view := func(now time.Time, retry bool) View {
		v := View{Now: now, Nodes: []Node{
			{Name: "n1", State: NodeUp, Draining: true, DrainStayed: map[string]time.Time{"G1": stayedAt}, DrainRetry: retry},
			{Name: "n2", State: NodeUp},
		}}
		for _, name := range []string{"G1", "G2"} {
			v.Groups = append(v.Groups, Group{Name: name, Owner: "n1", Online: true, Priority: 2000,
				PreferredOwners: []string{"n1", "n2"}, FailoverThreshold: Infinite, FailoverPeriodHours: 6})
		}
		return v
	}
	moved := func(p Plan, g string) bool {
		for _, m := range p.Moves {
			if m.Group == g {
				return true
			}
		}
		return false
	}
	held := func(p Plan, g string) (Hold, bool) {
		for _, h := range p.Holds {
			if h.Group == g {
				return h, true
			}
		}
		return Hold{}, false
	}

	// No retry: G1 stays, now and long after; G2 drains.
	for _, now := range []time.Time{stayedAt.Add(time.Second), stayedAt.Add(time.Hour)} {
		p := Compute(view(now, false))
		if moved(p, "G1") || !moved(p, "G2") {
			t.Errorf("no retry, %v after: moves %+v, want G2 only", now.Sub(stayedAt), p.Moves)
		}
		if h, ok := held(p, "G1"); ok {
			t.Errorf("no retry: G1 held (%+v); it stays without a hold", h)
		}
	}
	// Retry: held until the delay has passed, then moved again.
	p := Compute(view(stayedAt.Add(time.Second), true))
	if h, ok := held(p, "G1"); moved(p, "G1") || !ok || h.Reason != ReasonDrainRetryWait || !h.Until.Equal(stayedAt.Add(DrainRetryDelay)) {
		t.Errorf("retry, 1 s after: moves %+v holds %+v, want G1 held until %v", p.Moves, p.Holds, stayedAt.Add(DrainRetryDelay))
	}
	p = Compute(view(stayedAt.Add(DrainRetryDelay), true))
	if !moved(p, "G1") || !moved(p, "G2") {
		t.Errorf("retry, after the delay: moves %+v, want G1 and G2", p.Moves)
	}
}
