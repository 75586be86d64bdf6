package clusapi

import (
	"context"
	"encoding/binary"
	"slices"
	"sync/atomic"
	"unicode/utf16"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
	"github.com/batoncluster/baton/proplist"
)

// The Ex enumerations of groups, resources and a node's groups
// (ClusterGroupOpenEnumEx, ClusterResourceOpenEnumEx,
// ClusterNodeOpenEnumEx and their kin). Like the others (enum.go) they
// take a snapshot when opened and are read by index until
// ERROR_NO_MORE_ITEMS. An item is copied into the caller's *pItem under
// the C size protocol: *cbItem is the caller's buffer in bytes, and an
// item that needs more — the C structure's fixed part on 64-bit Windows
// plus its strings (UTF-16 with their NULs) and property lists — answers
// ERROR_MORE_DATA with *cbItem set to the size needed and *pItem
// untouched; a nil cbItem takes an item of any size.

// Versions of the Ex items (ClusApi.h; the reference does not list them).
const (
	CLUSTER_GROUP_ENUM_ITEM_VERSION_1    uint32 = 0x00000001
	CLUSTER_GROUP_ENUM_ITEM_VERSION      uint32 = CLUSTER_GROUP_ENUM_ITEM_VERSION_1
	CLUSTER_RESOURCE_ENUM_ITEM_VERSION_1 uint32 = 0x00000001
	CLUSTER_RESOURCE_ENUM_ITEM_VERSION   uint32 = CLUSTER_RESOURCE_ENUM_ITEM_VERSION_1
)

// CLUSTER_NODE_ENUM_PREFERRED_GROUPS is the ClusterNodeOpenEnumEx type of
// the groups that have the node among their preferred owners (ClusApi.h,
// Windows Server 2008 R2 on; not part of CLUSTER_NODE_ENUM_ALL there
// either).
const CLUSTER_NODE_ENUM_PREFERRED_GROUPS uint32 = 0x00000004

// CLUSTER_GROUP_ENUM_ITEM is one item of ClusterGroupEnumEx. The C
// structure's pointers are strings and byte slices here; the Cb fields are
// the sizes in bytes the C strings (UTF-16 with the NUL) and property
// lists take. PProperties and PRoProperties are property lists (package
// proplist reads them) of the common and read-only common properties
// asked for when the enumeration was opened, as ClusterGroupControl's
// GET_COMMON_PROPERTIES and GET_RO_COMMON_PROPERTIES write them; nil with
// size 0 when none were asked for.
type CLUSTER_GROUP_ENUM_ITEM struct {
	DwVersion      uint32 // CLUSTER_GROUP_ENUM_ITEM_VERSION
	CbId           uint32
	LpszId         string
	CbName         uint32
	LpszName       string
	State          ClusterGroupState
	CbOwnerNode    uint32
	LpszOwnerNode  string // "" for a group no node owns
	DwFlags        uint32 // CLUSTER_FLAGS: 0, baton has no core groups (CLUSCTL_GROUP_GET_FLAGS)
	CbProperties   uint32
	PProperties    []byte
	CbRoProperties uint32
	PRoProperties  []byte
}

// CLUSTER_RESOURCE_ENUM_ITEM is one item of ClusterResourceEnumEx (see
// CLUSTER_GROUP_ENUM_ITEM for the fields' mapping).
type CLUSTER_RESOURCE_ENUM_ITEM struct {
	DwVersion          uint32 // CLUSTER_RESOURCE_ENUM_ITEM_VERSION
	CbId               uint32
	LpszId             string
	CbName             uint32
	LpszName           string
	CbOwnerGroupName   uint32
	LpszOwnerGroupName string
	CbOwnerGroupId     uint32
	LpszOwnerGroupId   string
	CbProperties       uint32
	PProperties        []byte
	CbRoProperties     uint32
	PRoProperties      []byte
}

// Sizes of the C structures on 64-bit Windows (DWORDs and pointers with
// their alignment): with the strings and lists they make the byte counts
// the Enum calls ask for.
const (
	groupEnumItemFixedSize    = 80
	resourceEnumItemFixedSize = 96
)

