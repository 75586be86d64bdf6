package ocf

import (
	"bytes"
	"context"
	"errors"
	"fmt"
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
)

func props(kv ...any) proplist.List {
	var l proplist.List
	for i := 0; i < len(kv); i += 2 {
		l = l.Set(kv[i].(string), kv[i+1].(proplist.Value))
	}
	return l
}

func newRes(t *testing.T, name, stateDir string, l proplist.List) *resource {
	t.Helper()
	r, err := New(restype.Config{Name: name, StateDir: stateDir, Properties: l})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return r.(*resource)
}

func offline(action ...uint32) restype.OfflineRequest {
	var req restype.OfflineRequest
	if len(action) > 0 {
		req.Params = props(TypeName, proplist.DWORD(action[0]))
	}
	return req
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// status returns the status property name as text.
func status(r *resource, name string) string {
	p, ok := r.Status().Get(name)
	if !ok || len(p.Values) == 0 {
		return ""
	}
	return p.Values[0].Text()
}

// checkLast checks the status properties of the last action.
func checkLast(t *testing.T, r *resource, action string, code int, result, recovery string) {
	t.Helper()
	got := fmt.Sprintf("%s %s %s %s", status(r, StatusLastAction), status(r, StatusLastExitCode), status(r, StatusLastResult), status(r, StatusLastRecovery))
	want := fmt.Sprintf("%s %d %s %s", action, code, result, recovery)
	if got != want {
		t.Errorf("last action status = %q, want %q", got, want)
	}
}

func TestType(t *testing.T) {
	ty := Type()
	if ty.Name != "OCF" || ty.OfflineParameter != "OCF" {
		t.Errorf("Name, OfflineParameter = %q, %q", ty.Name, ty.OfflineParameter)
	}
	if ty.New == nil || ty.Validate == nil || len(ty.Properties) == 0 {
		t.Error("incomplete type")
	}
	if err := restype.NewRegistry().Register(ty); err != nil {
		t.Error(err)
	}
}

func TestCodes(t *testing.T) {
	tests := []struct {
		code     Code
		name     string
		recovery Recovery
	}{
		{0, "OCF_SUCCESS", RecoverySoft},
		{1, "OCF_ERR_GENERIC", RecoverySoft},
		{2, "OCF_ERR_ARGS", RecoveryHard},
		{3, "OCF_ERR_UNIMPLEMENTED", RecoveryHard},
		{4, "OCF_ERR_PERM", RecoveryHard},
		{5, "OCF_ERR_INSTALLED", RecoveryHard},
		{6, "OCF_ERR_CONFIGURED", RecoveryFatal},
		{7, "OCF_NOT_RUNNING", RecoverySoft},
		{8, "OCF_RUNNING_PROMOTED", RecoverySoft},
		{9, "OCF_FAILED_PROMOTED", RecoverySoft},
		{42, "exit code 42", RecoverySoft},
		{137, "killed by signal 9", RecoverySoft},
	}
	for _, tc := range tests {
		if tc.code.String() != tc.name || tc.code.Recovery() != tc.recovery {
			t.Errorf("code %d = %s %s, want %s %s", tc.code, tc.code, tc.code.Recovery(), tc.name, tc.recovery)
		}
	}
	for _, tc := range []struct {
		code    Code
		matches []error
		not     []error
	}{
		{7, []error{ErrNotRunning, ErrSoft}, []error{ErrHard, ErrFatal}},
		{1, []error{ErrSoft}, []error{ErrNotRunning, ErrHard}},
		{5, []error{ErrHard}, []error{ErrSoft, ErrFatal}},
		{6, []error{ErrFatal}, []error{ErrSoft, ErrHard}},
	} {
		var err error = &ExitError{Agent: "p/a", Action: "monitor", Code: tc.code}
		err = fmt.Errorf("wrapped: %w", err)
		for _, m := range tc.matches {
			if !errors.Is(err, m) {
				t.Errorf("exit %d does not match %v", tc.code, m)
			}
		}
		for _, m := range tc.not {
			if errors.Is(err, m) {
				t.Errorf("exit %d matches %v", tc.code, m)
			}
		}
	}
	e := &ExitError{Agent: "heartbeat/Dummy", Action: "start", Code: 6, Reason: "bad config"}
	if got := e.Error(); got != "ocf: heartbeat/Dummy start: exit 6 OCF_ERR_CONFIGURED (fatal): bad config" {
		t.Errorf("Error() = %q", got)
	}
}

func TestInstanceName(t *testing.T) {
	for in, want := range map[string]string{"web": "web", "my web/1": "my_web_1", "a.b-c_d": "a.b-c_d", "$(x)": "__x_"} {
		if got := instanceName(in); got != want {
			t.Errorf("instanceName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestBadProperties(t *testing.T) {
	NeedAgents(t)
	tests := []struct {
		name  string
		props proplist.List
		want  string
	}{
		{"no agent", props("state", proplist.SZ("/x")), PropAgent},
		{"agent path", props(PropAgent, proplist.SZ("../heartbeat/Dummy")), PropAgent},
		{"provider path", props(PropAgent, proplist.SZ("Dummy"), PropProvider, proplist.SZ("a/b")), PropProvider},
		{"agent dword", props(PropAgent, proplist.DWORD(1)), PropAgent},
		{"param name", props(PropAgent, proplist.SZ("Dummy"), "fake-it", proplist.SZ("1")), "fake-it"},
		{"param digit", props(PropAgent, proplist.SZ("Dummy"), "1fake", proplist.SZ("1")), "1fake"},
		{"meta name", props(PropAgent, proplist.SZ("Dummy"), "CRM_meta_timeout", proplist.SZ("1")), "CRM_meta_"},
		{"multi_sz", props(PropAgent, proplist.SZ("Dummy"), "fake", proplist.MultiSZ("a", "b")), "fake"},
		{"no value", proplist.List{{Name: PropAgent}}, PropAgent},
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
		})
	}
}

// TestValidateAgainstMetaData uses the real agents' meta-data.
func TestValidateAgainstMetaData(t *testing.T) {
	NeedAgents(t)
	good := []proplist.List{
		props(PropAgent, proplist.SZ("Dummy")),
		props(PropAgent, proplist.SZ("Dummy"), PropProvider, proplist.SZ("heartbeat"), "state", proplist.SZ("/tmp/x"), "fake", proplist.DWORD(7)),
		props(PropAgent, proplist.SZ("anything"), "binfile", proplist.SZ("/bin/sleep"), "cmdline_options", proplist.SZ("10")),
	}
	for _, l := range good {
		if err := Type().Validate(l); err != nil {
			t.Errorf("Validate(%v) = %v", l, err)
		}
	}
	bad := []struct {
		props proplist.List
		want  string
	}{
		{props(PropAgent, proplist.SZ("Dummy"), "bogus", proplist.SZ("1")), `no parameter "bogus"`},
		{props(PropAgent, proplist.SZ("Dummy"), "State", proplist.SZ("/x")), `no parameter "State"`},
		{props(PropAgent, proplist.SZ("anything"), "cmdline_options", proplist.SZ("10")), "requires parameter binfile"},
		{props(PropAgent, proplist.SZ("NoSuchAgent")), "not installed"},
		{props(PropAgent, proplist.SZ("Dummy"), PropProvider, proplist.SZ("nobody")), "not installed"},
	}
	for _, tc := range bad {
		err := Type().Validate(tc.props)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Validate(%v) = %v, want an error with %q", tc.props, err, tc.want)
		}
	}
}

// TestDummy runs heartbeat/Dummy: its state file appears with Online and
// disappears with Offline; monitor says 7 after an external stop.
func TestDummy(t *testing.T) {
	NeedAgents(t)
	state := t.TempDir()
	r := newRes(t, "d1", state, props(PropAgent, proplist.SZ("Dummy")))
	stateFile := filepath.Join(state, RscTmpDir, "Dummy-d1.state")
	ctx := context.Background()

	// Before the online, monitor says not running.
	err := r.LooksAlive(ctx)
	if !errors.Is(err, ErrNotRunning) || !errors.Is(err, ErrSoft) {
		t.Fatalf("LooksAlive before Online = %v, want ErrNotRunning", err)
	}
	checkLast(t, r, "monitor", 7, "OCF_NOT_RUNNING", "soft")
	if a := status(r, StatusAgent); a != "heartbeat/Dummy" {
		t.Errorf("Agent = %q", a)
	}

	if err := r.Online(ctx, restype.OnlineRequest{}); err != nil {
		t.Fatalf("Online: %v", err)
	}
	if !exists(stateFile) {
		t.Fatalf("state file %s missing after Online", stateFile)
	}
	checkLast(t, r, "monitor", 0, "OCF_SUCCESS", "none")
	if err := r.LooksAlive(ctx); err != nil {
		t.Errorf("LooksAlive: %v", err)
	}
	if err := r.IsAlive(ctx); err != nil {
		t.Errorf("IsAlive: %v", err)
	}

	if err := r.Offline(ctx, offline(0)); err != nil {
		t.Fatalf("Offline: %v", err)
	}
	if exists(stateFile) {
		t.Error("state file still there after Offline")
	}
	checkLast(t, r, "stop", 0, "OCF_SUCCESS", "none")
	if err := r.IsAlive(ctx); !errors.Is(err, ErrNotRunning) {
		t.Errorf("IsAlive after Offline = %v, want ErrNotRunning", err)
	}
	// Stop is idempotent.
	if err := r.Offline(ctx, offline()); err != nil {
		t.Errorf("second Offline: %v", err)
	}

	// External stop: the state file goes away behind the cluster's back.
	if err := r.Online(ctx, restype.OnlineRequest{}); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(stateFile); err != nil {
		t.Fatal(err)
	}
	err = r.IsAlive(ctx)
	var exit *ExitError
	if !errors.As(err, &exit) || exit.Code != CodeNotRunning || exit.Action != "monitor" {
		t.Fatalf("IsAlive after external stop = %v, want exit 7 from monitor", err)
	}
	if !strings.Contains(err.Error(), "No process state file found") {
		t.Errorf("error %q lacks the agent's exit reason", err)
	}
	checkLast(t, r, "monitor", 7, "OCF_NOT_RUNNING", "soft")
	if reason := status(r, StatusLastExitReason); reason != "No process state file found" {
		t.Errorf("LastExitReason = %q", reason)
	}
	// The restart the host does after a failed health check.
	if err := r.Terminate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := r.Online(ctx, restype.OnlineRequest{}); err != nil || !exists(stateFile) {
		t.Fatalf("Online after external stop: %v, state file %v", err, exists(stateFile))
	}
	if err := r.Offline(ctx, offline(3)); err != nil || exists(stateFile) {
		t.Errorf("Offline 3: %v, state file %v", err, exists(stateFile))
	}
}

// TestDummyStateParameter passes a parameter through to the agent.
func TestDummyStateParameter(t *testing.T) {
	NeedAgents(t)
	stateFile := filepath.Join(t.TempDir(), "my.state")
	r := newRes(t, "d2", t.TempDir(), props(PropAgent, proplist.SZ("Dummy"), "state", proplist.SZ(stateFile)))
	ctx := context.Background()
	if err := r.Online(ctx, restype.OnlineRequest{}); err != nil {
		t.Fatal(err)
	}
	if !exists(stateFile) {
		t.Fatal("the state parameter was not used")
	}
	// New properties apply from the next start: the running resource is
	// still stopped through its old state file.
	other := filepath.Join(t.TempDir(), "other.state")
	if err := r.Reconfigure(props(PropAgent, proplist.SZ("Dummy"), "state", proplist.SZ(other))); err != nil {
		t.Fatal(err)
	}
	if err := r.LooksAlive(ctx); err != nil {
		t.Errorf("LooksAlive after Reconfigure: %v", err)
	}
	if err := r.Offline(ctx, offline()); err != nil || exists(stateFile) {
		t.Fatalf("Offline: %v, old state file %v", err, exists(stateFile))
	}
	if err := r.Online(ctx, restype.OnlineRequest{}); err != nil || !exists(other) {
		t.Fatalf("Online with new state: %v, %v", err, exists(other))
	}
	if err := r.Offline(ctx, offline()); err != nil {
		t.Fatal(err)
	}
	if err := r.Reconfigure(props(PropAgent, proplist.DWORD(1))); err == nil {
		t.Error("Reconfigure accepted a bad Agent")
	}
}

// TestRscTmpPerResource: two resources with the same name (two clusters
// on one node) do not share state files, and a reboot empties HA_RSCTMP.
func TestRscTmpPerResource(t *testing.T) {
	NeedAgents(t)
	s1, s2 := t.TempDir(), t.TempDir()
	r1 := newRes(t, "same", s1, props(PropAgent, proplist.SZ("Dummy")))
	r2 := newRes(t, "same", s2, props(PropAgent, proplist.SZ("Dummy")))
	ctx := context.Background()
	if err := r1.Online(ctx, restype.OnlineRequest{}); err != nil {
		t.Fatal(err)
	}
	if err := r2.LooksAlive(ctx); !errors.Is(err, ErrNotRunning) {
		t.Errorf("r2 sees r1's state: %v", err)
	}
	// A reboot: another boot ID was recorded.
	if err := os.WriteFile(filepath.Join(s1, "boot_id"), []byte("old boot\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r1b := newRes(t, "same", s1, props(PropAgent, proplist.SZ("Dummy")))
	if err := r1b.LooksAlive(ctx); !errors.Is(err, ErrNotRunning) {
		t.Errorf("state survived a reboot: %v", err)
	}
	// Without a reboot the state stays (agent restart).
	if err := r1b.Online(ctx, restype.OnlineRequest{}); err != nil {
		t.Fatal(err)
	}
	r1c := newRes(t, "same", s1, props(PropAgent, proplist.SZ("Dummy")))
	if err := r1c.LooksAlive(ctx); err != nil {
		t.Errorf("state lost over an agent restart: %v", err)
	}
}

// procsWith counts live processes whose command line contains s.
func procsWith(t *testing.T, s string) []int {
	t.Helper()
	ents, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var out []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		st, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		if i := bytes.LastIndexByte(st, ')'); i > 0 && i+2 < len(st) && st[i+2] == 'Z' {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && bytes.Contains(b, []byte(s)) {
			out = append(out, pid)
		}
	}
	return out
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// sleepArg is an argument for /bin/sleep that no other process has.
func sleepArg(t *testing.T) string {
	return fmt.Sprintf("%d.%d", 100000+os.Getpid()%10000, time.Now().UnixNano()%1000000)
}

// killAtEnd kills every process with s in its command line when the
// test ends.
func killAtEnd(t *testing.T, s string) {
	t.Cleanup(func() {
		for _, pid := range procsWith(t, s) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	})
}

// TestAnything runs heartbeat/anything: the binary it starts appears and
// disappears.
func TestAnything(t *testing.T) {
	NeedAgents(t)
	arg := sleepArg(t)
	killAtEnd(t, arg)
	dir := t.TempDir()
	pidfile := filepath.Join(dir, "sleep.pid")
	r := newRes(t, "anything1", t.TempDir(), props(
		PropAgent, proplist.SZ("anything"),
		"binfile", proplist.SZ("/bin/sleep"),
		"cmdline_options", proplist.SZ(arg),
		"pidfile", proplist.SZ(pidfile),
	))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := r.Online(ctx, restype.OnlineRequest{}); err != nil {
		t.Fatalf("Online: %v", err)
	}
	pids := procsWith(t, arg)
	if len(pids) != 1 {
		t.Fatalf("%d processes run sleep %s after Online, want 1", len(pids), arg)
	}
	b, _ := os.ReadFile(pidfile)
	if strings.TrimSpace(string(b)) != strconv.Itoa(pids[0]) {
		t.Errorf("pid file says %q, the process is %d", b, pids[0])
	}
	if err := r.IsAlive(ctx); err != nil {
		t.Errorf("IsAlive: %v", err)
	}
	if err := r.Offline(ctx, offline(0)); err != nil {
		t.Fatalf("Offline: %v", err)
	}
	waitFor(t, "the process to end", func() bool { return len(procsWith(t, arg)) == 0 })
	if exists(pidfile) {
		t.Error("pid file left after Offline")
	}
	if err := r.LooksAlive(ctx); !errors.Is(err, ErrNotRunning) {
		t.Errorf("LooksAlive after Offline = %v, want ErrNotRunning", err)
	}

	// The process dies by itself: anything's monitor says 1 (a pid file
	// without its process), a soft failure.
	if err := r.Online(ctx, restype.OnlineRequest{}); err != nil {
		t.Fatal(err)
	}
	pids = procsWith(t, arg)
	if len(pids) != 1 {
		t.Fatalf("%d processes after the second Online", len(pids))
	}
	if err := syscall.Kill(pids[0], syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// Gone entirely: anything's monitor (kill -0) still sees a zombie,
	// and reaping an orphan is PID 1's business.
	waitFor(t, "the process to be reaped", func() bool { return !exists("/proc/" + strconv.Itoa(pids[0])) })
	err := r.IsAlive(ctx)
	var exit *ExitError
	if !errors.As(err, &exit) || exit.Code != CodeErrGeneric || !errors.Is(err, ErrSoft) || errors.Is(err, ErrNotRunning) {
		t.Errorf("IsAlive after the process died = %v, want exit 1 (soft)", err)
	}
	checkLast(t, r, "monitor", 1, "OCF_ERR_GENERIC", "soft")
	if err := r.Offline(ctx, offline(3)); err != nil {
		t.Errorf("Offline after the death: %v", err)
	}
}

// TestAnythingValidateFails: validate-all runs before start and its
// OCF_ERR_INSTALLED stops the online with a hard failure.
func TestAnythingValidateFails(t *testing.T) {
	NeedAgents(t)
	r := newRes(t, "anything2", t.TempDir(), props(
		PropAgent, proplist.SZ("anything"),
		"binfile", proplist.SZ("/nonexistent/binary"),
	))
	err := r.Online(context.Background(), restype.OnlineRequest{})
	var exit *ExitError
	if !errors.As(err, &exit) || exit.Action != "validate-all" || exit.Code != CodeErrInstalled || !errors.Is(err, ErrHard) {
		t.Fatalf("Online = %v, want validate-all exit 5 (hard)", err)
	}
	checkLast(t, r, "validate-all", 5, "OCF_ERR_INSTALLED", "hard")
	if !strings.Contains(err.Error(), "(hard)") {
		t.Errorf("error %q does not name the class", err)
	}
}

// recorder makes a resource of the test agent, recording to a log file.
func recorder(t *testing.T, name string, more ...any) (*resource, string) {
	t.Helper()
	log := filepath.Join(t.TempDir(), "record")
	l := props(PropProvider, proplist.SZ(TestProvider), PropAgent, proplist.SZ("recorder"), "log", proplist.SZ(log))
	for i := 0; i < len(more); i += 2 {
		l = l.Set(more[i].(string), more[i+1].(proplist.Value))
	}
	if err := Type().Validate(l); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	return newRes(t, name, t.TempDir(), l), log
}

// records returns the recorded lines.
func records(t *testing.T, log string) []string {
	t.Helper()
	b, err := os.ReadFile(log)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

// field returns key=VALUE from a recorded line.
func field(line, key string) string {
	for _, f := range strings.Fields(line) {
		if v, ok := strings.CutPrefix(f, key+"="); ok {
			return v
		}
	}
	return "<missing>"
}

// TestEnvironment checks what the agent is given for each call.
func TestEnvironment(t *testing.T) {
	root := UseTestRoot(t)
	// The agent process's locale stays out (agentEnv).
	t.Setenv("LANG", "C.UTF-8")
	t.Setenv("LC_MESSAGES", "C.UTF-8")
	r, log := recorder(t, "rec web", "color", proplist.SZ("blue"))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := r.Online(ctx, restype.OnlineRequest{}); err != nil {
		t.Fatal(err)
	}
	if err := r.LooksAlive(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := r.IsAlive(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := r.Offline(ctx, offline(2)); err != nil {
		t.Fatal(err)
	}
	if err := r.Offline(ctx, offline()); err != nil {
		t.Fatal(err)
	}
	if err := r.Terminate(ctx); err != nil {
		t.Fatal(err)
	}
	lines := records(t, log)
	var actions []string
	for _, l := range lines {
		actions = append(actions, strings.Fields(l)[0])
	}
	if got := strings.Join(actions, " "); got != "validate-all start monitor monitor monitor stop stop stop" {
		t.Fatalf("actions = %s", got)
	}
	first := lines[0]
	for k, want := range map[string]string{
		"instance": "rec_web", "type": "recorder", "provider": TestProvider, "version": "1.0",
		"root": root, "rsctmp": filepath.Join(r.rscTmp), "color": "blue",
		"lc_all": "C", "lang": "unset", "lc_messages": "unset",
	} {
		if got := field(first, k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	// The deadline reaches the agent as OCF_RESKEY_CRM_meta_timeout.
	if ms, err := strconv.Atoi(field(first, "timeout")); err != nil || ms < 25000 || ms > 30000 {
		t.Errorf("timeout = %q, want about 30000 (ms)", field(first, "timeout"))
	}
	// Without a deadline: the agent's advertised timeout (monitor 20s).
	if got := field(lines[3], "timeout"); got != "20000" {
		t.Errorf("LooksAlive monitor timeout = %s, want 20000", got)
	}
	for i, want := range map[int]string{2: "0", 3: "0", 4: "10"} {
		if got := field(lines[i], "check_level"); got != want {
			t.Errorf("line %d OCF_CHECK_LEVEL = %s, want %s", i, got, want)
		}
	}
	if got := field(lines[4], "interval"); got != "60000" {
		t.Errorf("IsAlive interval = %s", got)
	}
	for i, want := range map[int]string{5: "2", 6: "unset", 7: "3"} {
		if got := field(lines[i], "offline_action"); got != want {
			t.Errorf("stop %d offline_action = %s, want %s", i, got, want)
		}
	}
	if got := field(lines[1], "offline_action"); got != "unset" {
		t.Errorf("start sees offline_action %s", got)
	}

	// A bad input buffer value is refused before the agent runs.
	n := len(records(t, log))
	if err := r.Offline(ctx, restype.OfflineRequest{Params: props(TypeName, proplist.SZ("3"))}); err == nil {
		t.Error("Offline accepted an sz")
	}
	if len(records(t, log)) != n {
		t.Error("the agent ran for a refused offline")
	}
}

// TestStartFailureClasses: the start exit code decides the class, the
// agent's exit reason is reported and a stop cleans up.
func TestStartFailureClasses(t *testing.T) {
	UseTestRoot(t)
	for _, tc := range []struct {
		rc       uint32
		recovery string
		is       error
	}{
		{1, "soft", ErrSoft},
		{2, "hard", ErrHard},
		{4, "hard", ErrHard},
		{5, "hard", ErrHard},
		{6, "fatal", ErrFatal},
		{7, "soft", ErrSoft},
	} {
		t.Run(strconv.Itoa(int(tc.rc)), func(t *testing.T) {
			r, log := recorder(t, "failing", "rc_start", proplist.DWORD(tc.rc))
			err := r.Online(context.Background(), restype.OnlineRequest{})
			var exit *ExitError
			if !errors.As(err, &exit) || exit.Action != "start" || int(exit.Code) != int(tc.rc) || !errors.Is(err, tc.is) {
				t.Fatalf("Online = %v, want start exit %d (%s)", err, tc.rc, tc.recovery)
			}
			if want := fmt.Sprintf("start told to fail with %d", tc.rc); exit.Reason != want || !strings.Contains(err.Error(), want) {
				t.Errorf("reason = %q in %q, want %q", exit.Reason, err, want)
			}
			checkLast(t, r, "start", int(tc.rc), Code(tc.rc).String(), tc.recovery)
			lines := records(t, log)
			if last := strings.Fields(lines[len(lines)-1])[0]; last != "stop" {
				t.Errorf("after a failed start the agent ran %s, want stop", last)
			}
		})
	}
	t.Run("validate", func(t *testing.T) {
		r, log := recorder(t, "invalid", "rc_validate", proplist.DWORD(6))
		err := r.Online(context.Background(), restype.OnlineRequest{})
		if !errors.Is(err, ErrFatal) {
			t.Fatalf("Online = %v, want a fatal failure", err)
		}
		if n := len(records(t, log)); n != 1 {
			t.Errorf("agent ran %d times; a failed validate-all must stop the online", n)
		}
	})
	t.Run("monitor after start", func(t *testing.T) {
		r, _ := recorder(t, "liar", "rc_monitor", proplist.DWORD(7))
		err := r.Online(context.Background(), restype.OnlineRequest{})
		if !errors.Is(err, ErrNotRunning) || !strings.Contains(err.Error(), "start succeeded") {
			t.Fatalf("Online = %v, want the monitor's not running", err)
		}
	})
	t.Run("degraded counts as running", func(t *testing.T) {
		r, _ := recorder(t, "degraded", "rc_monitor", proplist.DWORD(190))
		if err := r.Online(context.Background(), restype.OnlineRequest{}); err != nil {
			t.Fatal(err)
		}
		checkLast(t, r, "monitor", 190, "OCF_DEGRADED", "none")
	})
}

// TestTimeouts: an action that overruns is killed with its children.
func TestTimeouts(t *testing.T) {
	UseTestRoot(t)
	t.Run("ctx deadline", func(t *testing.T) {
		arg := sleepArg(t)
		killAtEnd(t, arg)
		r, _ := recorder(t, "slow", "sleep_start", proplist.SZ(arg))
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		start := time.Now()
		err := r.Online(ctx, restype.OnlineRequest{})
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Online = %v, want DeadlineExceeded", err)
		}
		if el := time.Since(start); el > 5*time.Second {
			t.Errorf("Online took %v", el)
		}
		waitFor(t, "the agent's sleep to be killed", func() bool { return len(procsWith(t, arg)) == 0 })
		if res := status(r, StatusLastResult); res != "cancelled" {
			t.Errorf("LastResult = %q", res)
		}
	})
	t.Run("advertised timeout", func(t *testing.T) {
		arg := sleepArg(t)
		killAtEnd(t, arg)
		r, _ := recorder(t, "slow2", "sleep_start", proplist.SZ(arg))
		start := time.Now()
		// No deadline: the agent's start timeout (2s) applies.
		err := r.Online(context.Background(), restype.OnlineRequest{})
		if !errors.Is(err, ErrTimeout) {
			t.Fatalf("Online = %v, want ErrTimeout", err)
		}
		if el := time.Since(start); el < 2*time.Second || el > 10*time.Second {
			t.Errorf("Online took %v, want about 2s", el)
		}
		waitFor(t, "the agent's sleep to be killed", func() bool { return len(procsWith(t, arg)) == 0 })
		if res, rec := status(r, StatusLastResult), status(r, StatusLastRecovery); res != "timeout" || rec != "soft" {
			t.Errorf("LastResult, LastRecovery = %q, %q", res, rec)
		}
		if _, ok := r.Status().Get(StatusLastExitCode); ok {
			t.Error("LastExitCode reported for a killed action")
		}
	})
}

func TestOnlineMissingAgent(t *testing.T) {
	NeedAgents(t)
	r := newRes(t, "ghost", t.TempDir(), props(PropAgent, proplist.SZ("NoSuchAgent")))
	if err := r.Online(context.Background(), restype.OnlineRequest{}); !errors.Is(err, ErrNotInstalled) {
		t.Errorf("Online = %v, want ErrNotInstalled", err)
	}
	if err := r.LooksAlive(context.Background()); !errors.Is(err, ErrNotInstalled) {
		t.Errorf("LooksAlive = %v, want ErrNotInstalled", err)
	}
}

// TestChangedAndConcurrent: Changed fires when the outcome changes, not
// for every monitor; health checks and status reads run alongside
// lifecycle calls (run with -race).
func TestChangedAndConcurrent(t *testing.T) {
	NeedAgents(t)
	var changed atomic.Int32
	r0, err := New(restype.Config{Name: "c", StateDir: t.TempDir(), Properties: props(PropAgent, proplist.SZ("Dummy")),
		Changed: func() { changed.Add(1) }})
	if err != nil {
		t.Fatal(err)
	}
	r := r0.(*resource)
	ctx := context.Background()
	if err := r.Online(ctx, restype.OnlineRequest{}); err != nil {
		t.Fatal(err)
	}
	n := changed.Load()
	for range 3 {
		if err := r.LooksAlive(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if changed.Load() != n {
		t.Errorf("Changed called for unchanged monitor results")
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			_ = r.LooksAlive(ctx)
			_ = r.Status()
		}
	})
	for range 3 {
		if err := r.Offline(ctx, offline()); err != nil {
			t.Fatal(err)
		}
		if err := r.Online(ctx, restype.OnlineRequest{}); err != nil {
			t.Fatal(err)
		}
		_ = r.Reconfigure(props(PropAgent, proplist.SZ("Dummy"), "fake", proplist.SZ("x")))
	}
	close(stop)
	wg.Wait()
	if err := r.Offline(ctx, offline()); err != nil {
		t.Fatal(err)
	}
}
