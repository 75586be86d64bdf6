package clusapi

import (
	"context"
	"slices"
)

// The Ex opens (OpenClusterEx, OpenClusterGroupEx, OpenClusterResourceEx,
// OpenClusterNodeEx) and the other handle-and-information functions:
// GetClusterInformation, GetClusterFrom{Group,Resource,Node},
// OpenClusterNodeById and GetClusterNodeId.
//
// Access ([MS-CMRP] ApiOpenClusterEx and its kin, reference §7): a handle
// has Read or All access. dwDesiredAccess is any combination of
// GENERIC_READ and CLUSAPI_READ_ACCESS (Read), GENERIC_ALL and
// CLUSAPI_CHANGE_ACCESS (All) and MAXIMUM_ALLOWED (whatever the caller
// has); the wire's CLUSAPI_* values are accepted as well as the GENERIC_*
// ones the function pages list. The caller's access is its entry in the
// cluster security descriptor (Client.Cluster's Access: Full is All).
//   - Asking for All without having it answers ERROR_ACCESS_DENIED and
//     opens nothing; so does asking for anything with no access at all.
//   - MAXIMUM_ALLOWED grants the caller's highest access; with other bits
//     beside it, those are still required (as AccessCheck does).
//   - 0, a bit outside those five (GENERIC_WRITE and GENERIC_EXECUTE too,
//     which the pages do not list; CLUSAPI_NO_ACCESS, which is a value of
//     an access entry, not a request), and CLUSAPI_CHANGE_ACCESS without
//     CLUSAPI_READ_ACCESS ([MS-CMRP]: ERROR_INVALID_PARAMETER) answer
//     ERROR_INVALID_PARAMETER. The pages say 0 gives "an undefined
//     error": baton's is 87.
//   - *lpdwGrantedAccess receives what was granted as the server's
//     specific rights: CLUSAPI_READ_ACCESS (1) for Read, CLUSAPI_ALL_ACCESS
//     (3) for All — the generic rights mapped, as Windows' access check
//     does.
//
// A handle opened with Read access by a caller that has Full makes every
// call through it — and through the handles opened through it — one of
// Read access: calls that change something answer ERROR_ACCESS_DENIED, as
// on Windows. Handles opened from the same cluster handle with different
// access share its lifetime: CloseCluster makes them all invalid.

// grantAccess decides what an Ex open of call grants a caller whose
// access is has: CLUSAPI_READ_ACCESS or CLUSAPI_ALL_ACCESS.
func grantAccess(call string, desired uint32, has AccessLevel) (uint32, error) {
	const valid = GENERIC_READ | GENERIC_ALL | MAXIMUM_ALLOWED | CLUSAPI_READ_ACCESS | CLUSAPI_CHANGE_ACCESS
	switch {
	case desired == 0 || desired&^valid != 0:
		return 0, apiErr(ERROR_INVALID_PARAMETER, "%s: dwDesiredAccess %#x is not a combination of GENERIC_READ, GENERIC_ALL, MAXIMUM_ALLOWED, CLUSAPI_READ_ACCESS and CLUSAPI_CHANGE_ACCESS", call, desired)
	case desired&CLUSAPI_CHANGE_ACCESS != 0 && desired&CLUSAPI_READ_ACCESS == 0:
		return 0, apiErr(ERROR_INVALID_PARAMETER, "%s: dwDesiredAccess %#x has CLUSAPI_CHANGE_ACCESS without CLUSAPI_READ_ACCESS", call, desired)
	case has != AccessFull && has != AccessRead:
		return 0, apiErr(ERROR_ACCESS_DENIED, "%s: the caller has no access to the cluster", call)
	}
	wantAll := desired&(GENERIC_ALL|CLUSAPI_CHANGE_ACCESS) != 0
	if wantAll && has != AccessFull {
		return 0, apiErr(ERROR_ACCESS_DENIED, "%s: All access asked for (dwDesiredAccess %#x); the caller has Read", call, desired)
	}
	if wantAll || (desired&MAXIMUM_ALLOWED != 0 && has == AccessFull) {
		return CLUSAPI_ALL_ACCESS, nil
	}
	return CLUSAPI_READ_ACCESS, nil
}

// levelOf is the access level of a granted access.
func levelOf(granted uint32) AccessLevel {
	if granted == CLUSAPI_ALL_ACCESS {
		return AccessFull
	}
	return AccessRead
}

