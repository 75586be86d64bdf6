package placement

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"
)

// randomView returns a small cluster with every kind of node and group the
// rules distinguish.
func randomView(r *rand.Rand) View {
	day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, r.IntN(365))
	v := View{Now: day.Add(time.Duration(r.Int64N(int64(24 * time.Hour))))}
	if r.IntN(3) == 0 { // the cluster's local time is not always UTC
		v.Now = v.Now.In(time.FixedZone("local", 3600*(r.IntN(27)-12)))
	}
	switch r.IntN(8) { // a cluster forming now, or one that formed
	case 0:
		v.FormingUntil = v.Now.Add(time.Duration(1+r.IntN(10)) * time.Second)
	case 1:
		v.FormingUntil = v.Now.Add(-time.Duration(r.IntN(10)) * time.Second)
	}
	nn := 1 + r.IntN(6)
	states := []NodeState{NodeUp, NodeUp, NodeUp, NodeDown, NodePaused, NodeJoining}
	var names []string
	for i := range nn {
		n := Node{Name: fmt.Sprintf("n%d", i+1), State: states[r.IntN(len(states))], Draining: r.IntN(7) == 0}
		v.Nodes = append(v.Nodes, n)
		names = append(names, n.Name)
	}
	owners := append(slices.Clone(names), "", "ghost")
	pick := func(xs []string) string { return xs[r.IntN(len(xs))] }
	some := func(xs []string, most int) []string {
		var out []string
		for _, i := range r.Perm(len(xs))[:r.IntN(min(most, len(xs))+1)] {
			out = append(out, xs[i])
		}
		return out
	}
	hours := func() uint32 {
		if r.IntN(2) == 0 {
			return Infinite
		}
		return uint32(r.IntN(24))
	}
	ng := r.IntN(13)
	for i := range ng {
		g := Group{
			Name:                   fmt.Sprintf("g%02d", i),
			Owner:                  pick(owners),
			Online:                 r.IntN(5) > 0,
			Failed:                 r.IntN(6) == 0,
			PreferredOwners:        some(append(slices.Clone(names), "ghost"), 4),
			Priority:               uint32(r.IntN(4)) * 1000,
			FailoverThreshold:      []uint32{Infinite, Infinite, 0, 1, 2, 3}[r.IntN(6)],
			FailoverPeriodHours:    []uint32{0, 1, 6, 6}[r.IntN(4)],
			AutoFailback:           r.IntN(5) < 2,
			FailbackWindowStart:    hours(),
			FailbackWindowEnd:      hours(),
			RetryPeriodOnFailureMs: []uint32{0, 60000, 3600000, Infinite}[r.IntN(4)],
		}
		if r.IntN(2) == 0 {
			g.AntiAffinity = some([]string{"a", "b", "c"}, 2)
		}
		for range r.IntN(4) {
			g.Failovers = append(g.Failovers, v.Now.Add(-time.Duration(r.Int64N(int64(10*time.Hour)))))
		}
		if r.IntN(2) == 0 {
			g.LastFailedAt = v.Now.Add(-time.Duration(r.Int64N(int64(2 * time.Hour))))
		}
		v.Groups = append(v.Groups, g)
	}
	return v
}

func deepCopy(v View) View {
	c := v
	c.Nodes = slices.Clone(v.Nodes)
	c.Groups = slices.Clone(v.Groups)
	for i := range c.Groups {
		g := &c.Groups[i]
		g.PreferredOwners = slices.Clone(g.PreferredOwners)
		g.AntiAffinity = slices.Clone(g.AntiAffinity)
		g.Failovers = slices.Clone(g.Failovers)
	}
	return c
}

const propertyRuns = 3000

