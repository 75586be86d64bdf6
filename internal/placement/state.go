package placement

import (
	"slices"
	"time"
)

// state is the cluster as a plan leaves it so far: who owns each group and
// what each node hosts. Compute and Best build one from a View and never
// touch the View itself.
type state struct {
	now          time.Time
	formingUntil time.Time
	nodes        map[string]Node
	names        []string // node names, sorted
	groups       []*Group // unique by name, in View order
	byName       map[string]*Group
	owner        map[string]string // group → owner so far
	// load and classes count the online groups each node hosts, and
	// their anti-affinity class names.
	load    map[string]int
	classes map[string]map[string]int
}

func newState(v View) *state {
	s := &state{
		now: v.Now, formingUntil: v.FormingUntil,
		nodes:   make(map[string]Node, len(v.Nodes)),
		byName:  make(map[string]*Group, len(v.Groups)),
		owner:   make(map[string]string, len(v.Groups)),
		load:    make(map[string]int),
		classes: make(map[string]map[string]int),
	}
	for _, n := range v.Nodes {
		if _, dup := s.nodes[n.Name]; dup || n.Name == "" {
			continue
		}
		s.nodes[n.Name] = n
		s.names = append(s.names, n.Name)
	}
	slices.Sort(s.names)
	for i := range v.Groups {
		g := &v.Groups[i]
		if _, dup := s.byName[g.Name]; dup {
			continue
		}
		s.byName[g.Name] = g
		s.groups = append(s.groups, g)
		s.owner[g.Name] = g.Owner
		s.add(g, g.Owner, 1)
	}
	return s
}

// add counts online group g on node by delta.
func (s *state) add(g *Group, node string, delta int) {
	if !g.Online || node == "" {
		return
	}
	s.load[node] += delta
	cs := s.classes[node]
	if cs == nil {
		cs = make(map[string]int)
		s.classes[node] = cs
	}
	for _, c := range distinct(g.AntiAffinity) {
		cs[c] += delta
	}
}

// move records that g now belongs to node to.
func (s *state) move(g *Group, to string) {
	s.add(g, s.owner[g.Name], -1)
	s.owner[g.Name] = to
	s.add(g, to, 1)
}

// eligible reports whether node can take a new group: Up and not draining.
func (s *state) eligible(node string) bool {
	n, ok := s.nodes[node]
	return ok && n.State == NodeUp && !n.Draining
}

// alive reports whether node can keep the groups it has: Up or Paused.
func (s *state) alive(node string) bool {
	n, ok := s.nodes[node]
	return ok && (n.State == NodeUp || n.State == NodePaused)
}

// conflicts reports whether node hosts another online group that shares an
// anti-affinity class name with g.
func (s *state) conflicts(node string, g *Group) bool {
	self := g.Online && s.owner[g.Name] == node
	for _, c := range distinct(g.AntiAffinity) {
		n := s.classes[node][c]
		if self {
			n--
		}
		if n > 0 {
			return true
		}
	}
	return false
}

// choose picks the node for g among the eligible nodes other than exclude
// (see the package doc, "Choosing a node"). ok is false when there is no
// candidate at all.
func (s *state) choose(g *Group, exclude string, ignoreAffinity bool) (node string, how Reason, ok bool) {
	var cands []string
	for _, n := range s.names {
		if n != exclude && s.eligible(n) {
			cands = append(cands, n)
		}
	}
	if len(cands) == 0 {
		return "", ReasonNoNode, false
	}
	cands = s.preferPossible(g, cands)
	if ignoreAffinity || len(g.AntiAffinity) == 0 {
		node, how = s.pick(g, cands)
		return node, how, true
	}
	var free []string
	for _, n := range cands {
		if !s.conflicts(n, g) {
			free = append(free, n)
		}
	}
	if len(free) > 0 {
		node, how = s.pick(g, free)
		return node, how, true
	}
	// Only anti-affined nodes remain: WSFC ignores the rule.
	node, _ = s.pick(g, cands)
	return node, ReasonAffinityIgnored, true
}

// possible reports whether node is a possible owner of every resource of
// g (Group.PossibleOwners).
func possible(g *Group, node string) bool {
	return g.PossibleOwners == nil || slices.Contains(g.PossibleOwners, node)
}

// preferPossible returns those of cands that are possible owners of every
// resource of g, or all of cands when none is: the group may run on a
// node that is not, its resources that cannot run there staying Offline.
func (s *state) preferPossible(g *Group, cands []string) []string {
	if g.PossibleOwners == nil {
		return cands
	}
	var ok []string
	for _, n := range cands {
		if possible(g, n) {
			ok = append(ok, n)
		}
	}
	if len(ok) == 0 {
		return cands
	}
	return ok
}

// anyPossible reports whether an eligible node other than exclude is a
// possible owner of every resource of g.
func (s *state) anyPossible(g *Group, exclude string) bool {
	for _, n := range s.names {
		if n != exclude && s.eligible(n) && possible(g, n) {
			return true
		}
	}
	return false
}

// pick returns the first of cands in g's preferred order, else the one
// hosting the fewest online groups, ties to the first name (cands are
// sorted).
func (s *state) pick(g *Group, cands []string) (string, Reason) {
	for _, p := range g.PreferredOwners {
		if slices.Contains(cands, p) {
			return p, ReasonPreferredOwner
		}
	}
	best := cands[0]
	for _, n := range cands[1:] {
		if s.load[n] < s.load[best] {
			best = n
		}
	}
	return best, ReasonFewestGroups
}

// distinct returns ss without repeats and without "".
func distinct(ss []string) []string {
	if len(ss) < 2 {
		if len(ss) == 1 && ss[0] == "" {
			return nil
		}
		return ss
	}
	out := make([]string, 0, len(ss))
	for _, x := range ss {
		if x != "" && !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}
