// Package dummy is the "dummy" resource type: WSFC's demo type, which
// manages nothing real but behaves like a real resource for tests and demos.
//
// Its private properties configure how long online and offline take
// (OnlineDelayMs, OfflineDelayMs), whether they fail (FailOnline,
// FailOffline), whether health checks fail (FailHealth) and locked mode
// (Locked, LockedReason). Offline reads the DWORD named "dummy" from the
// input buffer, like a virtual machine: 0 turn off, 1 save, 2 shut down
// (the default), 3 forced shut down. It records the action as the status
// property LastOfflineAction. Save leaves a saved-state marker in the
// resource's state directory, which survives agent restarts; the next
// online restores (and removes) it.
//
// Ledger (a file path) makes the resource record in that file, in the
// format of package ledger, when it comes online and when it stops being
// online (offline, terminate, fencing), so tests can check from outside
// that it never ran on two nodes at once.
package dummy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/batoncluster/baton/internal/ledger"
	"github.com/batoncluster/baton/proplist"
	"github.com/batoncluster/baton/restype"
)

// TypeName is the name of the type, and of the input-buffer DWORD its
// Offline reads.
const TypeName = "dummy"

// Private property names.
const (
	PropOnlineDelayMs  = "OnlineDelayMs"
	PropOfflineDelayMs = "OfflineDelayMs"
	PropFailOnline     = "FailOnline"
	PropFailOffline    = "FailOffline"
	PropFailHealth     = "FailHealth"
	PropLocked         = "Locked"
	PropLockedReason   = "LockedReason"
	PropLedger         = "Ledger"
)

// Status property names.
const (
	StatusLastOfflineAction     = "LastOfflineAction"
	StatusLastOfflineActionCode = "LastOfflineActionCode"
	StatusSavedState            = "SavedState"
	StatusRestoredSavedState    = "RestoredSavedState"
	StatusOnlines               = "Onlines"
	StatusOfflines              = "Offlines"
	// What the last online and offline were told (restype.OnlineRequest,
	// OfflineRequest): their CLUS_RESDLL_* flags, the offline's reason and
	// destination.
	StatusLastOnlineFlags        = "LastOnlineFlags"
	StatusLastOfflineFlags       = "LastOfflineFlags"
	StatusLastOfflineReason      = "LastOfflineReason"
	StatusLastOfflineDestination = "LastOfflineDestination"
)

// SavedStateFile is the name of the saved-state marker in the state
// directory.
const SavedStateFile = "saved-state"

// Offline actions, the values of the "dummy" input-buffer DWORD.
const (
	ActionTurnOff       uint32 = 0
	ActionSave          uint32 = 1
	ActionShutdown      uint32 = 2
	ActionShutdownForce uint32 = 3
)

// DefaultOfflineAction is the action when the input buffer gives none.
const DefaultOfflineAction = ActionShutdown

var actionNames = [...]string{
	ActionTurnOff:       "TurnOff",
	ActionSave:          "Save",
	ActionShutdown:      "Shutdown",
	ActionShutdownForce: "ShutdownForce",
}

// ErrNotOnline is returned by the health checks of a resource that is not
// online.
var ErrNotOnline = errors.New("dummy: not online")

// Type returns the dummy resource type.
func Type() *restype.Type {
	return &restype.Type{
		Name:        TypeName,
		Description: "Demo resource that manages nothing; configurable delays, failures, health and locked mode.",
		Properties: []restype.PropertyInfo{
			{Name: PropOnlineDelayMs, Kind: "dword", Default: "0", Description: "Milliseconds an online takes."},
			{Name: PropOfflineDelayMs, Kind: "dword", Default: "0", Description: "Milliseconds an offline takes."},
			{Name: PropFailOnline, Kind: "dword", Default: "0", Description: "1: online fails (after its delay)."},
			{Name: PropFailOffline, Kind: "dword", Default: "0", Description: "1: offline fails (after its delay)."},
			{Name: PropFailHealth, Kind: "dword", Default: "0", Description: "1: LooksAlive and IsAlive fail."},
			{Name: PropLocked, Kind: "dword", Default: "0", Description: "1: the resource reports locked mode."},
			{Name: PropLockedReason, Kind: "sz", Default: "", Description: "Reason reported with locked mode."},
			{Name: PropLedger, Kind: "sz", Default: "", Description: "File to append a line to each time the resource comes online or stops being online (package ledger's format; for tests)."},
		},
		OfflineParameter:   TypeName,
		LooksAliveInterval: 5000,
		IsAliveInterval:    60000,
		Validate: func(l proplist.List) error {
			_, err := parse(l)
			return err
		},
		New:         New,
		NoProcesses: true, // it runs in the agent's process
	}
}

