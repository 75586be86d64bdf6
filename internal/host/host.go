package host

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/cgroup"
	"github.com/batoncluster/baton/internal/store"
	"github.com/batoncluster/baton/restype"
)

// Config is what a host needs.
type Config struct {
	Node     string
	Store    *store.Store
	Types    *restype.Registry
	StateDir string // per-resource state directories live under it
	Log      *slog.Logger
	// StopOnExit takes the resources this node hosts offline when the
	// host stops (their persistent state stays, so the next start brings
	// them back). Off by default: processes and VMs outlive an agent
	// restart and are reattached.
	StopOnExit bool
	// Observer, if set, hears of finished operations and restarts.
	Observer Observer
	// Lease is the node's lease: the host claims the groups it runs under
	// it, and stops everything (fences) when it is lost.
	Lease Lease
	// Guard is the node's fence guard, handed to the resource types
	// (restype.Config.Guard); nil: none.
	Guard restype.ProcessGuard
	// Cgroups is the node's cgroup directory: each resource gets a cgroup
	// of its own in it (restype.Config.Cgroup), emptied after every
	// Offline and Terminate; nil: none.
	Cgroups *cgroup.Node
	// Resync is how often the host looks at every group it owns even if
	// no change was heard of (0: DefaultResync), so that a lost
	// notification costs at most that long.
	Resync time.Duration
}

// DefaultResync is Config.Resync's default, as client-go informers and
// Nomad's reconcile interval do.
const DefaultResync = 30 * time.Second

// Lease is the part of the node's lease the host uses (liveness.Lease).
type Lease interface {
	ID() clientv3.LeaseID
	Valid(now time.Time) bool
	Lost() <-chan struct{}
}

// ErrFenced ends Run when the lease was lost: everything hosted here was
// stopped, and the node needs a new lease (and a new host) to go on.
var ErrFenced = errors.New("host: lease lost; stopped everything this node hosted")

// Observer hears what the host does, for metrics.
type Observer interface {
	OperationFinished(kind, outcome string, d time.Duration)
	Restart(group, resource string)
}

// Host drives the resources of the groups its node owns.
type Host struct {
	cfg Config
	log *slog.Logger
	now func() time.Time

	// Owned by the Run loop.
	insts map[string]*instance
	// byGroup indexes insts by group, so that a change of one group
	// looks at that group's instances, not at every instance of the node.
	byGroup map[string]map[string]*instance
	ops     map[string]bool // operations started here and not yet finished
	// toReport names instances made or reconfigured in this reconcile,
	// whose reported values are written together at its end: a node
	// taking over a thousand groups makes a thousand instances at once.
	toReport map[string]bool
	// unwritten holds, by resource, the outcomes settled here and not yet
	// written (Host.completed): the loop takes them for the resources'
	// states at once — a dependent starts the moment its provider's online
	// returned — while the writer commits them behind it. One counts only
	// while the resource's recorded state sequence is still the one its
	// call started from: a change recorded meanwhile (a new operation)
	// overrides it, as it overrides the write.
	unwritten map[string]outcome
	queue     []outcome // settled, not yet handed to the writer
	writing   bool      // a batch is being written
	calls     int       // lifecycle calls running
	// flushTimer tells the loop to flush outcomes held back (writeDelay).
	flushTimer *time.Timer
	// shapes are the groups' shapes (shapeOf) at view revision shapesRev.
	shapes    map[string]*groupShape
	shapesRev int64

	done    chan outcome       // a lifecycle call ended
	wrote   chan written       // the writer committed a batch (or failed)
	health  chan healthFailure // a health check failed
	changed chan string        // a type reported a change of locked mode or status

	wg sync.WaitGroup // action and health goroutines
}

// instance is one resource this node hosts.
type instance struct {
	name string
	// nameRef holds name for the type's Changed callback, which runs
	// outside the loop: a rename (Host.rename) stores the new one.
	nameRef *atomic.Pointer[string]
	id      string // the resource's id, which a rename keeps
	group   string
	res     restype.Resource
	typ     *restype.Type
	cg      *cgroup.Group // the resource's cgroup; nil: none
	cfgRev  int64         // resource record revision applied
	busy    busy
	// mayRun is false only while the resource is known to be stopped: no
	// online call since its last offline went through (or, for a new
	// instance, its record said Offline). An instance that may run is
	// never just forgotten: it is terminated first (forget).
	mayRun bool
	cancel context.CancelFunc // of the action in flight
	// healthSeq is the state sequence the health poller watches; 0: none.
	healthSeq    uint64
	healthCancel context.CancelFunc
}

type healthFailure struct {
	name string
	seq  uint64
	err  error
}

// New returns a host; Run starts it.
func New(cfg Config) *Host {
	flushTimer := time.NewTimer(time.Hour)
	flushTimer.Stop()
	return &Host{
		cfg: cfg, log: cfg.Log, now: time.Now, flushTimer: flushTimer,
		insts: map[string]*instance{}, byGroup: map[string]map[string]*instance{}, ops: map[string]bool{}, toReport: map[string]bool{}, shapes: map[string]*groupShape{},
		unwritten: map[string]outcome{},
		done:      make(chan outcome, 256), wrote: make(chan written, 1),
		health: make(chan healthFailure, 64), changed: make(chan string, 64),
	}
}

