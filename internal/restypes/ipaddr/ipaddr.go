// Package ipaddr is the "IP Address" resource type: a floating IPv4 or
// IPv6 address that follows its group from node to node.
//
// Online adds the address to the interface named by the Interface
// property (with netlink, like `ip addr add`) and announces it so that
// neighbours update their caches at once instead of after a timeout:
// gratuitous ARP for IPv4 (a request and a reply), an unsolicited
// neighbour advertisement with the override flag for IPv6, both sent as
// raw Ethernet frames on the interface, announceRounds times. Offline
// removes it. Both are idempotent: an online finding the address already
// there (after an agent restart, say) succeeds and announces it again; an
// offline finding it gone succeeds.
//
//	          Online: add (if absent), announce
//	Offline ────────────────────────────────────▶ Online
//	   ▲                                             │
//	   └──────── Offline / Terminate: delete ◀───────┘
//	             (if present)
//
// LooksAlive checks the address is on the interface; IsAlive checks that
// and that the interface is administratively up. The type reads no
// input-buffer property.
//
// Private properties: Address (SZ, required), PrefixLength (DWORD,
// default 24 for IPv4, 64 for IPv6), Interface (SZ, required) and Label
// (SZ, IPv4 only, must start with the interface name, like "eth0:vip").
// IPv6 addresses are added without duplicate address detection
// (IFA_F_NODAD), as a floating address must be usable at once.
package ipaddr

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"sync"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/batoncluster/baton/proplist"
	"github.com/batoncluster/baton/restype"
)

// TypeName is the name of the type.
const TypeName = "IP Address"

// Private property names.
const (
	PropAddress      = "Address"
	PropPrefixLength = "PrefixLength"
	PropInterface    = "Interface"
	PropLabel        = "Label"
)

// Status property names.
const (
	// StatusAnnouncements is the number of announcement frames the last
	// online sent.
	StatusAnnouncements = "Announcements"
	// StatusAnnounceError is why the last online could not announce the
	// address (absent when it could).
	StatusAnnounceError = "AnnounceError"
)

// Default prefix lengths.
const (
	DefaultPrefixLength4 = 24
	DefaultPrefixLength6 = 64
)

// ifNameSize is IFNAMSIZ: interface names are at most 15 bytes.
const ifNameSize = 16

// Errors the health checks return.
var (
	// ErrAddressMissing is returned when the address is not on the
	// interface.
	ErrAddressMissing = errors.New("ipaddr: address not on the interface")
	// ErrInterfaceDown is returned by IsAlive when the interface is
	// administratively down.
	ErrInterfaceDown = errors.New("ipaddr: interface is down")
)

// Type returns the IP Address resource type.
func Type() *restype.Type {
	return &restype.Type{
		Name:        TypeName,
		Description: "A floating IPv4 or IPv6 address on a network interface, announced with gratuitous ARP or an unsolicited neighbour advertisement.",
		Properties: []restype.PropertyInfo{
			{Name: PropAddress, Kind: "sz", Description: "The address, e.g. 192.0.2.10 or 2001:db8::10. Required."},
			{Name: PropPrefixLength, Kind: "dword", Default: "24 (IPv4), 64 (IPv6)", Description: "Prefix length of the address's subnet."},
			{Name: PropInterface, Kind: "sz", Description: "Name of the network interface that carries the address, e.g. eth0. Required."},
			{Name: PropLabel, Kind: "sz", Default: "", Description: "IPv4 only: address label, which must start with the interface name (eth0:vip)."},
		},
		LooksAliveInterval: 5000,
		IsAliveInterval:    60000,
		Validate: func(l proplist.List) error {
			_, err := parse(l)
			return err
		},
		New:         New,
		NoProcesses: true, // it runs in the agent's process
	}
}

// settings are the parsed private properties: what to put where.
type settings struct {
	addr   netip.Addr
	prefix int
	iface  string
	label  string
}

func (s settings) ipNet() *net.IPNet {
	bits := 32
	if s.addr.Is6() {
		bits = 128
	}
	return &net.IPNet{IP: net.IP(s.addr.AsSlice()), Mask: net.CIDRMask(s.prefix, bits)}
}

