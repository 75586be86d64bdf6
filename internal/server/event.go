package server

import (
	"context"
	"errors"
	"fmt"

	"connectrpc.com/connect"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/store"
)

type eventService struct{ *Server }

// Watch streams the database's history as events, from the revision asked
// for, so a client that reconnects with the last revision it saw misses
// nothing. When that cannot be — the revision was compacted away, at the
// start or while the stream's watch resumed — the stream ends with
// ERROR_CLUSTER_DATABASE_SEQMISMATCH: the client must list everything
// again and watch from there (the dashboard does, from revision 0).
func (s eventService) Watch(ctx context.Context, req *connect.Request[batonv1.WatchRequest], stream *connect.ServerStream[batonv1.Event]) error {
	if req.Msg.SinceRevision < 0 {
		return fmt.Errorf("since_revision %d: %w", req.Msg.SinceRevision, wsfc.ERROR_INVALID_PARAMETER)
	}
	w := &watcher{s: s.Server, only: req.Msg.Group, stream: stream, groupStates: map[string]wsfc.ClusterGroupState{}}
	var sendErr error
	ready := func(rev int64) {
		sendErr = stream.Send(&batonv1.Event{Revision: rev, Kind: "sync"})
	}
	err := s.st.History(ctx, req.Msg.SinceRevision, ready, func(ch store.Change, v store.View) error {
		if sendErr != nil {
			return sendErr
		}
		return w.send(ch, v)
	})
	var ce *store.CompactedError
	if errors.As(err, &ce) {
		// Also mid-stream, when the watch had to resume after a compaction:
		// the client cannot be told what it missed, only to start over.
		return fmt.Errorf("the changes after revision %d are no longer kept (the oldest revision kept is %d): list again and watch from the revision the list gives: %w", ce.Asked, ce.Oldest, wsfc.ERROR_CLUSTER_DATABASE_SEQMISMATCH)
	}
	if err == nil {
		err = sendErr
	}
	if ctx.Err() != nil {
		return nil // the client went away
	}
	return err
}

// watcher turns one stream's database changes into events.
type watcher struct {
	s      *Server
	only   string // group filter
	stream *connect.ServerStream[batonv1.Event]
	// groupStates is the last group state this stream reported, so a
	// group's state change is sent once, when it happens.
	groupStates map[string]wsfc.ClusterGroupState
}

func (w *watcher) send(ch store.Change, v store.View) error {
	ev := &batonv1.Event{Revision: ch.Rev, Kind: ch.Kind, Name: ch.Name, Action: "put"}
	if ch.Deleted {
		ev.Action = "delete"
	}
	var change uint32
	pick := func(added, deleted, modified uint32) uint32 {
		switch {
		case ch.Created:
			return added
		case ch.Deleted:
			return deleted
		}
		return modified
	}
	var extra *batonv1.Event
	switch rec := ch.Record.(type) {
	case *store.Node:
		change = pick(wsfc.CLUSTER_CHANGE_NODE_ADDED, wsfc.CLUSTER_CHANGE_NODE_DELETED, wsfc.CLUSTER_CHANGE_NODE_STATE)
		if !ch.Deleted {
			ev.Node = nodeMsg(v, rec)
		}
	case *store.Alive:
		// A node's lease came or went: its state changed.
		ev.Kind, ev.Name = "node", rec.Node
		change = wsfc.CLUSTER_CHANGE_NODE_STATE
		st := v.NodeState(rec.Node)
		ev.Node = &batonv1.Node{Name: rec.Node, State: int32(st), StateName: st.String()}
	case *store.Claim:
		ev.Group = rec.Group
	case *store.Group:
		ev.Group = rec.Name
		change = pick(wsfc.CLUSTER_CHANGE_GROUP_ADDED, wsfc.CLUSTER_CHANGE_GROUP_DELETED, wsfc.CLUSTER_CHANGE_GROUP_PROPERTY)
		if !ch.Deleted {
			ev.GroupInfo = groupMsg(v, rec)
			if prev, ok := ch.Prev.(*store.Group); ok && prev.OwnerNode != rec.OwnerNode {
				ev.OwnerChanged = true
			}
		}
	case *store.Resource:
		ev.Group = rec.Group
		change = pick(wsfc.CLUSTER_CHANGE_RESOURCE_ADDED, wsfc.CLUSTER_CHANGE_RESOURCE_DELETED, wsfc.CLUSTER_CHANGE_RESOURCE_PROPERTY)
		if !ch.Deleted {
			ev.Resource = resourceMsg(v, rec)
		}
	case *store.Status:
		ev.Kind = "resourceState"
		change = wsfc.CLUSTER_CHANGE_RESOURCE_STATE
		st := wsfc.ClusterResourceState(rec.State)
		ev.State, ev.StateName = int32(st), st.String()
		if r := v.Resource(rec.Resource); r != nil {
			ev.Group = r.Group
			m := resourceMsg(v, r)
			m.State, m.StateName, m.Locked, m.LockedReason = ev.State, ev.StateName, rec.Locked, rec.LockedReason
			ev.Resource = m
			extra = w.groupState(v, r.Group, ch.Rev)
		}
	case *store.Operation:
		ev.Group = rec.Group
		ev.Operation = operationMsg(rec)
	case *store.Security, *store.Token, *store.Cluster:
		change = wsfc.CLUSTER_CHANGE_CLUSTER_PROPERTY
	}
	if w.only != "" && ev.Group != w.only {
		return nil
	}
	ev.ClusterChange = change
	ev.ClusterChangeName = changeName(change)
	if err := w.stream.Send(ev); err != nil {
		return err
	}
	if extra != nil {
		return w.stream.Send(extra)
	}
	return nil
}