// Run drives resources until ctx ends, then stops its goroutines (leaving
// resources as they are: the persistent state is what the next start
// restores).
func (h *Host) Run(ctx context.Context) error {
	sub := h.cfg.Store.Subscribe()
	defer sub.Close()
	defer h.stop()
	// Whatever the loop waits on — a commit to the database above all —
	// ends when the lease is lost, so that the loop fences at once: a
	// commit to a database member without a leader would otherwise hold
	// it past the fencing deadline (tests/chaos saw a node cut off one
	// way fence 1.9 s late, its groups already running elsewhere).
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-h.cfg.Lease.Lost():
			cancel()
		case <-ctx.Done():
		}
	}()
	if err := h.recover(ctx); err != nil {
		if parent.Err() == nil && ctx.Err() != nil {
			return ErrFenced // nothing was started yet
		}
		return err
	}
	h.reconcile(ctx, nil)
	every := h.cfg.Resync
	if every <= 0 {
		every = DefaultResync
	}
	resync := time.NewTicker(every)
	defer resync.Stop()
	for {
		select {
		case <-ctx.Done():
			if parent.Err() == nil { // the lease was lost
				h.fence()
				return ErrFenced
			}
			return nil
		case <-h.cfg.Lease.Lost():
			h.fence()
			return ErrFenced
		case <-sub.C():
			keys, reset := sub.Take()
			if reset {
				// The store reloaded: which keys changed is not known.
				h.reconcile(ctx, nil)
				continue
			}
			h.reconcile(ctx, h.groupsOf(keys))
		case <-resync.C:
			h.reconcile(ctx, nil)
		case out := <-h.done:
			// Take every completion queued: N independent resources
			// finish at about the same time.
			outs := []outcome{out}
			for more := true; more; {
				select {
				case out = <-h.done:
					outs = append(outs, out)
				default:
					more = false
				}
			}
			h.completed(ctx, outs)
		case <-h.flushTimer.C:
			h.flush(ctx)
		case w := <-h.wrote:
			h.wroteBack(ctx, w)
		case f := <-h.health:
			h.onHealthFailure(ctx, f)
		case name := <-h.changed:
			if inst := h.insts[name]; inst != nil && !h.reportWaits(inst) {
				h.report(ctx, inst, inst.cfgRev, nil)
			}
		}
	}
}

func (h *Host) stop() {
	for _, inst := range h.insts {
		if inst.cancel != nil {
			inst.cancel()
		}
		if inst.healthCancel != nil {
			inst.healthCancel()
		}
	}
	h.wg.Wait()
	h.writeAtExit()
	if h.cfg.StopOnExit {
		h.offlineAll()
	}
}

// writeAtExit writes the outcomes settled and not yet written, within
// stopWriteGrace: the calls are done, and the next start need not make
// them again (it would: they are pending in the database, and stop and
// start are idempotent). After fencing there are none (fence forgets
// them: the node no longer has the authority to write them).
func (h *Host) writeAtExit() {
	if len(h.unwritten) == 0 {
		return
	}
	outs := slices.Collect(maps.Values(h.unwritten))
	clear(h.unwritten)
	h.queue = nil
	ctx, cancel := context.WithTimeout(context.Background(), stopWriteGrace)
	defer cancel()
	if err := h.writeOutcomes(ctx, outs); err != nil {
		h.log.Warn("cannot write the outcome of lifecycle calls at exit; the next start makes them again", "calls", len(outs), "err", err)
	}
}

// stopGrace bounds taking everything offline at exit, and stopWriteGrace
// recording it: the last node of a cluster to stop has no database quorum
// left, and its resources matter more than the record (the next start
// takes them as they are).
const (
	stopGrace      = 30 * time.Second
	stopWriteGrace = 2 * time.Second
)

