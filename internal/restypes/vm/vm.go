// Package vm is the "Virtual Machine" resource type: a QEMU virtual machine
// driven over QMP, which an offline can save to disk and the next online
// resumes — WSFC's offline-by-save.
//
// Lifecycle of one VM (files live in the resource's state directory, which
// survives agent restarts; QEMU runs daemonized, so it survives them too):
//
//	                Online: vm-state exists?
//	        no ───────────────┴─────────────── yes
//	         │                                  │
//	  start QEMU, boot               start QEMU -incoming defer,
//	         │                       migrate-incoming fd:vm-state,
//	         │                       cont, remove vm-state
//	         └──────────────┬───────────────────┘
//	                     running ◀── Online finds QEMU still running
//	                        │        (agent restarted): reattach
//	                        │ Offline: the "Virtual Machine" DWORD of
//	                        │ the input buffer, else OfflineAction
//	  ┌──────────────┬──────┴───────────┬────────────────────┐
//	0 turn off     1 save             2 shut down          3 forced
//	QMP quit       locked mode on;    system_powerdown,    SIGKILL
//	               stop, migrate      wait for the guest
//	               fd:vm-state.tmp,   ShutdownTimeoutMs
//	               quit, rename to    (else turn off and
//	               vm-state; locked   fail)
//	               mode off
//
// Value 4 (live migration) is refused: there is nowhere to migrate to yet.
// An offline never leaves QEMU running behind a resource that is not
// Online: a save that fails and a guest that does not shut down in time
// are turned off, and the offline fails with the reason.
//
// Health: LooksAlive asks QMP query-status for "running"; IsAlive checks
// the QEMU process is alive and the guest has not shut itself down or
// crashed.
package vm

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/batoncluster/baton/proplist"
	"github.com/batoncluster/baton/restype"
)

// TypeName is the name of the type, and of the input-buffer DWORD its
// Offline reads (CLUS_RESTYPE_NAME_VM).
const TypeName = "Virtual Machine"

// ConfigParamName is the other input-buffer DWORD name Windows clients send
// (CLUS_RESTYPE_NAME_VM_CONFIG); Offline reads it when TypeName is absent.
const ConfigParamName = "Virtual Machine Configuration"

// Private property names.
const (
	PropMemoryMB           = "MemoryMB"
	PropDiskImage          = "DiskImage"
	PropExtraArgs          = "ExtraArgs"
	PropQemuBinary         = "QemuBinary"
	PropOfflineAction      = "OfflineAction"
	PropShutdownAction     = "ShutdownAction"
	PropShutdownTimeoutMs  = "ShutdownTimeoutMs"
	PropSaveBandwidthLimit = "SaveBandwidthLimit"
)

// Status property names.
const (
	StatusLastOfflineAction     = "LastOfflineAction"
	StatusLastOfflineActionCode = "LastOfflineActionCode"
	StatusSavedState            = "SavedState"
	StatusSavedStateBytes       = "SavedStateBytes"
	StatusRestoredSavedState    = "RestoredSavedState"
	StatusSaveMs                = "SaveMs"
	StatusRestoreMs             = "RestoreMs"
	StatusPid                   = "Pid"
	StatusQemuStatus            = "QemuStatus"
)

// Defaults of the private properties.
const (
	DefaultMemoryMB          = 64
	DefaultQemuBinary        = "qemu-system-x86_64"
	DefaultOfflineAction     = ActionSave
	DefaultShutdownTimeoutMs = 60000
)

// Offline actions: VM_RESDLL_CONTEXT, the values of the "Virtual Machine"
// input-buffer DWORD and of OfflineAction (0..3).
const (
	ActionTurnOff       uint32 = 0
	ActionSave          uint32 = 1
	ActionShutdown      uint32 = 2
	ActionShutdownForce uint32 = 3
	ActionLiveMigration uint32 = 4
)

var actionNames = [...]string{
	ActionTurnOff:       "TurnOff",
	ActionSave:          "Save",
	ActionShutdown:      "Shutdown",
	ActionShutdownForce: "ShutdownForce",
	ActionLiveMigration: "LiveMigration",
}

// LockedReasonSaving is the locked-mode reason reported while a save runs.
const LockedReasonSaving = "saving VM state"

// Files in the state directory.
const (
	SavedStateFile = "vm-state"      // the saved state, as QEMU's migration stream
	savedMetaFile  = "vm-state.json" // what the restore must match (machine, memory)
	savingFile     = "vm-state.tmp"  // a save in progress
	failedFile     = "vm-state.failed"
	pidFile        = "qemu.pid"
	qmpSocket      = "qmp.sock"     // the agent's QMP socket
	monitorSocket  = "monitor.sock" // a second QMP socket, for people and tests
	logFile        = "qemu.log"     // QEMU's messages (-D), since its last start
)

