package clusapi

import (
	"context"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
)

// ChangeClusterResourceGroup moves a resource into the group hGroup
// ([MS-CMRP] ApiChangeResourceGroup), together with every resource of its
// dependency tree — those it depends on and those that depend on it,
// directly or not — as Windows does ("changing resource B to group 2 will
// move the entire dependency tree"). ERROR_SUCCESS once moved: one
// transaction moves them all or none.
//
// Both groups must be owned by the same node, whatever the resources'
// states (ERROR_HOST_NODE_NOT_GROUP_OWNER otherwise). Nothing is stopped
// or started: an Online resource stays online and its processes run on,
// now counted in hGroup (whose state is derived from its new resources),
// its state sequence incremented as [MS-CMRP] requires;
// if one is Online, hGroup is claimed for the owner with it. Deliberate
// difference: the groups' persistent states are left as they are (a
// resource Online in a group kept offline does not come back after a
// failover or a restart of its node, as after OnlineClusterResource in
// such a group).
//
// Codes: ERROR_INVALID_HANDLE for a closed handle or handles of two
// clusters; ERROR_ALREADY_EXISTS (183) when the resource is in hGroup
// already; ERROR_INVALID_STATE — baton's choice, not documented by
// Windows — while either group is being moved or a resource of the tree
// is in a pending state (wait until it settles); ERROR_RESOURCE_NOT_AVAILABLE
// / ERROR_GROUP_NOT_AVAILABLE for an object deleted since its handle was
// opened; ERROR_ACCESS_DENIED for a caller with Read access. A refusal
// changes nothing.
func ChangeClusterResourceGroup(hResource HRESOURCE, hGroup HGROUP) Errno {
	return ChangeClusterResourceGroupExContext(context.Background(), hResource, hGroup, 0)
}

// ChangeClusterResourceGroupEx is ChangeClusterResourceGroup with flags:
// 0 is the only value baton takes. CLUSAPI_CHANGE_RESOURCE_GROUP_FORCE_MOVE_TO_CSV
// and any other bit answer ERROR_INVALID_PARAMETER (baton has no cluster
// shared volumes).
func ChangeClusterResourceGroupEx(hResource HRESOURCE, hGroup HGROUP, flags uint64) Errno {
	return ChangeClusterResourceGroupExContext(context.Background(), hResource, hGroup, flags)
}

// ChangeClusterResourceGroupContext is ChangeClusterResourceGroup bounded
// by ctx.
func ChangeClusterResourceGroupContext(ctx context.Context, hResource HRESOURCE, hGroup HGROUP) Errno {
	return ChangeClusterResourceGroupExContext(ctx, hResource, hGroup, 0)
}

// ChangeClusterResourceGroupExContext is ChangeClusterResourceGroupEx
// bounded by ctx.
func ChangeClusterResourceGroupExContext(ctx context.Context, hResource HRESOURCE, hGroup HGROUP, flags uint64) Errno {
	r, g := (*resourceHandle)(hResource), (*groupHandle)(hGroup)
	if !r.valid() || !g.valid() || r.cluster.id != g.cluster.id {
		return ERROR_INVALID_HANDLE
	}
	ctx, cancel := callCtx(ctx)
	defer cancel()
	_, err := unary(ctx, r.cluster.c, "ChangeClusterResourceGroup", r.cluster.c.conn.Verbs.ChangeResourceGroup, &batonv1.ChangeResourceGroupRequest{
		Resource: r.ref.pb(), Group: g.ref.pb(), Flags: flags,
	})
	return ErrnoOf(err)
}

// ChangeGroup moves the resource called name, with its whole dependency
// tree, into group (ChangeClusterResourceGroup), and returns the names of
// the resources moved, name first. Nothing is stopped or started; the two
// groups must have the same owner node.
func (r Resources) ChangeGroup(ctx context.Context, name, group string) ([]string, error) {
	resp, err := unary(ctx, r.c, "ChangeResourceGroup", r.c.conn.Verbs.ChangeResourceGroup, &batonv1.ChangeResourceGroupRequest{
		Resource: resourceRef{name: name}.pb(), Group: groupRef{name: group}.pb(),
	})
	if err != nil {
		return nil, err
	}
	return resp.GetResources(), nil
}
