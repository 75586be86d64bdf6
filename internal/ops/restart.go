package ops

import (
	"context"

	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/store"
)

// RestartResource is RestartClusterResource(Ex) ([MS-CMRP]
// ApiRestartResource): the resource goes offline and comes back, without
// a change to its persistent state. As an offline does, it takes the
// resources that depend on it offline first; every one of them that was
// Online comes back with it (providers first), as Windows restarts a
// resource's dependents with it.
//
// It answers once the resources are on their way back: ERROR_SUCCESS,
// with the operation that brings them back ([MS-CMRP] has ApiRestartResource
// answer ERROR_SUCCESS on success and clients treat any other value as a
// failure, so not ERROR_IO_PENDING), or when the offline ended in
// something else than Offline (ERROR_RESOURCE_FAILED: nothing is
// brought back). The call waits for the offline as a synchronous online
// waits for its group, for as long as the caller's context allows: a
// caller that goes away before the offline finished, or an agent that
// stops meanwhile, leaves the resources offline, their persistent state
// still online (the answer is then the context's: at the client 1726,
// or 997 when the client sees its deadline first — here the offline goes
// on and the online will not happen). Waiting on the caller's context, not a detached one, is what
// keeps no handler running after its caller or its agent is gone.
//
// Codes: ERROR_INVALID_PARAMETER for flags other than 0 (the header's
// dwFlags is reserved: clients must pass 0; Windows ignores it);
// ERROR_INVALID_STATE for a resource that is not Online (there is nothing
// to restart, or an operation is under way), or a dependent coming
// online; the locked-mode and missing-resource codes of
// OfflineClusterResourceEx.
func (e *Engine) RestartResource(ctx context.Context, ref ResourceRef, flags uint32, caller string) (Result, error) {
	if flags != 0 {
		return Result{}, fail(wsfc.ERROR_INVALID_PARAMETER, "RestartClusterResource: dwFlags %#x is reserved and must be 0", flags)
	}
	v := e.st.View()
	r, err := LookupResource(v, ref)
	if err != nil {
		return Result{}, err
	}
	if s := v.ResourceState(r.Name); s != wsfc.ClusterResourceOnline {
		return Result{}, fail(wsfc.ERROR_INVALID_STATE, "resource %q is %s; only an Online resource can be restarted", r.Name, s)
	}
	back := []string{r.Name}
	for _, d := range offlineDependents(v, r) {
		if v.ResourceState(d.Name) == wsfc.ClusterResourceOnline {
			back = append(back, d.Name)
		}
	}
	off, err := e.OfflineResource(ctx, ref, Request{Flags: wsfc.CLUSAPI_RESOURCE_OFFLINE_DO_NOT_UPDATE_PERSISTENT_STATE, Caller: caller})
	if err != nil {
		return Result{}, err
	}
	if err := e.waitResources(ctx, back, off.OperationID); err != nil {
		return Result{}, err
	}
	return decide(ctx, e.st, func(v store.View, t *store.Txn) (Result, error) {
		op := e.newOp(store.OpRestartResource, Request{Caller: caller})
		op.Group, op.Resource = r.Group, r.Name
		n := 0
		for _, name := range back {
			if v.Resource(name) == nil {
				continue // deleted meanwhile
			}
			if s := v.ResourceState(name); s == wsfc.ClusterResourceOffline {
				e.setPending(t, v, name, pending{state: wsfc.ClusterResourceOnlinePending, op: op, persistent: keepPersistent})
				n++
			}
		}
		if n == 0 {
			return Result{Status: wsfc.ERROR_SUCCESS}, nil // something else brought them back
		}
		t.PutOperation(op)
		return Result{Status: wsfc.ERROR_SUCCESS, OperationID: op.ID}, nil
	})
}

// waitResources waits until none of the named resources is pending; then
// ERROR_RESOURCE_FAILED if one failed, else nil (ctx's error when it ends
// first).
func (e *Engine) waitResources(ctx context.Context, names []string, op string) error {
	sub := e.st.Subscribe()
	defer sub.Close()
	for {
		v := e.st.View()
		pendingOne := false
		for _, name := range names {
			switch s := v.ResourceState(name); {
			case s == wsfc.ClusterResourceFailed:
				return fail(wsfc.ERROR_RESOURCE_FAILED, "resource %q failed to go offline (operation %s); nothing was brought back", name, op)
			case s.IsPending():
				pendingOne = true
			}
		}
		if !pendingOne {
			return nil
		}
		select {
		case <-sub.C():
			sub.Take()
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
