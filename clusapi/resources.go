package clusapi

import (
	"context"
	"time"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
	"github.com/batoncluster/baton/proplist"
)

// Resource is one managed thing of a group.
type Resource struct {
	Name      string
	ID        string // changes when a resource is deleted and created again
	Group     string
	Type      string // the resource type's name, e.g. "dummy"
	DependsOn []string
	// DependencyExpression is the dependency expression when it has an
	// "or" ("([a] or [b]) and [c]", docs/dependencies.md); "" when the
	// resource depends on all of DependsOn.
	DependencyExpression string
	// CommonProperties are the properties every resource has
	// (RestartAction, PendingTimeout, ...), defaults included.
	CommonProperties proplist.List
	// PrivateProperties are the resource type's own settings.
	PrivateProperties proplist.List
	State             ClusterResourceState
	OwnerNode         string
	// Locked reports locked mode: the resource must stay in its current
	// state now (LockedReason says why); state changes that do not ignore
	// it answer ERROR_CLUSTER_RESOURCE_LOCKED_STATUS.
	Locked       bool
	LockedReason string
	// Status is what the resource type reports about the resource.
	Status          proplist.List
	StateSequence   uint64
	LastError       string
	PersistentState uint32 // 1: the cluster keeps it online, 0: offline
	// Restarts are the restarts by the restart policy within RestartPeriod
	// (they count against RestartThreshold), oldest first, and
	// RestartCountExpires is when the oldest stops counting (zero when
	// none counts).
	Restarts            []time.Time
	RestartCountExpires time.Time
	// PossibleOwners are the nodes that may host the resource
	// (AddClusterResourceNode), by name: every node of the cluster unless
	// PossibleOwnersExplicit, when they are the resource's own list,
	// which may be empty.
	PossibleOwners         []string
	PossibleOwnersExplicit bool
}

func resourceFromPB(r *batonv1.Resource) (*Resource, error) {
	common, err := fromPBList(r.GetCommonProperties())
	if err != nil {
		return nil, err
	}
	private, err := fromPBList(r.GetPrivateProperties())
	if err != nil {
		return nil, err
	}
	status, err := fromPBList(r.GetStatus())
	if err != nil {
		return nil, err
	}
	return &Resource{
		Name:                   r.GetName(),
		ID:                     r.GetId(),
		Group:                  r.GetGroup(),
		Type:                   r.GetType(),
		DependsOn:              r.GetDependsOn(),
		DependencyExpression:   r.GetDependencyExpression(),
		CommonProperties:       common,
		PrivateProperties:      private,
		State:                  ClusterResourceState(r.GetState()),
		OwnerNode:              r.GetOwnerNode(),
		Locked:                 r.GetLocked(),
		LockedReason:           r.GetLockedReason(),
		Status:                 status,
		StateSequence:          r.GetStateSequence(),
		LastError:              r.GetLastError(),
		PersistentState:        r.GetPersistentState(),
		Restarts:               timesFromPB(r.GetRestartsUnixNano()),
		RestartCountExpires:    unixNano(r.GetRestartCountExpiresUnixNano()),
		PossibleOwners:         r.GetPossibleOwners(),
		PossibleOwnersExplicit: r.GetPossibleOwnersExplicit(),
	}, nil
}

// ResourceStatus is the state of a resource (GetClusterResourceState).
type ResourceStatus struct {
	Name         string
	State        ClusterResourceState
	OwnerNode    string
	Group        string
	Locked       bool
	LockedReason string
}

// Resources are the calls on resources (the clusapi *ClusterResource*
// functions). Resources are named by name; an unknown name answers
// ERROR_RESOURCE_NOT_FOUND.
type Resources struct{ c *Client }

// Resources returns the calls on resources.
func (c *Client) Resources() Resources { return Resources{c} }

// resourceRef names a resource; id, when set, must still match (handles).
type resourceRef struct{ name, id string }

func (r resourceRef) pb() *batonv1.ResourceRef { return &batonv1.ResourceRef{Name: r.name, Id: r.id} }

