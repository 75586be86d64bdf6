package clusapi

import (
	"context"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
)

// FailClusterResource has the resource's node treat it as if its health
// check had failed ([MS-CMRP] ApiFailResource), for testing the failover
// policy: RestartAction, RestartThreshold and RestartPeriod decide whether
// it is restarted where it is or stays Failed and its group fails over,
// exactly as after a failed IsAlive. ERROR_SUCCESS once the request is
// recorded: the node acts on it just after.
//
// ERROR_INVALID_STATE if the resource is not Online. Deliberate
// difference: protocol version 3 also accepts OnlinePending and
// OfflinePending; baton accepts Online only, as version 2 did.
// ERROR_RESOURCE_NOT_AVAILABLE if the resource was deleted since the
// handle was opened; ERROR_ACCESS_DENIED for a caller with Read access.
func FailClusterResource(hResource HRESOURCE) Errno {
	return FailClusterResourceContext(context.Background(), hResource)
}

// FailClusterResourceContext is FailClusterResource bounded by ctx.
func FailClusterResourceContext(ctx context.Context, hResource HRESOURCE) Errno {
	h := (*resourceHandle)(hResource)
	if !h.valid() {
		return ERROR_INVALID_HANDLE
	}
	ctx, cancel := callCtx(ctx)
	defer cancel()
	_, err := unary(ctx, h.cluster.c, "FailClusterResource", h.cluster.c.conn.Verbs.FailResource, &batonv1.FailResourceRequest{
		Resource: h.ref.pb(),
	})
	return ErrnoOf(err)
}
