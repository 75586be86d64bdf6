package clusapi

import (
	"context"
	"io"

	"connectrpc.com/connect"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
)

// Event is one change to the cluster, at the database revision it
// happened at.
type Event struct {
	Revision int64
	// Kind is node, group, resource, resourceState, groupState, operation,
	// security, token or cluster; "sync" opens a stream and carries only
	// the revision it starts after.
	Kind   string
	Action string // put or delete
	Name   string
	Group  string
	// Change is the CLUSTER_CHANGE_* bit for this event (0 for kinds WSFC
	// has none for, like operations), and ChangeName its name
	// ("CLUSTER_CHANGE_GROUP_STATE"; "" for 0).
	Change     uint32
	ChangeName string
	// State is set for resourceState (a ClusterResourceState value),
	// groupState (a ClusterGroupState value) and node (a ClusterNodeState
	// value) events, with its name in StateName.
	State     int32
	StateName string
	// ID is the object's id when the event carries the object (groups and
	// resources); OwnerNode is a group's owner after the change, and Type
	// a resource's type.
	ID        string
	OwnerNode string
	// OwnerChanged is set on a group's put that gave it another owner
	// node.
	OwnerChanged bool
	Type         string
	// Operation is the operation's record after the change, for operation
	// events (its Outcome is set once it finished); nil for other kinds.
	Operation *OperationRecord
}

// WatchOptions choose what a stream sends.
type WatchOptions struct {
	// SinceRevision resumes after that revision (0: from now on). If it
	// has been compacted away the stream fails with
	// ERROR_CLUSTER_DATABASE_SEQMISMATCH.
	SinceRevision int64
	Group         string // only this group and its resources
}

// EventStream is a stream of events; Next blocks for the next one.
type EventStream struct {
	stream *connect.ServerStreamForClient[batonv1.Event]
	cancel context.CancelFunc
}

// Watch opens a stream of every change to the cluster.
func (c *Client) Watch(ctx context.Context, opts WatchOptions) (*EventStream, error) {
	if c.closed.Load() {
		return nil, apiErr(ERROR_INVALID_HANDLE, "Watch: the client is closed")
	}
	ctx, cancel := context.WithCancel(ctx)
	s, err := c.conn.Events.Watch(ctx, connect.NewRequest(&batonv1.WatchRequest{SinceRevision: opts.SinceRevision, Group: opts.Group}))
	if err != nil {
		cancel()
		return nil, callError(ctx, "Watch", err)
	}
	return &EventStream{stream: s, cancel: cancel}, nil
}

// Next returns the next event, or the error that ended the stream. When
// the agent ended the stream itself (it is stopping), the error is
// RPC_S_SERVER_UNAVAILABLE and errors.Is(err, io.EOF) reports true.
func (s *EventStream) Next() (Event, error) {
	if !s.stream.Receive() {
		err := s.stream.Err()
		if err == nil {
			return Event{}, &APIError{Code: RPC_S_SERVER_UNAVAILABLE, Message: "the event stream ended", cause: io.EOF}
		}
		return Event{}, FromConnectError(err)
	}
	m := s.stream.Msg()
	ev := Event{Revision: m.Revision, Kind: m.Kind, Action: m.Action, Name: m.Name, Group: m.Group,
		Change: m.ClusterChange, ChangeName: m.ClusterChangeName, State: m.State, StateName: m.StateName}
	if g := m.GetGroupInfo(); g != nil {
		ev.ID, ev.OwnerNode, ev.OwnerChanged = g.GetId(), g.GetOwnerNode(), m.GetOwnerChanged()
	}
	if r := m.GetResource(); r != nil {
		ev.ID, ev.Type = r.GetId(), r.GetType()
	}
	if op := m.GetOperation(); op != nil {
		ev.Operation = operationFromPB(op)
	}
	if n := m.GetNode(); n != nil && ev.StateName == "" {
		ev.State, ev.StateName = n.GetState(), ClusterNodeState(n.GetState()).String()
	}
	return ev, nil
}

// Close ends the stream.
func (s *EventStream) Close() {
	s.cancel()
	_ = s.stream.Close()
}
