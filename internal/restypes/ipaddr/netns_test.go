package ipaddr

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/batoncluster/baton/proplist"
	"github.com/batoncluster/baton/restype"
)

// These tests run the type against real interfaces in a network namespace
// of their own: a veth pair, vip0 carrying the address and peer0 where a
// packet socket captures what leaves vip0. They need root and iproute2.

// testNS is a network namespace made for one test.
type testNS struct {
	t    *testing.T
	name string
}

// newNS makes a namespace named baton-test-<random> with the veth pair
// vip0 <-> peer0 up in it, removed when the test ends.
func newNS(t *testing.T) *testNS {
	t.Helper()
	if _, err := exec.LookPath("ip"); err != nil {
		t.Fatalf("the ip command is missing: install iproute2 (apt-get install -y iproute2): %v", err)
	}
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	ns := &testNS{t: t, name: "baton-test-" + hex.EncodeToString(b[:])}
	if out, err := exec.Command("ip", "netns", "add", ns.name).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add %s: %v: %s (these tests need root: CAP_NET_ADMIN and CAP_SYS_ADMIN)", ns.name, err, out)
	}
	t.Cleanup(func() {
		// Deleting the namespace deletes the links in it.
		if out, err := exec.Command("ip", "netns", "del", ns.name).CombinedOutput(); err != nil {
			t.Errorf("ip netns del %s: %v: %s", ns.name, err, out)
		}
	})
	ns.ip("link", "add", "vip0", "type", "veth", "peer", "name", "peer0")
	ns.ip("link", "set", "lo", "up")
	ns.ip("link", "set", "vip0", "up")
	ns.ip("link", "set", "peer0", "up")
	return ns
}

// ip runs `ip -n NS args…` and returns its output; failure ends the test.
func (ns *testNS) ip(args ...string) string {
	ns.t.Helper()
	out, err := exec.Command("ip", append([]string{"-n", ns.name}, args...)...).CombinedOutput()
	if err != nil {
		ns.t.Fatalf("ip -n %s %s: %v: %s", ns.name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// do runs fn on an OS thread switched into the namespace. The thread is
// never switched back: it ends with the goroutine, so no other goroutine
// ever runs in the test's namespace. fn may call t.Error but not
// t.Fatal; a failure in it ends the test after it returns.
func (ns *testNS) do(fn func()) {
	ns.t.Helper()
	done := make(chan error)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread exits with us
		f, err := os.Open("/run/netns/" + ns.name)
		if err != nil {
			done <- err
			return
		}
		err = unix.Setns(int(f.Fd()), unix.CLONE_NEWNET)
		f.Close()
		if err != nil {
			done <- err
			return
		}
		fn()
		done <- nil
	}()
	if err := <-done; err != nil {
		ns.t.Fatalf("entering namespace %s: %v", ns.name, err)
	}
	if ns.t.Failed() {
		ns.t.FailNow()
	}
}

// capture opens a packet socket on peer0 in the namespace that sees every
// frame crossing it.
func (ns *testNS) capture() *capture {
	ns.t.Helper()
	c := &capture{t: ns.t}
	ns.do(func() {
		link, err := netlink.LinkByName("peer0")
		if err != nil {
			ns.t.Error(err)
			return
		}
		all := int(htons(unix.ETH_P_ALL))
		fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, all)
		if err != nil {
			ns.t.Error(err)
			return
		}
		if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: uint16(all), Ifindex: link.Attrs().Index}); err != nil {
			unix.Close(fd)
			ns.t.Error(err)
			return
		}
		tv := unix.NsecToTimeval((50 * time.Millisecond).Nanoseconds())
		if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
			unix.Close(fd)
			ns.t.Error(err)
			return
		}
		c.fd = fd
	})
	ns.t.Cleanup(func() { unix.Close(c.fd) })
	return c
}

type capture struct {
	t  *testing.T
	fd int
}

// until reads frames until match has accepted enough of them (it returns
// true) or the deadline passes; it returns the frames match accepted.
func (c *capture) until(d time.Duration, match func(f []byte) (keep, enough bool)) [][]byte {
	c.t.Helper()
	var kept [][]byte
	buf := make([]byte, 65536)
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		n, _, err := unix.Recvfrom(c.fd, buf, 0)
		if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			c.t.Fatalf("capture: %v", err)
		}
		f := append([]byte(nil), buf[:n]...)
		keep, enough := match(f)
		if keep {
			kept = append(kept, f)
		}
		if enough {
			break
		}
	}
	return kept
}