// offlineAll takes every hosted resource offline, dependents first, and
// records them Offline with their persistent state untouched.
func (h *Host) offlineAll() {
	ctx, cancel := context.WithTimeout(context.Background(), stopGrace)
	defer cancel()
	done := map[string]bool{}
	v := h.cfg.Store.View()
	dependents := map[string][]string{}
	for name := range h.insts {
		if r := v.Resource(name); r != nil {
			for _, p := range r.DependsOn {
				dependents[p] = append(dependents[p], name)
			}
		}
	}
	var mu sync.Mutex
	var stopped []string
	for len(done) < len(h.insts) && ctx.Err() == nil {
		var wave []*instance
		for name, inst := range h.insts {
			if done[name] {
				continue
			}
			ready := true
			for _, d := range dependents[name] {
				if !done[d] {
					ready = false
				}
			}
			if ready {
				wave = append(wave, inst)
			}
		}
		if len(wave) == 0 {
			break // a dependency cycle cannot exist; be safe anyway
		}
		var wg sync.WaitGroup
		for _, inst := range wave {
			done[inst.name] = true
			if !inst.mayRun {
				continue // stopped already
			}
			// Each offline within its PendingTimeout, then terminated, as
			// any offline is.
			timeout := stopGrace
			if r := v.Resource(inst.name); r != nil {
				timeout = min(timeout, time.Duration(r.Common.PendingTimeout)*time.Millisecond)
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				octx, ocancel := context.WithTimeout(ctx, timeout)
				err := inst.res.Offline(octx, shuttingDown.offlineRequest(nil))
				ocancel()
				if err != nil {
					h.log.Warn("offline at exit failed; terminating", "resource", inst.name, "err", err)
					h.terminate(ctx, inst)
					return
				}
				mu.Lock()
				stopped = append(stopped, inst.name)
				mu.Unlock()
			}()
		}
		wg.Wait()
	}
	wctx, wcancel := context.WithTimeout(context.Background(), stopWriteGrace)
	defer wcancel()
	store.Batches(stopped, writeBatch, func(names []string) error {
		_, err := h.cfg.Store.Update(wctx, func(v store.View, t *store.Txn) error {
			for _, name := range names {
				if n := h.reportedStatus(v, h.insts[name], 0, func(st *store.Status) bool {
					if wsfc.ClusterResourceState(st.State) == wsfc.ClusterResourceOffline {
						return false
					}
					st.State = int32(wsfc.ClusterResourceOffline)
					st.Seq++
					return true
				}); n != nil {
					t.PutStatus(n)
				}
			}
			return nil
		})
		return err
	}, func(names []string, err error) {
		h.log.Warn("cannot record resources taken offline at exit", "resources", len(names), "err", err)
	})
}

// groupsOf maps changed keys to the groups to look at again.
func (h *Host) groupsOf(keys []string) map[string]bool {
	v := h.cfg.Store.View()
	dirty := map[string]bool{}
	for _, k := range keys {
		if g, ok := store.KeyGroup(k); ok {
			dirty[g] = true
		} else if g, ok := store.KeyClaim(k); ok {
			// A claim that lapsed with an older lease of this node (an
			// agent restarted within the lease's life) unblocks its group.
			dirty[g] = true
		} else if r, ok := store.KeyResource(k); ok {
			if res := v.Resource(r); res != nil {
				dirty[res.Group] = true
			} else if inst := h.insts[r]; inst != nil {
				dirty[inst.group] = true // deleted
			}
		}
	}
	return dirty
}

// reconcile brings the instances of the given groups (nil: all) in line
// with the database.
func (h *Host) reconcile(ctx context.Context, groups map[string]bool) {
	v := h.cfg.Store.View()
	// Drop instances whose resource is gone or no longer hosted here.
	insts := h.insts
	if groups != nil {
		// Those of the groups that changed only: O(the change), not
		// O(every resource the node hosts).
		insts = map[string]*instance{}
		for g := range groups {
			maps.Copy(insts, h.byGroup[g])
		}
	}
	for name, inst := range insts {
		r := v.Resource(name)
		if r == nil || r.ID != inst.id {
			if n := h.renamedTo(v, inst); n != nil {
				// Renamed (SetClusterResourceName): it goes on under
				// its new name, once no call of its runs.
				if inst.busy == idle {
					h.rename(inst, n.Name)
				}
				continue
			}
		}
		if r != nil && r.Group != inst.group && h.owns(v, r.Group) {
			// Moved to another group of this node's
			// (ChangeClusterResourceGroup): it goes on as it is.
			h.regroup(inst, r.Group)
			continue
		}
		if r == nil || r.Group != inst.group || !h.owns(v, r.Group) {
			if v.IsQuarantined(store.ResourceKey(name)) || v.IsQuarantined(store.GroupKey(inst.group)) {
				// Unreadable, not gone (store.View.Quarantined): leave
				// the instance as it is until the record reads again.
				continue
			}
			if inst.busy == idle {
				h.forget(ctx, inst)
			}
		}
	}
	if h.claimAll(ctx, v, groups) {
		v = h.cfg.Store.View()
	}
	for _, g := range groupsIn(v, groups) {
		if g.OwnerNode != h.cfg.Node {
			continue
		}
		h.reconcileGroup(ctx, v, g, nil)
		h.handover(ctx, v, g)
	}
	h.reportAll(ctx)
	h.finishOps(ctx, v)
	h.releaseClaims(ctx, v)
	// An outcome settled here without a call (a resource that cannot
	// come online: a provider that cannot, or a node that is not a
	// possible owner) is written now, not when some call next returns.
	h.flush(ctx)
}

// groupsIn returns the groups named in groups (nil: every group), by name,
// looking up each one rather than listing them all.
func groupsIn(v store.View, groups map[string]bool) []*store.Group {
	if groups == nil {
		return v.Groups()
	}
	var out []*store.Group
	for _, name := range slices.Sorted(maps.Keys(groups)) {
		if g := v.Group(name); g != nil {
			out = append(out, g)
		}
	}
	return out
}

