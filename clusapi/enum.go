package clusapi

import (
	"context"
	"slices"
	"sync/atomic"
	"unicode/utf16"
)

// Enumerations of the clusapi face: ClusterOpenEnum and its kin take a
// snapshot of the objects' names when they are opened (as Windows does;
// later changes are not seen), and the Enum calls read it by index until
// ERROR_NO_MORE_ITEMS.
//
// The C calls fill a caller's buffer whose length in characters is
// *lpcchName. Here the name is returned as a string, and lpcchName keeps
// the C protocol for code that relies on it: if it is non-nil, *lpcchName
// is the buffer's capacity in UTF-16 characters including the terminating
// NUL; a name that does not fit answers ERROR_MORE_DATA with *lpcchName
// set to the name's length (without the NUL) and no name; on success
// *lpcchName is set to the name's length. A nil lpcchName means the caller
// takes a name of any length.

// The values of the CLUSTER_ENUM, CLUSTER_NODE_ENUM, CLUSTER_GROUP_ENUM and
// CLUSTER_RESOURCE_ENUM enumerations and of CLUSTER_ENUM_ITEM_VERSION are
// those of the SDK's ClusApi.h (H-CLUS in the reference's source key; the
// reference itself does not list them).

// Object types of ClusterOpenEnum(Ex) (CLUSTER_ENUM).
const (
	CLUSTER_ENUM_NODE                   uint32 = 0x00000001
	CLUSTER_ENUM_RESTYPE                uint32 = 0x00000002
	CLUSTER_ENUM_RESOURCE               uint32 = 0x00000004
	CLUSTER_ENUM_GROUP                  uint32 = 0x00000008
	CLUSTER_ENUM_NETWORK                uint32 = 0x00000010
	CLUSTER_ENUM_NETINTERFACE           uint32 = 0x00000020
	CLUSTER_ENUM_SHARED_VOLUME_RESOURCE uint32 = 0x40000000
	CLUSTER_ENUM_INTERNAL_NETWORK       uint32 = 0x80000000
	CLUSTER_ENUM_ALL                    uint32 = CLUSTER_ENUM_NODE | CLUSTER_ENUM_RESTYPE | CLUSTER_ENUM_RESOURCE |
		CLUSTER_ENUM_GROUP | CLUSTER_ENUM_NETWORK | CLUSTER_ENUM_NETINTERFACE
)

// Object types of ClusterNodeOpenEnum (CLUSTER_NODE_ENUM).
const (
	CLUSTER_NODE_ENUM_NETINTERFACES uint32 = 0x00000001
	CLUSTER_NODE_ENUM_GROUPS        uint32 = 0x00000002
	CLUSTER_NODE_ENUM_ALL           uint32 = CLUSTER_NODE_ENUM_NETINTERFACES | CLUSTER_NODE_ENUM_GROUPS
)

// Object types of ClusterGroupOpenEnum (CLUSTER_GROUP_ENUM).
const (
	CLUSTER_GROUP_ENUM_CONTAINS uint32 = 0x00000001 // the group's resources
	CLUSTER_GROUP_ENUM_NODES    uint32 = 0x00000002 // its preferred owners, in order
	CLUSTER_GROUP_ENUM_ALL      uint32 = CLUSTER_GROUP_ENUM_CONTAINS | CLUSTER_GROUP_ENUM_NODES
)

// Object types of ClusterResourceOpenEnum (CLUSTER_RESOURCE_ENUM).
const (
	CLUSTER_RESOURCE_ENUM_DEPENDS  uint32 = 0x00000001 // resources it depends on
	CLUSTER_RESOURCE_ENUM_PROVIDES uint32 = 0x00000002 // resources that depend on it
	CLUSTER_RESOURCE_ENUM_NODES    uint32 = 0x00000004 // its possible owners
	CLUSTER_RESOURCE_ENUM_ALL      uint32 = CLUSTER_RESOURCE_ENUM_DEPENDS | CLUSTER_RESOURCE_ENUM_PROVIDES | CLUSTER_RESOURCE_ENUM_NODES
)

