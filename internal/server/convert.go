package server

import (
	"fmt"
	"sort"
	"time"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
	"github.com/batoncluster/baton/clusapi"
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
		Resources: g.Resources, State: int32(st), StateName: st.String(),
		Properties:      wire.FromList(ops.GroupProperties(g.Policy)),
		LastOperationId: g.LastOperation,
		MoveTo:          g.MoveTo,
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
	return m
}

func resourceMsg(v store.View, r *store.Resource) *batonv1.Resource {
	m := &batonv1.Resource{
		Name: r.Name, Id: r.ID, Group: r.Group, Type: r.Type, DependsOn: r.DependsOn,
		CommonProperties:  wire.FromList(ops.ResourceCommonProperties(r.Common)),
		PrivateProperties: wire.FromList(r.Private),
	}
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
		return nil, 0, fmt.Errorf("send the input buffer as in_buffer or as params, not both: %w", clusapi.ERROR_INVALID_PARAMETER)
	}
	l, err := toList(params)
	if err != nil {
		return nil, 0, err
	}
	b := l.MarshalCompact()
	return b, uint32(len(b)), nil
}

// toList converts a request's property list; a malformed one answers
// ERROR_INVALID_PARAMETER.
func toList(pl *batonv1.PropertyList) (proplist.List, error) {
	l, err := wire.ToList(pl)
	if err != nil {
		return nil, fmt.Errorf("%v: %w", err, clusapi.ERROR_INVALID_PARAMETER)
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
	out := &batonv1.Operation{Id: op.ID, Kind: op.Kind, Group: op.Group, Resource: op.Resource, Flags: op.Flags,
		InBuffer: op.InBuffer, Caller: op.Caller, CreatedUnixNano: op.Created.UnixNano(), Outcome: op.Outcome}
	if !op.Finished.IsZero() {
		out.FinishedUnixNano = op.Finished.UnixNano()
	}
	return out
}
