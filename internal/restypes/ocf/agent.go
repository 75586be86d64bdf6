package ocf

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/batoncluster/baton/restype"
)

// Code is an agent's exit code (OCF resource agent API, "Exit status
// codes"; 8, 9, 190 and 191 are Pacemaker's).
type Code int

// The OCF exit codes.
const (
	CodeSuccess          Code = 0
	CodeErrGeneric       Code = 1
	CodeErrArgs          Code = 2
	CodeErrUnimplemented Code = 3
	CodeErrPerm          Code = 4
	CodeErrInstalled     Code = 5
	CodeErrConfigured    Code = 6
	CodeNotRunning       Code = 7
	CodeRunningPromoted  Code = 8
	CodeFailedPromoted   Code = 9
	CodeDegraded         Code = 190
	CodeDegradedPromoted Code = 191
)

var codeNames = map[Code]string{
	CodeSuccess: "OCF_SUCCESS", CodeErrGeneric: "OCF_ERR_GENERIC", CodeErrArgs: "OCF_ERR_ARGS",
	CodeErrUnimplemented: "OCF_ERR_UNIMPLEMENTED", CodeErrPerm: "OCF_ERR_PERM",
	CodeErrInstalled: "OCF_ERR_INSTALLED", CodeErrConfigured: "OCF_ERR_CONFIGURED",
	CodeNotRunning: "OCF_NOT_RUNNING", CodeRunningPromoted: "OCF_RUNNING_PROMOTED",
	CodeFailedPromoted: "OCF_FAILED_PROMOTED", CodeDegraded: "OCF_DEGRADED",
	CodeDegradedPromoted: "OCF_DEGRADED_PROMOTED",
}

// String is the OCF name of the code, e.g. "OCF_NOT_RUNNING".
func (c Code) String() string {
	if n, ok := codeNames[c]; ok {
		return n
	}
	if c > 128 && c < 128+65 {
		return "killed by signal " + strconv.Itoa(int(c)-128)
	}
	return "exit code " + strconv.Itoa(int(c))
}

// Recovery is how serious a failure is, in Pacemaker's terms: what the
// cluster should do about it.
type Recovery int

const (
	// RecoveryNone: not a failure.
	RecoveryNone Recovery = iota
	// RecoverySoft: a transient error; restart the resource here or move it.
	RecoverySoft
	// RecoveryHard: an error that may be specific to this node; run the
	// resource elsewhere and not here.
	RecoveryHard
	// RecoveryFatal: an error common to all nodes (a bad configuration);
	// stop the resource and run it nowhere.
	RecoveryFatal
)

func (r Recovery) String() string {
	return [...]string{"none", "soft", "hard", "fatal"}[r]
}

// Recovery classifies an unexpected exit code as Pacemaker's scheduler
// does (determine_op_status in lib/pengine/unpack.c; the table of Red
// Hat's "Interpreting resource agent OCF return codes"): 2, 3, 4 and 5
// hard, 6 fatal, every other failure soft.
func (c Code) Recovery() Recovery {
	switch c {
	case CodeErrArgs, CodeErrUnimplemented, CodeErrPerm, CodeErrInstalled:
		return RecoveryHard
	case CodeErrConfigured:
		return RecoveryFatal
	}
	return RecoverySoft
}

// Errors callers branch on. An *ExitError matches ErrNotRunning for exit
// code 7 and one of ErrSoft, ErrHard, ErrFatal by its recovery class.
var (
	ErrNotRunning = errors.New("ocf: not running")
	ErrSoft       = errors.New("ocf: soft failure")
	ErrHard       = errors.New("ocf: hard failure")
	ErrFatal      = errors.New("ocf: fatal failure")
	// ErrNotInstalled: there is no such agent (or no OCF root) here.
	ErrNotInstalled = errors.New("ocf: agent not installed")
	// ErrTimeout: an action ran longer than its timeout and was killed.
	ErrTimeout = errors.New("ocf: action timed out")
)

