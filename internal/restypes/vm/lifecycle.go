package vm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"time"

	"github.com/batoncluster/baton/proplist"
	"github.com/batoncluster/baton/restype"
)

// healthTimeout bounds one health check's QMP exchange (the host gives
// health checks no deadline of their own).
const healthTimeout = 10 * time.Second

// cleanupGrace bounds undoing a save the context cut short.
const cleanupGrace = 10 * time.Second

// unlimitedBandwidth is the max-bandwidth a save uses without
// SaveBandwidthLimit: QEMU's default (128 MiB/s) is meant for live
// migration over a network, not for writing a file.
const unlimitedBandwidth = math.MaxInt64 >> 20 << 20

// fd names the saved state is passed to QEMU under (getfd).
const (
	saveFD    = "baton-save"
	restoreFD = "baton-restore"
)

// Online resumes the VM: it reattaches to this resource's QEMU if one still
// runs (the agent restarted), else restores the saved state if there is
// one, else boots the VM afresh.
func (r *resource) Online(ctx context.Context, req restype.OnlineRequest) error {
	s := r.settings()
	if err := os.MkdirAll(r.dir, 0o700); err != nil {
		return fmt.Errorf("vm: %w", err)
	}
	if pid, ok := r.findQEMU(); ok {
		err := r.reattach(ctx, pid)
		if err == nil || ctx.Err() != nil {
			return err
		}
		r.log.WarnContext(ctx, "cannot resume the running QEMU; stopping it", "pid", pid, "err", err)
		if err := r.kill(ctx, pid); err != nil {
			return err
		}
	}
	restore, err := r.checkSavedState(s)
	if err != nil {
		return err
	}
	_ = os.Remove(r.statePath(s, savingFile)) // an interrupted save: never complete
	if restore {
		return r.restore(ctx, s)
	}
	return r.boot(ctx, s)
}

