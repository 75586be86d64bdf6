package clusapi

import (
	"context"
	"encoding/binary"
	"errors"
	"sync"
	"time"
)

// HCHANGE is a notification port, from CreateClusterNotifyPort or
// CreateClusterNotifyPortV2; nil is NULL.
//
// Ports come in two versions: version 1
// (CreateClusterNotifyPort, RegisterClusterNotify, GetClusterNotify) and
// version 2 (CreateClusterNotifyPortV2, RegisterClusterNotifyV2,
// GetClusterNotifyV2, GetNotifyEventHandle). A port is of one version,
// the one of the call that created it; a call of the other version on it
// answers ERROR_INVALID_PARAMETER (baton's choice: Windows documents no
// mixing).
//
// A port follows each cluster it has registrations on through that
// cluster's event stream, one per cluster handle, and asks the agent
// every 5 s whether it answers (an agent stopped or cut off by a network
// that drops packets leaves the stream open and silent: it is found out
// within about 15 s). When the stream breaks or the agent does not answer
// within 5 s, and it cannot be reached again at once, the port queues
// CLUSTER_CHANGE_CLUSTER_STATE (V2: CLUSTER_CHANGE_CLUSTER_STATE_V2) and
// keeps trying, every 50 ms doubling to 1 s; once connected again it
// queues CLUSTER_CHANGE_CLUSTER_RECONNECT (V2:
// CLUSTER_CHANGE_CLUSTER_RECONNECT_V2) and resyncs: the stream resumes
// after the last database revision the port saw, so the changes made
// meanwhile follow as notifications. When they are no longer kept (the
// database compacted them away), V2 ports also get
// CLUSTER_CHANGE_CLUSTER_LOST_NOTIFICATIONS_V2 and the port follows the
// cluster from then on: read the state again. These reach the
// registrations whose filter asks for them, with the registration's key
// and the cluster's name. A notification says what changed, not the state
// now: the object may have changed again since.
type HCHANGE *notifyPort

// NOTIFY_FILTER_AND_TYPE is one filter of a version 2 port: an object
// type (CLUSTER_OBJECT_TYPE_*) and the CLUSTER_CHANGE_*_V2 flags of that
// type.
type NOTIFY_FILTER_AND_TYPE struct {
	DwObjectType uint32
	FilterFlags  int64
}

// ClusterNotifyV2 is one notification of a version 2 port, the out
// parameters of GetClusterNotifyV2.
type ClusterNotifyV2 struct {
	Key           uintptr
	FilterAndType NOTIFY_FILTER_AND_TYPE // the object type and the one flag that fired
	// Buffer is, for a STATE_V2 notification of a group, resource or node,
	// its new state as a little-endian DWORD (a CLUSTER_*_STATE value);
	// empty otherwise (baton's choice).
	Buffer   []byte
	ObjectID string // the group's or resource's id; "" for others
	// ParentID is the name of a resource's group (baton's events carry
	// the group's name, not its id); "" for others.
	ParentID string
	Name     string // the object's name; the cluster's for cluster notifications
	Type     string // a resource's type name; "" for others
}

type notifyPort struct {
	version int // 1 or 2, fixed at creation
	ctx     context.Context
	cancel  context.CancelFunc
	wake    chan struct{} // a token when the queue changed or the port closed
	event   chan struct{} // GetNotifyEventHandle's: a token when something was queued
	wg      sync.WaitGroup

	mu     sync.Mutex // guards regs, queue, conns, closed
	regs   []registration
	queue  []notification
	conns  map[*clusterHandle]*portConn
	closed bool
}

// registration is one filter of a port: the whole cluster's objects, or
// one object's (kind and name set).
type registration struct {
	cluster *clusterHandle
	key     uintptr
	filter  uint32 // V1: CLUSTER_CHANGE_* bits
	objType uint32 // V2
	flags   int64  // V2
	kind    string // "" (every object), "group", "resource" or "node"
	name    string
}

type notification struct {
	key    uintptr
	filter uint32 // V1
	v2     ClusterNotifyV2
}

// portConn is a port's event stream of one cluster handle; only its
// goroutine (follow) touches it.
type portConn struct {
	cluster *clusterHandle
	rev     int64             // the last revision seen
	owners  map[string]string // group → owner last seen, for OWNER_NODE_V2
}