func (h *Host) owns(v store.View, group string) bool {
	g := v.Group(group)
	return g != nil && g.OwnerNode == h.cfg.Node
}

// regroup files inst under group, the group its resource was moved to
// (ChangeClusterResourceGroup) between two groups this node owns: nothing
// is stopped or started, and whatever it runs, or its call in flight,
// goes on.
func (h *Host) regroup(inst *instance, group string) {
	if inst.group == group {
		return
	}
	h.log.Info("resource changed group", "resource", inst.name, "from", inst.group, "group", group)
	if m := h.byGroup[inst.group]; m[inst.name] == inst {
		delete(m, inst.name)
		if len(m) == 0 {
			delete(h.byGroup, inst.group)
		}
	}
	inst.group = group
	if h.byGroup[group] == nil {
		h.byGroup[group] = map[string]*instance{}
	}
	h.byGroup[group][inst.name] = inst
}

// renamedTo is the resource inst runs under a new name
// (SetClusterResourceName) — the resource of inst's group with its id,
// which no instance has — or nil.
func (h *Host) renamedTo(v store.View, inst *instance) *store.Resource {
	g := v.Group(inst.group)
	if g == nil {
		return nil
	}
	for _, r := range v.GroupResources(g) {
		if r.ID == inst.id && r.Name != inst.name && h.insts[r.Name] == nil {
			return r
		}
	}
	return nil
}

// renamedInstance is the instance, under another name, of r's group that
// runs the resource r (same id): r was renamed. nil if none.
func (h *Host) renamedInstance(r *store.Resource) *instance {
	for _, inst := range h.byGroup[r.Group] {
		if inst.id == r.ID && inst.name != r.Name {
			return inst
		}
	}
	return nil
}

// rename files inst under name, the new name of its resource
// (SetClusterResourceName). Nothing is stopped or started; its health
// polling, which reports under the old name, starts again under the new
// one (reconcile restarts it). The resource type keeps the name it was
// made with (restype.Config.Name) until the node next makes the instance.
func (h *Host) rename(inst *instance, name string) {
	h.log.Info("resource renamed", "resource", name, "from", inst.name)
	h.stopHealth(inst)
	delete(h.insts, inst.name)
	if m := h.byGroup[inst.group]; m[inst.name] == inst {
		delete(m, inst.name)
		m[name] = inst
	}
	delete(h.toReport, inst.name)
	if o, ok := h.unwritten[inst.name]; ok {
		delete(h.unwritten, inst.name)
		o.name = name
		h.unwritten[name] = o
	}
	inst.name = name
	inst.nameRef.Store(&name)
	h.insts[name] = inst
	h.toReport[name] = true
}

func (h *Host) drop(inst *instance) {
	if inst.healthCancel != nil {
		inst.healthCancel()
	}
	delete(h.insts, inst.name)
	if m := h.byGroup[inst.group]; m[inst.name] == inst {
		delete(m, inst.name)
		if len(m) == 0 {
			delete(h.byGroup, inst.group)
		}
	}
}

// forget drops an instance whose resource is gone or no longer hosted
// here. Normally it was taken offline first (a move hands a group over
// only once nothing of it runs). If it may still run, its group was taken
// away while it ran — this node's lease ended on the server while the
// node still held it valid (etcd revoking it, docs/fencing.md) — and
// another node may start it any moment: terminate it at once.
func (h *Host) forget(ctx context.Context, inst *instance) {
	h.drop(inst)
	if !inst.mayRun {
		inst.cg.Release()
		return
	}
	h.log.Warn("group taken away while its resource may run here: terminating it", "resource", inst.name, "group", inst.group)
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		tctx, cancel := context.WithTimeout(ctx, terminateGrace)
		defer cancel()
		if err := stopNow(tctx, inst); err != nil {
			h.log.Error("could not stop a resource whose group was taken away", "resource", inst.name, "err", err)
		}
		inst.cg.Release()
	}()
}

// dependentsOf maps each resource of a group to those that depend on it,
// built once per reconcile instead of a scan of the group per resource.
func dependentsOf(resources []*store.Resource) map[string][]string {
	out := map[string][]string{}
	for _, r := range resources {
		for _, p := range r.DependsOn {
			out[p] = append(out[p], r.Name)
		}
	}
	return out
}

// reconcileGroup looks at the resources of g, which this node owns: at
// every one (only nil), or at those named in only and their neighbours —
// the resources that depend on them and those they depend on — and, when
// one of those settles (a provider that cannot come online fails its
// dependents), at its dependents in turn. That is what advance asks for
// when calls return: a chain's next member starts at once, without
// looking at the whole group for every member.
func (h *Host) reconcileGroup(ctx context.Context, v store.View, g *store.Group, only []string) {
	sh := h.shapeOf(v, g)
	resources, dependents, byName := sh.resources, sh.dependents, sh.byName
	if only == nil {
		for _, r := range resources {
			h.reconcileResource(ctx, v, r, sh)
		}
		return
	}
	queued := map[string]bool{}
	var work []*store.Resource
	push := func(name string) {
		if r := byName[name]; r != nil && !queued[name] {
			queued[name] = true
			work = append(work, r)
		}
	}
	for _, name := range only {
		push(name)
		for _, d := range dependents[name] {
			push(d)
		}
		if r := byName[name]; r != nil {
			for _, p := range r.DependsOn {
				push(p)
			}
		}
	}
	for len(work) > 0 {
		r := work[0]
		work = work[1:]
		delete(queued, r.Name)
		if h.reconcileResource(ctx, v, r, sh) {
			for _, d := range dependents[r.Name] {
				push(d)
			}
		}
	}
}

