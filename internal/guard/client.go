package guard

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/batoncluster/baton/internal/cgroup"
	"github.com/batoncluster/baton/internal/procstat"
)

// Config says where the guard lives and how to start one.
type Config struct {
	// Dir is the node's data directory: the socket, and the guard's log
	// (guard.log), are in it.
	Dir string
	// Exec is the baton binary, run as `Exec guard --dir Dir` in a session
	// of its own so that it outlives the agent. "" runs the guard inside
	// this process instead: it then dies with the agent and protects
	// nothing, which only suits in-process test harnesses.
	Exec string
	Log  *slog.Logger
	// Cgroup is the node's cgroup directory (internal/cgroup), whose every
	// process the guard kills at the deadline; "": none.
	Cgroup string
	// Watchdog is a watchdog device the guard arms and feeds while that
	// is safe (watchdog.go), with WatchdogTimeout (whole seconds); "":
	// none, the default.
	Watchdog        string
	WatchdogTimeout time.Duration
}

// Client is the agent's connection to its guard. It is safe for
// concurrent use; a guard that went away is started again and told
// everything once more at the next message.
type Client struct {
	cfg    Config
	inline context.CancelFunc // stops an in-process guard

	// next is the latest deadline (CLOCK_MONOTONIC ns) to tell the guard;
	// a goroutine of its own sends it, so that the lease's renewal loop
	// never waits on the guard.
	next      atomic.Int64
	kick      chan struct{}
	done      chan struct{}
	closeOnce sync.Once

	mu       sync.Mutex
	conn     net.Conn
	deadline int64          // CLOCK_MONOTONIC ns; 0: none sent yet
	tracked  map[int]uint64 // process group → start ticks of its leader
	warned   bool
}

// Connect connects to the guard of cfg.Dir, starting one if none runs.
func Connect(cfg Config) (*Client, error) {
	c := &Client{cfg: cfg, tracked: map[int]uint64{}, kick: make(chan struct{}, 1), done: make(chan struct{})}
	// A guard whose agent just stopped exits once it has nothing left to
	// guard: a restarted agent may reach it as it goes, and see its first
	// write fail. The next try starts a guard afresh.
	var err error
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		c.mu.Lock()
		err = c.dial()
		c.mu.Unlock()
		if err == nil || time.Now().After(deadline) {
			break
		}
		cfg.Log.Info("guard: connecting again", "err", err)
	}
	if err != nil {
		return nil, err
	}
	go c.sendDeadlines()
	return c, nil
}

// Extend moves the kill deadline to d (liveness.Lease.Deadline after a
// renewal). It does not wait for the guard.
func (c *Client) Extend(d time.Time) {
	c.next.Store(toMono(d))
	select {
	case c.kick <- struct{}{}:
	default: // a send is due already; it reads the latest
	}
}

func (c *Client) sendDeadlines() {
	for {
		select {
		case <-c.done:
			return
		case <-c.kick:
		}
		c.mu.Lock()
		c.flushDeadline()
		c.mu.Unlock()
	}
}

// flushDeadline sends the latest deadline if the guard has not had it.
// Called with mu held.
func (c *Client) flushDeadline() {
	if ns := c.next.Load(); ns != 0 && ns != c.deadline {
		c.deadline = ns
		c.send(fmt.Sprintf("deadline %d\n", ns))
	}
}