// CLUSTER_ENUM_ITEM_VERSION is the version of CLUSTER_ENUM_ITEM that
// ClusterEnumEx fills (CLUSTER_ENUM_ITEM_VERSION_1).
const (
	CLUSTER_ENUM_ITEM_VERSION_1 uint32 = 0x00000001
	CLUSTER_ENUM_ITEM_VERSION   uint32 = CLUSTER_ENUM_ITEM_VERSION_1
)

// HCLUSENUM is an enumeration of a cluster's objects, from
// ClusterOpenEnum; nil is NULL.
type HCLUSENUM *clusterEnum

// HCLUSENUMEX is an enumeration of a cluster's objects with their ids,
// from ClusterOpenEnumEx; nil is NULL.
type HCLUSENUMEX *clusterEnumEx

// HGROUPENUM is an enumeration of a group's resources or nodes, from
// ClusterGroupOpenEnum; nil is NULL.
type HGROUPENUM *groupEnum

// HRESENUM is an enumeration of a resource's dependencies, dependents or
// possible owners, from ClusterResourceOpenEnum; nil is NULL.
type HRESENUM *resourceEnum

// HNODEENUM is an enumeration of a node's groups or network interfaces,
// from ClusterNodeOpenEnum; nil is NULL.
type HNODEENUM *nodeEnum

type (
	clusterEnum   struct{ enumList }
	clusterEnumEx struct{ enumList }
	groupEnum     struct{ enumList }
	resourceEnum  struct{ enumList }
	nodeEnum      struct{ enumList }
)

// enumList is the snapshot an enumeration handle reads.
type enumList struct {
	cluster *clusterHandle // valid only while it is open
	items   []enumItem
	closed  atomic.Bool
}

type enumItem struct {
	typ      uint32
	name, id string
}

func (e *enumList) valid() bool { return e != nil && !e.closed.Load() && e.cluster.valid() }

// count is the number of items, 0 for an invalid handle.
func (e *enumList) count() uint32 {
	if !e.valid() {
		return 0
	}
	return uint32(len(e.items))
}

// enum is the body of ClusterEnum and its kin.
func (e *enumList) enum(dwIndex uint32, lpcchName *uint32) (uint32, string, Errno) {
	if !e.valid() {
		return 0, "", ERROR_INVALID_HANDLE
	}
	if int64(dwIndex) >= int64(len(e.items)) {
		return 0, "", ERROR_NO_MORE_ITEMS
	}
	it := e.items[dwIndex]
	n := cch(it.name)
	if lpcchName != nil {
		fits := n < *lpcchName
		*lpcchName = n
		if !fits {
			return it.typ, "", ERROR_MORE_DATA
		}
	}
	return it.typ, it.name, ERROR_SUCCESS
}

// close is the body of the CloseEnum calls.
func (e *enumList) close() Errno {
	if e == nil || e.closed.Swap(true) {
		return ERROR_INVALID_HANDLE
	}
	return ERROR_SUCCESS
}

// cch is the length of s in UTF-16 characters (WCHARs), without a NUL.
func cch(s string) uint32 { return uint32(len(utf16.Encode([]rune(s)))) }

// checkEnumType answers ERROR_INVALID_PARAMETER for a type of 0 or with
// bits outside valid (Windows documents neither; this is baton's choice).
func checkEnumType(call string, dwType, valid uint32) error {
	if dwType == 0 || dwType&^valid != 0 {
		return apiErr(ERROR_INVALID_PARAMETER, "%s: dwType %#x is not a combination of %#x", call, dwType, valid)
	}
	return nil
}

// ClusterOpenEnum opens an enumeration of the cluster's objects of the
// types in dwType (CLUSTER_ENUM_* bits): nodes, resource types, resources
// and groups, in that order, each sorted by name. baton has no cluster
// networks, network interfaces or shared volumes, so those bits are
// accepted and enumerate nothing. A dwType of 0 or with other bits
// answers ERROR_INVALID_PARAMETER. On failure the handle is nil and the
// error carries the Win32 code.
func ClusterOpenEnum(hCluster HCLUSTER, dwType uint32) (HCLUSENUM, error) {
	return ClusterOpenEnumContext(context.Background(), hCluster, dwType)
}

