package clusapi

import (
	"context"
	"time"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
	"github.com/batoncluster/baton/proplist"
)

// Group is a group of resources, the unit of failover.
type Group struct {
	Name            string
	ID              string // changes when a group is deleted and created again
	PreferredOwners []string
	PersistentState uint32 // 1: the cluster keeps it online, 0: offline
	OwnerNode       string
	Resources       []string
	State           ClusterGroupState
	// Properties are the group's common properties (failover policy:
	// FailoverThreshold, FailoverPeriod, AutoFailbackType, ...), defaults
	// included.
	Properties      proplist.List
	LastOperationID string
	// StatusInformation is the read-only common property of that name:
	// CLUSGRP_STATUS_* bits, e.g. CLUSGRP_STATUS_WAITING_IN_QUEUE_FOR_MOVE
	// while QueuedMove waits.
	StatusInformation uint64
	// QueuedMove is the move waiting in the group's queue (see
	// CLUSAPI_GROUP_MOVE_QUEUE_ENABLED); nil when none waits.
	QueuedMove *QueuedMove
	// MoveTo is the destination node of a move under way; "" when the
	// group is not moving.
	MoveTo string
	// Failovers are the group's failovers within FailoverPeriod (they
	// count against FailoverThreshold), oldest first, and
	// FailoverCountExpires is when the oldest stops counting (zero when
	// none counts).
	Failovers            []time.Time
	FailoverCountExpires time.Time
}

// QueuedMove is a move accepted with CLUSAPI_GROUP_MOVE_QUEUE_ENABLED that
// waits until policy lets it start.
type QueuedMove struct {
	OperationID string // its record: Client.Operation
	To          string // the destination asked for; "" for the best node
	// Blocker says in words what the move waits for, and Code is what the
	// call would have answered without the queue flag (for instance
	// ERROR_CLUSTER_NODE_PAUSED).
	Blocker string
	Code    Errno
	Since   time.Time
}

func groupFromPB(g *batonv1.Group) (*Group, error) {
	props, err := fromPBList(g.GetProperties())
	if err != nil {
		return nil, err
	}
	return &Group{
		Name:                 g.GetName(),
		ID:                   g.GetId(),
		PreferredOwners:      g.GetPreferredOwners(),
		PersistentState:      g.GetPersistentState(),
		OwnerNode:            g.GetOwnerNode(),
		Resources:            g.GetResources(),
		State:                ClusterGroupState(g.GetState()),
		Properties:           props,
		LastOperationID:      g.GetLastOperationId(),
		StatusInformation:    g.GetStatusInformation(),
		QueuedMove:           queuedMoveFromPB(g.GetQueuedMove()),
		MoveTo:               g.GetMoveTo(),
		Failovers:            timesFromPB(g.GetFailoversUnixNano()),
		FailoverCountExpires: unixNano(g.GetFailoverCountExpiresUnixNano()),
	}, nil
}

func queuedMoveFromPB(q *batonv1.QueuedMove) *QueuedMove {
	if q == nil {
		return nil
	}
	return &QueuedMove{
		OperationID: q.GetOperationId(),
		To:          q.GetTo(),
		Blocker:     q.GetBlocker(),
		Code:        Errno(q.GetCode()),
		Since:       unixNano(q.GetSinceUnixNano()),
	}
}

// GroupStatus is the state of a group and how far its resources are.
type GroupStatus struct {
	Name             string
	State            ClusterGroupState
	OwnerNode        string
	ResourcesTotal   int
	ResourcesOnline  int
	ResourcesOffline int
	Revision         int64 // the database revision the answer was read at
}

// Groups are the calls on groups (the clusapi *ClusterGroup* functions).
// Groups are named by name; an unknown name answers ERROR_GROUP_NOT_FOUND.
type Groups struct{ c *Client }

// Groups returns the calls on groups.
func (c *Client) Groups() Groups { return Groups{c} }

// groupRef names a group; id, when set, must still match (handles).
type groupRef struct{ name, id string }

func (r groupRef) pb() *batonv1.GroupRef { return &batonv1.GroupRef{Name: r.name, Id: r.id} }

// Open resolves a group name to the group's id (the server side of
// OpenClusterGroup).
func (g Groups) Open(ctx context.Context, name string) (id string, err error) {
	resp, err := unary(ctx, g.c, "OpenGroup", g.c.conn.Groups.OpenGroup, &batonv1.OpenGroupRequest{Name: name})
	if err != nil {
		return "", err
	}
	return resp.GetId(), nil
}

// CreateGroupOptions are the optional settings of a new group.
type CreateGroupOptions struct {
	// PreferredOwners is the ordered list of nodes the group prefers; the
	// first one owns it. Empty: the node that answers owns it.
	PreferredOwners []string
	// Properties are common properties to set (failover policy).
	Properties proplist.List
	// Info is CreateClusterGroupEx's group info; nil: none (the group's
	// GroupType is ClusGroupTypeUnknown).
	Info *CLUSTER_CREATE_GROUP_INFO
}