// HGROUPENUMEX is an enumeration of the cluster's groups, from
// ClusterGroupOpenEnumEx; nil is NULL.
type HGROUPENUMEX *groupEnumEx

// HRESENUMEX is an enumeration of the cluster's resources, from
// ClusterResourceOpenEnumEx; nil is NULL.
type HRESENUMEX *resourceEnumEx

// HNODEENUMEX is an enumeration of a node's groups with their ids, from
// ClusterNodeOpenEnumEx; nil is NULL.
type HNODEENUMEX *nodeEnumEx

type (
	groupEnumEx struct {
		exList[CLUSTER_GROUP_ENUM_ITEM]
	}
	resourceEnumEx struct {
		exList[CLUSTER_RESOURCE_ENUM_ITEM]
	}
	nodeEnumEx struct{ enumList }
)

// exList is the snapshot of an Ex enumeration of records.
type exList[T any] struct {
	cluster *clusterHandle // valid only while it is open
	items   []T
	sizes   []uint32 // the bytes each item needs
	closed  atomic.Bool
}

func (e *exList[T]) valid() bool { return e != nil && !e.closed.Load() && e.cluster.valid() }

func (e *exList[T]) count() uint32 {
	if !e.valid() {
		return 0
	}
	return uint32(len(e.items))
}

func (e *exList[T]) enum(dwIndex uint32, pItem *T, cbItem *uint32, clone func(T) T) Errno {
	if !e.valid() {
		return ERROR_INVALID_HANDLE
	}
	if pItem == nil {
		return ERROR_INVALID_PARAMETER
	}
	if int64(dwIndex) >= int64(len(e.items)) {
		return ERROR_NO_MORE_ITEMS
	}
	if st := fitItem(e.sizes[dwIndex], cbItem); st != ERROR_SUCCESS {
		return st
	}
	*pItem = clone(e.items[dwIndex])
	return ERROR_SUCCESS
}

func (e *exList[T]) close() Errno {
	if e == nil || e.closed.Swap(true) {
		return ERROR_INVALID_HANDLE
	}
	return ERROR_SUCCESS
}

