package plugin

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/batoncluster/baton/proplist"
	"github.com/batoncluster/baton/restype"
	"github.com/batoncluster/baton/restype/plugin/pluginv1"
)

// resource is the agent's side of one resource of a plugin's type.
type resource struct {
	p       *proc
	name    string
	group   string
	dir     string
	cgroup  string // the resource's cgroup directory, "" for none
	last    []byte // the status it last reported (restype.Config.LastStatus)
	changed func()
	log     *slog.Logger

	openMu sync.Mutex // serializes opening the resource in a new process

	mu sync.Mutex // guards the fields below
	// props are the private properties the next open uses.
	props proplist.List
	// gen and handle name the resource in the process it was last opened
	// in; abilities are what it offered there.
	gen       *generation
	handle    uint64
	abilities *pluginv1.Abilities
	// What the plugin last reported.
	locked bool
	reason string
	status proplist.List
}

// terminable is a resource whose plugin resource is a restype.Terminator.
// The host asks for Terminator by type assertion, so only resources that
// have it may offer it.
type terminable struct{ *resource }

var (
	_ restype.Resource           = (*resource)(nil)
	_ restype.StatusReporter     = (*resource)(nil)
	_ restype.LockedModeReporter = (*resource)(nil)
	_ restype.Reconfigurer       = (*resource)(nil)
	_ restype.Terminator         = terminable{}
)

// newResource is the type's New: it opens the resource in the plugin
// (starting the process if it is not running) within CallTimeout.
func (p *proc) newResource(cfg restype.Config) (restype.Resource, error) {
	log := cfg.Log
	if log == nil {
		log = p.log
	}
	r := &resource{
		p: p, name: cfg.Name, group: cfg.Group, dir: cfg.StateDir, changed: cfg.Changed,
		log: log, props: cfg.Properties.Clone(), last: cfg.LastStatus.Marshal(),
	}
	if cfg.Cgroup != nil {
		r.cgroup = cfg.Cgroup.CgroupPath()
	}
	ctx, cancel := context.WithTimeout(context.Background(), p.o.CallTimeout)
	defer cancel()
	g, h, err := r.remote(ctx, true)
	if err != nil {
		return nil, err
	}
	r.refresh(ctx, g, h)
	r.mu.Lock()
	term := r.abilities.GetTerminate()
	r.mu.Unlock()
	if term {
		return terminable{r}, nil
	}
	return r, nil
}

// remote returns where the resource lives now. With open set (lifecycle
// calls) it starts the process and opens the resource in it as needed;
// without (health checks), a process that died or was started again is an
// error.
func (r *resource) remote(ctx context.Context, open bool) (*generation, uint64, error) {
	g, err := r.p.conn(ctx, open)
	if err != nil {
		return nil, 0, err
	}
	r.mu.Lock()
	if r.gen == g {
		h := r.handle
		r.mu.Unlock()
		return g, h, nil
	}
	r.mu.Unlock()
	if !open {
		return nil, 0, fmt.Errorf("plugin %s: %w", r.p.name, ErrPluginRestarted)
	}
	r.openMu.Lock()
	defer r.openMu.Unlock()
	r.mu.Lock()
	if r.gen == g { // opened while we waited
		h := r.handle
		r.mu.Unlock()
		return g, h, nil
	}
	props, reopen := r.props, r.gen != nil
	r.mu.Unlock()
	resp, err := g.rpc.Open(ctx, &pluginv1.OpenRequest{
		Name: r.name, Group: r.group, Properties: props.Marshal(), StateDir: r.dir, Cgroup: r.cgroup, LastStatus: r.last,
	})
	if err != nil {
		return nil, 0, r.p.callErr(ctx, g, "open", err)
	}
	r.mu.Lock()
	r.gen, r.handle, r.abilities = g, resp.Handle, resp.Abilities
	r.mu.Unlock()
	g.add(resp.Handle, r)
	if reopen {
		r.log.Info("resource opened again in the restarted plugin", slog.String("plugin", r.p.name))
	}
	return g, resp.Handle, nil
}

// refresh asks the plugin for the resource's status and locked mode and
// keeps them for Status and LockedMode. Failures keep the old values.
func (r *resource) refresh(ctx context.Context, g *generation, h uint64) {
	r.mu.Lock()
	ab := r.abilities
	current := r.gen == g && r.handle == h
	r.mu.Unlock()
	if !current || (!ab.GetStatus() && !ab.GetLockedMode()) {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, r.p.o.CallTimeout)
	defer cancel()
	if ab.GetStatus() {
		resp, err := g.rpc.Status(ctx, &pluginv1.StatusRequest{Handle: h})
		var l proplist.List
		if err == nil && len(resp.Properties) > 0 {
			l, err = proplist.Unmarshal(resp.Properties)
		}
		if err != nil {
			r.log.Debug("cannot read status from plugin", slog.Any("err", err))
		} else {
			r.mu.Lock()
			r.status = l
			r.mu.Unlock()
		}
	}
	if ab.GetLockedMode() {
		resp, err := g.rpc.LockedMode(ctx, &pluginv1.LockedModeRequest{Handle: h})
		if err != nil {
			r.log.Debug("cannot read locked mode from plugin", slog.Any("err", err))
		} else {
			r.mu.Lock()
			r.locked, r.reason = resp.Locked, resp.Reason
			r.mu.Unlock()
		}
	}
}