// Open resolves a resource name to the resource's id (the server side of
// OpenClusterResource).
func (r Resources) Open(ctx context.Context, name string) (id string, err error) {
	resp, err := unary(ctx, r.c, "OpenResource", r.c.conn.Resources.OpenResource, &batonv1.OpenResourceRequest{Name: name})
	if err != nil {
		return "", err
	}
	return resp.GetId(), nil
}

// CreateResourceOptions are the optional settings of a new resource.
type CreateResourceOptions struct {
	// DependsOn names resources of the same group this one depends on.
	DependsOn []string
	// Properties are common and private properties together; the names
	// tell them apart.
	Properties proplist.List
}

// Create creates an offline resource called name, of type typ, in group.
func (r Resources) Create(ctx context.Context, name, group, typ string, opts CreateResourceOptions) (*Resource, error) {
	resp, err := unary(ctx, r.c, "CreateResource", r.c.conn.Resources.CreateResource, &batonv1.CreateResourceRequest{
		Name: name, Group: group, Type: typ, DependsOn: opts.DependsOn, Properties: toPBList(opts.Properties),
	})
	if err != nil {
		return nil, err
	}
	return r.convert("CreateResource", resp.GetResource())
}

func (r Resources) convert(call string, pb *batonv1.Resource) (*Resource, error) {
	out, err := resourceFromPB(pb)
	if err != nil {
		return nil, badReply(call, err)
	}
	return out, nil
}

// Delete deletes a resource.
func (r Resources) Delete(ctx context.Context, name string) error {
	_, err := unary(ctx, r.c, "DeleteResource", r.c.conn.Resources.DeleteResource, &batonv1.DeleteResourceRequest{
		Resource: resourceRef{name: name}.pb(),
	})
	return err
}

// List lists the resources of group in the group's order (the order they
// were created), or of every group by name if group is "". It reads them
// a page at a time, as Groups.List does.
func (r Resources) List(ctx context.Context, group string) ([]Resource, error) {
	var out []Resource
	token := ""
	for {
		resp, err := unary(ctx, r.c, "ListResources", r.c.conn.Resources.ListResources, &batonv1.ListResourcesRequest{Group: group, PageSize: r.c.pageSize, PageToken: token})
		if err != nil {
			return nil, err
		}
		for _, pb := range resp.GetResources() {
			res, err := r.convert("ListResources", pb)
			if err != nil {
				return nil, err
			}
			out = append(out, *res)
		}
		if token = resp.GetNextPageToken(); token == "" {
			return out, nil
		}
	}
}

// Get returns the resource called name.
func (r Resources) Get(ctx context.Context, name string) (*Resource, error) {
	resp, err := unary(ctx, r.c, "GetResource", r.c.conn.Resources.GetResource, &batonv1.GetResourceRequest{
		Resource: resourceRef{name: name}.pb(),
	})
	if err != nil {
		return nil, err
	}
	return r.convert("GetResource", resp.GetResource())
}

// State returns the state of the resource called name, its owner node,
// its group and its locked mode.
func (r Resources) State(ctx context.Context, name string) (ResourceStatus, error) {
	return r.c.resourceState(ctx, resourceRef{name: name})
}

func (c *Client) resourceState(ctx context.Context, ref resourceRef) (ResourceStatus, error) {
	resp, err := unary(ctx, c, "GetResourceState", c.conn.Resources.GetResourceState, &batonv1.GetResourceStateRequest{Resource: ref.pb()})
	if err != nil {
		return ResourceStatus{Name: ref.name, State: ClusterResourceStateUnknown}, err
	}
	return ResourceStatus{
		Name:         resp.GetName(),
		State:        ClusterResourceState(resp.GetState()),
		OwnerNode:    resp.GetOwnerNode(),
		Group:        resp.GetGroup(),
		Locked:       resp.GetLocked(),
		LockedReason: resp.GetLockedReason(),
	}, nil
}