// settings are the parsed private properties.
type settings struct {
	onlineDelay, offlineDelay time.Duration
	failOnline, failOffline   bool
	failHealth                bool
	locked                    bool
	lockedReason              string
	ledger                    string
}

// parse reads and checks the private properties; unknown ones are ignored.
func parse(props proplist.List) (settings, error) {
	var s settings
	dword := func(name string) (uint32, error) {
		p, ok := props.Get(name)
		if !ok {
			return 0, nil
		}
		if len(p.Values) == 0 {
			return 0, fmt.Errorf("dummy: property %s has no value", name)
		}
		v, ok := props.DWORD(name)
		if !ok {
			return 0, fmt.Errorf("dummy: property %s must be a DWORD, not %v", name, p.Values[0].Syntax)
		}
		return v, nil
	}
	flag := func(name string) (bool, error) {
		v, err := dword(name)
		if err != nil {
			return false, err
		}
		if v > 1 {
			return false, fmt.Errorf("dummy: property %s must be 0 or 1, not %d", name, v)
		}
		return v == 1, nil
	}
	var err error
	var d uint32
	if d, err = dword(PropOnlineDelayMs); err != nil {
		return s, err
	}
	s.onlineDelay = time.Duration(d) * time.Millisecond
	if d, err = dword(PropOfflineDelayMs); err != nil {
		return s, err
	}
	s.offlineDelay = time.Duration(d) * time.Millisecond
	if s.failOnline, err = flag(PropFailOnline); err != nil {
		return s, err
	}
	if s.failOffline, err = flag(PropFailOffline); err != nil {
		return s, err
	}
	if s.failHealth, err = flag(PropFailHealth); err != nil {
		return s, err
	}
	if s.locked, err = flag(PropLocked); err != nil {
		return s, err
	}
	if p, ok := props.Get(PropLockedReason); ok {
		if len(p.Values) == 0 {
			return s, fmt.Errorf("dummy: property %s has no value", PropLockedReason)
		}
		r, ok := props.String(PropLockedReason)
		if !ok {
			return s, fmt.Errorf("dummy: property %s must be a string, not %v", PropLockedReason, p.Values[0].Syntax)
		}
		s.lockedReason = r
	}
	if p, ok := props.Get(PropLedger); ok {
		if len(p.Values) == 0 {
			return s, fmt.Errorf("dummy: property %s has no value", PropLedger)
		}
		l, ok := props.String(PropLedger)
		if !ok {
			return s, fmt.Errorf("dummy: property %s must be a string, not %v", PropLedger, p.Values[0].Syntax)
		}
		s.ledger = l
	}
	return s, nil
}

// resource is one dummy resource.
type resource struct {
	name     string
	node     string // the hosting node, for the ledger
	stateDir string
	log      *slog.Logger
	changed  func()

	mu sync.Mutex // guards the fields below
	s  settings
	// online is whether the resource is online.
	online bool
	// saved is whether a saved state exists (mirrors the marker file when
	// stateDir is set).
	saved bool
	// restored is whether the last online restored a saved state.
	restored bool
	// lastAction is the last offline action; hasLast is false before the
	// first offline.
	lastAction uint32
	hasLast    bool
	onlines    uint32
	offlines   uint32
	// lastOnline and lastOffline are the requests of the last online and
	// offline that were made (StatusLastOnlineFlags and the others).
	lastOnline  *restype.OnlineRequest
	lastOffline *restype.OfflineRequest
}

var (
	_ restype.Resource           = (*resource)(nil)
	_ restype.LockedModeReporter = (*resource)(nil)
	_ restype.Terminator         = (*resource)(nil)
	_ restype.StatusReporter     = (*resource)(nil)
	_ restype.Reconfigurer       = (*resource)(nil)
)

// New makes a dummy resource from cfg. A saved-state marker left in
// cfg.StateDir by an earlier instance is reported at once (SavedState 1).
func New(cfg restype.Config) (restype.Resource, error) {
	s, err := parse(cfg.Properties)
	if err != nil {
		return nil, err
	}
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	r := &resource{
		name:     cfg.Name,
		node:     cfg.Node,
		stateDir: cfg.StateDir,
		log:      log,
		changed:  cfg.Changed,
		s:        s,
	}
	if r.stateDir != "" {
		_, err := os.Stat(r.markerPath())
		switch {
		case err == nil:
			r.saved = true
		case !errors.Is(err, os.ErrNotExist):
			return nil, fmt.Errorf("dummy: %w", err)
		}
	}
	return r, nil
}

