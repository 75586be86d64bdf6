package ops

import (
	"context"

	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/store"
)

// SetClusterName renames the cluster (SetClusterName): the name is the
// cluster record's, shown by OpenCluster and GetClusterInformation, and
// takes effect at once. A name that is not a valid object name is
// ERROR_INVALID_PARAMETER; a cluster still forming has no record to
// rename (ERROR_CLUSTER_NODE_NOT_READY).
func (e *Engine) SetClusterName(ctx context.Context, name string) error {
	if err := checkName("cluster", name); err != nil {
		return err
	}
	_, err := e.st.Update(ctx, func(v store.View, t *store.Txn) error {
		c := v.Cluster()
		if c == nil {
			return fail(wsfc.ERROR_CLUSTER_NODE_NOT_READY, "the cluster is still forming")
		}
		if c.Name == name {
			return nil
		}
		n := *c
		n.Name = name
		t.PutCluster(&n)
		return nil
	})
	return err
}
