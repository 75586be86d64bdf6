package clusapi

import (
	"context"
	"slices"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
)

// Resource types in the clusapi face: ClusterResourceTypeOpenEnum and its
// kin enumerate one type's possible owner nodes and resources, as on
// Windows (the list of the types themselves is
// ClusterOpenEnum(CLUSTER_ENUM_RESTYPE), or `baton type list`), and
// ClusterResourceTypeControl runs the CLUSCTL_RESOURCE_TYPE_* codes.

// Object types of ClusterResourceTypeOpenEnum (CLUSTER_RESOURCE_TYPE_ENUM;
// ClusApi.h's values, which the reference does not list).
const (
	CLUSTER_RESOURCE_TYPE_ENUM_NODES     uint32 = 0x00000001 // nodes that can host the type
	CLUSTER_RESOURCE_TYPE_ENUM_RESOURCES uint32 = 0x00000002 // resources of the type
	CLUSTER_RESOURCE_TYPE_ENUM_ALL       uint32 = CLUSTER_RESOURCE_TYPE_ENUM_NODES | CLUSTER_RESOURCE_TYPE_ENUM_RESOURCES
)

// HRESTYPEENUM is an enumeration of a resource type's nodes or resources,
// from ClusterResourceTypeOpenEnum; nil is NULL.
type HRESTYPEENUM *resTypeEnum

type resTypeEnum struct{ enumList }

// ClusterResourceTypeOpenEnum opens an enumeration of the nodes that can
// host resources of the type called lpszResourceTypeName
// (CLUSTER_RESOURCE_TYPE_ENUM_NODES: every node of the cluster, as every
// agent has the same types) and of the resources of that type
// (CLUSTER_RESOURCE_TYPE_ENUM_RESOURCES), in that order, each sorted by
// name. A type the cluster does not have answers
// ERROR_CLUSTER_RESOURCE_TYPE_NOT_FOUND; so does a dwType of 0 or with
// other bits — what Windows answers for those (Samba's clusapi torture
// test, run against Windows Server, expects it), where the other
// enumerations answer ERROR_INVALID_PARAMETER. On failure the handle is
// nil and the error carries the Win32 code.
func ClusterResourceTypeOpenEnum(hCluster HCLUSTER, lpszResourceTypeName string, dwType uint32) (HRESTYPEENUM, error) {
	return ClusterResourceTypeOpenEnumContext(context.Background(), hCluster, lpszResourceTypeName, dwType)
}

// ClusterResourceTypeOpenEnumContext is ClusterResourceTypeOpenEnum
// bounded by ctx.
func ClusterResourceTypeOpenEnumContext(ctx context.Context, hCluster HCLUSTER, lpszResourceTypeName string, dwType uint32) (HRESTYPEENUM, error) {
	const call = "ClusterResourceTypeOpenEnum"
	h := (*clusterHandle)(hCluster)
	if !h.valid() {
		return nil, invalidHandle(call)
	}
	if dwType == 0 || dwType&^CLUSTER_RESOURCE_TYPE_ENUM_ALL != 0 {
		return nil, apiErr(ERROR_CLUSTER_RESOURCE_TYPE_NOT_FOUND, "%s: dwType %#x is not a combination of %#x", call, dwType, CLUSTER_RESOURCE_TYPE_ENUM_ALL)
	}
	ctx, cancel := callCtx(ctx)
	defer cancel()
	types, err := h.c.ListResourceTypes(ctx)
	if err != nil {
		return nil, handleErr(err)
	}
	if !slices.ContainsFunc(types, func(t ResourceType) bool { return t.Name == lpszResourceTypeName }) {
		return nil, apiErr(ERROR_CLUSTER_RESOURCE_TYPE_NOT_FOUND, "%s: resource type %q is not known (see 'baton type list')", call, lpszResourceTypeName)
	}
	var items []enumItem
	if dwType&CLUSTER_RESOURCE_TYPE_ENUM_NODES != 0 {
		nodes, err := h.c.ListNodes(ctx)
		if err != nil {
			return nil, handleErr(err)
		}
		var part []enumItem
		for _, n := range nodes {
			part = append(part, enumItem{typ: CLUSTER_RESOURCE_TYPE_ENUM_NODES, name: n.Name})
		}
		items = append(items, sortedItems(part)...)
	}
	if dwType&CLUSTER_RESOURCE_TYPE_ENUM_RESOURCES != 0 {
		res, err := h.c.Resources().List(ctx, "")
		if err != nil {
			return nil, handleErr(err)
		}
		var part []enumItem
		for _, r := range res {
			if r.Type == lpszResourceTypeName {
				part = append(part, enumItem{typ: CLUSTER_RESOURCE_TYPE_ENUM_RESOURCES, name: r.Name})
			}
		}
		items = append(items, sortedItems(part)...)
	}
	return &resTypeEnum{enumList{cluster: h, items: items}}, nil
}

