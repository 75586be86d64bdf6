package ipaddr

import (
	"context"
	"encoding/binary"
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"testing"

	"github.com/batoncluster/baton/proplist"
	"github.com/batoncluster/baton/restype"
)

func props(kv ...any) proplist.List {
	var l proplist.List
	for i := 0; i < len(kv); i += 2 {
		l = l.Set(kv[i].(string), kv[i+1].(proplist.Value))
	}
	return l
}

func TestType(t *testing.T) {
	ty := Type()
	if ty.Name != "IP Address" {
		t.Errorf("Name = %q, want %q", ty.Name, "IP Address")
	}
	if ty.OfflineParameter != "" {
		t.Errorf("OfflineParameter = %q, want none", ty.OfflineParameter)
	}
	if ty.New == nil || ty.Validate == nil {
		t.Fatal("New or Validate is nil")
	}
	want := map[string]string{PropAddress: "sz", PropPrefixLength: "dword", PropInterface: "sz", PropLabel: "sz"}
	got := map[string]string{}
	for _, p := range ty.Properties {
		got[p.Name] = p.Kind
		if p.Description == "" {
			t.Errorf("property %s has no description", p.Name)
		}
	}
	for n, k := range want {
		if got[n] != k {
			t.Errorf("property %s kind = %q, want %q", n, got[n], k)
		}
	}
	if len(got) != len(want) {
		t.Errorf("documented properties = %v, want %v", got, want)
	}
	if err := restype.NewRegistry().Register(ty); err != nil {
		t.Errorf("Register: %v", err)
	}
}

func TestValidate(t *testing.T) {
	v4, v6, eth0 := proplist.SZ("192.0.2.10"), proplist.SZ("2001:db8::10"), proplist.SZ("eth0")
	tests := []struct {
		name    string
		props   proplist.List
		want    settings // checked when wantErr is ""
		wantErr string   // a substring of the error
	}{
		{"v4 default prefix", props(PropAddress, v4, PropInterface, eth0),
			settings{addr: netip.MustParseAddr("192.0.2.10"), prefix: 24, iface: "eth0"}, ""},
		{"v6 default prefix", props(PropAddress, v6, PropInterface, eth0),
			settings{addr: netip.MustParseAddr("2001:db8::10"), prefix: 64, iface: "eth0"}, ""},
		{"v4 /32 with label", props(PropAddress, v4, PropInterface, eth0, PropPrefixLength, proplist.DWORD(32), PropLabel, proplist.SZ("eth0:vip")),
			settings{addr: netip.MustParseAddr("192.0.2.10"), prefix: 32, iface: "eth0", label: "eth0:vip"}, ""},
		{"v4-mapped v6 is v4", props(PropAddress, proplist.SZ("::ffff:192.0.2.10"), PropInterface, eth0),
			settings{addr: netip.MustParseAddr("192.0.2.10"), prefix: 24, iface: "eth0"}, ""},
		{"v6 /128", props(PropAddress, v6, PropInterface, eth0, PropPrefixLength, proplist.DWORD(128)),
			settings{addr: netip.MustParseAddr("2001:db8::10"), prefix: 128, iface: "eth0"}, ""},
		{"expand_sz accepted", props(PropAddress, proplist.ExpandSZ("192.0.2.10"), PropInterface, eth0),
			settings{addr: netip.MustParseAddr("192.0.2.10"), prefix: 24, iface: "eth0"}, ""},

		{"no address", props(PropInterface, eth0), settings{}, "Address is required"},
		{"empty address", props(PropAddress, proplist.SZ(""), PropInterface, eth0), settings{}, "Address is required"},
		{"address not a string", props(PropAddress, proplist.DWORD(1), PropInterface, eth0), settings{}, "must be a string"},
		{"address garbage", props(PropAddress, proplist.SZ("192.0.2.300"), PropInterface, eth0), settings{}, "not an IP address"},
		{"address with prefix", props(PropAddress, proplist.SZ("192.0.2.10/24"), PropInterface, eth0), settings{}, "not an IP address"},
		{"unspecified", props(PropAddress, proplist.SZ("0.0.0.0"), PropInterface, eth0), settings{}, "not a unicast"},
		{"loopback", props(PropAddress, proplist.SZ("127.0.0.5"), PropInterface, eth0), settings{}, "not a unicast"},
		{"multicast", props(PropAddress, proplist.SZ("ff02::1"), PropInterface, eth0), settings{}, "not a unicast"},
		{"link-local", props(PropAddress, proplist.SZ("fe80::1"), PropInterface, eth0), settings{}, "not a unicast"},
		{"broadcast", props(PropAddress, proplist.SZ("255.255.255.255"), PropInterface, eth0), settings{}, "not a unicast"},
		{"zone", props(PropAddress, proplist.SZ("2001:db8::1%eth0"), PropInterface, eth0), settings{}, "zone"},
		{"no interface", props(PropAddress, v4), settings{}, "Interface is required"},
		{"interface too long", props(PropAddress, v4, PropInterface, proplist.SZ("abcdefghijklmnop")), settings{}, "longer than 15"},
		{"interface with slash", props(PropAddress, v4, PropInterface, proplist.SZ("eth/0")), settings{}, "not allowed"},
		{"interface with colon", props(PropAddress, v4, PropInterface, proplist.SZ("eth0:1")), settings{}, "not allowed"},
		{"interface with space", props(PropAddress, v4, PropInterface, proplist.SZ("eth 0")), settings{}, "not allowed"},
		{"interface dot", props(PropAddress, v4, PropInterface, proplist.SZ("..")), settings{}, "not an interface name"},
		{"prefix 0", props(PropAddress, v4, PropInterface, eth0, PropPrefixLength, proplist.DWORD(0)), settings{}, "out of range"},
		{"prefix 33 for v4", props(PropAddress, v4, PropInterface, eth0, PropPrefixLength, proplist.DWORD(33)), settings{}, "out of range"},
		{"prefix 129 for v6", props(PropAddress, v6, PropInterface, eth0, PropPrefixLength, proplist.DWORD(129)), settings{}, "out of range"},
		{"prefix not a dword", props(PropAddress, v4, PropInterface, eth0, PropPrefixLength, proplist.SZ("24")), settings{}, "must be a DWORD"},
		{"label for v6", props(PropAddress, v6, PropInterface, eth0, PropLabel, proplist.SZ("eth0:x")), settings{}, "IPv4 addresses only"},
		{"label not the interface's", props(PropAddress, v4, PropInterface, eth0, PropLabel, proplist.SZ("eth1:x")), settings{}, "must start with"},
		{"label too long", props(PropAddress, v4, PropInterface, eth0, PropLabel, proplist.SZ("eth0:0123456789ab")), settings{}, "longer than 15"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Type().Validate(tc.props)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Validate = %v, want an error containing %q", err, tc.wantErr)
				}
				if _, err := New(restype.Config{Name: "vip", Properties: tc.props}); err == nil {
					t.Error("New accepted what Validate refuses")
				}
				return
			}
			if err != nil {
				t.Fatalf("Validate = %v", err)
			}
			s, err := parse(tc.props)
			if err != nil {
				t.Fatal(err)
			}
			if s != tc.want {
				t.Errorf("parsed %+v, want %+v", s, tc.want)
			}
		})
	}
}

