package genericapp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/batoncluster/baton/proplist"
	"github.com/batoncluster/baton/restype"

	"github.com/batoncluster/baton/internal/procstat"
)

// helperEnv makes the test binary a helper process instead of running
// tests: "listen PORT DELAY" listens on 127.0.0.1:PORT after DELAY.
const helperEnv = "GENERICAPP_TEST_HELPER"

func TestMain(m *testing.M) {
	if h := os.Getenv(helperEnv); h != "" {
		helper(strings.Fields(h))
		return
	}
	os.Exit(m.Run())
}

func helper(args []string) {
	switch args[0] {
	case "listen":
		d, _ := time.ParseDuration(args[2])
		time.Sleep(d)
		l, err := net.Listen("tcp", "127.0.0.1:"+args[1])
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		fmt.Println("listening")
		for {
			c, err := l.Accept()
			if err != nil {
				os.Exit(1)
			}
			c.Close()
		}
	}
	os.Exit(3)
}

func props(kv ...any) proplist.List {
	var l proplist.List
	for i := 0; i < len(kv); i += 2 {
		l = l.Set(kv[i].(string), kv[i+1].(proplist.Value))
	}
	return l
}

// script writes an executable shell script into dir.
func script(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// appScript is a server-like process: it prints to stdout and stderr,
// and on SIGTERM writes "graceful" to the file $MARKER and exits 0. It
// prints "ready PID" once its trap is set.
const appScript = `trap 'echo graceful > "$MARKER"; exit 0' TERM
echo "to stderr" >&2
echo "ready $$"
sleep 1000 &
wait
`

// stubbornScript ignores SIGTERM (and so does its sleep).
const stubbornScript = `trap '' TERM
echo "ready $$"
sleep 1000 &
wait
`

type fixture struct {
	dir    string // scratch directory
	state  string // the resource's state directory
	marker string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	dir := t.TempDir()
	return &fixture{dir: dir, state: filepath.Join(dir, "state"), marker: filepath.Join(dir, "marker")}
}

func (f *fixture) new(t *testing.T, l proplist.List) *resource {
	t.Helper()
	r, err := New(restype.Config{Name: "app", StateDir: f.state, Properties: l})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return r.(*resource)
}

// app makes a resource running appScript (or body) with MARKER set.
func (f *fixture) app(t *testing.T, body string, more ...any) *resource {
	t.Helper()
	if body == "" {
		body = appScript
	}
	path := script(t, f.dir, "app.sh", body)
	l := props(PropCommandLine, proplist.SZ(path), PropEnvironment, proplist.MultiSZ("MARKER="+f.marker))
	for i := 0; i < len(more); i += 2 {
		l = l.Set(more[i].(string), more[i+1].(proplist.Value))
	}
	return f.new(t, l)
}

// online brings r online and kills its process group when the test ends.
func online(t *testing.T, r *resource) int {
	t.Helper()
	if err := r.Online(context.Background(), restype.OnlineRequest{}); err != nil {
		t.Fatalf("Online: %v", err)
	}
	pid := statusPid(t, r)
	killAtEnd(t, r, pid)
	return pid
}

// killAtEnd kills the process group of pid when the test ends and waits
// until r has reaped it (and written its last line to the output log).
// onlineReady is online, then waits until the script has printed "ready
// PID": a signal sent earlier would find its trap not set yet.
func onlineReady(t *testing.T, r *resource) int {
	t.Helper()
	pid := online(t, r)
	want := fmt.Sprintf("ready %d\n", pid)
	waitFor(t, "the script to set its traps", func() bool { return strings.Contains(readFile(t, r.logPath()), want) })
	return pid
}

func killAtEnd(t *testing.T, r *resource, pid int) {
	r.mu.Lock()
	p := r.p
	r.mu.Unlock()
	t.Cleanup(func() {
		_ = syscall.Kill(-pid, syscall.SIGKILL)
		if p != nil && p.pid == pid && p.child() {
			select {
			case <-p.exited:
			case <-time.After(5 * time.Second):
				t.Errorf("process %d not reaped", pid)
			}
		}
	})
}

func statusPid(t *testing.T, r *resource) int {
	t.Helper()
	v, ok := r.Status().DWORD(StatusPid)
	if !ok || v == 0 {
		t.Fatalf("no Pid in status %v", r.Status())
	}
	return int(v)
}

func offline(action ...uint32) restype.OfflineRequest {
	var req restype.OfflineRequest
	if len(action) > 0 {
		req.Params = props(TypeName, proplist.DWORD(action[0]))
	}
	return req
}

// exists reports whether /proc/PID is there and not a zombie.
func exists(pid int) bool {
	st, err := procstat.Read(pid)
	return err == nil && st.State != 'Z'
}

// gone waits a little for /proc/PID to disappear entirely (reaped).
func gone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, err := os.Stat("/proc/" + strconv.Itoa(pid))
		if errors.Is(err, os.ErrNotExist) {
			return
		}
		if time.Now().After(deadline) {
			st, _ := procstat.Read(pid)
			t.Fatalf("process %d still there (state %c)", pid, st.State)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// ended waits a little for a process that is not our child to end: once
// it is a zombie, reaping it is its new parent's business (PID 1's).
func ended(t *testing.T, pid int) {
	t.Helper()
	waitFor(t, fmt.Sprintf("process %d to end", pid), func() bool { return !exists(pid) })
}

// count is how many processes have s in their command line.
func count(t *testing.T, s string) int {
	t.Helper()
	ents, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || !exists(pid) {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && bytes.Contains(b, []byte(s)) {
			n++
		}
	}
	return n
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	return string(b)
}

// waitFor polls cond for up to 5 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestType(t *testing.T) {
	ty := Type()
	if ty.Name != "Generic Application" || ty.OfflineParameter != "Generic Application" {
		t.Errorf("Name, OfflineParameter = %q, %q", ty.Name, ty.OfflineParameter)
	}
	want := map[string]string{
		PropCommandLine: "sz", PropCurrentDirectory: "sz", PropEnvironment: "multi_sz",
		PropStopSignal: "sz", PropStopTimeoutMs: "dword", PropReadyCommand: "sz",
		PropReadyPort: "dword", PropCheckCommand: "sz",
	}
	got := map[string]string{}
	for _, p := range ty.Properties {
		got[p.Name] = p.Kind
		if p.Description == "" {
			t.Errorf("property %s has no description", p.Name)
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("documented properties = %v, want %v", got, want)
	}
	if len(known) != len(want) {
		t.Errorf("parse knows %v", known)
	}
	if err := restype.NewRegistry().Register(ty); err != nil {
		t.Error(err)
	}
	if err := ty.Validate(props(PropCommandLine, proplist.SZ("/bin/true"))); err != nil {
		t.Errorf("Validate good: %v", err)
	}
}

func TestBadProperties(t *testing.T) {
	cl := proplist.SZ("/bin/true")
	tests := []struct {
		name  string
		props proplist.List
		want  string // the error names it
	}{
		{"no CommandLine", props(PropStopTimeoutMs, proplist.DWORD(1)), PropCommandLine},
		{"CommandLine dword", props(PropCommandLine, proplist.DWORD(1)), PropCommandLine},
		{"CommandLine empty", props(PropCommandLine, proplist.SZ("  ")), PropCommandLine},
		{"CommandLine pipe", props(PropCommandLine, proplist.SZ("a | b")), PropCommandLine},
		{"CommandLine quote", props(PropCommandLine, proplist.SZ("a 'b")), PropCommandLine},
		{"no value", proplist.List{{Name: PropCommandLine}}, PropCommandLine},
		{"unknown", props(PropCommandLine, cl, "Commandline", proplist.SZ("x")), "Commandline"},
		{"relative dir", props(PropCommandLine, cl, PropCurrentDirectory, proplist.SZ("tmp")), PropCurrentDirectory},
		{"env sz", props(PropCommandLine, cl, PropEnvironment, proplist.SZ("A=1")), PropEnvironment},
		{"env no =", props(PropCommandLine, cl, PropEnvironment, proplist.MultiSZ("A=1", "B")), PropEnvironment},
		{"env empty name", props(PropCommandLine, cl, PropEnvironment, proplist.MultiSZ("=1")), PropEnvironment},
		{"signal", props(PropCommandLine, cl, PropStopSignal, proplist.SZ("SIGFOO")), PropStopSignal},
		{"signal 0", props(PropCommandLine, cl, PropStopSignal, proplist.SZ("0")), PropStopSignal},
		{"timeout sz", props(PropCommandLine, cl, PropStopTimeoutMs, proplist.SZ("5")), PropStopTimeoutMs},
		{"port 0", props(PropCommandLine, cl, PropReadyPort, proplist.DWORD(0)), PropReadyPort},
		{"port 70000", props(PropCommandLine, cl, PropReadyPort, proplist.DWORD(70000)), PropReadyPort},
		{"ready shell", props(PropCommandLine, cl, PropReadyCommand, proplist.SZ("curl x && y")), PropReadyCommand},
		{"check empty", props(PropCommandLine, cl, PropCheckCommand, proplist.SZ("")), PropCheckCommand},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Type().Validate(tc.props)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Validate = %v, want an error naming %s", err, tc.want)
			}
			if _, err := New(restype.Config{Name: "x", StateDir: t.TempDir(), Properties: tc.props}); err == nil {
				t.Error("New accepted it")
			}
			f := newFixture(t)
			r := f.new(t, props(PropCommandLine, cl, PropStopTimeoutMs, proplist.DWORD(7)))
			if err := r.Reconfigure(tc.props); err == nil {
				t.Error("Reconfigure accepted it")
			}
			if r.s.stopTimeout != 7*time.Millisecond {
				t.Error("rejected Reconfigure changed the settings")
			}
		})
	}
}

