package guard

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// The guard's timing — when it kills, when it exits, how often it feeds
// the watchdog — tested on a server in a testing/synctest bubble: its
// clock (time.Now, its timers and the CLOCK_MONOTONIC it reads deadlines
// by) is the bubble's, its agents connect over net.Pipe, and its kills
// are recorded instead of sent. The assertions are exact, to the
// nanosecond, however busy the machine. guard_test.go and cgroup_test.go
// run the real guard process against real processes.

// bubbleGuard is a guard server in a synctest bubble.
type bubbleGuard struct {
	t      *testing.T
	s      *server
	l      *pipeListener
	start  time.Time
	exited chan struct{} // closed when the server returns, at exitedAt

	mu       sync.Mutex // guards kills and exitedAt
	kills    []kill
	exitedAt time.Duration
}

// kill is a process group the guard killed, and when (since the start).
type kill struct {
	pgid  int
	ticks uint64
	at    time.Duration
}

func (k kill) String() string { return fmt.Sprintf("%d(%d)@%v", k.pgid, k.ticks, k.at) }

// startGuard starts a guard server in the calling test's bubble; the
// test's end stops it and waits for it.
func startGuard(t *testing.T) *bubbleGuard {
	g := &bubbleGuard{t: t, s: newServer(slog.New(slog.NewTextHandler(t.Output(), nil))), start: time.Now(), exited: make(chan struct{})}
	g.l = &pipeListener{conns: make(chan net.Conn), closed: make(chan struct{})}
	g.s.mono = func() int64 { return time.Now().UnixNano() } // the bubble's clock
	g.s.kill = func(pgid int, ticks uint64) {
		g.mu.Lock()
		defer g.mu.Unlock()
		g.kills = append(g.kills, kill{pgid, ticks, g.since()})
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		defer close(g.exited)
		if err := g.s.serve(ctx, g.l); err != nil {
			t.Errorf("serve: %v", err)
		}
		g.mu.Lock()
		g.exitedAt = g.since()
		g.mu.Unlock()
	}()
	t.Cleanup(func() { cancel(); <-g.exited })
	synctest.Wait()
	return g
}

func (g *bubbleGuard) since() time.Duration { return time.Since(g.start) }

// at sleeps until d after the start and lets the guard act.
func (g *bubbleGuard) at(d time.Duration) {
	g.t.Helper()
	if d < g.since() {
		g.t.Fatalf("at(%v): it is %v already", d, g.since())
	}
	time.Sleep(d - g.since())
	synctest.Wait()
}

// wantKills checks the process groups killed so far.
func (g *bubbleGuard) wantKills(want ...kill) {
	g.t.Helper()
	g.mu.Lock()
	defer g.mu.Unlock()
	if !slices.Equal(g.kills, want) {
		g.t.Errorf("at %v: killed %v, want %v", g.since(), g.kills, want)
	}
}

// running reports whether the guard runs on; if not, since when it is gone.
func (g *bubbleGuard) running() (bool, time.Duration) {
	select {
	case <-g.exited:
		g.mu.Lock()
		defer g.mu.Unlock()
		return false, g.exitedAt
	default:
		return true, 0
	}
}

// pipeListener is a listener whose connections are net.Pipe ends, which
// block durably in a synctest bubble (a Unix socket's do not).
type pipeListener struct {
	conns  chan net.Conn
	closed chan struct{}
	once   sync.Once
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return nil
}

func (l *pipeListener) Addr() net.Addr { return &net.UnixAddr{Name: "pipe", Net: "unix"} }

// agent is an agent's connection to the bubble's guard.
type agent struct {
	g *bubbleGuard
	c net.Conn
}

// connect connects an agent, which the guard accepts at once.
func (g *bubbleGuard) connect() *agent {
	g.t.Helper()
	ours, theirs := net.Pipe()
	select {
	case g.l.conns <- theirs:
	case <-g.exited:
		g.t.Fatal("the guard is gone")
	}
	synctest.Wait()
	a := &agent{g, ours}
	g.t.Cleanup(a.close)
	return a
}

// say sends one protocol line, and lets the guard act on it.
func (a *agent) say(format string, args ...any) {
	a.g.t.Helper()
	if _, err := fmt.Fprintf(a.c, format+"\n", args...); err != nil {
		a.g.t.Fatalf("say %q: %v", fmt.Sprintf(format, args...), err)
	}
	synctest.Wait()
}

// deadline moves the fencing deadline to d after the start, on the clock
// the bubble's guard reads as CLOCK_MONOTONIC.
func (a *agent) deadline(d time.Duration) { a.say("deadline %d", a.g.start.Add(d).UnixNano()) }

// close disconnects, as an agent that was killed.
func (a *agent) close() {
	a.c.Close()
	synctest.Wait()
}

// An agent that is gone leaves its processes to the guard: killed at the
// deadline it last gave, not a nanosecond earlier; then, with nothing
// left to guard and no agent, the guard exits.
func TestFencesAtTheDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := startGuard(t)
		a := g.connect()
		a.say("track 100 7")
		a.deadline(time.Second)
		a.close()
		g.at(time.Second - time.Nanosecond)
		g.wantKills()
		if ok, _ := g.running(); !ok {
			t.Fatal("the guard left before the deadline with a process to guard")
		}
		g.at(time.Second)
		g.wantKills(kill{100, 7, time.Second})
		if ok, at := g.running(); ok || at != time.Second {
			t.Errorf("running %v (exited at %v); want exited at the kill, 1s", ok, at)
		}
	})
}

