package plugin

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/batoncluster/baton/proplist"
	"github.com/batoncluster/baton/restype"
)

// binDir holds the plugin programs TestMain builds: the example File
// plugin and the Faulty test plugin.
var binDir string

const (
	filePlugin   = "baton-restype-file"
	faultyPlugin = "baton-restype-faulty"
)

// agentEnv makes the test binary act as an agent that loads the plugins
// in the directory it names and waits to be killed (TestAgentKilled).
const agentEnv = "BATON_PLUGIN_TEST_AGENT_DIR"

// agentSocketsEnv is the socket directory of actAsAgent's plugins: the
// test's own, so that the socket the killed agent's plugin leaves goes
// with it.
const agentSocketsEnv = "BATON_PLUGIN_TEST_SOCKETS"

func TestMain(m *testing.M) {
	if dir := os.Getenv(agentEnv); dir != "" {
		actAsAgent(dir)
		return
	}
	os.Exit(func() int {
		dir, err := os.MkdirTemp("", "baton-plugin-test-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		for name, pkg := range map[string]string{
			filePlugin:   "github.com/batoncluster/baton/examples/restype-file",
			faultyPlugin: "github.com/batoncluster/baton/internal/restypes/plugin/testdata/faulty",
		} {
			out, err := exec.Command("go", "build", "-o", filepath.Join(dir, name), pkg).CombinedOutput()
			if err != nil {
				fmt.Fprintf(os.Stderr, "go build %s: %v\n%s", pkg, err, out)
				return 1
			}
		}
		binDir = dir
		return m.Run()
	}())
}

type logWriter struct{ t testing.TB }

func (w logWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(logWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// pluginDir makes a plugin directory holding the named built plugins.
func pluginDir(t *testing.T, names ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(binDir, n))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, n), b, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

var fastOptions = Options{StartTimeout: 10 * time.Second, CallTimeout: 2 * time.Second, HealthTimeout: 500 * time.Millisecond}

// discover loads dir and closes the plugins when the test ends, checking
// that no plugin process is left.
func discover(t *testing.T, dir string, o Options) map[string]*restype.Type {
	t.Helper()
	if o.SocketDir == "" {
		o.SocketDir = t.TempDir() // what a killed plugin leaves goes with the test
	}
	types, closers, err := DiscoverWith(dir, testLogger(t), o)
	t.Cleanup(func() {
		var pids []int
		for _, c := range closers {
			pids = append(pids, c.(*proc).pids()...)
			if err := c.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		}
		for _, pid := range pids {
			if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
				t.Errorf("plugin process %d still there after Close (kill 0: %v)", pid, err)
			}
		}
	})
	if err != nil {
		t.Fatalf("Discover: %v", err)
	}
	out := map[string]*restype.Type{}
	for _, ty := range types {
		out[ty.Name] = ty
	}
	return out
}

// pids returns the process ids of the running generation.
func (p *proc) pids() []int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.gen == nil || p.gen.client.ReattachConfig() == nil {
		return nil
	}
	return []int{p.gen.client.ReattachConfig().Pid}
}

func props(kv ...any) proplist.List {
	var l proplist.List
	for i := 0; i < len(kv); i += 2 {
		l = l.Set(kv[i].(string), kv[i+1].(proplist.Value))
	}
	return l
}