// ClusterOpenEnumContext is ClusterOpenEnum bounded by ctx instead of the
// handle functions' default limit (see package documentation).
func ClusterOpenEnumContext(ctx context.Context, hCluster HCLUSTER, dwType uint32) (HCLUSENUM, error) {
	items, err := openClusterEnum(ctx, "ClusterOpenEnum", hCluster, dwType)
	if err != nil {
		return nil, err
	}
	return &clusterEnum{enumList{cluster: hCluster, items: items}}, nil
}

// ClusterOpenEnumEx is ClusterOpenEnum whose items carry the objects' ids
// (ClusterEnumEx). pOptions is reserved: it must be nil, else
// ERROR_INVALID_PARAMETER.
func ClusterOpenEnumEx(hCluster HCLUSTER, dwType uint32, pOptions any) (HCLUSENUMEX, error) {
	return ClusterOpenEnumExContext(context.Background(), hCluster, dwType, pOptions)
}

// ClusterOpenEnumExContext is ClusterOpenEnumEx bounded by ctx.
func ClusterOpenEnumExContext(ctx context.Context, hCluster HCLUSTER, dwType uint32, pOptions any) (HCLUSENUMEX, error) {
	if pOptions != nil {
		return nil, apiErr(ERROR_INVALID_PARAMETER, "ClusterOpenEnumEx: pOptions must be NULL")
	}
	items, err := openClusterEnum(ctx, "ClusterOpenEnumEx", hCluster, dwType)
	if err != nil {
		return nil, err
	}
	return &clusterEnumEx{enumList{cluster: hCluster, items: items}}, nil
}

func openClusterEnum(ctx context.Context, call string, hCluster HCLUSTER, dwType uint32) ([]enumItem, error) {
	h := (*clusterHandle)(hCluster)
	if !h.valid() {
		return nil, invalidHandle(call)
	}
	valid := CLUSTER_ENUM_ALL | CLUSTER_ENUM_SHARED_VOLUME_RESOURCE | CLUSTER_ENUM_INTERNAL_NETWORK
	if err := checkEnumType(call, dwType, valid); err != nil {
		return nil, err
	}
	ctx, cancel := callCtx(ctx)
	defer cancel()
	var items []enumItem
	if dwType&CLUSTER_ENUM_NODE != 0 {
		nodes, err := h.c.ListNodes(ctx)
		if err != nil {
			return nil, handleErr(err)
		}
		var part []enumItem
		for _, n := range nodes {
			part = append(part, enumItem{typ: CLUSTER_ENUM_NODE, name: n.Name, id: n.Name})
		}
		items = append(items, sortedItems(part)...)
	}
	if dwType&CLUSTER_ENUM_RESTYPE != 0 {
		types, err := h.c.ListResourceTypes(ctx)
		if err != nil {
			return nil, handleErr(err)
		}
		var part []enumItem
		for _, t := range types {
			part = append(part, enumItem{typ: CLUSTER_ENUM_RESTYPE, name: t.Name, id: t.Name})
		}
		items = append(items, sortedItems(part)...)
	}
	if dwType&CLUSTER_ENUM_RESOURCE != 0 {
		res, err := h.c.Resources().List(ctx, "")
		if err != nil {
			return nil, handleErr(err)
		}
		var part []enumItem
		for _, r := range res {
			part = append(part, enumItem{typ: CLUSTER_ENUM_RESOURCE, name: r.Name, id: r.ID})
		}
		items = append(items, sortedItems(part)...)
	}
	if dwType&CLUSTER_ENUM_GROUP != 0 {
		groups, err := h.c.Groups().List(ctx)
		if err != nil {
			return nil, handleErr(err)
		}
		var part []enumItem
		for _, g := range groups {
			part = append(part, enumItem{typ: CLUSTER_ENUM_GROUP, name: g.Name, id: g.ID})
		}
		items = append(items, sortedItems(part)...)
	}
	return items, nil
}