// propertyNames reads the (lpszProperties, cbProperties) of an Ex open: a
// MULTI_SZ of property names, its size in bytes with the final NUL, under
// the C buffer protocol of cBuffer (size 0: no names). false: not a
// MULTI_SZ (an odd size, no terminating empty string, an empty name).
func propertyNames(buf []byte, size uint32) ([]string, bool) {
	b, ok := cBuffer(buf, size)
	if !ok || len(b) == 0 {
		return nil, ok
	}
	if len(b)%2 != 0 || len(b) < 4 {
		return nil, false
	}
	units := make([]uint16, len(b)/2)
	for i := range units {
		units[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	if units[len(units)-1] != 0 || units[len(units)-2] != 0 {
		return nil, false
	}
	var names []string
	start := 0
	for i, u := range units[:len(units)-1] {
		if u != 0 {
			continue
		}
		if i == start {
			return nil, false // an empty name before the end
		}
		names = append(names, string(utf16.Decode(units[start:i])))
		start = i + 1
	}
	return names, true
}

// MultiSZBytes is names as a C MULTI_SZ in UTF-16LE — each name with its
// NUL, then one more NUL — for lpszProperties and lpszRoProperties.
func MultiSZBytes(names ...string) []byte {
	var b []byte
	for _, n := range names {
		for _, u := range utf16.Encode([]rune(n)) {
			b = binary.LittleEndian.AppendUint16(b, u)
		}
		b = append(b, 0, 0)
	}
	return append(b, 0, 0)
}

// exProperties reads the properties names asks for of one object with
// the control code (GET_COMMON_PROPERTIES or GET_RO_COMMON_PROPERTIES):
// the list of those it has, in the order asked, as Windows writes
// property lists; nil when names is empty.
func exProperties(ctx context.Context, c *Client, req *batonv1.ControlRequest, code uint32, names []string) ([]byte, error) {
	if len(names) == 0 {
		return nil, nil
	}
	req.Code = code
	resp, err := unary(ctx, c, "ClusterControl", c.conn.Control.Control, req)
	if err != nil {
		return nil, err
	}
	all, err := proplist.Unmarshal(resp.GetOut())
	if err != nil {
		return nil, apiErr(ERROR_CLUSTER_CANT_DESERIALIZE_DATA, "property list from the cluster: %v", err)
	}
	var l proplist.List
	for _, n := range names {
		if i := slices.IndexFunc(all, func(p proplist.Property) bool { return p.Name == n }); i >= 0 {
			l = append(l, all[i])
		}
	}
	return l.Marshal(), nil
}

// openEnumExArgs checks the arguments every Ex open of records shares.
func openEnumExArgs(call string, hCluster HCLUSTER, props []byte, cbProps uint32, roProps []byte, cbRoProps uint32, dwFlags uint32) (h *clusterHandle, names, roNames []string, err error) {
	h = (*clusterHandle)(hCluster)
	if !h.valid() {
		return nil, nil, nil, invalidHandle(call)
	}
	names, ok := propertyNames(props, cbProps)
	if !ok {
		return nil, nil, nil, apiErr(ERROR_INVALID_PARAMETER, "%s: lpszProperties is not a MULTI_SZ of cbProperties bytes", call)
	}
	roNames, ok = propertyNames(roProps, cbRoProps)
	if !ok {
		return nil, nil, nil, apiErr(ERROR_INVALID_PARAMETER, "%s: lpszRoProperties is not a MULTI_SZ of cbRoProperties bytes", call)
	}
	if dwFlags != 0 {
		return nil, nil, nil, apiErr(ERROR_INVALID_PARAMETER, "%s: dwFlags is reserved and must be 0, not %#x", call, dwFlags)
	}
	return h, names, roNames, nil
}

// ClusterGroupOpenEnumEx opens an enumeration of the cluster's groups,
// sorted by name, each with its id, state, owner node and flags, and the
// common properties named in lpszProperties and the read-only ones named
// in lpszRoProperties: MULTI_SZ lists (MultiSZBytes makes one) of
// cbProperties and cbRoProperties bytes; 0 bytes asks for none. A name the
// group does not have among those properties is left out of its list
// (baton's choice; the pages do not say). dwFlags is reserved: anything
// but 0 answers ERROR_INVALID_PARAMETER, as does a list that is not a
// MULTI_SZ. On failure the handle is nil and the error carries the Win32
// code.
//
// Each group whose properties are asked for costs one call to the cluster
// per list; without properties the enumeration is one listing.
func ClusterGroupOpenEnumEx(hCluster HCLUSTER, lpszProperties []byte, cbProperties uint32, lpszRoProperties []byte, cbRoProperties uint32, dwFlags uint32) (HGROUPENUMEX, error) {
	return ClusterGroupOpenEnumExContext(context.Background(), hCluster, lpszProperties, cbProperties, lpszRoProperties, cbRoProperties, dwFlags)
}

// ClusterGroupOpenEnumExContext is ClusterGroupOpenEnumEx bounded by ctx.
func ClusterGroupOpenEnumExContext(ctx context.Context, hCluster HCLUSTER, lpszProperties []byte, cbProperties uint32, lpszRoProperties []byte, cbRoProperties uint32, dwFlags uint32) (HGROUPENUMEX, error) {
	h, names, roNames, err := openEnumExArgs("ClusterGroupOpenEnumEx", hCluster, lpszProperties, cbProperties, lpszRoProperties, cbRoProperties, dwFlags)
	if err != nil {
		return nil, err
	}
	ctx, cancel := callCtx(ctx)
	defer cancel()
	groups, err := h.c.Groups().List(ctx)
	if err != nil {
		return nil, handleErr(err)
	}
	slices.SortFunc(groups, func(a, b Group) int { return cmpString(a.Name, b.Name) })
	e := &groupEnumEx{exList[CLUSTER_GROUP_ENUM_ITEM]{cluster: h}}
	for _, g := range groups {
		req := func() *batonv1.ControlRequest {
			return &batonv1.ControlRequest{Object: CLUS_OBJECT_GROUP, Name: g.Name, Id: g.ID}
		}
		rw, err := exProperties(ctx, h.c, req(), CLUSCTL_GROUP_GET_COMMON_PROPERTIES, names)
		if err != nil {
			return nil, handleErr(err)
		}
		ro, err := exProperties(ctx, h.c, req(), CLUSCTL_GROUP_GET_RO_COMMON_PROPERTIES, roNames)
		if err != nil {
			return nil, handleErr(err)
		}
		it := CLUSTER_GROUP_ENUM_ITEM{DwVersion: CLUSTER_GROUP_ENUM_ITEM_VERSION,
			CbId: cbSZ(g.ID), LpszId: g.ID, CbName: cbSZ(g.Name), LpszName: g.Name,
			State: g.State, CbOwnerNode: cbSZ(g.OwnerNode), LpszOwnerNode: g.OwnerNode,
			CbProperties: uint32(len(rw)), PProperties: rw, CbRoProperties: uint32(len(ro)), PRoProperties: ro}
		e.items = append(e.items, it)
		e.sizes = append(e.sizes, groupEnumItemFixedSize+it.CbId+it.CbName+it.CbOwnerNode+it.CbProperties+it.CbRoProperties)
	}
	return e, nil
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// ClusterGroupGetEnumCountEx returns the number of items of the
// enumeration (0 for a NULL or closed handle).
func ClusterGroupGetEnumCountEx(hGroupEnumEx HGROUPENUMEX) uint32 {
	if hGroupEnumEx == nil {
		return 0
	}
	return (*groupEnumEx)(hGroupEnumEx).count()
}

// ClusterGroupEnumEx fills *pItem with item dwIndex of the enumeration
// (the size protocol is at the top of this file). ERROR_NO_MORE_ITEMS
// past the last item; ERROR_INVALID_HANDLE for a NULL or closed handle;
// ERROR_INVALID_PARAMETER for a nil pItem.
func ClusterGroupEnumEx(hGroupEnumEx HGROUPENUMEX, dwIndex uint32, pItem *CLUSTER_GROUP_ENUM_ITEM, cbItem *uint32) Errno {
	if hGroupEnumEx == nil {
		return ERROR_INVALID_HANDLE
	}
	return (*groupEnumEx)(hGroupEnumEx).enum(dwIndex, pItem, cbItem, func(it CLUSTER_GROUP_ENUM_ITEM) CLUSTER_GROUP_ENUM_ITEM {
		it.PProperties, it.PRoProperties = slices.Clone(it.PProperties), slices.Clone(it.PRoProperties)
		return it
	})
}

// ClusterGroupCloseEnumEx closes the enumeration: ERROR_SUCCESS, or
// ERROR_INVALID_HANDLE for a NULL or already closed handle.
func ClusterGroupCloseEnumEx(hGroupEnumEx HGROUPENUMEX) Errno {
	if hGroupEnumEx == nil {
		return ERROR_INVALID_HANDLE
	}
	return (*groupEnumEx)(hGroupEnumEx).close()
}

// ClusterResourceOpenEnumEx opens an enumeration of the cluster's
// resources, sorted by name, each with its id, its group's name and id,
// and the common and read-only common properties asked for, as for
// ClusterGroupOpenEnumEx (same arguments, same codes).
func ClusterResourceOpenEnumEx(hCluster HCLUSTER, lpszProperties []byte, cbProperties uint32, lpszRoProperties []byte, cbRoProperties uint32, dwFlags uint32) (HRESENUMEX, error) {
	return ClusterResourceOpenEnumExContext(context.Background(), hCluster, lpszProperties, cbProperties, lpszRoProperties, cbRoProperties, dwFlags)
}

// ClusterResourceOpenEnumExContext is ClusterResourceOpenEnumEx bounded by
// ctx.
func ClusterResourceOpenEnumExContext(ctx context.Context, hCluster HCLUSTER, lpszProperties []byte, cbProperties uint32, lpszRoProperties []byte, cbRoProperties uint32, dwFlags uint32) (HRESENUMEX, error) {
	h, names, roNames, err := openEnumExArgs("ClusterResourceOpenEnumEx", hCluster, lpszProperties, cbProperties, lpszRoProperties, cbRoProperties, dwFlags)
	if err != nil {
		return nil, err
	}
	ctx, cancel := callCtx(ctx)
	defer cancel()
	groups, err := h.c.Groups().List(ctx)
	if err != nil {
		return nil, handleErr(err)
	}
	groupID := map[string]string{}
	for _, g := range groups {
		groupID[g.Name] = g.ID
	}
	res, err := h.c.Resources().List(ctx, "")
	if err != nil {
		return nil, handleErr(err)
	}
	slices.SortFunc(res, func(a, b Resource) int { return cmpString(a.Name, b.Name) })
	e := &resourceEnumEx{exList[CLUSTER_RESOURCE_ENUM_ITEM]{cluster: h}}
	for _, r := range res {
		req := func() *batonv1.ControlRequest {
			return &batonv1.ControlRequest{Object: CLUS_OBJECT_RESOURCE, Name: r.Name, Id: r.ID}
		}
		rw, err := exProperties(ctx, h.c, req(), CLUSCTL_RESOURCE_GET_COMMON_PROPERTIES, names)
		if err != nil {
			return nil, handleErr(err)
		}
		ro, err := exProperties(ctx, h.c, req(), CLUSCTL_RESOURCE_GET_RO_COMMON_PROPERTIES, roNames)
		if err != nil {
			return nil, handleErr(err)
		}
		gid := groupID[r.Group]
		it := CLUSTER_RESOURCE_ENUM_ITEM{DwVersion: CLUSTER_RESOURCE_ENUM_ITEM_VERSION,
			CbId: cbSZ(r.ID), LpszId: r.ID, CbName: cbSZ(r.Name), LpszName: r.Name,
			CbOwnerGroupName: cbSZ(r.Group), LpszOwnerGroupName: r.Group, CbOwnerGroupId: cbSZ(gid), LpszOwnerGroupId: gid,
			CbProperties: uint32(len(rw)), PProperties: rw, CbRoProperties: uint32(len(ro)), PRoProperties: ro}
		e.items = append(e.items, it)
		e.sizes = append(e.sizes, resourceEnumItemFixedSize+it.CbId+it.CbName+it.CbOwnerGroupName+it.CbOwnerGroupId+it.CbProperties+it.CbRoProperties)
	}
	return e, nil
}

// ClusterResourceGetEnumCountEx returns the number of items of the
// enumeration (0 for a NULL or closed handle).
func ClusterResourceGetEnumCountEx(hResourceEnumEx HRESENUMEX) uint32 {
	if hResourceEnumEx == nil {
		return 0
	}
	return (*resourceEnumEx)(hResourceEnumEx).count()
}

// ClusterResourceEnumEx fills *pItem with item dwIndex of the enumeration
// (codes as for ClusterGroupEnumEx).
func ClusterResourceEnumEx(hResourceEnumEx HRESENUMEX, dwIndex uint32, pItem *CLUSTER_RESOURCE_ENUM_ITEM, cbItem *uint32) Errno {
	if hResourceEnumEx == nil {
		return ERROR_INVALID_HANDLE
	}
	return (*resourceEnumEx)(hResourceEnumEx).enum(dwIndex, pItem, cbItem, func(it CLUSTER_RESOURCE_ENUM_ITEM) CLUSTER_RESOURCE_ENUM_ITEM {
		it.PProperties, it.PRoProperties = slices.Clone(it.PProperties), slices.Clone(it.PRoProperties)
		return it
	})
}

// ClusterResourceCloseEnumEx closes the enumeration (codes as for
// ClusterGroupCloseEnumEx).
func ClusterResourceCloseEnumEx(hResourceEnumEx HRESENUMEX) Errno {
	if hResourceEnumEx == nil {
		return ERROR_INVALID_HANDLE
	}
	return (*resourceEnumEx)(hResourceEnumEx).close()
}

// ClusterNodeOpenEnumEx opens an enumeration of the groups a node owns
// (CLUSTER_NODE_ENUM_GROUPS) and of those that have it among their
// preferred owners (CLUSTER_NODE_ENUM_PREFERRED_GROUPS), in that order,
// each sorted by name, with their ids: ClusterNodeEnumEx fills
// CLUSTER_ENUM_ITEMs. CLUSTER_NODE_ENUM_NETINTERFACES is accepted and
// enumerates nothing (baton has no network interfaces). A dwType of 0 or
// with other bits answers ERROR_INVALID_PARAMETER; pOptions is reserved
// and must be nil, else ERROR_INVALID_PARAMETER.
func ClusterNodeOpenEnumEx(hNode HNODE, dwType uint32, pOptions any) (HNODEENUMEX, error) {
	return ClusterNodeOpenEnumExContext(context.Background(), hNode, dwType, pOptions)
}

// ClusterNodeOpenEnumExContext is ClusterNodeOpenEnumEx bounded by ctx.
func ClusterNodeOpenEnumExContext(ctx context.Context, hNode HNODE, dwType uint32, pOptions any) (HNODEENUMEX, error) {
	h := (*nodeHandle)(hNode)
	if !h.valid() {
		return nil, invalidHandle("ClusterNodeOpenEnumEx")
	}
	if err := checkEnumType("ClusterNodeOpenEnumEx", dwType, CLUSTER_NODE_ENUM_ALL|CLUSTER_NODE_ENUM_PREFERRED_GROUPS); err != nil {
		return nil, err
	}
	if pOptions != nil {
		return nil, apiErr(ERROR_INVALID_PARAMETER, "ClusterNodeOpenEnumEx: pOptions must be NULL")
	}
	ctx, cancel := callCtx(ctx)
	defer cancel()
	n, err := h.cluster.c.Node(ctx, h.name)
	if err != nil {
		return nil, handleErr(err)
	}
	groups, err := h.cluster.c.Groups().List(ctx)
	if err != nil {
		return nil, handleErr(err)
	}
	var items []enumItem
	if dwType&CLUSTER_NODE_ENUM_GROUPS != 0 {
		var part []enumItem
		for _, g := range groups {
			if slices.Contains(n.Groups, g.Name) {
				part = append(part, enumItem{typ: CLUSTER_NODE_ENUM_GROUPS, name: g.Name, id: g.ID})
			}
		}
		items = append(items, sortedItems(part)...)
	}
	if dwType&CLUSTER_NODE_ENUM_PREFERRED_GROUPS != 0 {
		var part []enumItem
		for _, g := range groups {
			if slices.Contains(g.PreferredOwners, h.name) {
				part = append(part, enumItem{typ: CLUSTER_NODE_ENUM_PREFERRED_GROUPS, name: g.Name, id: g.ID})
			}
		}
		items = append(items, sortedItems(part)...)
	}
	return &nodeEnumEx{enumList{cluster: h.cluster, items: items}}, nil
}

// ClusterNodeGetEnumCountEx returns the number of items of the
// enumeration (0 for a NULL or closed handle).
func ClusterNodeGetEnumCountEx(hNodeEnum HNODEENUMEX) uint32 {
	if hNodeEnum == nil {
		return 0
	}
	return (*nodeEnumEx)(hNodeEnum).count()
}

// ClusterNodeEnumEx fills *pItem with item dwIndex of the enumeration:
// DwType is the CLUSTER_NODE_ENUM_* type, LpszId the group's id (codes
// and size protocol as for ClusterEnumEx).
func ClusterNodeEnumEx(hNodeEnum HNODEENUMEX, dwIndex uint32, pItem *CLUSTER_ENUM_ITEM, cbItem *uint32) Errno {
	if hNodeEnum == nil {
		return ERROR_INVALID_HANDLE
	}
	return (*nodeEnumEx)(hNodeEnum).enumEx(dwIndex, pItem, cbItem)
}

// ClusterNodeCloseEnumEx closes the enumeration (codes as for
// ClusterCloseEnumEx).
func ClusterNodeCloseEnumEx(hNodeEnum HNODEENUMEX) Errno {
	if hNodeEnum == nil {
		return ERROR_INVALID_HANDLE
	}
	return (*nodeEnumEx)(hNodeEnum).close()
}
