package ipaddr

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// An online announces its address announceRounds times, announceGap
// apart: for IPv4 an ARP request and an ARP reply each round, for IPv6
// one neighbour advertisement.
const (
	announceRounds = 2
	announceGap    = 100 * time.Millisecond
)

// Ethernet and protocol constants for the frames.
const (
	etherTypeARP  = 0x0806
	etherTypeIPv4 = 0x0800
	etherTypeIPv6 = 0x86dd
	arpRequest    = 1
	arpReply      = 2
	icmpv6NA      = 136
	ndOptTargetLL = 2
	minFrameLen   = 60 // without the frame check sequence
)

var (
	broadcastMAC = net.HardwareAddr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	// allNodesMAC is the Ethernet group for ff02::1.
	allNodesMAC = net.HardwareAddr{0x33, 0x33, 0, 0, 0, 1}
	allNodes    = netip.MustParseAddr("ff02::1")
)

// errNoAnnounce says why an interface cannot carry announcements.
var errNoAnnounce = errors.New("ipaddr: interface takes no announcements")

// announce sends the announcement frames for ip out of the interface
// described by attrs and says how many it sent. It returns early when ctx
// ends. Interfaces that are not Ethernet, or that have ARP off (IFF_NOARP,
// e.g. loopback), get none: that is not an error.
func announce(ctx context.Context, attrs *netlink.LinkAttrs, ip netip.Addr) (int, error) {
	if len(attrs.HardwareAddr) != 6 || attrs.Flags&net.FlagLoopback != 0 || attrs.RawFlags&unix.IFF_NOARP != 0 {
		return 0, nil
	}
	if attrs.Flags&net.FlagUp == 0 {
		return 0, fmt.Errorf("%w: %s is down", errNoAnnounce, attrs.Name)
	}
	var frames [][]byte
	if ip.Is4() {
		frames = [][]byte{
			arpFrame(arpRequest, attrs.HardwareAddr, ip),
			arpFrame(arpReply, attrs.HardwareAddr, ip),
		}
	} else {
		frames = [][]byte{naFrame(attrs.HardwareAddr, ip)}
	}
	// Protocol 0: the socket sends and never receives.
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return 0, fmt.Errorf("ipaddr: packet socket: %w", err)
	}
	defer unix.Close(fd)
	to := &unix.SockaddrLinklayer{Ifindex: attrs.Index, Halen: 6}
	sent := 0
	for round := range announceRounds {
		if round > 0 {
			t := time.NewTimer(announceGap)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return sent, ctx.Err()
			}
		}
		for _, f := range frames {
			copy(to.Addr[:], f[0:6])
			to.Protocol = htons(binary.BigEndian.Uint16(f[12:14]))
			if err := unix.Sendto(fd, f, 0, to); err != nil {
				return sent, fmt.Errorf("ipaddr: sending announcement on %s: %w", attrs.Name, err)
			}
			sent++
		}
	}
	return sent, nil
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// ethernet starts a frame: destination, source, EtherType.
func ethernet(dst, src net.HardwareAddr, etherType uint16) []byte {
	b := make([]byte, 0, minFrameLen)
	b = append(b, dst...)
	b = append(b, src...)
	return binary.BigEndian.AppendUint16(b, etherType)
}

// pad pads a frame to the Ethernet minimum.
func pad(b []byte) []byte {
	for len(b) < minFrameLen {
		b = append(b, 0)
	}
	return b
}

// arpFrame is a gratuitous ARP for ip from mac, broadcast: sender and
// target protocol address both ip. A request has a zero target hardware
// address (RFC 5227 announcement); a reply the broadcast address (as
// arping -A sends it).
func arpFrame(op uint16, mac net.HardwareAddr, ip netip.Addr) []byte {
	b := ethernet(broadcastMAC, mac, etherTypeARP)
	b = binary.BigEndian.AppendUint16(b, 1) // hardware type: Ethernet
	b = binary.BigEndian.AppendUint16(b, etherTypeIPv4)
	b = append(b, 6, 4)
	b = binary.BigEndian.AppendUint16(b, op)
	a := ip.As4()
	b = append(b, mac...)
	b = append(b, a[:]...)
	if op == arpReply {
		b = append(b, broadcastMAC...)
	} else {
		b = append(b, make([]byte, 6)...)
	}
	b = append(b, a[:]...)
	return pad(b)
}

// naFrame is an unsolicited neighbour advertisement (RFC 4861 §7.2.6) for
// ip from mac to all nodes: override flag set, solicited flag clear, the
// target link-layer address option carrying mac.
func naFrame(mac net.HardwareAddr, ip netip.Addr) []byte {
	icmp := make([]byte, 0, 32)
	icmp = append(icmp, icmpv6NA, 0, 0, 0)            // type, code, checksum
	icmp = binary.BigEndian.AppendUint32(icmp, 1<<29) // flags: O
	t := ip.As16()
	icmp = append(icmp, t[:]...)
	icmp = append(icmp, ndOptTargetLL, 1) // option type, length in 8-byte units
	icmp = append(icmp, mac...)
	binary.BigEndian.PutUint16(icmp[2:], icmpv6Checksum(ip, allNodes, icmp))

	b := ethernet(allNodesMAC, mac, etherTypeIPv6)
	b = append(b, 0x60, 0, 0, 0) // version 6, traffic class 0, flow label 0
	b = binary.BigEndian.AppendUint16(b, uint16(len(icmp)))
	b = append(b, unix.IPPROTO_ICMPV6, 255) // next header, hop limit (must be 255)
	b = append(b, t[:]...)                  // source: the address itself
	d := allNodes.As16()
	b = append(b, d[:]...)
	b = append(b, icmp...)
	return pad(b)
}

// icmpv6Checksum is the ICMPv6 checksum of msg (its checksum field zero)
// with the IPv6 pseudo-header.
func icmpv6Checksum(src, dst netip.Addr, msg []byte) uint16 {
	var sum uint32
	add := func(b []byte) {
		for i := 0; i+1 < len(b); i += 2 {
			sum += uint32(binary.BigEndian.Uint16(b[i:]))
		}
		if len(b)%2 == 1 {
			sum += uint32(b[len(b)-1]) << 8
		}
	}
	s, d := src.As16(), dst.As16()
	add(s[:])
	add(d[:])
	var l [8]byte
	binary.BigEndian.PutUint32(l[:4], uint32(len(msg)))
	l[7] = unix.IPPROTO_ICMPV6
	add(l[:])
	add(msg)
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}
