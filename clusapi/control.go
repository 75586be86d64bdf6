package clusapi

import (
	"context"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
)

// The control-code functions: ClusterGroupControl, ClusterResourceControl,
// ClusterNodeControl and ClusterControl run a CLUSCTL_* code on an object
// ([MS-CMRP] ApiGroupControl and its kin). Inputs and outputs are
// Windows' formats byte for byte: property lists (package proplist reads
// and writes them), NUL-terminated UTF-16LE strings, MULTI_SZ name lists
// and DWORDs.
//
// The buffers follow the C protocol. lpInBuffer's first cbInBufferSize
// bytes are the input; a cbInBufferSize larger than the slice (a read past
// the buffer in C) answers ERROR_INVALID_PARAMETER. The output goes to
// lpOutBuffer's first cbOutBufferSize bytes, which must not be more than
// the slice's length either. When the output does not fit — a nil
// lpOutBuffer with cbOutBufferSize 0 included — nothing is copied, the call
// answers ERROR_MORE_DATA and *lpBytesReturned is the size needed; call
// again with a buffer that large. On success *lpBytesReturned is the size
// written (0 for codes that produce nothing); after any other error it is
// 0. lpBytesReturned may be nil.
//
// The codes baton answers, for groups, resources and nodes: GET_NAME,
// GET_ID (a node's id is its name), GET_FLAGS (0), GET_CHARACTERISTICS
// (CLUS_CHAR_UNKNOWN), ENUM_COMMON_PROPERTIES, GET_COMMON_PROPERTIES (the
// read-write ones), GET_RO_COMMON_PROPERTIES, SET_ and
// VALIDATE_COMMON_PROPERTIES, and the private-property codes (ENUM_, GET_,
// GET_RO_, SET_, VALIDATE_PRIVATE_PROPERTIES); for resources also
// GET_RESOURCE_TYPE. Groups and nodes have no private properties in baton
// (their lists are empty and a set of any property answers
// ERROR_INVALID_PARAMETER); nor has the cluster common properties yet:
// ClusterControl answers GET_FQDN (the cluster's name) and empty lists. Any
// other code, and a code for another kind of object (a group code given to
// ClusterResourceControl), answers ERROR_INVALID_FUNCTION.
//
// A code whose access bits are CLUS_ACCESS_WRITE (the SET codes) needs
// Full access: a caller with Read access gets ERROR_ACCESS_DENIED and
// nothing changes.
//
// SET_COMMON_PROPERTIES sets every property of the list or none. A name
// that is not a common property, a read-only one, a value of another
// syntax or out of the property's range, or a property baton keeps itself
// (a group's Name, PersistentState and GroupType, a resource's Name and
// PersistentState, a node's Description and NodeWeight) written with
// another value than its current one answers ERROR_INVALID_PARAMETER.
// Those kept properties are listed by GET_COMMON_PROPERTIES with the
// read-write ones, as on Windows, so that a list read can be written back
// unchanged. Deliberate differences: an input list that does not decode,
// or a NULL input buffer, answers ERROR_INVALID_PARAMETER (the pages
// document ERROR_INVALID_DATA, ERROR_INSUFFICIENT_BUFFER and
// RPC_X_BAD_STUB_DATA); a change that Windows applies at the next online
// (ERROR_RESOURCE_PROPERTIES_STORED) answers ERROR_SUCCESS here.
//
// hHostNode chooses the node that runs the code on Windows; every baton
// node answers from the same database, so it is only checked: NULL or an
// open handle to a node of the same cluster (else ERROR_INVALID_HANDLE).

// ClusterGroupControl runs the control code dwControlCode
// (CLUSCTL_GROUP_*) on a group.
func ClusterGroupControl(hGroup HGROUP, hHostNode HNODE, dwControlCode uint32, lpInBuffer []byte, cbInBufferSize uint32,
	lpOutBuffer []byte, cbOutBufferSize uint32, lpBytesReturned *uint32) Errno {
	return ClusterGroupControlContext(context.Background(), hGroup, hHostNode, dwControlCode, lpInBuffer, cbInBufferSize, lpOutBuffer, cbOutBufferSize, lpBytesReturned)
}

// ClusterGroupControlContext is ClusterGroupControl bounded by ctx.
func ClusterGroupControlContext(ctx context.Context, hGroup HGROUP, hHostNode HNODE, dwControlCode uint32, lpInBuffer []byte, cbInBufferSize uint32,
	lpOutBuffer []byte, cbOutBufferSize uint32, lpBytesReturned *uint32) Errno {
	h := (*groupHandle)(hGroup)
	if !h.valid() {
		return noBytes(lpBytesReturned, ERROR_INVALID_HANDLE)
	}
	req := &batonv1.ControlRequest{Object: CLUS_OBJECT_GROUP, Name: h.ref.name, Id: h.ref.id}
	return control(ctx, h.cluster, hHostNode, req, dwControlCode, lpInBuffer, cbInBufferSize, lpOutBuffer, cbOutBufferSize, lpBytesReturned)
}

// ClusterResourceControl runs the control code dwControlCode
// (CLUSCTL_RESOURCE_*) on a resource.
func ClusterResourceControl(hResource HRESOURCE, hHostNode HNODE, dwControlCode uint32, lpInBuffer []byte, cbInBufferSize uint32,
	lpOutBuffer []byte, cbOutBufferSize uint32, lpBytesReturned *uint32) Errno {
	return ClusterResourceControlContext(context.Background(), hResource, hHostNode, dwControlCode, lpInBuffer, cbInBufferSize, lpOutBuffer, cbOutBufferSize, lpBytesReturned)
}