// withAccess returns a handle to the same cluster whose calls carry the
// access level: h itself when its calls already do, else a sibling made
// once per level, with a client of its own, that closes with h's root.
func (h *clusterHandle) withAccess(level AccessLevel) (*clusterHandle, error) {
	if h.access == level {
		return h, nil
	}
	root := h
	if h.root != nil {
		root = h.root
	}
	if root.access == level {
		return root, nil
	}
	root.mu.Lock()
	defer root.mu.Unlock()
	if root.closed.Load() {
		// CloseCluster has run, or runs and waits for mu: a sibling made
		// now would never be closed.
		return nil, invalidHandle("open")
	}
	if s := root.siblings[level]; s != nil {
		return s, nil
	}
	opts := slices.Clip(root.opts)
	opts = append(opts, WithClusterID(root.id))
	if level == AccessRead {
		opts = append(opts, func(o *options) { o.readOnly = true })
	}
	c, err := New(root.addr, opts...)
	if err != nil {
		return nil, err
	}
	s := &clusterHandle{c: c, name: root.name, id: root.id, addr: root.addr, opts: root.opts,
		access: level, caller: root.caller, root: root}
	if root.siblings == nil {
		root.siblings = map[AccessLevel]*clusterHandle{}
	}
	root.siblings[level] = s
	return s, nil
}

// closeSiblings closes the clients of the handles withAccess made.
func (h *clusterHandle) closeSiblings() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, s := range h.siblings {
		s.closed.Store(true)
		s.c.Close()
	}
}

// opened is the handle the caller opened: the root of a sibling.
func (h *clusterHandle) opened() *clusterHandle {
	if h.root != nil {
		return h.root
	}
	return h
}

// OpenClusterEx is OpenCluster with the access the handle is to have (see
// the top of this file): *GrantedAccess, when GrantedAccess is non-nil,
// receives CLUSAPI_READ_ACCESS or CLUSAPI_ALL_ACCESS. OpenClusterEx with
// GENERIC_ALL is OpenCluster for a caller with Full access.
func OpenClusterEx(name string, DesiredAccess uint32, GrantedAccess *uint32, opts ...Option) (HCLUSTER, error) {
	return OpenClusterExContext(context.Background(), name, DesiredAccess, GrantedAccess, opts...)
}

// OpenClusterExContext is OpenClusterEx bounded by ctx.
func OpenClusterExContext(ctx context.Context, name string, DesiredAccess uint32, GrantedAccess *uint32, opts ...Option) (HCLUSTER, error) {
	if _, err := grantAccess("OpenClusterEx", DesiredAccess, AccessFull); err != nil {
		return nil, err // the bits alone are wrong: no call
	}
	hc, err := OpenClusterContext(ctx, name, opts...)
	if err != nil {
		return nil, err
	}
	h := (*clusterHandle)(hc)
	granted, err := grantAccess("OpenClusterEx", DesiredAccess, h.caller)
	if err != nil {
		CloseCluster(hc)
		return nil, err
	}
	if levelOf(granted) == AccessRead && h.caller == AccessFull {
		h.c.conn.SetReadOnly()
		h.access = AccessRead
	}
	if GrantedAccess != nil {
		*GrantedAccess = granted
	}
	return hc, nil
}

// OpenClusterGroupEx is OpenClusterGroup with the access the handle is to
// have (see the top of this file). The access check comes first: a group
// that does not exist answers ERROR_GROUP_NOT_FOUND only to a caller
// allowed what it asked for.
func OpenClusterGroupEx(hCluster HCLUSTER, lpszGroupName string, dwDesiredAccess uint32, lpdwGrantedAccess *uint32) (HGROUP, error) {
	return OpenClusterGroupExContext(context.Background(), hCluster, lpszGroupName, dwDesiredAccess, lpdwGrantedAccess)
}

// OpenClusterGroupExContext is OpenClusterGroupEx bounded by ctx.
func OpenClusterGroupExContext(ctx context.Context, hCluster HCLUSTER, lpszGroupName string, dwDesiredAccess uint32, lpdwGrantedAccess *uint32) (HGROUP, error) {
	h, granted, err := openEx(hCluster, "OpenClusterGroupEx", dwDesiredAccess)
	if err != nil {
		return nil, err
	}
	hg, err := OpenClusterGroupContext(ctx, HCLUSTER(h), lpszGroupName)
	if err != nil {
		return nil, err
	}
	setGranted(lpdwGrantedAccess, granted)
	return hg, nil
}

