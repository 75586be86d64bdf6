package placement

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// checkPlan fails t unless plan p obeys the placement invariants for view
// v. It is written from the rules, not from the code: it replays the moves
// in order on its own copy of the cluster.
func checkPlan(t testing.TB, v View, p Plan) {
	t.Helper()
	for _, e := range planErrors(v, p) {
		t.Error(e)
	}
}

func planErrors(v View, p Plan) []string {
	var errs []string
	fail := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }

	nodes := map[string]Node{}
	for _, n := range v.Nodes {
		if _, dup := nodes[n.Name]; !dup && n.Name != "" {
			nodes[n.Name] = n
		}
	}
	groups := map[string]*Group{}
	for i := range v.Groups {
		if _, dup := groups[v.Groups[i].Name]; !dup {
			groups[v.Groups[i].Name] = &v.Groups[i]
		}
	}
	eligible := func(n string) bool { x, ok := nodes[n]; return ok && x.State == NodeUp && !x.Draining }
	alive := func(n string) bool {
		x, ok := nodes[n]
		return ok && (x.State == NodeUp || x.State == NodePaused)
	}
	draining := func(n string) bool { return alive(n) && nodes[n].Draining }
	// exhausted: an automatic start of g can go nowhere — the threshold
	// holds it, or no eligible node but its owner is left.
	exhausted := func(g *Group) bool {
		if held, _ := thresholdHold(g, v.Now, len(nodes)); held && g.Owner != "" {
			return true
		}
		for n := range nodes {
			if eligible(n) && n != g.Owner {
				return false
			}
		}
		return true
	}
	// retries: g gets the one more attempt after a failed failover.
	retries := func(g *Group) bool {
		return g.Online && g.Failed && g.Priority != 0 && !draining(g.Owner) &&
			g.RetryPeriodOnFailureMs != Infinite && exhausted(g)
	}
	// retryDue: RetryPeriodOnFailure has passed since LastFailedAt (zero
	// counts as now).
	retryDue := func(g *Group) bool {
		if g.RetryPeriodOnFailureMs == 0 {
			return true
		}
		return !g.LastFailedAt.IsZero() && !v.Now.Before(g.LastFailedAt.Add(time.Duration(g.RetryPeriodOnFailureMs)*time.Millisecond))
	}

	// Each group appears once at most, in priority-then-name order.
	seen := map[string]bool{}
	note := func(name string) *Group {
		g := groups[name]
		if g == nil {
			fail("plan names unknown group %q", name)
		}
		if seen[name] {
			fail("group %s appears twice in the plan", name)
		}
		seen[name] = true
		return g
	}
	sorted := func(names []string) bool {
		return slices.IsSortedFunc(names, func(a, b string) int { return byPriority(groups[a], groups[b]) })
	}
	var moved, held []string
	for _, m := range p.Moves {
		if note(m.Group) != nil {
			moved = append(moved, m.Group)
		}
	}
	for _, h := range p.Holds {
		if note(h.Group) != nil {
			held = append(held, h.Group)
		}
	}
	if len(errs) > 0 {
		return errs
	}
	if !sorted(moved) {
		fail("moves not in priority order: %v", moved)
	}
	if !sorted(held) {
		fail("holds not in priority order: %v", held)
	}

	// Every group that needs placement is in the plan.
	for name, g := range groups {
		need := draining(g.Owner) || g.Online && (g.Owner == "" || !alive(g.Owner) || g.Failed)
		if need && !seen[name] {
			fail("group %s (owner %q, online %v, failed %v) needs placement but is not in the plan", name, g.Owner, g.Online, g.Failed)
		}
	}

	// Replay the moves, checking each destination against the rules.
	owner := map[string]string{}
	for name, g := range groups {
		owner[name] = g.Owner
	}
	conflicts := func(node string, g *Group) bool {
		for _, o := range groups {
			if o != g && o.Online && owner[o.Name] == node && shareClass(o, g) {
				return true
			}
		}
		return false
	}
	load := func(node string) int {
		n := 0
		for _, o := range groups {
			if o.Online && owner[o.Name] == node {
				n++
			}
		}
		return n
	}
	for _, m := range p.Moves {
		g := groups[m.Group]
		if m.From != g.Owner {
			fail("move %v: group's owner is %q", m, g.Owner)
		}
		if !eligible(m.To) {
			fail("move %v: destination is not Up, or paused or draining", m)
		}
		if m.To == m.From && m.Reason != ReasonRetry {
			fail("move %v: to its own owner", m)
		}
		exclude := ""
		switch m.Reason {
		case ReasonDrain:
			if !draining(g.Owner) {
				fail("move %v: owner is not draining", m)
			}
			exclude = g.Owner
		case ReasonNoOwner, ReasonOwnerDown, ReasonResourceFailed:
			if !g.Online || draining(g.Owner) || g.Priority == 0 {
				fail("move %v: group online %v priority %d owner draining %v", m, g.Online, g.Priority, draining(g.Owner))
			}
			switch {
			case m.Reason == ReasonNoOwner && g.Owner != "",
				m.Reason == ReasonOwnerDown && (g.Owner == "" || alive(g.Owner) || v.Now.Before(v.FormingUntil)),
				m.Reason == ReasonResourceFailed && (!g.Failed || !alive(g.Owner)):
				fail("move %v: reason does not fit owner %q (alive %v) failed %v", m, g.Owner, alive(g.Owner), g.Failed)
			}
			if m.Reason == ReasonResourceFailed {
				exclude = g.Owner
			}
			if retries(g) {
				fail("move %v: the failover is exhausted; only a retry may start it", m)
			}
		case ReasonRetry:
			if !retries(g) || !retryDue(g) {
				fail("move %v: not a due retry (failed %v, exhausted %v, last failed %v, period %d ms)",
					m, g.Failed, exhausted(g), g.LastFailedAt, g.RetryPeriodOnFailureMs)
			}
			otherPossible := false
			for n := range nodes {
				if n != g.Owner && eligible(n) && possible(g, n) {
					otherPossible = true
				}
			}
			if eligible(g.Owner) && (possible(g, g.Owner) || !otherPossible) && m.To != g.Owner {
				fail("move %v: a retry stays on its eligible owner", m)
			}
			exclude = g.Owner
		case ReasonFailback:
			if !g.Online || g.Failed || !g.AutoFailback || !alive(g.Owner) || draining(g.Owner) ||
				len(g.PreferredOwners) == 0 || m.To != g.PreferredOwners[0] {
				fail("move %v: not a failback", m)
			}
			if conflicts(m.To, g) {
				fail("move %v: failback into an anti-affinity conflict", m)
			}
			if possible(g, g.Owner) && !possible(g, m.To) {
				fail("move %v: failback away from a possible owner of every resource", m)
			}
			if open, _ := failbackWindow(v.Now, g.FailbackWindowStart, g.FailbackWindowEnd); !open {
				fail("move %v: failback outside the window", m)
			}
		default:
			fail("move %v: unknown reason", m)
		}
		if m.Reason != ReasonFailback && !(m.Reason == ReasonRetry && m.To == g.Owner) {
			var pool, free, poss []string
			for n := range nodes {
				if n != exclude && eligible(n) && possible(g, n) {
					poss = append(poss, n)
				}
			}
			if len(poss) > 0 && !slices.Contains(poss, m.To) {
				fail("move %v: not a possible owner of every resource although %v are", m, poss)
			}
			for n := range nodes {
				if n != exclude && eligible(n) && (len(poss) == 0 || possible(g, n)) {
					pool = append(pool, n)
					if !conflicts(n, g) {
						free = append(free, n)
					}
				}
			}
			if len(free) > 0 {
				if !slices.Contains(free, m.To) {
					fail("move %v: anti-affinity conflict although %v are free", m, free)
				}
				pool = free
			}
			if first := firstIn(g.PreferredOwners, pool); first != "" {
				if m.To != first {
					fail("move %v: first eligible preferred owner is %s", m, first)
				}
			} else {
				for _, n := range pool {
					if load(n) < load(m.To) || load(n) == load(m.To) && n < m.To {
						fail("move %v: %s hosts fewer groups (%d < %d) or ties first", m, n, load(n), load(m.To))
						break
					}
				}
			}
		}
		owner[g.Name] = m.To
	}

	// Holds say something true.
	for _, h := range p.Holds {
		g := groups[h.Group]
		if !h.Until.IsZero() && !h.Until.After(v.Now) {
			fail("hold %v: ends before now %v", h, v.Now)
		}
		switch h.Reason {
		case ReasonNoNode:
			for n := range nodes {
				if eligible(n) && (n != g.Owner || !g.Failed && !draining(g.Owner) || retries(g)) {
					fail("hold %v: node %s is eligible", h, n)
				}
			}
		case ReasonPriorityZero:
			if g.Priority != 0 || !g.Online {
				fail("hold %v: priority %d online %v", h, g.Priority, g.Online)
			}
		case ReasonThresholdReached:
			if !g.Online || g.Owner == "" || draining(g.Owner) || alive(g.Owner) && !g.Failed {
				fail("hold %v: not a failover", h)
			}
			if retries(g) {
				fail("hold %v: the group is retried after RetryPeriodOnFailure instead", h)
			}
		case ReasonRetryWait:
			if !retries(g) || retryDue(g) {
				fail("hold %v: not a failed group waiting out its retry period", h)
			}
			from := g.LastFailedAt
			if from.IsZero() {
				from = v.Now
			}
			if want := from.Add(time.Duration(g.RetryPeriodOnFailureMs) * time.Millisecond); !h.Until.Equal(want) {
				fail("hold %v: until is not LastFailedAt plus the period (%v)", h, want)
			}
		case ReasonForming:
			if !g.Online || g.Owner == "" || alive(g.Owner) || draining(g.Owner) || !v.Now.Before(v.FormingUntil) || !h.Until.Equal(v.FormingUntil) {
				fail("hold %v: not a group of a gone owner while the cluster forms (until %v)", h, v.FormingUntil)
			}
		case ReasonFailbackWindow, ReasonAntiAffinity:
			if !g.AutoFailback || !g.Online || g.Failed || !alive(g.Owner) || draining(g.Owner) ||
				len(g.PreferredOwners) == 0 || !eligible(g.PreferredOwners[0]) || g.Owner == g.PreferredOwners[0] {
				fail("hold %v: not a failback", h)
			}
			if h.Reason == ReasonFailbackWindow {
				if open, _ := failbackWindow(v.Now, g.FailbackWindowStart, g.FailbackWindowEnd); open {
					fail("hold %v: window is open", h)
				}
				u := h.Until.In(v.Now.Location())
				if uint32(u.Hour()) != g.FailbackWindowStart || u.Minute() != 0 || u.Sub(v.Now) > 24*time.Hour {
					fail("hold %v: until is not the next window start", h)
				}
			}
		default:
			fail("hold %v: unknown reason", h)
		}
	}
	return errs
}

func shareClass(a, b *Group) bool {
	for _, c := range a.AntiAffinity {
		if c != "" && slices.Contains(b.AntiAffinity, c) {
			return true
		}
	}
	return false
}

// firstIn returns the first of prefs that is in pool, or "".
func firstIn(prefs, pool []string) string {
	for _, p := range prefs {
		if slices.Contains(pool, p) {
			return p
		}
	}
	return ""
}
