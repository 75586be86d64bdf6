package clusapi

import (
	"context"
	"net/http/httptrace"
	"sync/atomic"
	"time"

	"connectrpc.com/connect"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
	"github.com/batoncluster/baton/internal/dial"
)

// Client is a connection to a baton agent: the idiomatic face of this
// package. It is safe for concurrent use by multiple goroutines. Every
// method takes a context first; an error answered by the cluster is an
// *APIError that errors.Is matches against the Errno constants.
//
// A Client does little by itself; the calls are grouped by what they act
// on: Groups, Resources and Access.
type Client struct {
	conn     *dial.Conn
	closed   atomic.Bool
	pageSize int32 // items a List call asks for at a time
}

// Option configures a Client made by New.
type Option func(*options)

type options struct {
	token     string
	ca        string
	timeout   time.Duration
	clusterID string
	readOnly  bool // every call with Read access (withReadOnly)
	pageSize  int
}

// WithToken sets the bearer token sent with every call (needed over TCP;
// over the local Unix socket the agent knows the caller from its
// credentials, and the token is never sent). Without it the token is taken
// from $BATON_TOKEN. A token is sent over https, or over http to a
// loopback address only: New refuses an http address of another host
// with ERROR_INVALID_PARAMETER.
func WithToken(token string) Option { return func(o *options) { o.token = token } }

// WithCA sets the cluster CA that the certificate of an https agent must
// come from: the path of its PEM file, or its pin "sha256:<64 hex
// digits>" (the hash of the CA's public key, as in join tokens). Without
// it the CA is taken from $BATON_CA, else from ca.crt next to the local
// agent's default socket, else the system's trusted roots are used. A
// certificate that does not verify fails the call with
// RPC_S_SERVER_UNAVAILABLE, its message naming the CA it was checked
// against.
func WithCA(ca string) Option { return func(o *options) { o.ca = ca } }

// WithTimeout bounds each call whose context has no deadline. The default
// is no bound.
func WithTimeout(d time.Duration) Option { return func(o *options) { o.timeout = d } }

// WithPageSize sets how many items the List calls (Groups.List,
// Resources.List, ListNodes, Groups.Operations) ask the agent for at a
// time; they follow the pages to the end whatever the size. n < 1, or
// none given, is ListPageSize; the agent gives at most 1000.
func WithPageSize(n int) Option { return func(o *options) { o.pageSize = n } }

// WithClusterID pins the client to the cluster with this id (see
// ClusterInfo.ID): if the address is served by another cluster, every call
// answers ERROR_INVALID_HANDLE, as a handle to another cluster does.
func WithClusterID(id string) Option { return func(o *options) { o.clusterID = id } }

// New makes a client for the agent at addr: "unix:///path/to/baton.sock",
// "http://host:port" or "https://host:port"; "" means $BATON_ADDR, or the
// local agent's default socket when that is unset. New does no network
// I/O: an unreachable agent, or one whose certificate is not from the
// cluster CA (WithCA), shows in the first call, as
// RPC_S_SERVER_UNAVAILABLE. OpenCluster takes the CA and the token from
// $BATON_CA and $BATON_TOKEN.
func New(addr string, opts ...Option) (*Client, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	conn, err := dial.New(addr, dial.Options{Token: o.token, CA: o.ca, Timeout: o.timeout})
	if err != nil {
		return nil, &APIError{Code: ERROR_INVALID_PARAMETER, Message: err.Error()}
	}
	if o.clusterID != "" {
		conn.SetClusterID(o.clusterID)
	}
	if o.readOnly {
		conn.SetReadOnly()
	}
	size := int32(ListPageSize)
	if o.pageSize > 0 && o.pageSize <= 1<<30 {
		size = int32(o.pageSize)
	}
	return &Client{conn: conn, pageSize: size}, nil
}

// Addr returns the address the client calls, after resolution (for
// example "unix:///run/baton/baton.sock").
func (c *Client) Addr() string { return c.conn.Addr }

// Close releases the client's connections. Calls made after Close answer
// ERROR_INVALID_HANDLE. Close always returns nil.
func (c *Client) Close() error {
	if !c.closed.Swap(true) {
		c.conn.Close()
	}
	return nil
}

