package vm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/batoncluster/baton/internal/restypes/vm/qmp"

	"github.com/batoncluster/baton/internal/procstat"
)

// maxSocketPath is the longest Unix socket path used as it is (sun_path is
// 108 bytes with its NUL). Longer ones are reached through the state
// directory's descriptor: /proc/self/fd/N/qmp.sock.
const maxSocketPath = 107

// dirFD is the descriptor QEMU inherits the state directory on when the
// socket paths are too long (the first of exec.Cmd.ExtraFiles).
const dirFD = 3

// pollEvery is how often a waiting loop looks again (process exit,
// migration status).
const pollEvery = 20 * time.Millisecond

// quitGrace bounds a QMP quit before the process is killed.
const quitGrace = 10 * time.Second

// defaultMachine is the machine type of a fresh boot; a saved state is
// restored with the versioned type it was saved with (pc-i440fx-X.Y).
const defaultMachine = "pc"

// launch is everything one QEMU command line is made from.
type launch struct {
	name     string // the resource name, for -name
	dir      string // state directory, absolute
	longPath bool   // socket paths go through dirFD
	machine  string // the saved machine type, with incoming
	accel    string // kvm or tcg
	memoryMB uint32
	disk     string
	extra    []string
	incoming bool // wait for a saved state (-incoming defer)
}

// optEscape escapes a value inside a QEMU option string (commas double).
func optEscape(s string) string { return strings.ReplaceAll(s, ",", ",,") }

// socketArg is the path QEMU binds a socket called name at.
func (l launch) socketArg(name string) string {
	if l.longPath {
		return fmt.Sprintf("/proc/self/fd/%d/%s", dirFD, name)
	}
	return filepath.Join(l.dir, name)
}

// diskFormat picks a disk image format from its name: auto-detection is
// unsafe for raw images (a guest could write a qcow2 header into one).
func diskFormat(path string) string {
	if strings.HasSuffix(strings.ToLower(path), ".qcow2") {
		return "qcow2"
	}
	return "raw"
}

// args is the QEMU command line (without the program).
func (l launch) args() []string {
	a := []string{
		"-name", "guest=" + optEscape(l.name),
		"-machine", defaultMachine,
		"-accel", l.accel,
		"-m", strconv.FormatUint(uint64(l.memoryMB), 10),
		"-nodefaults", "-no-user-config",
		"-display", "none",
		"-serial", "none",
		"-parallel", "none",
		"-monitor", "none",
		// A guest that powers off leaves QEMU in status "shutdown" rather
		// than gone, so health checks can tell it from a crash.
		"-no-shutdown",
		"-qmp", "unix:" + optEscape(l.socketArg(qmpSocket)) + ",server=on,wait=off",
		"-qmp", "unix:" + optEscape(l.socketArg(monitorSocket)) + ",server=on,wait=off",
		"-pidfile", filepath.Join(l.dir, pidFile),
		"-D", filepath.Join(l.dir, logFile),
		"-daemonize",
	}
	if l.disk != "" {
		a = append(a, "-drive", "file="+optEscape(l.disk)+",format="+diskFormat(l.disk)+",if=virtio")
	}
	a = append(a, l.extra...)
	if l.incoming {
		// Last, so it wins over a -machine in the extra arguments: the
		// restore must use the machine type the state was saved with.
		if l.machine != "" {
			a = append(a, "-machine", optEscape(l.machine))
		}
		a = append(a, "-incoming", "defer")
	}
	return a
}

// kvmDevice is where KVM is looked for (a variable for tests).
var kvmDevice = "/dev/kvm"

// accelerator is kvm when /dev/kvm can be used, else tcg (emulation).
func accelerator() string {
	f, err := os.OpenFile(kvmDevice, os.O_RDWR, 0)
	if err != nil {
		return "tcg"
	}
	f.Close()
	return "kvm"
}