func (ns *testNS) mac(link string) net.HardwareAddr {
	ns.t.Helper()
	var mac net.HardwareAddr
	ns.do(func() {
		l, err := netlink.LinkByName(link)
		if err != nil {
			ns.t.Error(err)
			return
		}
		mac = l.Attrs().HardwareAddr
	})
	return mac
}

// present reports, through netlink in the namespace, whether addr/prefix
// is on link.
func (ns *testNS) present(link string, ip netip.Addr, prefix int) bool {
	ns.t.Helper()
	var ok bool
	ns.do(func() {
		l, err := netlink.LinkByName(link)
		if err != nil {
			ns.t.Error(err)
			return
		}
		found, err := findAddr(l, ip)
		if err != nil {
			ns.t.Error(err)
			return
		}
		ok = hasPrefix(found, prefix)
	})
	return ok
}

// shown reports whether `ip addr show dev link` lists cidr.
func (ns *testNS) shown(link, cidr string) bool {
	ns.t.Helper()
	for _, f := range strings.Fields(ns.ip("addr", "show", "dev", link)) {
		if f == cidr {
			return true
		}
	}
	return false
}

// call runs a type call in the namespace.
func (ns *testNS) call(fn func(ctx context.Context) error) error {
	ns.t.Helper()
	var err error
	ns.do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err = fn(ctx)
	})
	return err
}

func newResource(t *testing.T, kv ...any) restype.Resource {
	t.Helper()
	r, err := Type().New(restype.Config{Name: "vip", Group: "g", Properties: props(kv...), Log: testLogger(t)})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return r
}

func online(ctx context.Context, r restype.Resource) error {
	return r.Online(ctx, restype.OnlineRequest{})
}

func offline(ctx context.Context, r restype.Resource) error {
	return r.Offline(ctx, restype.OfflineRequest{})
}

func TestNetnsIPv4(t *testing.T) {
	ns := newNS(t)
	mac := ns.mac("vip0")
	vip := netip.MustParseAddr("192.0.2.10")
	capt := ns.capture()
	r := newResource(t, PropAddress, proplist.SZ(vip.String()), PropPrefixLength, proplist.DWORD(24),
		PropInterface, proplist.SZ("vip0"), PropLabel, proplist.SZ("vip0:float"))

	if err := ns.call(r.LooksAlive); !errors.Is(err, ErrAddressMissing) {
		t.Errorf("LooksAlive before online = %v, want ErrAddressMissing", err)
	}
	if err := ns.call(func(ctx context.Context) error { return online(ctx, r) }); err != nil {
		t.Fatalf("Online: %v", err)
	}
	if !ns.present("vip0", vip, 24) {
		t.Error("after Online, netlink does not list 192.0.2.10/24 on vip0")
	}
	if !ns.shown("vip0", "192.0.2.10/24") {
		t.Errorf("after Online, ip addr show does not list 192.0.2.10/24:\n%s", ns.ip("addr", "show", "dev", "vip0"))
	}
	if !strings.Contains(ns.ip("addr", "show", "dev", "vip0"), "vip0:float") {
		t.Errorf("label vip0:float missing:\n%s", ns.ip("addr", "show", "dev", "vip0"))
	}
	for name, check := range map[string]func(context.Context) error{"LooksAlive": r.LooksAlive, "IsAlive": r.IsAlive} {
		if err := ns.call(check); err != nil {
			t.Errorf("%s after Online = %v", name, err)
		}
	}

	// The gratuitous ARP left vip0: peer0 saw the request and the reply.
	var ops []uint16
	capt.until(3*time.Second, func(f []byte) (bool, bool) {
		a, ok := parseARP(f)
		if !ok || a.src.String() != mac.String() {
			return false, false
		}
		if a.sha.String() != mac.String() || a.spa != vip || a.tpa != vip || a.dst.String() != broadcastMAC.String() {
			t.Errorf("ARP frame is not a gratuitous ARP for %s from %s: %+v", vip, mac, a)
		}
		ops = append(ops, a.op)
		return true, len(ops) == 2*announceRounds
	})
	if want := []uint16{arpRequest, arpReply, arpRequest, arpReply}; !slices.Equal(ops, want) {
		t.Errorf("ARP operations seen on peer0 = %v, want %v", ops, want)
	}
	if n, _ := r.(restype.StatusReporter).Status().DWORD(StatusAnnouncements); n != 2*announceRounds {
		t.Errorf("status %s = %d, want %d", StatusAnnouncements, n, 2*announceRounds)
	}

	// Online again (as after an agent restart) succeeds and adds nothing.
	if err := ns.call(func(ctx context.Context) error { return online(ctx, r) }); err != nil {
		t.Fatalf("second Online: %v", err)
	}
	if n := strings.Count(ns.ip("-4", "addr", "show", "dev", "vip0"), "192.0.2.10/"); n != 1 {
		t.Errorf("after a second Online the address is listed %d times", n)
	}

	// The interface going down fails IsAlive only.
	ns.ip("link", "set", "vip0", "down")
	if err := ns.call(r.IsAlive); !errors.Is(err, ErrInterfaceDown) {
		t.Errorf("IsAlive with vip0 down = %v, want ErrInterfaceDown", err)
	}
	if err := ns.call(r.LooksAlive); err != nil {
		t.Errorf("LooksAlive with vip0 down = %v", err)
	}
	ns.ip("link", "set", "vip0", "up")

	// Someone removes the address: health fails.
	ns.ip("addr", "del", "192.0.2.10/24", "dev", "vip0")
	for name, check := range map[string]func(context.Context) error{"LooksAlive": r.LooksAlive, "IsAlive": r.IsAlive} {
		if err := ns.call(check); !errors.Is(err, ErrAddressMissing) {
			t.Errorf("%s after an external delete = %v, want ErrAddressMissing", name, err)
		}
	}

	// Back online, then offline: gone.
	if err := ns.call(func(ctx context.Context) error { return online(ctx, r) }); err != nil {
		t.Fatalf("Online after external delete: %v", err)
	}
	if err := ns.call(func(ctx context.Context) error { return offline(ctx, r) }); err != nil {
		t.Fatalf("Offline: %v", err)
	}
	if ns.present("vip0", vip, 24) || ns.shown("vip0", "192.0.2.10/24") {
		t.Errorf("after Offline the address is still there:\n%s", ns.ip("addr", "show", "dev", "vip0"))
	}
	// Offline when absent, and Terminate, succeed.
	if err := ns.call(func(ctx context.Context) error { return offline(ctx, r) }); err != nil {
		t.Errorf("Offline when absent: %v", err)
	}
	if err := ns.call(r.(restype.Terminator).Terminate); err != nil {
		t.Errorf("Terminate when absent: %v", err)
	}
}