// ExitError is an action that ended with an unexpected exit code.
type ExitError struct {
	Agent  string // PROVIDER/AGENT
	Action string
	Code   Code
	// Reason is the agent's own explanation (its last
	// "ocf-exit-reason:" line on standard error), if it gave one.
	Reason string
	// Output is the end of what the agent wrote on standard error.
	Output string
}

func (e *ExitError) Error() string {
	s := fmt.Sprintf("ocf: %s %s: exit %d %s (%s)", e.Agent, e.Action, int(e.Code), e.Code, e.Code.Recovery())
	switch {
	case e.Reason != "":
		s += ": " + e.Reason
	case e.Output != "":
		s += ": " + e.Output
	}
	return s
}

// Recovery is the failure's class.
func (e *ExitError) Recovery() Recovery { return e.Code.Recovery() }

// Unwrap lets errors.Is match the class and ErrNotRunning.
func (e *ExitError) Unwrap() []error {
	out := []error{[...]error{nil, ErrSoft, ErrHard, ErrFatal}[e.Recovery()]}
	if e.Code == CodeNotRunning {
		out = append(out, ErrNotRunning)
	}
	return out
}

// ocfRoot is the OCF root: agents are ocfRoot/resource.d/PROVIDER/AGENT.
// Tests point it at a scratch root.
var ocfRoot = Root

// Root is where Debian's resource-agents package installs the OCF tree.
const Root = "/usr/lib/ocf"

// agentPath checks the provider and agent names and returns the agent's
// path.
func agentPath(root, provider, agent string) (string, error) {
	for _, n := range []struct{ what, v string }{{PropProvider, provider}, {PropAgent, agent}} {
		if n.v == "" || n.v == "." || n.v == ".." || strings.ContainsAny(n.v, "/\x00") {
			return "", fmt.Errorf("ocf: invalid %s %q", n.what, n.v)
		}
	}
	return filepath.Join(root, "resource.d", provider, agent), nil
}

func notInstalled(root, provider, agent string, err error) error {
	if _, rerr := os.Stat(root); rerr != nil {
		return fmt.Errorf("%w: %s/%s: there is no OCF root %s (install the resource-agents package)", ErrNotInstalled, provider, agent, root)
	}
	return fmt.Errorf("%w: %s/%s: %v", ErrNotInstalled, provider, agent, err)
}

// invocation is one run of an agent.
type invocation struct {
	root, provider, agent string
	action                string
	instance              string // OCF_RESOURCE_INSTANCE; "" for meta-data
	rscTmp                string // HA_RSCTMP; "" to leave the agent's default
	// base is the resource's environment, built once (resourceEnv): with
	// it, instance, rscTmp and the parameters are in it already.
	base []string
	env  []string // more OCF_* variables: parameters, meta attributes
	// timeout is passed as OCF_RESKEY_CRM_meta_timeout; 0: the time left
	// before ctx's deadline.
	timeout time.Duration
	// cgroup starts the agent (nil: exec.Cmd.Start): a resource's actions,
	// and the daemons they leave running, are in the resource's cgroup.
	cgroup restype.Cgroup
}

// result is how an invocation ended.
type result struct {
	code   Code
	stdout []byte
	stderr string // the last outputTail bytes
	reason string // the last ocf-exit-reason
}

// outputTail is how much of an agent's standard error is kept.
const outputTail = 4096

func (res result) exitError(agent, action string) *ExitError {
	return &ExitError{Agent: agent, Action: action, Code: res.code, Reason: res.reason, Output: lastLines(res.stderr, 3)}
}

// environ is the environment of an agent: the agent process's own minus
// every OCF_ and HA_ variable, plus the OCF ones (inv.base, when set,
// holds all but the action's own).
func (inv invocation) environ(timeout time.Duration) []string {
	base := inv.base
	if base == nil {
		base = agentEnv(inv.root, inv.provider, inv.agent, inv.instance, inv.rscTmp, nil)
	}
	env := make([]string, 0, len(base)+1+len(inv.env))
	env = append(env, base...)
	env = append(env, "OCF_RESKEY_CRM_meta_timeout="+strconv.FormatInt(timeout.Milliseconds(), 10))
	return append(env, inv.env...)
}