func (r *resource) markerPath() string {
	return filepath.Join(r.stateDir, SavedStateFile)
}

// wait sleeps for d or until ctx ends, whichever is first.
func wait(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Online waits OnlineDelayMs, fails if FailOnline is set, and otherwise
// restores a saved state if there is one and marks the resource online.
func (r *resource) Online(ctx context.Context, req restype.OnlineRequest) error {
	r.mu.Lock()
	s := r.s
	r.mu.Unlock()

	r.mu.Lock()
	r.lastOnline = &restype.OnlineRequest{Flags: req.Flags}
	r.mu.Unlock()
	r.log.InfoContext(ctx, "dummy online", slog.Duration("delay", s.onlineDelay))
	if err := wait(ctx, s.onlineDelay); err != nil {
		r.log.InfoContext(ctx, "dummy online cancelled", slog.Any("err", err))
		return err
	}

	r.mu.Lock()
	defer r.mu.Unlock()
	// A cancellation that came as the delay ended (a node resumed from a
	// freeze, whose host fences: cancels this call and terminates at
	// once) stops the online here, so it can never mark the resource
	// online after a Terminate has stopped it.
	if err := ctx.Err(); err != nil {
		r.log.InfoContext(ctx, "dummy online cancelled", slog.Any("err", err))
		return err
	}
	if r.s.failOnline {
		r.log.InfoContext(ctx, "dummy online failing: FailOnline is set")
		return errors.New("dummy: online failed: FailOnline is set")
	}
	restored := false
	if r.saved {
		if r.stateDir != "" {
			if err := os.Remove(r.markerPath()); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("dummy: restoring saved state: %w", err)
			}
		}
		r.saved = false
		restored = true
	}
	if err := r.record(ledger.Online); err != nil {
		return err // not recorded, so not online: the ledger must not miss a run
	}
	r.restored = restored
	r.online = true
	r.onlines++
	r.log.InfoContext(ctx, "dummy online done", slog.Bool("restoredSavedState", restored))
	return nil
}

// offlineAction reads the "dummy" DWORD from the input buffer.
func offlineAction(params proplist.List) (uint32, error) {
	p, ok := params.Get(TypeName)
	if !ok {
		return DefaultOfflineAction, nil
	}
	if len(p.Values) == 0 {
		return 0, fmt.Errorf("dummy: input buffer property %s has no value", TypeName)
	}
	a, ok := params.DWORD(TypeName)
	if !ok {
		return 0, fmt.Errorf("dummy: input buffer property %s must be a DWORD, not %v", TypeName, p.Values[0].Syntax)
	}
	if a > ActionShutdownForce {
		return 0, fmt.Errorf("dummy: invalid offline action %d in input buffer property %s (want 0..3)", a, TypeName)
	}
	return a, nil
}

// Offline reads the action from the input buffer, waits OfflineDelayMs,
// fails if FailOffline is set, and otherwise records the action (saving
// state for action 1) and marks the resource offline.
func (r *resource) Offline(ctx context.Context, req restype.OfflineRequest) error {
	action, err := offlineAction(req.Params)
	if err != nil {
		r.log.InfoContext(ctx, "dummy offline rejected", slog.Any("err", err))
		return err
	}
	r.mu.Lock()
	s := r.s
	r.lastOffline = &restype.OfflineRequest{Flags: req.Flags, Reason: req.Reason, Destination: req.Destination}
	r.mu.Unlock()

	r.log.InfoContext(ctx, "dummy offline", slog.String("action", actionNames[action]), slog.Duration("delay", s.offlineDelay))
	if err := wait(ctx, s.offlineDelay); err != nil {
		r.log.InfoContext(ctx, "dummy offline cancelled", slog.Any("err", err))
		return err
	}

	r.mu.Lock()
	defer r.mu.Unlock()
	if r.s.failOffline {
		r.log.InfoContext(ctx, "dummy offline failing: FailOffline is set")
		return errors.New("dummy: offline failed: FailOffline is set")
	}
	if action == ActionSave {
		if r.stateDir != "" {
			if err := os.MkdirAll(r.stateDir, 0o700); err != nil {
				return fmt.Errorf("dummy: saving state: %w", err)
			}
			if err := os.WriteFile(r.markerPath(), []byte("saved by dummy resource "+r.name+"\n"), 0o600); err != nil {
				return fmt.Errorf("dummy: saving state: %w", err)
			}
		}
		r.saved = true
	}
	r.lastAction, r.hasLast = action, true
	if r.online {
		r.recordOrLog(ctx, ledger.Offline)
	}
	r.online = false
	r.offlines++
	r.log.InfoContext(ctx, "dummy offline done", slog.String("action", actionNames[action]))
	return nil
}

