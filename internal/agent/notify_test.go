package agent

import (
	"bufio"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// listenNotify is a socket standing in for systemd's $NOTIFY_SOCKET.
func listenNotify(t *testing.T, name string) *net.UnixConn {
	t.Helper()
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: name, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func readNotify(t *testing.T, c *net.UnixConn) string {
	t.Helper()
	buf := make([]byte, 4096)
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, err := c.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	return string(buf[:n])
}

func TestNotifierTakesTheEnvironment(t *testing.T) {
	path := filepath.Join(t.TempDir(), "notify")
	c := listenNotify(t, path)
	t.Setenv("NOTIFY_SOCKET", path)
	t.Setenv("WATCHDOG_USEC", "3000000")
	t.Setenv("WATCHDOG_PID", strconv.Itoa(os.Getpid()))
	n := takeNotifier()
	if n.socket != path || n.watchdog != 3*time.Second {
		t.Fatalf("notifier %+v", n)
	}
	for _, v := range []string{"NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"} {
		if _, ok := os.LookupEnv(v); ok {
			t.Errorf("%s is still in the environment: child processes would inherit it", v)
		}
	}
	if err := n.send("READY=1\nSTATUS=up"); err != nil {
		t.Fatal(err)
	}
	if got := readNotify(t, c); got != "READY=1\nSTATUS=up" {
		t.Errorf("systemd got %q", got)
	}
}

func TestNotifierAbstractSocketAndOtherPID(t *testing.T) {
	name := "@baton-test-" + strconv.Itoa(os.Getpid())
	c := listenNotify(t, name)
	t.Setenv("NOTIFY_SOCKET", name)
	t.Setenv("WATCHDOG_USEC", "3000000")
	t.Setenv("WATCHDOG_PID", "1") // the watchdog is another process's
	n := takeNotifier()
	if n.watchdog != 0 {
		t.Errorf("watchdog %v for another process's WATCHDOG_PID", n.watchdog)
	}
	if err := n.send("WATCHDOG=1"); err != nil {
		t.Fatal(err)
	}
	if got := readNotify(t, c); got != "WATCHDOG=1" {
		t.Errorf("systemd got %q", got)
	}
	if err := (notifier{socket: "vsock:2:1234"}).send("READY=1"); err == nil {
		t.Error("a vsock socket is not spoken, and says so")
	}
	if err := (notifier{}).send("READY=1"); err != nil {
		t.Errorf("no socket: %v", err)
	}
}

func TestWatchdogHealthy(t *testing.T) {
	now := time.Now()
	for _, c := range []struct {
		name      string
		valid     bool
		lastJoin  time.Time
		wantAlive bool
	}{
		{"lease valid", true, now.Add(-time.Hour), true},
		{"lease lapsed, joining again", false, now.Add(-4 * time.Second), true},
		{"lease lapsed, no join for long", false, now.Add(-joinAttemptFresh), false},
		{"lease lapsed, never joined", false, time.Unix(0, 0), false},
	} {
		if got := watchdogHealthy(c.valid, c.lastJoin, now); got != c.wantAlive {
			t.Errorf("%s: healthy = %v", c.name, got)
		}
	}
}

// The unit's descriptor limit is what the agent's connection caps are
// sized for: at that limit both reach their ceilings, with a quarter of
// it left for the database, resources and files; at half of it they
// would not.
func TestServiceUnitLimitNOFILE(t *testing.T) {
	f, err := os.Open("../../packaging/baton.service")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var nofile uint64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "LimitNOFILE="); ok {
			if nofile, err = strconv.ParseUint(v, 10, 64); err != nil {
				t.Fatalf("LimitNOFILE=%s: %v", v, err)
			}
		}
	}
	if nofile == 0 {
		t.Fatal("baton.service sets no LimitNOFILE")
	}
	tcpMax, sockMax := connLimits(0, 1<<20)
	if tcp, sock := connLimits(0, nofile); tcp != tcpMax || sock != sockMax {
		t.Errorf("LimitNOFILE=%d: caps %d and %d, below their ceilings %d and %d", nofile, tcp, sock, tcpMax, sockMax)
	}
	if tcp, sock := connLimits(0, nofile/2); tcp == tcpMax && sock == sockMax {
		t.Errorf("LimitNOFILE=%d: half of it would do (caps %d and %d)", nofile, tcp, sock)
	}
}
