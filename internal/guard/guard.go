// Package guard is a node's fence guard: a small process outside the
// agent that kills the resource processes of the node once the node's
// lease lapses and the agent has not stopped them itself.
//
// Resources such as Generic Application processes, QEMU VMs, the daemons
// OCF agents fork and the children of plugins run as processes of their
// own and outlive their agent. The agent stops them before its lease can
// expire (self-fencing, docs/fencing.md) — but an agent that is killed
// (kill -9, an OOM kill, a crash) or frozen (SIGSTOP, a stalled VM)
// cannot. The guard can: after every lease renewal the agent tells it the
// fencing deadline (liveness.Lease.Deadline, on the shared
// CLOCK_MONOTONIC); when the deadline passes without a newer one, the
// guard kills every process in the node's cgroup (internal/cgroup: each
// resource's cgroup is below it, so that is everything any resource
// started, however it forked) and every process group the types
// registered (the only protection where the node has no cgroups), well
// before the lease can expire on the database and another node may start
// them. It is what Windows' resource host monitor and Pacemaker's fencing
// do for a node whose cluster service died.
//
// The guard listens on a Unix socket in the node's data directory. An
// agent that restarts in time (before the deadline) connects to the guard
// already running and takes over, so its processes are reattached rather
// than killed. The guard exits once no agent is connected and it has
// nothing left to guard.
//
// The protocol is one line per message, from agent to guard:
//
//	deadline NS        kill everything at CLOCK_MONOTONIC NS unless extended
//	cgroup PATH        guard every process in the cgroup at PATH and below it
//	watchdog S PATH    arm the watchdog device at PATH with a timeout of S seconds (watchdog.go)
//	track PGID TICKS   guard process group PGID (its leader started at TICKS, /proc/PID/stat field 22)
//	untrack PGID       the group ended or was stopped by the agent
package guard

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/batoncluster/baton/internal/cgroup"
	"github.com/batoncluster/baton/internal/procstat"
)

// SocketName is the guard's socket in the node's data directory.
const SocketName = "guard.sock"

// cgroupKillWithin bounds killing the processes of one cgroup.
const cgroupKillWithin = 5 * time.Second

// idleExit is how long a guard that no agent has connected to yet waits
// for one; once its agents are gone and it has nothing left to guard it
// exits at once.
const idleExit = 10 * time.Second

// monoNow is CLOCK_MONOTONIC, the clock agent and guard share: it does not
// jump with the wall clock and counts alike in every process.
func monoNow() int64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		panic(err) // cannot fail on Linux
	}
	return ts.Nano()
}

// toMono converts t (with Go's monotonic reading) to CLOCK_MONOTONIC ns.
func toMono(t time.Time) int64 { return monoNow() + int64(time.Until(t)) }

// Serve runs the guard on l until ctx ends or it is idle: no agent
// connected and nothing guarded for idleExit.
func Serve(ctx context.Context, l net.Listener, log *slog.Logger) error {
	return newServer(log).serve(ctx, l)
}

func newServer(log *slog.Logger) *server {
	return &server{
		log:        log,
		mono:       monoNow,
		kill:       func(pgid int, ticks uint64) { killGroup(log, pgid, ticks) },
		openDevice: func(path string, timeout time.Duration) (watchdogDevice, error) { return openWatchdog(path, timeout) },
		groups:     map[int]uint64{},
		cgroups:    map[string]cgroup.Dir{},
		wake:       make(chan struct{}, 1),
	}
}

func (s *server) serve(ctx context.Context, l net.Listener) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		<-ctx.Done()
		l.Close()
	}()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				cancel()
				return
			}
			s.mu.Lock()
			s.accepted++
			id := s.accepted
			s.mu.Unlock()
			go s.serveConn(ctx, c, id)
		}
	}()
	return s.run(ctx)
}

type server struct {
	log *slog.Logger
	// The guard's clock and its hands, fields so that a test can run the
	// server in a testing/synctest bubble: mono reads CLOCK_MONOTONIC
	// (monoNow), kill kills a process group (killGroup), openDevice opens
	// and arms a watchdog device (openWatchdog).
	mono       func() int64
	kill       func(pgid int, ticks uint64)
	openDevice func(path string, timeout time.Duration) (watchdogDevice, error)

	mu       sync.Mutex
	deadline time.Time      // zero: none
	groups   map[int]uint64 // process group → start ticks of its leader
	cgroups  map[string]cgroup.Dir
	conns    int
	// accepted numbers connections in the order agents made them, and
	// deadlineFrom is the one the deadline came from: what a dead agent's
	// connection still had buffered must not undo what its successor said.
	accepted, deadlineFrom int
	wake                   chan struct{}

	// Owned by run (and apply, for wd, under mu): the watchdog, armed at
	// the agent's request, how often it is fed, and whether a fence left
	// something running (then it is fed no more).
	wd       watchdogDevice
	wdEvery  time.Duration
	leftover bool
	wdWarned bool
}