// groupShape is a group's resources, by name, and who depends on whom,
// as one view has them.
type groupShape struct {
	resources  []*store.Resource
	byName     map[string]*store.Resource
	dependents map[string][]string
}

// shapeOf is g's shape in v, made once per view revision: calls that
// return a few at a time each advance the group, and listing a big
// group's resources for every few was a tenth of its offline's CPU.
func (h *Host) shapeOf(v store.View, g *store.Group) *groupShape {
	if h.shapesRev != v.Rev() {
		clear(h.shapes)
		h.shapesRev = v.Rev()
	}
	if sh := h.shapes[g.Name]; sh != nil {
		return sh
	}
	resources := v.GroupResources(g)
	sh := &groupShape{resources: resources, byName: make(map[string]*store.Resource, len(resources)), dependents: dependentsOf(resources)}
	for _, r := range resources {
		sh.byName[r.Name] = r
	}
	h.shapes[g.Name] = sh
	return sh
}

// advance looks at what the settled resources named make possible next
// (reconcileGroup), group by group, on the current view.
func (h *Host) advance(ctx context.Context, names []string) {
	if len(names) == 0 {
		return
	}
	byGroup := map[string][]string{}
	for _, name := range names {
		if inst := h.insts[name]; inst != nil {
			byGroup[inst.group] = append(byGroup[inst.group], name)
		}
	}
	v := h.cfg.Store.View()
	for group, names := range byGroup {
		if g := v.Group(group); g != nil && g.OwnerNode == h.cfg.Node {
			h.reconcileGroup(ctx, v, g, names)
		}
	}
}

// stateOf is a resource's state as this node knows it: the outcome of
// its last call while that is settled here and not yet written (and
// still counts), else the recorded one.
func (h *Host) stateOf(v store.View, name string) wsfc.ClusterResourceState {
	st := v.Status(name)
	if st == nil {
		return wsfc.ClusterResourceOffline
	}
	if o, ok := h.unwritten[name]; ok && o.seq == st.Seq {
		return o.state
	}
	return wsfc.ClusterResourceState(st.State)
}

// reconcileResource decides and does the next step for r. It reports
// whether it settled a new state for r here (a resource failed because
// a provider cannot come online), whose dependents are then looked at.
func (h *Host) reconcileResource(ctx context.Context, v store.View, r *store.Resource, sh *groupShape) bool {
	if h.insts[r.Name] == nil && restsOffline(v, r) {
		// No instance until there is something to run: a node that owns
		// thousands of offline resources holds no type state, cgroup or
		// plugin session for them. Their configuration counts as applied
		// (the instance made later reads it).
		if st := v.Status(r.Name); st != nil && st.ConfigRev < r.Rev {
			h.toReport[r.Name] = true
		}
		return false
	}
	inst, err := h.instance(ctx, v, r)
	if err != nil {
		return false
	}
	defer func() {
		if inst.busy != idle {
			delete(h.toReport, r.Name) // the call's outcome write reports it
		}
	}()
	st := v.Status(r.Name)
	if st == nil {
		return false
	}
	state, seq := wsfc.ClusterResourceState(st.State), st.Seq
	if o, ok := h.unwritten[r.Name]; ok && o.seq == st.Seq {
		state, seq = o.state, o.seq+1 // as it will be recorded
	}
	if state != wsfc.ClusterResourceOnline {
		// Health is polled while Online only. A resource waiting its turn
		// to go offline (its dependents first) is not checked meanwhile:
		// a failure would be ignored (its state moved on), and the checks
		// of a big group's waiting resources — OCF agents spawned every
		// few seconds each — slowed its offline by half.
		h.stopHealth(inst)
	}
	// A failure asked for counts for the recorded state sequence only, not
	// for an outcome settled here since.
	sit := situation{state: state, busy: inst.busy, failAsked: st.FailSeq != 0 && st.FailSeq == seq, notPossible: !r.CanRunOn(h.cfg.Node)}
	if r.DependsExpr != nil {
		for _, term := range r.DependsExpr {
			for _, p := range term {
				sit.providers = append(sit.providers, h.stateOf(v, p))
			}
			sit.terms = append(sit.terms, len(term))
		}
	} else {
		for _, p := range r.DependsOn {
			sit.providers = append(sit.providers, h.stateOf(v, p))
		}
	}
	for _, d := range sh.dependents[r.Name] {
		if dr := sh.byName[d]; dr != nil && dr.DependsExpr != nil && h.satisfiedWithout(v, dr, r.Name) {
			continue // another Online provider of its "or" holds it up
		}
		sit.dependents = append(sit.dependents, h.stateOf(v, d))
	}
	switch decide(sit) {
	case stepOnline:
		// A group moving away starts nothing here: a big group's handover
		// marks its resources OnlinePending before it changes hands.
		if g := v.Group(r.Group); g != nil && g.MoveTo != "" {
			return false
		}
		// Running anything needs the group's claim, under a lease that is
		// still good by this node's own clock.
		if !h.cfg.Lease.Valid(h.now()) || !h.claim(ctx, v, r.Group) {
			return false
		}
		h.start(ctx, v, inst, r, st, busyOnline)
	case stepOffline:
		h.start(ctx, v, inst, r, st, busyOffline)
	case stepCancelOnline:
		h.log.Info("offline supersedes online", "resource", r.Name, "op", st.OpID)
		inst.cancel()
	case stepFailProvider:
		h.stopHealth(inst)
		h.settle(inst, outcome{name: r.Name, seq: st.Seq, state: wsfc.ClusterResourceFailed,
			err: errors.New("a resource it depends on did not come online")})
		return true
	case stepNotPossible:
		h.stopHealth(inst)
		h.settle(inst, outcome{name: r.Name, seq: st.Seq, state: wsfc.ClusterResourceOffline,
			err: fmt.Errorf("node %s is not a possible owner of the resource (AddClusterResourceNode)", h.cfg.Node)})
		return true
	case stepFail:
		h.stopHealth(inst)
		h.onHealthFailure(ctx, healthFailure{name: r.Name, seq: seq, err: errFailAsked})
	case stepWatchHealth:
		h.watchHealth(inst, r, seq)
	case stepStopHealth:
		h.stopHealth(inst)
	}
	return false
}

