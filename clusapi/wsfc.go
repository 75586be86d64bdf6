package clusapi

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
)

// This file is the clusapi face: the names, handles and return values of
// clusapi.h, for code ported from Windows. The functions have no context
// (the C API has none) and no time limit of their own: a call lasts as
// long as the cluster takes to answer it (a synchronous online as long as
// the online), or as long as WithTimeout given to OpenCluster allows. Each
// has a ...Context variant (of the Ex form where there is one) that the
// caller's context alone bounds.
//
// A call whose outcome is unknown — the request was sent, and the
// connection was lost or the caller's context ended before the answer —
// answers RPC_S_CALL_FAILED: the change may or may not have been made.
// RPC_S_SERVER_UNAVAILABLE means the request never reached an agent, so
// nothing changed. Neither is a refusal.

// HCLUSTER is a handle to a cluster, from OpenCluster; nil is NULL.
type HCLUSTER *clusterHandle

// HGROUP is a handle to a group, from OpenClusterGroup; nil is NULL.
type HGROUP *groupHandle

// HRESOURCE is a handle to a resource, from OpenClusterResource; nil is
// NULL.
type HRESOURCE *resourceHandle

// HNODE is a handle to a node, from OpenClusterNode; nil is NULL.
type HNODE *nodeHandle

type clusterHandle struct {
	c      *Client
	name   string // the cluster's name
	id     string // the cluster's id, pinned on every call
	closed atomic.Bool

	// What the Ex opens need (openex.go): how to make another client of
	// the same agent, the access calls through c carry and the caller's
	// own access when the handle was opened.
	addr   string
	opts   []Option
	access AccessLevel
	caller AccessLevel
	// A handle made by withAccess has the handle it was made from as its
	// root: it is valid while the root is, and closes with it.
	root     *clusterHandle
	mu       sync.Mutex // guards siblings
	siblings map[AccessLevel]*clusterHandle
}

func (h *clusterHandle) valid() bool {
	return h != nil && !h.closed.Load() && (h.root == nil || h.root.valid())
}

type groupHandle struct {
	cluster *clusterHandle
	ref     groupRef
	closed  atomic.Bool
}

func (h *groupHandle) valid() bool { return h != nil && !h.closed.Load() && h.cluster.valid() }

type resourceHandle struct {
	cluster *clusterHandle
	ref     resourceRef
	closed  atomic.Bool
}

func (h *resourceHandle) valid() bool { return h != nil && !h.closed.Load() && h.cluster.valid() }

type nodeHandle struct {
	cluster *clusterHandle
	name    string
	closed  atomic.Bool
}

func (h *nodeHandle) valid() bool { return h != nil && !h.closed.Load() && h.cluster.valid() }

// invalidHandle is the error of a call on a NULL or closed handle; no
// request is sent.
func invalidHandle(call string) *APIError {
	return apiErr(ERROR_INVALID_HANDLE, "%s: the handle is NULL or closed", call)
}

// handleErr makes sure an error of the handle functions carries a Win32
// code: the caller's context ending before the call was sent becomes
// RPC_S_SERVER_UNAVAILABLE (after, callError already made it
// RPC_S_CALL_FAILED).
func handleErr(err error) error {
	var code Errno
	if err == nil || errors.As(err, &code) {
		return err
	}
	// Both stay in the chain: errors.Is(err, context.Canceled) too.
	return fmt.Errorf("%w: %w", ErrnoOf(err), err)
}

// OpenCluster opens a handle to a cluster. name is the address of one of
// its agents ("unix:///path/to/baton.sock", "http://host:port",
// "https://host:port"); "" (NULL in C) is the local cluster: $BATON_ADDR,
// or the local agent's default socket. The bearer token, if needed, is
// taken from $BATON_TOKEN, and the cluster CA, which an https agent's
// certificate must come from, from $BATON_CA.
//
// The handle is pinned to the cluster that answered: calls on it (and on
// handles opened through it) that reach another cluster answer
// ERROR_INVALID_HANDLE. On failure the handle is nil and the error carries
// the Win32 code (see ErrnoOf).
//
// opts are those of New (WithToken and WithCA take the place of
// $BATON_TOKEN and $BATON_CA).
// WithTimeout bounds each call made through the handle (and the handles
// opened through it) that has no deadline of its own; without it a call
// waits as long as its operation takes.
func OpenCluster(name string, opts ...Option) (HCLUSTER, error) {
	return OpenClusterContext(context.Background(), name, opts...)
}

