package vm

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/batoncluster/baton/proplist"
)

// Where a saved state is kept, and how an online makes sure it resumes the
// state the cluster knows of — no other, and not silently none.
//
// Without StateDirectory the saved state stays in the node's state
// directory, where only that node sees it. With StateDirectory (a
// directory on storage every possible owner mounts at the same path) the
// next owner finds it. Either way the resource's status records the last
// saved state — its ID, the node and directory it was saved in, when —
// and the host hands that status to the next owner (Config.LastStatus).
// At online:
//
//	cluster says                   found here                  online
//	saved, id X                    vm-state with id X          restores it
//	saved, id X                    nothing, or another id      fails: ErrSavedStateUnreachable
//	                                                           (DiscardSavedState=1: boots afresh,
//	                                                           moving another id aside)
//	nothing saved since the VM     vm-state saved before        moved aside to vm-state.stale
//	last started at T              T (stale)                    (a warning), boots afresh
//	nothing saved since T          vm-state saved after T       restores it (a save whose record
//	                                                           was lost with its agent)
//	nothing known (an older        vm-state                     restores it, as before
//	status, a new resource)
//
// A StateDirectory that cannot be read fails the online
// (ErrStateDirectoryUnreachable) whatever the status says: the state may
// be there, and a save would fail later anyway.

// Private properties of the saved state.
const (
	PropStateDirectory    = "StateDirectory"
	PropDiscardSavedState = "DiscardSavedState"
)

// Status properties of the saved state (with SavedState and
// SavedStateBytes).
const (
	StatusSavedStateID        = "SavedStateId"
	StatusSavedStateNode      = "SavedStateNode"
	StatusSavedStateDirectory = "SavedStateDirectory"
	StatusSavedAt             = "SavedAt"
	StatusStartedAt           = "StartedAt"
	StatusStaleSavedState     = "StaleSavedState"
)

// staleFile is where a saved state older than the VM's last start is
// moved.
const staleFile = "vm-state.stale"

var (
	// ErrSavedStateUnreachable: the VM was saved, and this node cannot
	// see that saved state.
	ErrSavedStateUnreachable = errors.New("vm: the VM's saved state is not reachable on this node")
	// ErrStateDirectoryUnreachable: StateDirectory cannot be read here.
	ErrStateDirectoryUnreachable = errors.New("vm: StateDirectory is not reachable on this node")
	// ErrStateDirectoryInUse: StateDirectory holds another VM's saved
	// state.
	ErrStateDirectoryInUse = errors.New("vm: StateDirectory holds another VM's saved state")
)

// record is what the cluster knows of the VM's saved state, from the
// status it last reported (Config.LastStatus) and kept up to date by this
// resource, so that it is reported again and survives the next handover.
type record struct {
	known   bool // the status said (an older status does not)
	id      string
	node    string
	dir     string
	savedAt time.Time
	bytes   int64
	// started is when the VM last started (booted, restored, resumed): a
	// state saved before is stale.
	started time.Time
}

// recordFrom reads the record from a resource's last status.
func recordFrom(last proplist.List) record {
	var rec record
	str := func(name string) string { v, _ := last.String(name); return v }
	tm := func(name string) time.Time { t, _ := time.Parse(time.RFC3339Nano, str(name)); return t }
	if _, ok := last.Get(StatusSavedStateID); ok {
		rec.known = true
	}
	if _, ok := last.Get(StatusStartedAt); ok {
		rec.known = true
	}
	rec.id, rec.node, rec.dir = str(StatusSavedStateID), str(StatusSavedStateNode), str(StatusSavedStateDirectory)
	rec.savedAt, rec.started = tm(StatusSavedAt), tm(StatusStartedAt)
	if p, ok := last.Get(StatusSavedStateBytes); ok && len(p.Values) > 0 {
		rec.bytes = int64(p.Values[0].Uint)
	}
	if saved, ok := last.DWORD(StatusSavedState); ok && saved == 0 {
		rec.id = ""
	}
	return rec
}

// statusOf adds the record to a status list.
func (rec record) status(l proplist.List) proplist.List {
	sz := func(name, v string) proplist.Property {
		return proplist.Property{Name: name, Values: []proplist.Value{proplist.SZ(v)}}
	}
	l = append(l, sz(StatusSavedStateID, rec.id))
	if rec.id != "" {
		l = append(l, sz(StatusSavedStateNode, rec.node), sz(StatusSavedStateDirectory, rec.dir),
			sz(StatusSavedAt, rec.savedAt.UTC().Format(time.RFC3339Nano)))
	}
	if !rec.started.IsZero() {
		l = append(l, sz(StatusStartedAt, rec.started.UTC().Format(time.RFC3339Nano)))
	}
	return l
}

