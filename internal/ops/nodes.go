package ops

import (
	"context"
	"slices"
	"strings"

	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/store"
)

// PauseNode pauses a node (PauseClusterNodeEx): it takes no new groups.
// With drain, the controller moves its groups to other nodes; the drain
// status says how that goes (DrainStatus).
func (e *Engine) PauseNode(ctx context.Context, name string, drain bool) (*store.Node, error) {
	return e.PauseNodeTo(ctx, name, drain, "")
}

// PauseNodeTo is PauseNode with a drain target (hNodeDrainTarget): with
// drain, the groups go to node target, "" where placement picks. A group
// the target cannot take (its lease gone, paused since, an anti-affinity
// conflict there) goes where placement picks — baton's choice. A target
// without drain, or the node itself, is ERROR_INVALID_PARAMETER; one
// that is not a node of the cluster ERROR_CLUSTER_NODE_NOT_FOUND; one that
// is down ERROR_CLUSTER_NODE_DOWN; paused ERROR_CLUSTER_NODE_PAUSED. A
// refusal changes nothing.
func (e *Engine) PauseNodeTo(ctx context.Context, name string, drain bool, target string) (*store.Node, error) {
	_, err := e.st.Update(ctx, func(v store.View, t *store.Txn) error {
		n := v.Node(name)
		if n == nil {
			return fail(wsfc.ERROR_CLUSTER_NODE_NOT_FOUND, "node %q not found", name)
		}
		if v.NodeState(name) == wsfc.ClusterNodeDown {
			return fail(wsfc.ERROR_CLUSTER_NODE_DOWN, "node %q is down", name)
		}
		if target != "" {
			switch {
			case !drain:
				return fail(wsfc.ERROR_INVALID_PARAMETER, "a drain target (%q) without a drain", target)
			case target == name:
				return fail(wsfc.ERROR_INVALID_PARAMETER, "node %q cannot drain to itself", name)
			case v.Node(target) == nil:
				return fail(wsfc.ERROR_CLUSTER_NODE_NOT_FOUND, "drain target %q is not a node of the cluster", target)
			case v.NodeState(target) == wsfc.ClusterNodeDown:
				return fail(wsfc.ERROR_CLUSTER_NODE_DOWN, "drain target %q is down", target)
			case v.NodeState(target) == wsfc.ClusterNodePaused:
				return fail(wsfc.ERROR_CLUSTER_NODE_PAUSED, "drain target %q is paused", target)
			}
		}
		c := *n
		c.State = int32(wsfc.ClusterNodePaused)
		c.Draining = drain
		c.DrainTarget = target
		c.DrainGroups = nil
		if drain {
			for _, g := range v.Groups() {
				if g.OwnerNode == name {
					c.DrainGroups = append(c.DrainGroups, g.Name)
				}
			}
		}
		t.PutNode(&c)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return e.st.View().Node(name), nil
}

// ResumeNode resumes a paused node (ResumeClusterNodeEx); failback of
// groups that prefer it follows their AutoFailbackType.
func (e *Engine) ResumeNode(ctx context.Context, name string) (*store.Node, error) {
	_, err := e.st.Update(ctx, func(v store.View, t *store.Txn) error {
		n := v.Node(name)
		if n == nil {
			return fail(wsfc.ERROR_CLUSTER_NODE_NOT_FOUND, "node %q not found", name)
		}
		if wsfc.ClusterNodeState(n.State) != wsfc.ClusterNodePaused {
			return fail(wsfc.ERROR_CLUSTER_NODE_NOT_PAUSED, "node %q is not paused", name)
		}
		c := *n
		c.State, c.Draining, c.DrainTarget, c.DrainGroups = int32(wsfc.ClusterNodeUp), false, "", nil
		t.PutNode(&c)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return e.st.View().Node(name), nil
}

// DrainStatus says truthfully how a drain goes: "" when the node is not
// draining; "completed" only when every group it held is online (or, if
// it should be offline, owned) elsewhere; "failed" when a group could not
// go anywhere or failed on its new node; else "in progress".
func DrainStatus(v store.View, name string) (status, detail string) {
	n := v.Node(name)
	if n == nil || !n.Draining {
		return "", ""
	}
	var waiting []string
	for _, gname := range n.DrainGroups {
		g := v.Group(gname)
		if g == nil {
			continue
		}
		state := v.GroupState(g)
		switch {
		case g.OwnerNode != name && state == wsfc.ClusterGroupFailed:
			return "failed", "group " + gname + " failed on " + g.OwnerNode
		case g.OwnerNode == name && !anyOtherNodeUp(v, name):
			return "failed", "no other node is up to take group " + gname
		case g.OwnerNode == name, g.PersistentState == 1 && state != wsfc.ClusterGroupOnline:
			waiting = append(waiting, gname)
		}
	}
	if len(waiting) > 0 {
		slices.Sort(waiting)
		return "in progress", "waiting for " + strings.Join(waiting, ", ")
	}
	return "completed", ""
}

func anyOtherNodeUp(v store.View, name string) bool {
	for _, n := range v.Nodes() {
		if n.Name != name && v.NodeState(n.Name) == wsfc.ClusterNodeUp && !n.Draining {
			return true
		}
	}
	return false
}