// OpenClusterContext is OpenCluster bounded by ctx.
func OpenClusterContext(ctx context.Context, name string, opts ...Option) (HCLUSTER, error) {
	c, err := New(name, opts...)
	if err != nil {
		return nil, err
	}
	ctx, cancel := callCtx(ctx)
	defer cancel()
	info, err := c.Cluster(ctx)
	if err != nil {
		c.Close()
		return nil, handleErr(err)
	}
	c.conn.SetClusterID(info.ID)
	return &clusterHandle{c: c, name: info.Name, id: info.ID, addr: name, opts: opts, access: info.Access, caller: info.Access}, nil
}

// CloseCluster closes a cluster handle. Every handle opened through it
// becomes invalid. It always returns true.
func CloseCluster(hCluster HCLUSTER) bool {
	h := (*clusterHandle)(hCluster)
	if h != nil && !h.closed.Swap(true) {
		h.c.Close()
		h.closeSiblings()
	}
	return true
}

// OpenClusterGroup opens a handle to the group called name:
// ERROR_GROUP_NOT_FOUND if there is none. The handle remembers the group's
// id, so calls on it after the group was deleted (even if one of the same
// name was created since) answer ERROR_GROUP_NOT_AVAILABLE.
func OpenClusterGroup(hCluster HCLUSTER, name string) (HGROUP, error) {
	return OpenClusterGroupContext(context.Background(), hCluster, name)
}

// OpenClusterGroupContext is OpenClusterGroup bounded by ctx.
func OpenClusterGroupContext(ctx context.Context, hCluster HCLUSTER, name string) (HGROUP, error) {
	h := (*clusterHandle)(hCluster)
	if !h.valid() {
		return nil, invalidHandle("OpenClusterGroup")
	}
	ctx, cancel := callCtx(ctx)
	defer cancel()
	id, err := h.c.Groups().Open(ctx, name)
	if err != nil {
		return nil, handleErr(err)
	}
	return &groupHandle{cluster: h, ref: groupRef{name: name, id: id}}, nil
}

// CloseClusterGroup closes a group handle. It returns false for a nil
// handle and true otherwise.
func CloseClusterGroup(hGroup HGROUP) bool {
	h := (*groupHandle)(hGroup)
	if h == nil {
		return false
	}
	h.closed.Store(true)
	return true
}

// OfflineClusterGroupEx takes a group offline. flags are
// CLUSAPI_GROUP_OFFLINE_* flags; inBuffer is a property list of
// instructions for the group's resources (names are resource type names),
// and cbInBufferSize its size in bytes, as in C: the first cbInBufferSize
// bytes of inBuffer are the buffer and the rest of the slice is ignored; a
// nil or empty buffer with size 0 is none; a size larger than the slice
// answers ERROR_INVALID_PARAMETER without a call, and a buffer that is
// not a property list answers it from the cluster.
//
// It returns ERROR_IO_PENDING when the offline was accepted and is in
// progress (poll GetClusterGroupState for the outcome), ERROR_SUCCESS when
// the group was offline already, and otherwise the code of the reason the
// request was rejected, with nothing changed (for example
// ERROR_CLUSTER_RESOURCE_LOCKED_STATUS) — except RPC_S_CALL_FAILED, which
// says the outcome is unknown (see the top of this file). A NULL or closed
// handle returns ERROR_INVALID_HANDLE without a call.
func OfflineClusterGroupEx(hGroup HGROUP, flags uint32, inBuffer []byte, cbInBufferSize uint32) Errno {
	return OfflineClusterGroupExContext(context.Background(), hGroup, flags, inBuffer, cbInBufferSize)
}

// OfflineClusterGroupExContext is OfflineClusterGroupEx bounded by ctx.
func OfflineClusterGroupExContext(ctx context.Context, hGroup HGROUP, flags uint32, inBuffer []byte, cbInBufferSize uint32) Errno {
	h := (*groupHandle)(hGroup)
	if !h.valid() {
		return ERROR_INVALID_HANDLE
	}
	inBuffer, ok := cBuffer(inBuffer, cbInBufferSize)
	if !ok {
		return ERROR_INVALID_PARAMETER
	}
	ctx, cancel := callCtx(ctx)
	defer cancel()
	op, err := h.cluster.c.offlineGroup(ctx, h.ref, flags, inBuffer, cbInBufferSize, nil)
	if err != nil {
		return ErrnoOf(err)
	}
	return op.Status
}