// satisfiedWithout reports whether d's dependency expression is
// satisfied by the resources Online (as this node knows them) other than
// provider: then d does not need provider, which may go offline under it.
func (h *Host) satisfiedWithout(v store.View, d *store.Resource, provider string) bool {
	return d.DependsExpr.Satisfied(func(p string) bool {
		return p != provider && h.stateOf(v, p) == wsfc.ClusterResourceOnline
	})
}

// reportWaits says whether what inst's type reported can wait for the
// write of its call's outcome, which carries it: status properties can
// while a call runs or its outcome is unwritten (an OCF agent reports
// every action it runs, three for an online); locked mode cannot (a
// virtual machine reports it while it saves, and an offline asked for
// meanwhile must see it).
func (h *Host) reportWaits(inst *instance) bool {
	if _, ok := h.unwritten[inst.name]; !ok && inst.busy == idle {
		return false
	}
	st := h.cfg.Store.View().Status(inst.name)
	if st == nil {
		return false
	}
	locked, reason := false, ""
	if lm, ok := inst.res.(restype.LockedModeReporter); ok {
		locked, reason = lm.LockedMode()
	}
	return locked == st.Locked && reason == st.LockedReason
}

// restsOffline says whether r is recorded Offline with nothing asked of
// it: nothing to start, stop or watch, and nothing of it can be running
// (an instance is made for every other state, so that a type reattaches to
// what may still run).
func restsOffline(v store.View, r *store.Resource) bool {
	st := v.Status(r.Name)
	return st != nil && wsfc.ClusterResourceState(st.State) == wsfc.ClusterResourceOffline && st.FailSeq == 0
}

// instance returns the live instance for r, making or reconfiguring it as
// its record requires.
func (h *Host) instance(ctx context.Context, v store.View, r *store.Resource) (*instance, error) {
	inst := h.insts[r.Name]
	if inst == nil {
		// Renamed (SetClusterResourceName) before reconcile's look at
		// its old name: the instance goes on under the new one.
		if old := h.renamedInstance(r); old != nil {
			if old.busy != idle {
				return nil, fmt.Errorf("resource %q was renamed %q while a call of its runs here", old.name, r.Name)
			}
			h.rename(old, r.Name)
			inst = old
		}
	}
	if inst != nil && inst.group != r.Group {
		// Its group changed (reconcile of the group it left has not
		// seen it yet): r's group is owned here, as the caller looks at
		// owned groups only.
		h.regroup(inst, r.Group)
	}
	if inst != nil && inst.cfgRev == r.Rev {
		return inst, nil
	}
	if inst == nil {
		typ, ok := h.cfg.Types.Lookup(r.Type)
		if !ok {
			err := fmt.Errorf("resource type %q is not available on node %s", r.Type, h.cfg.Node)
			h.failConfig(ctx, v, r, err)
			return nil, err
		}
		nameRef := new(atomic.Pointer[string])
		nameRef.Store(&r.Name)
		rcfg := restype.Config{
			Name: r.Name, Group: r.Group, Node: h.cfg.Node, Properties: r.Private.Clone(),
			StateDir: filepath.Join(h.cfg.StateDir, "resources", r.ID),
			Log:      resourceLog(h.log, r.Name),
			Changed:  func() { h.notifyChanged(*nameRef.Load()) },
			Guard:    h.cfg.Guard,
		}
		if st := v.Status(r.Name); st != nil {
			rcfg.LastStatus = st.Props.Clone()
		}
		var cg *cgroup.Group
		if !typ.NoProcesses {
			cg = h.cgroupOf(r)
		}
		if cg != nil {
			rcfg.Cgroup = cg
		}
		res, err := typ.New(rcfg)
		if err != nil {
			cg.Release()
			h.failConfig(ctx, v, r, err)
			return nil, err
		}
		inst = &instance{name: r.Name, nameRef: nameRef, id: r.ID, group: r.Group, res: res, typ: typ, cg: cg}
		if st := v.Status(r.Name); st == nil || wsfc.ClusterResourceState(st.State) != wsfc.ClusterResourceOffline {
			inst.mayRun = true // a type may have reattached to what runs
		}
		h.insts[r.Name] = inst
		if h.byGroup[inst.group] == nil {
			h.byGroup[inst.group] = map[string]*instance{}
		}
		h.byGroup[inst.group][inst.name] = inst
	} else if rc, ok := inst.res.(restype.Reconfigurer); ok {
		if err := rc.Reconfigure(r.Private.Clone()); err != nil {
			h.log.Warn("new properties refused", "resource", r.Name, "err", err)
		}
	}
	inst.cfgRev = r.Rev
	h.toReport[inst.name] = true
	return inst, nil
}