func sortedItems(items []enumItem) []enumItem {
	slices.SortFunc(items, func(a, b enumItem) int {
		switch {
		case a.name < b.name:
			return -1
		case a.name > b.name:
			return 1
		}
		return 0
	})
	return items
}

// ClusterGetEnumCount returns the number of items of the enumeration (0
// for a NULL or closed handle).
func ClusterGetEnumCount(hEnum HCLUSENUM) uint32 {
	if hEnum == nil {
		return 0
	}
	return (*clusterEnum)(hEnum).count()
}

// ClusterEnum returns item dwIndex of the enumeration: its CLUSTER_ENUM_*
// type and name. ERROR_NO_MORE_ITEMS past the last item; ERROR_MORE_DATA
// when the name does not fit in *lpcchName characters (see the file
// comment); ERROR_INVALID_HANDLE for a NULL or closed handle.
func ClusterEnum(hEnum HCLUSENUM, dwIndex uint32, lpcchName *uint32) (lpdwType uint32, lpszName string, status Errno) {
	if hEnum == nil {
		return 0, "", ERROR_INVALID_HANDLE
	}
	return (*clusterEnum)(hEnum).enum(dwIndex, lpcchName)
}

// ClusterCloseEnum closes the enumeration: ERROR_SUCCESS, or
// ERROR_INVALID_HANDLE for a NULL or already closed handle.
func ClusterCloseEnum(hEnum HCLUSENUM) Errno {
	if hEnum == nil {
		return ERROR_INVALID_HANDLE
	}
	return (*clusterEnum)(hEnum).close()
}

// CLUSTER_ENUM_ITEM is one item of ClusterEnumEx. The C structure's
// pointers are strings here; CbId and CbName are the sizes in bytes the
// C strings take (UTF-16, with the NUL).
type CLUSTER_ENUM_ITEM struct {
	DwVersion uint32 // CLUSTER_ENUM_ITEM_VERSION
	DwType    uint32 // CLUSTER_ENUM_*
	CbId      uint32
	LpszId    string // a group's or resource's id; a node's or resource type's name
	CbName    uint32
	LpszName  string
}

// enumItemFixedSize is the size of the C CLUSTER_ENUM_ITEM on 64-bit
// Windows (three DWORDs and two pointers, with alignment): with the two
// strings it makes the byte count ClusterEnumEx asks for.
const enumItemFixedSize = 40

// ClusterGetEnumCountEx returns the number of items of the enumeration (0
// for a NULL or closed handle).
func ClusterGetEnumCountEx(hClusterEnum HCLUSENUMEX) uint32 {
	if hClusterEnum == nil {
		return 0
	}
	return (*clusterEnumEx)(hClusterEnum).count()
}

// ClusterEnumEx fills *pItem with item dwIndex of the enumeration.
// *cbItem is the caller's buffer size in bytes: when the item needs more
// (the C structure's fixed part, enumItemFixedSize = 40 bytes, plus the id
// and name as UTF-16 with their NULs) it answers ERROR_MORE_DATA with
// *cbItem set to the size needed and *pItem untouched. A nil cbItem means
// any size. ERROR_NO_MORE_ITEMS past the last item; ERROR_INVALID_HANDLE
// for a NULL or closed handle; ERROR_INVALID_PARAMETER for a nil pItem.
func ClusterEnumEx(hClusterEnum HCLUSENUMEX, dwIndex uint32, pItem *CLUSTER_ENUM_ITEM, cbItem *uint32) Errno {
	if hClusterEnum == nil {
		return ERROR_INVALID_HANDLE
	}
	return (*clusterEnumEx)(hClusterEnum).enumEx(dwIndex, pItem, cbItem)
}

