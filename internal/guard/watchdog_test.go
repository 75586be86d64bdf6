package guard

import (
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"
)

// fakeWatchdog counts feeds.
type fakeWatchdog struct {
	mu       sync.Mutex
	feeds    []time.Time
	disarmed bool
}

func (w *fakeWatchdog) Feed() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.feeds = append(w.feeds, time.Now())
	return nil
}

func (w *fakeWatchdog) Disarm() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.disarmed = true
	return nil
}

func (w *fakeWatchdog) fedSince(t time.Time) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, f := range w.feeds {
		if f.After(t) {
			n++
		}
	}
	return n
}

// The guard arms the watchdog the agent names, feeds it while the lease
// is valid and after a deadline whose kill left nothing running, and
// disarms it when it stops.
func TestWatchdogFed(t *testing.T) {
	fake := &fakeWatchdog{}
	var mu sync.Mutex
	var asked string
	var timeout time.Duration
	openWatchdogDevice = func(path string, d time.Duration) (watchdogDevice, error) {
		mu.Lock()
		defer mu.Unlock()
		asked, timeout = path, d
		return fake, nil
	}
	t.Cleanup(func() {
		openWatchdogDevice = func(path string, d time.Duration) (watchdogDevice, error) { return openWatchdog(path, d) }
	})
	// An in-process guard (Exec ""), which uses the fake device.
	c, err := Connect(Config{Dir: t.TempDir(), Log: slog.Default(), Watchdog: "/dev/fake-watchdog", WatchdogTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	c.Extend(time.Now().Add(600 * time.Millisecond))
	begin := time.Now()
	time.Sleep(900 * time.Millisecond) // past the deadline, nothing to kill
	mu.Lock()
	if asked != "/dev/fake-watchdog" || timeout != time.Second {
		t.Errorf("armed %q with %v, want /dev/fake-watchdog with 1s", asked, timeout)
	}
	mu.Unlock()
	if n := fake.fedSince(begin); n < 3 {
		t.Errorf("fed %d times in 900 ms with a 1 s timeout, want every 250 ms", n)
	}
	after := time.Now()
	time.Sleep(600 * time.Millisecond)
	if n := fake.fedSince(after); n < 2 {
		t.Errorf("fed %d times after a deadline that left nothing running, want it fed on", n)
	}
	c.Close() // the inline guard stops with its agent
	deadline := time.Now().Add(2 * time.Second)
	for {
		fake.mu.Lock()
		done := fake.disarmed
		fake.mu.Unlock()
		if done {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the watchdog was not disarmed when the guard stopped")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A guard whose kill at the deadline left something running feeds the
// watchdog no more.
func TestWatchdogStarvedByLeftovers(t *testing.T) {
	fake := &fakeWatchdog{}
	s := &server{log: slog.Default(), groups: map[int]uint64{}, wake: make(chan struct{}, 1), wd: fake, wdEvery: time.Millisecond}
	s.feed()
	s.leftover = true
	s.feed()
	s.disarm()
	if n := fake.fedSince(time.Time{}); n != 1 || fake.disarmed {
		t.Errorf("feeds %d, disarmed %v; want 1 feed before the leftover, none after, not disarmed", n, fake.disarmed)
	}
	if err := s.apply(1, "deadline 1"); err != nil { // a new lease: the agent is back
		t.Fatal(err)
	}
	s.feed()
	if n := fake.fedSince(time.Time{}); n != 2 {
		t.Errorf("feeds %d after a new deadline, want 2", n)
	}
}

// The real device, where there is one: armed with a 1 s timeout, fed and
// disarmed again (the machine must not reset).
func TestWatchdogDevice(t *testing.T) {
	const dev = "/dev/watchdog"
	if _, err := os.Stat(dev); err != nil {
		t.Skipf("no %s here (%v): load the kernel's softdog (modprobe softdog) or run where a hardware watchdog exists; the guard's feeding is tested with a fake device above", dev, err)
	}
	if os.Geteuid() != 0 {
		t.Skip("the watchdog device needs root")
	}
	w, err := openWatchdog(dev, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if err := w.Feed(); err != nil {
			_ = w.Disarm()
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := w.Disarm(); err != nil {
		t.Fatalf("disarm (a kernel with nowayout resets the machine in 10 s): %v", err)
	}
}