var (
	// ErrNotRunning is returned by the health checks when no QEMU runs.
	ErrNotRunning = errors.New("vm: QEMU is not running")
	// ErrLiveMigration is returned by Offline for action 4.
	ErrLiveMigration = errors.New("vm: live migration (offline action 4) is not supported")
	// ErrShutdownTimeout is returned by Offline when the guest did not shut
	// down within ShutdownTimeoutMs (the VM was turned off).
	ErrShutdownTimeout = errors.New("vm: guest did not shut down in time")
	// ErrGuestStopped is returned by the health checks when the guest shut
	// itself down or crashed.
	ErrGuestStopped = errors.New("vm: guest stopped")
)

// Type returns the Virtual Machine resource type.
func Type() *restype.Type {
	return &restype.Type{
		Name:        TypeName,
		Description: "A QEMU virtual machine driven over QMP; offline can save its state to disk, and the next online resumes it.",
		Properties: []restype.PropertyInfo{
			{Name: PropMemoryMB, Kind: "dword", Default: fmt.Sprint(DefaultMemoryMB), Description: "Guest memory in MiB (-m). A saved state is restored with the size it was saved with."},
			{Name: PropDiskImage, Kind: "sz", Default: "", Description: "Disk image (virtio); qcow2 if the name ends in .qcow2, else raw. Empty: no disk."},
			{Name: PropExtraArgs, Kind: "multi_sz", Default: "", Description: "More QEMU arguments, one per string (e.g. -device, loader,addr=...). Options baton manages are refused."},
			{Name: PropQemuBinary, Kind: "sz", Default: DefaultQemuBinary, Description: "The QEMU program, a path or a name looked up in PATH."},
			{Name: PropOfflineAction, Kind: "dword", Default: fmt.Sprint(DefaultOfflineAction), Description: "Offline action when the input buffer gives none: 0 turn off, 1 save, 2 shut down, 3 forced."},
			{Name: PropShutdownAction, Kind: "dword", Default: "0", Description: "When the guest stops outside cluster control: 0 offline, 1 failed. Both currently fail the health check (the restart policy applies)."},
			{Name: PropShutdownTimeoutMs, Kind: "dword", Default: fmt.Sprint(DefaultShutdownTimeoutMs), Description: "How long a guest shut down (action 2) may take before the VM is turned off and the offline fails."},
			{Name: PropSaveBandwidthLimit, Kind: "dword", Default: "0", Description: "Bytes per second a save may write; 0: no limit."},
			{Name: PropStateDirectory, Kind: "sz", Default: "(the node's state directory)", Description: "Absolute directory, on storage every node that may host the VM mounts at this path, where the saved state is kept, so that the next owner resumes it. One per VM."},
			{Name: PropDiscardSavedState, Kind: "dword", Default: "0", Description: "1: an online that cannot reach the VM's saved state boots the VM afresh, giving the state up, instead of failing."},
		},
		OfflineParameter:   TypeName,
		LooksAliveInterval: 5000,
		IsAliveInterval:    60000,
		Validate: func(l proplist.List) error {
			_, err := parse(l)
			return err
		},
		New: New,
	}
}

// settings are the parsed private properties.
type settings struct {
	memoryMB        uint32
	diskImage       string
	extraArgs       []string
	qemuBinary      string
	offlineAction   uint32
	shutdownAction  uint32
	shutdownTimeout time.Duration
	saveBandwidth   uint32 // bytes/s; 0 no limit
	// stateDirectory keeps the saved state; "": the node's state directory.
	stateDirectory    string
	discardSavedState bool
}

// reservedArgs are QEMU options baton sets itself; ExtraArgs may not.
var reservedArgs = map[string]string{
	"daemonize":  "baton runs QEMU daemonized itself",
	"pidfile":    "baton keeps the pid file in the state directory",
	"qmp":        "baton manages the QMP sockets",
	"qmp-pretty": "baton manages the QMP sockets",
	"incoming":   "baton restores saved state itself",
	"S":          "a VM that never starts cannot come online",
	"nographic":  "it needs a terminal, and the VM runs daemonized",
	"D":          "baton keeps QEMU's log in the state directory",
	"chroot":     "baton needs the state directory reachable",
	"runas":      "baton needs the state directory reachable",
	"run-with":   "baton needs the state directory reachable",
}

