package placement

// Best returns the node the named group should go to when a client leaves
// the choice to the cluster: MoveClusterGroup with no destination, and
// OnlineClusterGroupEx with CLUSAPI_GROUP_ONLINE_BEST_POSSIBLE_NODE. It
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