// CLUSTER_CREATE_GROUP_INFO is CreateClusterGroupEx's pGroupInfo.
// DwVersion must be CLUSTER_CREATE_GROUP_INFO_VERSION_1; GroupType is
// any value the caller gives meaning to (a CLUSGROUP_TYPE such as
// ClusGroupTypeVirtualMachine, or its own) but the types [MS-CMRP]
// reserves for the cluster's own groups (1, 2, 4, 5). The group's
// GroupType common property reads it back.
type CLUSTER_CREATE_GROUP_INFO struct {
	DwVersion uint32
	GroupType uint32
}

func (i *CLUSTER_CREATE_GROUP_INFO) pb() *batonv1.CreateGroupInfo {
	if i == nil {
		return nil
	}
	return &batonv1.CreateGroupInfo{Version: i.DwVersion, GroupType: i.GroupType}
}

// Create creates an empty, offline group.
func (g Groups) Create(ctx context.Context, name string, opts CreateGroupOptions) (*Group, error) {
	resp, err := unary(ctx, g.c, "CreateGroup", g.c.conn.Groups.CreateGroup, &batonv1.CreateGroupRequest{
		Name: name, PreferredOwners: opts.PreferredOwners, Properties: toPBList(opts.Properties),
		Info: opts.Info.pb(),
	})
	if err != nil {
		return nil, err
	}
	return g.convert("CreateGroup", resp.GetGroup())
}

func (g Groups) convert(call string, pb *batonv1.Group) (*Group, error) {
	out, err := groupFromPB(pb)
	if err != nil {
		return nil, badReply(call, err)
	}
	return out, nil
}

// Delete deletes a group. A group that still has resources answers
// ERROR_DIR_NOT_EMPTY unless force is set; with force its resources are
// deleted too, and they must all be offline (else ERROR_RESOURCE_ONLINE).
func (g Groups) Delete(ctx context.Context, name string, force bool) error {
	_, err := unary(ctx, g.c, "DeleteGroup", g.c.conn.Groups.DeleteGroup, &batonv1.DeleteGroupRequest{
		Group: groupRef{name: name}.pb(), Force: force,
	})
	return err
}

// List lists every group of the cluster, by name. It reads them a page
// at a time (ListPageSize, or WithPageSize), so a group created or deleted meanwhile may
// or may not be listed; the others are listed once.
func (g Groups) List(ctx context.Context) ([]Group, error) {
	var out []Group
	token := ""
	for {
		resp, err := unary(ctx, g.c, "ListGroups", g.c.conn.Groups.ListGroups, &batonv1.ListGroupsRequest{PageSize: g.c.pageSize, PageToken: token})
		if err != nil {
			return nil, err
		}
		for _, pb := range resp.GetGroups() {
			gr, err := g.convert("ListGroups", pb)
			if err != nil {
				return nil, err
			}
			out = append(out, *gr)
		}
		if token = resp.GetNextPageToken(); token == "" {
			return out, nil
		}
	}
}

// Get returns the group called name.
func (g Groups) Get(ctx context.Context, name string) (*Group, error) {
	resp, err := unary(ctx, g.c, "GetGroup", g.c.conn.Groups.GetGroup, &batonv1.GetGroupRequest{Group: groupRef{name: name}.pb()})
	if err != nil {
		return nil, err
	}
	return g.convert("GetGroup", resp.GetGroup())
}

// State returns the state of the group called name, its owner node and how
// many of its resources are online and offline (GetClusterGroupState).
func (g Groups) State(ctx context.Context, name string) (GroupStatus, error) {
	return g.c.groupState(ctx, groupRef{name: name})
}

func (c *Client) groupState(ctx context.Context, ref groupRef) (GroupStatus, error) {
	resp, err := unary(ctx, c, "GetGroupState", c.conn.Groups.GetGroupState, &batonv1.GetGroupStateRequest{Group: ref.pb()})
	if err != nil {
		return GroupStatus{Name: ref.name, State: ClusterGroupStateUnknown}, err
	}
	return GroupStatus{
		Name:             resp.GetName(),
		State:            ClusterGroupState(resp.GetState()),
		OwnerNode:        resp.GetOwnerNode(),
		ResourcesTotal:   int(resp.GetResourcesTotal()),
		ResourcesOnline:  int(resp.GetResourcesOnline()),
		ResourcesOffline: int(resp.GetResourcesOffline()),
		Revision:         resp.GetRevision(),
	}, nil
}

// SetProperties sets common properties of the group and returns the group
// as changed.
func (g Groups) SetProperties(ctx context.Context, name string, props proplist.List) (*Group, error) {
	resp, err := unary(ctx, g.c, "SetGroupProperties", g.c.conn.Groups.SetGroupProperties, &batonv1.SetGroupPropertiesRequest{
		Group: groupRef{name: name}.pb(), Properties: toPBList(props),
	})
	if err != nil {
		return nil, err
	}
	return g.convert("SetGroupProperties", resp.GetGroup())
}