// enumEx is the body of ClusterEnumEx and ClusterNodeEnumEx.
func (e *enumList) enumEx(dwIndex uint32, pItem *CLUSTER_ENUM_ITEM, cbItem *uint32) Errno {
	if !e.valid() {
		return ERROR_INVALID_HANDLE
	}
	if pItem == nil {
		return ERROR_INVALID_PARAMETER
	}
	if int64(dwIndex) >= int64(len(e.items)) {
		return ERROR_NO_MORE_ITEMS
	}
	it := e.items[dwIndex]
	cbID, cbName := cbSZ(it.id), cbSZ(it.name)
	if st := fitItem(enumItemFixedSize+cbID+cbName, cbItem); st != ERROR_SUCCESS {
		return st
	}
	*pItem = CLUSTER_ENUM_ITEM{DwVersion: CLUSTER_ENUM_ITEM_VERSION, DwType: it.typ,
		CbId: cbID, LpszId: it.id, CbName: cbName, LpszName: it.name}
	return ERROR_SUCCESS
}

// cbSZ is the size in bytes of s as a C string: UTF-16 with its NUL.
func cbSZ(s string) uint32 { return (cch(s) + 1) * 2 }

// fitItem applies the Ex enumerations' size protocol: *cbItem is the
// caller's buffer size; an item of need bytes that does not fit answers
// ERROR_MORE_DATA with *cbItem set to need (and on success too). A nil
// cbItem means any size.
func fitItem(need uint32, cbItem *uint32) Errno {
	if cbItem == nil {
		return ERROR_SUCCESS
	}
	fits := need <= *cbItem
	*cbItem = need
	if !fits {
		return ERROR_MORE_DATA
	}
	return ERROR_SUCCESS
}

// ClusterCloseEnumEx closes the enumeration: ERROR_SUCCESS, or
// ERROR_INVALID_HANDLE for a NULL or already closed handle.
func ClusterCloseEnumEx(hClusterEnum HCLUSENUMEX) Errno {
	if hClusterEnum == nil {
		return ERROR_INVALID_HANDLE
	}
	return (*clusterEnumEx)(hClusterEnum).close()
}

// ClusterGroupOpenEnum opens an enumeration of a group's resources
// (CLUSTER_GROUP_ENUM_CONTAINS, sorted by name) and preferred owners
// (CLUSTER_GROUP_ENUM_NODES, in order of preference), in that order. A
// dwType of 0 or with other bits answers ERROR_INVALID_PARAMETER; a group
// deleted since the handle was opened, ERROR_GROUP_NOT_AVAILABLE.
func ClusterGroupOpenEnum(hGroup HGROUP, dwType uint32) (HGROUPENUM, error) {
	return ClusterGroupOpenEnumContext(context.Background(), hGroup, dwType)
}

// ClusterGroupOpenEnumContext is ClusterGroupOpenEnum bounded by ctx.
func ClusterGroupOpenEnumContext(ctx context.Context, hGroup HGROUP, dwType uint32) (HGROUPENUM, error) {
	h := (*groupHandle)(hGroup)
	if !h.valid() {
		return nil, invalidHandle("ClusterGroupOpenEnum")
	}
	if err := checkEnumType("ClusterGroupOpenEnum", dwType, CLUSTER_GROUP_ENUM_ALL); err != nil {
		return nil, err
	}
	ctx, cancel := callCtx(ctx)
	defer cancel()
	g, err := h.cluster.c.getGroup(ctx, h.ref)
	if err != nil {
		return nil, handleErr(err)
	}
	var items []enumItem
	if dwType&CLUSTER_GROUP_ENUM_CONTAINS != 0 {
		var part []enumItem
		for _, r := range g.Resources {
			part = append(part, enumItem{typ: CLUSTER_GROUP_ENUM_CONTAINS, name: r})
		}
		items = append(items, sortedItems(part)...)
	}
	if dwType&CLUSTER_GROUP_ENUM_NODES != 0 {
		for _, n := range g.PreferredOwners {
			items = append(items, enumItem{typ: CLUSTER_GROUP_ENUM_NODES, name: n})
		}
	}
	return &groupEnum{enumList{cluster: h.cluster, items: items}}, nil
}

// ClusterGroupGetEnumCount returns the number of items of the enumeration
// (0 for a NULL or closed handle).
func ClusterGroupGetEnumCount(hGroupEnum HGROUPENUM) uint32 {
	if hGroupEnum == nil {
		return 0
	}
	return (*groupEnum)(hGroupEnum).count()
}

