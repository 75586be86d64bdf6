package guard

import (
	"context"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/batoncluster/baton/internal/cgroup"
	"github.com/batoncluster/baton/internal/procstat"
)

// nodeCgroup sets up a node cgroup directory for the test, or skips.
func nodeCgroup(t *testing.T) *cgroup.Node {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("cgroups need root")
	}
	n := cgroup.Setup(cgroup.Options{Node: "guardtest-" + strconv.Itoa(os.Getpid()), DataDir: t.TempDir(), Log: slog.Default()})
	if !n.Valid() {
		t.Skip("no usable cgroup hierarchy here (see the log)")
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = n.Kill(ctx)
		_ = n.Remove()
	})
	return n
}

// A daemon a resource left behind — started in its cgroup, then
// double-forked into a session of its own, its parent gone — is not a
// process group the guard was told of; the guard kills it anyway at the
// deadline, by the node's cgroup.
func TestKillsCgroupAtDeadline(t *testing.T) {
	n := nodeCgroup(t)
	g, err := n.Group("r1", "r1", "G")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("/bin/sh", "-c", `(setsid sleep 300 &)`)
	if err := g.Start(cmd); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait() // the shell is gone; its grandchild runs on
	var pids []int
	for deadline := time.Now().Add(5 * time.Second); len(pids) == 0 && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		pids, _ = g.Procs()
	}
	if len(pids) != 1 {
		t.Fatalf("processes in the cgroup: %v, want the one daemon", pids)
	}
	daemon := pids[0]
	t.Cleanup(func() { _ = syscall.Kill(daemon, syscall.SIGKILL) })

	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	c, err := Connect(Config{Dir: t.TempDir(), Exec: exe, Log: slog.Default(), Cgroup: n.Path})
	if err != nil {
		t.Fatal(err)
	}
	pid := guardPid(t, c)
	t.Cleanup(func() { _ = stopGuard(pid) })
	if got := c.Tracked(); got != 1 {
		t.Errorf("Tracked = %d, want 1 (the daemon in the cgroup)", got)
	}
	deadline := time.Now().Add(time.Second)
	c.Extend(deadline)
	c.Close() // the agent is gone
	// Seen gone no earlier than the deadline: a check that holds however
	// late the test looks (the exact moment is policy_test.go's).
	for end := deadline.Add(30 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if st, err := procstat.Read(daemon); err != nil || st.State == 'Z' {
			break
		}
		if time.Now().After(end) {
			t.Fatal("the daemon still runs 30 s after the deadline")
		}
	}
	if time.Now().Before(deadline) {
		t.Fatal("killed before the deadline")
	}
	if pop, _ := g.Populated(); pop {
		t.Error("the cgroup is not empty after the guard's kill")
	}
}