// localeVar reports whether the environment entry e sets the locale.
func localeVar(e string) bool {
	return strings.HasPrefix(e, "LANG=") || strings.HasPrefix(e, "LANGUAGE=") || strings.HasPrefix(e, "LC_")
}

// agentEnv is what every action of one agent for one resource (instance
// and rscTmp "" for none) gets: the agent process's environment minus
// every OCF_ and HA_ variable and the locale, plus LC_ALL=C, the OCF
// variables and the parameters.
//
// The locale: ocf-shellfuncs, which nearly every agent sources, sets
// LC_ALL=C and unsets LANG first thing ("return to sanity for the
// agents"), so a locale passed on only made the shell load it at start —
// 0.15 ms of a 2.7 ms heartbeat/Dummy stop under LANG=C.UTF-8. LC_ALL=C
// from the start gives every agent, shell or not, the locale those agents
// run in anyway.
func agentEnv(root, provider, agent, instance, rscTmp string, params []string) []string {
	var env []string
	hasPath := false
	for _, e := range os.Environ() {
		if strings.HasPrefix(e, "OCF_") || strings.HasPrefix(e, "HA_") || strings.HasPrefix(e, "__OCF") || localeVar(e) {
			continue
		}
		hasPath = hasPath || strings.HasPrefix(e, "PATH=")
		env = append(env, e)
	}
	if !hasPath {
		env = append(env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
	}
	env = append(env,
		"LC_ALL=C",
		"OCF_ROOT="+root,
		"OCF_RA_VERSION_MAJOR=1",
		"OCF_RA_VERSION_MINOR=0",
		"OCF_RESOURCE_TYPE="+agent,
		"OCF_RESOURCE_PROVIDER="+provider,
	)
	if instance != "" {
		env = append(env, "OCF_RESOURCE_INSTANCE="+instance)
	}
	if rscTmp != "" {
		env = append(env, "HA_RSCTMP="+rscTmp)
	}
	return append(env, params...)
}

// run runs the agent until it exits or ctx ends (then its whole process
// group is killed). The agent gets inv.timeout, or the time left before
// ctx's deadline, as OCF_RESKEY_CRM_meta_timeout. Only a failure to run the agent at all,
// or ctx ending, is an error: an exit code is a result.
func (inv invocation) run(ctx context.Context) (result, error) {
	name := inv.provider + "/" + inv.agent
	path, err := agentPath(inv.root, inv.provider, inv.agent)
	if err != nil {
		return result{}, err
	}
	if fi, err := os.Stat(path); err != nil {
		return result{}, notInstalled(inv.root, inv.provider, inv.agent, err)
	} else if fi.Mode()&0o111 == 0 || !fi.Mode().IsRegular() {
		return result{}, fmt.Errorf("%w: %s: %s is not an executable file", ErrNotInstalled, name, path)
	}
	timeout := inv.timeout
	if dl, ok := ctx.Deadline(); ok && timeout == 0 {
		timeout = time.Until(dl).Round(time.Millisecond)
	}
	// The output goes to files, not pipes: a daemon the agent starts may
	// keep them open long after the agent has exited. Only meta-data's
	// standard output is read; every other action's goes to /dev/null.
	var stdout *os.File
	if inv.action == "meta-data" {
		if stdout, err = outputFile(); err != nil {
			return result{}, fmt.Errorf("ocf: %w", err)
		}
		defer stdout.Close()
	}
	stderr, err := takeOutputFile()
	if err != nil {
		return result{}, fmt.Errorf("ocf: %w", err)
	}
	defer stderr.Close()

	if err := ctx.Err(); err != nil {
		return result{}, fmt.Errorf("ocf: %s %s: %w", name, inv.action, err)
	}
	// Not exec.CommandContext, which hands every command to a goroutine
	// of its own and back: two more wake-ups per action, each waiting for
	// a CPU on a loaded machine. context.AfterFunc costs nothing unless
	// ctx ends.
	cmd := exec.Command(path, inv.action)
	cmd.Dir = "/"
	cmd.Env = inv.environ(timeout)
	cmd.Stderr = stderr
	if stdout != nil {
		cmd.Stdout = stdout
	}
	// A process group of its own, which a timeout kills whole. Not a
	// session of its own: where the scheduler groups processes by session
	// (CONFIG_SCHED_AUTOGROUP, on by default in most distributions), a
	// new session is a new scheduling group made and torn down for every
	// action, and an agent in one ran two to three times slower than the
	// same agent in a process group on a loaded machine.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if inv.cgroup != nil {
		err = inv.cgroup.Start(cmd)
	} else {
		err = cmd.Start()
	}
	if err == nil {
		// When ctx ends, the agent dies with everything in its process
		// group.
		pid := cmd.Process.Pid
		stop := context.AfterFunc(ctx, func() { _ = syscall.Kill(-pid, syscall.SIGKILL) })
		makeSpareOutputFile()
		err = cmd.Wait()
		stop()
	}
	if ctx.Err() != nil {
		return result{}, fmt.Errorf("ocf: %s %s: %w", name, inv.action, ctx.Err())
	}
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		return result{}, fmt.Errorf("ocf: %s %s: %w", name, inv.action, err)
	}
	res := result{code: Code(cmd.ProcessState.ExitCode())}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		res.code = Code(128 + int(ws.Signal()))
	}
	if stdout != nil {
		if res.stdout, err = readAll(stdout, 4<<20); err != nil {
			return result{}, fmt.Errorf("ocf: %s %s: reading its output: %w", name, inv.action, err)
		}
	}
	errOut, _ := readAll(stderr, 1<<20)
	res.stderr = string(errOut)
	for _, l := range strings.Split(res.stderr, "\n") {
		if r, ok := strings.CutPrefix(l, "ocf-exit-reason:"); ok {
			res.reason = strings.TrimSpace(r)
		}
	}
	if len(res.stderr) > outputTail {
		res.stderr = res.stderr[len(res.stderr)-outputTail:]
	}
	return res, nil
}

