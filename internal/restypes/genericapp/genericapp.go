// Package genericapp is the "Generic Application" resource type: it runs
// one long-lived process, such as a server that stays in the foreground.
//
// The lifecycle of one resource's process:
//
//	              Online: start it (or reattach to the one
//	              the pid file names), wait until ready
//	not running ──────────────────────────────────────────▶ running
//	     ▲  ▲                                                 │  │
//	     │  │ Offline 0, 1, 2: StopSignal to the group,       │  │
//	     │  └─ SIGKILL after StopTimeoutMs ◀──────────────────┘  │
//	     │    Offline 3, Terminate: SIGKILL to the group         │
//	     └────────────────────────── exits by itself: ◀──────────┘
//	                                 health fails, ExitCode set
//
// CommandLine is split into words with SplitCommandLine and executed
// without a shell. The process is started in a session and process group
// of its own (setsid), so it outlives the agent; its PID and start time
// (field 22 of /proc/PID/stat, which tells a reused PID apart) are kept in
// the pid file in the resource's state directory. A new instance for the
// same resource — after an agent restart — reattaches to that process
// instead of starting a second one, and watches it through /proc. The
// standard output and error of the process (and of ReadyCommand and
// CheckCommand) are appended to output.log in the state directory.
//
// Online returns once the process runs and, if asked, ReadyPort accepts
// TCP connections on 127.0.0.1 and ReadyCommand exits 0. LooksAlive checks
// that the process runs; IsAlive also runs CheckCommand. Offline reads the
// DWORD named "Generic Application" from the input buffer: 0 (the
// default), 1 and 2 stop gracefully, 3 kills at once.
package genericapp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/batoncluster/baton/proplist"
	"github.com/batoncluster/baton/restype"

	"github.com/batoncluster/baton/internal/procstat"
)

// TypeName is the name of the type, and of the input-buffer DWORD its
// Offline reads.
const TypeName = "Generic Application"

// Private property names.
const (
	PropCommandLine      = "CommandLine"
	PropCurrentDirectory = "CurrentDirectory"
	PropEnvironment      = "Environment"
	PropStopSignal       = "StopSignal"
	PropStopTimeoutMs    = "StopTimeoutMs"
	PropReadyCommand     = "ReadyCommand"
	PropReadyPort        = "ReadyPort"
	PropCheckCommand     = "CheckCommand"
)

// Status property names.
const (
	StatusPid       = "Pid"
	StatusStartedAt = "StartedAt"
	StatusExitCode  = "ExitCode"
	StatusLogFile   = "LogFile"
)

// DefaultStopTimeoutMs is how long a graceful stop waits before SIGKILL.
const DefaultStopTimeoutMs = 10000

// LogFile is the name of the output log in the state directory.
const LogFile = "output.log"

// Offline actions, the values of the "Generic Application" input-buffer
// DWORD. The values follow the Virtual Machine type's; 1 (save) and 2
// (shut down) have no meaning for a process and stop it like 0.
const (
	ActionStop     uint32 = 0
	ActionSave     uint32 = 1
	ActionShutdown uint32 = 2
	ActionKill     uint32 = 3
)

const (
	// readyPoll is the pause between readiness checks.
	readyPoll = 100 * time.Millisecond
	// helperTimeout bounds one run of ReadyCommand or CheckCommand.
	helperTimeout = 30 * time.Second
	// dialTimeout bounds one ReadyPort connection attempt.
	dialTimeout = time.Second
)

// Errors callers branch on.
var (
	// ErrNotOnline: health checked while the resource is not online.
	ErrNotOnline = errors.New("genericapp: not online")
	// ErrNotRunning: the process ended by itself.
	ErrNotRunning = errors.New("genericapp: process is not running")
	// ErrCheckFailed: CheckCommand did not exit 0.
	ErrCheckFailed = errors.New("genericapp: CheckCommand failed")
	// errCannotRun: a helper command could not be started at all.
	errCannotRun = errors.New("cannot run")
)

