package clusapi_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"
	"testing"
	"unicode/utf16"

	"github.com/batoncluster/baton/clusapi"
	"github.com/batoncluster/baton/proplist"
)

// getControl reads a control code's whole output the way Windows tools
// do: ask with no buffer, then with the size the answer names.
func getControl(t *testing.T, call func(out []byte, cb uint32, n *uint32) clusapi.Errno) []byte {
	t.Helper()
	var need uint32
	if got := call(nil, 0, &need); got != clusapi.ERROR_MORE_DATA && got != clusapi.ERROR_SUCCESS {
		t.Fatalf("control with no buffer: %v", got)
	}
	out := make([]byte, need)
	var n uint32
	if got := call(out, need, &n); got != clusapi.ERROR_SUCCESS || n != need {
		t.Fatalf("control with %d bytes: %v, %d bytes returned", need, got, n)
	}
	return out
}

func groupControl(h clusapi.HGROUP, code uint32) func([]byte, uint32, *uint32) clusapi.Errno {
	return func(out []byte, cb uint32, n *uint32) clusapi.Errno {
		return clusapi.ClusterGroupControl(h, nil, code, nil, 0, out, cb, n)
	}
}

func setGroup(h clusapi.HGROUP, code uint32, in []byte) clusapi.Errno {
	return clusapi.ClusterGroupControl(h, nil, code, in, uint32(len(in)), nil, 0, nil)
}

// decodeSZ reads a NUL-terminated UTF-16LE string.
func decodeSZ(b []byte) string {
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	if i := slices.Index(u, 0); i >= 0 {
		u = u[:i]
	}
	return string(utf16.Decode(u))
}

// decodeMultiSZ reads a MULTI_SZ: strings each NUL-terminated, then a NUL.
func decodeMultiSZ(b []byte) []string {
	var out []string
	for len(b) >= 2 && (b[0] != 0 || b[1] != 0) {
		s := decodeSZ(b)
		out = append(out, s)
		b = b[2*len(utf16.Encode([]rune(s)))+2:]
	}
	return out
}

// walkPropertyList reads a property list by the rules of the SDK's
// CLUSPROP_* structures, without package proplist: a count, then per
// property a NAME entry and value entries up to an ENDMARK, each entry a
// syntax, a length and data padded to 4 bytes; then an optional trailing
// end mark. It returns "name:syntax" per value.
func walkPropertyList(t *testing.T, b []byte) []string {
	t.Helper()
	u32 := func(off int) uint32 {
		if off+4 > len(b) {
			t.Fatalf("list cut short at %d", off)
		}
		return binary.LittleEndian.Uint32(b[off:])
	}
	var out []string
	count, off := u32(0), 4
	for range count {
		if s := u32(off); s != 0x00040003 {
			t.Fatalf("offset %d: syntax %#08x, want CLUSPROP_SYNTAX_NAME", off, s)
		}
		cb := int(u32(off + 4))
		name := decodeSZ(b[off+8 : off+8+cb])
		off += 8 + (cb+3)&^3
		for {
			s := u32(off)
			if s == 0 { // CLUSPROP_SYNTAX_ENDMARK
				off += 4
				break
			}
			cb := int(u32(off + 4))
			out = append(out, fmt.Sprintf("%s:%#08x", name, s))
			off += 8 + (cb+3)&^3
		}
	}
	if rest := len(b) - off; rest != 0 && (rest != 4 || u32(off) != 0) {
		t.Fatalf("%d bytes after the last property", rest)
	}
	return out
}

func syntaxes(l proplist.List) []string {
	var out []string
	for _, p := range l {
		for _, v := range p.Values {
			out = append(out, fmt.Sprintf("%s:%#08x", p.Name, uint32(v.Syntax)))
		}
	}
	return out
}

