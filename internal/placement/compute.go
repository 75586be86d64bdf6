package placement

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// Compute returns what the controller should do now with view v: which
// groups move where, and which groups that need placement are held, and
// why. It reads v and never changes it. The rules are in the package doc.
func Compute(v View) Plan {
	s := newState(v)
	order := slices.Clone(s.groups)
	slices.SortFunc(order, byPriority)
	var p Plan
	for _, g := range order {
		s.decide(g, &p)
	}
	return p
}

// drainStayed reports whether g's drain move failed and it came back to
// its draining owner, and when the drain may try it again.
func (s *state) drainStayed(g *Group) (bool, time.Time) {
	n, ok := s.nodes[g.Owner]
	if !ok || !n.Draining || !s.alive(g.Owner) {
		return false, time.Time{}
	}
	at, stayed := n.DrainStayed[g.Name]
	return stayed, at.Add(DrainRetryDelay)
}

// byPriority orders groups for placement: Priority 3000 first, then name.
func byPriority(a, b *Group) int {
	return cmp.Or(cmp.Compare(b.Priority, a.Priority), strings.Compare(a.Name, b.Name))
}

// decide applies the first rule that fits g and records the result in p.
func (s *state) decide(g *Group, p *Plan) {
	owner := g.Owner
	drainStayed, drainRetryAt := s.drainStayed(g)
	switch {
	case drainStayed && s.nodes[owner].DrainRetry && s.now.Before(drainRetryAt):
		p.hold(g, ReasonDrainRetryWait, drainRetryAt)
	case s.alive(owner) && s.nodes[owner].Draining && !(drainStayed && !s.nodes[owner].DrainRetry):
		// Drain: every group leaves, online or not, whatever its policy;
		// to the drain target when it can take the group. One whose drain
		// move failed and came back stays (the other rules apply to it),
		// or is tried again once DrainRetryDelay has passed.
		if to := s.nodes[owner].DrainTarget; to != "" && to != owner && s.eligible(to) && !s.conflicts(to, g) {
			s.moveTo(g, to, ReasonDrain, p)
			return
		}
		s.place(g, owner, ReasonDrain, p)
	case !g.Online:
		// Persistent state offline: failover and failback leave it be.
	case owner == "":
		s.start(g, "", ReasonNoOwner, p)
	case !s.alive(owner) && s.now.Before(s.formingUntil):
		p.hold(g, ReasonForming, s.formingUntil)
	case !s.alive(owner):
		s.start(g, "", ReasonOwnerDown, p)
	case g.Failed:
		s.start(g, owner, ReasonResourceFailed, p)
	default:
		s.failback(g, p)
	}
}

// start handles the automatic starts (no-owner, owner-down,
// resource-failed): Priority 0 holds the group; otherwise it goes to the
// best node other than exclude, unless FailoverThreshold holds it (not for
// no-owner) or there is no such node. A Failed group whose failover is
// exhausted that way gets one more online attempt once its
// RetryPeriodOnFailure has passed (retry).
func (s *state) start(g *Group, exclude string, why Reason, p *Plan) {
	if g.Priority == 0 {
		p.hold(g, ReasonPriorityZero, time.Time{})
		return
	}
	hold, until := ReasonThresholdReached, time.Time{}
	held := false
	if why != ReasonNoOwner {
		held, until = thresholdHold(g, s.now, len(s.nodes))
	}
	if !held {
		if to, _, ok := s.choose(g, exclude, false); ok {
			s.moveTo(g, to, why, p)
			return
		}
		hold, until = ReasonNoNode, time.Time{}
	}
	if g.Failed && g.RetryPeriodOnFailureMs != Infinite {
		s.retry(g, p)
		return
	}
	p.hold(g, hold, until)
}

// retry gives a Failed group whose failover is exhausted one more online
// attempt once RetryPeriodOnFailure has passed since LastFailedAt: where
// it is when its owner is eligible (and a possible owner of all its
// resources, or no other eligible node is), else on the best other node.
func (s *state) retry(g *Group, p *Plan) {
	if held, until := retryHold(g, s.now); held {
		p.hold(g, ReasonRetryWait, until)
		return
	}
	to := g.Owner
	if !s.eligible(to) || (!possible(g, to) && s.anyPossible(g, to)) {
		var ok bool
		if to, _, ok = s.choose(g, g.Owner, false); !ok {
			p.hold(g, ReasonNoNode, time.Time{})
			return
		}
	}
	s.moveTo(g, to, ReasonRetry, p)
}

// place moves g to the best eligible node other than exclude, or holds it
// with "no-node" when there is none.
func (s *state) place(g *Group, exclude string, why Reason, p *Plan) {
	to, _, ok := s.choose(g, exclude, false)
	if !ok {
		p.hold(g, ReasonNoNode, time.Time{})
		return
	}
	s.moveTo(g, to, why, p)
}

// moveTo records in p and in s that g goes to node to.
func (s *state) moveTo(g *Group, to string, why Reason, p *Plan) {
	p.Moves = append(p.Moves, Move{Group: g.Name, From: g.Owner, To: to, Reason: why})
	s.move(g, to)
}

// failback moves a healthy running group back to its first preferred owner
// when that node is eligible, has no anti-affinity conflict, and the
// failback window is open.
func (s *state) failback(g *Group, p *Plan) {
	if !g.AutoFailback || len(g.PreferredOwners) == 0 {
		return
	}
	first := g.PreferredOwners[0]
	if first == g.Owner || !s.eligible(first) {
		return
	}
	if !possible(g, first) && possible(g, g.Owner) {
		// Failback never takes a group away from a node that can run
		// all its resources to one that cannot.
		return
	}
	if s.conflicts(first, g) {
		p.hold(g, ReasonAntiAffinity, time.Time{})
		return
	}
	if open, next := failbackWindow(s.now, g.FailbackWindowStart, g.FailbackWindowEnd); !open {
		p.hold(g, ReasonFailbackWindow, next)
		return
	}
	s.moveTo(g, first, ReasonFailback, p)
}

func (p *Plan) hold(g *Group, why Reason, until time.Time) {
	p.Holds = append(p.Holds, Hold{Group: g.Name, Reason: why, Until: until})
}