// For random views the plan obeys every invariant (checkPlan): at most one
// move per group, only to Up, unpaused, undrained nodes, only for a reason
// that fits, to the first eligible preferred owner or else the least
// loaded node, honouring anti-affinity whenever a node without conflict
// exists. It also leaves the view unchanged and does not depend on the
// order of nodes and groups in the view.
func TestPlanProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	reasons := map[Reason]int{}
	for i := range propertyRuns {
		v := randomView(r)
		before := deepCopy(v)
		p := Compute(v)
		if !reflect.DeepEqual(v, before) {
			t.Fatalf("run %d: Compute changed its view", i)
		}
		if errs := planErrors(v, p); len(errs) > 0 {
			t.Fatalf("run %d: %v\nview %+v\nplan %+v", i, errs, v, p)
		}
		shuffled := deepCopy(v)
		r.Shuffle(len(shuffled.Nodes), reflect.Swapper(shuffled.Nodes))
		r.Shuffle(len(shuffled.Groups), reflect.Swapper(shuffled.Groups))
		if q := Compute(shuffled); !reflect.DeepEqual(p, q) {
			t.Fatalf("run %d: plan depends on input order:\n%+v\n%+v", i, p, q)
		}
		for _, m := range p.Moves {
			reasons[m.Reason]++
		}
		for _, h := range p.Holds {
			reasons[h.Reason]++
		}
	}
	// The generator reaches every outcome.
	for _, want := range []Reason{ReasonNoOwner, ReasonOwnerDown, ReasonResourceFailed, ReasonDrain, ReasonFailback, ReasonRetry,
		ReasonNoNode, ReasonPriorityZero, ReasonThresholdReached, ReasonRetryWait, ReasonFailbackWindow, ReasonAntiAffinity,
		ReasonForming} {
		if reasons[want] == 0 {
			t.Errorf("no random view produced %q", want)
		}
	}
	t.Logf("outcomes: %v", reasons)
}

// Best returns an eligible node, never a running group's own owner, the
// first free preferred owner when there is one, and a node without an
// anti-affinity conflict whenever one exists (unless told to ignore them).
func TestBestProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for i := range propertyRuns {
		v := randomView(r)
		s := newState(v)
		for _, g := range v.Groups {
			for _, ignore := range []bool{false, true} {
				node, why, ok := Best(v, g.Name, ignore)
				running := g.Online && !g.Failed && s.alive(g.Owner)
				var pool, free []string
				for _, n := range s.names {
					if s.eligible(n) && !(running && n == g.Owner) {
						pool = append(pool, n)
						if ignore || !s.conflicts(n, &g) {
							free = append(free, n)
						}
					}
				}
				if !ok {
					if len(pool) > 0 || why != ReasonNoNode {
						t.Fatalf("run %d: Best(%s) = none (%s) with candidates %v", i, g.Name, why, pool)
					}
					continue
				}
				if !slices.Contains(pool, node) {
					t.Fatalf("run %d: Best(%s) = %s, not among %v", i, g.Name, node, pool)
				}
				if len(free) > 0 && !slices.Contains(free, node) {
					t.Fatalf("run %d: Best(%s) = %s conflicts although %v are free", i, g.Name, node, free)
				}
				if len(free) > 0 {
					pool = free
				}
				if first := firstIn(g.PreferredOwners, pool); first != "" && node != first {
					t.Fatalf("run %d: Best(%s) = %s, want first preferred %s", i, g.Name, node, first)
				}
				if why == ReasonAffinityIgnored && (ignore || len(free) > 0) {
					t.Fatalf("run %d: Best(%s) says %s", i, g.Name, why)
				}
				if r, ok := CanHost(v, g.Name, node, ignore || why == ReasonAffinityIgnored); !ok {
					t.Fatalf("run %d: Best(%s) = %s but CanHost says %s", i, g.Name, node, r)
				}
			}
		}
	}
}

// The same view gives the same plan, every time.
func TestComputeIsDeterministic(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for range 200 {
		v := randomView(r)
		if a, b := Compute(v), Compute(v); !reflect.DeepEqual(a, b) {
			t.Fatalf("two plans for one view:\n%+v\n%+v", a, b)
		}
	}
}