func newPort(version int) *notifyPort {
	ctx, cancel := context.WithCancel(context.Background())
	return &notifyPort{version: version, ctx: ctx, cancel: cancel,
		wake: make(chan struct{}, 1), event: make(chan struct{}, 1), conns: map[*clusterHandle]*portConn{}}
}

// CreateClusterNotifyPort creates a notification port (hChange nil) or
// adds to an existing one the cluster's events with filter dwFilter
// (CLUSTER_CHANGE_* bits) and key dwNotifyKey. Events are queued from the
// moment the call returns; read them with GetClusterNotify. The port
// reports losing and regaining the cluster (see the top of this file).
func CreateClusterNotifyPort(hChange HCHANGE, hCluster HCLUSTER, dwFilter uint32, dwNotifyKey uintptr) (HCHANGE, error) {
	return CreateClusterNotifyPortContext(context.Background(), hChange, hCluster, dwFilter, dwNotifyKey)
}

// CreateClusterNotifyPortContext is CreateClusterNotifyPort bounded by
// ctx (which bounds the call, not the port).
func CreateClusterNotifyPortContext(ctx context.Context, hChange HCHANGE, hCluster HCLUSTER, dwFilter uint32, dwNotifyKey uintptr) (HCHANGE, error) {
	const call = "CreateClusterNotifyPort"
	h := (*clusterHandle)(hCluster)
	if !h.valid() {
		return nil, invalidHandle(call)
	}
	if dwFilter == 0 {
		return nil, apiErr(ERROR_INVALID_PARAMETER, "%s: dwFilter is 0", call)
	}
	return register(ctx, call, hChange, 1, registration{cluster: h, key: dwNotifyKey, filter: dwFilter})
}

// CreateClusterNotifyPortV2 creates a version 2 notification port
// (hChange nil) or adds to an existing one the cluster's events that
// match any of filters, with key dwNotifyKey. Read them with
// GetClusterNotifyV2. An empty filter list, or a filter with no flags,
// answers ERROR_INVALID_PARAMETER.
func CreateClusterNotifyPortV2(hChange HCHANGE, hCluster HCLUSTER, filters []NOTIFY_FILTER_AND_TYPE, dwNotifyKey uintptr) (HCHANGE, error) {
	return CreateClusterNotifyPortV2Context(context.Background(), hChange, hCluster, filters, dwNotifyKey)
}

// CreateClusterNotifyPortV2Context is CreateClusterNotifyPortV2 bounded by
// ctx (which bounds the call, not the port).
func CreateClusterNotifyPortV2Context(ctx context.Context, hChange HCHANGE, hCluster HCLUSTER, filters []NOTIFY_FILTER_AND_TYPE, dwNotifyKey uintptr) (HCHANGE, error) {
	const call = "CreateClusterNotifyPortV2"
	h := (*clusterHandle)(hCluster)
	if !h.valid() {
		return nil, invalidHandle(call)
	}
	if len(filters) == 0 {
		return nil, apiErr(ERROR_INVALID_PARAMETER, "%s: no filters", call)
	}
	regs := make([]registration, 0, len(filters))
	for _, f := range filters {
		if f.FilterFlags == 0 {
			return nil, apiErr(ERROR_INVALID_PARAMETER, "%s: a filter of object type %d has no flags", call, f.DwObjectType)
		}
		regs = append(regs, registration{cluster: h, key: dwNotifyKey, objType: f.DwObjectType, flags: f.FilterFlags})
	}
	return register(ctx, call, hChange, 2, regs...)
}

// RegisterClusterNotify adds to a version 1 port the events of one
// object: hObject is an HGROUP, HRESOURCE or HNODE (or an HCLUSTER, as
// CreateClusterNotifyPort), dwFilterType the CLUSTER_CHANGE_* bits of that
// object's kind to report, dwNotifyKey their key. The object is followed
// by name. A NULL or closed port or handle answers ERROR_INVALID_HANDLE,
// a filter of 0 ERROR_INVALID_PARAMETER.
func RegisterClusterNotify(hChange HCHANGE, dwFilterType uint32, hObject any, dwNotifyKey uintptr) Errno {
	return RegisterClusterNotifyContext(context.Background(), hChange, dwFilterType, hObject, dwNotifyKey)
}