func (s settings) String() string {
	return fmt.Sprintf("%s/%d dev %s", s.addr, s.prefix, s.iface)
}

// parse reads and checks the private properties; unknown ones are ignored.
func parse(props proplist.List) (settings, error) {
	var s settings
	str := func(name string, required bool) (string, error) {
		p, ok := props.Get(name)
		if !ok {
			if required {
				return "", fmt.Errorf("ipaddr: property %s is required", name)
			}
			return "", nil
		}
		if len(p.Values) == 0 {
			return "", fmt.Errorf("ipaddr: property %s has no value", name)
		}
		v, ok := props.String(name)
		if !ok {
			return "", fmt.Errorf("ipaddr: property %s must be a string, not %v", name, p.Values[0].Syntax)
		}
		if required && v == "" {
			return "", fmt.Errorf("ipaddr: property %s is required", name)
		}
		return v, nil
	}
	a, err := str(PropAddress, true)
	if err != nil {
		return s, err
	}
	if s.addr, err = parseAddr(a); err != nil {
		return s, err
	}
	if s.iface, err = str(PropInterface, true); err != nil {
		return s, err
	}
	if err := checkIfName(PropInterface, s.iface); err != nil {
		return s, err
	}
	s.prefix, err = prefixLength(props, s.addr)
	if err != nil {
		return s, err
	}
	if s.label, err = str(PropLabel, false); err != nil {
		return s, err
	}
	if s.label != "" {
		if s.addr.Is6() {
			return s, fmt.Errorf("ipaddr: property %s is for IPv4 addresses only (Linux has no IPv6 address labels)", PropLabel)
		}
		if err := checkIfName(PropLabel, s.label); err != nil {
			return s, err
		}
		if !strings.HasPrefix(s.label, s.iface) {
			return s, fmt.Errorf("ipaddr: property %s %q must start with the interface name %q", PropLabel, s.label, s.iface)
		}
	}
	return s, nil
}

// parseAddr accepts a unicast address that can float: not unspecified,
// loopback, multicast, link-local or zoned.
func parseAddr(a string) (netip.Addr, error) {
	ip, err := netip.ParseAddr(a)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("ipaddr: property %s %q is not an IP address", PropAddress, a)
	}
	ip = ip.Unmap()
	switch {
	case ip.Zone() != "":
		return ip, fmt.Errorf("ipaddr: property %s %q: a zone is not allowed (the interface is the %s property)", PropAddress, a, PropInterface)
	case ip.IsUnspecified(), ip.IsLoopback(), ip.IsMulticast(), ip.IsLinkLocalUnicast(),
		ip.Is4() && ip == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return ip, fmt.Errorf("ipaddr: property %s %q is not a unicast address that can float between nodes", PropAddress, a)
	}
	return ip, nil
}

func prefixLength(props proplist.List, ip netip.Addr) (int, error) {
	maxLen, def := 32, DefaultPrefixLength4
	if ip.Is6() {
		maxLen, def = 128, DefaultPrefixLength6
	}
	p, ok := props.Get(PropPrefixLength)
	if !ok {
		return def, nil
	}
	if len(p.Values) == 0 {
		return 0, fmt.Errorf("ipaddr: property %s has no value", PropPrefixLength)
	}
	v, ok := props.DWORD(PropPrefixLength)
	if !ok {
		return 0, fmt.Errorf("ipaddr: property %s must be a DWORD, not %v", PropPrefixLength, p.Values[0].Syntax)
	}
	if v < 1 || v > uint32(maxLen) {
		return 0, fmt.Errorf("ipaddr: property %s %d is out of range for %s (1..%d)", PropPrefixLength, v, ip, maxLen)
	}
	return int(v), nil
}