func TestSignals(t *testing.T) {
	for in, want := range map[string]syscall.Signal{
		"SIGTERM": syscall.SIGTERM, "term": syscall.SIGTERM, "SIGINT": syscall.SIGINT,
		"HUP": syscall.SIGHUP, "9": syscall.SIGKILL, " sigusr1 ": syscall.SIGUSR1,
	} {
		got, err := parseSignal(in)
		if err != nil || got != want {
			t.Errorf("parseSignal(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if n := signalName(syscall.SIGTERM); n != "SIGTERM" {
		t.Errorf("signalName = %q", n)
	}
}

func TestOnlineOfflineGraceful(t *testing.T) {
	for _, action := range []uint32{0, 1, 2} {
		t.Run(strconv.Itoa(int(action)), func(t *testing.T) {
			f := newFixture(t)
			r := f.app(t, "")
			if err := r.LooksAlive(context.Background()); !errors.Is(err, ErrNotOnline) {
				t.Errorf("LooksAlive before online = %v, want ErrNotOnline", err)
			}
			pid := onlineReady(t, r)
			if !exists(pid) {
				t.Fatalf("/proc/%d missing after Online", pid)
			}
			if err := r.IsAlive(context.Background()); err != nil {
				t.Errorf("IsAlive: %v", err)
			}
			// Its own session and process group.
			if sid, _ := syscall.Getpgid(pid); sid != pid {
				t.Errorf("process group of %d is %d", pid, sid)
			}
			st := r.Status()
			if at, _ := st.String(StatusStartedAt); at == "" {
				t.Error("no StartedAt")
			} else if _, err := time.Parse(time.RFC3339, at); err != nil {
				t.Errorf("StartedAt %q: %v", at, err)
			}
			if lf, _ := st.String(StatusLogFile); lf != filepath.Join(f.state, LogFile) {
				t.Errorf("LogFile = %q", lf)
			}
			if _, err := os.Stat(filepath.Join(f.state, PIDFile)); err != nil {
				t.Errorf("pid file: %v", err)
			}
			if err := r.Offline(context.Background(), offline(action)); err != nil {
				t.Fatalf("Offline: %v", err)
			}
			gone(t, pid)
			if m := readFile(t, f.marker); m != "graceful\n" {
				t.Errorf("marker = %q, want graceful (the process got SIGTERM)", m)
			}
			if c, ok := r.Status().DWORD(StatusExitCode); !ok || c != 0 {
				t.Errorf("ExitCode = %d,%v; want 0", c, ok)
			}
			if _, ok := r.Status().Get(StatusPid); ok {
				t.Error("Pid reported after Offline")
			}
			if _, err := os.Stat(filepath.Join(f.state, PIDFile)); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("pid file after Offline: %v", err)
			}
			if err := r.LooksAlive(context.Background()); !errors.Is(err, ErrNotOnline) {
				t.Errorf("LooksAlive after Offline = %v, want ErrNotOnline", err)
			}
		})
	}
}

func TestOfflineImmediateKill(t *testing.T) {
	f := newFixture(t)
	r := f.app(t, "", PropStopTimeoutMs, proplist.DWORD(60000))
	pid := online(t, r)
	start := time.Now()
	if err := r.Offline(context.Background(), offline(ActionKill)); err != nil {
		t.Fatalf("Offline: %v", err)
	}
	gone(t, pid)
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("kill took %v", el)
	}
	if m := readFile(t, f.marker); m != "" {
		t.Errorf("marker = %q, want none (SIGKILL, no graceful exit)", m)
	}
	if c, _ := r.Status().DWORD(StatusExitCode); c != 128+9 {
		t.Errorf("ExitCode = %d, want 137", c)
	}
	if !strings.Contains(readFile(t, filepath.Join(f.state, LogFile)), "SIGKILL") {
		t.Error("output log does not record the kill")
	}
}

