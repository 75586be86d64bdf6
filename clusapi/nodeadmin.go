package clusapi

import (
	"context"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
)

// Failback types of ResumeClusterNodeEx (CLUSTER_NODE_RESUME_FAILBACK_TYPE).
const (
	DoNotFailbackGroups       uint32 = 0
	FailbackGroupsImmediately uint32 = 1
	FailbackGroupsPerPolicy   uint32 = 2
)

// PauseNode pauses the node called name (PauseClusterNodeEx): it takes no new
// groups. With drain its groups move to other nodes by placement, and the
// node's drain status (ListNodes) says how that goes. A node that is down
// answers ERROR_CLUSTER_NODE_DOWN.
func (c *Client) PauseNode(ctx context.Context, name string, drain bool) (*Node, error) {
	return c.PauseNodeTo(ctx, name, drain, "")
}

// PauseNodeTo is PauseNode with a drain target: with drain, the groups go
// to the node called target ("": where placement picks); a group target
// cannot take goes where placement picks. A target without drain, or the
// node itself, answers ERROR_INVALID_PARAMETER; one that is not a node
// ERROR_CLUSTER_NODE_NOT_FOUND, down ERROR_CLUSTER_NODE_DOWN, paused
// ERROR_CLUSTER_NODE_PAUSED.
func (c *Client) PauseNodeTo(ctx context.Context, name string, drain bool, target string) (*Node, error) {
	return c.PauseNodeEx(ctx, name, drain, 0, target)
}

// PauseNodeEx is PauseNodeTo with PauseClusterNodeEx's dwPauseFlags (see
// PauseClusterNodeEx for what each does).
func (c *Client) PauseNodeEx(ctx context.Context, name string, drain bool, flags uint32, target string) (*Node, error) {
	resp, err := unary(ctx, c, "PauseClusterNode", c.conn.Nodes.PauseNode, &batonv1.PauseNodeRequest{Name: name, Drain: drain, DrainTarget: target, Flags: flags})
	if err != nil {
		return nil, err
	}
	n := nodeFromPB(resp.GetNode())
	return &n, nil
}

// ResumeNode resumes the paused node called name (ResumeClusterNodeEx with
// FailbackGroupsPerPolicy): groups that prefer it fail back as their
// AutoFailbackType says. A node that is not paused answers
// ERROR_CLUSTER_NODE_NOT_PAUSED.
func (c *Client) ResumeNode(ctx context.Context, name string) (*Node, error) {
	resp, err := unary(ctx, c, "ResumeClusterNode", c.conn.Nodes.ResumeNode, &batonv1.ResumeNodeRequest{Name: name})
	if err != nil {
		return nil, err
	}
	n := nodeFromPB(resp.GetNode())
	return &n, nil
}

// PauseClusterNode pauses a node: it keeps its groups but takes no new
// ones. ERROR_SUCCESS, or the reason it was refused (ERROR_CLUSTER_NODE_DOWN,
// ERROR_ACCESS_DENIED, ...); ERROR_INVALID_HANDLE for a NULL or closed
// handle.
func PauseClusterNode(hNode HNODE) Errno {
	return PauseClusterNodeExContext(context.Background(), hNode, false, 0, nil)
}

