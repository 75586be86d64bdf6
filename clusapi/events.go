package clusapi

import (
	"context"
	"sync"
	"time"

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
	// has none for, like operations).
	Change uint32
	// State is set for resourceState (a ClusterResourceState value) and
	// groupState (a ClusterGroupState value) events.
	State     int32
	StateName string
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

// Next returns the next event, or the error that ended the stream.
func (s *EventStream) Next() (Event, error) {
	if !s.stream.Receive() {
		err := s.stream.Err()
		if err == nil {
			return Event{}, apiErr(RPC_S_SERVER_UNAVAILABLE, "the event stream ended")
		}
		return Event{}, FromConnectError(err)
	}
	m := s.stream.Msg()
	return Event{Revision: m.Revision, Kind: m.Kind, Action: m.Action, Name: m.Name, Group: m.Group,
		Change: m.ClusterChange, State: m.State, StateName: m.StateName}, nil
}

// Close ends the stream.
func (s *EventStream) Close() {
	s.cancel()
	_ = s.stream.Close()
}

// HCHANGE is a notification port, from CreateClusterNotifyPort; nil is NULL.
type HCHANGE *notifyPort

type notifyPort struct {
	mu      sync.Mutex // guards filters, queue, closed
	filters []portFilter
	queue   []notification
	closed  bool
	wake    chan struct{} // has a token when queue changed or the port closed
	streams []*EventStream
}

type portFilter struct {
	mask uint32
	key  uintptr
}

type notification struct {
	key    uintptr
	filter uint32
	name   string
}

// CreateClusterNotifyPort creates a notification port (hChange nil) or adds
// the cluster's events with filter dwFilter (CLUSTER_CHANGE_* bits) and
// key dwNotifyKey to an existing one. Events are queued from the moment
// the call returns; read them with GetClusterNotify.
func CreateClusterNotifyPort(hChange HCHANGE, hCluster HCLUSTER, dwFilter uint32, dwNotifyKey uintptr) (HCHANGE, error) {
	if hCluster == nil || !(*clusterHandle)(hCluster).valid() {
		return nil, invalidHandle("CreateClusterNotifyPort")
	}
	if dwFilter == 0 {
		return nil, apiErr(ERROR_INVALID_PARAMETER, "CreateClusterNotifyPort: dwFilter is 0")
	}
	port := hChange
	if port == nil {
		port = &notifyPort{wake: make(chan struct{}, 1)}
	}
	ctx, cancel := handleCtx()
	defer cancel()
	c := (*clusterHandle)(hCluster).c
	s, err := c.Watch(context.Background(), WatchOptions{})
	if err != nil {
		return nil, handleErr(err)
	}
	// Wait for the opening sync event: from here on nothing is missed.
	synced := make(chan error, 1)
	go func() {
		ev, err := s.Next()
		if err == nil && ev.Kind != "sync" {
			err = apiErr(ERROR_INVALID_FUNCTION, "event stream did not start with sync")
		}
		synced <- err
	}()
	select {
	case err := <-synced:
		if err != nil {
			s.Close()
			return nil, err
		}
	case <-ctx.Done():
		s.Close()
		return nil, apiErr(RPC_S_SERVER_UNAVAILABLE, "CreateClusterNotifyPort: no answer")
	}
	p := (*notifyPort)(port)
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		s.Close()
		return nil, invalidHandle("CreateClusterNotifyPort")
	}
	p.filters = append(p.filters, portFilter{mask: dwFilter, key: dwNotifyKey})
	p.streams = append(p.streams, s)
	p.mu.Unlock()
	go p.pump(s, portFilter{mask: dwFilter, key: dwNotifyKey})
	return port, nil
}

// pump moves events matching f from s into the port's queue.
func (p *notifyPort) pump(s *EventStream, f portFilter) {
	for {
		ev, err := s.Next()
		if err != nil {
			return
		}
		if ev.Change&f.mask == 0 {
			continue
		}
		p.mu.Lock()
		p.queue = append(p.queue, notification{key: f.key, filter: ev.Change, name: ev.Name})
		p.mu.Unlock()
		select {
		case p.wake <- struct{}{}:
		default:
		}
	}
}

// GetClusterNotify returns the next event of the port: its key, its
// CLUSTER_CHANGE_* filter type and the object's name. It waits up to
// dwMilliseconds (0xFFFFFFFF: INFINITE) and answers WAIT_TIMEOUT if none
// came. Once the port is closed (also while a caller waits) it answers
// filter type CLUSTER_CHANGE_HANDLE_CLOSE with ERROR_INVALID_HANDLE.
func GetClusterNotify(hChange HCHANGE, dwMilliseconds uint32) (key uintptr, filterType uint32, name string, status Errno) {
	p := (*notifyPort)(hChange)
	if p == nil {
		return 0, 0, "", ERROR_INVALID_HANDLE
	}
	var deadline <-chan time.Time
	if dwMilliseconds != 0xFFFFFFFF {
		t := time.NewTimer(time.Duration(dwMilliseconds) * time.Millisecond)
		defer t.Stop()
		deadline = t.C
	}
	for {
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			return 0, CLUSTER_CHANGE_HANDLE_CLOSE, "", ERROR_INVALID_HANDLE
		}
		if len(p.queue) > 0 {
			n := p.queue[0]
			p.queue = p.queue[1:]
			p.mu.Unlock()
			return n.key, n.filter, n.name, ERROR_SUCCESS
		}
		p.mu.Unlock()
		select {
		case <-p.wake:
		case <-deadline:
			return 0, 0, "", WAIT_TIMEOUT
		}
	}
}

// CloseClusterNotifyPort closes the port and its event streams; always TRUE.
func CloseClusterNotifyPort(hChange HCHANGE) bool {
	p := (*notifyPort)(hChange)
	if p == nil {
		return true
	}
	p.mu.Lock()
	streams := p.streams
	p.streams, p.queue, p.closed = nil, nil, true
	p.mu.Unlock()
	for _, s := range streams {
		s.Close()
	}
	select {
	case p.wake <- struct{}{}:
	default:
	}
	return true
}