// ClusterResourceTypeGetEnumCount returns the number of items of the
// enumeration (0 for a NULL or closed handle).
func ClusterResourceTypeGetEnumCount(hResTypeEnum HRESTYPEENUM) uint32 {
	if hResTypeEnum == nil {
		return 0
	}
	return (*resTypeEnum)(hResTypeEnum).count()
}

// ClusterResourceTypeEnum returns item dwIndex of the enumeration: its
// CLUSTER_RESOURCE_TYPE_ENUM_* type and name. Codes as for ClusterEnum.
func ClusterResourceTypeEnum(hResTypeEnum HRESTYPEENUM, dwIndex uint32, lpcchName *uint32) (lpdwType uint32, lpszName string, status Errno) {
	if hResTypeEnum == nil {
		return 0, "", ERROR_INVALID_HANDLE
	}
	return (*resTypeEnum)(hResTypeEnum).enum(dwIndex, lpcchName)
}

// ClusterResourceTypeCloseEnum closes the enumeration (codes as for
// ClusterCloseEnum).
func ClusterResourceTypeCloseEnum(hResTypeEnum HRESTYPEENUM) Errno {
	if hResTypeEnum == nil {
		return ERROR_INVALID_HANDLE
	}
	return (*resTypeEnum)(hResTypeEnum).close()
}

// ClusterResourceTypeControl runs the control code dwControlCode
// (CLUSCTL_RESOURCE_TYPE_*) on the resource type called
// lpszResourceTypeName; the buffers follow the protocol of the other
// control-code functions (control.go). A type the cluster does not have
// answers ERROR_CLUSTER_RESOURCE_TYPE_NOT_FOUND. The codes baton answers,
// from what it knows of a type:
//
//   - GET_CHARACTERISTICS: CLUS_CHAR_UNKNOWN; GET_FLAGS: 0.
//   - ENUM_COMMON_PROPERTIES, GET_COMMON_PROPERTIES: Description,
//     LooksAlivePollInterval and IsAlivePollInterval (the type's default
//     poll intervals, in ms); GET_RO_COMMON_PROPERTIES: Name. The types
//     are built into the agent or are its plugins, so their properties
//     are baton's to keep: SET_ and VALIDATE_COMMON_PROPERTIES accept the
//     current values only (anything else, and a read-only or unknown name,
//     answers ERROR_INVALID_PARAMETER); a SET needs Full access.
//   - GET_COMMON_RESOURCE_PROPERTY_FMTS and
//     GET_PRIVATE_RESOURCE_PROPERTY_FMTS: the name and format
//     (CLUSPROP_FORMAT_*, a LIST_VALUE_WORD, as [MS-CMRP] 3.1.4.3.1.14
//     lays out) of each common property of a resource (those
//     CLUSCTL_RESOURCE_ENUM_COMMON_PROPERTIES names) and of each private
//     property the type documents for its resources.
//   - The private-property codes of the type itself: empty lists (a type
//     has no private properties in baton); a SET or VALIDATE of anything
//     but an empty list answers ERROR_INVALID_PARAMETER.
//
// Every other code answers ERROR_INVALID_FUNCTION, as ClusterControl does
// for the codes baton has not — GET_COMMON_PROPERTY_FMTS and
// GET_PRIVATE_PROPERTY_FMTS included, which Windows documents as always
// answering it.
func ClusterResourceTypeControl(hCluster HCLUSTER, lpszResourceTypeName string, hHostNode HNODE, dwControlCode uint32, lpInBuffer []byte, nInBufferSize uint32,
	lpOutBuffer []byte, nOutBufferSize uint32, lpBytesReturned *uint32) Errno {
	return ClusterResourceTypeControlContext(context.Background(), hCluster, lpszResourceTypeName, hHostNode, dwControlCode, lpInBuffer, nInBufferSize, lpOutBuffer, nOutBufferSize, lpBytesReturned)
}

// ClusterResourceTypeControlContext is ClusterResourceTypeControl bounded
// by ctx.
func ClusterResourceTypeControlContext(ctx context.Context, hCluster HCLUSTER, lpszResourceTypeName string, hHostNode HNODE, dwControlCode uint32, lpInBuffer []byte, nInBufferSize uint32,
	lpOutBuffer []byte, nOutBufferSize uint32, lpBytesReturned *uint32) Errno {
	h := (*clusterHandle)(hCluster)
	if !h.valid() {
		return noBytes(lpBytesReturned, ERROR_INVALID_HANDLE)
	}
	req := &batonv1.ControlRequest{Object: CLUS_OBJECT_RESOURCE_TYPE, Name: lpszResourceTypeName}
	return control(ctx, h, hHostNode, req, dwControlCode, lpInBuffer, nInBufferSize, lpOutBuffer, nOutBufferSize, lpBytesReturned)
}