// OfflineClusterGroup is OfflineClusterGroupEx with no flags and no input
// buffer.
func OfflineClusterGroup(hGroup HGROUP) Errno {
	return OfflineClusterGroupEx(hGroup, 0, nil, 0)
}

// OnlineClusterGroupEx brings a group online on hDestinationNode, or on its
// current owner if hDestinationNode is nil. flags are
// CLUSAPI_GROUP_ONLINE_* flags; the input buffer goes, as given, to the
// resources that are not yet online. Return values are as for
// OfflineClusterGroupEx.
//
// Anti-affinity ([MS-CMRP] ApiOnlineGroup): an online on a node that
// already runs an online group sharing one of the group's
// AntiAffinityClassNames answers ERROR_NODE_CANT_HOST_RESOURCE, unless
// CLUSAPI_GROUP_ONLINE_IGNORE_AFFINITY_RULE. With
// CLUSAPI_GROUP_ONLINE_BEST_POSSIBLE_NODE and no destination, an Offline
// group comes online on the node the failover policy would choose
// (preferred owners first, nodes without such a group before nodes with
// one); when every node has one, the online is refused with that code, as
// above (baton's choice: the failover policy would ignore the rule). A
// group with resources online stays on its owner.
//
// With CLUSAPI_GROUP_ONLINE_SYNCHRONOUS the call answers once the group is
// Online (ERROR_SUCCESS) or the online failed, however long that takes:
// there is no time limit but the caller's (OnlineClusterGroupExContext,
// or WithTimeout given to OpenCluster). When the caller's deadline comes
// first, the agent answers ERROR_IO_PENDING shortly before it: the online
// goes on. A call cut short otherwise after it was sent (its context
// cancelled, the connection lost) answers RPC_S_CALL_FAILED, and the
// online goes on too.
func OnlineClusterGroupEx(hGroup HGROUP, hDestinationNode HNODE, flags uint32, inBuffer []byte, cbInBufferSize uint32) Errno {
	return OnlineClusterGroupExContext(context.Background(), hGroup, hDestinationNode, flags, inBuffer, cbInBufferSize)
}

// OnlineClusterGroupExContext is OnlineClusterGroupEx bounded by ctx.
func OnlineClusterGroupExContext(ctx context.Context, hGroup HGROUP, hDestinationNode HNODE, flags uint32, inBuffer []byte, cbInBufferSize uint32) Errno {
	h := (*groupHandle)(hGroup)
	node, ok := destination(h, hDestinationNode)
	if !ok {
		return ERROR_INVALID_HANDLE
	}
	inBuffer, ok = cBuffer(inBuffer, cbInBufferSize)
	if !ok {
		return ERROR_INVALID_PARAMETER
	}
	ctx, cancel := callCtx(ctx)
	defer cancel()
	op, err := h.cluster.c.onlineGroup(ctx, h.ref, node, flags, inBuffer, cbInBufferSize, nil)
	if err != nil {
		return ErrnoOf(err)
	}
	return op.Status
}

// OnlineClusterGroup is OnlineClusterGroupEx with no flags and no input
// buffer.
func OnlineClusterGroup(hGroup HGROUP, hDestinationNode HNODE) Errno {
	return OnlineClusterGroupEx(hGroup, hDestinationNode, 0, nil, 0)
}

// GetClusterGroupState returns the state of a group and the name of the
// node that owns it. On failure the state is ClusterGroupStateUnknown and
// the error carries the Win32 code.
func GetClusterGroupState(hGroup HGROUP) (ClusterGroupState, string, error) {
	return GetClusterGroupStateContext(context.Background(), hGroup)
}

// GetClusterGroupStateContext is GetClusterGroupState bounded by ctx.
func GetClusterGroupStateContext(ctx context.Context, hGroup HGROUP) (ClusterGroupState, string, error) {
	h := (*groupHandle)(hGroup)
	if !h.valid() {
		return ClusterGroupStateUnknown, "", invalidHandle("GetClusterGroupState")
	}
	ctx, cancel := callCtx(ctx)
	defer cancel()
	st, err := h.cluster.c.groupState(ctx, h.ref)
	if err != nil {
		return ClusterGroupStateUnknown, "", handleErr(err)
	}
	return st.State, st.OwnerNode, nil
}

