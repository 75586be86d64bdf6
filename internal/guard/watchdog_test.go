package guard

import (
	"os"
	"testing"
	"time"
)

// The real device, where there is one: armed with a 1 s timeout, fed and
// disarmed again (the machine must not reset).
func TestWatchdogDevice(t *testing.T) {
	const dev = "/dev/watchdog"
	if _, err := os.Stat(dev); err != nil {
		t.Skipf("no %s here (%v): load the kernel's softdog (modprobe softdog) or run where a hardware watchdog exists; the guard's feeding is tested with a fake device in policy_test.go", dev, err)
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