func TestOfflineBadAction(t *testing.T) {
	for _, params := range []proplist.List{
		props(TypeName, proplist.DWORD(4)),
		props(TypeName, proplist.SZ("3")),
		{{Name: TypeName}},
	} {
		f := newFixture(t)
		r := f.app(t, "")
		pid := onlineReady(t, r)
		if err := r.Offline(context.Background(), restype.OfflineRequest{Params: params}); err == nil {
			t.Errorf("Offline(%v) accepted", params)
		}
		if !exists(pid) || r.LooksAlive(context.Background()) != nil {
			t.Errorf("a rejected offline stopped the process")
		}
	}
	// Other types' values are not ours.
	f := newFixture(t)
	r := f.app(t, "")
	pid := onlineReady(t, r)
	if err := r.Offline(context.Background(), restype.OfflineRequest{Params: props("dummy", proplist.DWORD(9))}); err != nil {
		t.Fatal(err)
	}
	gone(t, pid)
	if readFile(t, f.marker) != "graceful\n" {
		t.Error("default action is not graceful")
	}
}

func TestStopTimeoutEscalates(t *testing.T) {
	f := newFixture(t)
	r := f.app(t, stubbornScript, PropStopTimeoutMs, proplist.DWORD(300))
	pid := onlineReady(t, r)
	// The sleep child of the script is in the group too.
	var sleepPid int
	waitFor(t, "the script's sleep", func() bool {
		sleepPid = childOf(t, pid)
		return sleepPid != 0
	})
	start := time.Now()
	if err := r.Offline(context.Background(), offline(0)); err != nil {
		t.Fatalf("Offline: %v", err)
	}
	el := time.Since(start)
	if el < 300*time.Millisecond {
		t.Errorf("Offline took %v; the stop timeout is 300ms", el)
	}
	if el > 5*time.Second {
		t.Errorf("Offline took %v", el)
	}
	gone(t, pid)
	ended(t, sleepPid)
	if c, _ := r.Status().DWORD(StatusExitCode); c != 137 {
		t.Errorf("ExitCode = %d, want 137 (SIGKILL)", c)
	}
	if log := readFile(t, filepath.Join(f.state, LogFile)); !strings.Contains(log, "still running after 300ms") {
		t.Errorf("output log does not record the escalation:\n%s", log)
	}
}

