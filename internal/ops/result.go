package ops

import (
	"context"

	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/store"
)

// Result answers an accepted state change: ERROR_SUCCESS when there was
// nothing to do, ERROR_IO_PENDING when the work goes on, with the id of
// the operation that does it.
type Result struct {
	Status      wsfc.Errno
	OperationID string
}

// decide is store.Decide for a decision that answers a Result: fn may run
// several times, and the answer is the one of the attempt that committed.
func decide(ctx context.Context, st *store.Store, fn func(v store.View, t *store.Txn) (Result, error)) (Result, error) {
	res, _, err := store.Decide(ctx, st, fn)
	return res, err
}

// Request is what every state-change call carries.
type Request struct {
	Flags    uint32
	InBuffer []byte
	Size     uint32
	Caller   string // principal, recorded with the operation
}

func (e *Engine) newOp(kind string, req Request) *store.Operation {
	return &store.Operation{
		ID: newID(), Kind: kind, Flags: req.Flags, InBuffer: req.InBuffer,
		Caller: req.Caller, Created: e.now(),
	}
}

// keepPersistent leaves a resource's persistent state as it is.
const keepPersistent = -1

// pending is the change an accepted operation makes to one resource.
type pending struct {
	state      wsfc.ClusterResourceState // OnlinePending or OfflinePending
	op         *store.Operation
	params     bool // the operation's input buffer is for this resource
	persistent int  // 0, 1 or keepPersistent
	terminate  bool // stop at once instead of a graceful offline
	// newNode: the resource is to run on another node than before, where
	// its restarts count from zero (RestartThreshold is per node).
	newNode bool
}

// setPending writes a resource's status for an accepted operation.
func (e *Engine) setPending(t *store.Txn, v store.View, name string, p pending) {
	st := v.Status(name)
	if st == nil {
		st = &store.Status{Resource: name}
	} else {
		st = st.Clone()
	}
	st.State = int32(p.state)
	st.Seq++
	st.OpID = p.op.ID
	st.OpParams = p.params
	st.Terminate = p.terminate
	st.LastError = ""
	st.Updated = e.now()
	if p.newNode {
		st.Restarts = nil
	}
	if p.persistent != keepPersistent {
		st.Persistent = uint32(p.persistent)
	}
	t.PutStatus(st)
}