// ClusterResourceControlContext is ClusterResourceControl bounded by ctx.
func ClusterResourceControlContext(ctx context.Context, hResource HRESOURCE, hHostNode HNODE, dwControlCode uint32, lpInBuffer []byte, cbInBufferSize uint32,
	lpOutBuffer []byte, cbOutBufferSize uint32, lpBytesReturned *uint32) Errno {
	h := (*resourceHandle)(hResource)
	if !h.valid() {
		return noBytes(lpBytesReturned, ERROR_INVALID_HANDLE)
	}
	req := &batonv1.ControlRequest{Object: CLUS_OBJECT_RESOURCE, Name: h.ref.name, Id: h.ref.id}
	return control(ctx, h.cluster, hHostNode, req, dwControlCode, lpInBuffer, cbInBufferSize, lpOutBuffer, cbOutBufferSize, lpBytesReturned)
}

// ClusterNodeControl runs the control code dwControlCode (CLUSCTL_NODE_*)
// on a node.
func ClusterNodeControl(hNode HNODE, hHostNode HNODE, dwControlCode uint32, lpInBuffer []byte, cbInBufferSize uint32,
	lpOutBuffer []byte, cbOutBufferSize uint32, lpBytesReturned *uint32) Errno {
	return ClusterNodeControlContext(context.Background(), hNode, hHostNode, dwControlCode, lpInBuffer, cbInBufferSize, lpOutBuffer, cbOutBufferSize, lpBytesReturned)
}

// ClusterNodeControlContext is ClusterNodeControl bounded by ctx.
func ClusterNodeControlContext(ctx context.Context, hNode HNODE, hHostNode HNODE, dwControlCode uint32, lpInBuffer []byte, cbInBufferSize uint32,
	lpOutBuffer []byte, cbOutBufferSize uint32, lpBytesReturned *uint32) Errno {
	h := (*nodeHandle)(hNode)
	if !h.valid() {
		return noBytes(lpBytesReturned, ERROR_INVALID_HANDLE)
	}
	req := &batonv1.ControlRequest{Object: CLUS_OBJECT_NODE, Name: h.name}
	return control(ctx, h.cluster, hHostNode, req, dwControlCode, lpInBuffer, cbInBufferSize, lpOutBuffer, cbOutBufferSize, lpBytesReturned)
}

// ClusterControl runs the control code dwControlCode (CLUSCTL_CLUSTER_*)
// on the cluster.
func ClusterControl(hCluster HCLUSTER, hHostNode HNODE, dwControlCode uint32, lpInBuffer []byte, cbInBufferSize uint32,
	lpOutBuffer []byte, cbOutBufferSize uint32, lpBytesReturned *uint32) Errno {
	return ClusterControlContext(context.Background(), hCluster, hHostNode, dwControlCode, lpInBuffer, cbInBufferSize, lpOutBuffer, cbOutBufferSize, lpBytesReturned)
}

// ClusterControlContext is ClusterControl bounded by ctx.
func ClusterControlContext(ctx context.Context, hCluster HCLUSTER, hHostNode HNODE, dwControlCode uint32, lpInBuffer []byte, cbInBufferSize uint32,
	lpOutBuffer []byte, cbOutBufferSize uint32, lpBytesReturned *uint32) Errno {
	h := (*clusterHandle)(hCluster)
	if !h.valid() {
		return noBytes(lpBytesReturned, ERROR_INVALID_HANDLE)
	}
	req := &batonv1.ControlRequest{Object: CLUS_OBJECT_CLUSTER}
	return control(ctx, h, hHostNode, req, dwControlCode, lpInBuffer, cbInBufferSize, lpOutBuffer, cbOutBufferSize, lpBytesReturned)
}

// control is the body of the control-code functions: the buffer checks,
// the call, and the ERROR_MORE_DATA protocol.
func control(ctx context.Context, h *clusterHandle, hHostNode HNODE, req *batonv1.ControlRequest, code uint32, in []byte, cbIn uint32,
	out []byte, cbOut uint32, lpBytesReturned *uint32) Errno {
	if hHostNode != nil {
		n := (*nodeHandle)(hHostNode)
		if !n.valid() || n.cluster.id != h.id {
			return noBytes(lpBytesReturned, ERROR_INVALID_HANDLE)
		}
		req.HostNode = n.name
	}
	if int64(cbIn) > int64(len(in)) || int64(cbOut) > int64(len(out)) {
		return noBytes(lpBytesReturned, ERROR_INVALID_PARAMETER)
	}
	req.Code, req.InBuffer = code, in[:cbIn]
	ctx, cancel := callCtx(ctx)
	defer cancel()
	resp, err := unary(ctx, h.c, "ClusterControl", h.c.conn.Control.Control, req)
	if err != nil {
		return noBytes(lpBytesReturned, ErrnoOf(err))
	}
	data := resp.GetOut()
	if lpBytesReturned != nil {
		*lpBytesReturned = uint32(len(data))
	}
	if uint32(len(data)) > cbOut {
		return ERROR_MORE_DATA
	}
	copy(out, data)
	return ERROR_SUCCESS
}

// noBytes sets *lpBytesReturned to 0 (when given) and returns code.
func noBytes(lpBytesReturned *uint32, code Errno) Errno {
	if lpBytesReturned != nil {
		*lpBytesReturned = 0
	}
	return code
}