// unary makes one call of a Connect method with the client's checks and
// error conversion; name is the call's name in error messages.
func unary[Req, Resp any](ctx context.Context, c *Client, name string,
	f func(context.Context, *connect.Request[Req]) (*connect.Response[Resp], error), req *Req) (*Resp, error) {
	if c.closed.Load() {
		return nil, apiErr(ERROR_INVALID_HANDLE, "%s: the client is closed", name)
	}
	var sent atomic.Bool
	trace := &httptrace.ClientTrace{WroteRequest: func(i httptrace.WroteRequestInfo) {
		if i.Err == nil {
			sent.Store(true)
		}
	}}
	resp, err := f(httptrace.WithClientTrace(ctx, trace), connect.NewRequest(req))
	if err != nil {
		return nil, sentCallError(ctx, name, err, sent.Load())
	}
	return resp.Msg, nil
}

// ClusterInfo describes the cluster a client talks to, and the caller as
// the cluster sees it.
type ClusterInfo struct {
	Name      string
	ID        string      // changes when a cluster is created anew; see WithClusterID
	Node      string      // the node whose agent answered
	Principal string      // who the cluster thinks the caller is, e.g. "unix:user:root"
	Access    AccessLevel // the caller's access
	Version   string      // the answering agent's build, e.g. "v0.9.0" or "devel"
}

// Cluster identifies the cluster and the caller's access (the server side
// of OpenCluster).
func (c *Client) Cluster(ctx context.Context) (*ClusterInfo, error) {
	resp, err := unary(ctx, c, "OpenCluster", c.conn.Cluster.OpenCluster, &batonv1.OpenClusterRequest{})
	if err != nil {
		return nil, err
	}
	return &ClusterInfo{
		Name:      resp.GetClusterName(),
		ID:        resp.GetClusterId(),
		Node:      resp.GetNodeName(),
		Principal: resp.GetPrincipal(),
		Access:    AccessLevel(resp.GetAccess()),
		Version:   resp.GetBatonVersion(),
	}, nil
}

// ResourceType is a kind of resource the cluster can manage.
type ResourceType struct {
	Name        string
	Description string
	Properties  []PropertyInfo // the private properties it understands
	// OfflineParameter is the name of the input-buffer DWORD its offline
	// reads (by convention the type's own name), or "" if it reads none.
	OfflineParameter string
}

// PropertyInfo describes one private property of a resource type.
type PropertyInfo struct {
	Name        string
	Kind        string // "dword", "sz", ...
	Default     string
	Description string
}

// ListResourceTypes lists the resource types the cluster knows.
func (c *Client) ListResourceTypes(ctx context.Context) ([]ResourceType, error) {
	resp, err := unary(ctx, c, "ListResourceTypes", c.conn.Cluster.ListResourceTypes, &batonv1.ListResourceTypesRequest{})
	if err != nil {
		return nil, err
	}
	out := make([]ResourceType, 0, len(resp.GetTypes()))
	for _, t := range resp.GetTypes() {
		rt := ResourceType{Name: t.GetName(), Description: t.GetDescription(), OfflineParameter: t.GetOfflineParameter()}
		for _, p := range t.GetProperties() {
			rt.Properties = append(rt.Properties, PropertyInfo{
				Name: p.GetName(), Kind: p.GetKind(), Default: p.GetDefault(), Description: p.GetDescription(),
			})
		}
		out = append(out, rt)
	}
	return out, nil
}

// Node is a machine of the cluster.
type Node struct {
	Name    string
	State   ClusterNodeState
	Address string
	Groups  []string  // the groups it owns
	Started time.Time // when its agent started; zero if unknown
	// DrainStatus says how a drain (PauseNode with drain) goes: "",
	// "in progress", "completed" or "failed"; DrainDetail says more.
	DrainStatus string
	DrainDetail string
	// DatabaseRole is the node's part in the cluster database: "member"
	// (an embedded etcd member), "client" (it reaches the database
	// through a member) or "external" (an existing etcd cluster).
	DatabaseRole string
}

func nodeFromPB(n *batonv1.Node) Node {
	return Node{
		Name:    n.GetName(),
		State:   ClusterNodeState(n.GetState()),
		Address: n.GetAddress(),
		Groups:  n.GetGroups(),
		Started: unixNano(n.GetStartedUnixNano()),

		DrainStatus:  n.GetDrainStatus(),
		DrainDetail:  n.GetDrainDetail(),
		DatabaseRole: n.GetDatabaseRole(),
	}
}