// newStateID names one saved state.
func newStateID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// stateDir is where the saved state is kept with settings s.
func (r *resource) stateDir(s settings) string {
	if s.stateDirectory != "" {
		return s.stateDirectory
	}
	return r.dir
}

func (r *resource) statePath(s settings, name string) string {
	return filepath.Join(r.stateDir(s), name)
}

// checkSavedState decides at online whether to restore the saved state
// in the state directory (see the table above).
func (r *resource) checkSavedState(s settings) (restore bool, err error) {
	dir := r.stateDir(s)
	if s.stateDirectory != "" {
		fi, err := os.Stat(dir)
		if err == nil && !fi.IsDir() {
			err = errors.New("not a directory")
		}
		if err != nil {
			return false, fmt.Errorf("%w: %s on node %s: %v (mount the shared storage there; the VM's saved state may be on it)",
				ErrStateDirectoryUnreachable, dir, r.node, err)
		}
	}
	_, err = os.Stat(r.statePath(s, SavedStateFile))
	have := err == nil
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return false, fmt.Errorf("vm: %w", err)
	}
	meta, _ := r.readMeta(s)
	if have && meta.Resource != "" && meta.Resource != r.name {
		return false, fmt.Errorf("%w: %s holds the saved state of resource %q (give each VM a directory of its own)",
			ErrStateDirectoryInUse, dir, meta.Resource)
	}
	r.mu.Lock()
	rec := r.rec
	r.mu.Unlock()
	switch {
	case !rec.known:
		return have, nil
	case rec.id != "" && have && meta.ID == rec.id:
		return true, nil
	case rec.id != "":
		found := "no saved state there"
		if have {
			found = fmt.Sprintf("another saved state there (id %q, saved %s)", meta.ID, meta.Saved.Format(time.RFC3339))
		}
		if !s.discardSavedState {
			return false, fmt.Errorf("%w: it was saved on node %s at %s (id %s) in %s, and node %s finds %s in %s; "+
				"keep saved states where every node sees them (%s), bring the group online on %s, "+
				"or set %s=1 to boot the VM afresh, giving the saved state up",
				ErrSavedStateUnreachable, rec.node, rec.savedAt.Format(time.RFC3339), rec.id, rec.dir,
				r.node, found, dir, PropStateDirectory, rec.node, PropDiscardSavedState)
		}
		r.log.Warn("the VM's saved state is not reachable here; DiscardSavedState is set: booting afresh, the saved state is given up",
			"savedStateId", rec.id, "savedOn", rec.node, "savedIn", rec.dir, "found", found)
		if have {
			r.moveStale(s)
		}
		return false, nil
	case have && !rec.started.IsZero() && meta.Saved.After(rec.started):
		r.log.Info("restoring a saved state newer than the VM's last recorded start (its save was not recorded)",
			"saved", meta.Saved, "started", rec.started)
		return true, nil
	case have:
		r.log.Warn("a saved state older than the VM's last start is stale: moved aside, booting afresh",
			"saved", meta.Saved, "started", rec.started, "movedTo", r.statePath(s, staleFile))
		r.moveStale(s)
		return false, nil
	}
	return false, nil
}

// moveStale moves the saved state aside (vm-state.stale) and reports it.
func (r *resource) moveStale(s settings) {
	if err := os.Rename(r.statePath(s, SavedStateFile), r.statePath(s, staleFile)); err != nil {
		r.log.Warn("cannot move a stale saved state aside", "err", err)
	}
	_ = os.Remove(r.statePath(s, savedMetaFile))
	r.update(func(r *resource) { r.savedBytes, r.stale = -1, r.statePath(s, staleFile) })
}

// noteStarted records that the VM started (booted, restored or resumed):
// no saved state any more, and any older one is stale.
func (r *resource) noteStarted() {
	r.update(func(r *resource) {
		r.rec = record{known: true, started: time.Now()}
	})
}

// noteSaved records a saved state.
func (r *resource) noteSaved(s settings, m savedMeta) {
	r.update(func(r *resource) {
		r.rec = record{known: true, id: m.ID, node: r.node, dir: r.stateDir(s), savedAt: m.Saved, bytes: m.Bytes, started: r.rec.started}
	})
}
