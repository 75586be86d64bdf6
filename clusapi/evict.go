package clusapi

import (
	"context"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
)

// Eviction is what evicting a node did.
type Eviction struct {
	Node string
	// DatabaseMemberRemoved says the node was a member of the cluster
	// database and was removed from its members.
	DatabaseMemberRemoved bool
	// Groups are those whose preferred owners named the node, or that it
	// owned.
	Groups []string
}

// EvictNode evicts the node called name from the cluster
// (EvictClusterNodeEx): its record goes, it leaves the groups' preferred
// owners, its offline groups get another owner (online ones fail over by
// their policy), and its database member, if it is one, is removed. The
// evicted node's agent stops; the machine comes back only as a new node
// (an empty data directory and a join token).
//
// Only a Down node is evicted: an Up or Paused one answers
// ERROR_CANT_EVICT_ACTIVE_NODE, unless force. With force the node is
// paused with drain, and the call answers
// ERROR_CLUSTER_NODE_DRAIN_IN_PROGRESS until the drain has completed:
// call again then (the node's drain status, ListNodes, says how it goes).
// An unknown node answers ERROR_CLUSTER_NODE_NOT_FOUND, the node whose
// agent answers the call ERROR_CLUSTER_EVICT_INVALID_REQUEST, and a
// database member whose removal would leave the database without a
// quorum ERROR_CLUSTER_NO_QUORUM; nothing changes then.
func (c *Client) EvictNode(ctx context.Context, name string, force bool) (*Eviction, error) {
	resp, err := unary(ctx, c, "EvictClusterNode", c.conn.Admin.EvictNode, &batonv1.EvictNodeRequest{Name: name, Force: force})
	if err != nil {
		return nil, err
	}
	return &Eviction{Node: resp.GetName(), DatabaseMemberRemoved: resp.GetDatabaseMemberRemoved(), Groups: resp.GetGroups()}, nil
}

// EvictClusterNode evicts a node that is down from the cluster (see
// Client.EvictNode). It returns ERROR_SUCCESS, or the reason it was
// refused (ERROR_CANT_EVICT_ACTIVE_NODE for a node that is up, ...);
// ERROR_INVALID_HANDLE for a NULL or closed handle. The handle stays
// open and refers to a node that no longer exists.
func EvictClusterNode(hNode HNODE) Errno {
	return EvictClusterNodeEx(hNode, 0, nil)
}

// EvictClusterNodeEx is EvictClusterNode with the cleanup arguments of
// Windows, where the evicted node's cluster configuration is removed.
// baton leaves the evicted machine as it is — its agent stops, and its
// data directory stays until an operator empties it — so dwTimeout is not
// used and *phrCleanupStatus, if not nil, is set to S_OK (0) when the
// node was evicted.
func EvictClusterNodeEx(hNode HNODE, dwTimeout uint32, phrCleanupStatus *int32) Errno {
	return EvictClusterNodeExContext(context.Background(), hNode, dwTimeout, phrCleanupStatus)
}

// EvictClusterNodeExContext is EvictClusterNodeEx bounded by ctx.
func EvictClusterNodeExContext(ctx context.Context, hNode HNODE, dwTimeout uint32, phrCleanupStatus *int32) Errno {
	h := (*nodeHandle)(hNode)
	if !h.valid() {
		return ERROR_INVALID_HANDLE
	}
	ctx, cancel := callCtx(ctx)
	defer cancel()
	if _, err := h.cluster.c.EvictNode(ctx, h.name, false); err != nil {
		return ErrnoOf(err)
	}
	if phrCleanupStatus != nil {
		*phrCleanupStatus = 0
	}
	return ERROR_SUCCESS
}