func newRes(t *testing.T, ty *restype.Type, name string, l proplist.List, changed func()) restype.Resource {
	t.Helper()
	r, err := ty.New(restype.Config{Name: name, Group: "g", Properties: l, StateDir: t.TempDir(), Log: testLogger(t), Changed: changed})
	if err != nil {
		t.Fatalf("New %s: %v", name, err)
	}
	return r
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func TestFilePlugin(t *testing.T) {
	types := discover(t, pluginDir(t, filePlugin), fastOptions)
	ty := types["File"]
	if ty == nil {
		t.Fatalf("discovered %v, want File", types)
	}
	if ty.OfflineParameter != "File" || ty.LooksAliveInterval != 5000 || ty.IsAliveInterval != 60000 {
		t.Errorf("type = %+v", ty)
	}
	if len(ty.Properties) != 2 || ty.Properties[0].Name != "Path" || ty.Properties[0].Kind != "sz" || ty.Properties[0].Description == "" {
		t.Errorf("properties = %+v", ty.Properties)
	}
	if err := restype.NewRegistry().Register(ty); err != nil {
		t.Fatal(err)
	}

	// Validate runs in the plugin; its message comes back as it is.
	if err := ty.Validate(props("Path", proplist.SZ("relative/x"))); err == nil || err.Error() != `file: property Path "relative/x" is not an absolute path` {
		t.Errorf("Validate(relative) = %v", err)
	}
	path := filepath.Join(t.TempDir(), "motd")
	good := props("Path", proplist.SZ(path), "Content", proplist.SZ("hello\n"))
	if err := ty.Validate(good); err != nil {
		t.Errorf("Validate(good) = %v", err)
	}
	if _, err := ty.New(restype.Config{Name: "bad", Properties: props("Path", proplist.SZ("x"))}); err == nil {
		t.Error("New with bad properties succeeded")
	}

	r := newRes(t, ty, "motd", good, nil)
	if _, ok := r.(restype.Terminator); !ok {
		t.Error("File resources terminate, but the proxy offers no Terminator")
	}
	ctx := context.Background()
	if err := r.LooksAlive(ctx); err == nil {
		t.Error("LooksAlive before Online succeeded")
	}
	if err := r.Online(ctx, restype.OnlineRequest{}); err != nil {
		t.Fatalf("Online: %v", err)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "hello\n" {
		t.Fatalf("after Online the file holds %q, %v", b, err)
	}
	for name, check := range map[string]func(context.Context) error{"LooksAlive": r.LooksAlive, "IsAlive": r.IsAlive} {
		if err := check(ctx); err != nil {
			t.Errorf("%s = %v", name, err)
		}
	}
	if n, _ := r.(restype.StatusReporter).Status().DWORD("Onlines"); n != 1 {
		t.Errorf("status Onlines = %d, want 1", n)
	}

	// Someone changes the file: IsAlive fails, LooksAlive does not.
	if err := os.WriteFile(path, []byte("tampered"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := r.IsAlive(ctx); err == nil || !strings.Contains(err.Error(), "does not hold its content") {
		t.Errorf("IsAlive after tampering = %v", err)
	}
	if err := r.LooksAlive(ctx); err != nil {
		t.Errorf("LooksAlive after tampering = %v", err)
	}

	// Offline with the input buffer File=1 keeps the file; without, it goes.
	if err := r.Offline(ctx, restype.OfflineRequest{Params: props("File", proplist.DWORD(1))}); err != nil {
		t.Fatalf("Offline keep: %v", err)
	}
	if !exists(path) {
		t.Error("Offline with File=1 removed the file")
	}
	if err := r.Offline(ctx, restype.OfflineRequest{Params: props("File", proplist.DWORD(7))}); err == nil {
		t.Error("Offline with File=7 succeeded")
	}
	if err := r.Offline(ctx, restype.OfflineRequest{}); err != nil {
		t.Fatalf("Offline: %v", err)
	}
	if exists(path) {
		t.Error("after Offline the file is still there")
	}
	if err := r.LooksAlive(ctx); err == nil {
		t.Error("LooksAlive after Offline succeeded")
	}

	// New properties through Reconfigure apply at the next online.
	path2 := filepath.Join(t.TempDir(), "motd2")
	if err := r.(restype.Reconfigurer).Reconfigure(props("Path", proplist.SZ("nope"))); err == nil {
		t.Error("Reconfigure with a bad path succeeded")
	}
	if err := r.(restype.Reconfigurer).Reconfigure(props("Path", proplist.SZ(path2))); err != nil {
		t.Fatalf("Reconfigure: %v", err)
	}
	if err := r.Online(ctx, restype.OnlineRequest{}); err != nil {
		t.Fatal(err)
	}
	if !exists(path2) {
		t.Error("Online after Reconfigure did not write the new path")
	}
	if err := r.(restype.Terminator).Terminate(ctx); err != nil {
		t.Fatal(err)
	}
	if exists(path2) {
		t.Error("Terminate left the file")
	}
	if n, _ := r.(restype.StatusReporter).Status().DWORD("Onlines"); n != 2 {
		t.Errorf("status Onlines = %d, want 2", n)
	}
}

func faultyRes(t *testing.T, ty *restype.Type, name, mode string, changed func()) (restype.Resource, string) {
	t.Helper()
	marker := filepath.Join(t.TempDir(), name)
	return newRes(t, ty, name, props("Mode", proplist.SZ(mode), "Marker", proplist.SZ(marker)), changed), marker
}

func setMode(t *testing.T, r restype.Resource, mode, marker string) {
	t.Helper()
	if err := r.(restype.Reconfigurer).Reconfigure(props("Mode", proplist.SZ(mode), "Marker", proplist.SZ(marker))); err != nil {
		t.Fatalf("Reconfigure: %v", err)
	}
}

func pidOf(t *testing.T, r restype.Resource) uint32 {
	t.Helper()
	pid, ok := r.(restype.StatusReporter).Status().DWORD("Pid")
	if !ok {
		t.Fatalf("no Pid in status %v", r.(restype.StatusReporter).Status())
	}
	return pid
}

func TestCrashingPlugin(t *testing.T) {
	ty := discover(t, pluginDir(t, faultyPlugin), fastOptions)["Faulty"]
	ctx := context.Background()
	bystander, bmarker := faultyRes(t, ty, "bystander", "", nil)
	if err := bystander.Online(ctx, restype.OnlineRequest{}); err != nil {
		t.Fatal(err)
	}
	firstPid := pidOf(t, bystander)

	crasher, cmarker := faultyRes(t, ty, "crasher", "crash-online", nil)
	err := crasher.Online(ctx, restype.OnlineRequest{})
	if !errors.Is(err, ErrPluginExited) {
		t.Fatalf("Online of a plugin that exits = %v, want ErrPluginExited", err)
	}
	// The test process (the host) is still here; the process is gone, so
	// the other resource's health fails rather than lying.
	if err := bystander.LooksAlive(ctx); !errors.Is(err, ErrPluginExited) {
		t.Errorf("bystander LooksAlive after the crash = %v, want ErrPluginExited", err)
	}

	// The next online starts the plugin again and reopens the resource.
	setMode(t, crasher, "", cmarker) // kept for the reopen: the process is down
	if err := crasher.Online(ctx, restype.OnlineRequest{}); err != nil {
		t.Fatalf("Online after the crash: %v", err)
	}
	if !exists(cmarker) {
		t.Error("Online after the crash did not create the marker")
	}
	if pid := pidOf(t, crasher); pid == firstPid {
		t.Errorf("plugin pid %d unchanged after a crash", pid)
	}
	// The bystander was opened in the dead process: health says so until
	// its own next online reopens it.
	if err := bystander.IsAlive(ctx); !errors.Is(err, ErrPluginRestarted) {
		t.Errorf("bystander IsAlive in the new process = %v, want ErrPluginRestarted", err)
	}
	if err := bystander.Online(ctx, restype.OnlineRequest{}); err != nil {
		t.Fatalf("bystander Online in the new process: %v", err)
	}
	if err := bystander.LooksAlive(ctx); err != nil {
		t.Errorf("bystander LooksAlive after reopening: %v", err)
	}
	if err := bystander.Offline(ctx, restype.OfflineRequest{}); err != nil || exists(bmarker) {
		t.Errorf("bystander Offline: %v (marker there: %v)", err, exists(bmarker))
	}
}

func TestHangingPlugin(t *testing.T) {
	ty := discover(t, pluginDir(t, faultyPlugin), fastOptions)["Faulty"]
	hanger, hmarker := faultyRes(t, ty, "hanger", "hang-online", nil)
	other, omarker := faultyRes(t, ty, "other", "", nil)

	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := hanger.Online(ctx, restype.OnlineRequest{})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Online of a hanging plugin = %v, want DeadlineExceeded", err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("Online returned %v after the call began; the deadline was 300ms", el)
	}
	// The process is not wedged for other resources.
	if err := other.Online(context.Background(), restype.OnlineRequest{}); err != nil || !exists(omarker) {
		t.Errorf("another resource's Online while one hangs: %v", err)
	}

	// A hanging health check is capped at HealthTimeout even without a
	// deadline from the host.
	setMode(t, hanger, "hang-health", hmarker)
	start = time.Now()
	if err := hanger.IsAlive(context.Background()); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("IsAlive of a hanging plugin = %v, want DeadlineExceeded", err)
	}
	if el := time.Since(start); el > fastOptions.HealthTimeout+time.Second {
		t.Errorf("IsAlive returned after %v; HealthTimeout is %v", el, fastOptions.HealthTimeout)
	}
}

func TestPanicFailsOnlyTheCall(t *testing.T) {
	ty := discover(t, pluginDir(t, faultyPlugin), fastOptions)["Faulty"]
	ctx := context.Background()
	other, _ := faultyRes(t, ty, "other", "", nil)
	if err := other.Online(ctx, restype.OnlineRequest{}); err != nil {
		t.Fatal(err)
	}
	pid := pidOf(t, other)
	p, _ := faultyRes(t, ty, "panicky", "panic-online", nil)
	if err := p.Online(ctx, restype.OnlineRequest{}); err == nil || !strings.Contains(err.Error(), "panic") {
		t.Errorf("Online that panics = %v, want an error about the panic", err)
	}
	if err := other.LooksAlive(ctx); err != nil {
		t.Errorf("other resource after a panic: %v", err)
	}
	if got := pidOf(t, other); got != pid {
		t.Errorf("plugin pid changed from %d to %d: the panic took the process down", pid, got)
	}
}

func TestChangedAndLockedMode(t *testing.T) {
	ty := discover(t, pluginDir(t, faultyPlugin), fastOptions)["Faulty"]
	var mu sync.Mutex
	changes := make(chan struct{}, 10)
	r, marker := faultyRes(t, ty, "locky", "", func() {
		mu.Lock()
		defer mu.Unlock()
		changes <- struct{}{}
	})
	lm := r.(restype.LockedModeReporter)
	if locked, _ := lm.LockedMode(); locked {
		t.Fatal("locked from the start")
	}
	if err := r.(restype.Reconfigurer).Reconfigure(props("Marker", proplist.SZ(marker), "Locked", proplist.DWORD(1), "LockedReason", proplist.SZ("saving"))); err != nil {
		t.Fatal(err)
	}
	select {
	case <-changes:
	case <-time.After(5 * time.Second):
		t.Fatal("Config.Changed in the plugin did not reach the host")
	}
	if locked, reason := lm.LockedMode(); !locked || reason != "saving" {
		t.Errorf("LockedMode = %v %q, want true saving", locked, reason)
	}
}

func TestDiscoverDirectory(t *testing.T) {
	dir := pluginDir(t, filePlugin, faultyPlugin)
	// Ignored: another name, not executable, a directory.
	if err := os.WriteFile(filepath.Join(dir, "README"), []byte("x"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "baton-restype-notexec"), []byte("#!/bin/sh\nexit 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "baton-restype-dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	// Failing: not a plugin; the same type twice.
	if err := os.WriteFile(filepath.Join(dir, "baton-restype-broken"), []byte("#!/bin/sh\necho not a plugin\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, filePlugin), filepath.Join(dir, "baton-restype-file2")); err != nil {
		t.Fatal(err)
	}
	// Refused: writable by others.
	if err := os.WriteFile(filepath.Join(dir, "baton-restype-open"), []byte("#!/bin/sh\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(dir, "baton-restype-open"), 0o777); err != nil {
		t.Fatal(err)
	}
	types, closers, err := DiscoverWith(dir, testLogger(t), fastOptions)
	defer func() {
		for _, c := range closers {
			c.Close()
		}
	}()
	var names []string
	for _, ty := range types {
		names = append(names, ty.Name)
	}
	if strings.Join(names, ",") != "Faulty,File" || len(closers) != 2 {
		t.Errorf("types %v, %d closers; want Faulty,File and 2", names, len(closers))
	}
	for _, want := range []string{"baton-restype-broken", `type "File" is served by baton-restype-file already`, "baton-restype-open: refused: writable by group or others"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error = %v, want one with %q", err, want)
		}
	}

	if _, _, err := Discover(filepath.Join(dir, "nosuch"), nil); err == nil {
		t.Error("Discover of a missing directory succeeded")
	}
	empty, cl, err := Discover(t.TempDir(), nil)
	if err != nil || len(empty) != 0 || len(cl) != 0 {
		t.Errorf("Discover of an empty directory = %v, %v, %v", empty, cl, err)
	}
}

func TestClosed(t *testing.T) {
	before := runtime.NumGoroutine()
	types, closers, err := DiscoverWith(pluginDir(t, filePlugin), testLogger(t), fastOptions)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "f")
	r := newRes(t, types[0], "f", props("Path", proplist.SZ(path)), nil)
	pids := closers[0].(*proc).pids()
	for _, c := range closers {
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
		if err := c.Close(); err != nil { // twice is fine
			t.Fatal(err)
		}
	}
	for _, pid := range pids {
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("plugin process %d still there after Close", pid)
		}
	}
	if err := r.Online(context.Background(), restype.OnlineRequest{}); !errors.Is(err, ErrClosed) {
		t.Errorf("Online after Close = %v, want ErrClosed", err)
	}
	if err := r.LooksAlive(context.Background()); !errors.Is(err, ErrClosed) {
		t.Errorf("LooksAlive after Close = %v, want ErrClosed", err)
	}
	// Every goroutine the plugin needed has ended (gRPC's take a moment).
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines before Discover, %d after Close:\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

var _ io.Closer = (*proc)(nil)

// actAsAgent loads the plugins in dir, prints their process ids and
// waits to be killed.
func actAsAgent(dir string) {
	_, closers, err := DiscoverWith(dir, nil, Options{SocketDir: os.Getenv(agentSocketsEnv)})
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	for _, c := range closers {
		for _, pid := range c.(*proc).pids() {
			fmt.Println(pid)
		}
	}
	fmt.Println("ready")
	select {}
}

// A plugin whose agent is killed (no Close) exits by itself.
func TestAgentKilled(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), agentEnv+"="+pluginDir(t, filePlugin), agentSocketsEnv+"="+t.TempDir())
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	var pids []int
	sc := bufio.NewScanner(out)
	for sc.Scan() && sc.Text() != "ready" {
		pid, err := strconv.Atoi(sc.Text())
		if err != nil {
			t.Fatalf("agent said %q", sc.Text())
		}
		pids = append(pids, pid)
	}
	if len(pids) != 1 {
		t.Fatalf("agent started plugins %v, want one", pids)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	deadline := time.Now().Add(5 * time.Second)
	for syscall.Kill(pids[0], 0) == nil {
		if time.Now().After(deadline) {
			syscall.Kill(pids[0], syscall.SIGKILL)
			t.Fatalf("plugin %d still running 5s after its agent was killed", pids[0])
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestSocketDir: with Options.SocketDir, a plugin process's socket lives
// in a directory of its own there, and a crashed process's and the last
// one's are removed: nothing is left in the directory after Close.
func TestSocketDir(t *testing.T) {
	sockets := t.TempDir()
	o := fastOptions
	o.SocketDir = sockets
	types, closers, err := DiscoverWith(pluginDir(t, faultyPlugin), testLogger(t), o)
	if err != nil {
		t.Fatalf("Discover: %v", err)
	}
	entries := func() []string {
		var out []string
		filepath.WalkDir(sockets, func(path string, d os.DirEntry, err error) error {
			if err == nil && path != sockets {
				out = append(out, path)
			}
			return nil
		})
		return out
	}
	hasSocket := func() bool {
		for _, e := range entries() {
			if fi, err := os.Lstat(e); err == nil && fi.Mode()&os.ModeSocket != 0 {
				return true
			}
		}
		return false
	}
	if !hasSocket() {
		t.Fatalf("no socket in the socket directory with the plugin running: %v", entries())
	}
	ctx := context.Background()
	crasher, _ := faultyRes(t, types[0], "crasher", "crash-online", nil)
	if err := crasher.Online(ctx, restype.OnlineRequest{}); !errors.Is(err, ErrPluginExited) {
		t.Fatalf("Online of a plugin that exits = %v, want ErrPluginExited", err)
	}
	for _, c := range closers {
		if err := c.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	}
	if left := entries(); len(left) > 0 {
		t.Errorf("left in the socket directory after Close: %v", left)
	}
}