func (h *Host) notifyChanged(name string) {
	select {
	case h.changed <- name:
	default: // a report is queued already; it reads the latest values
	}
}

// failConfig marks a resource Failed because it cannot be made here.
func (h *Host) failConfig(ctx context.Context, v store.View, r *store.Resource, cause error) {
	st := v.Status(r.Name)
	if st != nil && st.ConfigRev == r.Rev && st.LastError == cause.Error() {
		return // said already
	}
	h.log.Warn("cannot host resource", "resource", r.Name, "err", cause)
	// op is the operation of a pending state failed here.
	op, _, err := store.Decide(ctx, h.cfg.Store, func(v store.View, t *store.Txn) (string, error) {
		st := v.Status(r.Name)
		if st == nil {
			return "", nil
		}
		st = st.Clone()
		op := ""
		if wsfc.ClusterResourceState(st.State).IsPending() {
			st.State = int32(wsfc.ClusterResourceFailed)
			st.Seq++
			op = st.OpID
		}
		st.ConfigRev, st.LastError, st.Node, st.Updated = r.Rev, cause.Error(), h.cfg.Node, h.now()
		t.PutStatus(st)
		return op, nil
	})
	if err == nil && op != "" {
		// No lifecycle call ran for it, but its operation must end (failed):
		// finishOps records it once nothing of it is pending.
		h.ops[op] = true
	}
}

// report writes what the type reports (locked mode, status properties) and
// the configuration revision applied; edit, if set, changes more.
func (h *Host) report(ctx context.Context, inst *instance, cfgRev int64, edit func(*store.Status) bool) {
	if edit == nil && h.reportedStatus(h.cfg.Store.View(), inst, cfgRev, nil) == nil {
		// Nothing new to say. A decision that writes nothing confirms its
		// view with a read of the database (store.Decide); a report needs
		// no such answer.
		return
	}
	_, err := h.cfg.Store.Update(ctx, func(v store.View, t *store.Txn) error {
		if n := h.reportedStatus(v, inst, cfgRev, edit); n != nil {
			t.PutStatus(n)
		}
		return nil
	})
	if err != nil && ctx.Err() == nil {
		h.log.Warn("cannot write resource status", "resource", inst.name, "err", err)
	}
}

// reportAll writes what report would for every instance in toReport, in
// as few transactions as etcd allows.
func (h *Host) reportAll(ctx context.Context) {
	if len(h.toReport) == 0 {
		return
	}
	// Only those with something new (see report).
	v := h.cfg.Store.View()
	var names []string
	for name := range h.toReport {
		if h.statusToReport(v, name) != nil {
			names = append(names, name)
		}
	}
	clear(h.toReport)
	slices.Sort(names)
	store.Batches(names, writeBatch, func(chunk []string) error {
		_, err := h.cfg.Store.Update(ctx, func(v store.View, t *store.Txn) error {
			for _, name := range chunk {
				if n := h.statusToReport(v, name); n != nil {
					t.PutStatus(n)
				}
			}
			return nil
		})
		return err
	}, func(chunk []string, err error) {
		if ctx.Err() == nil {
			h.log.Warn("cannot write resource statuses", "resources", len(chunk), "err", err)
		}
	})
}