// groupState returns a groupState event if the group's state differs from
// the one this stream last reported.
func (w *watcher) groupState(v store.View, group string, rev int64) *batonv1.Event {
	g := v.Group(group)
	if g == nil {
		return nil
	}
	st := v.GroupState(g)
	if last, ok := w.groupStates[group]; ok && last == st {
		return nil
	}
	w.groupStates[group] = st
	return &batonv1.Event{Revision: rev, Kind: "groupState", Action: "put", Name: group, Group: group,
		ClusterChange: wsfc.CLUSTER_CHANGE_GROUP_STATE, ClusterChangeName: changeName(wsfc.CLUSTER_CHANGE_GROUP_STATE),
		State: int32(st), StateName: st.String(), GroupInfo: groupMsg(v, g)}
}

func changeName(c uint32) string {
	return map[uint32]string{
		wsfc.CLUSTER_CHANGE_NODE_ADDED: "CLUSTER_CHANGE_NODE_ADDED", wsfc.CLUSTER_CHANGE_NODE_DELETED: "CLUSTER_CHANGE_NODE_DELETED",
		wsfc.CLUSTER_CHANGE_NODE_STATE: "CLUSTER_CHANGE_NODE_STATE", wsfc.CLUSTER_CHANGE_GROUP_ADDED: "CLUSTER_CHANGE_GROUP_ADDED",
		wsfc.CLUSTER_CHANGE_GROUP_DELETED: "CLUSTER_CHANGE_GROUP_DELETED", wsfc.CLUSTER_CHANGE_GROUP_PROPERTY: "CLUSTER_CHANGE_GROUP_PROPERTY",
		wsfc.CLUSTER_CHANGE_GROUP_STATE: "CLUSTER_CHANGE_GROUP_STATE", wsfc.CLUSTER_CHANGE_RESOURCE_ADDED: "CLUSTER_CHANGE_RESOURCE_ADDED",
		wsfc.CLUSTER_CHANGE_RESOURCE_DELETED: "CLUSTER_CHANGE_RESOURCE_DELETED", wsfc.CLUSTER_CHANGE_RESOURCE_PROPERTY: "CLUSTER_CHANGE_RESOURCE_PROPERTY",
		wsfc.CLUSTER_CHANGE_RESOURCE_STATE: "CLUSTER_CHANGE_RESOURCE_STATE", wsfc.CLUSTER_CHANGE_CLUSTER_PROPERTY: "CLUSTER_CHANGE_CLUSTER_PROPERTY",
	}[c]
}