// childOf returns a child of pid, or 0.
func childOf(t *testing.T, pid int) int {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	c, _ := strconv.Atoi(f[0])
	return c
}

func TestStopSignal(t *testing.T) {
	f := newFixture(t)
	body := `trap 'echo usr1 > "$MARKER"; exit 0' USR1
trap 'echo term > "$MARKER"; exit 0' TERM
echo "ready $$"
sleep 1000 &
wait
`
	r := f.app(t, body, PropStopSignal, proplist.SZ("SIGUSR1"))
	pid := onlineReady(t, r)
	if err := r.Offline(context.Background(), offline()); err != nil {
		t.Fatal(err)
	}
	gone(t, pid)
	if m := readFile(t, f.marker); m != "usr1\n" {
		t.Errorf("marker = %q, want usr1", m)
	}
}

func TestOutputLog(t *testing.T) {
	f := newFixture(t)
	r := f.app(t, "")
	logPath := filepath.Join(f.state, LogFile)
	for i := range 2 {
		pid := onlineReady(t, r)
		waitFor(t, "output", func() bool {
			return strings.Count(readFile(t, logPath), "to stderr") == i+1
		})
		if log := readFile(t, logPath); !strings.Contains(log, fmt.Sprintf("ready %d", pid)) {
			t.Errorf("stdout of %d not in the log:\n%s", pid, log)
		}
		if err := r.Offline(context.Background(), offline()); err != nil {
			t.Fatal(err)
		}
		gone(t, pid)
	}
	log := readFile(t, logPath)
	if n := strings.Count(log, "--- baton"); n < 4 {
		t.Errorf("log has %d baton lines, want start and exit for both runs:\n%s", n, log)
	}
}