// statusToReport is what reportAll writes for the resource named: its
// instance's report, or for a resource without one (restsOffline) its
// configuration revision applied; nil when nothing changes.
func (h *Host) statusToReport(v store.View, name string) *store.Status {
	if inst := h.insts[name]; inst != nil {
		return h.reportedStatus(v, inst, inst.cfgRev, nil)
	}
	r, st := v.Resource(name), v.Status(name)
	if r == nil || st == nil || st.ConfigRev >= r.Rev || !restsOffline(v, r) || !h.owns(v, r.Group) {
		return nil
	}
	n := st.Clone()
	n.ConfigRev, n.Updated = r.Rev, h.now()
	return n
}

// reportedStatus is inst's status record with what its type reports, the
// configuration revision applied and edit's changes, or nil when that
// changes nothing (or edit declines).
func (h *Host) reportedStatus(v store.View, inst *instance, cfgRev int64, edit func(*store.Status) bool) *store.Status {
	st := v.Status(inst.name)
	if st == nil {
		return nil
	}
	n := st.Clone()
	h.reported(inst, n)
	if cfgRev > n.ConfigRev {
		n.ConfigRev = cfgRev
	}
	if edit != nil && !edit(n) {
		return nil
	}
	if n.Locked == st.Locked && n.LockedReason == st.LockedReason && n.Props.Equal(st.Props) &&
		n.Node == st.Node && n.ConfigRev == st.ConfigRev && edit == nil {
		return nil // nothing new
	}
	n.Updated = h.now()
	return n
}

// reported copies what the type reports — locked mode, status properties
// — and this node's name into st.
func (h *Host) reported(inst *instance, st *store.Status) {
	st.Locked, st.LockedReason, st.Props = false, "", nil
	if lm, ok := inst.res.(restype.LockedModeReporter); ok {
		st.Locked, st.LockedReason = lm.LockedMode()
	}
	if sr, ok := inst.res.(restype.StatusReporter); ok {
		st.Props = sr.Status()
	}
	st.Props = withUsage(st.Props, inst.cg)
	st.Node = h.cfg.Node
}

// finishOps records the outcome of operations started here once none of
// their resources is pending any more, many in one transaction.
func (h *Host) finishOps(ctx context.Context, v store.View) {
	if len(h.ops) == 0 {
		return
	}
	// An operation is pending while an instance here is pending with it:
	// the instances of its group (an operation acts on its group's
	// resources), not every instance of the node.
	pending := map[string]bool{}
	seen := map[string]bool{}
	for id := range h.ops {
		op := v.Operation(id)
		if op == nil {
			continue
		}
		// An operation still being written (a big group's change split
		// over several transactions, ops/split.go) has more to do.
		if g := v.Group(op.Group); g != nil && g.Writing == id {
			pending[id] = true
		}
		if seen[op.Group] {
			continue
		}
		seen[op.Group] = true
		for _, inst := range h.byGroup[op.Group] {
			if st := v.Status(inst.name); st != nil && wsfc.ClusterResourceState(st.State).IsPending() {
				pending[st.OpID] = true
			}
		}
	}
	var ids []string
	for id := range h.ops {
		if !pending[id] {
			ids = append(ids, id)
			delete(h.ops, id)
		}
	}
	slices.Sort(ids)
	store.Batches(ids, writeBatch, func(chunk []string) error {
		finished, _, err := store.Decide(ctx, h.cfg.Store, func(v store.View, t *store.Txn) ([]*store.Operation, error) {
			var finished []*store.Operation
			for _, id := range chunk {
				if n := h.outcomeOf(v, id); n != nil {
					t.PutOperation(n)
					finished = append(finished, n)
				}
			}
			return finished, nil
		})
		if err == nil && h.cfg.Observer != nil {
			for _, op := range finished {
				h.cfg.Observer.OperationFinished(op.Kind, op.Outcome, op.Finished.Sub(op.Created))
			}
		}
		return err
	}, func(chunk []string, err error) {
		if ctx.Err() == nil {
			h.log.Warn("cannot record operation outcomes", "ops", len(chunk), "err", err)
		}
	})
}

// outcomeOf is operation id's record finished now, or nil if it is gone
// or finished already: failed if a resource it left carries it Failed,
// succeeded if any carries it otherwise, superseded if none does.
func (h *Host) outcomeOf(v store.View, id string) *store.Operation {
	op := v.Operation(id)
	if op == nil || !op.Finished.IsZero() {
		return nil
	}
	n := *op
	n.Finished = h.now()
	n.Outcome = "superseded"
	// The statuses tell the outcome; they are not compared: the finish
	// comes once nothing of op is pending, when none of them changes for
	// op any more, and a big group's would not fit in one transaction.
	for _, st := range statusesOf(v.Unrecorded(), op) {
		if st.OpID != id {
			continue
		}
		if wsfc.ClusterResourceState(st.State) == wsfc.ClusterResourceFailed {
			n.Outcome = "failed"
			break
		}
		n.Outcome = "succeeded"
	}
	return &n
}

func statusesOf(v store.View, op *store.Operation) []*store.Status {
	var out []*store.Status
	g := v.Group(op.Group)
	if g == nil {
		return nil
	}
	for _, name := range v.GroupResourceNames(g) {
		if st := v.Status(name); st != nil {
			out = append(out, st)
		}
	}
	return out
}