// ClusterGroupEnum returns item dwIndex of the enumeration: its
// CLUSTER_GROUP_ENUM_* type and name. Codes as for ClusterEnum.
func ClusterGroupEnum(hGroupEnum HGROUPENUM, dwIndex uint32, lpcchName *uint32) (lpdwType uint32, lpszResourceName string, status Errno) {
	if hGroupEnum == nil {
		return 0, "", ERROR_INVALID_HANDLE
	}
	return (*groupEnum)(hGroupEnum).enum(dwIndex, lpcchName)
}

// ClusterGroupCloseEnum closes the enumeration (codes as for
// ClusterCloseEnum).
func ClusterGroupCloseEnum(hGroupEnum HGROUPENUM) Errno {
	if hGroupEnum == nil {
		return ERROR_INVALID_HANDLE
	}
	return (*groupEnum)(hGroupEnum).close()
}

// ClusterResourceOpenEnum opens an enumeration of the resources a
// resource depends on (CLUSTER_RESOURCE_ENUM_DEPENDS), of those that
// depend on it (CLUSTER_RESOURCE_ENUM_PROVIDES) and of its possible owners
// (CLUSTER_RESOURCE_ENUM_NODES, every node of the cluster unless
// RemoveClusterResourceNode gave it a list of its own), in that order,
// each sorted by name. A dwType
// of 0 or with other bits answers ERROR_INVALID_PARAMETER; a resource
// deleted since the handle was opened, ERROR_RESOURCE_NOT_AVAILABLE.
func ClusterResourceOpenEnum(hResource HRESOURCE, dwType uint32) (HRESENUM, error) {
	return ClusterResourceOpenEnumContext(context.Background(), hResource, dwType)
}

// ClusterResourceOpenEnumContext is ClusterResourceOpenEnum bounded by ctx.
func ClusterResourceOpenEnumContext(ctx context.Context, hResource HRESOURCE, dwType uint32) (HRESENUM, error) {
	h := (*resourceHandle)(hResource)
	if !h.valid() {
		return nil, invalidHandle("ClusterResourceOpenEnum")
	}
	if err := checkEnumType("ClusterResourceOpenEnum", dwType, CLUSTER_RESOURCE_ENUM_ALL); err != nil {
		return nil, err
	}
	ctx, cancel := callCtx(ctx)
	defer cancel()
	c := h.cluster.c
	r, err := c.getResource(ctx, h.ref)
	if err != nil {
		return nil, handleErr(err)
	}
	var items []enumItem
	if dwType&CLUSTER_RESOURCE_ENUM_DEPENDS != 0 {
		var part []enumItem
		for _, d := range r.DependsOn {
			part = append(part, enumItem{typ: CLUSTER_RESOURCE_ENUM_DEPENDS, name: d})
		}
		items = append(items, sortedItems(part)...)
	}
	if dwType&CLUSTER_RESOURCE_ENUM_PROVIDES != 0 {
		peers, err := c.Resources().List(ctx, r.Group)
		if err != nil {
			return nil, handleErr(err)
		}
		var part []enumItem
		for _, p := range peers {
			if slices.Contains(p.DependsOn, r.Name) {
				part = append(part, enumItem{typ: CLUSTER_RESOURCE_ENUM_PROVIDES, name: p.Name})
			}
		}
		items = append(items, sortedItems(part)...)
	}
	if dwType&CLUSTER_RESOURCE_ENUM_NODES != 0 {
		owners := r.PossibleOwners
		if !r.PossibleOwnersExplicit && len(owners) == 0 {
			// An agent of before possible owners: every node is one.
			nodes, err := c.ListNodes(ctx)
			if err != nil {
				return nil, handleErr(err)
			}
			for _, n := range nodes {
				owners = append(owners, n.Name)
			}
		}
		var part []enumItem
		for _, n := range owners {
			part = append(part, enumItem{typ: CLUSTER_RESOURCE_ENUM_NODES, name: n})
		}
		items = append(items, sortedItems(part)...)
	}
	return &resourceEnum{enumList{cluster: h.cluster, items: items}}, nil
}

