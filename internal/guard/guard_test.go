package guard

import (
	"errors"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The test binary is also the guard: the client runs `EXE guard --dir D`.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "guard" {
		cmd := Command()
		cmd.SetArgs(os.Args[2:])
		if err := cmd.Execute(); err != nil {
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func connect(t *testing.T, dir string) *Client {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	c, err := Connect(Config{Dir: dir, Exec: exe, Log: slog.Default()})
	if err != nil {
		t.Fatal(err)
	}
	pid := guardPid(t, c)
	t.Cleanup(func() { _ = stopGuard(pid) }) // it would exit by itself only after idleExit
	return c
}

// sleeper starts a process in a session of its own, as resource types do,
// and reaps it when it ends.
func sleeper(t *testing.T) (pgid int, ended <-chan struct{}) {
	t.Helper()
	cmd := exec.Command("sleep", "300")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); <-done })
	return cmd.Process.Pid, done
}

func awaitEnd(t *testing.T, ended <-chan struct{}, within time.Duration, what string) {
	t.Helper()
	select {
	case <-ended:
	case <-time.After(within):
		t.Fatalf("%s: the process still runs after %v", what, within)
	}
}

func assertRunning(t *testing.T, ended <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ended:
		t.Fatalf("%s: the process was killed", what)
	default:
	}
}

// The real guard process kills a real process group once its agent is
// gone and the deadline passed. When exactly, to the nanosecond, and
// that renewals keep processes alive, policy_test.go shows in a synctest
// bubble; here only what cannot be wrong however late the test looks:
// the process was seen gone no earlier than the deadline.
func TestKillsAtDeadlineAfterAgentDies(t *testing.T) {
	dir := t.TempDir()
	c := connect(t, dir)
	pgid, ended := sleeper(t)
	c.Track(pgid)
	deadline := time.Now().Add(time.Second)
	c.Extend(deadline)
	c.Close() // the agent is gone, as if killed
	awaitEnd(t, ended, 30*time.Second, "after the deadline")
	if time.Now().Before(deadline) {
		t.Fatal("killed before the deadline")
	}
}

// A restarted agent connects to the guard process still running (not a
// new one) and takes over: it is the successor's deadline that kills.
func TestRestartedAgentTakesOver(t *testing.T) {
	dir := t.TempDir()
	c1 := connect(t, dir)
	pgid, ended := sleeper(t)
	c1.Track(pgid)
	c1.Extend(time.Now().Add(time.Hour))
	first := guardPid(t, c1)
	c1.Close()
	c2 := connect(t, dir)
	if second := guardPid(t, c2); second != first {
		t.Fatalf("the new agent reached guard %d, want the running one, %d", second, first)
	}
	c2.Track(pgid)
	assertRunning(t, ended, "before the new agent's deadline")
	c2.Extend(time.Now())
	c2.Close()
	awaitEnd(t, ended, 30*time.Second, "after the new agent's deadline")
}

func TestGuardRestartedIsToldEverything(t *testing.T) {
	dir := t.TempDir()
	c := connect(t, dir)
	defer c.Close()
	pgid, ended := sleeper(t)
	c.Track(pgid)
	// The guard dies (OOM killer, an operator): the next message starts a
	// new one and repeats the state.
	first := guardPid(t, c)
	if err := stopGuard(first); err != nil {
		t.Fatal(err)
	}
	c.Extend(time.Now().Add(300 * time.Millisecond))
	// Extend sends from a goroutine of its own: the client reaches the
	// new guard some time after it returns.
	second := awaitNewGuard(t, c, first)
	t.Cleanup(func() { _ = stopGuard(second) })
	awaitEnd(t, ended, 30*time.Second, "the new guard's deadline")
}

// guardPid is the pid of the guard c is connected to, from the socket's
// peer credentials.
func guardPid(t *testing.T, c *Client) int {
	t.Helper()
	pid, err := peerPid(c)
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

// awaitNewGuard waits until c is connected to a guard other than old,
// and returns its pid.
func awaitNewGuard(t *testing.T, c *Client, old int) int {
	t.Helper()
	var err error
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		var pid int
		if pid, err = peerPid(c); err == nil && pid != old {
			return pid
		}
	}
	t.Fatalf("the client did not reach a new guard within 30 s (last: %v)", err)
	return 0
}

// peerPid reads the guard's pid from c's connection under c.mu, so that
// the connection is not closed under it.
func peerPid(c *Client) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn == nil {
		return 0, errors.New("not connected")
	}
	raw, err := c.conn.(*net.UnixConn).SyscallConn()
	if err != nil {
		return 0, err
	}
	var cred *unix.Ucred
	var credErr error
	if err := raw.Control(func(fd uintptr) {
		cred, credErr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	}); err != nil {
		return 0, err
	}
	if credErr != nil {
		return 0, credErr
	}
	return int(cred.Pid), nil
}

// stopGuard kills guard pid and waits until it is gone.
func stopGuard(pid int) error {
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		return err
	}
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			return nil
		}
	}
	return errors.New("the guard did not die")
}