// OpenClusterResource opens a handle to the resource called name:
// ERROR_RESOURCE_NOT_FOUND if there is none. Calls on the handle after the
// resource was deleted answer ERROR_RESOURCE_NOT_AVAILABLE.
func OpenClusterResource(hCluster HCLUSTER, name string) (HRESOURCE, error) {
	return OpenClusterResourceContext(context.Background(), hCluster, name)
}

// OpenClusterResourceContext is OpenClusterResource bounded by ctx.
func OpenClusterResourceContext(ctx context.Context, hCluster HCLUSTER, name string) (HRESOURCE, error) {
	h := (*clusterHandle)(hCluster)
	if !h.valid() {
		return nil, invalidHandle("OpenClusterResource")
	}
	ctx, cancel := callCtx(ctx)
	defer cancel()
	id, err := h.c.Resources().Open(ctx, name)
	if err != nil {
		return nil, handleErr(err)
	}
	return &resourceHandle{cluster: h, ref: resourceRef{name: name, id: id}}, nil
}

// CloseClusterResource closes a resource handle. It returns false for a
// nil handle and true otherwise.
func CloseClusterResource(hResource HRESOURCE) bool {
	h := (*resourceHandle)(hResource)
	if h == nil {
		return false
	}
	h.closed.Store(true)
	return true
}

// OnlineClusterResourceEx brings a resource online, and the resources it
// depends on first. flags are CLUSAPI_RESOURCE_ONLINE_* flags. Return
// values are as for OfflineClusterGroupEx.
//
// The anti-affinity rule of OnlineClusterGroupEx applies (its bypass is
// CLUSAPI_RESOURCE_ONLINE_IGNORE_AFFINITY_RULE), and
// CLUSAPI_RESOURCE_ONLINE_BEST_POSSIBLE_NODE starts an Offline group on the
// node the policy chooses, as for groups.
// CLUSAPI_RESOURCE_ONLINE_NECESSARY_FOR_QUORUM is accepted and changes
// nothing: baton has no quorum resource (the cluster database keeps its
// own quorum).
func OnlineClusterResourceEx(hResource HRESOURCE, flags uint32, inBuffer []byte, cbInBufferSize uint32) Errno {
	return OnlineClusterResourceExContext(context.Background(), hResource, flags, inBuffer, cbInBufferSize)
}

// OnlineClusterResourceExContext is OnlineClusterResourceEx bounded by ctx.
func OnlineClusterResourceExContext(ctx context.Context, hResource HRESOURCE, flags uint32, inBuffer []byte, cbInBufferSize uint32) Errno {
	h := (*resourceHandle)(hResource)
	if !h.valid() {
		return ERROR_INVALID_HANDLE
	}
	inBuffer, ok := cBuffer(inBuffer, cbInBufferSize)
	if !ok {
		return ERROR_INVALID_PARAMETER
	}
	ctx, cancel := callCtx(ctx)
	defer cancel()
	op, err := h.cluster.c.onlineResource(ctx, h.ref, flags, inBuffer, cbInBufferSize, nil)
	if err != nil {
		return ErrnoOf(err)
	}
	return op.Status
}

// OfflineClusterResourceEx takes a resource offline, and the resources
// that depend on it first. flags are CLUSAPI_RESOURCE_OFFLINE_* flags.
// Return values are as for OfflineClusterGroupEx.
func OfflineClusterResourceEx(hResource HRESOURCE, flags uint32, inBuffer []byte, cbInBufferSize uint32) Errno {
	return OfflineClusterResourceExContext(context.Background(), hResource, flags, inBuffer, cbInBufferSize)
}

// OfflineClusterResourceExContext is OfflineClusterResourceEx bounded by
// ctx.
func OfflineClusterResourceExContext(ctx context.Context, hResource HRESOURCE, flags uint32, inBuffer []byte, cbInBufferSize uint32) Errno {
	h := (*resourceHandle)(hResource)
	if !h.valid() {
		return ERROR_INVALID_HANDLE
	}
	inBuffer, ok := cBuffer(inBuffer, cbInBufferSize)
	if !ok {
		return ERROR_INVALID_PARAMETER
	}
	ctx, cancel := callCtx(ctx)
	defer cancel()
	op, err := h.cluster.c.offlineResource(ctx, h.ref, flags, inBuffer, cbInBufferSize, nil)
	if err != nil {
		return ErrnoOf(err)
	}
	return op.Status
}

// OnlineClusterResource is OnlineClusterResourceEx with no flags and no
// input buffer.
func OnlineClusterResource(hResource HRESOURCE) Errno {
	return OnlineClusterResourceEx(hResource, 0, nil, 0)
}

