// Package clusapi is the Go client of a baton cluster, with the semantics
// of the Windows Server Failover Clustering client API (clusapi.h): the
// same calls, flags, states and Win32 error codes.
//
// # The client has two faces
//
// Both faces are one implementation over the cluster API (Connect over
// HTTP, on the agent's Unix socket or TCP); pick the one that suits the
// code calling it.
//
// The idiomatic face is a Client, made by New and safe for concurrent use.
// Every method takes a context first and returns plain Go values. The
// calls are grouped by what they act on — Client.Groups, Client.Resources,
// Client.Access — and the state changes return an operation handle whose
// Wait polls until the change is done:
//
//	c, err := clusapi.New("") // $BATON_ADDR, or the local agent's socket
//	if err != nil { ... }
//	defer c.Close()
//	op, err := c.Groups().Offline(ctx, "DemoGroup", clusapi.OfflineOptions{})
//	if errors.Is(err, clusapi.ERROR_CLUSTER_RESOURCE_LOCKED_STATUS) { ... }
//	state, err := op.Wait(ctx) // ClusterGroupOffline, or a *GroupStateError
//
// Every error the cluster answers is an *APIError holding the Win32 code
// (an Errno) and the server's message: errors.Is(err, ERROR_GROUP_NOT_FOUND)
// tests for a code, and errors.As(err, &code) with a variable of type Errno
// extracts it. Errors of the caller's own context wrap the context's error
// instead.
//
// The clusapi face is for code ported from Windows: the same names and
// shapes as clusapi.h, with handles (HCLUSTER, HGROUP, HRESOURCE, HNODE;
// nil is NULL), no contexts, and state changes that return the Win32 code
// as an Errno:
// ERROR_IO_PENDING (997) when the cluster accepted the request, ERROR_SUCCESS
// when there was nothing to do, or the reason it was rejected. Functions
// that return a handle or a state also return an error where C code would
// call GetLastError; ErrnoOf extracts its code. The example of
// OfflineClusterGroupEx from the Windows documentation ports line for line
// (see the package examples):
//
//	hCluster, err := clusapi.OpenCluster("")
//	hGroup, err := clusapi.OpenClusterGroup(hCluster, "DemoGroup")
//	errno := clusapi.OfflineClusterGroupEx(hGroup, clusapi.CLUSAPI_GROUP_OFFLINE_IGNORE_RESOURCE_STATUS, nil, 0)
//	state, node, err := clusapi.GetClusterGroupState(hGroup)
//	clusapi.CloseClusterGroup(hGroup)
//	clusapi.CloseCluster(hCluster)
//
// A handle is checked before anything is sent: a nil or closed handle (or
// one opened through a closed cluster handle) answers ERROR_INVALID_HANDLE.
// A cluster handle is pinned to the cluster that answered OpenCluster, so
// a call that reaches another cluster also answers ERROR_INVALID_HANDLE; a
// group or resource handle remembers the object's id, so a call after the
// object was deleted answers ERROR_GROUP_NOT_AVAILABLE or
// ERROR_RESOURCE_NOT_AVAILABLE. Input buffers of the Ex calls are C-like:
// the first cbInBufferSize bytes of the slice are sent, a nil or empty
// buffer with size 0 is none, and a size past the slice answers
// ERROR_INVALID_PARAMETER without a call; the cluster checks that what it
// gets is a property list (package proplist).
//
// A handle function has no time limit of its own: it waits as long as its
// operation takes (a synchronous online as long as the online), unless
// OpenCluster was given WithTimeout. Each has a ...Context variant — of
// its Ex form where there is one (OnlineClusterGroupExContext, not
// OnlineClusterGroupContext) — bounded by the caller's context alone.
// RPC_S_SERVER_UNAVAILABLE (1722) means the request reached no agent:
// nothing changed. RPC_S_CALL_FAILED (1726) means it was sent and its
// answer was lost — the connection dropped, or the context ended while
// waiting — so the change may or may not have been made: read the state
// again. Neither is a refusal; every other code is.
//
// Notification ports (CreateClusterNotifyPort and RegisterClusterNotify;
// CreateClusterNotifyPortV2, RegisterClusterNotifyV2, GetClusterNotifyV2
// and GetNotifyEventHandle, whose event is a channel) report losing the
// cluster (CLUSTER_CHANGE_CLUSTER_STATE) and regaining it
// (CLUSTER_CHANGE_CLUSTER_RECONNECT), then deliver the changes made
// meanwhile (go doc HCHANGE).
//
// Properties are read and written with the control codes, as on Windows:
// ClusterGroupControl, ClusterResourceControl, ClusterNodeControl and
// ClusterControl take a CLUSCTL_* code and C-style buffers, and answer
// ERROR_MORE_DATA with the size needed when the output buffer is too small.
// The lists are Windows' property-list bytes (package proplist).
//
// # Addresses
//
// An address is "unix:///path/to/baton.sock", "http://host:port" or
// "https://host:port". The empty address means $BATON_ADDR, or the local
// agent's default socket when that is unset. Over TCP the agent needs a
// bearer token (WithToken, or $BATON_TOKEN), sent only over https or to a
// loopback address; over the Unix socket it knows the caller from the
// socket's credentials, and no token is sent. An https agent's certificate
// must come from the cluster CA (WithCA, or $BATON_CA: the CA's PEM file
// or its "sha256:…" pin).
package clusapi