// checkIfName applies the kernel's rules for interface names
// (dev_valid_name): 1 to 15 bytes, not "." or "..", no '/', ':' or white
// space. A label may contain ':'.
func checkIfName(prop, name string) error {
	bad := "/ \t\n\v\f\r"
	if prop == PropInterface {
		bad += ":"
	}
	switch {
	case name == "":
		return fmt.Errorf("ipaddr: property %s is empty", prop)
	case len(name) >= ifNameSize:
		return fmt.Errorf("ipaddr: property %s %q is longer than %d bytes", prop, name, ifNameSize-1)
	case name == "." || name == "..":
		return fmt.Errorf("ipaddr: property %s %q is not an interface name", prop, name)
	case strings.ContainsAny(name, bad):
		return fmt.Errorf("ipaddr: property %s %q contains a character not allowed in interface names (%q)", prop, name, bad)
	}
	return nil
}

// resource is one IP Address resource.
type resource struct {
	log *slog.Logger

	mu sync.Mutex // guards the fields below
	s  settings
	// placed is the address the last online put on its interface, until
	// an offline removes it; Offline and the health checks act on it, so
	// a change of properties while online takes effect at the next
	// online. nil: the current settings.
	placed *settings
	// announced and announceErr are the outcome of the last announcement.
	announced   int
	announceErr string
}

var (
	_ restype.Resource       = (*resource)(nil)
	_ restype.Terminator     = (*resource)(nil)
	_ restype.StatusReporter = (*resource)(nil)
	_ restype.Reconfigurer   = (*resource)(nil)
)

// New makes an IP Address resource from cfg.
func New(cfg restype.Config) (restype.Resource, error) {
	s, err := parse(cfg.Properties)
	if err != nil {
		return nil, err
	}
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &resource{log: log, s: s}, nil
}

// target is the address the resource acts on now.
func (r *resource) target() settings {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.placed != nil {
		return *r.placed
	}
	return r.s
}

// Online adds the address to its interface unless it is there already,
// then announces it. An announcement that cannot be sent is logged and
// reported as the status property AnnounceError; the online still
// succeeds, since the address works once neighbours' caches expire.
func (r *resource) Online(ctx context.Context, req restype.OnlineRequest) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r.mu.Lock()
	s := r.s
	r.mu.Unlock()

	link, err := netlink.LinkByName(s.iface)
	if err != nil {
		return fmt.Errorf("ipaddr: interface %s: %w", s.iface, err)
	}
	found, err := findAddr(link, s.addr)
	if err != nil {
		return err
	}
	switch {
	case len(found) == 0:
		a := &netlink.Addr{IPNet: s.ipNet(), Label: s.label}
		if s.addr.Is6() {
			a.Flags = unix.IFA_F_NODAD
		}
		if err := netlink.AddrAdd(link, a); err != nil && !errors.Is(err, unix.EEXIST) {
			return fmt.Errorf("ipaddr: adding %s: %w", s, err)
		}
		r.log.InfoContext(ctx, "address added", slog.String("address", s.String()))
	case !hasPrefix(found, s.prefix):
		ones, _ := found[0].Mask.Size()
		return fmt.Errorf("ipaddr: %s is on %s already with prefix length %d, not %d", s.addr, s.iface, ones, s.prefix)
	default:
		r.log.InfoContext(ctx, "address already present", slog.String("address", s.String()))
	}
	r.mu.Lock()
	r.placed = &s
	r.mu.Unlock()

	n, err := announce(ctx, link.Attrs(), s.addr)
	r.mu.Lock()
	r.announced, r.announceErr = n, ""
	if err != nil {
		r.announceErr = err.Error()
	}
	r.mu.Unlock()
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case err != nil:
		r.log.WarnContext(ctx, "cannot announce address", slog.String("address", s.String()), slog.Any("err", err))
	default:
		r.log.InfoContext(ctx, "address announced", slog.String("address", s.String()), slog.Int("frames", n))
	}
	return nil
}

// Offline removes the address (with its prefix length) from its
// interface. An address (or an interface) that is gone already is
// success.
func (r *resource) Offline(ctx context.Context, req restype.OfflineRequest) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return r.remove(ctx)
}

// Terminate removes the address at once: it is the same as Offline.
func (r *resource) Terminate(ctx context.Context) error {
	return r.remove(ctx)
}