// SetNodeList sets the group's preferred owners, in order
// (SetClusterGroupNodeList).
func (g Groups) SetNodeList(ctx context.Context, name string, nodes []string) error {
	_, err := unary(ctx, g.c, "SetGroupNodeList", g.c.conn.Groups.SetGroupNodeList, &batonv1.SetGroupNodeListRequest{
		Group: groupRef{name: name}.pb(), Nodes: nodes,
	})
	return err
}

// OnlineOptions are the arguments of Groups.Online (OnlineClusterGroupEx).
//
// The input buffer goes to each resource that is not yet online; give it
// either as Params or as InBuffer, not both (the server answers
// ERROR_INVALID_PARAMETER).
type OnlineOptions struct {
	// Node is the node to bring the group online on (hDestinationNode);
	// "" means its current owner.
	Node string
	// Flags are CLUSAPI_GROUP_ONLINE_* flags.
	Flags uint32
	// Params is the input buffer as a property list.
	Params proplist.List
	// InBuffer is the input buffer as bytes, laid out as a Windows
	// property list (see proplist.List.Marshal); it is sent with its length.
	InBuffer []byte
}

// OfflineOptions are the arguments of Groups.Offline (OfflineClusterGroupEx).
//
// The input buffer goes to each resource that is online; give it either as
// Params or as InBuffer, not both. The property names in it are resource
// type names: the "dummy" and "Virtual Machine" types, for instance, read
// the DWORD named after their type (0 turn off, 1 save, 2 shut down,
// 3 forced shut down).
type OfflineOptions struct {
	// Flags are CLUSAPI_GROUP_OFFLINE_* flags: 0, or
	// CLUSAPI_GROUP_OFFLINE_IGNORE_RESOURCE_STATUS to take the group offline
	// even if a resource is in locked mode.
	Flags uint32
	// Params is the input buffer as a property list.
	Params proplist.List
	// InBuffer is the input buffer as bytes; it is sent with its length.
	InBuffer []byte
}

// Online brings the group online (OnlineClusterGroupEx). It answers with
// an Operation whose Status is ERROR_SUCCESS when the group was online
// already, or ERROR_IO_PENDING when the cluster accepted the request and is
// working on it; wait for the outcome with Operation.Wait. A rejected
// request (locked mode, a pending group, a paused node, ...) is an error,
// and changed nothing.
func (g Groups) Online(ctx context.Context, name string, opts OnlineOptions) (*Operation, error) {
	return g.c.onlineGroup(ctx, groupRef{name: name}, opts.Node, opts.Flags, opts.InBuffer, uint32(len(opts.InBuffer)), opts.Params)
}

// Offline takes the group offline (OfflineClusterGroupEx). It answers with
// an Operation whose Status is ERROR_SUCCESS when the group was offline
// already, or ERROR_IO_PENDING when the cluster accepted the request (from
// then on nobody reads the group as Online); wait for the outcome with
// Operation.Wait. An offline asked for while the same offline is under way
// joins it. A rejected request is an error, and changed nothing:
// ERROR_INVALID_PARAMETER for bad flags or a bad input buffer,
// ERROR_GROUP_NOT_FOUND, ERROR_CLUSTER_RESOURCE_LOCKED_STATUS when a
// resource is in locked mode and the flag to ignore it is not set,
// ERROR_ACCESS_DENIED without Full access.
func (g Groups) Offline(ctx context.Context, name string, opts OfflineOptions) (*Operation, error) {
	return g.c.offlineGroup(ctx, groupRef{name: name}, opts.Flags, opts.InBuffer, uint32(len(opts.InBuffer)), opts.Params)
}

func (c *Client) onlineGroup(ctx context.Context, ref groupRef, node string, flags uint32, buf []byte, size uint32, params proplist.List) (*Operation, error) {
	resp, err := unary(ctx, c, "OnlineClusterGroupEx", c.conn.Groups.OnlineGroup, &batonv1.OnlineGroupRequest{
		Group: ref.pb(), Node: node, Flags: flags, InBuffer: buf, InBufferSize: size, Params: toPBList(params),
	})
	if err != nil {
		return nil, err
	}
	return newOperation(c, ref, ClusterGroupOnline, resp)
}

func (c *Client) offlineGroup(ctx context.Context, ref groupRef, flags uint32, buf []byte, size uint32, params proplist.List) (*Operation, error) {
	resp, err := unary(ctx, c, "OfflineClusterGroupEx", c.conn.Groups.OfflineGroup, &batonv1.OfflineGroupRequest{
		Group: ref.pb(), Flags: flags, InBuffer: buf, InBufferSize: size, Params: toPBList(params),
	})
	if err != nil {
		return nil, err
	}
	return newOperation(c, ref, ClusterGroupOffline, resp)
}