// Terminate marks the resource offline at once, without delay or failure.
func (r *resource) Terminate(ctx context.Context) error {
	r.mu.Lock()
	if r.online {
		r.recordOrLog(ctx, ledger.Offline)
	}
	r.online = false
	r.mu.Unlock()
	r.log.InfoContext(ctx, "dummy terminated")
	return nil
}

// record appends an event to the ledger, if the Ledger property names one.
// The caller holds mu, so the line's order matches the state's.
func (r *resource) record(kind ledger.Kind) error {
	if r.s.ledger == "" {
		return nil
	}
	node := r.node
	if node == "" {
		node = "-"
	}
	if err := ledger.Append(r.s.ledger, ledger.Event{Node: node, Resource: r.name, Kind: kind}); err != nil {
		return fmt.Errorf("dummy: %w", err)
	}
	return nil
}

// recordOrLog records a stop: a resource stops whether or not the line
// can be written, so a failure is only logged.
func (r *resource) recordOrLog(ctx context.Context, kind ledger.Kind) {
	if err := r.record(kind); err != nil {
		r.log.ErrorContext(ctx, "dummy: cannot write the ledger", slog.Any("err", err))
	}
}

func (r *resource) health(ctx context.Context, check string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.online {
		return ErrNotOnline
	}
	if r.s.failHealth {
		return fmt.Errorf("dummy: %s failed: FailHealth is set", check)
	}
	return nil
}

// LooksAlive fails if the resource is not online or FailHealth is set.
func (r *resource) LooksAlive(ctx context.Context) error { return r.health(ctx, "LooksAlive") }

// IsAlive fails if the resource is not online or FailHealth is set.
func (r *resource) IsAlive(ctx context.Context) error { return r.health(ctx, "IsAlive") }

// LockedMode reports the Locked and LockedReason properties.
func (r *resource) LockedMode() (bool, string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.s.locked, r.s.lockedReason
}

// Status reports the last offline action, the saved state and the
// online/offline counters.
func (r *resource) Status() proplist.List {
	r.mu.Lock()
	defer r.mu.Unlock()
	var l proplist.List
	if r.hasLast {
		l = append(l,
			proplist.Property{Name: StatusLastOfflineAction, Values: []proplist.Value{proplist.SZ(actionNames[r.lastAction])}},
			proplist.Property{Name: StatusLastOfflineActionCode, Values: []proplist.Value{proplist.DWORD(r.lastAction)}},
		)
	}
	l = append(l,
		proplist.Property{Name: StatusSavedState, Values: []proplist.Value{proplist.DWORD(b2u(r.saved))}},
		proplist.Property{Name: StatusRestoredSavedState, Values: []proplist.Value{proplist.DWORD(b2u(r.restored))}},
		proplist.Property{Name: StatusOnlines, Values: []proplist.Value{proplist.DWORD(r.onlines)}},
		proplist.Property{Name: StatusOfflines, Values: []proplist.Value{proplist.DWORD(r.offlines)}},
	)
	if r.lastOnline != nil {
		l = append(l, proplist.Property{Name: StatusLastOnlineFlags, Values: []proplist.Value{proplist.DWORD(r.lastOnline.Flags)}})
	}
	if o := r.lastOffline; o != nil {
		l = append(l,
			proplist.Property{Name: StatusLastOfflineFlags, Values: []proplist.Value{proplist.DWORD(o.Flags)}},
			proplist.Property{Name: StatusLastOfflineReason, Values: []proplist.Value{proplist.DWORD(o.Reason)}},
			proplist.Property{Name: StatusLastOfflineDestination, Values: []proplist.Value{proplist.SZ(o.Destination)}},
		)
	}
	return l
}

func b2u(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}

// Reconfigure takes new private properties; on error the old ones stay.
// A change of locked mode is reported through Config.Changed.
func (r *resource) Reconfigure(props proplist.List) error {
	s, err := parse(props)
	if err != nil {
		return err
	}
	r.mu.Lock()
	lockChanged := s.locked != r.s.locked || s.lockedReason != r.s.lockedReason
	r.s = s
	r.mu.Unlock()
	if lockChanged {
		r.log.Info("dummy locked mode changed", slog.Bool("locked", s.locked), slog.String("reason", s.lockedReason))
		if r.changed != nil {
			r.changed() // outside mu: the host may call LockedMode from it
		}
	}
	return nil
}
