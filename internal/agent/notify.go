package agent

// systemd's service notifications (sd_notify(3)), for a unit of
// Type=notify (packaging/baton.service):
//
//	READY=1     once the API serves (Start has returned)
//	WATCHDOG=1  every third of WatchdogSec while the node is healthy (below)
//	STOPPING=1  when the agent begins to stop
//	STATUS=…    what `systemctl status baton` shows
//
// The messages are datagrams to $NOTIFY_SOCKET. The agent takes that
// variable (and $WATCHDOG_USEC, $WATCHDOG_PID) out of its environment as
// it starts, so that neither the fence guard nor a resource's processes
// inherit it: a notify-aware daemon run as a Generic Application would
// otherwise report to the agent's unit.
//
// Healthy, for the watchdog, is "holds a valid lease, or is working to get
// one back": the lease is valid by the node's own clock, or the agent tried
// to join the cluster again within joinAttemptFresh. A node cut off from the
// database therefore keeps its keep-alives (it fences, then tries to join
// again every few seconds; restarting it would not help and it could not
// start without the database anyway); an agent whose lease lapsed and that
// is not trying again — a renewal loop or host stuck, a deadlock — stops
// them, and systemd kills it (WatchdogSignal, the agent alone: KillMode=
// process) and starts it again (Restart=on-failure). Its resources are
// the fence guard's to kill meanwhile, at the lease's deadline, as for any
// agent that dies.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
)

// joinAttemptFresh is how long a join attempt counts as the node working
// to get a lease back: three attempts of the rejoin loop (each bounded by
// 5 s, runHost).
const joinAttemptFresh = 15 * time.Second

// notifier sends service notifications to systemd; the zero notifier
// (no $NOTIFY_SOCKET) sends nothing.
type notifier struct {
	socket string // $NOTIFY_SOCKET: a path, or @name in the abstract namespace
	// watchdog is $WATCHDOG_USEC when the watchdog is meant for this
	// process ($WATCHDOG_PID unset or ours); 0: no keep-alives.
	watchdog time.Duration
}

// takeNotifier reads systemd's notification variables and removes them
// from the environment, so that no child process inherits them.
func takeNotifier() notifier {
	n := notifier{socket: os.Getenv("NOTIFY_SOCKET")}
	usec, err := strconv.ParseInt(os.Getenv("WATCHDOG_USEC"), 10, 64)
	if pid := os.Getenv("WATCHDOG_PID"); err == nil && usec > 0 && (pid == "" || pid == strconv.Itoa(os.Getpid())) {
		n.watchdog = time.Duration(usec) * time.Microsecond
	}
	for _, v := range []string{"NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"} {
		_ = os.Unsetenv(v)
	}
	if n.socket == "" {
		n.watchdog = 0
	}
	return n
}

// errNotifySocket: $NOTIFY_SOCKET names a kind of socket the agent does
// not speak (systemd's vsock: addresses, for VMs).
var errNotifySocket = errors.New("agent: $NOTIFY_SOCKET: only Unix datagram sockets are supported")

// send sends one notification (lines of NAME=VALUE).
func (n notifier) send(state string) error {
	if n.socket == "" {
		return nil
	}
	if !strings.HasPrefix(n.socket, "/") && !strings.HasPrefix(n.socket, "@") {
		return errNotifySocket
	}
	// Go reads a leading @ as the abstract namespace, as systemd means it.
	c, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: n.socket, Net: "unixgram"})
	if err != nil {
		return fmt.Errorf("agent: notify systemd: %w", err)
	}
	defer c.Close()
	if _, err := c.Write([]byte(state)); err != nil {
		return fmt.Errorf("agent: notify systemd: %w", err)
	}
	return nil
}

// serveSystemd tells systemd the agent is ready, keeps its watchdog fed
// while the node is healthy, and returns when ctx ends (the agent is to
// stop), having said so. Without $NOTIFY_SOCKET it just waits for ctx.
func (a *Agent) serveSystemd(ctx context.Context, n notifier) {
	if n.socket == "" {
		<-ctx.Done()
		return
	}
	if err := n.send("READY=1\nSTATUS=" + a.status()); err != nil {
		a.log.Warn("cannot tell systemd the agent is ready", "err", err)
	}
	defer func() { _ = n.send("STOPPING=1\nSTATUS=stopping") }()
	if n.watchdog <= 0 {
		<-ctx.Done()
		return
	}
	a.log.Info("systemd watchdog: keep-alives while the node holds a valid lease or is joining again", "every", n.watchdog/3)
	tick := time.NewTicker(n.watchdog / 3)
	defer tick.Stop()
	healthy, failing := true, false
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			ok := a.healthy(now)
			if ok != healthy {
				healthy = ok
				if ok {
					a.log.Info("systemd watchdog: keep-alives resumed")
					_ = n.send("STATUS=" + a.status())
				} else {
					a.log.Warn("systemd watchdog: keep-alives stopped: no valid lease and no attempt to join again",
						"restartWithin", n.watchdog)
					_ = n.send("STATUS=unhealthy: no valid lease and no attempt to join again")
				}
			}
			if !ok {
				continue
			}
			err := n.send("WATCHDOG=1")
			if err != nil && !failing {
				a.log.Warn("systemd watchdog: cannot send keep-alive", "err", err)
			}
			failing = err != nil
		}
	}
}

// healthy reports whether the node holds a valid lease at now, or is
// working to get one back (see the top of this file).
func (a *Agent) healthy(now time.Time) bool {
	l := a.lease.Load()
	return watchdogHealthy(l != nil && l.Valid(now), time.Unix(0, a.joinTried.Load()), now)
}

func watchdogHealthy(leaseValid bool, lastJoinAttempt, now time.Time) bool {
	return leaseValid || now.Sub(lastJoinAttempt) < joinAttemptFresh
}

// status is the line systemd shows for a serving agent.
func (a *Agent) status() string {
	return fmt.Sprintf("node %s serving: https://%s, unix://%s (database: %s)", a.cfg.Name, a.tcpAddr, a.sockPath, a.databaseRole())
}