// RegisterClusterNotifyContext is RegisterClusterNotify bounded by ctx
// (which bounds the call, not the port).
func RegisterClusterNotifyContext(ctx context.Context, hChange HCHANGE, dwFilterType uint32, hObject any, dwNotifyKey uintptr) Errno {
	if hChange == nil {
		return ERROR_INVALID_HANDLE
	}
	if dwFilterType == 0 {
		return ERROR_INVALID_PARAMETER
	}
	r, ok := objectRegistration(hObject)
	if !ok {
		return ERROR_INVALID_HANDLE
	}
	r.key, r.filter = dwNotifyKey, dwFilterType
	_, err := register(ctx, "RegisterClusterNotify", hChange, 1, r)
	return ErrnoOf(err)
}

// RegisterClusterNotifyV2 adds to a version 2 port the events of one
// object (hObject as for RegisterClusterNotify) that match filter, whose
// object type must be the object's (else ERROR_INVALID_PARAMETER).
func RegisterClusterNotifyV2(hChange HCHANGE, filter NOTIFY_FILTER_AND_TYPE, hObject any, dwNotifyKey uintptr) Errno {
	return RegisterClusterNotifyV2Context(context.Background(), hChange, filter, hObject, dwNotifyKey)
}

// RegisterClusterNotifyV2Context is RegisterClusterNotifyV2 bounded by
// ctx (which bounds the call, not the port).
func RegisterClusterNotifyV2Context(ctx context.Context, hChange HCHANGE, filter NOTIFY_FILTER_AND_TYPE, hObject any, dwNotifyKey uintptr) Errno {
	if hChange == nil {
		return ERROR_INVALID_HANDLE
	}
	r, ok := objectRegistration(hObject)
	if !ok {
		return ERROR_INVALID_HANDLE
	}
	want := map[string]uint32{"": CLUSTER_OBJECT_TYPE_CLUSTER, "group": CLUSTER_OBJECT_TYPE_GROUP,
		"resource": CLUSTER_OBJECT_TYPE_RESOURCE, "node": CLUSTER_OBJECT_TYPE_NODE}[r.kind]
	if filter.FilterFlags == 0 || (r.kind != "" && filter.DwObjectType != want) {
		return ERROR_INVALID_PARAMETER
	}
	r.key, r.objType, r.flags = dwNotifyKey, filter.DwObjectType, filter.FilterFlags
	_, err := register(ctx, "RegisterClusterNotifyV2", hChange, 2, r)
	return ErrnoOf(err)
}

// objectRegistration is the registration of one object handle, without
// its filter and key.
func objectRegistration(hObject any) (registration, bool) {
	switch h := hObject.(type) {
	case HCLUSTER:
		c := (*clusterHandle)(h)
		return registration{cluster: c}, c.valid()
	case HGROUP:
		g := (*groupHandle)(h)
		if !g.valid() {
			return registration{}, false
		}
		return registration{cluster: g.cluster, kind: "group", name: g.ref.name}, true
	case HRESOURCE:
		r := (*resourceHandle)(h)
		if !r.valid() {
			return registration{}, false
		}
		return registration{cluster: r.cluster, kind: "resource", name: r.ref.name}, true
	case HNODE:
		n := (*nodeHandle)(h)
		if !n.valid() {
			return registration{}, false
		}
		return registration{cluster: n.cluster, kind: "node", name: n.name}, true
	}
	return registration{}, false
}

