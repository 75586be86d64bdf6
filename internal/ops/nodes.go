package ops

import (
	"context"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/placement"
	"github.com/batoncluster/baton/internal/store"
)

// PauseNode pauses a node (PauseClusterNodeEx): it takes no new groups.
// With drain, the controller moves its groups to other nodes; the drain
// status says how that goes (DrainStatus).
func (e *Engine) PauseNode(ctx context.Context, name string, drain bool) (*store.Node, error) {
	return e.PauseNodeEx(ctx, name, drain, 0, "")
}

// PauseFlags are the dwPauseFlags PauseClusterNodeEx takes.
const PauseFlags = wsfc.CLUSAPI_NODE_PAUSE_REMAIN_ON_PAUSED_NODE_ON_MOVE_ERROR |
	wsfc.CLUSAPI_NODE_AVOID_PLACEMENT | wsfc.CLUSAPI_NODE_PAUSE_RETRY_DRAIN_ON_FAILURE

// PauseNodeTo is PauseNodeEx without flags.
func (e *Engine) PauseNodeTo(ctx context.Context, name string, drain bool, target string) (*store.Node, error) {
	return e.PauseNodeEx(ctx, name, drain, 0, target)
}

// PauseNodeEx is PauseNode with PauseClusterNodeEx's flags and drain
// target (hNodeDrainTarget). With
// drain, the groups go to node target, "" where placement picks. A group
// the target cannot take (its lease gone, paused since, an anti-affinity
// conflict there) goes where placement picks — baton's choice. A target
// without drain, or the node itself, is ERROR_INVALID_PARAMETER; one
// that is not a node of the cluster ERROR_CLUSTER_NODE_NOT_FOUND; one that
// is down ERROR_CLUSTER_NODE_DOWN; paused ERROR_CLUSTER_NODE_PAUSED. A
// refusal changes nothing.
//
// The flags ([MS-CMRP] names them without saying more; this is baton's
// reading, in docs/operations/nodes.md):
//   - CLUSAPI_NODE_PAUSE_REMAIN_ON_PAUSED_NODE_ON_MOVE_ERROR: a group whose
//     drain move fails on its destination comes back to the paused node
//     (the move's CLUSAPI_GROUP_MOVE_RETURN_TO_SOURCE_NODE_ON_ERROR) and
//     stays there; the drain ends "failed". Without it, such a group is
//     left to the failover policy where it failed, as a forced drain.
//   - CLUSAPI_NODE_PAUSE_RETRY_DRAIN_ON_FAILURE: the drain does not give up
//     on a failed move: a group that came back is moved again
//     placement.DrainRetryDelay later, and the drain stays "in progress".
//   - CLUSAPI_NODE_AVOID_PLACEMENT: a paused node already takes no group
//     (placement never picks it), so it changes nothing.
//
// Flags outside those, or the drain flags (0x1, 0x4) without a drain, are
// ERROR_INVALID_PARAMETER.
func (e *Engine) PauseNodeEx(ctx context.Context, name string, drain bool, flags uint32, target string) (*store.Node, error) {
	if flags&^PauseFlags != 0 {
		return nil, fail(wsfc.ERROR_INVALID_PARAMETER, "pause flags %#x: only 0x1, 0x2 and 0x4 are defined", flags)
	}
	if drainOnly := flags &^ wsfc.CLUSAPI_NODE_AVOID_PLACEMENT; drainOnly != 0 && !drain {
		return nil, fail(wsfc.ERROR_INVALID_PARAMETER, "pause flags %#x are for a drain, and this pause does not drain", drainOnly)
	}
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
		c.DrainFlags = flags
		c.DrainGroups, c.DrainStayed = nil, nil
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
		c.DrainFlags, c.DrainStayed = 0, nil
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
// go anywhere, failed on its new node, or came back after its move failed
// — unless the drain retries its failures
// (CLUSAPI_NODE_PAUSE_RETRY_DRAIN_ON_FAILURE), which stays "in progress"
// while another node is up; else "in progress".
func DrainStatus(v store.View, name string) (status, detail string) {
	n := v.Node(name)
	if n == nil || !n.Draining {
		return "", ""
	}
	retry := n.DrainFlags&wsfc.CLUSAPI_NODE_PAUSE_RETRY_DRAIN_ON_FAILURE != 0
	var waiting []string
	for _, gname := range n.DrainGroups {
		g := v.Group(gname)
		if g == nil {
			continue
		}
		state := v.GroupState(g)
		_, stayed := n.DrainStayed[gname]
		switch {
		case g.OwnerNode != name && state == wsfc.ClusterGroupFailed && !retry:
			return "failed", "group " + gname + " failed on " + g.OwnerNode
		case g.OwnerNode == name && stayed && !retry:
			return "failed", "group " + gname + " could not move and stays on " + name
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

// DrainMoveFlags are the MoveClusterGroupEx flags of a drain move away
// from node: CLUSAPI_GROUP_MOVE_RETURN_TO_SOURCE_NODE_ON_ERROR when the
// drain keeps a group whose move failed on the paused node
// (CLUSAPI_NODE_PAUSE_REMAIN_ON_PAUSED_NODE_ON_MOVE_ERROR); else none.
func DrainMoveFlags(v store.View, node string) uint32 {
	if n := v.Node(node); n != nil && n.Draining && n.DrainFlags&wsfc.CLUSAPI_NODE_PAUSE_REMAIN_ON_PAUSED_NODE_ON_MOVE_ERROR != 0 {
		return wsfc.CLUSAPI_GROUP_MOVE_RETURN_TO_SOURCE_NODE_ON_ERROR
	}
	return 0
}

// noteDrainStayed records in t that group g came back to its draining
// source node after its drain move failed, when that node's drain keeps
// such groups (DrainMoveFlags): the drain then leaves it there, or tries
// it again later (placement.Node.DrainStayed).
func (e *Engine) noteDrainStayed(v store.View, t *store.Txn, m *store.Operation, g *store.Group) {
	n := v.Node(m.From)
	if m.Caller != "controller:"+string(placement.ReasonDrain) || DrainMoveFlags(v, m.From) == 0 || !slices.Contains(n.DrainGroups, g.Name) {
		return
	}
	c := *n
	c.DrainStayed = maps.Clone(n.DrainStayed)
	if c.DrainStayed == nil {
		c.DrainStayed = map[string]time.Time{}
	}
	c.DrainStayed[g.Name] = e.now()
	t.PutNode(&c)
}

func anyOtherNodeUp(v store.View, name string) bool {
	for _, n := range v.Nodes() {
		if n.Name != name && v.NodeState(n.Name) == wsfc.ClusterNodeUp && !n.Draining {
			return true
		}
	}
	return false
}