// parse reads and checks the private properties; unknown ones are ignored.
func parse(props proplist.List) (settings, error) {
	s := settings{
		memoryMB:        DefaultMemoryMB,
		qemuBinary:      DefaultQemuBinary,
		offlineAction:   DefaultOfflineAction,
		shutdownTimeout: DefaultShutdownTimeoutMs * time.Millisecond,
	}
	dword := func(name string, def, lo, hi uint32) (uint32, error) {
		p, ok := props.Get(name)
		if !ok {
			return def, nil
		}
		if len(p.Values) == 0 {
			return 0, fmt.Errorf("vm: property %s has no value", name)
		}
		v, ok := props.DWORD(name)
		if !ok {
			return 0, fmt.Errorf("vm: property %s must be a DWORD, not %v", name, p.Values[0].Syntax)
		}
		if v < lo || v > hi {
			return 0, fmt.Errorf("vm: property %s must be %d..%d, not %d", name, lo, hi, v)
		}
		return v, nil
	}
	str := func(name, def string) (string, error) {
		p, ok := props.Get(name)
		if !ok {
			return def, nil
		}
		if len(p.Values) == 0 {
			return "", fmt.Errorf("vm: property %s has no value", name)
		}
		v, ok := props.String(name)
		if !ok {
			return "", fmt.Errorf("vm: property %s must be a string, not %v", name, p.Values[0].Syntax)
		}
		return v, nil
	}
	var err error
	if s.memoryMB, err = dword(PropMemoryMB, DefaultMemoryMB, 1, 1<<24); err != nil {
		return s, err
	}
	if s.diskImage, err = str(PropDiskImage, ""); err != nil {
		return s, err
	}
	if s.qemuBinary, err = str(PropQemuBinary, DefaultQemuBinary); err != nil {
		return s, err
	}
	if s.qemuBinary == "" {
		return s, fmt.Errorf("vm: property %s is empty", PropQemuBinary)
	}
	if s.offlineAction, err = dword(PropOfflineAction, DefaultOfflineAction, 0, ActionShutdownForce); err != nil {
		return s, err
	}
	if s.shutdownAction, err = dword(PropShutdownAction, 0, 0, 1); err != nil {
		return s, err
	}
	var ms uint32
	if ms, err = dword(PropShutdownTimeoutMs, DefaultShutdownTimeoutMs, 1, 1<<31); err != nil {
		return s, err
	}
	s.shutdownTimeout = time.Duration(ms) * time.Millisecond
	if s.saveBandwidth, err = dword(PropSaveBandwidthLimit, 0, 0, 1<<32-1); err != nil {
		return s, err
	}
	if s.stateDirectory, err = str(PropStateDirectory, ""); err != nil {
		return s, err
	}
	if s.stateDirectory != "" && (!filepath.IsAbs(s.stateDirectory) || filepath.Clean(s.stateDirectory) != s.stateDirectory) {
		return s, fmt.Errorf("vm: property %s must be an absolute, clean path, not %q", PropStateDirectory, s.stateDirectory)
	}
	var discard uint32
	if discard, err = dword(PropDiscardSavedState, 0, 0, 1); err != nil {
		return s, err
	}
	s.discardSavedState = discard == 1
	if p, ok := props.Get(PropExtraArgs); ok {
		if len(p.Values) == 0 || p.Values[0].Syntax != proplist.SyntaxMultiSZ {
			kind := "no value"
			if len(p.Values) > 0 {
				kind = p.Values[0].Syntax.String()
			}
			return s, fmt.Errorf("vm: property %s must be a MULTI_SZ, not %s", PropExtraArgs, kind)
		}
		s.extraArgs = append([]string(nil), p.Values[0].Strs...)
		for _, a := range s.extraArgs {
			if len(a) < 2 || a[0] != '-' {
				continue
			}
			opt := a[1:]
			if opt[0] == '-' {
				opt = opt[1:]
			}
			if why, bad := reservedArgs[opt]; bad {
				return s, fmt.Errorf("vm: property %s may not contain %s: %s", PropExtraArgs, a, why)
			}
		}
	}
	return s, nil
}

// resource is one Virtual Machine resource.
type resource struct {
	name    string
	node    string // the node hosting it
	dir     string // the state directory
	log     *slog.Logger
	changed func()
	guard   restype.ProcessGuard // kills QEMU if the agent cannot
	cgroup  restype.Cgroup       // QEMU runs in the resource's cgroup
	// qmpSlot is held by whoever talks to the agent's QMP socket.
	qmpSlot chan struct{}

	mu sync.Mutex // guards the fields below
	s  settings
	// locked is set while a save runs.
	locked bool
	// pid is the QEMU process this resource started or reattached to;
	// 0: none known.
	pid        int
	qemuStatus string // from the last query-status, "" when unknown
	savedBytes int64  // size of the saved state on disk; -1: none
	restored   bool   // whether the last online restored a saved state
	saveMs     uint32
	restoreMs  uint32
	lastAction uint32
	hasLast    bool
	// rec is what the cluster knows of the saved state (savedstate.go).
	rec record
	// stale is where a stale saved state was moved, "" if none was.
	stale string
}