// newLaunch is the launch for a fresh boot with settings s.
func (r *resource) newLaunch(s settings) launch {
	return launch{
		name:     r.name,
		dir:      r.dir,
		longPath: len(filepath.Join(r.dir, monitorSocket)) > maxSocketPath,
		accel:    accelerator(),
		memoryMB: s.memoryMB,
		disk:     s.diskImage,
		extra:    s.extraArgs,
	}
}

// start runs QEMU daemonized and returns its pid once it is initialised
// (QEMU's launcher exits then). QEMU runs in its own session and outlives
// the agent.
func (r *resource) start(ctx context.Context, bin string, l launch) (int, error) {
	path, err := exec.LookPath(bin)
	if err != nil {
		return 0, fmt.Errorf("vm: QEMU program %q not found (on Debian: apt-get install qemu-system-x86): %w", bin, err)
	}
	if err := os.MkdirAll(r.dir, 0o700); err != nil {
		return 0, fmt.Errorf("vm: %w", err)
	}
	_ = os.Remove(r.path(pidFile)) // stale: its process is gone
	// QEMU's messages go to the -D log; the ones before it set that up
	// (bad options) to stderr, the same file. A file, not a pipe: the
	// daemon would hold a pipe open.
	logf, err := os.OpenFile(r.path(logFile), os.O_WRONLY|os.O_CREATE|os.O_TRUNC|os.O_APPEND, 0o600)
	if err != nil {
		return 0, fmt.Errorf("vm: %w", err)
	}
	defer logf.Close()
	cmd := exec.CommandContext(ctx, path, l.args()...)
	cmd.Dir = r.dir
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if l.longPath {
		d, err := os.Open(r.dir)
		if err != nil {
			return 0, fmt.Errorf("vm: %w", err)
		}
		defer d.Close()
		cmd.ExtraFiles = []*os.File{d}
	}
	r.log.InfoContext(ctx, "starting QEMU", "args", cmd.Args)
	// In the resource's cgroup: the daemon QEMU forks is too.
	err = r.cgroup.Start(cmd)
	if err == nil {
		err = cmd.Wait()
	}
	if err != nil {
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		return 0, fmt.Errorf("vm: starting QEMU: %w%s", err, r.qemuLog())
	}
	pid, ok := r.findQEMU()
	if !ok {
		return 0, fmt.Errorf("vm: QEMU started but is not running (no live process in %s)%s", pidFile, r.qemuLog())
	}
	return pid, nil
}

// qemuLog is QEMU's log since its last start, for error messages.
func (r *resource) qemuLog() string {
	b, err := os.ReadFile(r.path(logFile))
	if err != nil {
		return ""
	}
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return ""
	}
	if len(b) > 2000 {
		b = append([]byte("..."), b[len(b)-2000:]...)
	}
	lines := strings.Split(string(b), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	return "; QEMU says: " + strings.Join(lines, " | ")
}