// PauseClusterNodeEx pauses a node and, with bDrainNode, drains it: its
// groups move to hNodeDrainTarget, or with NULL to the nodes placement
// chooses, and the call returns once the drain has started (poll
// GetClusterNodeState and the node's drain status; a group that cannot
// move stays on the paused node). A group the target cannot take (down or
// paused since, or an anti-affinity conflict there) goes where placement
// chooses — baton's choice. A target without bDrainNode, or the node
// itself, answers ERROR_INVALID_PARAMETER; a target that is down
// ERROR_CLUSTER_NODE_DOWN, paused ERROR_CLUSTER_NODE_PAUSED; a handle of
// another cluster ERROR_INVALID_HANDLE.
//
// dwPauseFlags, which the function's page names without describing, as
// baton reads them:
//   - CLUSAPI_NODE_PAUSE_REMAIN_ON_PAUSED_NODE_ON_MOVE_ERROR: a group whose
//     drain move fails on its destination comes back to the paused node
//     (as a move with CLUSAPI_GROUP_MOVE_RETURN_TO_SOURCE_NODE_ON_ERROR)
//     and stays there, and the drain status becomes
//     NodeDrainStatusFailed. Without it, a group whose move failed is left
//     to the failover policy (PowerShell's -ForceDrain).
//   - CLUSAPI_NODE_PAUSE_RETRY_DRAIN_ON_FAILURE: the drain does not end
//     failed on a failed move: a group that came back is moved again 30 s
//     later, and the drain stays in progress.
//   - CLUSAPI_NODE_AVOID_PLACEMENT: a paused baton node never receives
//     groups already, so it changes nothing.
//
// Other bits, or 0x1 and 0x4 without bDrainNode, answer
// ERROR_INVALID_PARAMETER and change nothing.
func PauseClusterNodeEx(hNode HNODE, bDrainNode bool, dwPauseFlags uint32, hNodeDrainTarget HNODE) Errno {
	return PauseClusterNodeExContext(context.Background(), hNode, bDrainNode, dwPauseFlags, hNodeDrainTarget)
}

// PauseClusterNodeExContext is PauseClusterNodeEx bounded by ctx.
func PauseClusterNodeExContext(ctx context.Context, hNode HNODE, bDrainNode bool, dwPauseFlags uint32, hNodeDrainTarget HNODE) Errno {
	h := (*nodeHandle)(hNode)
	if !h.valid() {
		return ERROR_INVALID_HANDLE
	}
	target := ""
	if hNodeDrainTarget != nil {
		t := (*nodeHandle)(hNodeDrainTarget)
		if !t.valid() || t.cluster.id != h.cluster.id {
			return ERROR_INVALID_HANDLE
		}
		target = t.name
	}
	ctx, cancel := callCtx(ctx)
	defer cancel()
	_, err := h.cluster.c.PauseNodeEx(ctx, h.name, bDrainNode, dwPauseFlags, target)
	return ErrnoOf(err)
}

// ResumeClusterNode resumes a paused node (and ends its drain): it takes
// groups again, and groups that prefer it fail back as their
// AutoFailbackType says. ERROR_CLUSTER_NODE_NOT_PAUSED if it was not
// paused.
func ResumeClusterNode(hNode HNODE) Errno {
	return ResumeClusterNodeExContext(context.Background(), hNode, FailbackGroupsPerPolicy, 0)
}

// ResumeClusterNodeEx resumes a paused node. eResumeFailbackType is a
// CLUSTER_NODE_RESUME_FAILBACK_TYPE; dwResumeFlagsReserved must be 0.
//
// Deliberate difference: baton fails groups back by policy only
// (FailbackGroupsPerPolicy, what ResumeClusterNode does);
// DoNotFailbackGroups and FailbackGroupsImmediately, like any other type
// or a non-zero dwResumeFlagsReserved, answer ERROR_INVALID_PARAMETER and
// change nothing.
func ResumeClusterNodeEx(hNode HNODE, eResumeFailbackType uint32, dwResumeFlagsReserved uint32) Errno {
	return ResumeClusterNodeExContext(context.Background(), hNode, eResumeFailbackType, dwResumeFlagsReserved)
}

// ResumeClusterNodeExContext is ResumeClusterNodeEx bounded by ctx.
func ResumeClusterNodeExContext(ctx context.Context, hNode HNODE, eResumeFailbackType uint32, dwResumeFlagsReserved uint32) Errno {
	h := (*nodeHandle)(hNode)
	if !h.valid() {
		return ERROR_INVALID_HANDLE
	}
	if eResumeFailbackType != FailbackGroupsPerPolicy || dwResumeFlagsReserved != 0 {
		return ERROR_INVALID_PARAMETER
	}
	ctx, cancel := callCtx(ctx)
	defer cancel()
	_, err := h.cluster.c.ResumeNode(ctx, h.name)
	return ErrnoOf(err)
}
