package server

import (
	"fmt"
	"slices"
	"sort"
	"time"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/ops"
	"github.com/batoncluster/baton/internal/store"
	"github.com/batoncluster/baton/internal/wire"
	"github.com/batoncluster/baton/proplist"
)

func groupMsg(v store.View, g *store.Group) *batonv1.Group {
	st := v.GroupState(g)
	m := &batonv1.Group{
		Name: g.Name, Id: g.ID, PreferredOwners: g.PreferredOwners,
		PersistentState: g.PersistentState, OwnerNode: g.OwnerNode,
		Resources: v.GroupResourceNames(g), State: int32(st), StateName: st.String(),
		Properties:        wire.FromList(ops.GroupProperties(g.Policy)),
		LastOperationId:   g.LastOperation,
		MoveTo:            g.MoveTo,
		StatusInformation: ops.GroupStatusInformation(v, g),
	}
	now := timeNow()
	period := time.Duration(g.Policy.FailoverPeriod) * time.Hour
	for _, f := range g.Failovers {
		if now.Sub(f) < period {
			m.FailoversUnixNano = append(m.FailoversUnixNano, f.UnixNano())
		}
	}
	if len(m.FailoversUnixNano) > 0 {
		m.FailoverCountExpiresUnixNano = m.FailoversUnixNano[0] + int64(period)
	}
	// A queued move another operation took the place of is over, although
	// the record may still hold it until the controller clears it.
	if q := g.QueuedMove; ops.MoveQueued(g) {
		m.QueuedMove = &batonv1.QueuedMove{
			OperationId: q.Op, To: q.To, Blocker: q.Blocker,
			Code: q.Code, CodeName: errnoName(q.Code), SinceUnixNano: unixNano(q.Since),
		}
	}
	return m
}

// recentRestarts returns, oldest first, the restarts of st that count
// against RestartThreshold now: those within the last RestartPeriod (the
// rule the resource host applies, internal/host/health.go), and when the
// oldest of them stops counting.
func recentRestarts(st *store.Status, periodMs uint32, now time.Time) (restarts []int64, expires int64) {
	period := time.Duration(periodMs) * time.Millisecond
	cut := now.Add(-period)
	for _, t := range st.Restarts {
		if t.After(cut) {
			restarts = append(restarts, t.UnixNano())
		}
	}
	if len(restarts) == 0 {
		return nil, 0
	}
	slices.Sort(restarts)
	return restarts, restarts[0] + int64(period)
}

// errnoName names a Win32 code; "" for 0 (no code to tell).
func errnoName(code uint32) string {
	if code == 0 {
		return ""
	}
	return wsfc.Errno(code).String()
}

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func resourceMsg(v store.View, r *store.Resource) *batonv1.Resource {
	m := &batonv1.Resource{
		Name: r.Name, Id: r.ID, Group: r.Group, Type: r.Type, DependsOn: r.DependsOn,
		CommonProperties:  wire.FromList(ops.ResourceCommonProperties(r.Common)),
		PrivateProperties: wire.FromList(r.Private),
	}
	if r.DependsExpr != nil {
		m.DependencyExpression = r.DependsExpr.String()
	}
	m.PossibleOwners, m.PossibleOwnersExplicit = ops.PossibleOwners(v, r), r.PossibleOwners != nil
	s := v.ResourceState(r.Name)
	m.State, m.StateName = int32(s), s.String()
	if g := v.Group(r.Group); g != nil {
		m.OwnerNode = g.OwnerNode
	}
	if st := v.Status(r.Name); st != nil {
		m.Locked, m.LockedReason = st.Locked, st.LockedReason
		m.Status = wire.FromList(st.Props)
		m.StateSequence = st.Seq
		m.LastError = st.LastError
		m.PersistentState = st.Persistent
		m.RestartsUnixNano, m.RestartCountExpiresUnixNano = recentRestarts(st, r.Common.RestartPeriod, timeNow())
	}
	return m
}

func opResult(r ops.Result) *batonv1.OperationResult {
	return &batonv1.OperationResult{Status: uint32(r.Status), StatusName: r.Status.String(), OperationId: r.OperationID}
}

// inBuffer returns the Ex call's input buffer: the bytes as sent, or the
// typed params encoded as Windows would; both at once is an error.
func inBuffer(buf []byte, size uint32, params *batonv1.PropertyList) ([]byte, uint32, error) {
	if params == nil || len(params.Properties) == 0 {
		return buf, size, nil
	}
	if len(buf) > 0 || size != 0 {
		return nil, 0, fmt.Errorf("send the input buffer as in_buffer or as params, not both: %w", wsfc.ERROR_INVALID_PARAMETER)
	}
	l, err := toList(params)
	if err != nil {
		return nil, 0, err
	}
	b := l.MarshalCompact()
	return b, uint32(len(b)), nil
}

// toList converts a request's property list. Every property list a call
// brings in passes here (properties of groups and resources, the typed
// params of the Ex calls): one that is malformed, or that does not
// validate (a NUL in a name or string, an empty MULTI_SZ string, nesting
// deeper than proplist.MaxDepth …: what the store could not keep and read
// back equal), answers ERROR_INVALID_PARAMETER before anything is done.
func toList(pl *batonv1.PropertyList) (proplist.List, error) {
	l, err := wire.ToList(pl)
	if err == nil {
		err = l.Validate()
	}
	if err != nil {
		return nil, fmt.Errorf("%v: %w", err, wsfc.ERROR_INVALID_PARAMETER)
	}
	return l, nil
}

func sortedPrincipals(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

var timeNow = time.Now

func operationMsg(op *store.Operation) *batonv1.Operation {
	return &batonv1.Operation{Id: op.ID, Kind: op.Kind, Group: op.Group, Resource: op.Resource, Flags: op.Flags,
		InBuffer: op.InBuffer, Caller: op.Caller, CreatedUnixNano: op.Created.UnixNano(),
		FinishedUnixNano: unixNano(op.Finished), Outcome: op.Outcome,
		From: op.From, To: op.To, Error: op.Error, ErrorName: errnoName(op.Error), Detail: op.Detail, Recovery: op.Recovery}
}
