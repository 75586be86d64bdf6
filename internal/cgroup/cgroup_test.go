package cgroup

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/batoncluster/baton/internal/procstat"
)

// node sets up a node directory of version v for the test and removes it
// at the end; it skips where that kind of hierarchy is not usable.
func node(t *testing.T, v Version) *Node {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("cgroups need root")
	}
	var logs bytes.Buffer
	n := Setup(Options{Node: "test-" + strconv.Itoa(os.Getpid()), DataDir: t.TempDir(), Version: v,
		Log: slog.New(slog.NewTextHandler(&logs, nil))})
	if n.Version != v {
		t.Skipf("no usable cgroup %v hierarchy here: %s", v, logs.String())
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := n.Kill(ctx); err != nil {
			t.Error(err)
		}
		if err := n.Remove(); err != nil {
			t.Error(err)
		}
		if _, err := os.Stat(n.Path); err == nil {
			t.Errorf("%s is still there", n.Path)
		}
		_ = syscall.Rmdir(filepath.Dir(n.Path)) // TopDir, if no other node uses it
	})
	return n
}

// leaky starts, in g, a shell that leaves a double-forked child behind
// (reparented to init, in a session of its own) and a plain background
// child, and then becomes a long sleep: what a daemonizing agent leaves.
func leaky(t *testing.T, d Dir) (pid int, ended <-chan struct{}) {
	t.Helper()
	cmd := exec.Command("/bin/sh", "-c", `(setsid sleep 301 &) ; sleep 302 & exec sleep 303`)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := d.Start(cmd); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })
	// Settled: the shell has forked both children and exec'd sleep 303,
	// and the subshell that started sleep 301 is gone — before that the
	// cgroup passes through other sets of three (shell, subshell, sleep
	// 301), which a count alone would take.
	cmdline := "/proc/" + strconv.Itoa(cmd.Process.Pid) + "/cmdline"
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		b, _ := os.ReadFile(cmdline)
		if pids, _ := d.Procs(); strings.Contains(string(b), "sleep\x00303") && len(pids) == 3 {
			break
		}
	}
	return cmd.Process.Pid, done
}

func awaitProcs(t *testing.T, d Dir, n int) []int {
	t.Helper()
	var pids []int
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		var err error
		if pids, err = d.Procs(); err != nil {
			t.Fatal(err)
		}
		if len(pids) >= n || time.Now().After(deadline) {
			break
		}
	}
	if len(pids) != n {
		t.Fatalf("%d processes in %s, want %d: %v", len(pids), d.Path, n, pids)
	}
	return pids
}

func alive(pid int) bool {
	st, err := procstat.Read(pid)
	return err == nil && st.State != 'Z' && st.State != 'X'
}