func TestNetnsIPv6(t *testing.T) {
	ns := newNS(t)
	mac := ns.mac("vip0")
	vip := netip.MustParseAddr("2001:db8::10")
	capt := ns.capture()
	r := newResource(t, PropAddress, proplist.SZ(vip.String()), PropInterface, proplist.SZ("vip0"))

	if err := ns.call(func(ctx context.Context) error { return online(ctx, r) }); err != nil {
		t.Fatalf("Online: %v", err)
	}
	if !ns.present("vip0", vip, 64) {
		t.Error("after Online, netlink does not list 2001:db8::10/64 on vip0")
	}
	out := ns.ip("-6", "addr", "show", "dev", "vip0")
	if !ns.shown("vip0", "2001:db8::10/64") {
		t.Errorf("after Online, ip addr show does not list 2001:db8::10/64:\n%s", out)
	}
	if i := strings.Index(out, "2001:db8::10/64"); i >= 0 && strings.Contains(strings.SplitN(out[i:], "\n", 2)[0], "tentative") {
		t.Errorf("address is tentative (DAD not skipped):\n%s", out)
	}
	if err := ns.call(r.IsAlive); err != nil {
		t.Errorf("IsAlive after Online = %v", err)
	}

	seen := 0
	nas := capt.until(3*time.Second, func(f []byte) (bool, bool) {
		na, ok := parseNA(f)
		if !ok || na.target != vip || na.src != vip {
			return false, false
		}
		seen++
		return true, seen == announceRounds
	})
	if len(nas) < announceRounds {
		t.Fatalf("peer0 saw %d neighbour advertisements for %s, want %d", len(nas), vip, announceRounds)
	}
	for _, f := range nas {
		na, _ := parseNA(f)
		if na.src != vip || na.dst != allNodes || !na.override || na.solicited || na.hopLimit != 255 ||
			na.lladdr.String() != mac.String() || !na.checksumOK || net.HardwareAddr(f[6:12]).String() != mac.String() {
			t.Errorf("advertisement is not an unsolicited NA for %s from %s: %+v", vip, mac, na)
		}
	}

	ns.ip("-6", "addr", "del", "2001:db8::10/64", "dev", "vip0")
	if err := ns.call(r.LooksAlive); !errors.Is(err, ErrAddressMissing) {
		t.Errorf("LooksAlive after an external delete = %v, want ErrAddressMissing", err)
	}
	if err := ns.call(func(ctx context.Context) error { return online(ctx, r) }); err != nil {
		t.Fatalf("Online again: %v", err)
	}
	if err := ns.call(func(ctx context.Context) error { return offline(ctx, r) }); err != nil {
		t.Fatalf("Offline: %v", err)
	}
	if ns.present("vip0", vip, 64) || ns.shown("vip0", "2001:db8::10/64") {
		t.Errorf("after Offline the address is still there:\n%s", ns.ip("-6", "addr", "show", "dev", "vip0"))
	}

	// The checksum agrees with the kernel's: make it send an unsolicited
	// NA of its own (ndisc_notify) from peer0 and verify it.
	ns.do(func() {
		// /proc/sys/net shows the namespace of the thread that opens it.
		if err := os.WriteFile("/proc/sys/net/ipv6/conf/peer0/ndisc_notify", []byte("1\n"), 0o644); err != nil {
			t.Error(err)
		}
	})
	kvip := netip.MustParseAddr("2001:db8::99")
	ns.ip("-6", "addr", "add", "2001:db8::99/64", "dev", "peer0")
	kernel := capt.until(5*time.Second, func(f []byte) (bool, bool) {
		na, ok := parseNA(f)
		return ok && na.target == kvip, ok && na.target == kvip
	})
	if len(kernel) == 0 {
		t.Fatal("the kernel sent no neighbour advertisement for 2001:db8::99 (ndisc_notify)")
	}
	if na, _ := parseNA(kernel[0]); !na.checksumOK {
		t.Errorf("icmpv6Checksum does not verify the kernel's advertisement: %+v", na)
	}
}

