package placement

import "slices"

// Best returns the node the named group should go to when a client leaves
// the choice to the cluster: MoveClusterGroup with no destination (Start
// is the same for OnlineClusterGroupEx with BEST_POSSIBLE_NODE). It
// applies the node choice of the package doc; ignoreAffinity (the
// IGNORE_AFFINITY_RULE flags) skips the anti-affinity step.
//
// A running group (online, not failed, on an alive owner) is not offered
// its current owner: moving it means moving it elsewhere. Any other group
// may get its current owner back, and a move there is a success with
// nothing to do. reason says how the node was chosen (preferred-owner,
// fewest-groups, anti-affinity-ignored) or, when ok is false, why there is
// none (unknown-group, no-node).
func Best(v View, group string, ignoreAffinity bool) (node string, reason Reason, ok bool) {
	s := newState(v)
	g := s.byName[group]
	if g == nil {
		return "", ReasonUnknownGroup, false
	}
	exclude := ""
	if g.Online && !g.Failed && s.alive(g.Owner) {
		exclude = g.Owner
	}
	return s.choose(g, exclude, ignoreAffinity)
}

// CanHost reports whether node may take the named group now, for a client
// that names the destination: the node must be a known node that is Up,
// not paused and not draining, and unless ignoreAffinity it must not host
// another online group sharing an anti-affinity class name with this one
// (WSFC answers ERROR_NODE_CANT_HOST_RESOURCE). The group's current owner,
// when Up or Paused, is always accepted: a move to the owner succeeds with
// nothing to do. (Bringing a group online on a paused owner is refused
// with ERROR_SHARING_PAUSED; that is the caller's check.) reason is "" when
// ok, else one of unknown-group, unknown-node, node-not-up, node-paused,
// node-draining, anti-affinity.
func CanHost(v View, group, node string, ignoreAffinity bool) (reason Reason, ok bool) {
	s := newState(v)
	g := s.byName[group]
	if g == nil {
		return ReasonUnknownGroup, false
	}
	n, known := s.nodes[node]
	switch {
	case !known:
		return ReasonUnknownNode, false
	case g.Owner == node && s.alive(node):
		return "", true
	case n.State == NodePaused:
		return ReasonNodePaused, false
	case n.State != NodeUp:
		return ReasonNodeNotUp, false
	case n.Draining:
		return ReasonNodeDraining, false
	case !ignoreAffinity && s.conflicts(node, g):
		return ReasonAntiAffinity, false
	}
	return "", true
}

// Conflict returns the name of an online group other than the named one
// that node hosts and that shares an anti-affinity class name with it, or
// "" when there is none. It is the check of OnlineClusterGroupEx and
// OnlineClusterResourceEx ([MS-CMRP] ApiOnlineGroup: a node that already
// runs a group of the same AntiAffinityClassNames answers
// ERROR_NODE_CANT_HOST_RESOURCE), which, unlike placement, does not fall
// back to ignoring the rule when every node conflicts.
func Conflict(v View, group, node string) string {
	s := newState(v)
	g := s.byName[group]
	if g == nil || node == "" {
		return ""
	}
	classes := distinct(g.AntiAffinity)
	if len(classes) == 0 {
		return ""
	}
	for _, o := range s.groups {
		if o.Name == g.Name || !o.Online || o.Owner != node {
			continue
		}
		for _, c := range distinct(o.AntiAffinity) {
			if slices.Contains(classes, c) {
				return o.Name
			}
		}
	}
	return ""
}

// Start returns the node a group that is not running should be brought
// online on when the client leaves the choice to the cluster
// (OnlineClusterGroupEx with CLUSAPI_GROUP_ONLINE_BEST_POSSIBLE_NODE): the
// node choice of the package doc among the eligible nodes, its current
// owner included. The group counts as not running whatever its persistent
// state, so its own class names do not count against its owner. When
// every eligible node conflicts, reason is anti-affinity-ignored, as for
// Best; ok is false when no node is eligible.
func Start(v View, group string, ignoreAffinity bool) (node string, reason Reason, ok bool) {
	s := newState(v)
	g := s.byName[group]
	if g == nil {
		return "", ReasonUnknownGroup, false
	}
	if g.Online {
		s.add(g, s.owner[g.Name], -1)
		ng := *g
		ng.Online = false
		g = &ng
	}
	return s.choose(g, "", ignoreAffinity)
}