func TestEnvironmentAndDirectory(t *testing.T) {
	f := newFixture(t)
	work := t.TempDir()
	out := filepath.Join(f.dir, "out")
	body := fmt.Sprintf(`echo "$GREETING|$(pwd)|$HOME" > %s
sleep 1000 &
wait
`, out)
	path := script(t, f.dir, "env.sh", body)
	r := f.new(t, props(
		PropCommandLine, proplist.SZ(path),
		PropCurrentDirectory, proplist.SZ(work),
		PropEnvironment, proplist.MultiSZ("GREETING=hello world", "HOME=/nowhere"),
	))
	online(t, r)
	want := "hello world|" + work + "|/nowhere\n"
	waitFor(t, "the script's output", func() bool { return readFile(t, out) == want })

	// Default directory: the state directory.
	f2 := newFixture(t)
	path2 := script(t, f2.dir, "pwd.sh", "pwd > "+out+"2\nsleep 1000 & wait\n")
	online(t, f2.new(t, props(PropCommandLine, proplist.SZ(path2))))
	waitFor(t, "pwd", func() bool { return readFile(t, out+"2") == f2.state+"\n" })
}

func TestArgumentsAndPath(t *testing.T) {
	f := newFixture(t)
	out := filepath.Join(f.dir, "args")
	bin := filepath.Join(f.dir, "bin")
	if err := os.Mkdir(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	script(t, bin, "myapp", `for a in "$@"; do echo "[$a]"; done > "$OUT"; sleep 1000 & wait`)
	r := f.new(t, props(
		PropCommandLine, proplist.SZ(`myapp 'a b' "c \"d\"" e\ f '|;&'`),
		PropEnvironment, proplist.MultiSZ("PATH="+bin+":/usr/bin:/bin", "OUT="+out),
	))
	online(t, r)
	want := "[a b]\n[c \"d\"]\n[e f]\n[|;&]\n"
	waitFor(t, "arguments", func() bool { return readFile(t, out) == want })
}

func TestStartFails(t *testing.T) {
	f := newFixture(t)
	for _, cl := range []string{"/nonexistent/program", "no-such-program-anywhere"} {
		r := f.new(t, props(PropCommandLine, proplist.SZ(cl)))
		if err := r.Online(context.Background(), restype.OnlineRequest{}); err == nil {
			t.Errorf("Online of %q succeeded", cl)
		}
		if err := r.LooksAlive(context.Background()); !errors.Is(err, ErrNotOnline) {
			t.Errorf("LooksAlive = %v, want ErrNotOnline", err)
		}
	}
}

func TestReattachAfterRestart(t *testing.T) {
	f := newFixture(t)
	r1 := f.app(t, "")
	pid := onlineReady(t, r1)
	path := filepath.Join(f.dir, "app.sh")
	// (The script forks for its sleep: wait until that child has exec'd.)
	waitFor(t, "one process running "+path, func() bool { return count(t, path) == 1 })

	// The agent restarts: a new instance with the same state directory.
	r2 := f.new(t, r1.s2props(t))
	if got := statusPid(t, r2); got != pid {
		t.Fatalf("new instance reports Pid %d, want %d", got, pid)
	}
	if err := r2.LooksAlive(context.Background()); err != nil {
		t.Errorf("LooksAlive of the reattached process: %v", err)
	}
	if err := r2.Online(context.Background(), restype.OnlineRequest{}); err != nil {
		t.Fatalf("Online after restart: %v", err)
	}
	if got := statusPid(t, r2); got != pid {
		t.Errorf("Online started %d instead of reattaching to %d", got, pid)
	}
	waitFor(t, "one process after the second Online", func() bool { return count(t, path) == 1 })
	if err := r2.Offline(context.Background(), offline(0)); err != nil {
		t.Fatalf("Offline: %v", err)
	}
	gone(t, pid)
	if readFile(t, f.marker) != "graceful\n" {
		t.Error("reattached process was not stopped gracefully")
	}
	if err := r2.IsAlive(context.Background()); !errors.Is(err, ErrNotOnline) {
		t.Errorf("IsAlive after Offline = %v, want ErrNotOnline", err)
	}

	// And Online from the new instance starts a fresh one.
	if pid2 := onlineReady(t, r2); pid2 == pid {
		t.Errorf("fresh start reports the old pid %d", pid)
	}
	waitFor(t, "one process after a fresh start", func() bool { return count(t, path) == 1 })
}

// s2props returns the properties r was made from.
func (r *resource) s2props(t *testing.T) proplist.List {
	t.Helper()
	return props(PropCommandLine, proplist.SZ(r.s.commandLine), PropEnvironment, proplist.MultiSZ(r.s.env...))
}

func TestReattachIgnoresReusedPID(t *testing.T) {
	f := newFixture(t)
	if err := os.MkdirAll(f.state, 0o755); err != nil {
		t.Fatal(err)
	}
	// A pid file naming a live process (this test) with another start
	// time, as after a reboot that reused the PID.
	st, err := procstat.Read(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	p := &proc{pid: os.Getpid(), ticks: st.StartTicks + 1, startedAt: time.Now()}
	if err := writePIDFile(f.state, p, "x"); err != nil {
		t.Fatal(err)
	}
	r := f.app(t, "")
	if _, ok := r.Status().Get(StatusPid); ok {
		t.Fatal("reattached to a process with another start time")
	}
	pid := online(t, r)
	if pid == os.Getpid() {
		t.Fatal("Online took over the test process")
	}
	// A garbage pid file counts as none.
	if err := os.WriteFile(filepath.Join(f.state, PIDFile), []byte("garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	if r2 := f.app(t, ""); r2.p != nil {
		t.Error("reattached through a garbage pid file")
	}
}

func TestHealthFailsWhenProcessDies(t *testing.T) {
	t.Run("killed", func(t *testing.T) {
		f := newFixture(t)
		r := f.app(t, "")
		pid := online(t, r)
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "LooksAlive to fail", func() bool { return r.LooksAlive(context.Background()) != nil })
		err := r.IsAlive(context.Background())
		if !errors.Is(err, ErrNotRunning) || !strings.Contains(err.Error(), "code 137") {
			t.Errorf("IsAlive = %v, want ErrNotRunning with code 137", err)
		}
		gone(t, pid) // reaped: no zombie
		if c, _ := r.Status().DWORD(StatusExitCode); c != 137 {
			t.Errorf("ExitCode = %d", c)
		}
		// The host's restart: Terminate, then Online starts a new one.
		if err := r.Terminate(context.Background()); err != nil {
			t.Fatal(err)
		}
		if pid2 := online(t, r); pid2 == pid {
			t.Error("restart reused the dead process")
		}
	})
	t.Run("exits", func(t *testing.T) {
		f := newFixture(t)
		var changed atomic.Int32
		path := script(t, f.dir, "short.sh", "sleep 0.3\necho bye\nexit 3\n")
		r0, err := New(restype.Config{Name: "s", StateDir: f.state, Properties: props(PropCommandLine, proplist.SZ(path)),
			Changed: func() { changed.Add(1) }})
		if err != nil {
			t.Fatal(err)
		}
		r := r0.(*resource)
		pid := online(t, r)
		n := changed.Load()
		// The exit is reported through Changed.
		waitFor(t, "Changed after the exit", func() bool { return changed.Load() > n })
		err = r.LooksAlive(context.Background())
		if !errors.Is(err, ErrNotRunning) || !strings.Contains(err.Error(), "code 3") || !strings.Contains(err.Error(), "bye") {
			t.Errorf("LooksAlive = %v, want ErrNotRunning with code 3 and the last output", err)
		}
		if c, ok := r.Status().DWORD(StatusExitCode); !ok || c != 3 {
			t.Errorf("ExitCode = %d,%v; want 3", c, ok)
		}
		gone(t, pid)
	})
	t.Run("reattached", func(t *testing.T) {
		f := newFixture(t)
		r1 := f.app(t, "")
		pid := online(t, r1)
		r2 := f.new(t, r1.s2props(t))
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the reattached process's health to fail", func() bool {
			return errors.Is(r2.LooksAlive(context.Background()), ErrNotRunning)
		})
	})
}

