package store

import (
	"maps"
	"slices"
)

// Clone returns a deep copy that may be modified and written back; it keeps
// the revision it was read at, so the write compares against it.
func (g *Group) Clone() *Group {
	n := *g
	n.PreferredOwners = slices.Clone(g.PreferredOwners)
	n.Policy.AntiAffinityClassNames = slices.Clone(g.Policy.AntiAffinityClassNames)
	n.Failovers = slices.Clone(g.Failovers)
	if g.GroupType != nil {
		t := *g.GroupType
		n.GroupType = &t
	}
	return &n
}

// Clone returns a deep copy (see Group.Clone).
func (r *Resource) Clone() *Resource {
	n := *r
	n.DependsOn = slices.Clone(r.DependsOn)
	n.DependsExpr = r.DependsExpr.Clone()
	n.Private = r.Private.Clone()
	if r.PossibleOwners != nil {
		o := slices.Clone(*r.PossibleOwners)
		if o == nil {
			o = []string{}
		}
		n.PossibleOwners = &o
	}
	return &n
}

// Clone returns a deep copy (see Group.Clone).
func (s *Status) Clone() *Status {
	n := *s
	n.Props = s.Props.Clone()
	n.propsShared = false
	n.Restarts = slices.Clone(s.Restarts)
	return &n
}

// Clone returns a deep copy (see Group.Clone).
func (s *Security) Clone() *Security {
	n := *s
	n.Entries = maps.Clone(s.Entries)
	if n.Entries == nil {
		n.Entries = map[string]string{}
	}
	return &n
}