func (r *resource) remove(ctx context.Context) error {
	s := r.target()
	link, err := netlink.LinkByName(s.iface)
	var nf netlink.LinkNotFoundError
	if errors.As(err, &nf) {
		r.log.InfoContext(ctx, "interface gone; address is too", slog.String("address", s.String()))
		r.forget()
		return nil
	}
	if err != nil {
		return fmt.Errorf("ipaddr: interface %s: %w", s.iface, err)
	}
	found, err := findAddr(link, s.addr)
	if err != nil {
		return err
	}
	removed := false
	for _, a := range found {
		if ones, _ := a.Mask.Size(); ones != s.prefix {
			continue // not ours: Online refuses to take it over
		}
		if err := netlink.AddrDel(link, &a); err != nil && !errors.Is(err, unix.EADDRNOTAVAIL) {
			return fmt.Errorf("ipaddr: removing %s: %w", s, err)
		}
		removed = true
	}
	if removed {
		r.log.InfoContext(ctx, "address removed", slog.String("address", s.String()))
	} else {
		r.log.InfoContext(ctx, "address already absent", slog.String("address", s.String()))
	}
	r.forget()
	return nil
}

func (r *resource) forget() {
	r.mu.Lock()
	r.placed = nil
	r.mu.Unlock()
}

// findAddr lists the entries for ip on link (any prefix length).
func findAddr(link netlink.Link, ip netip.Addr) ([]netlink.Addr, error) {
	family := netlink.FAMILY_V4
	if ip.Is6() {
		family = netlink.FAMILY_V6
	}
	var addrs []netlink.Addr
	var err error
	// A dump interrupted by a concurrent change is retried.
	for range 5 {
		if addrs, err = netlink.AddrList(link, family); !errors.Is(err, netlink.ErrDumpInterrupted) {
			break
		}
	}
	if err != nil {
		return nil, fmt.Errorf("ipaddr: listing addresses of %s: %w", link.Attrs().Name, err)
	}
	var out []netlink.Addr
	for _, a := range addrs {
		if got, ok := netip.AddrFromSlice(a.IP); ok && got.Unmap() == ip {
			out = append(out, a)
		}
	}
	return out, nil
}

func hasPrefix(addrs []netlink.Addr, prefix int) bool {
	for _, a := range addrs {
		if ones, _ := a.Mask.Size(); ones == prefix {
			return true
		}
	}
	return false
}

// check fails unless the address is on its interface with its prefix
// length, and (up) the interface is administratively up.
func (r *resource) check(ctx context.Context, up bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s := r.target()
	link, err := netlink.LinkByName(s.iface)
	if err != nil {
		return fmt.Errorf("ipaddr: interface %s: %w", s.iface, err)
	}
	found, err := findAddr(link, s.addr)
	if err != nil {
		return err
	}
	if !hasPrefix(found, s.prefix) {
		return fmt.Errorf("%w: %s", ErrAddressMissing, s)
	}
	if up && link.Attrs().Flags&net.FlagUp == 0 {
		return fmt.Errorf("%w: %s", ErrInterfaceDown, s.iface)
	}
	return nil
}

// LooksAlive fails unless the address is on its interface.
func (r *resource) LooksAlive(ctx context.Context) error { return r.check(ctx, false) }

// IsAlive fails unless the address is on its interface and the interface
// is administratively up.
func (r *resource) IsAlive(ctx context.Context) error { return r.check(ctx, true) }

// Status reports the outcome of the last announcement.
func (r *resource) Status() proplist.List {
	r.mu.Lock()
	defer r.mu.Unlock()
	l := proplist.List{{Name: StatusAnnouncements, Values: []proplist.Value{proplist.DWORD(uint32(r.announced))}}}
	if r.announceErr != "" {
		l = append(l, proplist.Property{Name: StatusAnnounceError, Values: []proplist.Value{proplist.SZ(r.announceErr)}})
	}
	return l
}

// Reconfigure takes new private properties; on error the old ones stay.
// While online, the address in place stays until the next offline; the
// new one is used from the next online.
func (r *resource) Reconfigure(props proplist.List) error {
	s, err := parse(props)
	if err != nil {
		return err
	}
	r.mu.Lock()
	r.s = s
	r.mu.Unlock()
	return nil
}
