package guard

import (
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// The watchdog: when the agent asks for it (`baton agent --watchdog
// /dev/watchdog`, off by default), the guard arms a hardware or kernel
// (softdog) watchdog and feeds it only while that is safe:
//
//   - before the fencing deadline (the lease is valid by the node's clock),
//     or
//   - after it, once nothing of the node's resources runs any more (the
//     guard's kill emptied the node's cgroup and every registered process
//     group is gone): a dead agent then costs no reboot.
//
// A guard that is killed, frozen, or cannot end what runs past the
// deadline stops feeding it, and so does a machine that stops as a whole;
// the watchdog then resets the machine at most WatchdogTimeout after the
// last feed, which was before the deadline s + T − M. With
// WatchdogTimeout < M (config.Validate insists) that is before s + T,
// when the lease could first expire and another node start the resources:
// the SBD model Pacemaker uses, docs/fencing.md.

// watchdogDevice is what the guard needs of a watchdog.
type watchdogDevice interface {
	Feed() error
	// Disarm stops the watchdog (the magic close), where the kernel
	// allows it (not with nowayout).
	Disarm() error
}

// linuxWatchdog is a /dev/watchdog device.
type linuxWatchdog struct {
	f *os.File
}

// openWatchdog opens and arms the watchdog device at path with the given
// timeout (whole seconds, at least one).
func openWatchdog(path string, timeout time.Duration) (*linuxWatchdog, error) {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return nil, fmt.Errorf("guard: watchdog: %w", err)
	}
	secs := int(timeout / time.Second)
	if err := unix.IoctlSetPointerInt(int(f.Fd()), unix.WDIOC_SETTIMEOUT, secs); err != nil {
		// Opening armed it with its default timeout: stop it again.
		w := &linuxWatchdog{f: f}
		_ = w.Disarm()
		return nil, fmt.Errorf("guard: watchdog %s: setting the timeout to %d s: %w", path, secs, err)
	}
	got, err := unix.IoctlGetInt(int(f.Fd()), unix.WDIOC_GETTIMEOUT)
	if err == nil && got != secs {
		w := &linuxWatchdog{f: f}
		_ = w.Disarm()
		return nil, fmt.Errorf("guard: watchdog %s: timeout %d s asked, the device has %d s", path, secs, got)
	}
	return &linuxWatchdog{f: f}, nil
}

func (w *linuxWatchdog) Feed() error { return unix.IoctlWatchdogKeepalive(int(w.f.Fd())) }

func (w *linuxWatchdog) Disarm() error {
	_, err := w.f.Write([]byte("V"))
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	return err
}