// OfflineClusterResource is OfflineClusterResourceEx with no flags and no
// input buffer.
func OfflineClusterResource(hResource HRESOURCE) Errno {
	return OfflineClusterResourceEx(hResource, 0, nil, 0)
}

// GetClusterResourceState returns the state of a resource, the name of the
// node that hosts it and the name of its group. On failure the state is
// ClusterResourceStateUnknown and the error carries the Win32 code.
func GetClusterResourceState(hResource HRESOURCE) (state ClusterResourceState, nodeName, groupName string, err error) {
	return GetClusterResourceStateContext(context.Background(), hResource)
}

// GetClusterResourceStateContext is GetClusterResourceState bounded by ctx.
func GetClusterResourceStateContext(ctx context.Context, hResource HRESOURCE) (state ClusterResourceState, nodeName, groupName string, err error) {
	h := (*resourceHandle)(hResource)
	if !h.valid() {
		return ClusterResourceStateUnknown, "", "", invalidHandle("GetClusterResourceState")
	}
	ctx, cancel := callCtx(ctx)
	defer cancel()
	st, err := h.cluster.c.resourceState(ctx, h.ref)
	if err != nil {
		return ClusterResourceStateUnknown, "", "", handleErr(err)
	}
	return st.State, st.OwnerNode, st.Group, nil
}

// OpenClusterNode opens a handle to the node called name:
// ERROR_CLUSTER_NODE_NOT_FOUND if there is none.
func OpenClusterNode(hCluster HCLUSTER, name string) (HNODE, error) {
	return OpenClusterNodeContext(context.Background(), hCluster, name)
}

// OpenClusterNodeContext is OpenClusterNode bounded by ctx.
func OpenClusterNodeContext(ctx context.Context, hCluster HCLUSTER, name string) (HNODE, error) {
	h := (*clusterHandle)(hCluster)
	if !h.valid() {
		return nil, invalidHandle("OpenClusterNode")
	}
	ctx, cancel := callCtx(ctx)
	defer cancel()
	if _, err := h.c.Node(ctx, name); err != nil {
		return nil, handleErr(err)
	}
	return &nodeHandle{cluster: h, name: name}, nil
}

// CloseClusterNode closes a node handle. It returns false for a nil handle
// and true otherwise.
func CloseClusterNode(hNode HNODE) bool {
	h := (*nodeHandle)(hNode)
	if h == nil {
		return false
	}
	h.closed.Store(true)
	return true
}

// GetClusterNodeState returns the state of a node. On failure the state is
// ClusterNodeStateUnknown and the error carries the Win32 code.
func GetClusterNodeState(hNode HNODE) (ClusterNodeState, error) {
	return GetClusterNodeStateContext(context.Background(), hNode)
}

// GetClusterNodeStateContext is GetClusterNodeState bounded by ctx.
func GetClusterNodeStateContext(ctx context.Context, hNode HNODE) (ClusterNodeState, error) {
	h := (*nodeHandle)(hNode)
	if !h.valid() {
		return ClusterNodeStateUnknown, invalidHandle("GetClusterNodeState")
	}
	ctx, cancel := callCtx(ctx)
	defer cancel()
	n, err := h.cluster.c.Node(ctx, h.name)
	if err != nil {
		return ClusterNodeStateUnknown, handleErr(err)
	}
	return n.State, nil
}

// destination resolves an optional destination node handle for a call on
// group h: "" for NULL; false if either handle is invalid or they belong to
// different clusters.
func destination(h *groupHandle, hNode HNODE) (string, bool) {
	if !h.valid() {
		return "", false
	}
	if hNode == nil {
		return "", true
	}
	n := (*nodeHandle)(hNode)
	if !n.valid() || n.cluster.id != h.cluster.id {
		return "", false
	}
	return n.name, true
}

// cBuffer applies the C meaning of an Ex call's (lpInBuffer,
// cbInBufferSize): the first cbInBufferSize bytes of buf are the buffer,
// the rest of the slice does not count, and size 0 is no buffer whatever
// the slice. false: the size is larger than the slice (C would read past
// the buffer), which the callers answer with ERROR_INVALID_PARAMETER
// without a call.
func cBuffer(buf []byte, size uint32) ([]byte, bool) {
	if uint64(size) > uint64(len(buf)) {
		return nil, false
	}
	if size == 0 {
		return nil, true
	}
	return buf[:size], true
}