// reattach takes over a QEMU an earlier agent started, resuming it if a
// save or a pause left it stopped.
func (r *resource) reattach(ctx context.Context, pid int) error {
	c, err := r.dial(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	st, err := queryStatus(ctx, c)
	if err != nil {
		return err
	}
	switch {
	case st == "inmigrate":
		return errors.New("vm: QEMU was still loading a saved state")
	case stoppedStates[st]:
		return fmt.Errorf("%w: QEMU status is %q", ErrGuestStopped, st)
	case st != "running":
		// A save the agent did not see to the end: cancel it if it still
		// runs (the VM wins over a state file), then resume.
		if err := cancelMigration(ctx, c); err != nil {
			return err
		}
		if err := c.Execute(ctx, "cont", nil, nil); err != nil {
			return fmt.Errorf("vm: resuming QEMU (status %q): %w", st, err)
		}
		if st, err = queryStatus(ctx, c); err != nil {
			return err
		}
	}
	// A saved state on disk is older than the VM that runs: restoring it
	// later would turn the VM back in time.
	s := r.settings()
	_ = os.Remove(r.statePath(s, savingFile))
	if err := r.removeSavedState(s); err != nil {
		return err
	}
	r.log.InfoContext(ctx, "reattached to running QEMU", "pid", pid, "status", st)
	r.update(func(r *resource) {
		r.pid, r.qemuStatus, r.restored = pid, st, false
		r.savedBytes = -1
		r.rec.known, r.rec.id = true, ""
		if r.rec.started.IsZero() {
			r.rec.started = time.Now()
		}
	})
	return nil
}

// boot starts the VM afresh.
func (r *resource) boot(ctx context.Context, s settings) error {
	pid, err := r.start(ctx, s.qemuBinary, r.newLaunch(s))
	if err != nil {
		return err
	}
	st, err := r.status(ctx)
	if err != nil {
		r.discard(pid)
		return err
	}
	r.log.InfoContext(ctx, "VM booted", "pid", pid, "status", st)
	r.update(func(r *resource) { r.pid, r.qemuStatus, r.restored = pid, st, false })
	r.noteStarted()
	return nil
}

// status asks QEMU's status on a connection of its own.
func (r *resource) status(ctx context.Context) (string, error) {
	c, err := r.dial(ctx)
	if err != nil {
		return "", err
	}
	defer c.Close()
	return queryStatus(ctx, c)
}

// discard kills a QEMU an online started and could not finish with.
func (r *resource) discard(pid int) {
	ctx, cancel := context.WithTimeout(context.Background(), cleanupGrace)
	defer cancel()
	if err := r.kill(ctx, pid); err != nil {
		r.log.Warn("cannot stop QEMU after a failed online", "pid", pid, "err", err)
	}
}

// restore starts QEMU waiting for a migration stream, feeds it the saved
// state, resumes the VM and removes the state. A state QEMU cannot load is
// moved aside (vm-state.failed) so the next online boots afresh.
func (r *resource) restore(ctx context.Context, s settings) error {
	begin := time.Now()
	l := r.newLaunch(s)
	l.incoming = true
	if m, ok := r.readMeta(s); ok {
		if m.MemoryMB != s.memoryMB {
			r.log.InfoContext(ctx, "restoring with the memory size the VM was saved with", "savedMemoryMB", m.MemoryMB, "memoryMB", s.memoryMB)
		}
		l.memoryMB, l.machine = m.MemoryMB, m.Machine
		if m.Accel != l.accel {
			r.log.WarnContext(ctx, "saved with another accelerator; restore may fail", "saved", m.Accel, "now", l.accel)
		}
	}
	pid, err := r.start(ctx, s.qemuBinary, l)
	if err != nil {
		return fmt.Errorf("vm: restoring saved state: %w", err)
	}
	st, err := r.load(ctx, pid, s)
	if err != nil {
		r.discard(pid)
		if ctx.Err() != nil {
			return err // the state stays for the next online
		}
		moved := os.Rename(r.statePath(s, SavedStateFile), r.statePath(s, failedFile))
		if moved == nil {
			_ = os.Remove(r.statePath(s, savedMetaFile))
			r.update(func(r *resource) { r.savedBytes, r.rec.known, r.rec.id = -1, true, "" })
			return fmt.Errorf("vm: restoring saved state (moved to %s; the next online boots afresh): %w%s", failedFile, err, r.qemuLog())
		}
		return fmt.Errorf("vm: restoring saved state: %w%s", err, r.qemuLog())
	}
	if err := r.removeSavedState(s); err != nil {
		r.discard(pid) // else the next online would restore it again
		return err
	}
	r.noteStarted()
	took := ms(time.Since(begin))
	r.log.InfoContext(ctx, "VM restored from saved state", "pid", pid, "restoreMs", took)
	r.update(func(r *resource) {
		r.pid, r.qemuStatus, r.restored, r.restoreMs = pid, st, true, took
		r.savedBytes = -1
	})
	return nil
}

// load feeds the saved state to a QEMU started with -incoming defer and
// resumes the VM.
func (r *resource) load(ctx context.Context, pid int, s settings) (string, error) {
	c, err := r.dial(ctx)
	if err != nil {
		return "", err
	}
	defer c.Close()
	f, err := os.Open(r.statePath(s, SavedStateFile))
	if err != nil {
		return "", fmt.Errorf("vm: %w", err)
	}
	defer f.Close()
	if err := c.ExecuteFile(ctx, "getfd", map[string]string{"fdname": restoreFD}, f, nil); err != nil {
		return "", err
	}
	if err := c.Execute(ctx, "migrate-incoming", map[string]string{"uri": "fd:" + restoreFD}, nil); err != nil {
		return "", err
	}
	if err := r.waitMigration(ctx, c, pid); err != nil {
		return "", err
	}
	// The state was saved stopped, so the VM is paused now.
	if err := c.Execute(ctx, "cont", nil, nil); err != nil {
		return "", err
	}
	return queryStatus(ctx, c)
}

// waitMigration polls query-migrate until the migration completed.
func (r *resource) waitMigration(ctx context.Context, c *session, pid int) error {
	t := time.NewTicker(pollEvery)
	defer t.Stop()
	for {
		var m migration
		if err := c.Execute(ctx, "query-migrate", nil, &m); err != nil {
			if ctx.Err() == nil && !r.isOurs(pid) {
				return errors.New("vm: QEMU exited during the migration")
			}
			return err
		}
		switch m.Status {
		case "completed":
			return nil
		case "failed", "cancelled":
			if m.ErrorDesc != "" {
				return fmt.Errorf("vm: migration %s: %s", m.Status, m.ErrorDesc)
			}
			return fmt.Errorf("vm: migration %s", m.Status)
		}
		select {
		case <-t.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// cancelMigration cancels an outgoing migration if one runs and waits
// until it has stopped.
func cancelMigration(ctx context.Context, c *session) error {
	var m migration
	if err := c.Execute(ctx, "query-migrate", nil, &m); err != nil {
		return err
	}
	switch m.Status {
	case "", "none", "completed", "failed", "cancelled":
		return nil
	}
	if err := c.Execute(ctx, "migrate_cancel", nil, nil); err != nil {
		return err
	}
	t := time.NewTicker(pollEvery)
	defer t.Stop()
	for {
		if err := c.Execute(ctx, "query-migrate", nil, &m); err != nil {
			return err
		}
		switch m.Status {
		case "completed", "failed", "cancelled":
			return nil
		}
		select {
		case <-t.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// removeSavedState deletes the saved state and its description.
func (r *resource) removeSavedState(s settings) error {
	for _, name := range []string{SavedStateFile, savedMetaFile} {
		if err := os.Remove(r.statePath(s, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("vm: removing saved state: %w", err)
		}
	}
	if _, err := os.Stat(r.stateDir(s)); errors.Is(err, os.ErrNotExist) {
		return nil // an unreachable StateDirectory holds nothing to remove
	}
	return syncDir(r.stateDir(s))
}

// offlineAction reads the action from the input buffer: the DWORD named
// "Virtual Machine", else "Virtual Machine Configuration", else def.
func offlineAction(params proplist.List, def uint32) (uint32, error) {
	for _, name := range []string{TypeName, ConfigParamName} {
		p, ok := params.Get(name)
		if !ok {
			continue
		}
		if len(p.Values) == 0 {
			return 0, fmt.Errorf("vm: input buffer property %q has no value", name)
		}
		a, ok := params.DWORD(name)
		if !ok {
			return 0, fmt.Errorf("vm: input buffer property %q must be a DWORD, not %v", name, p.Values[0].Syntax)
		}
		switch {
		case a == ActionLiveMigration:
			return 0, ErrLiveMigration
		case a > ActionLiveMigration:
			return 0, fmt.Errorf("vm: invalid offline action %d in input buffer property %q (want 0..3)", a, name)
		}
		return a, nil
	}
	return def, nil
}

// Offline stops the VM the way the input buffer (or OfflineAction) says.
// A refused action (4, or a malformed buffer) leaves the VM running.
func (r *resource) Offline(ctx context.Context, req restype.OfflineRequest) error {
	s := r.settings()
	action, err := offlineAction(req.Params, s.offlineAction)
	if err != nil {
		r.log.InfoContext(ctx, "offline refused", "err", err)
		return err
	}
	r.log.InfoContext(ctx, "VM offline", "action", actionNames[action])
	if pid, ok := r.runningPID(); ok {
		switch action {
		case ActionTurnOff:
			err = r.quit(ctx, pid, nil)
		case ActionSave:
			err = r.save(ctx, s, pid)
		case ActionShutdown:
			err = r.shutdown(ctx, s, pid)
		case ActionShutdownForce:
			err = r.kill(ctx, pid)
		}
		if err != nil {
			r.log.InfoContext(ctx, "VM offline failed", "action", actionNames[action], "err", err)
			if _, running := r.runningPID(); !running {
				r.update(func(r *resource) { r.pid, r.qemuStatus = 0, "" })
			}
			return err
		}
	} else {
		r.log.InfoContext(ctx, "QEMU is not running; nothing to stop")
	}
	r.update(func(r *resource) {
		r.pid, r.qemuStatus = 0, ""
		r.lastAction, r.hasLast = action, true
	})
	r.log.InfoContext(ctx, "VM offline done", "action", actionNames[action])
	return nil
}

// save stops the VM, writes its state to vm-state.tmp through a migration
// to a descriptor, quits QEMU and renames the file to vm-state. Locked mode
// is on meanwhile. If the context ends the save is cancelled and the VM
// resumed; if the save fails the VM is turned off.
func (r *resource) save(ctx context.Context, s settings, pid int) (err error) {
	begin := time.Now()
	r.update(func(r *resource) { r.locked = true })
	defer r.update(func(r *resource) { r.locked = false })

	c, err := r.dial(ctx)
	if err != nil {
		return r.saveFailed(ctx, pid, nil, err)
	}
	defer c.Close()
	meta := savedMeta{
		ID:       newStateID(),
		Resource: r.name,
		Node:     r.node,
		Machine:  machineType(ctx, c),
		MemoryMB: s.memoryMB,
		Accel:    accelerator(),
		QEMU:     c.Version().String(),
	}
	f, err := os.OpenFile(r.statePath(s, savingFile), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return r.saveFailed(ctx, pid, c, err)
	}
	defer func() {
		f.Close()
		if err != nil {
			_ = os.Remove(r.statePath(s, savingFile))
		}
	}()
	bw := uint64(unlimitedBandwidth)
	if s.saveBandwidth > 0 {
		bw = uint64(s.saveBandwidth)
	}
	if err := c.Execute(ctx, "migrate-set-parameters", map[string]uint64{"max-bandwidth": bw}, nil); err != nil {
		return r.saveFailed(ctx, pid, c, err)
	}
	if err := c.ExecuteFile(ctx, "getfd", map[string]string{"fdname": saveFD}, f, nil); err != nil {
		return r.saveFailed(ctx, pid, c, err)
	}
	// Stop first: the state is then saved in one consistent pass.
	if err := c.Execute(ctx, "stop", nil, nil); err != nil {
		return r.saveFailed(ctx, pid, c, err)
	}
	if err := c.Execute(ctx, "migrate", map[string]string{"uri": "fd:" + saveFD}, nil); err != nil {
		return r.saveFailed(ctx, pid, c, err)
	}
	if err := r.waitMigration(ctx, c, pid); err != nil {
		return r.saveFailed(ctx, pid, c, err)
	}
	// QEMU wrote everything through its copy of the descriptor; it has
	// nothing more to give.
	if err := r.quit(ctx, pid, c); err != nil {
		return r.saveFailed(ctx, pid, nil, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("vm: saving state: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("vm: saving state: %w", err)
	}
	meta.Saved, meta.Bytes = time.Now().UTC(), fi.Size()
	b, _ := json.Marshal(meta)
	if err := os.WriteFile(r.statePath(s, savedMetaFile), b, 0o600); err != nil {
		return fmt.Errorf("vm: saving state: %w", err)
	}
	// The rename is the commit: only a complete state is ever restored.
	if err := os.Rename(r.statePath(s, savingFile), r.statePath(s, SavedStateFile)); err != nil {
		return fmt.Errorf("vm: saving state: %w", err)
	}
	if err := syncDir(r.stateDir(s)); err != nil {
		return fmt.Errorf("vm: saving state: %w", err)
	}
	r.noteSaved(s, meta)
	took := ms(time.Since(begin))
	r.log.InfoContext(ctx, "VM state saved", "bytes", fi.Size(), "saveMs", took, "machine", meta.Machine)
	r.update(func(r *resource) {
		r.savedBytes, r.saveMs = fi.Size(), took
		r.pid, r.qemuStatus = 0, ""
	})
	return nil
}

// saveFailed undoes a save that did not finish. When ctx ended (a pending
// timeout, or the agent stopping) the migration is cancelled and the VM
// resumed, so nothing is lost and the offline can be tried again. Any other
// failure turns the VM off: an offline must not leave a VM running behind
// a resource that is no longer Online.
func (r *resource) saveFailed(ctx context.Context, pid int, c *session, cause error) error {
	if ctx.Err() != nil {
		uctx, cancel := context.WithTimeout(context.Background(), cleanupGrace)
		defer cancel()
		if c != nil {
			c.Close() // QEMU serves one client per socket
		}
		var err error
		if c, err = r.dial(uctx); err == nil {
			defer c.Close()
			if err = cancelMigration(uctx, c); err == nil {
				err = c.Execute(uctx, "cont", nil, nil)
			}
		}
		if err != nil {
			r.log.Warn("cannot resume the VM after a cancelled save", "err", err)
		} else {
			r.log.Info("save cancelled; VM resumed", "cause", cause)
		}
		return fmt.Errorf("vm: saving state: %w", ctx.Err())
	}
	r.log.WarnContext(ctx, "save failed; turning the VM off", "err", cause)
	if err := r.quit(ctx, pid, c); err != nil {
		r.log.WarnContext(ctx, "cannot turn the VM off", "err", err)
	}
	return fmt.Errorf("vm: saving state failed, the VM was turned off: %w%s", cause, r.qemuLog())
}

// shutdown asks the guest to power off (ACPI) and waits ShutdownTimeoutMs
// for it; past that it turns the VM off and fails.
func (r *resource) shutdown(ctx context.Context, s settings, pid int) error {
	c, err := r.dial(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Execute(ctx, "system_powerdown", nil, nil); err != nil {
		return err
	}
	deadline := time.NewTimer(s.shutdownTimeout)
	defer deadline.Stop()
	t := time.NewTicker(pollEvery * 5)
	defer t.Stop()
	for {
		if !r.isOurs(pid) {
			return nil
		}
		if st, err := queryStatus(ctx, c); err == nil && stoppedStates[st] {
			// The guest is off; -no-shutdown kept QEMU.
			return r.quit(ctx, pid, c)
		} else if err != nil && ctx.Err() == nil && !r.isOurs(pid) {
			return nil
		}
		select {
		case <-t.C:
		case <-deadline.C:
			r.log.WarnContext(ctx, "guest did not shut down; turning the VM off", "timeout", s.shutdownTimeout)
			if err := r.quit(ctx, pid, c); err != nil {
				return fmt.Errorf("%w within %v, and turning it off failed: %w", ErrShutdownTimeout, s.shutdownTimeout, err)
			}
			return fmt.Errorf("%w within %v (%s %d); it was turned off", ErrShutdownTimeout, s.shutdownTimeout, PropShutdownTimeoutMs, s.shutdownTimeout.Milliseconds())
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Terminate kills QEMU at once; a saved state on disk stays.
func (r *resource) Terminate(ctx context.Context) error {
	var err error
	if pid, ok := r.runningPID(); ok {
		r.log.InfoContext(ctx, "terminating QEMU", "pid", pid)
		err = r.kill(ctx, pid)
	}
	_ = os.Remove(r.statePath(r.settings(), savingFile))
	r.update(func(r *resource) {
		r.pid, r.qemuStatus, r.locked = 0, "", false
	})
	return err
}

// LooksAlive asks QEMU (QMP query-status) whether the VM runs.
func (r *resource) LooksAlive(ctx context.Context) error {
	if _, ok := r.checkRunning(); !ok {
		return ErrNotRunning
	}
	ctx, cancel := context.WithTimeout(ctx, healthTimeout)
	defer cancel()
	st, err := r.status(ctx)
	if err != nil {
		return fmt.Errorf("vm: LooksAlive: %w", err)
	}
	r.noteStatus(st)
	switch {
	case stoppedStates[st]:
		return fmt.Errorf("%w: QEMU status is %q", ErrGuestStopped, st)
	case st != "running":
		return fmt.Errorf("vm: LooksAlive: QEMU status is %q, not running", st)
	}
	return nil
}

// IsAlive checks the QEMU process is alive and the guest has not shut
// itself down or crashed. A paused VM is alive; so is one whose QMP socket
// is busy (someone else connected to it).
func (r *resource) IsAlive(ctx context.Context) error {
	if _, ok := r.checkRunning(); !ok {
		return ErrNotRunning
	}
	ctx, cancel := context.WithTimeout(ctx, healthTimeout)
	defer cancel()
	st, err := r.status(ctx)
	if err != nil {
		r.log.DebugContext(ctx, "IsAlive: no QMP answer; the process is alive", "err", err)
		return nil
	}
	r.noteStatus(st)
	if stoppedStates[st] {
		return fmt.Errorf("%w: QEMU status is %q", ErrGuestStopped, st)
	}
	return nil
}

// checkRunning finds the QEMU process and records a change (gone, or
// found again).
func (r *resource) checkRunning() (int, bool) {
	pid, ok := r.runningPID()
	if !ok {
		pid = 0
	}
	r.mu.Lock()
	changed := r.pid != pid
	if changed {
		r.pid = pid
		r.qemuStatus = ""
	}
	r.mu.Unlock()
	if changed {
		r.notify()
	}
	return pid, ok
}

// noteStatus records QEMU's status, telling the host when it changed.
func (r *resource) noteStatus(st string) {
	r.mu.Lock()
	changed := r.qemuStatus != st
	r.qemuStatus = st
	r.mu.Unlock()
	if changed {
		r.notify()
	}
}