func TestTerminate(t *testing.T) {
	f := newFixture(t)
	r := f.app(t, stubbornScript)
	pid := onlineReady(t, r)
	var child int
	waitFor(t, "child", func() bool { child = childOf(t, pid); return child != 0 })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.Terminate(ctx); err != nil {
		t.Fatal(err)
	}
	gone(t, pid)
	ended(t, child)
	if err := r.Terminate(ctx); err != nil {
		t.Errorf("second Terminate: %v", err)
	}
	if err := r.Offline(ctx, offline()); err != nil {
		t.Errorf("Offline of a stopped resource: %v", err)
	}
}

func TestReadyPort(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t)
	r := f.new(t, props(
		PropCommandLine, proplist.SZ(exe),
		PropEnvironment, proplist.MultiSZ(fmt.Sprintf("%s=listen %d 400ms", helperEnv, port)),
		PropReadyPort, proplist.DWORD(uint32(port)),
	))
	start := time.Now()
	online(t, r)
	if el := time.Since(start); el < 400*time.Millisecond {
		t.Errorf("Online returned after %v, before the port was listening", el)
	}
	c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatalf("port not accepting after Online: %v", err)
	}
	c.Close()
}

func TestReadyCommand(t *testing.T) {
	f := newFixture(t)
	ready := filepath.Join(f.dir, "ready")
	body := fmt.Sprintf("sleep 0.4\ntouch %s\nsleep 1000 &\nwait\n", ready)
	r := f.app(t, body, PropReadyCommand, proplist.SZ("test -f "+ready))
	start := time.Now()
	online(t, r)
	if el := time.Since(start); el < 400*time.Millisecond {
		t.Errorf("Online returned after %v, before ReadyCommand could succeed", el)
	}
	if _, err := os.Stat(ready); err != nil {
		t.Error("Online returned before the process was ready")
	}
}

