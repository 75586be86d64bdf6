package clusapi

import (
	"context"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
)

// SetClusterName renames the cluster. On success it answers
// ERROR_RESOURCE_PROPERTIES_STORED, as its page says Windows does (where
// the name waits for the cluster's Network Name resource to come online
// again); baton's name takes effect at once — GetClusterInformation
// reads it right after. A name that is empty, longer than 255
// characters, or holds '/' or a control character answers
// ERROR_INVALID_PARAMETER; a caller without Full access ERROR_ACCESS_DENIED.
func SetClusterName(hCluster HCLUSTER, lpszNewClusterName string) Errno {
	return SetClusterNameContext(context.Background(), hCluster, lpszNewClusterName)
}

// SetClusterNameContext is SetClusterName bounded by ctx.
func SetClusterNameContext(ctx context.Context, hCluster HCLUSTER, lpszNewClusterName string) Errno {
	h := (*clusterHandle)(hCluster)
	if !h.valid() {
		return ERROR_INVALID_HANDLE
	}
	ctx, cancel := callCtx(ctx)
	defer cancel()
	if err := h.c.SetClusterName(ctx, lpszNewClusterName); err != nil {
		return ErrnoOf(err)
	}
	return ERROR_RESOURCE_PROPERTIES_STORED
}

// SetClusterName renames the cluster; the new name takes effect at once.
func (c *Client) SetClusterName(ctx context.Context, name string) error {
	_, err := unary(ctx, c, "SetClusterName", c.conn.Cluster.SetClusterName, &batonv1.SetClusterNameRequest{Name: name})
	return err
}