// register adds regs (all of one cluster handle) to port hChange, or to a
// new port of version when hChange is nil, connecting the port to that
// cluster first if it is not yet.
func register(ctx context.Context, call string, hChange HCHANGE, version int, regs ...registration) (HCHANGE, error) {
	p := (*notifyPort)(hChange)
	if p == nil {
		p = newPort(version)
	} else if p.version != version {
		return nil, apiErr(ERROR_INVALID_PARAMETER, "%s: the port is a version %d port", call, p.version)
	}
	cluster := regs[0].cluster
	p.mu.Lock()
	_, connected := p.conns[cluster]
	closed := p.closed
	p.mu.Unlock()
	if closed {
		return nil, invalidHandle(call)
	}
	var s *EventStream
	var rev int64
	if !connected {
		var err error
		if s, rev, err = openStream(ctx, p.ctx, cluster.c, 0); err != nil {
			return nil, handleErr(err)
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		if s != nil {
			s.Close()
		}
		return nil, invalidHandle(call)
	}
	p.regs = append(p.regs, regs...)
	if s != nil {
		if _, raced := p.conns[cluster]; raced {
			s.Close() // another registration connected meanwhile
		} else {
			pc := &portConn{cluster: cluster, rev: rev, owners: map[string]string{}}
			p.conns[cluster] = pc
			p.wg.Add(1)
			go p.follow(pc, s)
		}
	}
	return p, nil
}

// openStream opens c's event stream after revision since (0: from now)
// and waits, within ctx, for its opening sync event: from the answer on
// nothing is missed. The stream lives as long as life.
func openStream(ctx, life context.Context, c *Client, since int64) (*EventStream, int64, error) {
	// The stream lives in sctx, which ctx's end cancels until the stream
	// is open: opening it waits for the agent's answer, and an agent that
	// is stopped never gives one.
	sctx, scancel := context.WithCancel(life)
	type opened struct {
		s   *EventStream
		rev int64
		err error
	}
	ch := make(chan opened, 1)
	go func() {
		s, err := c.Watch(sctx, WatchOptions{SinceRevision: since})
		if err != nil {
			ch <- opened{err: err}
			return
		}
		ev, err := s.Next()
		if err == nil && ev.Kind != "sync" {
			err = apiErr(ERROR_INVALID_FUNCTION, "event stream did not start with sync")
		}
		ch <- opened{s, ev.Revision, err}
	}()
	var r opened
	select {
	case r = <-ch:
	case <-ctx.Done():
		scancel()
		if r = <-ch; r.s != nil {
			r.s.Close()
		}
		return nil, 0, sentCallError(ctx, "Watch", ctx.Err(), true)
	}
	if r.err != nil {
		if r.s != nil {
			r.s.Close()
		}
		scancel()
		return nil, 0, r.err
	}
	inner := r.s.cancel
	r.s.cancel = func() { inner(); scancel() }
	return r.s, r.rev, nil
}

// follow delivers pc's stream s, and when it breaks reports the loss,
// reconnects and reports that, until the port closes.
func (p *notifyPort) follow(pc *portConn, s *EventStream) {
	defer p.wg.Done()
	for {
		stop := make(chan struct{})
		probed := make(chan struct{})
		go func() {
			defer close(probed)
			p.probe(pc, s, stop)
		}()
		for {
			ev, err := s.Next()
			if err != nil {
				break
			}
			pc.rev = ev.Revision
			p.deliver(pc, ev)
		}
		close(stop)
		<-probed
		s.Close()
		s = p.reconnect(pc)
		if s == nil {
			return
		}
	}
}

// Liveness of a port's agent: a stream that stays open says nothing when
// the agent is stopped (SIGSTOP, a hung machine) or cut off by a network
// that drops packets, so every probeInterval the port asks the agent who
// it is, and an agent that does not answer within probeTimeout counts as
// lost. A reconnect attempt waits as long for the stream's first event.
const (
	probeInterval = 5 * time.Second
	probeTimeout  = 5 * time.Second
)

// probe ends stream s when pc's agent stops answering, until stop.
func (p *notifyPort) probe(pc *portConn, s *EventStream, stop <-chan struct{}) {
	t := time.NewTicker(probeInterval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(p.ctx, probeTimeout)
		_, err := pc.cluster.c.Cluster(ctx)
		cancel()
		if err != nil && p.ctx.Err() == nil {
			s.cancel() // follow's Next returns, and it closes s and reconnects
			return
		}
	}
}

// reconnect opens pc's stream again, resuming after pc.rev: at once, or
// after reporting CLUSTER_STATE, with a growing pause between attempts. It
// reports RECONNECT (and, when the changes since pc.rev are gone,
// LOST_NOTIFICATIONS) and returns the stream; nil once the port or the
// cluster handle is closed.
func (p *notifyPort) reconnect(pc *portConn) *EventStream {
	pause := 50 * time.Millisecond
	reported := false
	for {
		if p.ctx.Err() != nil || !pc.cluster.valid() {
			return nil
		}
		ctx, cancel := context.WithTimeout(p.ctx, probeTimeout)
		s, rev, err := openStream(ctx, p.ctx, pc.cluster.c, pc.rev)
		lost := false
		if errors.Is(err, ERROR_CLUSTER_DATABASE_SEQMISMATCH) {
			lost = true
			s, rev, err = openStream(ctx, p.ctx, pc.cluster.c, 0)
		}
		cancel()
		if err == nil {
			pc.rev = rev
			p.connState(pc, CLUSTER_CHANGE_CLUSTER_RECONNECT, CLUSTER_CHANGE_CLUSTER_RECONNECT_V2)
			if lost {
				p.connState(pc, 0, CLUSTER_CHANGE_CLUSTER_LOST_NOTIFICATIONS_V2)
			}
			return s
		}
		if !reported {
			reported = true
			p.connState(pc, CLUSTER_CHANGE_CLUSTER_STATE, CLUSTER_CHANGE_CLUSTER_STATE_V2)
		}
		select {
		case <-p.ctx.Done():
			return nil
		case <-time.After(pause):
		}
		pause = min(2*pause, time.Second)
	}
}

// connState queues a change of the connection to pc's cluster for the
// registrations that ask for it: v1 (if not 0) on a version 1 port, the
// cluster flag v2 on a version 2 port.
func (p *notifyPort) connState(pc *portConn, v1 uint32, v2 int64) {
	n := notification{filter: v1, v2: ClusterNotifyV2{
		FilterAndType: NOTIFY_FILTER_AND_TYPE{DwObjectType: CLUSTER_OBJECT_TYPE_CLUSTER, FilterFlags: v2},
		Name:          pc.cluster.name,
	}}
	p.enqueue(pc.cluster, n, "", "")
}

// deliver queues event ev of pc's cluster for the registrations it
// matches.
func (p *notifyPort) deliver(pc *portConn, ev Event) {
	if ev.Change == 0 {
		return
	}
	objType, flag := v2Change(ev.Change)
	kind := changeKind(ev.Change)
	if (ev.Kind == "group" || ev.Kind == "groupState") && ev.Action == "put" && ev.OwnerNode != "" {
		// A group's owner is in its record and in its state events: a
		// change of it is OWNER_NODE_V2 (V2 only; V1 has GROUP_PROPERTY for
		// it). The agent marks the group record's change that gave it
		// another owner (Event.OwnerChanged), so a port hears it even when
		// that change is the first it sees of the group; an owner that
		// differs from the one last seen counts too (an agent of before
		// that mark).
		if last, seen := pc.owners[ev.Name]; ev.Kind == "group" && ev.OwnerChanged || seen && last != ev.OwnerNode {
			p.enqueue(pc.cluster, notification{v2: ClusterNotifyV2{
				FilterAndType: NOTIFY_FILTER_AND_TYPE{DwObjectType: CLUSTER_OBJECT_TYPE_GROUP, FilterFlags: CLUSTER_CHANGE_GROUP_OWNER_NODE_V2},
				ObjectID:      ev.ID, Name: ev.Name,
			}}, "group", ev.Name)
		}
		pc.owners[ev.Name] = ev.OwnerNode
	}
	n := notification{filter: ev.Change, v2: ClusterNotifyV2{
		FilterAndType: NOTIFY_FILTER_AND_TYPE{DwObjectType: objType, FilterFlags: flag},
		ObjectID:      ev.ID, Name: ev.Name, Type: ev.Type,
	}}
	if kind == "resource" {
		n.v2.ParentID = ev.Group
	}
	if ev.StateName != "" && (ev.Kind == "groupState" || ev.Kind == "resourceState" || ev.Change == CLUSTER_CHANGE_NODE_STATE) {
		n.v2.Buffer = binary.LittleEndian.AppendUint32(nil, uint32(ev.State))
	}
	name := ev.Name
	if ev.Change == CLUSTER_CHANGE_RESOURCE_ADDED {
		kind, name = "group", ev.Group // its group gained it
	}
	p.enqueue(pc.cluster, n, kind, name)
}

// enqueue queues n once for each registration of cluster that matches it;
// kind and name are the object it is about ("" for the cluster).
func (p *notifyPort) enqueue(cluster *clusterHandle, n notification, kind, name string) {
	p.mu.Lock()
	added := false
	for _, r := range p.regs {
		if r.cluster != cluster || (r.kind != "" && (r.kind != kind || r.name != name)) {
			continue
		}
		if p.version == 1 && r.filter&n.filter == 0 {
			continue
		}
		if p.version == 2 && (r.objType != n.v2.FilterAndType.DwObjectType || r.flags&n.v2.FilterAndType.FilterFlags == 0) {
			continue
		}
		m := n
		m.key, m.v2.Key = r.key, r.key
		p.queue = append(p.queue, m)
		added = true
	}
	p.mu.Unlock()
	if added {
		signal(p.wake)
		signal(p.event)
	}
}

func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// changeKind is the kind of object a CLUSTER_CHANGE_* bit is about: "" for
// the cluster.
func changeKind(c uint32) string {
	switch {
	case c&(CLUSTER_CHANGE_NODE_STATE|CLUSTER_CHANGE_NODE_DELETED|CLUSTER_CHANGE_NODE_PROPERTY) != 0:
		return "node"
	case c&(CLUSTER_CHANGE_RESOURCE_STATE|CLUSTER_CHANGE_RESOURCE_DELETED|CLUSTER_CHANGE_RESOURCE_ADDED|CLUSTER_CHANGE_RESOURCE_PROPERTY) != 0:
		return "resource"
	case c&(CLUSTER_CHANGE_GROUP_STATE|CLUSTER_CHANGE_GROUP_DELETED|CLUSTER_CHANGE_GROUP_PROPERTY) != 0:
		return "group"
	}
	return "" // NODE_ADDED, GROUP_ADDED: the cluster gained an object
}

// v2Change is the version 2 object type and flag of a CLUSTER_CHANGE_*
// bit. A resource added is, in version 2, its group's
// CLUSTER_CHANGE_GROUP_RESOURCE_ADDED_V2, named by the resource, its group
// as ParentID. A group's owner change is also
// CLUSTER_CHANGE_GROUP_OWNER_NODE_V2 (deliver); the first event a port
// sees of a group only tells it the owner.
func v2Change(c uint32) (uint32, int64) {
	switch c {
	case CLUSTER_CHANGE_NODE_STATE:
		return CLUSTER_OBJECT_TYPE_NODE, CLUSTER_CHANGE_NODE_STATE_V2
	case CLUSTER_CHANGE_NODE_DELETED:
		return CLUSTER_OBJECT_TYPE_NODE, CLUSTER_CHANGE_NODE_DELETED_V2
	case CLUSTER_CHANGE_NODE_PROPERTY:
		return CLUSTER_OBJECT_TYPE_NODE, CLUSTER_CHANGE_NODE_COMMON_PROPERTY_V2
	case CLUSTER_CHANGE_NODE_ADDED:
		return CLUSTER_OBJECT_TYPE_CLUSTER, CLUSTER_CHANGE_CLUSTER_NODE_ADDED_V2
	case CLUSTER_CHANGE_RESOURCE_STATE:
		return CLUSTER_OBJECT_TYPE_RESOURCE, CLUSTER_CHANGE_RESOURCE_STATE_V2
	case CLUSTER_CHANGE_RESOURCE_DELETED:
		return CLUSTER_OBJECT_TYPE_RESOURCE, CLUSTER_CHANGE_RESOURCE_DELETED_V2
	case CLUSTER_CHANGE_RESOURCE_PROPERTY:
		return CLUSTER_OBJECT_TYPE_RESOURCE, CLUSTER_CHANGE_RESOURCE_COMMON_PROPERTY_V2
	case CLUSTER_CHANGE_RESOURCE_ADDED:
		return CLUSTER_OBJECT_TYPE_GROUP, CLUSTER_CHANGE_GROUP_RESOURCE_ADDED_V2
	case CLUSTER_CHANGE_GROUP_STATE:
		return CLUSTER_OBJECT_TYPE_GROUP, CLUSTER_CHANGE_GROUP_STATE_V2
	case CLUSTER_CHANGE_GROUP_DELETED:
		return CLUSTER_OBJECT_TYPE_GROUP, CLUSTER_CHANGE_GROUP_DELETED_V2
	case CLUSTER_CHANGE_GROUP_PROPERTY:
		return CLUSTER_OBJECT_TYPE_GROUP, CLUSTER_CHANGE_GROUP_COMMON_PROPERTY_V2
	case CLUSTER_CHANGE_GROUP_ADDED:
		return CLUSTER_OBJECT_TYPE_CLUSTER, CLUSTER_CHANGE_CLUSTER_GROUP_ADDED_V2
	case CLUSTER_CHANGE_CLUSTER_PROPERTY:
		return CLUSTER_OBJECT_TYPE_CLUSTER, CLUSTER_CHANGE_CLUSTER_COMMON_PROPERTY_V2
	}
	return CLUSTER_OBJECT_TYPE_NONE, 0
}

// next waits up to ms milliseconds (0xFFFFFFFF: INFINITE) for the port's
// next notification. closed: the port is closed.
func (p *notifyPort) next(ms uint32) (n notification, status Errno, closed bool) {
	var deadline <-chan time.Time
	if ms != 0xFFFFFFFF {
		t := time.NewTimer(time.Duration(ms) * time.Millisecond)
		defer t.Stop()
		deadline = t.C
	}
	for {
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			return notification{}, ERROR_INVALID_HANDLE, true
		}
		if len(p.queue) > 0 {
			n := p.queue[0]
			p.queue = p.queue[1:]
			more := len(p.queue) > 0
			p.mu.Unlock()
			if more {
				signal(p.wake) // for another waiter
			}
			return n, ERROR_SUCCESS, false
		}
		p.mu.Unlock()
		select {
		case <-p.wake:
		case <-deadline:
			return notification{}, WAIT_TIMEOUT, false
		}
	}
}