var (
	_ restype.Resource           = (*resource)(nil)
	_ restype.LockedModeReporter = (*resource)(nil)
	_ restype.Terminator         = (*resource)(nil)
	_ restype.StatusReporter     = (*resource)(nil)
	_ restype.Reconfigurer       = (*resource)(nil)
)

// New makes a Virtual Machine resource from cfg. It starts nothing: a QEMU
// left running by an earlier agent is reported (Pid) and reattached by the
// next Online, and a saved state left on disk is reported (SavedState 1)
// and restored by it.
func New(cfg restype.Config) (restype.Resource, error) {
	s, err := parse(cfg.Properties)
	if err != nil {
		return nil, err
	}
	if cfg.StateDir == "" {
		return nil, errors.New("vm: the resource needs a state directory")
	}
	dir, err := filepath.Abs(cfg.StateDir)
	if err != nil {
		return nil, fmt.Errorf("vm: %w", err)
	}
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	r := &resource{
		name:       cfg.Name,
		node:       cfg.Node,
		dir:        dir,
		log:        log,
		changed:    cfg.Changed,
		guard:      restype.GuardOf(cfg),
		cgroup:     restype.CgroupOf(cfg),
		qmpSlot:    make(chan struct{}, 1),
		s:          s,
		savedBytes: -1,
		rec:        recordFrom(cfg.LastStatus),
	}
	// A StateDirectory that cannot be read now is the online's error.
	if fi, err := os.Stat(r.statePath(s, SavedStateFile)); err == nil {
		r.savedBytes = fi.Size()
	}
	if pid, ok := r.findQEMU(); ok {
		r.pid = pid
	}
	return r, nil
}

func (r *resource) path(name string) string { return filepath.Join(r.dir, name) }

func (r *resource) settings() settings {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.s
}

// notify tells the host that locked mode or status changed. It must be
// called without mu: the host may read LockedMode and Status from it.
func (r *resource) notify() {
	if r.changed != nil {
		r.changed()
	}
}

// update changes fields under mu, then notifies the host.
func (r *resource) update(fn func(r *resource)) {
	r.mu.Lock()
	fn(r)
	r.mu.Unlock()
	r.notify()
}

// LockedMode reports locked mode while a save runs.
func (r *resource) LockedMode() (bool, string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.locked {
		return true, LockedReasonSaving
	}
	return false, ""
}

// Status reports the QEMU process, the saved state and the last offline.
func (r *resource) Status() proplist.List {
	r.mu.Lock()
	defer r.mu.Unlock()
	dw := func(name string, v uint32) proplist.Property {
		return proplist.Property{Name: name, Values: []proplist.Value{proplist.DWORD(v)}}
	}
	var l proplist.List
	if r.hasLast {
		l = append(l,
			proplist.Property{Name: StatusLastOfflineAction, Values: []proplist.Value{proplist.SZ(actionNames[r.lastAction])}},
			dw(StatusLastOfflineActionCode, r.lastAction),
		)
	}
	saved, bytes := uint32(0), uint64(0)
	switch {
	case r.rec.known && r.rec.id != "":
		saved, bytes = 1, uint64(r.rec.bytes)
	case !r.rec.known && r.savedBytes >= 0:
		saved, bytes = 1, uint64(r.savedBytes)
	}
	l = append(l,
		dw(StatusSavedState, saved),
		proplist.Property{Name: StatusSavedStateBytes, Values: []proplist.Value{proplist.ULarge(bytes)}},
		dw(StatusRestoredSavedState, b2u(r.restored)),
		dw(StatusSaveMs, r.saveMs),
		dw(StatusRestoreMs, r.restoreMs),
		dw(StatusPid, uint32(r.pid)),
	)
	if r.pid != 0 && r.qemuStatus != "" {
		l = append(l, proplist.Property{Name: StatusQemuStatus, Values: []proplist.Value{proplist.SZ(r.qemuStatus)}})
	}
	if r.stale != "" {
		l = append(l, proplist.Property{Name: StatusStaleSavedState, Values: []proplist.Value{proplist.SZ(r.stale)}})
	}
	return r.rec.status(l)
}

func b2u(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}

// Reconfigure takes new private properties; on error the old ones stay.
// The offline settings apply at once, the QEMU ones (memory, disk, extra
// arguments, binary) from the next start.
func (r *resource) Reconfigure(props proplist.List) error {
	s, err := parse(props)
	if err != nil {
		return err
	}
	r.mu.Lock()
	r.s = s
	r.mu.Unlock()
	return nil
}

func ms(d time.Duration) uint32 {
	m := d.Milliseconds()
	if m < 1 {
		m = 1 // it happened: never report 0
	}
	if m > 1<<32-1 {
		m = 1<<32 - 1
	}
	return uint32(m)
}