// findQEMU returns the pid in the pid file if that process is this
// resource's QEMU and alive.
func (r *resource) findQEMU() (int, bool) {
	b, err := os.ReadFile(r.path(pidFile))
	if err != nil {
		return 0, false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 1 || !r.isOurs(pid) {
		return 0, false
	}
	// QEMU daemonizes into a session of its own: its pid is its process
	// group. Whenever it is seen running, the guard is to kill it if this
	// agent cannot (tracking again is free).
	r.guard.Track(pid)
	return pid, true
}

// isOurs reports whether pid is a live (not zombie) process started with
// this resource's pid file — so a reused pid is never taken for the VM.
func (r *resource) isOurs(pid int) bool {
	if state, _, ok := procStat(pid); !ok || exited(state) {
		return false
	}
	cmdline, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil {
		return false
	}
	want := r.path(pidFile)
	args := strings.Split(string(cmdline), "\x00")
	for i := 0; i+1 < len(args); i++ {
		if args[i] == "-pidfile" && args[i+1] == want {
			return true
		}
	}
	return false
}

// procStat returns a process's state letter and start time (the latter
// tells a reused pid from the process once known).
func procStat(pid int) (state byte, start uint64, ok bool) {
	st, err := procstat.Read(pid)
	return st.State, st.StartTicks, err == nil
}

// exited reports whether a process state letter is a dead one (zombie:
// exited, not yet reaped — QEMU runs daemonized, so its parent is init).
// The main thread of an exiting QEMU may be a zombie while other threads
// still finish (writing its log, closing its files): see gone.
func exited(state byte) bool { return state == 'Z' || state == 'X' || state == 'x' }

// gone reports whether the process pid that started at start has exited
// completely: no such process, another one under the same pid, or a
// zombie with no thread left running.
func gone(pid int, start uint64) bool {
	state, s, ok := procStat(pid)
	if !ok || s != start {
		return true
	}
	if !exited(state) {
		return false
	}
	tasks, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/task")
	return err != nil || len(tasks) <= 1
}

// runningPID returns the pid of this resource's QEMU if it runs.
func (r *resource) runningPID() (int, bool) {
	r.mu.Lock()
	pid := r.pid
	r.mu.Unlock()
	if pid != 0 && r.isOurs(pid) {
		return pid, true
	}
	return r.findQEMU()
}

// waitExit waits until the process pid has exited completely (until QEMU
// has let go of its files and disk locks, and written its last words to
// its log), not just until it stops looking like QEMU.
func (r *resource) waitExit(ctx context.Context, pid int) error {
	_, start, ok := procStat(pid)
	if !ok {
		return nil
	}
	t := time.NewTicker(pollEvery)
	defer t.Stop()
	for !gone(pid, start) {
		select {
		case <-t.C:
		case <-ctx.Done():
			return fmt.Errorf("vm: waiting for QEMU (pid %d) to exit: %w", pid, ctx.Err())
		}
	}
	return nil
}

// kill sends SIGKILL to pid if it is this resource's QEMU, and waits until
// it, or a QEMU already on its way out, has exited completely.
func (r *resource) kill(ctx context.Context, pid int) error {
	if r.isOurs(pid) {
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
			return fmt.Errorf("vm: killing QEMU (pid %d): %w", pid, err)
		}
	} else if state, _, ok := procStat(pid); !ok || !exited(state) {
		return nil // gone, or the pid belongs to another process now
	}
	return r.waitExit(ctx, pid)
}

// quit asks QEMU to exit over QMP (on c, or a connection of its own) and
// waits for it, at most quitGrace; then it kills QEMU if it is still there.
func (r *resource) quit(ctx context.Context, pid int, c *session) error {
	qctx, cancel := context.WithTimeout(ctx, quitGrace)
	defer cancel()
	// QEMU may close the connection before it answers: the exit is what
	// counts, so errors only mean "try another connection".
	sent := c != nil && c.Execute(qctx, "quit", nil, nil) == nil
	if !sent && r.isOurs(pid) {
		if c != nil {
			c.Close() // QEMU serves one client per socket
		}
		if c2, err := r.dial(qctx); err == nil {
			_ = c2.Execute(qctx, "quit", nil, nil)
			c2.Close()
		}
	}
	if err := r.waitExit(qctx, pid); err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	r.log.WarnContext(ctx, "QEMU did not quit; killing it", "pid", pid)
	return r.kill(ctx, pid)
}

// session is a connection to the agent's QMP socket. It holds the
// resource's QMP slot until closed: QEMU serves one client per socket and
// its listen backlog is 1, so the resource's own callers (an offline and a
// health check) take turns instead of refusing each other.
type session struct {
	*qmp.Conn
	release func()
}

// Close closes the connection and frees the slot; it may be called again.
func (s *session) Close() {
	s.Conn.Close()
	s.release()
}

