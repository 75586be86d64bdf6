package genericapp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/batoncluster/baton/internal/procstat"
)

// proc is one process the resource runs: a child started by this
// instance, or a process found through the pid file (reattached after an
// agent restart, not our child). It leads its own session and process
// group, so its process group ID is its PID.
type proc struct {
	pid   int
	ticks uint64 // start time, clock ticks after boot: /proc/PID/stat field 22
	// startedAt is when it was started (from the pid file when reattached).
	startedAt time.Time
	// exited is closed once a child has been reaped, after code is set;
	// nil for a reattached process, which the agent cannot wait for.
	exited chan struct{}
	code   int // exit code; 128+N for death by signal N
}

// alive reports whether the process still runs: it has not been reaped,
// /proc/PID exists with the recorded start time (so a reused PID does not
// count) and it is not a zombie.
func (p *proc) alive() bool {
	if p.exited != nil {
		select {
		case <-p.exited:
			return false
		default:
		}
	}
	st, err := procstat.Read(p.pid)
	return err == nil && st.StartTicks == p.ticks && st.State != 'Z' && st.State != 'X'
}

// child reports whether p is a child of this instance.
func (p *proc) child() bool { return p.exited != nil }

// signalGroup sends sig to p's process group; a group that is gone
// already is not an error.
func (p *proc) signalGroup(sig syscall.Signal) error {
	if err := syscall.Kill(-p.pid, sig); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("genericapp: signal %s to process group %d: %w", signalName(sig), p.pid, err)
	}
	return nil
}

// pollGone is how often a wait for a process's end looks at /proc.
const pollGone = 20 * time.Millisecond

// waitGone waits until p has ended, at most d (d <= 0: no limit). It
// reports whether p ended; err is ctx's error if ctx ended first.
func (p *proc) waitGone(ctx context.Context, d time.Duration) (bool, error) {
	var limit <-chan time.Time
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		limit = t.C
	}
	if p.child() {
		// Ended means reaped, with its exit code recorded.
		select {
		case <-p.exited:
			return true, nil
		case <-limit:
			return false, nil
		case <-ctx.Done():
			return false, ctx.Err()
		}
	}
	tick := time.NewTicker(pollGone)
	defer tick.Stop()
	for {
		if !p.alive() {
			return true, nil
		}
		select {
		case <-tick.C:
		case <-limit:
			return !p.alive(), nil
		case <-ctx.Done():
			return false, ctx.Err()
		}
	}
}

// PIDFile is the name of the pid file in the state directory.
const PIDFile = "pid"

// pidRecord is the pid file's content.
type pidRecord struct {
	PID        int       `json:"pid"`
	StartTicks uint64    `json:"start_ticks"` // /proc/PID/stat field 22
	StartedAt  time.Time `json:"started_at"`
	Command    string    `json:"command"` // for people reading the file
}

// writePIDFile records p in dir, atomically.
func writePIDFile(dir string, p *proc, command string) error {
	b, err := json.Marshal(pidRecord{PID: p.pid, StartTicks: p.ticks, StartedAt: p.startedAt, Command: command})
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, PIDFile+".tmp")
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, PIDFile))
}

// readPIDFile returns the process the pid file in dir names if it still
// runs, or nil.
func readPIDFile(dir string) (*proc, error) {
	b, err := os.ReadFile(filepath.Join(dir, PIDFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var rec pidRecord
	if err := json.Unmarshal(b, &rec); err != nil || rec.PID <= 0 {
		return nil, nil // unreadable: treated as no process
	}
	p := &proc{pid: rec.PID, ticks: rec.StartTicks, startedAt: rec.StartedAt}
	if !p.alive() {
		return nil, nil
	}
	return p, nil
}

// removePIDFile removes the pid file in dir if it still names p (a newer
// process may have replaced it).
func removePIDFile(dir string, p *proc) {
	path := filepath.Join(dir, PIDFile)
	b, err := os.ReadFile(path)
	if err != nil {
		return
	}
	var rec pidRecord
	if json.Unmarshal(b, &rec) == nil && (rec.PID != p.pid || rec.StartTicks != p.ticks) {
		return
	}
	_ = os.Remove(path)
}

// exitCode is the shell's number for how a process ended.
func exitCode(ps *os.ProcessState) int {
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ps.ExitCode()
}
