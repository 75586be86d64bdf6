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
// in its group's order.
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
