package clusapi

import (
	"context"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
)

// callCtx is the context of one call of a handle function: the caller's,
// which alone bounds the call (the functions without a context pass
// context.Background(): no limit but the client's WithTimeout).
func callCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithCancel(ctx)
}

// getGroup reads the group ref names; a ref with an id answers
// ERROR_GROUP_NOT_AVAILABLE once that group is gone.
func (c *Client) getGroup(ctx context.Context, ref groupRef) (*Group, error) {
	resp, err := unary(ctx, c, "GetGroup", c.conn.Groups.GetGroup, &batonv1.GetGroupRequest{Group: ref.pb()})
	if err != nil {
		return nil, err
	}
	return c.Groups().convert("GetGroup", resp.GetGroup())
}

// getResource reads the resource ref names; a ref with an id answers
// ERROR_RESOURCE_NOT_AVAILABLE once that resource is gone.
func (c *Client) getResource(ctx context.Context, ref resourceRef) (*Resource, error) {
	resp, err := unary(ctx, c, "GetResource", c.conn.Resources.GetResource, &batonv1.GetResourceRequest{Resource: ref.pb()})
	if err != nil {
		return nil, err
	}
	return c.Resources().convert("GetResource", resp.GetResource())
}