func (s *server) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// action is what the guard's run loop does next.
type action int

const (
	actWait  action = iota // feed the watchdog and wait: for a message, or for the time policy.next gives
	actFence               // the deadline passed: kill everything guarded
	actExit                // no agent and nothing to guard
)

func (a action) String() string {
	switch a {
	case actWait:
		return "wait"
	case actFence:
		return "fence"
	case actExit:
		return "exit"
	}
	return fmt.Sprintf("action(%d)", int(a))
}

// facts are what the guard knows at a wake-up, for policy.next.
type facts struct {
	deadline time.Time     // the fencing deadline; zero: none
	idle     bool          // no agent connected and nothing guarded
	served   bool          // an agent has connected since the guard started
	feedEach time.Duration // how often the watchdog is fed; 0: none armed
}

// policy decides when the guard kills, exits and wakes: no I/O, and the
// time passed in. The watchdog is fed at every wake-up (feed decides
// whether that is safe).
type policy struct {
	idleSince time.Time // since when the guard has had nothing to do
}

// next is what to do at now, and for an actWait how long to wait at most.
func (p *policy) next(f facts, now time.Time) (action, time.Duration) {
	if !f.deadline.IsZero() && !now.Before(f.deadline) {
		return actFence, 0
	}
	switch {
	case !f.idle:
		p.idleSince = now
	case f.served || now.Sub(p.idleSince) >= idleExit:
		// Nothing to hand to a restarted agent: it starts its own.
		return actExit, 0
	}
	wait := idleExit
	if !f.deadline.IsZero() {
		wait = min(wait, f.deadline.Sub(now))
	}
	if f.feedEach > 0 {
		wait = min(wait, f.feedEach)
	}
	return actWait, wait
}

// facts reads what policy.next decides by.
func (s *server) facts() facts {
	s.mu.Lock()
	f := facts{deadline: s.deadline, idle: s.conns == 0 && len(s.groups) == 0, served: s.accepted > 0}
	if s.wd != nil {
		f.feedEach = s.wdEvery
	}
	cgroups := slices.Collect(maps.Values(s.cgroups))
	s.mu.Unlock()
	for _, d := range cgroups {
		if pop, err := d.Populated(); err != nil || pop {
			f.idle = false
		}
	}
	return f
}