// GetClusterNotify returns the next notification of a version 1 port:
// its key, its CLUSTER_CHANGE_* filter type and the object's name (the
// cluster's for CLUSTER_STATE and CLUSTER_RECONNECT). It waits up to
// dwMilliseconds (0xFFFFFFFF: INFINITE) and answers WAIT_TIMEOUT if none
// came. Once the port is closed (also while a caller waits) it answers
// filter type CLUSTER_CHANGE_HANDLE_CLOSE with ERROR_INVALID_HANDLE. A
// version 2 port answers ERROR_INVALID_PARAMETER.
func GetClusterNotify(hChange HCHANGE, dwMilliseconds uint32) (key uintptr, filterType uint32, name string, status Errno) {
	p := (*notifyPort)(hChange)
	if p == nil {
		return 0, 0, "", ERROR_INVALID_HANDLE
	}
	if p.version != 1 {
		return 0, 0, "", ERROR_INVALID_PARAMETER
	}
	n, st, closed := p.next(dwMilliseconds)
	if closed {
		return 0, CLUSTER_CHANGE_HANDLE_CLOSE, "", st
	}
	return n.key, n.filter, n.v2.Name, st
}

// GetClusterNotifyV2 returns the next notification of a version 2 port,
// waiting as GetClusterNotify does (WAIT_TIMEOUT when none came). Once the
// port is closed it answers a notification of object type
// CLUSTER_OBJECT_TYPE_CLUSTER with CLUSTER_CHANGE_CLUSTER_HANDLE_CLOSE_V2,
// and ERROR_INVALID_HANDLE. A version 1 port answers
// ERROR_INVALID_PARAMETER.
func GetClusterNotifyV2(hChange HCHANGE, dwMilliseconds uint32) (ClusterNotifyV2, Errno) {
	p := (*notifyPort)(hChange)
	if p == nil {
		return ClusterNotifyV2{}, ERROR_INVALID_HANDLE
	}
	if p.version != 2 {
		return ClusterNotifyV2{}, ERROR_INVALID_PARAMETER
	}
	n, st, closed := p.next(dwMilliseconds)
	if closed {
		return ClusterNotifyV2{FilterAndType: NOTIFY_FILTER_AND_TYPE{DwObjectType: CLUSTER_OBJECT_TYPE_CLUSTER, FilterFlags: CLUSTER_CHANGE_CLUSTER_HANDLE_CLOSE_V2}}, st
	}
	return n.v2, st
}

// GetNotifyEventHandle returns the port's event: the Go form of the
// Windows event handle is a channel that receives a value when
// notifications were queued since it last did. Wait on it (in a select
// with other work), then read the port with GetClusterNotifyV2 (or
// GetClusterNotify) and a timeout of 0 until WAIT_TIMEOUT. It is never
// closed; after CloseClusterNotifyPort it receives once more.
func GetNotifyEventHandle(hChange HCHANGE) (<-chan struct{}, Errno) {
	p := (*notifyPort)(hChange)
	if p == nil {
		return nil, ERROR_INVALID_HANDLE
	}
	return p.event, ERROR_SUCCESS
}

// CloseClusterNotifyPort closes the port, ends its event streams and
// waits for its goroutines; always TRUE.
func CloseClusterNotifyPort(hChange HCHANGE) bool {
	p := (*notifyPort)(hChange)
	if p == nil {
		return true
	}
	p.mu.Lock()
	p.queue, p.closed = nil, true
	p.mu.Unlock()
	p.cancel()
	signal(p.wake)
	signal(p.event)
	p.wg.Wait()
	return true
}