// A live agent's renewals move the deadline on; a frozen agent (its
// connection open, no more renewals) is fenced at its last deadline, and
// only the groups still tracked are killed.
func TestRenewalsKeepProcesses(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := startGuard(t)
		a := g.connect()
		a.say("track 100 1")
		a.say("track 200 2")
		a.say("untrack 200") // stopped by the agent: none of the guard's business
		for renew := time.Duration(0); renew <= time.Second; renew += 100 * time.Millisecond {
			g.at(renew)
			a.deadline(renew + 500*time.Millisecond)
		}
		g.at(1500*time.Millisecond - time.Nanosecond)
		g.wantKills()
		g.at(1500 * time.Millisecond)
		g.wantKills(kill{100, 1, 1500 * time.Millisecond})
		// The frozen agent is still connected: the guard stays, for an
		// agent that may come back, until it disconnects.
		g.at(time.Minute)
		if ok, _ := g.running(); !ok {
			t.Fatal("the guard exited with an agent connected")
		}
		a.close()
		if ok, at := g.running(); ok || at != time.Minute {
			t.Errorf("running %v (exited at %v); want exited when the agent left, 1m", ok, at)
		}
	})
}

// A restarted agent connects to the guard still running and takes over:
// its deadline counts, and what its predecessor's connection still
// delivers after it does not undo it.
func TestSuccessorTakesOver(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := startGuard(t)
		old := g.connect()
		old.say("track 100 1")
		old.deadline(time.Second)
		successor := g.connect()
		successor.deadline(3 * time.Second)
		old.deadline(2 * time.Second) // buffered before the old agent died
		old.close()
		g.at(3*time.Second - time.Nanosecond)
		g.wantKills()
		g.at(3 * time.Second)
		g.wantKills(kill{100, 1, 3 * time.Second})
	})
}

// A guard no agent connects to leaves after idleExit; one whose agents
// have gone with nothing left to guard leaves at once.
func TestIdleGuardExits(t *testing.T) {
	t.Run("never connected", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			g := startGuard(t)
			g.at(idleExit - time.Nanosecond)
			if ok, _ := g.running(); !ok {
				t.Fatal("exited before idleExit")
			}
			g.at(idleExit)
			if ok, at := g.running(); ok || at != idleExit {
				t.Errorf("running %v (exited at %v); want exited at %v", ok, at, idleExit)
			}
		})
	})
	t.Run("agent gone", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			g := startGuard(t)
			a := g.connect()
			a.say("track 100 1")
			a.deadline(time.Hour)
			g.at(time.Second)
			a.say("untrack 100")
			a.close()
			if ok, at := g.running(); ok || at != time.Second {
				t.Errorf("running %v (exited at %v); want exited when the agent left, 1s", ok, at)
			}
			g.wantKills()
		})
	})
}

// fakeWatchdog records when it was fed and disarmed (since start).
type fakeWatchdog struct {
	start    time.Time
	mu       sync.Mutex // guards feeds and disarmed
	feeds    []time.Duration
	disarmed time.Duration // 0: not disarmed
}

func (w *fakeWatchdog) Feed() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.feeds = append(w.feeds, time.Since(w.start))
	return nil
}

func (w *fakeWatchdog) Disarm() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.disarmed = time.Since(w.start)
	return nil
}

// fedAt is when the watchdog was fed, each instant once.
func (w *fakeWatchdog) fedAt() []time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Compact(slices.Clone(w.feeds))
}

// The guard arms the watchdog the agent names, feeds it every quarter of
// its timeout while the lease is valid and on after a deadline whose kill
// left nothing running, and disarms it when it stops.
func TestWatchdogFed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := startGuard(t)
		fake := &fakeWatchdog{start: g.start}
		var asked string
		var timeout time.Duration
		g.s.openDevice = func(path string, d time.Duration) (watchdogDevice, error) {
			asked, timeout = path, d
			return fake, nil
		}
		a := g.connect()
		a.say("watchdog 1 /dev/fake-watchdog")
		if asked != "/dev/fake-watchdog" || timeout != time.Second {
			t.Errorf("armed %q with %v, want /dev/fake-watchdog with 1s", asked, timeout)
		}
		a.deadline(600 * time.Millisecond)
		g.at(1200 * time.Millisecond) // past the deadline, nothing to kill
		ms := time.Millisecond
		// Every 250 ms, and at the deadline (a wake-up to fence).
		if got, want := fake.fedAt(), []time.Duration{0, 250 * ms, 500 * ms, 600 * ms, 850 * ms, 1100 * ms}; !slices.Equal(got, want) {
			t.Errorf("fed at %v, want %v", got, want)
		}
		a.close() // the guard has nothing left to guard: it exits
		fake.mu.Lock()
		disarmed := fake.disarmed
		fake.mu.Unlock()
		if disarmed != 1200*ms {
			t.Errorf("disarmed at %v, want when the guard stopped, 1.2s", disarmed)
		}
	})
}

// A guard whose kill at the deadline left something running feeds the
// watchdog no more.
func TestWatchdogStarvedByLeftovers(t *testing.T) {
	fake := &fakeWatchdog{}
	s := newServer(slog.Default())
	s.wd, s.wdEvery = fake, time.Millisecond
	s.feed()
	s.leftover = true
	s.feed()
	s.disarm()
	if n := len(fake.feeds); n != 1 || fake.disarmed != 0 {
		t.Errorf("feeds %d, disarmed %v; want 1 feed before the leftover, none after, not disarmed", n, fake.disarmed)
	}
	if err := s.apply(1, "deadline 1"); err != nil { // a new lease: the agent is back
		t.Fatal(err)
	}
	s.feed()
	if n := len(fake.feeds); n != 2 {
		t.Errorf("feeds %d after a new deadline, want 2", n)
	}
}
