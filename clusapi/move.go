package clusapi

import (
	"context"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
	"github.com/batoncluster/baton/proplist"
)

// MoveOptions are the arguments of a move.
type MoveOptions struct {
	// Node is the destination; "" lets the cluster pick the best node.
	Node string
	// Flags are CLUSAPI_GROUP_MOVE_* flags.
	Flags uint32
	// Params is the input buffer as a property list, handed to each online
	// resource as it goes offline on the source.
	Params proplist.List
	// InBuffer is the input buffer as bytes; it is sent with its length.
	InBuffer []byte
}

// Move moves a group to another node (MoveClusterGroupEx). The operation's
// Wait returns once the group is online again — which, with
// CLUSAPI_GROUP_MOVE_RETURN_TO_SOURCE_NODE_ON_ERROR or
// CLUSAPI_GROUP_MOVE_FAILBACK, may be on the source or a preferred owner
// after the move failed on the destination. Client.Operation(ctx, op.ID)
// says how the move itself ended (Outcome "failed" then). With
// CLUSAPI_GROUP_MOVE_QUEUE_ENABLED a move that policy blocks answers
// ERROR_IO_PENDING and waits (Outcome "" meanwhile); Wait does not wait for
// it to start, since the group is not Pending while it waits.
func (g Groups) Move(ctx context.Context, name string, opts MoveOptions) (*Operation, error) {
	return g.c.moveGroup(ctx, groupRef{name: name}, opts.Node, opts.Flags, opts.InBuffer, uint32(len(opts.InBuffer)), opts.Params)
}

func (c *Client) moveGroup(ctx context.Context, ref groupRef, node string, flags uint32, buf []byte, size uint32, params proplist.List) (*Operation, error) {
	resp, err := unary(ctx, c, "MoveClusterGroupEx", c.conn.Groups.MoveGroup, &batonv1.MoveGroupRequest{
		Group: ref.pb(), Node: node, Flags: flags, InBuffer: buf, InBufferSize: size, Params: toPBList(params),
	})
	if err != nil {
		return nil, err
	}
	return newOperation(c, ref, ClusterGroupOnline, resp)
}

// MoveClusterGroupEx moves a group to hDestinationNode, or to the best node
// if it is nil. dwMoveFlags are CLUSAPI_GROUP_MOVE_* flags; the input
// buffer goes, as given, to every online resource as it goes offline on
// the source. ERROR_SUCCESS: already there (or nothing to bring online);
// ERROR_IO_PENDING: the move goes on — or, with
// CLUSAPI_GROUP_MOVE_QUEUE_ENABLED (0x4), waits in the group's queue while
// policy blocks it (the group's StatusInformation has
// CLUSGRP_STATUS_WAITING_IN_QUEUE_FOR_MOVE meanwhile); anything else:
// rejected, nothing changed. 0x2 and 0x10 say where the group goes if it
// fails on the destination (the source, a preferred owner); without them
// the failover policy decides.
//
// The input buffer is C-like, as for OfflineClusterGroupEx.
func MoveClusterGroupEx(hGroup HGROUP, hDestinationNode HNODE, dwMoveFlags uint32, lpInBuffer []byte, cbInBufferSize uint32) Errno {
	return MoveClusterGroupExContext(context.Background(), hGroup, hDestinationNode, dwMoveFlags, lpInBuffer, cbInBufferSize)
}

// MoveClusterGroupExContext is MoveClusterGroupEx bounded by ctx.
func MoveClusterGroupExContext(ctx context.Context, hGroup HGROUP, hDestinationNode HNODE, dwMoveFlags uint32, lpInBuffer []byte, cbInBufferSize uint32) Errno {
	h := (*groupHandle)(hGroup)
	node, ok := destination(h, hDestinationNode)
	if !ok {
		return ERROR_INVALID_HANDLE
	}
	lpInBuffer, ok = cBuffer(lpInBuffer, cbInBufferSize)
	if !ok {
		return ERROR_INVALID_PARAMETER
	}
	ctx, cancel := callCtx(ctx)
	defer cancel()
	op, err := h.cluster.c.moveGroup(ctx, h.ref, node, dwMoveFlags, lpInBuffer, cbInBufferSize, nil)
	if err != nil {
		return ErrnoOf(err)
	}
	return op.Status
}

// MoveClusterGroup is MoveClusterGroupEx with no flags and no input buffer.
func MoveClusterGroup(hGroup HGROUP, hDestinationNode HNODE) Errno {
	return MoveClusterGroupEx(hGroup, hDestinationNode, 0, nil, 0)
}

// SetClusterGroupNodeList sets the group's preferred owners, in order.
func SetClusterGroupNodeList(hGroup HGROUP, nodeList []HNODE) Errno {
	return SetClusterGroupNodeListContext(context.Background(), hGroup, nodeList)
}

// SetClusterGroupNodeListContext is SetClusterGroupNodeList bounded by ctx.
func SetClusterGroupNodeListContext(ctx context.Context, hGroup HGROUP, nodeList []HNODE) Errno {
	h := (*groupHandle)(hGroup)
	if !h.valid() {
		return ERROR_INVALID_HANDLE
	}
	names := make([]string, 0, len(nodeList))
	for _, hn := range nodeList {
		n := (*nodeHandle)(hn)
		if !n.valid() || n.cluster.id != h.cluster.id {
			return ERROR_INVALID_HANDLE
		}
		names = append(names, n.name)
	}
	ctx, cancel := callCtx(ctx)
	defer cancel()
	_, err := unary(ctx, h.cluster.c, "SetClusterGroupNodeList", h.cluster.c.conn.Groups.SetGroupNodeList, &batonv1.SetGroupNodeListRequest{
		Group: h.ref.pb(), Nodes: names,
	})
	return ErrnoOf(err)
}