func TestNetnsPrefixConflictAndMissingInterface(t *testing.T) {
	ns := newNS(t)
	ns.ip("addr", "add", "192.0.2.20/32", "dev", "vip0")
	r := newResource(t, PropAddress, proplist.SZ("192.0.2.20"), PropInterface, proplist.SZ("vip0"))
	err := ns.call(func(ctx context.Context) error { return online(ctx, r) })
	if err == nil || !strings.Contains(err.Error(), "prefix length 32") {
		t.Errorf("Online over 192.0.2.20/32 with PrefixLength 24 = %v, want a prefix length error", err)
	}
	// Offline leaves the other prefix's entry alone.
	if err := ns.call(func(ctx context.Context) error { return offline(ctx, r) }); err != nil {
		t.Errorf("Offline: %v", err)
	}
	if !ns.shown("vip0", "192.0.2.20/32") {
		t.Error("Offline removed an address it did not own (other prefix length)")
	}

	gone := newResource(t, PropAddress, proplist.SZ("192.0.2.30"), PropInterface, proplist.SZ("nosuch0"))
	if err := ns.call(func(ctx context.Context) error { return online(ctx, gone) }); err == nil || !strings.Contains(err.Error(), "nosuch0") {
		t.Errorf("Online on a missing interface = %v, want an error naming it", err)
	}
	if err := ns.call(func(ctx context.Context) error { return offline(ctx, gone) }); err != nil {
		t.Errorf("Offline on a missing interface = %v, want success", err)
	}
	if err := ns.call(gone.LooksAlive); err == nil {
		t.Error("LooksAlive on a missing interface succeeded")
	}
}

func TestNetnsLoopbackIsNotAnnounced(t *testing.T) {
	ns := newNS(t)
	r := newResource(t, PropAddress, proplist.SZ("192.0.2.40"), PropPrefixLength, proplist.DWORD(32), PropInterface, proplist.SZ("lo"))
	if err := ns.call(func(ctx context.Context) error { return online(ctx, r) }); err != nil {
		t.Fatalf("Online on lo: %v", err)
	}
	st := r.(restype.StatusReporter).Status()
	if n, _ := st.DWORD(StatusAnnouncements); n != 0 {
		t.Errorf("announced %d frames on lo, want 0", n)
	}
	if _, ok := st.Get(StatusAnnounceError); ok {
		t.Errorf("AnnounceError set on lo: %v", st)
	}
	if err := ns.call(func(ctx context.Context) error { return offline(ctx, r) }); err != nil {
		t.Fatalf("Offline: %v", err)
	}
}