// dial connects to the agent's QMP socket, waiting (within ctx) for the
// slot and, when someone else is connected, for QEMU to accept.
func (r *resource) dial(ctx context.Context) (*session, error) {
	select {
	case r.qmpSlot <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("vm: waiting for the QMP connection: %w", ctx.Err())
	}
	var once sync.Once
	release := func() { once.Do(func() { <-r.qmpSlot }) }
	c, err := r.dialSocket(ctx)
	if err != nil {
		release()
		return nil, err
	}
	return &session{Conn: c, release: release}, nil
}

func (r *resource) dialSocket(ctx context.Context) (*qmp.Conn, error) {
	p := r.path(qmpSocket)
	if len(r.path(monitorSocket)) > maxSocketPath {
		d, err := os.Open(r.dir)
		if err != nil {
			return nil, fmt.Errorf("vm: %w", err)
		}
		defer d.Close()
		p = fmt.Sprintf("/proc/self/fd/%d/%s", d.Fd(), qmpSocket)
	}
	t := time.NewTicker(pollEvery)
	defer t.Stop()
	for {
		c, err := qmp.Dial(ctx, p)
		if err == nil {
			return c, nil
		}
		// EAGAIN: the backlog is full, another client holds QEMU's
		// attention (someone using qmp.sock by hand). Wait for it.
		if !errors.Is(err, syscall.EAGAIN) {
			return nil, fmt.Errorf("vm: connecting to QEMU: %w", err)
		}
		select {
		case <-t.C:
		case <-ctx.Done():
			return nil, fmt.Errorf("vm: connecting to QEMU (its QMP socket is busy): %w", ctx.Err())
		}
	}
}

// qemuStatus is QMP query-status's reply.
type qemuStatus struct {
	Status  string `json:"status"`
	Running bool   `json:"running"`
}

func queryStatus(ctx context.Context, c *session) (string, error) {
	var st qemuStatus
	if err := c.Execute(ctx, "query-status", nil, &st); err != nil {
		return "", err
	}
	return st.Status, nil
}

// stoppedStates are QEMU statuses in which the guest is gone for good:
// it powered off (kept by -no-shutdown) or crashed.
var stoppedStates = map[string]bool{
	"shutdown":       true,
	"guest-panicked": true,
	"internal-error": true,
}

// migration is QMP query-migrate's reply (the fields used).
type migration struct {
	Status    string `json:"status"`
	ErrorDesc string `json:"error-desc"`
}

// savedMeta is what a restore must match, kept next to the saved state.
type savedMeta struct {
	ID       string    `json:"id,omitempty"`       // names this saved state (status SavedStateId)
	Resource string    `json:"resource,omitempty"` // the VM it belongs to
	Node     string    `json:"node,omitempty"`     // where it was saved
	Machine  string    `json:"machine"`            // versioned machine type, e.g. pc-i440fx-7.2
	MemoryMB uint32    `json:"memoryMB"`
	Accel    string    `json:"accel"`
	QEMU     string    `json:"qemu"` // the version that saved it
	Saved    time.Time `json:"saved"`
	Bytes    int64     `json:"bytes"`
}

func (r *resource) readMeta(s settings) (savedMeta, bool) {
	b, err := os.ReadFile(r.statePath(s, savedMetaFile))
	if err != nil {
		return savedMeta{}, false
	}
	var m savedMeta
	if err := json.Unmarshal(b, &m); err != nil || m.MemoryMB == 0 {
		return savedMeta{}, false
	}
	return m, true
}

// machineType is the running VM's versioned machine type (pc-i440fx-7.2
// for "pc"), which a newer QEMU still restores; "" if QEMU does not say.
func machineType(ctx context.Context, c *session) string {
	var t string
	if err := c.Execute(ctx, "qom-get", map[string]string{"path": "/machine", "property": "type"}, &t); err != nil {
		return ""
	}
	return strings.TrimSuffix(t, "-machine")
}

// syncDir makes renames and removals in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