// refreshAfter refreshes after a lifecycle call unless the call showed
// the plugin unreachable or hung (then refreshing would only wait more).
func (r *resource) refreshAfter(ctx context.Context, g *generation, h uint64, err error) {
	if err != nil {
		if c := status.Code(err); c != codes.Unknown || ctx.Err() != nil {
			return
		}
	}
	r.refresh(context.Background(), g, h)
}

// Online starts the plugin process if needed and brings the resource
// online in it.
func (r *resource) Online(ctx context.Context, req restype.OnlineRequest) error {
	g, h, err := r.remote(ctx, true)
	if err != nil {
		return err
	}
	_, err = g.rpc.Online(ctx, &pluginv1.OnlineRequest{Handle: h, Flags: req.Flags, Params: marshal(req.Params)})
	r.refreshAfter(ctx, g, h, err)
	return r.p.callErr(ctx, g, "online", err)
}

// Offline starts the plugin process if needed and takes the resource
// offline in it.
func (r *resource) Offline(ctx context.Context, req restype.OfflineRequest) error {
	g, h, err := r.remote(ctx, true)
	if err != nil {
		return err
	}
	_, err = g.rpc.Offline(ctx, &pluginv1.OfflineRequest{Handle: h, Flags: req.Flags, Reason: req.Reason, Destination: req.Destination, Params: marshal(req.Params)})
	r.refreshAfter(ctx, g, h, err)
	return r.p.callErr(ctx, g, "offline", err)
}

// Terminate starts the plugin process if needed and terminates the
// resource in it.
func (t terminable) Terminate(ctx context.Context) error {
	r := t.resource
	g, h, err := r.remote(ctx, true)
	if err != nil {
		return err
	}
	_, err = g.rpc.Terminate(ctx, &pluginv1.TerminateRequest{Handle: h})
	r.refreshAfter(ctx, g, h, err)
	return r.p.callErr(ctx, g, "terminate", err)
}

func (r *resource) health(ctx context.Context, op string, call func(context.Context, *generation, uint64) error) error {
	ctx, cancel := context.WithTimeout(ctx, r.p.o.HealthTimeout)
	defer cancel()
	g, h, err := r.remote(ctx, false)
	if err != nil {
		return err
	}
	return r.p.callErr(ctx, g, op, call(ctx, g, h))
}

// LooksAlive asks the plugin, within HealthTimeout.
func (r *resource) LooksAlive(ctx context.Context) error {
	return r.health(ctx, "LooksAlive", func(ctx context.Context, g *generation, h uint64) error {
		_, err := g.rpc.LooksAlive(ctx, &pluginv1.LooksAliveRequest{Handle: h})
		return err
	})
}

// IsAlive asks the plugin, within HealthTimeout.
func (r *resource) IsAlive(ctx context.Context) error {
	return r.health(ctx, "IsAlive", func(ctx context.Context, g *generation, h uint64) error {
		_, err := g.rpc.IsAlive(ctx, &pluginv1.IsAliveRequest{Handle: h})
		return err
	})
}

// Status returns the status properties the plugin last reported.
func (r *resource) Status() proplist.List {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.status.Clone()
}

// LockedMode returns the locked mode the plugin last reported.
func (r *resource) LockedMode() (bool, string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.locked, r.reason
}

// Reconfigure hands new private properties to the plugin resource within
// CallTimeout; if it refuses them the old ones stay. When the resource
// takes no new properties (no Reconfigurer in the plugin), or the plugin
// process is not running, they are kept for the next time the resource
// is opened.
func (r *resource) Reconfigure(props proplist.List) error {
	props = props.Clone()
	r.mu.Lock()
	g, h, ab := r.gen, r.handle, r.abilities
	r.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), r.p.o.CallTimeout)
	defer cancel()
	if cur, err := r.p.conn(ctx, false); err != nil || cur != g || !ab.GetReconfigure() {
		r.mu.Lock()
		r.props = props
		r.mu.Unlock()
		return nil
	}
	if _, err := g.rpc.Reconfigure(ctx, &pluginv1.ReconfigureRequest{Handle: h, Properties: props.Marshal()}); err != nil {
		return r.p.callErr(ctx, g, "reconfigure", err)
	}
	r.mu.Lock()
	r.props = props
	r.mu.Unlock()
	r.refresh(context.Background(), g, h)
	return nil
}

// Close forgets the resource in the plugin process.
func (r *resource) Close() error {
	r.mu.Lock()
	g, h := r.gen, r.handle
	r.gen = nil
	r.mu.Unlock()
	if g == nil {
		return nil
	}
	g.remove(h)
	ctx, cancel := context.WithTimeout(context.Background(), r.p.o.CallTimeout)
	defer cancel()
	_, err := g.rpc.Close(ctx, &pluginv1.CloseRequest{Handle: h})
	return r.p.callErr(ctx, g, "close", err)
}

func marshal(l proplist.List) []byte {
	if len(l) == 0 {
		return nil
	}
	return l.Marshal()
}