// ClusterGroupControl reads and writes a group's common properties as
// Windows-format property lists: the values set come back, decoded by
// proplist with Windows' rules; the list read writes back unchanged; a
// too-small buffer answers ERROR_MORE_DATA with the size needed; every
// refused list, and a caller with Read access, change nothing.
func TestClusterGroupControlCommonProperties(t *testing.T) {
	a := startAgent(t)
	hCluster, err := clusapi.OpenCluster(a.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer clusapi.CloseCluster(hCluster)
	hG, err := clusapi.CreateClusterGroup(hCluster, "CtlGroup")
	if err != nil {
		t.Fatal(err)
	}
	defer clusapi.CloseClusterGroup(hG)

	set := proplist.List{
		{Name: "Description", Values: []proplist.Value{proplist.SZ("web tier, ünïcode")}},
		{Name: "Priority", Values: []proplist.Value{proplist.DWORD(3000)}},
		{Name: "DefaultOwner", Values: []proplist.Value{proplist.DWORD(2)}},
		{Name: "ColdStartSetting", Values: []proplist.Value{proplist.DWORD(1)}},
		{Name: "GroupStartDelay", Values: []proplist.Value{proplist.DWORD(5000)}},
		{Name: "ResiliencyPeriod", Values: []proplist.Value{proplist.DWORD(240)}},
		{Name: "FailoverPeriod", Values: []proplist.Value{proplist.DWORD(12)}},
		{Name: "AntiAffinityClassNames", Values: []proplist.Value{proplist.MultiSZ("db", "web")}},
	}
	if got := setGroup(hG, clusapi.CLUSCTL_GROUP_SET_COMMON_PROPERTIES, set.Marshal()); got != clusapi.ERROR_SUCCESS {
		t.Fatalf("SET_COMMON_PROPERTIES: %v", got)
	}

	t.Run("ERROR_MORE_DATA", func(t *testing.T) {
		var need uint32 = 12345
		if got := clusapi.ClusterGroupControl(hG, nil, clusapi.CLUSCTL_GROUP_GET_COMMON_PROPERTIES, nil, 0, nil, 0, &need); got != clusapi.ERROR_MORE_DATA || need == 0 {
			t.Fatalf("NULL buffer: %v, need %d; want ERROR_MORE_DATA and the size", got, need)
		}
		small := make([]byte, need-1)
		var n uint32
		if got := clusapi.ClusterGroupControl(hG, nil, clusapi.CLUSCTL_GROUP_GET_COMMON_PROPERTIES, nil, 0, small, uint32(len(small)), &n); got != clusapi.ERROR_MORE_DATA || n != need {
			t.Errorf("buffer 1 byte short: %v, %d; want ERROR_MORE_DATA, %d", got, n, need)
		}
		if !bytes.Equal(small, make([]byte, len(small))) {
			t.Error("a buffer too small was written to")
		}
		big := make([]byte, need+100)
		if got := clusapi.ClusterGroupControl(hG, nil, clusapi.CLUSCTL_GROUP_GET_COMMON_PROPERTIES, nil, 0, big, uint32(len(big)), &n); got != clusapi.ERROR_SUCCESS || n != need {
			t.Errorf("big buffer: %v, %d; want ERROR_SUCCESS, %d", got, n, need)
		}
		// cbOutBufferSize past the slice would be an overrun in C.
		if got := clusapi.ClusterGroupControl(hG, nil, clusapi.CLUSCTL_GROUP_GET_COMMON_PROPERTIES, nil, 0, small, need, &n); got != clusapi.ERROR_INVALID_PARAMETER {
			t.Errorf("cbOutBufferSize larger than the buffer: %v, want ERROR_INVALID_PARAMETER", got)
		}
	})

	out := getControl(t, groupControl(hG, clusapi.CLUSCTL_GROUP_GET_COMMON_PROPERTIES))
	t.Run("decoded values", func(t *testing.T) {
		l, err := proplist.Unmarshal(out)
		if err != nil {
			t.Fatalf("GET_COMMON_PROPERTIES output does not decode: %v", err)
		}
		// Windows writes the trailing end mark; so does baton.
		if !bytes.Equal(l.Marshal(), out) {
			t.Error("output is not the canonical Windows encoding of its list")
		}
		if count := binary.LittleEndian.Uint32(out); int(count) != len(l) {
			t.Errorf("count %d, list of %d", count, len(l))
		}
		if got := walkPropertyList(t, out); !slices.Equal(got, syntaxes(l)) {
			t.Errorf("walking the bytes as Windows does: %v\nproplist decoded: %v", got, syntaxes(l))
		}
		for _, p := range set {
			got, ok := l.Get(p.Name)
			if !ok || !got.Equal(p) {
				t.Errorf("%s = %+v, want %+v", p.Name, got, p)
			}
		}
		want := map[string]proplist.Value{
			"Name":                proplist.SZ("CtlGroup"),
			"PersistentState":     proplist.DWORD(0),
			"FailoverThreshold":   proplist.DWORD(0xFFFFFFFF),
			"AutoFailbackType":    proplist.DWORD(0),
			"FailbackWindowStart": proplist.DWORD(0xFFFFFFFF),
			"FailbackWindowEnd":   proplist.DWORD(0xFFFFFFFF),
			"GroupType":           proplist.DWORD(9999),
		}
		for name, v := range want {
			if p, ok := l.Get(name); !ok || len(p.Values) != 1 || !p.Values[0].Equal(v) {
				t.Errorf("%s = %+v, want %+v", name, p, v)
			}
		}
		if _, ok := l.Get("StatusInformation"); ok {
			t.Error("StatusInformation, read-only, is in GET_COMMON_PROPERTIES")
		}
	})

	t.Run("read-only", func(t *testing.T) {
		l, err := proplist.Unmarshal(getControl(t, groupControl(hG, clusapi.CLUSCTL_GROUP_GET_RO_COMMON_PROPERTIES)))
		if err != nil {
			t.Fatal(err)
		}
		if p, ok := l.Get("StatusInformation"); !ok || p.Values[0].Syntax != proplist.SyntaxULargeInteger || p.Values[0].Uint != 0 {
			t.Errorf("StatusInformation = %+v, want ULARGE_INTEGER 0", p)
		}
		names := decodeMultiSZ(getControl(t, groupControl(hG, clusapi.CLUSCTL_GROUP_ENUM_COMMON_PROPERTIES)))
		for _, n := range []string{"Name", "Description", "Priority", "DefaultOwner", "ColdStartSetting", "GroupStartDelay", "AntiAffinityClassNames"} {
			if !slices.Contains(names, n) {
				t.Errorf("ENUM_COMMON_PROPERTIES %v lacks %s", names, n)
			}
		}
		if slices.Contains(names, "StatusInformation") {
			t.Errorf("ENUM_COMMON_PROPERTIES lists the read-only StatusInformation")
		}
		if got := decodeSZ(getControl(t, groupControl(hG, clusapi.CLUSCTL_GROUP_GET_NAME))); got != "CtlGroup" {
			t.Errorf("GET_NAME = %q", got)
		}
	})

	t.Run("round trip", func(t *testing.T) {
		if got := setGroup(hG, clusapi.CLUSCTL_GROUP_SET_COMMON_PROPERTIES, out); got != clusapi.ERROR_SUCCESS {
			t.Fatalf("writing back the list read: %v", got)
		}
		if again := getControl(t, groupControl(hG, clusapi.CLUSCTL_GROUP_GET_COMMON_PROPERTIES)); !bytes.Equal(again, out) {
			t.Errorf("list changed by writing it back:\n%x\n%x", out, again)
		}
		// Without the trailing end mark (os-win's lists), too.
		l, _ := proplist.Unmarshal(out)
		if got := setGroup(hG, clusapi.CLUSCTL_GROUP_VALIDATE_COMMON_PROPERTIES, l.MarshalCompact()); got != clusapi.ERROR_SUCCESS {
			t.Errorf("VALIDATE of the list without its end mark: %v", got)
		}
		// VALIDATE checks and writes nothing.
		other := proplist.List{{Name: "Description", Values: []proplist.Value{proplist.SZ("validated only")}}}.Marshal()
		if got := setGroup(hG, clusapi.CLUSCTL_GROUP_VALIDATE_COMMON_PROPERTIES, other); got != clusapi.ERROR_SUCCESS {
			t.Errorf("VALIDATE of a new Description: %v", got)
		}
		bad := proplist.List{{Name: "Priority", Values: []proplist.Value{proplist.DWORD(7)}}}.Marshal()
		if got := setGroup(hG, clusapi.CLUSCTL_GROUP_VALIDATE_COMMON_PROPERTIES, bad); got != clusapi.ERROR_INVALID_PARAMETER {
			t.Errorf("VALIDATE of Priority 7: %v, want ERROR_INVALID_PARAMETER", got)
		}
		if again := getControl(t, groupControl(hG, clusapi.CLUSCTL_GROUP_GET_COMMON_PROPERTIES)); !bytes.Equal(again, out) {
			t.Error("VALIDATE_COMMON_PROPERTIES changed the group")
		}
	})

	dw := func(name string, v uint32) proplist.Property {
		return proplist.Property{Name: name, Values: []proplist.Value{proplist.DWORD(v)}}
	}
	t.Run("refused lists change nothing", func(t *testing.T) {
		for _, tc := range []struct {
			what string
			in   []byte
		}{
			{"Priority out of range", proplist.List{dw("Priority", 7)}.Marshal()},
			{"Priority as a string", proplist.List{{Name: "Priority", Values: []proplist.Value{proplist.SZ("3000")}}}.Marshal()},
			{"FailbackWindowStart 24", proplist.List{dw("FailbackWindowStart", 24)}.Marshal()},
			{"GroupStartDelay over 30 min", proplist.List{dw("GroupStartDelay", 1800001)}.Marshal()},
			{"unknown name", proplist.List{dw("Colour", 1)}.Marshal()},
			{"read-only StatusInformation", proplist.List{{Name: "StatusInformation", Values: []proplist.Value{proplist.ULarge(0)}}}.Marshal()},
			{"GroupType changed", proplist.List{dw("GroupType", 100)}.Marshal()},
			{"Name changed", proplist.List{{Name: "Name", Values: []proplist.Value{proplist.SZ("Other")}}}.Marshal()},
			{"good then bad", proplist.List{{Name: "Description", Values: []proplist.Value{proplist.SZ("changed")}}, dw("Priority", 1)}.Marshal()},
			{"two values", proplist.List{{Name: "Priority", Values: []proplist.Value{proplist.DWORD(1000), proplist.DWORD(2000)}}}.Marshal()},
			{"not a property list", []byte{1, 0, 0, 0, 3, 0, 4, 0, 99}},
			{"NULL buffer", nil},
		} {
			if got := setGroup(hG, clusapi.CLUSCTL_GROUP_SET_COMMON_PROPERTIES, tc.in); got != clusapi.ERROR_INVALID_PARAMETER {
				t.Errorf("%s: %v, want ERROR_INVALID_PARAMETER", tc.what, got)
			}
		}
		in := proplist.List{dw("Priority", 1000)}.Marshal()
		if got := clusapi.ClusterGroupControl(hG, nil, clusapi.CLUSCTL_GROUP_SET_COMMON_PROPERTIES, in, uint32(len(in))+1, nil, 0, nil); got != clusapi.ERROR_INVALID_PARAMETER {
			t.Errorf("cbInBufferSize past the buffer: %v, want ERROR_INVALID_PARAMETER", got)
		}
		if now := getControl(t, groupControl(hG, clusapi.CLUSCTL_GROUP_GET_COMMON_PROPERTIES)); !bytes.Equal(now, out) {
			t.Error("a refused list changed the group's properties")
		}
	})

	t.Run("unknown codes", func(t *testing.T) {
		for _, code := range []uint32{
			clusapi.CLUSCTL_GROUP_UNKNOWN,
			clusapi.CLUS_OBJECT_GROUP<<24 | 99<<2 | clusapi.CLUS_ACCESS_READ, // no such function
			clusapi.CLUSCTL_RESOURCE_GET_COMMON_PROPERTIES,                   // another object's code
		} {
			var n uint32 = 7
			if got := clusapi.ClusterGroupControl(hG, nil, code, nil, 0, make([]byte, 64), 64, &n); got != clusapi.ERROR_INVALID_FUNCTION || n != 0 {
				t.Errorf("code %#08x: %v, %d bytes; want ERROR_INVALID_FUNCTION, 0", code, got, n)
			}
		}
		if got := clusapi.ClusterGroupControl(nil, nil, clusapi.CLUSCTL_GROUP_GET_NAME, nil, 0, nil, 0, nil); got != clusapi.ERROR_INVALID_HANDLE {
			t.Errorf("NULL group: %v", got)
		}
	})

	t.Run("Read access", func(t *testing.T) {
		if a.HTTPAddr == "" {
			t.Skip("the agent did not print its TCP address")
		}
		ctx := testCtx(t)
		c := a.client(t)
		tok, err := c.Access().CreateToken(ctx, "ctlreader", clusapi.AccessRead)
		if err != nil {
			t.Fatal(err)
		}
		t.Setenv("BATON_TOKEN", tok.Token)
		t.Setenv("BATON_CA", a.CA)
		hc, err := clusapi.OpenCluster(a.HTTPAddr)
		if err != nil {
			t.Fatal(err)
		}
		defer clusapi.CloseCluster(hc)
		hr, err := clusapi.OpenClusterGroup(hc, "CtlGroup")
		if err != nil {
			t.Fatal(err)
		}
		if got := getControl(t, groupControl(hr, clusapi.CLUSCTL_GROUP_GET_COMMON_PROPERTIES)); !bytes.Equal(got, out) {
			t.Error("Read access reads another list")
		}
		for _, code := range []uint32{clusapi.CLUSCTL_GROUP_SET_COMMON_PROPERTIES, clusapi.CLUSCTL_GROUP_SET_PRIVATE_PROPERTIES} {
			if got := setGroup(hr, code, proplist.List{dw("Priority", 1000)}.Marshal()); got != clusapi.ERROR_ACCESS_DENIED {
				t.Errorf("code %#08x with Read access: %v, want ERROR_ACCESS_DENIED", code, got)
			}
		}
		if now := getControl(t, groupControl(hG, clusapi.CLUSCTL_GROUP_GET_COMMON_PROPERTIES)); !bytes.Equal(now, out) {
			t.Error("a Read caller changed the group's properties")
		}
	})
}

// ClusterResourceControl, ClusterNodeControl and ClusterControl: a
// resource's type, common properties (StatusInformation among the
// read-only ones) and private properties; a node's; the cluster's name.
func TestClusterResourceNodeControl(t *testing.T) {
	a := startAgent(t)
	hCluster, err := clusapi.OpenCluster(a.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer clusapi.CloseCluster(hCluster)
	hG, err := clusapi.CreateClusterGroup(hCluster, "CtlGroup")
	if err != nil {
		t.Fatal(err)
	}
	hR, err := clusapi.CreateClusterResource(hG, "ctlres", "dummy", 0)
	if err != nil {
		t.Fatal(err)
	}
	res := func(code uint32) func([]byte, uint32, *uint32) clusapi.Errno {
		return func(out []byte, cb uint32, n *uint32) clusapi.Errno {
			return clusapi.ClusterResourceControl(hR, nil, code, nil, 0, out, cb, n)
		}
	}
	setRes := func(code uint32, l proplist.List) clusapi.Errno {
		in := l.Marshal()
		return clusapi.ClusterResourceControl(hR, nil, code, in, uint32(len(in)), nil, 0, nil)
	}
	if got := decodeSZ(getControl(t, res(clusapi.CLUSCTL_RESOURCE_GET_RESOURCE_TYPE))); got != "dummy" {
		t.Errorf("GET_RESOURCE_TYPE = %q", got)
	}
	common := proplist.List{
		{Name: "Description", Values: []proplist.Value{proplist.SZ("a test resource")}},
		{Name: "RestartThreshold", Values: []proplist.Value{proplist.DWORD(7)}},
		{Name: "DeadlockTimeout", Values: []proplist.Value{proplist.DWORD(60000)}},
	}
	if got := setRes(clusapi.CLUSCTL_RESOURCE_SET_COMMON_PROPERTIES, common); got != clusapi.ERROR_SUCCESS {
		t.Fatalf("SET_COMMON_PROPERTIES: %v", got)
	}
	l, err := proplist.Unmarshal(getControl(t, res(clusapi.CLUSCTL_RESOURCE_GET_COMMON_PROPERTIES)))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range common {
		if got, ok := l.Get(p.Name); !ok || !got.Equal(p) {
			t.Errorf("%s = %+v, want %+v", p.Name, got, p)
		}
	}
	if got, _ := l.DWORD("RestartPeriod"); got != 900000 {
		t.Errorf("RestartPeriod = %d, want the default 900000", got)
	}
	ro, err := proplist.Unmarshal(getControl(t, res(clusapi.CLUSCTL_RESOURCE_GET_RO_COMMON_PROPERTIES)))
	if err != nil {
		t.Fatal(err)
	}
	if typ, _ := ro.String("Type"); typ != "dummy" {
		t.Errorf("read-only Type = %q", typ)
	}
	if p, ok := ro.Get("StatusInformation"); !ok || p.Values[0].Syntax != proplist.SyntaxULargeInteger {
		t.Errorf("read-only StatusInformation = %+v", p)
	}
	if got := setRes(clusapi.CLUSCTL_RESOURCE_SET_COMMON_PROPERTIES, proplist.List{{Name: "PendingTimeout", Values: []proplist.Value{proplist.DWORD(1)}}}); got != clusapi.ERROR_INVALID_PARAMETER {
		t.Errorf("PendingTimeout 1: %v, want ERROR_INVALID_PARAMETER", got)
	}
	// Private properties, as the type validates them.
	if got := setRes(clusapi.CLUSCTL_RESOURCE_SET_PRIVATE_PROPERTIES, proplist.List{{Name: "OnlineDelayMs", Values: []proplist.Value{proplist.DWORD(20)}}}); got != clusapi.ERROR_SUCCESS {
		t.Errorf("SET_PRIVATE_PROPERTIES OnlineDelayMs: %v", got)
	}
	if got := setRes(clusapi.CLUSCTL_RESOURCE_SET_PRIVATE_PROPERTIES, proplist.List{{Name: "FailOnline", Values: []proplist.Value{proplist.DWORD(7)}}}); got != clusapi.ERROR_INVALID_PARAMETER {
		t.Errorf("SET_PRIVATE_PROPERTIES FailOnline 7: %v, want ERROR_INVALID_PARAMETER", got)
	}
	priv, err := proplist.Unmarshal(getControl(t, res(clusapi.CLUSCTL_RESOURCE_GET_PRIVATE_PROPERTIES)))
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := priv.DWORD("OnlineDelayMs"); d != 20 {
		t.Errorf("private OnlineDelayMs = %d", d)
	}
	if _, ok := priv.Get("FailOnline"); ok {
		t.Error("a refused private property was stored")
	}
	if names := decodeMultiSZ(getControl(t, res(clusapi.CLUSCTL_RESOURCE_ENUM_PRIVATE_PROPERTIES))); !slices.Contains(names, "OnlineDelayMs") {
		t.Errorf("ENUM_PRIVATE_PROPERTIES = %v", names)
	}

	// StatusInformation shows locked mode, of the resource and its group.
	if got := setRes(clusapi.CLUSCTL_RESOURCE_SET_PRIVATE_PROPERTIES, proplist.List{{Name: "Locked", Values: []proplist.Value{proplist.DWORD(1)}}}); got != clusapi.ERROR_SUCCESS {
		t.Fatalf("SET_PRIVATE_PROPERTIES Locked: %v", got)
	}
	if got := clusapi.OnlineClusterResource(hR); got != clusapi.ERROR_SUCCESS && got != clusapi.ERROR_IO_PENDING {
		t.Fatalf("OnlineClusterResource: %v", got)
	}
	statusInformation := func(out []byte) uint64 {
		l, err := proplist.Unmarshal(out)
		if err != nil {
			t.Fatal(err)
		}
		p, _ := l.Get("StatusInformation")
		return p.Values[0].Uint
	}
	eventually(t, "resource StatusInformation CLUSRES_STATUS_LOCKED_MODE", func() (bool, error) {
		return statusInformation(getControl(t, res(clusapi.CLUSCTL_RESOURCE_GET_RO_COMMON_PROPERTIES)))&clusapi.CLUSRES_STATUS_LOCKED_MODE != 0, nil
	})
	if got := statusInformation(getControl(t, groupControl(hG, clusapi.CLUSCTL_GROUP_GET_RO_COMMON_PROPERTIES))); got&clusapi.CLUSGRP_STATUS_LOCKED_MODE == 0 {
		t.Errorf("group StatusInformation %#x lacks CLUSGRP_STATUS_LOCKED_MODE", got)
	}
	now, _ := proplist.Unmarshal(getControl(t, res(clusapi.CLUSCTL_RESOURCE_GET_COMMON_PROPERTIES)))
	if ps, _ := now.DWORD("PersistentState"); ps != 1 {
		t.Errorf("resource PersistentState after online = %d, want 1", ps)
	}

	// A node.
	e, err := clusapi.ClusterOpenEnum(hCluster, clusapi.CLUSTER_ENUM_NODE)
	if err != nil {
		t.Fatal(err)
	}
	_, nodeName, errno := clusapi.ClusterEnum(e, 0, nil)
	clusapi.ClusterCloseEnum(e)
	if errno != clusapi.ERROR_SUCCESS {
		t.Fatalf("first node: %v", errno)
	}
	hN, err := clusapi.OpenClusterNode(hCluster, nodeName)
	if err != nil {
		t.Fatal(err)
	}
	node := func(code uint32) func([]byte, uint32, *uint32) clusapi.Errno {
		return func(out []byte, cb uint32, n *uint32) clusapi.Errno {
			return clusapi.ClusterNodeControl(hN, hN, code, nil, 0, out, cb, n)
		}
	}
	nro, err := proplist.Unmarshal(getControl(t, node(clusapi.CLUSCTL_NODE_GET_RO_COMMON_PROPERTIES)))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := nro.String("NodeName"); got != nodeName {
		t.Errorf("NodeName = %q, want %q", got, nodeName)
	}
	if got, ok := nro.DWORD("NodeDrainStatus"); !ok || got != clusapi.NodeDrainStatusNotInitiated {
		t.Errorf("NodeDrainStatus = %d, %v", got, ok)
	}
	nrw := getControl(t, node(clusapi.CLUSCTL_NODE_GET_COMMON_PROPERTIES))
	if got := clusapi.ClusterNodeControl(hN, nil, clusapi.CLUSCTL_NODE_SET_COMMON_PROPERTIES, nrw, uint32(len(nrw)), nil, 0, nil); got != clusapi.ERROR_SUCCESS {
		t.Errorf("node: writing back its list: %v", got)
	}
	in := proplist.List{{Name: "NodeWeight", Values: []proplist.Value{proplist.DWORD(5)}}}.Marshal()
	if got := clusapi.ClusterNodeControl(hN, nil, clusapi.CLUSCTL_NODE_SET_COMMON_PROPERTIES, in, uint32(len(in)), nil, 0, nil); got != clusapi.ERROR_INVALID_PARAMETER {
		t.Errorf("NodeWeight 5: %v, want ERROR_INVALID_PARAMETER", got)
	}

	// The cluster.
	fqdn := getControl(t, func(out []byte, cb uint32, n *uint32) clusapi.Errno {
		return clusapi.ClusterControl(hCluster, nil, clusapi.CLUSCTL_CLUSTER_GET_FQDN, nil, 0, out, cb, n)
	})
	if decodeSZ(fqdn) == "" {
		t.Error("GET_FQDN is empty")
	}
	if got := clusapi.ClusterControl(hCluster, nil, clusapi.CLUSCTL_CLUSTER_UNKNOWN, nil, 0, nil, 0, nil); got != clusapi.ERROR_INVALID_FUNCTION {
		t.Errorf("CLUSCTL_CLUSTER_UNKNOWN: %v", got)
	}
}
