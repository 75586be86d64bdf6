package ops

import (
	"context"

	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/store"
)

// FailResource is FailClusterResource ([MS-CMRP] ApiFailResource): the
// node that hosts the resource treats it as if its health check had just
// failed, so RestartAction, RestartThreshold and RestartPeriod decide
// whether it is restarted there or stays Failed and its group fails over.
// The request reaches the owner through the resource's status record
// (store.Status.FailSeq); the call returns once it is recorded, not once
// the owner has acted.
//
// Codes: ERROR_RESOURCE_NOT_FOUND / ERROR_RESOURCE_NOT_AVAILABLE for a
// missing resource; ERROR_INVALID_STATE for a resource that is not
// Online. Deliberate difference: protocol version 3 also accepts the
// OnlinePending and OfflinePending states; baton accepts Online only, as
// version 2 did (with version 3's code), since a pending resource's call
// in flight already ends in Online, Offline or Failed by itself.
func (e *Engine) FailResource(ctx context.Context, ref ResourceRef) error {
	_, err := e.st.Update(ctx, func(v store.View, t *store.Txn) error {
		r, err := LookupResource(v, ref)
		if err != nil {
			return err
		}
		st := v.Status(r.Name)
		if s := v.ResourceState(r.Name); st == nil || s != wsfc.ClusterResourceOnline {
			return fail(wsfc.ERROR_INVALID_STATE, "resource %q is %s; only an Online resource can be failed", r.Name, s)
		}
		if st.FailSeq == st.Seq {
			return nil // asked already
		}
		st = st.Clone()
		st.FailSeq = st.Seq
		t.PutStatus(st)
		return nil
	})
	return err
}