// how a test starts a process: "" Start (whatever the machine allows),
// "gate" the /bin/sh gate, "clone" CLONE_INTO_CGROUP.
func testStartAndKill(t *testing.T, v Version, how string) {
	n := node(t, v)
	g, err := n.Group("11111111-2222-4333-8444-555555555555", "r1", "G")
	if err != nil {
		t.Fatal(err)
	}
	d := g.Dir
	start := d.Start
	switch how {
	case "gate":
		start = d.startGated
	case "clone":
		start = d.startInto
	}
	cmd := exec.Command("/bin/sh", "-c", `(setsid sleep 301 &) ; sleep 302 & exec sleep 303`)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := start(cmd); err != nil {
		t.Fatal(err)
	}
	ended := make(chan struct{})
	go func() { _ = cmd.Wait(); close(ended) }()
	t.Cleanup(func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })
	// The shell forks its children and then execs; on a busy machine the
	// cgroup can hold three processes before the exec: wait for it too.
	cmdline := "/proc/" + strconv.Itoa(cmd.Process.Pid) + "/cmdline"
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if b, _ := os.ReadFile(cmdline); strings.Contains(string(b), "sleep\x00303") {
			break
		}
	}
	pids := awaitProcs(t, d, 3)
	if !slices.Contains(pids, cmd.Process.Pid) {
		t.Errorf("the started process %d is not in its cgroup: %v", cmd.Process.Pid, pids)
	}
	if b, _ := os.ReadFile("/proc/" + strconv.Itoa(cmd.Process.Pid) + "/cmdline"); !strings.HasPrefix(string(b), "sleep\x00303") && !strings.Contains(string(b), "sleep\x00303") {
		t.Errorf("the process runs %q, want sleep 303", b)
	}
	if pop, err := d.Populated(); err != nil || !pop {
		t.Errorf("Populated = %v, %v; want true", pop, err)
	}
	u, err := g.Usage()
	if err != nil || u.Processes != 3 || u.MemoryBytes == 0 {
		t.Errorf("Usage = %+v, %v; want 3 processes and some memory", u, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := d.Kill(ctx); err != nil {
		t.Fatal(err)
	}
	for _, pid := range pids {
		if alive(pid) {
			t.Errorf("process %d survived the kill", pid)
		}
	}
	select {
	case <-ended:
	case <-time.After(5 * time.Second):
		t.Fatal("the started process was not reaped")
	}
	if pop, err := d.Populated(); err != nil || pop {
		t.Errorf("Populated after the kill = %v, %v; want false", pop, err)
	}
	g.Release()
	if _, err := os.Stat(g.Path); err == nil {
		t.Errorf("%s is still there after Release", g.Path)
	}
	if len(n.Groups()) != 0 {
		t.Errorf("Groups after Release = %v", n.Groups())
	}
}

// Everything a process started in the cgroup forks — a double fork into
// a session of its own included — is in the cgroup, and Kill ends it all.
func TestStartAndKillV2(t *testing.T)      { testStartAndKill(t, V2, "") }
func TestStartAndKillV2Gated(t *testing.T) { testStartAndKill(t, V2, "gate") }
func TestStartAndKillV2Clone(t *testing.T) { testStartAndKill(t, V2, "clone") }
func TestStartAndKillV1(t *testing.T)      { testStartAndKill(t, V1, "") }

// Killing the node's directory kills every resource's processes.
func TestKillNode(t *testing.T) {
	for _, v := range []Version{V2, V1} {
		t.Run(v.String(), func(t *testing.T) {
			n := node(t, v)
			var all []int
			for _, id := range []string{"a", "b"} {
				g, err := n.Group(id, id, "G")
				if err != nil {
					t.Fatal(err)
				}
				leaky(t, g.Dir)
				all = append(all, awaitProcs(t, g.Dir, 3)...)
			}
			d, err := Open(n.Path)
			if err != nil || d.Version != v {
				t.Fatalf("Open(%s) = %+v, %v", n.Path, d, err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := d.Kill(ctx); err != nil {
				t.Fatal(err)
			}
			for _, pid := range all {
				if alive(pid) {
					t.Errorf("process %d survived the kill", pid)
				}
			}
		})
	}
}

// A program that cannot run fails the start or exits; a missing program
// is the exec error.
func TestStartErrors(t *testing.T) {
	n := node(t, V2)
	g, err := n.Group("x", "x", "G")
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Start(exec.Command("/nonexistent/program")); err == nil {
		t.Error("starting a missing program succeeded")
	}
	if err := g.startGated(exec.Command("no-such-program-in-path")); err == nil {
		t.Error("starting a program not in PATH through the gate succeeded")
	}
	var zero Dir
	cmd := exec.Command("/bin/sh", "-c", "exit 3")
	if err := zero.Start(cmd); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err == nil {
		t.Error("exit 3 through the zero Dir: no error")
	}
}

// Report keeps the last figures until the processes change or memory
// moves by a tenth.
func TestReport(t *testing.T) {
	if !moved(Usage{1, 100 << 20}, Usage{1, 111 << 20}) || moved(Usage{1, 100 << 20}, Usage{1, 105 << 20}) ||
		!moved(Usage{1, 0}, Usage{2, 0}) || moved(Usage{1, 100}, Usage{1, 300}) {
		t.Error("moved: wrong answer")
	}
	n := node(t, V2)
	g, err := n.Group("r", "r", "G")
	if err != nil {
		t.Fatal(err)
	}
	u, err := g.Report()
	if err != nil || u.Processes != 0 || g.Moved() {
		t.Fatalf("empty: %+v %v moved=%v", u, err, g.Moved())
	}
	leaky(t, g.Dir)
	awaitProcs(t, g.Dir, 3)
	if !g.Moved() {
		t.Error("three processes more: not moved")
	}
	if u, _ := g.Report(); u.Processes != 3 {
		t.Errorf("Report = %+v, want 3 processes", u)
	}
	if g.Moved() {
		t.Error("moved right after a report")
	}
}

// Where no hierarchy is mounted, Setup says so and places nothing.
func TestSetupNone(t *testing.T) {
	mi := filepath.Join(t.TempDir(), "mountinfo")
	if err := os.WriteFile(mi, []byte("22 1 0:21 / /proc rw - proc proc rw\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	n := Setup(Options{Node: "n1", DataDir: "/var/lib/baton", Mountinfo: mi, Log: slog.New(slog.NewTextHandler(&logs, nil))})
	if n.Valid() || n.Version != None {
		t.Fatalf("Setup = %+v, want no cgroups", n.Dir)
	}
	if !strings.Contains(logs.String(), "cgroups: none usable") {
		t.Errorf("log does not say why: %s", logs.String())
	}
	if g, err := n.Group("r", "r", "G"); g != nil || err != nil {
		t.Errorf("Group = %v, %v; want nil, nil", g, err)
	}
}

func TestReadMounts(t *testing.T) {
	mi := filepath.Join(t.TempDir(), "mountinfo")
	text := `30 25 0:26 / /sys/fs/cgroup/freezer rw - cgroup cgroup rw,freezer
31 25 0:27 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory
32 25 0:28 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw
33 25 0:29 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw
34 25 0:30 / /mnt/with\040space rw - cgroup2 cgroup2 rw
`
	if err := os.WriteFile(mi, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := readMounts(mi)
	if err != nil {
		t.Fatal(err)
	}
	want := []mount{{"/sys/fs/cgroup", V2}, {"/sys/fs/cgroup/unified", V2}, {"/mnt/with space", V2}, {"/sys/fs/cgroup/freezer", V1}}
	if !slices.Equal(got, want) {
		t.Errorf("readMounts = %v, want %v", got, want)
	}
	if DirName("n1", "/a") == DirName("n1", "/b") || !strings.HasPrefix(DirName("n/1", "/a"), "n_1-") {
		t.Error("DirName: same name for two data directories, or a slash kept")
	}
}

// A cgroup that was emptied — by the host (Group.Kill, at the end of an
// offline) or with the node's whole directory (the fence guard, after
// which the agent makes its resources' cgroups again: Node.Group) — takes
// new processes as before: none of them is killed as it starts.
func TestStartAfterKill(t *testing.T) {
	for _, v := range []Version{V2, V1} {
		t.Run(v.String(), func(t *testing.T) {
			n := node(t, v)
			g, err := n.Group("r", "r", "G")
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			for i, nodeKill := range []bool{false, true, false} {
				leaky(t, g.Dir)
				awaitProcs(t, g.Dir, 3)
				if nodeKill {
					if err := n.Kill(ctx); err != nil {
						t.Fatal(err)
					}
					g.Release()
					if g, err = n.Group("r", "r", "G"); err != nil {
						t.Fatal(err)
					}
				} else if err := g.Kill(ctx); err != nil {
					t.Fatal(err)
				}
				cmd := exec.Command("/bin/sh", "-c", "sleep 0.05; exit 7")
				if err := g.Start(cmd); err != nil {
					t.Fatal(err)
				}
				var ee *exec.ExitError
				if err := cmd.Wait(); !errors.As(err, &ee) || ee.ExitCode() != 7 {
					t.Fatalf("round %d (node killed: %v): a process started after the kill ended with %v, want exit status 7", i, nodeKill, err)
				}
			}
		})
	}
}

// A v2 cgroup emptied with cgroup.kill is made anew: a new directory at
// the same path, into which clone3 places processes again (on kernels
// that kill what is cloned into a killed cgroup, the old one would kill
// it at once). cloneIntoWorks probes exactly this, so starts need no
// shell in between.
func TestKilledGroupIsRenewed(t *testing.T) {
	n := node(t, V2)
	g, err := n.Group("r", "r", "G")
	if err != nil {
		t.Fatal(err)
	}
	ino := func() uint64 {
		var st syscall.Stat_t
		if err := syscall.Stat(g.Path, &st); err != nil {
			t.Fatal(err)
		}
		return st.Ino
	}
	before := ino()
	leaky(t, g.Dir)
	awaitProcs(t, g.Dir, 3)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := g.Kill(ctx); err != nil {
		t.Fatal(err)
	}
	if ino() == before {
		t.Errorf("%s is the same cgroup after the kill, want a new one", g.Path)
	}
	if tainted(g.Path) {
		t.Errorf("%s is marked as killed after it was made anew", g.Path)
	}
	if !cloneIntoWorks(g.Dir) {
		t.Fatalf("CLONE_INTO_CGROUP does not work in a renewed cgroup on this kernel (%s): starts go through the /bin/sh gate", g.Path)
	}
	cmd := exec.Command("/bin/sh", "-c", "exit 7")
	if err := g.startInto(cmd); err != nil {
		t.Fatal(err)
	}
	var ee *exec.ExitError
	if err := cmd.Wait(); !errors.As(err, &ee) || ee.ExitCode() != 7 {
		t.Fatalf("a process cloned into the renewed cgroup ended with %v, want exit status 7", err)
	}
	// A kill that finds nothing to kill leaves the cgroup as it is.
	before = ino()
	if err := g.Kill(ctx); err != nil {
		t.Fatal(err)
	}
	if ino() != before {
		t.Errorf("an empty cgroup was made anew by a kill with nothing to kill")
	}
}

// A cgroup that was removed holds nothing: it is not populated, and has
// no processes (a guard whose agent removed the node's cgroup at exit
// must see it empty, and exit).
func TestRemovedCgroupIsEmpty(t *testing.T) {
	for _, v := range []Version{V1, V2} {
		d := Dir{Path: filepath.Join(t.TempDir(), "gone"), Version: v}
		if pop, err := d.Populated(); pop || err != nil {
			t.Errorf("v%d: Populated() = %v, %v; want false, nil", v, pop, err)
		}
		if pids, err := d.Procs(); len(pids) != 0 || err != nil {
			t.Errorf("v%d: Procs() = %v, %v; want none", v, pids, err)
		}
	}
}
