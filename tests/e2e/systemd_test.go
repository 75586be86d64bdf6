package e2e

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The agent under systemd (Type=notify, WatchdogSec=): READY=1 once its
// API serves, WATCHDOG=1 keep-alives while it holds its lease, STOPPING=1
// on SIGTERM; and neither its fence guard nor anything else it starts
// inherits $NOTIFY_SOCKET.
func TestSystemdNotify(t *testing.T) {
	dir := t.TempDir()
	sockPath := filepath.Join(dir, "notify.sock")
	sd, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sockPath, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer sd.Close()
	msgs := make(chan string, 100)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := sd.Read(buf)
			if err != nil {
				close(msgs)
				return
			}
			msgs <- string(buf[:n])
		}
	}()
	next := func(within time.Duration) string {
		t.Helper()
		select {
		case m, ok := <-msgs:
			if !ok {
				t.Fatal("notification socket closed")
			}
			return m
		case <-time.After(within):
			t.Fatalf("no notification within %v", within)
			return ""
		}
	}

	// startAgent's agent inherits the test's environment.
	t.Setenv("NOTIFY_SOCKET", sockPath)
	t.Setenv("WATCHDOG_USEC", "900000") // keep-alives every 300 ms
	dataDir := filepath.Join(dir, "data")
	a := startAgent(t, dataDir)

	ready := next(20 * time.Second)
	if !strings.HasPrefix(ready, "READY=1\n") || !strings.Contains(ready, "STATUS=node ") {
		t.Fatalf("first notification %q, want READY=1 and a STATUS", ready)
	}
	// Ready means serving: the API answers at once.
	if out, errOut, code := a.baton("node", "list", "-o", "json"); code != 0 {
		t.Fatalf("API after READY=1: exit %d\n%s%s", code, out, errOut)
	}

	start := time.Now()
	for n := 0; n < 3; {
		if m := next(2 * time.Second); m == "WATCHDOG=1" {
			n++
		}
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("three keep-alives took %v, want about 900 ms", d)
	}

	// The fence guard is a child of the agent; systemd's variables are
	// not in its environment.
	guard := findProcess(t, "guard", "--dir", dataDir)
	env, err := os.ReadFile("/proc/" + strconv.Itoa(guard) + "/environ")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range bytes.Split(env, []byte{0}) {
		for _, name := range []string{"NOTIFY_SOCKET=", "WATCHDOG_USEC=", "WATCHDOG_PID="} {
			if bytes.HasPrefix(v, []byte(name)) {
				t.Errorf("the fence guard inherited %s", v)
			}
		}
	}

	if err := a.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for {
		m := next(10 * time.Second)
		if strings.HasPrefix(m, "STOPPING=1") {
			break
		}
		if m != "WATCHDOG=1" {
			t.Fatalf("after SIGTERM: %q, want STOPPING=1", m)
		}
	}
	a.stop()
}

// findProcess is the PID of the process whose command line ends with
// args (after the program), waiting up to 5 s for it.
func findProcess(t *testing.T, args ...string) int {
	t.Helper()
	want := strings.Join(args, "\x00")
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		ents, _ := os.ReadDir("/proc")
		for _, e := range ents {
			pid, err := strconv.Atoi(e.Name())
			if err != nil {
				continue
			}
			cmdline, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
			if err != nil {
				continue
			}
			if strings.HasSuffix(strings.TrimSuffix(string(cmdline), "\x00"), "\x00"+want) {
				return pid
			}
		}
	}
	t.Fatalf("no process with arguments %q", args)
	return 0
}