// run kills at the deadline and exits when idle, as policy says.
func (s *server) run(ctx context.Context) error {
	defer s.disarm()
	p := policy{idleSince: time.Now()}
	for {
		s.feed()
		act, wait := p.next(s.facts(), time.Now())
		switch act {
		case actFence:
			s.fence()
			continue
		case actExit:
			s.log.Info("guard: no agent and nothing to guard; exiting")
			return nil
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-s.wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// fence kills every process of the guarded cgroups and every guarded
// process group: the node's authority ended.
func (s *server) fence() {
	s.mu.Lock()
	groups := s.groups
	cgroups := slices.Collect(maps.Values(s.cgroups))
	s.groups, s.deadline = map[int]uint64{}, time.Time{}
	s.mu.Unlock()
	for _, d := range cgroups {
		pids, _ := d.Procs()
		ctx, cancel := context.WithTimeout(context.Background(), cgroupKillWithin)
		err := d.Kill(ctx)
		cancel()
		switch {
		case err != nil:
			s.mu.Lock()
			s.leftover = true // the watchdog is fed no more
			s.mu.Unlock()
			s.log.Error("guard: cannot kill the processes of the cgroup", "cgroup", d.Path, "err", err)
		case len(pids) > 0:
			s.log.Warn("guard: lease deadline passed without the agent; killed the processes of the cgroup",
				"cgroup", d.Path, "processes", len(pids))
		}
	}
	for pgid, ticks := range groups {
		s.kill(pgid, ticks)
	}
}

// killGroup kills process group pgid, whose leader started at ticks.
func killGroup(log *slog.Logger, pgid int, ticks uint64) {
	// The leader may be gone while the rest of its group lives on; a
	// leader that is there must be the one registered (not a new process
	// that reused the number).
	if st, err := procstat.Read(pgid); err == nil && ticks != 0 && st.StartTicks != ticks {
		return
	}
	err := syscall.Kill(-pgid, syscall.SIGKILL)
	switch {
	case errors.Is(err, syscall.ESRCH):
	case err != nil:
		log.Error("guard: cannot kill process group", "pgid", pgid, "err", err)
	default:
		log.Warn("guard: lease deadline passed without the agent; killed process group", "pgid", pgid)
	}
}

func (s *server) serveConn(ctx context.Context, c net.Conn, id int) {
	defer c.Close()
	s.mu.Lock()
	s.conns++
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.conns--
		s.mu.Unlock()
		s.poke()
	}()
	sc := bufio.NewScanner(c)
	for sc.Scan() && ctx.Err() == nil {
		if err := s.apply(id, sc.Text()); err != nil {
			s.log.Warn("guard: bad message", "msg", sc.Text(), "err", err)
		}
	}
}

// apply carries out one message from connection conn.
func (s *server) apply(conn int, line string) error {
	f := strings.Fields(line)
	if len(f) == 0 {
		return nil
	}
	if rest, ok := strings.CutPrefix(line, "watchdog "); ok {
		return s.arm(rest)
	}
	if path, ok := strings.CutPrefix(line, "cgroup "); ok {
		d, err := cgroup.Open(path)
		if err != nil {
			return err
		}
		s.mu.Lock()
		s.cgroups[d.Path] = d
		s.mu.Unlock()
		s.poke()
		return nil
	}
	nums := make([]int64, len(f)-1)
	for i, a := range f[1:] {
		n, err := strconv.ParseInt(a, 10, 64)
		if err != nil {
			return err
		}
		nums[i] = n
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case f[0] == "deadline" && len(nums) == 1:
		if conn >= s.deadlineFrom {
			// CLOCK_MONOTONIC ns to a time.Time of this process.
			s.deadline, s.deadlineFrom = time.Now().Add(time.Duration(nums[0]-s.mono())), conn
			s.leftover = false // a new lease: the agent is there again
		}
	case f[0] == "track" && len(nums) == 2 && nums[0] > 1:
		s.groups[int(nums[0])] = uint64(nums[1])
	case f[0] == "untrack" && len(nums) == 1:
		delete(s.groups, int(nums[0]))
	default:
		return fmt.Errorf("unknown message")
	}
	s.poke()
	return nil
}

// Listen makes the guard's socket in dir, replacing a stale one (a guard
// that died); it fails if a live guard holds it.
func Listen(dir string) (net.Listener, error) {
	path := dir + "/" + SocketName
	if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
		c.Close()
		return nil, fmt.Errorf("guard: one is running already at %s", path)
	}
	_ = os.Remove(path)
	return net.Listen("unix", path)
}

// arm carries out "watchdog SECONDS PATH": it opens and arms the device
// unless one is armed already.
func (s *server) arm(arg string) error {
	secs, path, ok := strings.Cut(arg, " ")
	n, err := strconv.Atoi(secs)
	if !ok || err != nil || n < 1 || path == "" {
		return fmt.Errorf("bad watchdog message")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.wd != nil {
		return nil
	}
	timeout := time.Duration(n) * time.Second
	wd, err := s.openDevice(path, timeout)
	if err != nil {
		s.log.Error("guard: cannot arm the watchdog; the node is not protected against a dead guard or a frozen machine", "device", path, "err", err)
		return err
	}
	s.wd, s.wdEvery = wd, timeout/4
	s.log.Info("guard: watchdog armed", "device", path, "timeout", timeout)
	if err := wd.Feed(); err != nil {
		s.log.Error("guard: cannot feed the watchdog", "err", err)
	}
	s.poke()
	return nil
}

// feed feeds the watchdog, if armed, unless a fence could not end what
// ran past the deadline.
func (s *server) feed() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.wd == nil {
		return
	}
	if s.leftover {
		if !s.wdWarned {
			s.wdWarned = true
			s.log.Error("guard: resource processes outlived the deadline; no longer feeding the watchdog: the machine resets")
		}
		return
	}
	if err := s.wd.Feed(); err != nil && !s.wdWarned {
		s.wdWarned = true
		s.log.Error("guard: cannot feed the watchdog", "err", err)
	}
}

// disarm stops the watchdog as the guard exits, unless something it
// could not kill runs on.
func (s *server) disarm() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.wd == nil || s.leftover {
		return
	}
	if err := s.wd.Disarm(); err != nil {
		s.log.Error("guard: cannot disarm the watchdog (nowayout?): the machine resets", "err", err)
		return
	}
	s.wd = nil
	s.log.Info("guard: watchdog disarmed")
}