func TestNeverReady(t *testing.T) {
	f := newFixture(t)
	r := f.app(t, "", PropReadyCommand, proplist.SZ("/bin/false"))
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	err := r.Online(ctx, restype.OnlineRequest{})
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), PropReadyCommand) {
		t.Fatalf("Online = %v, want DeadlineExceeded naming %s", err, PropReadyCommand)
	}
	// The process is left for the Terminate that follows a pending
	// timeout.
	pid := statusPid(t, r)
	killAtEnd(t, r, pid)
	if err := r.Terminate(context.Background()); err != nil {
		t.Fatal(err)
	}
	gone(t, pid)
}

func TestReadyFails(t *testing.T) {
	t.Run("process exits", func(t *testing.T) {
		f := newFixture(t)
		path := script(t, f.dir, "crash.sh", "echo 'bad config' >&2\nexit 2\n")
		r := f.new(t, props(PropCommandLine, proplist.SZ(path), PropReadyCommand, proplist.SZ("/bin/false")))
		err := r.Online(context.Background(), restype.OnlineRequest{})
		if !errors.Is(err, ErrNotRunning) || !strings.Contains(err.Error(), "bad config") {
			t.Fatalf("Online = %v, want ErrNotRunning with the output", err)
		}
	})
	t.Run("ready command missing", func(t *testing.T) {
		f := newFixture(t)
		r := f.app(t, "", PropReadyCommand, proplist.SZ("/nonexistent/ready"))
		err := r.Online(context.Background(), restype.OnlineRequest{})
		if err == nil || !strings.Contains(err.Error(), PropReadyCommand) {
			t.Fatalf("Online = %v, want an error naming %s", err, PropReadyCommand)
		}
		// The process it started is killed, not left behind.
		path := filepath.Join(f.dir, "app.sh")
		waitFor(t, "the process to be killed", func() bool { return count(t, path) == 0 })
	})
}