// outputFile is a file without a name for an agent's output, in the
// temporary directory: O_TMPFILE (one system call, nothing to remove),
// else a temporary file unlinked at once.
func outputFile() (*os.File, error) {
	dir := os.TempDir()
	if fd, err := unix.Open(dir, unix.O_TMPFILE|unix.O_RDWR|unix.O_CLOEXEC, 0o600); err == nil {
		return os.NewFile(uintptr(fd), filepath.Join(dir, "baton-ocf-output")), nil
	}
	f, err := os.CreateTemp(dir, "baton-ocf-output-*")
	if err != nil {
		return nil, err
	}
	_ = os.Remove(f.Name())
	return f, nil
}

// spareOutputFiles are output files made ahead, while an agent runs
// (makeSpareOutputFile), so that the next action need not wait for one:
// an O_TMPFILE on a disk-backed /tmp took 50–80 µs, a quarter of baton's
// own time between one member of a dependency chain and the next.
var spareOutputFiles = make(chan *os.File, 4)

// takeOutputFile is a spare output file, or a new one if none is left.
func takeOutputFile() (*os.File, error) {
	select {
	case f := <-spareOutputFiles:
		return f, nil
	default:
		return outputFile()
	}
}

// makeSpareOutputFile makes a spare output file unless there are enough.
func makeSpareOutputFile() {
	if len(spareOutputFiles) == cap(spareOutputFiles) {
		return
	}
	f, err := outputFile()
	if err != nil {
		return // the next action makes its own, and says why if it fails
	}
	select {
	case spareOutputFiles <- f:
	default:
		f.Close()
	}
}

// readAll reads f from its start, at most limit bytes.
func readAll(f *os.File, limit int64) ([]byte, error) {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	return io.ReadAll(io.LimitReader(f, limit))
}

// lastLines returns the last n non-empty lines of s, joined by " | ".
func lastLines(s string, n int) string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}