// OpenClusterResourceEx is OpenClusterResource with the access the handle
// is to have (see the top of this file and OpenClusterGroupEx).
func OpenClusterResourceEx(hCluster HCLUSTER, lpszResourceName string, dwDesiredAccess uint32, lpdwGrantedAccess *uint32) (HRESOURCE, error) {
	return OpenClusterResourceExContext(context.Background(), hCluster, lpszResourceName, dwDesiredAccess, lpdwGrantedAccess)
}

// OpenClusterResourceExContext is OpenClusterResourceEx bounded by ctx.
func OpenClusterResourceExContext(ctx context.Context, hCluster HCLUSTER, lpszResourceName string, dwDesiredAccess uint32, lpdwGrantedAccess *uint32) (HRESOURCE, error) {
	h, granted, err := openEx(hCluster, "OpenClusterResourceEx", dwDesiredAccess)
	if err != nil {
		return nil, err
	}
	hr, err := OpenClusterResourceContext(ctx, HCLUSTER(h), lpszResourceName)
	if err != nil {
		return nil, err
	}
	setGranted(lpdwGrantedAccess, granted)
	return hr, nil
}

// OpenClusterNodeEx is OpenClusterNode with the access the handle is to
// have (see the top of this file and OpenClusterGroupEx).
func OpenClusterNodeEx(hCluster HCLUSTER, lpszNodeName string, dwDesiredAccess uint32, lpdwGrantedAccess *uint32) (HNODE, error) {
	return OpenClusterNodeExContext(context.Background(), hCluster, lpszNodeName, dwDesiredAccess, lpdwGrantedAccess)
}

// OpenClusterNodeExContext is OpenClusterNodeEx bounded by ctx.
func OpenClusterNodeExContext(ctx context.Context, hCluster HCLUSTER, lpszNodeName string, dwDesiredAccess uint32, lpdwGrantedAccess *uint32) (HNODE, error) {
	h, granted, err := openEx(hCluster, "OpenClusterNodeEx", dwDesiredAccess)
	if err != nil {
		return nil, err
	}
	hn, err := OpenClusterNodeContext(ctx, HCLUSTER(h), lpszNodeName)
	if err != nil {
		return nil, err
	}
	setGranted(lpdwGrantedAccess, granted)
	return hn, nil
}

// openEx checks an object Ex open against the caller's access and returns
// the cluster handle whose calls carry the access granted.
func openEx(hCluster HCLUSTER, call string, desired uint32) (*clusterHandle, uint32, error) {
	h := (*clusterHandle)(hCluster)
	if !h.valid() {
		return nil, 0, invalidHandle(call)
	}
	granted, err := grantAccess(call, desired, h.caller)
	if err != nil {
		return nil, 0, err
	}
	hv, err := h.withAccess(levelOf(granted))
	if err != nil {
		return nil, 0, err
	}
	return hv, granted, nil
}

func setGranted(p *uint32, granted uint32) {
	if p != nil {
		*p = granted
	}
}

// GetClusterFromGroup returns the cluster handle the group handle was
// opened through; nil and ERROR_INVALID_HANDLE for a NULL or closed
// handle (or one whose cluster handle is closed).
func GetClusterFromGroup(hGroup HGROUP) (HCLUSTER, error) {
	h := (*groupHandle)(hGroup)
	if !h.valid() {
		return nil, invalidHandle("GetClusterFromGroup")
	}
	return HCLUSTER(h.cluster.opened()), nil
}

// GetClusterFromResource returns the cluster handle the resource handle
// was opened through (codes as for GetClusterFromGroup).
func GetClusterFromResource(hResource HRESOURCE) (HCLUSTER, error) {
	h := (*resourceHandle)(hResource)
	if !h.valid() {
		return nil, invalidHandle("GetClusterFromResource")
	}
	return HCLUSTER(h.cluster.opened()), nil
}

// GetClusterFromNode returns the cluster handle the node handle was opened
// through (codes as for GetClusterFromGroup).
func GetClusterFromNode(hNode HNODE) (HCLUSTER, error) {
	h := (*nodeHandle)(hNode)
	if !h.valid() {
		return nil, invalidHandle("GetClusterFromNode")
	}
	return HCLUSTER(h.cluster.opened()), nil
}