// Type returns the Generic Application resource type.
func Type() *restype.Type {
	return &restype.Type{
		Name:        TypeName,
		Description: "Runs a process (no shell); health = the process runs, plus an optional check command.",
		Properties: []restype.PropertyInfo{
			{Name: PropCommandLine, Kind: "sz", Description: "Required. Program and arguments, split with shell quoting rules ('…', \"…\", \\) but run without a shell."},
			{Name: PropCurrentDirectory, Kind: "sz", Default: "(state directory)", Description: "Absolute working directory of the process."},
			{Name: PropEnvironment, Kind: "multi_sz", Description: "NAME=VALUE entries added to (or replacing in) the agent's environment."},
			{Name: PropStopSignal, Kind: "sz", Default: "SIGTERM", Description: "Signal a graceful stop sends to the process group (name or number)."},
			{Name: PropStopTimeoutMs, Kind: "dword", Default: strconv.Itoa(DefaultStopTimeoutMs), Description: "Milliseconds a graceful stop waits before SIGKILL."},
			{Name: PropReadyCommand, Kind: "sz", Description: "Online waits until this command exits 0 (polled)."},
			{Name: PropReadyPort, Kind: "dword", Description: "Online waits until 127.0.0.1:PORT accepts TCP connections."},
			{Name: PropCheckCommand, Kind: "sz", Description: "IsAlive also requires this command to exit 0."},
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

// resource is one Generic Application resource.
type resource struct {
	name     string
	stateDir string
	log      *slog.Logger
	changed  func()
	guard    restype.ProcessGuard // kills the process group if the agent cannot
	cg       restype.Cgroup       // every process starts in the resource's cgroup

	mu sync.Mutex // guards the fields below
	s  settings
	// p is the process of the last online (running or not); nil before
	// the first online and after an offline.
	p *proc
	// exitCode is the exit code of the last child that ended; hasExit is
	// false until one did.
	exitCode int
	hasExit  bool
}

var (
	_ restype.Resource       = (*resource)(nil)
	_ restype.Terminator     = (*resource)(nil)
	_ restype.StatusReporter = (*resource)(nil)
	_ restype.Reconfigurer   = (*resource)(nil)
)

// New makes a resource from cfg and reattaches to the process its pid file
// names if that still runs.
func New(cfg restype.Config) (restype.Resource, error) {
	s, err := parse(cfg.Properties)
	if err != nil {
		return nil, err
	}
	if cfg.StateDir == "" {
		return nil, errors.New("genericapp: the resource has no state directory")
	}
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	r := &resource{
		name:     cfg.Name,
		stateDir: cfg.StateDir,
		log:      log,
		changed:  cfg.Changed,
		guard:    restype.GuardOf(cfg),
		cg:       restype.CgroupOf(cfg),
		s:        s,
	}
	p, err := readPIDFile(r.stateDir)
	if err != nil {
		return nil, fmt.Errorf("genericapp: %w", err)
	}
	if p != nil {
		r.log.Info("generic application reattached", slog.Int("pid", p.pid))
		r.guard.Track(p.pid)
		r.p = p
	}
	return r, nil
}

func (r *resource) logPath() string { return filepath.Join(r.stateDir, LogFile) }

// running returns the resource's process if it runs, reattaching to the
// one the pid file names if need be; nil if none runs.
func (r *resource) running() (*proc, error) {
	r.mu.Lock()
	p := r.p
	r.mu.Unlock()
	if p != nil && p.alive() {
		return p, nil
	}
	p, err := readPIDFile(r.stateDir)
	if err != nil || p == nil {
		return nil, err
	}
	r.mu.Lock()
	r.p = p
	r.mu.Unlock()
	r.log.Info("generic application reattached", slog.Int("pid", p.pid))
	r.guard.Track(p.pid)
	return p, nil
}

// environ is the environment of the process and its helper commands.
func environ(s settings) []string {
	// exec uses the last of duplicate names: the resource's win.
	return append(os.Environ(), s.env...)
}

// lookPath resolves a program name without a slash in the PATH the
// resource's environment gives.
func lookPath(name string, env []string) (string, error) {
	if strings.Contains(name, "/") {
		return name, nil
	}
	path := ""
	for _, e := range env {
		if v, ok := strings.CutPrefix(e, "PATH="); ok {
			path = v
		}
	}
	for _, dir := range filepath.SplitList(path) {
		if dir == "" {
			dir = "."
		}
		f := filepath.Join(dir, name)
		if fi, err := os.Stat(f); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return f, nil
		}
	}
	return "", fmt.Errorf("genericapp: %q not found in PATH %q", name, path)
}

// command prepares argv to run like the resource's process.
func (r *resource) command(s settings, argv []string, out *os.File) (*exec.Cmd, error) {
	env := environ(s)
	path, err := lookPath(argv[0], env)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(path, argv[1:]...)
	cmd.Args[0] = argv[0]
	cmd.Dir = s.dir
	if cmd.Dir == "" {
		cmd.Dir = r.stateDir
	}
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = out, out
	return cmd, nil
}

// openLog opens the output log for appending, creating the state
// directory if need be. Both are the agent's user's alone (0700, 0600):
// an application's output may hold anything; so is a log made by an
// older agent, readable by all, once opened.
func (r *resource) openLog() (*os.File, error) {
	if err := privateDir(r.stateDir); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(r.logPath(), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// privateDir makes dir (and its missing parents) with mode 0700, and
// sets dir's own mode to 0700 if it existed.
func privateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return os.Chmod(dir, 0o700)
}

// note appends a line from baton to the output log.
func (r *resource) note(format string, args ...any) {
	f, err := r.openLog()
	if err != nil {
		return
	}
	defer f.Close()
	fmt.Fprintf(f, "--- baton %s: %s\n", time.Now().Format(time.RFC3339), fmt.Sprintf(format, args...))
}

// start starts the process, records it in the pid file and reaps it when
// it ends.
func (r *resource) start(s settings) (*proc, error) {
	out, err := r.openLog()
	if err != nil {
		return nil, fmt.Errorf("genericapp: output log: %w", err)
	}
	defer out.Close() // the child has its own copy
	fmt.Fprintf(out, "--- baton %s: starting %s\n", time.Now().Format(time.RFC3339), s.commandLine)
	cmd, err := r.command(s, s.argv, out)
	if err == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
		if err = r.cg.Start(cmd); err != nil {
			err = fmt.Errorf("genericapp: start %s: %w", s.argv[0], err)
		}
	}
	if err != nil {
		fmt.Fprintf(out, "--- baton %s: start failed: %v\n", time.Now().Format(time.RFC3339), err)
		return nil, err
	}
	p := &proc{pid: cmd.Process.Pid, startedAt: time.Now(), exited: make(chan struct{})}
	// Not reaped yet, so /proc/PID is there even if it has exited.
	st, statErr := procstat.Read(p.pid)
	p.ticks = st.StartTicks
	go r.reap(cmd, p)
	if statErr != nil {
		_ = p.signalGroup(syscall.SIGKILL)
		return nil, fmt.Errorf("genericapp: reading the start time of process %d: %w", p.pid, statErr)
	}
	if err := writePIDFile(r.stateDir, p, s.commandLine); err != nil {
		_ = p.signalGroup(syscall.SIGKILL)
		return nil, fmt.Errorf("genericapp: pid file: %w", err)
	}
	r.guard.Track(p.pid)
	r.mu.Lock()
	r.p = p
	r.mu.Unlock()
	r.log.Info("generic application started", slog.Int("pid", p.pid), slog.String("command", s.commandLine))
	if r.changed != nil {
		r.changed()
	}
	return p, nil
}

// reap waits for a child to end so that it leaves no zombie, and records
// how it ended. Its goroutine lives exactly as long as the child: the
// child is what ends it (Offline, Terminate, or its own exit).
func (r *resource) reap(cmd *exec.Cmd, p *proc) {
	_ = cmd.Wait()
	p.code = exitCode(cmd.ProcessState)
	r.guard.Untrack(p.pid)
	removePIDFile(r.stateDir, p)
	r.note("process %d exited with code %d", p.pid, p.code)
	r.log.Info("generic application exited", slog.Int("pid", p.pid), slog.Int("code", p.code))
	r.mu.Lock()
	r.exitCode, r.hasExit = p.code, true
	r.mu.Unlock()
	close(p.exited)
	if r.changed != nil {
		r.changed()
	}
}

// exitedError describes a process that ended by itself, with the last
// lines of its output.
func (r *resource) exitedError(p *proc) error {
	how := "has ended"
	if p.child() {
		<-p.exited
		how = fmt.Sprintf("exited with code %d", p.code)
	}
	err := fmt.Errorf("%w: process %d %s", ErrNotRunning, p.pid, how)
	if t := tail(r.logPath(), 3); t != "" {
		err = fmt.Errorf("%w; last output: %s", err, t)
	}
	return err
}

// tail returns the last n lines of the file at path, joined by " | ".
func tail(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	const max = 1024
	if fi, err := f.Stat(); err == nil && fi.Size() > max {
		_, _ = f.Seek(fi.Size()-max, io.SeekStart)
	}
	b, _ := io.ReadAll(io.LimitReader(f, max))
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}

// Online starts the process, or reattaches to it if it runs already, and
// waits until it is ready. If it cannot become ready (it exits, a helper
// cannot run) it is killed; if ctx ends first it is left to the Offline or
// Terminate that follows.
func (r *resource) Online(ctx context.Context, req restype.OnlineRequest) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r.mu.Lock()
	s := r.s
	r.mu.Unlock()
	p, err := r.running()
	if err != nil {
		return fmt.Errorf("genericapp: %w", err)
	}
	if p != nil {
		r.log.InfoContext(ctx, "generic application online: already running", slog.Int("pid", p.pid))
	} else if p, err = r.start(s); err != nil {
		r.log.InfoContext(ctx, "generic application online failed", slog.Any("err", err))
		return err
	}
	if err := r.waitReady(ctx, s, p); err != nil {
		if ctx.Err() == nil && p.alive() {
			r.log.InfoContext(ctx, "generic application not ready: killing it", slog.Any("err", err))
			_ = p.signalGroup(syscall.SIGKILL)
			_, _ = p.waitGone(context.Background(), 5*time.Second)
		}
		return err
	}
	r.log.InfoContext(ctx, "generic application online", slog.Int("pid", p.pid))
	return nil
}

// waitReady polls until p is ready: it runs, ReadyPort accepts and
// ReadyCommand exits 0.
func (r *resource) waitReady(ctx context.Context, s settings, p *proc) error {
	tick := time.NewTicker(readyPoll)
	defer tick.Stop()
	for {
		if !p.alive() {
			return r.exitedError(p)
		}
		reason := ""
		if s.readyPort != 0 {
			d := net.Dialer{Timeout: dialTimeout}
			c, err := d.DialContext(ctx, "tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(int(s.readyPort))))
			if err != nil {
				reason = fmt.Sprintf("%s %d: %v", PropReadyPort, s.readyPort, err)
			} else {
				c.Close()
			}
		}
		if reason == "" && s.ready != nil {
			err := r.runHelper(ctx, s, s.ready)
			if errors.Is(err, errCannotRun) {
				return fmt.Errorf("genericapp: %s: %w", PropReadyCommand, err)
			}
			if err != nil {
				reason = fmt.Sprintf("%s: %v", PropReadyCommand, err)
			}
		}
		if reason == "" {
			if !p.alive() {
				return r.exitedError(p)
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("genericapp: not ready (%s): %w", reason, ctx.Err())
		case <-p.exited:
		case <-tick.C:
		}
	}
}

// runHelper runs a ReadyCommand or CheckCommand to its end (at most
// helperTimeout), in its own process group, which is killed if it runs
// too long.
func (r *resource) runHelper(ctx context.Context, s settings, argv []string) error {
	ctx, cancel := context.WithTimeout(ctx, helperTimeout)
	defer cancel()
	out, err := r.openLog()
	if err != nil {
		return fmt.Errorf("output log: %w", err)
	}
	defer out.Close()
	cmd, err := r.command(s, argv, out)
	if err != nil {
		return fmt.Errorf("%w: %v", errCannotRun, err)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := r.cg.Start(cmd); err != nil {
		return fmt.Errorf("%w: %v", errCannotRun, err)
	}
	stop := context.AfterFunc(ctx, func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })
	err = cmd.Wait()
	stop()
	if ctx.Err() != nil {
		return fmt.Errorf("%s: %w", argv[0], ctx.Err())
	}
	return err
}

// offlineAction reads the "Generic Application" DWORD from the input
// buffer.
func offlineAction(params proplist.List) (uint32, error) {
	p, ok := params.Get(TypeName)
	if !ok {
		return ActionStop, nil
	}
	if len(p.Values) == 0 {
		return 0, fmt.Errorf("genericapp: input buffer property %s has no value", TypeName)
	}
	a, ok := params.DWORD(TypeName)
	if !ok {
		return 0, fmt.Errorf("genericapp: input buffer property %s must be a DWORD, not %v", TypeName, p.Values[0].Syntax)
	}
	if a > ActionKill {
		return 0, fmt.Errorf("genericapp: invalid offline action %d in input buffer property %s (want 0..3)", a, TypeName)
	}
	return a, nil
}

// Offline stops the process: for actions 0, 1 and 2 it sends StopSignal
// to the process group and SIGKILL after StopTimeoutMs; for 3 it sends
// SIGKILL at once. Members of the group left behind by the process are
// killed once it has ended. Nothing running is success.
func (r *resource) Offline(ctx context.Context, req restype.OfflineRequest) error {
	action, err := offlineAction(req.Params)
	if err != nil {
		r.log.InfoContext(ctx, "generic application offline rejected", slog.Any("err", err))
		return err
	}
	r.mu.Lock()
	s := r.s
	r.mu.Unlock()
	p, err := r.running()
	if err != nil {
		return fmt.Errorf("genericapp: %w", err)
	}
	if p == nil {
		r.log.InfoContext(ctx, "generic application offline: not running")
		r.forget(nil)
		return nil
	}
	if action == ActionKill {
		r.log.InfoContext(ctx, "generic application offline: kill", slog.Int("pid", p.pid))
		r.note("offline: SIGKILL to process group %d", p.pid)
		return r.kill(ctx, p)
	}
	r.log.InfoContext(ctx, "generic application offline: stop", slog.Int("pid", p.pid),
		slog.String("signal", signalName(s.stopSignal)), slog.Duration("timeout", s.stopTimeout))
	r.note("offline: %s to process group %d", signalName(s.stopSignal), p.pid)
	if err := p.signalGroup(s.stopSignal); err != nil {
		return err
	}
	gone, err := p.waitGone(ctx, s.stopTimeout)
	if err != nil {
		return fmt.Errorf("genericapp: waiting for process %d to stop: %w", p.pid, err)
	}
	if !gone {
		r.log.InfoContext(ctx, "generic application did not stop in time: kill", slog.Int("pid", p.pid))
		r.note("process %d still running after %v: SIGKILL to its group", p.pid, s.stopTimeout)
	}
	return r.kill(ctx, p)
}

// kill sends SIGKILL to p's process group and waits until p has ended.
func (r *resource) kill(ctx context.Context, p *proc) error {
	if err := p.signalGroup(syscall.SIGKILL); err != nil {
		return err
	}
	if _, err := p.waitGone(ctx, 0); err != nil {
		return fmt.Errorf("genericapp: waiting for process %d to end: %w", p.pid, err)
	}
	r.forget(p)
	return nil
}

// forget drops the ended process p (nil: whatever the pid file names).
func (r *resource) forget(p *proc) {
	r.mu.Lock()
	if r.p == p || p == nil {
		r.p = nil
	}
	r.mu.Unlock()
	if p != nil {
		r.guard.Untrack(p.pid)
		removePIDFile(r.stateDir, p)
	} else {
		_ = os.Remove(filepath.Join(r.stateDir, PIDFile))
	}
	if r.changed != nil {
		r.changed()
	}
}

// Terminate kills the process group at once.
func (r *resource) Terminate(ctx context.Context) error {
	p, err := r.running()
	if err != nil {
		return fmt.Errorf("genericapp: %w", err)
	}
	if p == nil {
		r.forget(nil)
		return nil
	}
	r.log.InfoContext(ctx, "generic application terminated", slog.Int("pid", p.pid))
	r.note("terminate: SIGKILL to process group %d", p.pid)
	return r.kill(ctx, p)
}

// health fails unless the process runs.
func (r *resource) health(ctx context.Context) (settings, error) {
	r.mu.Lock()
	s, p := r.s, r.p
	r.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return s, err
	}
	if p == nil {
		return s, ErrNotOnline
	}
	if !p.alive() {
		return s, r.exitedError(p)
	}
	return s, nil
}

// LooksAlive fails unless the process runs.
func (r *resource) LooksAlive(ctx context.Context) error {
	_, err := r.health(ctx)
	return err
}

// IsAlive fails unless the process runs and CheckCommand, if set, exits 0.
func (r *resource) IsAlive(ctx context.Context) error {
	s, err := r.health(ctx)
	if err != nil || s.check == nil {
		return err
	}
	if err := r.runHelper(ctx, s, s.check); err != nil {
		return fmt.Errorf("%w: %v", ErrCheckFailed, err)
	}
	return nil
}

// Status reports Pid and StartedAt while the process runs, ExitCode once a
// child has ended, and LogFile.
func (r *resource) Status() proplist.List {
	r.mu.Lock()
	p, code, hasExit := r.p, r.exitCode, r.hasExit
	r.mu.Unlock()
	var l proplist.List
	if p != nil && p.alive() {
		l = append(l,
			proplist.Property{Name: StatusPid, Values: []proplist.Value{proplist.DWORD(uint32(p.pid))}},
			proplist.Property{Name: StatusStartedAt, Values: []proplist.Value{proplist.SZ(p.startedAt.UTC().Format(time.RFC3339))}},
		)
	}
	if hasExit {
		l = append(l, proplist.Property{Name: StatusExitCode, Values: []proplist.Value{proplist.DWORD(uint32(code))}})
	}
	return append(l, proplist.Property{Name: StatusLogFile, Values: []proplist.Value{proplist.SZ(r.logPath())}})
}

// Reconfigure takes new private properties; on error the old ones stay.
// StopSignal, StopTimeoutMs and CheckCommand apply at once, the rest from
// the next start.
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