// SetProperties sets common and private properties of the resource in one
// change, and returns once the hosting node has applied them.
func (r Resources) SetProperties(ctx context.Context, name string, props proplist.List) (*Resource, error) {
	resp, err := unary(ctx, r.c, "SetResourceProperties", r.c.conn.Resources.SetResourceProperties, &batonv1.SetResourcePropertiesRequest{
		Resource: resourceRef{name: name}.pb(), Properties: toPBList(props),
	})
	if err != nil {
		return nil, err
	}
	return r.convert("SetResourceProperties", resp.GetResource())
}

// AddDependency makes the resource called name depend on dependsOn, which
// then comes online before it and goes offline after it.
func (r Resources) AddDependency(ctx context.Context, name, dependsOn string) error {
	_, err := unary(ctx, r.c, "AddDependency", r.c.conn.Resources.AddDependency, &batonv1.AddDependencyRequest{
		Resource: resourceRef{name: name}.pb(), DependsOn: dependsOn,
	})
	return err
}

// RemoveDependency removes the dependency of name on dependsOn.
func (r Resources) RemoveDependency(ctx context.Context, name, dependsOn string) error {
	_, err := unary(ctx, r.c, "RemoveDependency", r.c.conn.Resources.RemoveDependency, &batonv1.RemoveDependencyRequest{
		Resource: resourceRef{name: name}.pb(), DependsOn: dependsOn,
	})
	return err
}

// ResourceOptions are the arguments of Resources.Online
// (OnlineClusterResourceEx) and Resources.Offline (OfflineClusterResourceEx).
// Give the input buffer either as Params or as InBuffer, not both.
type ResourceOptions struct {
	// Flags are CLUSAPI_RESOURCE_ONLINE_* or CLUSAPI_RESOURCE_OFFLINE_*
	// flags.
	Flags uint32
	// Params is the input buffer as a property list.
	Params proplist.List
	// InBuffer is the input buffer as bytes; it is sent with its length.
	InBuffer []byte
}

// Online brings the resource online, and the resources it depends on
// first (OnlineClusterResourceEx). The answer is as for Groups.Online.
func (r Resources) Online(ctx context.Context, name string, opts ResourceOptions) (*ResourceOperation, error) {
	return r.c.onlineResource(ctx, resourceRef{name: name}, opts.Flags, opts.InBuffer, uint32(len(opts.InBuffer)), opts.Params)
}

// Offline takes the resource offline, and the resources that depend on it
// first (OfflineClusterResourceEx). The answer is as for Groups.Offline.
func (r Resources) Offline(ctx context.Context, name string, opts ResourceOptions) (*ResourceOperation, error) {
	return r.c.offlineResource(ctx, resourceRef{name: name}, opts.Flags, opts.InBuffer, uint32(len(opts.InBuffer)), opts.Params)
}

func (c *Client) onlineResource(ctx context.Context, ref resourceRef, flags uint32, buf []byte, size uint32, params proplist.List) (*ResourceOperation, error) {
	resp, err := unary(ctx, c, "OnlineClusterResourceEx", c.conn.Resources.OnlineResource, &batonv1.OnlineResourceRequest{
		Resource: ref.pb(), Flags: flags, InBuffer: buf, InBufferSize: size, Params: toPBList(params),
	})
	if err != nil {
		return nil, err
	}
	return newResourceOperation(c, ref, ClusterResourceOnline, resp)
}

func (c *Client) offlineResource(ctx context.Context, ref resourceRef, flags uint32, buf []byte, size uint32, params proplist.List) (*ResourceOperation, error) {
	resp, err := unary(ctx, c, "OfflineClusterResourceEx", c.conn.Resources.OfflineResource, &batonv1.OfflineResourceRequest{
		Resource: ref.pb(), Flags: flags, InBuffer: buf, InBufferSize: size, Params: toPBList(params),
	})
	if err != nil {
		return nil, err
	}
	return newResourceOperation(c, ref, ClusterResourceOffline, resp)
}