func TestReconfigureKeepsOldOnError(t *testing.T) {
	r, err := New(restype.Config{Name: "vip", Properties: props(PropAddress, proplist.SZ("192.0.2.10"), PropInterface, proplist.SZ("eth0"))})
	if err != nil {
		t.Fatal(err)
	}
	rc := r.(restype.Reconfigurer)
	if err := rc.Reconfigure(props(PropAddress, proplist.SZ("nope"), PropInterface, proplist.SZ("eth0"))); err == nil {
		t.Fatal("Reconfigure accepted a bad address")
	}
	if got := r.(*resource).target().addr.String(); got != "192.0.2.10" {
		t.Errorf("after a refused Reconfigure the address is %s", got)
	}
	if err := rc.Reconfigure(props(PropAddress, proplist.SZ("192.0.2.11"), PropInterface, proplist.SZ("eth0"))); err != nil {
		t.Fatal(err)
	}
	if got := r.(*resource).target().addr.String(); got != "192.0.2.11" {
		t.Errorf("after Reconfigure the address is %s", got)
	}
}

func TestCancelledOnline(t *testing.T) {
	r, err := New(restype.Config{Name: "vip", Properties: props(PropAddress, proplist.SZ("192.0.2.10"), PropInterface, proplist.SZ("eth0"))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := r.Online(ctx, restype.OnlineRequest{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Online with ended ctx = %v, want Canceled", err)
	}
}

var testMAC = net.HardwareAddr{0x02, 0, 0x5e, 0x10, 0x20, 0x30}

func TestARPFrame(t *testing.T) {
	ip := netip.MustParseAddr("192.0.2.10")
	for _, op := range []uint16{arpRequest, arpReply} {
		f := arpFrame(op, testMAC, ip)
		a, ok := parseARP(f)
		if !ok {
			t.Fatalf("op %d: not an ARP frame: % x", op, f)
		}
		if len(f) != minFrameLen {
			t.Errorf("op %d: frame is %d bytes, want %d", op, len(f), minFrameLen)
		}
		if a.op != op || a.sha.String() != testMAC.String() || a.spa != ip || a.tpa != ip {
			t.Errorf("op %d: parsed %+v", op, a)
		}
		if a.dst.String() != broadcastMAC.String() {
			t.Errorf("op %d: destination %s, want broadcast", op, a.dst)
		}
	}
}

func TestNAFrame(t *testing.T) {
	ip := netip.MustParseAddr("2001:db8::10")
	f := naFrame(testMAC, ip)
	na, ok := parseNA(f)
	if !ok {
		t.Fatalf("not a neighbour advertisement: % x", f)
	}
	if na.target != ip || na.src != ip || na.lladdr.String() != testMAC.String() {
		t.Errorf("parsed %+v", na)
	}
	if !na.override || na.solicited || na.router {
		t.Errorf("flags: override %v solicited %v router %v, want only override", na.override, na.solicited, na.router)
	}
	if na.hopLimit != 255 {
		t.Errorf("hop limit %d, want 255", na.hopLimit)
	}
	if !na.checksumOK {
		t.Error("checksum does not verify")
	}
}

// A message carrying its own checksum sums to zero, odd lengths included.
// (TestNetnsIPv6 checks the checksum against neighbour advertisements
// the kernel makes.)
func TestICMPv6ChecksumSelfCheck(t *testing.T) {
	src, dst := netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("ff02::1")
	msg := []byte{icmpv6NA, 0, 0, 0, 0x20, 0, 0, 0, 1, 2, 3} // odd length on purpose
	binary.BigEndian.PutUint16(msg[2:], icmpv6Checksum(src, dst, msg))
	if got := icmpv6Checksum(src, dst, msg); got != 0 {
		t.Errorf("checksum over a message carrying its checksum = %#04x, want 0", got)
	}
}

// arpInfo is what a test reads from an ARP frame.
type arpInfo struct {
	dst, src, sha, tha net.HardwareAddr
	op                 uint16
	spa, tpa           netip.Addr
}

func parseARP(f []byte) (arpInfo, bool) {
	if len(f) < 42 || binary.BigEndian.Uint16(f[12:]) != etherTypeARP {
		return arpInfo{}, false
	}
	p := f[14:]
	if binary.BigEndian.Uint16(p[0:]) != 1 || binary.BigEndian.Uint16(p[2:]) != etherTypeIPv4 || p[4] != 6 || p[5] != 4 {
		return arpInfo{}, false
	}
	return arpInfo{
		dst: net.HardwareAddr(f[0:6]), src: net.HardwareAddr(f[6:12]),
		op:  binary.BigEndian.Uint16(p[6:]),
		sha: net.HardwareAddr(p[8:14]), spa: netip.AddrFrom4([4]byte(p[14:18])),
		tha: net.HardwareAddr(p[18:24]), tpa: netip.AddrFrom4([4]byte(p[24:28])),
	}, true
}

// naInfo is what a test reads from a neighbour advertisement.
type naInfo struct {
	src, dst, target            netip.Addr
	hopLimit                    byte
	router, solicited, override bool
	lladdr                      net.HardwareAddr
	checksumOK                  bool
}

func parseNA(f []byte) (naInfo, bool) {
	if len(f) < 14+40+24 || binary.BigEndian.Uint16(f[12:]) != etherTypeIPv6 {
		return naInfo{}, false
	}
	ip6 := f[14:]
	plen := int(binary.BigEndian.Uint16(ip6[4:]))
	if ip6[6] != 58 || len(ip6) < 40+plen || plen < 24 {
		return naInfo{}, false
	}
	icmp := ip6[40 : 40+plen]
	if icmp[0] != icmpv6NA {
		return naInfo{}, false
	}
	na := naInfo{
		src: netip.AddrFrom16([16]byte(ip6[8:24])), dst: netip.AddrFrom16([16]byte(ip6[24:40])),
		hopLimit: ip6[7],
		router:   icmp[4]&0x80 != 0, solicited: icmp[4]&0x40 != 0, override: icmp[4]&0x20 != 0,
		target: netip.AddrFrom16([16]byte(icmp[8:24])),
	}
	for opts := icmp[24:]; len(opts) >= 8 && opts[1] > 0; opts = opts[int(opts[1])*8:] {
		if opts[0] == ndOptTargetLL {
			na.lladdr = net.HardwareAddr(opts[2:8])
		}
		if int(opts[1])*8 > len(opts) {
			break
		}
	}
	na.checksumOK = icmpv6Checksum(na.src, na.dst, icmp) == 0
	return na, true
}

type logWriter struct{ t *testing.T }

func (w logWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(logWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