// ListPageSize is how many items the List calls ask for at a time, unless
// WithPageSize says otherwise.
const ListPageSize = 500

// ListNodes lists the nodes of the cluster, by name, a page at a time.
func (c *Client) ListNodes(ctx context.Context) ([]Node, error) {
	var out []Node
	token := ""
	for {
		resp, err := unary(ctx, c, "ListNodes", c.conn.Nodes.ListNodes, &batonv1.ListNodesRequest{PageSize: c.pageSize, PageToken: token})
		if err != nil {
			return nil, err
		}
		for _, n := range resp.GetNodes() {
			out = append(out, nodeFromPB(n))
		}
		if token = resp.GetNextPageToken(); token == "" {
			return out, nil
		}
	}
}

// Node returns the node called name, or ERROR_CLUSTER_NODE_NOT_FOUND.
func (c *Client) Node(ctx context.Context, name string) (*Node, error) {
	nodes, err := c.ListNodes(ctx)
	if err != nil {
		return nil, err
	}
	for _, n := range nodes {
		if n.Name == name {
			return &n, nil
		}
	}
	return nil, apiErr(ERROR_CLUSTER_NODE_NOT_FOUND, "node %q not found", name)
}

// OperationRecord is the cluster's record of one state-change request.
type OperationRecord struct {
	ID       string
	Kind     string // "OfflineGroup", "OnlineGroup", "OfflineResource", ...
	Group    string
	Resource string
	Flags    uint32
	InBuffer []byte
	Caller   string // the principal that asked
	Created  time.Time
	Finished time.Time // zero while it runs
	Outcome  string    // "", "succeeded", "failed", "superseded"
	// From and To are a move's source and destination nodes (To is set
	// once the move starts; a queued move to the best node has none yet).
	From, To string
	// Error is the Win32 code an operation that did not succeed ended
	// with, when there is one to tell (ERROR_SUCCESS otherwise): a move
	// with CLUSAPI_GROUP_MOVE_RETURN_TO_SOURCE_NODE_ON_ERROR that failed on
	// its destination ends with ERROR_RESOURCE_FAILED. Detail says why in
	// words.
	Error  Errno
	Detail string
	// Recovery is, for a move that failed on its destination and asked
	// (flag 0x2 or 0x10) to be taken back, the ID of the operation that
	// does it, or "policy" when no node could take it and the failover
	// policy was left to act; "" until then.
	Recovery string
}

// Operation returns the record of the operation with this id (see
// Operation.ID and ResourceOperation.ID).
func (c *Client) Operation(ctx context.Context, id string) (*OperationRecord, error) {
	op, err := unary(ctx, c, "GetOperation", c.conn.Groups.GetOperation, &batonv1.GetOperationRequest{Id: id})
	if err != nil {
		return nil, err
	}
	return operationFromPB(op), nil
}

// Operations lists the records of the operations on the group called
// name, oldest first: the group's history, as far as the cluster keeps
// it. It reads them a page at a time, as Groups.List does.
func (g Groups) Operations(ctx context.Context, name string) ([]OperationRecord, error) {
	var out []OperationRecord
	token := ""
	for {
		resp, err := unary(ctx, g.c, "ListOperations", g.c.conn.Groups.ListOperations, &batonv1.ListOperationsRequest{
			Group: groupRef{name: name}.pb(), PageSize: g.c.pageSize, PageToken: token,
		})
		if err != nil {
			return nil, err
		}
		for _, op := range resp.GetOperations() {
			out = append(out, *operationFromPB(op))
		}
		if token = resp.GetNextPageToken(); token == "" {
			return out, nil
		}
	}
}

func operationFromPB(op *batonv1.Operation) *OperationRecord {
	return &OperationRecord{
		ID:       op.GetId(),
		Kind:     op.GetKind(),
		Group:    op.GetGroup(),
		Resource: op.GetResource(),
		Flags:    op.GetFlags(),
		InBuffer: op.GetInBuffer(),
		Caller:   op.GetCaller(),
		Created:  unixNano(op.GetCreatedUnixNano()),
		Finished: unixNano(op.GetFinishedUnixNano()),
		Outcome:  op.GetOutcome(),
		From:     op.GetFrom(),
		To:       op.GetTo(),
		Error:    Errno(op.GetError()),
		Detail:   op.GetDetail(),
		Recovery: op.GetRecovery(),
	}
}
