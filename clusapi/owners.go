package clusapi

import (
	"context"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
)

// AddClusterResourceNode makes hNode a possible owner of hResource
// ([MS-CMRP] ApiAddResourceNode). A resource's possible owners are, by
// default, every node of the cluster; once RemoveClusterResourceNode has
// given it a list of its own, only the nodes of that list, which this
// function adds to. Nodes that join the cluster later are not added to a
// list, and an evicted node is taken out of every list.
//
// Automatic placement (failover, failback, drain, moves and onlines that
// leave the node to the cluster) prefers the nodes that are possible
// owners of every resource of the group; when none of them can take the
// group, it goes to another node and the resources that cannot run there
// stay Offline, their LastError saying why. The same happens after a
// move or online to a node the caller names, which is not refused for
// this.
//
// Codes: ERROR_OBJECT_ALREADY_EXISTS if hNode is already a possible owner
// (as every node is while the resource has no list of its own);
// ERROR_CLUSTER_NODE_NOT_FOUND if the node has left the cluster;
// ERROR_RESOURCE_NOT_AVAILABLE if the resource was deleted;
// ERROR_ACCESS_DENIED for a caller with Read access; ERROR_INVALID_HANDLE
// for a NULL or closed handle, or handles of two clusters.
func AddClusterResourceNode(hResource HRESOURCE, hNode HNODE) Errno {
	return AddClusterResourceNodeContext(context.Background(), hResource, hNode)
}

// AddClusterResourceNodeContext is AddClusterResourceNode bounded by ctx.
func AddClusterResourceNodeContext(ctx context.Context, hResource HRESOURCE, hNode HNODE) Errno {
	return changeResourceNode(ctx, hResource, hNode, true)
}

// RemoveClusterResourceNode takes hNode out of the possible owners of
// hResource ([MS-CMRP] ApiRemoveResourceNode). From the default (every
// node), the resource gets a list of its own: the cluster's nodes now,
// but hNode. A list may become empty: then no node brings the resource
// online. See AddClusterResourceNode for what possible owners do.
//
// Codes: ERROR_INVALID_STATE if hNode owns the resource's group and the
// resource is Online, OnlinePending or OfflinePending (take it offline
// first); ERROR_CLUSTER_NODE_NOT_FOUND if hNode is not a possible owner
// of the resource, or has left the cluster; ERROR_RESOURCE_NOT_AVAILABLE,
// ERROR_ACCESS_DENIED and ERROR_INVALID_HANDLE as for
// AddClusterResourceNode.
func RemoveClusterResourceNode(hResource HRESOURCE, hNode HNODE) Errno {
	return RemoveClusterResourceNodeContext(context.Background(), hResource, hNode)
}

// RemoveClusterResourceNodeContext is RemoveClusterResourceNode bounded
// by ctx.
func RemoveClusterResourceNodeContext(ctx context.Context, hResource HRESOURCE, hNode HNODE) Errno {
	return changeResourceNode(ctx, hResource, hNode, false)
}

func changeResourceNode(ctx context.Context, hResource HRESOURCE, hNode HNODE, add bool) Errno {
	h, n := (*resourceHandle)(hResource), (*nodeHandle)(hNode)
	if !h.valid() || !n.valid() || h.cluster.id != n.cluster.id {
		return ERROR_INVALID_HANDLE
	}
	ctx, cancel := callCtx(ctx)
	defer cancel()
	return ErrnoOf(h.cluster.c.Resources().changeNode(ctx, h.ref, n.name, add))
}

// AddNode makes node a possible owner of the resource called name
// (AddClusterResourceNode).
func (r Resources) AddNode(ctx context.Context, name, node string) error {
	return r.changeNode(ctx, resourceRef{name: name}, node, true)
}

// RemoveNode takes node out of the possible owners of the resource called
// name (RemoveClusterResourceNode).
func (r Resources) RemoveNode(ctx context.Context, name, node string) error {
	return r.changeNode(ctx, resourceRef{name: name}, node, false)
}

func (r Resources) changeNode(ctx context.Context, ref resourceRef, node string, add bool) error {
	var err error
	if add {
		_, err = unary(ctx, r.c, "AddClusterResourceNode", r.c.conn.Verbs.AddResourceNode,
			&batonv1.AddResourceNodeRequest{Resource: ref.pb(), Node: node})
	} else {
		_, err = unary(ctx, r.c, "RemoveClusterResourceNode", r.c.conn.Verbs.RemoveResourceNode,
			&batonv1.RemoveResourceNodeRequest{Resource: ref.pb(), Node: node})
	}
	return err
}
