package clusapi

import (
	"context"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
)

// SetClusterResourceName renames a resource ([MS-CMRP]
// ApiSetResourceName). ERROR_SUCCESS once renamed. Nothing is stopped or
// started: the node that hosts it carries on under the new name, and the
// resources that depend on it name it anew. As on Windows, handles follow
// the resource, not its name: hResource and every other handle opened
// before the rename keep working (the agent finds the resource by the id
// the handle was opened with); a handle opened by the old name after the
// rename is not possible (ERROR_RESOURCE_NOT_FOUND).
//
// Codes: ERROR_INVALID_NAME for an empty name, or one baton cannot store
// (over 255 characters, '/', control characters); ERROR_ALREADY_EXISTS
// for the name or id of another resource; ERROR_SUCCESS, changing nothing,
// for its own name; ERROR_INVALID_STATE — baton's choice, Windows renames
// at any time — while the resource is in a pending state or its group is
// moving; ERROR_RESOURCE_NOT_AVAILABLE if it was deleted since the handle
// was opened; ERROR_ACCESS_DENIED for a caller with Read access. A refusal
// changes nothing. Deliberate differences: operation records keep the
// name the resource had when they were made, and the resource comes last
// in its group's order. The resource type's instance keeps the name it
// was made with until its node makes it again (the agent restarts, or the
// resource comes online after resting offline): a type that derives state
// from the name — an OCF agent's OCF_RESOURCE_INSTANCE, which some agents
// put in their state or PID file names — sees the new name only then, so
// rename such a resource while it is offline.
func SetClusterResourceName(hResource HRESOURCE, lpszResourceName string) Errno {
	return SetClusterResourceNameContext(context.Background(), hResource, lpszResourceName)
}

// SetClusterResourceNameContext is SetClusterResourceName bounded by ctx.
func SetClusterResourceNameContext(ctx context.Context, hResource HRESOURCE, lpszResourceName string) Errno {
	h := (*resourceHandle)(hResource)
	if !h.valid() {
		return ERROR_INVALID_HANDLE
	}
	ctx, cancel := callCtx(ctx)
	defer cancel()
	_, err := unary(ctx, h.cluster.c, "SetClusterResourceName", h.cluster.c.conn.Verbs.RenameResource, &batonv1.RenameResourceRequest{
		Resource: h.ref.pb(), Name: lpszResourceName,
	})
	return ErrnoOf(err)
}

// Rename renames the resource called name to newName
// (SetClusterResourceName): nothing is stopped or started.
func (r Resources) Rename(ctx context.Context, name, newName string) error {
	_, err := unary(ctx, r.c, "RenameResource", r.c.conn.Verbs.RenameResource, &batonv1.RenameResourceRequest{
		Resource: resourceRef{name: name}.pb(), Name: newName,
	})
	return err
}

// SetClusterGroupName renames a group ([MS-CMRP] ApiSetGroupName).
// ERROR_SUCCESS once renamed. As Windows allows, the group may be online:
// nothing is stopped or started, the node that owns it carries on under
// the new name (its claim on the group goes with it in the same change),
// and its resources, operations and history follow. Handles follow the
// group, not its name: hGroup and every other handle opened before the
// rename keep working (the agent finds the group by the id the handle was
// opened with).
//
// Codes: ERROR_INVALID_NAME for an empty name, or one baton cannot store;
// ERROR_ALREADY_EXISTS for the name or id of another group; ERROR_SUCCESS,
// changing nothing, for its own name; ERROR_INVALID_STATE — baton's
// choice — while the group moves, waits in the move queue, or a resource
// of it is in a pending state (an online or offline under way: rename it
// once it settles); ERROR_GROUP_NOT_AVAILABLE if it was deleted since the
// handle was opened; ERROR_ACCESS_DENIED for a caller with Read access. A
// refusal changes nothing.
func SetClusterGroupName(hGroup HGROUP, lpszGroupName string) Errno {
	return SetClusterGroupNameContext(context.Background(), hGroup, lpszGroupName)
}

// SetClusterGroupNameContext is SetClusterGroupName bounded by ctx.
func SetClusterGroupNameContext(ctx context.Context, hGroup HGROUP, lpszGroupName string) Errno {
	h := (*groupHandle)(hGroup)
	if !h.valid() {
		return ERROR_INVALID_HANDLE
	}
	ctx, cancel := callCtx(ctx)
	defer cancel()
	_, err := unary(ctx, h.cluster.c, "SetClusterGroupName", h.cluster.c.conn.Verbs.RenameGroup, &batonv1.RenameGroupRequest{
		Group: h.ref.pb(), Name: lpszGroupName,
	})
	return ErrnoOf(err)
}

// Rename renames the group called name to newName (SetClusterGroupName):
// nothing is stopped or started.
func (g Groups) Rename(ctx context.Context, name, newName string) error {
	_, err := unary(ctx, g.c, "RenameGroup", g.c.conn.Verbs.RenameGroup, &batonv1.RenameGroupRequest{
		Group: groupRef{name: name}.pb(), Name: newName,
	})
	return err
}