func TestCheckCommand(t *testing.T) {
	f := newFixture(t)
	ok := filepath.Join(f.dir, "ok")
	r := f.app(t, "", PropCheckCommand, proplist.SZ("test -f "+ok))
	online(t, r)
	ctx := context.Background()
	if err := r.LooksAlive(ctx); err != nil {
		t.Errorf("LooksAlive (does not run the check): %v", err)
	}
	if err := r.IsAlive(ctx); !errors.Is(err, ErrCheckFailed) {
		t.Errorf("IsAlive without %s = %v, want ErrCheckFailed", ok, err)
	}
	if err := os.WriteFile(ok, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := r.IsAlive(ctx); err != nil {
		t.Errorf("IsAlive with %s: %v", ok, err)
	}
	// Reconfigure applies to the next check.
	if err := r.Reconfigure(props(PropCommandLine, proplist.SZ(r.s.commandLine), PropCheckCommand, proplist.SZ("/bin/false"))); err != nil {
		t.Fatal(err)
	}
	if err := r.IsAlive(ctx); !errors.Is(err, ErrCheckFailed) {
		t.Errorf("IsAlive after Reconfigure = %v, want ErrCheckFailed", err)
	}
}

// TestConcurrent runs health checks and status reads while the resource
// goes on and offline; run with -race.
func TestConcurrent(t *testing.T) {
	f := newFixture(t)
	r := f.app(t, "", PropStopTimeoutMs, proplist.DWORD(2000))
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 3 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				_ = r.LooksAlive(context.Background())
				_ = r.Status()
			}
		})
	}
	for i := range 5 {
		pid := onlineReady(t, r)
		if err := r.Offline(context.Background(), offline(uint32(i%4))); err != nil {
			t.Fatal(err)
		}
		gone(t, pid)
	}
	close(stop)
	wg.Wait()
}