// ClusterResourceGetEnumCount returns the number of items of the
// enumeration (0 for a NULL or closed handle).
func ClusterResourceGetEnumCount(hResEnum HRESENUM) uint32 {
	if hResEnum == nil {
		return 0
	}
	return (*resourceEnum)(hResEnum).count()
}

// ClusterResourceEnum returns item dwIndex of the enumeration: its
// CLUSTER_RESOURCE_ENUM_* type and name. Codes as for ClusterEnum.
func ClusterResourceEnum(hResEnum HRESENUM, dwIndex uint32, lpcchName *uint32) (lpdwType uint32, lpszName string, status Errno) {
	if hResEnum == nil {
		return 0, "", ERROR_INVALID_HANDLE
	}
	return (*resourceEnum)(hResEnum).enum(dwIndex, lpcchName)
}

// ClusterResourceCloseEnum closes the enumeration (codes as for
// ClusterCloseEnum).
func ClusterResourceCloseEnum(hResEnum HRESENUM) Errno {
	if hResEnum == nil {
		return ERROR_INVALID_HANDLE
	}
	return (*resourceEnum)(hResEnum).close()
}

// ClusterNodeOpenEnum opens an enumeration of the groups a node owns
// (CLUSTER_NODE_ENUM_GROUPS, sorted by name). baton has no cluster
// network interfaces: CLUSTER_NODE_ENUM_NETINTERFACES is accepted and
// enumerates nothing. A dwType of 0 or with other bits answers
// ERROR_INVALID_PARAMETER.
func ClusterNodeOpenEnum(hNode HNODE, dwType uint32) (HNODEENUM, error) {
	return ClusterNodeOpenEnumContext(context.Background(), hNode, dwType)
}

// ClusterNodeOpenEnumContext is ClusterNodeOpenEnum bounded by ctx.
func ClusterNodeOpenEnumContext(ctx context.Context, hNode HNODE, dwType uint32) (HNODEENUM, error) {
	h := (*nodeHandle)(hNode)
	if !h.valid() {
		return nil, invalidHandle("ClusterNodeOpenEnum")
	}
	if err := checkEnumType("ClusterNodeOpenEnum", dwType, CLUSTER_NODE_ENUM_ALL); err != nil {
		return nil, err
	}
	ctx, cancel := callCtx(ctx)
	defer cancel()
	n, err := h.cluster.c.Node(ctx, h.name)
	if err != nil {
		return nil, handleErr(err)
	}
	var items []enumItem
	if dwType&CLUSTER_NODE_ENUM_GROUPS != 0 {
		for _, g := range n.Groups {
			items = append(items, enumItem{typ: CLUSTER_NODE_ENUM_GROUPS, name: g})
		}
		items = sortedItems(items)
	}
	return &nodeEnum{enumList{cluster: h.cluster, items: items}}, nil
}

// ClusterNodeGetEnumCount returns the number of items of the enumeration
// (0 for a NULL or closed handle).
func ClusterNodeGetEnumCount(hNodeEnum HNODEENUM) uint32 {
	if hNodeEnum == nil {
		return 0
	}
	return (*nodeEnum)(hNodeEnum).count()
}

// ClusterNodeEnum returns item dwIndex of the enumeration: its
// CLUSTER_NODE_ENUM_* type and name. Codes as for ClusterEnum.
func ClusterNodeEnum(hNodeEnum HNODEENUM, dwIndex uint32, lpcchName *uint32) (lpdwType uint32, lpszName string, status Errno) {
	if hNodeEnum == nil {
		return 0, "", ERROR_INVALID_HANDLE
	}
	return (*nodeEnum)(hNodeEnum).enum(dwIndex, lpcchName)
}

// ClusterNodeCloseEnum closes the enumeration (codes as for
// ClusterCloseEnum).
func ClusterNodeCloseEnum(hNodeEnum HNODEENUM) Errno {
	if hNodeEnum == nil {
		return ERROR_INVALID_HANDLE
	}
	return (*nodeEnum)(hNodeEnum).close()
}