// Track has the guard kill process group pgid if the deadline passes.
// Its leader, pgid itself, must be running: its start time tells it from
// a later process that reuses the number.
func (c *Client) Track(pgid int) {
	st, err := procstat.Read(pgid)
	if err != nil {
		c.cfg.Log.Warn("guard: cannot track process group", "pgid", pgid, "err", err)
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if t, ok := c.tracked[pgid]; ok && t == st.StartTicks {
		return // types may say it again whenever they see it running
	}
	c.tracked[pgid] = st.StartTicks
	c.send(fmt.Sprintf("track %d %d\n", pgid, st.StartTicks))
}

// Untrack forgets process group pgid (it ended, or was stopped).
func (c *Client) Untrack(pgid int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.tracked[pgid]; !ok {
		return
	}
	delete(c.tracked, pgid)
	c.send(fmt.Sprintf("untrack %d\n", pgid))
}

// Close disconnects. The guard keeps the last deadline: what is still
// tracked is killed then, unless an agent connects and extends it first.
func (c *Client) Close() {
	c.closeOnce.Do(func() { close(c.done) })
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn != nil {
		c.flushDeadline()
	}
	if c.conn != nil {
		c.conn.Close()
		c.conn = nil
	}
	if c.inline != nil {
		c.inline()
	}
}

// Tracked says how many process groups, and processes in the node's
// cgroup, the guard would kill at the deadline, forgetting the groups
// whose leader has ended (a type need not say Untrack for a process that
// died by itself).
func (c *Client) Tracked() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	for pgid, ticks := range c.tracked {
		if st, err := procstat.Read(pgid); err != nil || st.StartTicks != ticks || st.State == 'Z' {
			delete(c.tracked, pgid)
			c.send(fmt.Sprintf("untrack %d\n", pgid))
		}
	}
	n := len(c.tracked)
	if c.cfg.Cgroup != "" {
		if d, err := cgroup.Open(c.cfg.Cgroup); err == nil {
			pids, _ := d.Procs()
			n += len(pids)
		}
	}
	return n
}

// send writes msg, reconnecting (and starting a guard) once if need be.
// Called with mu held.
func (c *Client) send(msg string) {
	for attempt := 0; attempt < 2; attempt++ {
		if c.conn == nil {
			if err := c.dial(); err != nil {
				break
			}
			c.warned = false
			return // dial sent the whole state, msg included
		}
		_ = c.conn.SetWriteDeadline(time.Now().Add(time.Second))
		if _, err := c.conn.Write([]byte(msg)); err == nil {
			c.warned = false
			return
		}
		c.conn.Close()
		c.conn = nil
	}
	if !c.warned {
		c.warned = true
		c.cfg.Log.Error("guard: cannot reach the fence guard; resource processes are not protected if this agent dies")
	}
}

// dial connects to the guard, starting one if none answers, and tells it
// the whole state. Called with mu held.
func (c *Client) dial() error {
	path := filepath.Join(c.cfg.Dir, SocketName)
	conn, err := net.DialTimeout("unix", path, time.Second)
	if err != nil {
		if err := c.start(); err != nil {
			return err
		}
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			if conn, err = net.DialTimeout("unix", path, time.Second); err == nil {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("guard: not answering at %s: %w", path, err)
			}
		}
	}
	state := ""
	if c.cfg.Cgroup != "" {
		state += "cgroup " + c.cfg.Cgroup + "\n"
	}
	if c.cfg.Watchdog != "" {
		state += fmt.Sprintf("watchdog %d %s\n", int(c.cfg.WatchdogTimeout/time.Second), c.cfg.Watchdog)
	}
	if c.deadline != 0 {
		state += fmt.Sprintf("deadline %d\n", c.deadline)
	}
	for pgid, ticks := range c.tracked {
		state += fmt.Sprintf("track %d %d\n", pgid, ticks)
	}
	_ = conn.SetWriteDeadline(time.Now().Add(time.Second))
	if _, err := conn.Write([]byte(state)); err != nil {
		conn.Close()
		return fmt.Errorf("guard: %w", err)
	}
	c.conn = conn
	return nil
}

// start starts a guard for c.cfg.Dir.
func (c *Client) start() error {
	if c.cfg.Exec == "" {
		l, err := Listen(c.cfg.Dir)
		if err != nil {
			return err
		}
		ctx, cancel := context.WithCancel(context.Background())
		c.inline = cancel
		go func() { _ = Serve(ctx, l, c.cfg.Log) }()
		return nil
	}
	logf, err := os.OpenFile(filepath.Join(c.cfg.Dir, "guard.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("guard: log: %w", err)
	}
	defer logf.Close()
	cmd := exec.Command(c.cfg.Exec, "guard", "--dir", c.cfg.Dir)
	cmd.Stdout, cmd.Stderr = logf, logf
	// A session of its own: signals to the agent's process group (a
	// Ctrl-C, a service manager stopping the agent) do not reach it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("guard: start: %w", err)
	}
	c.cfg.Log.Info("fence guard started", "pid", cmd.Process.Pid)
	// Reap it if it ends while this agent runs; otherwise init adopts it.
	go func() { _ = cmd.Wait() }()
	return nil
}
