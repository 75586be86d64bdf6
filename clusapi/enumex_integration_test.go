package clusapi_test

import (
	"encoding/binary"
	"slices"
	"testing"

	"github.com/batoncluster/baton/clusapi"
	"github.com/batoncluster/baton/proplist"
)

// The Ex enumerations and the resource type family (issue 14, items 1
// and 2) on a real agent.
func TestEnumerationsEx(t *testing.T) {
	a := startAgent(t)
	c := a.client(t)
	makeDemoGroup(t, c, "DemoGroup", 0, 0, false)
	ctx := testCtx(t)
	if _, err := c.Groups().Create(ctx, "Empty", clusapi.CreateGroupOptions{}); err != nil {
		t.Fatal(err)
	}
	node := nodeName(t, c)
	if err := c.Groups().SetNodeList(ctx, "Empty", []string{node}); err != nil {
		t.Fatal(err)
	}
	hCluster, err := clusapi.OpenCluster(a.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer clusapi.CloseCluster(hCluster)
	demo, err := c.Groups().Get(ctx, "DemoGroup")
	if err != nil {
		t.Fatal(err)
	}
	empty, err := c.Groups().Get(ctx, "Empty")
	if err != nil {
		t.Fatal(err)
	}

	t.Run("groups", func(t *testing.T) {
		props := clusapi.MultiSZBytes("Priority", "Description", "NoSuchProperty")
		ro := clusapi.MultiSZBytes("StatusInformation")
		h, err := clusapi.ClusterGroupOpenEnumEx(hCluster, props, uint32(len(props)), ro, uint32(len(ro)), 0)
		if err != nil {
			t.Fatal(err)
		}
		if n := clusapi.ClusterGroupGetEnumCountEx(h); n != 2 {
			t.Errorf("ClusterGroupGetEnumCountEx = %d, want 2", n)
		}
		var items []clusapi.CLUSTER_GROUP_ENUM_ITEM
		for i := uint32(0); ; i++ {
			var it clusapi.CLUSTER_GROUP_ENUM_ITEM
			cb := uint32(0)
			st := clusapi.ClusterGroupEnumEx(h, i, &it, &cb)
			if st == clusapi.ERROR_NO_MORE_ITEMS {
				break
			}
			if st != clusapi.ERROR_MORE_DATA || it.LpszName != "" {
				t.Fatalf("item %d with cbItem 0: %v %+v, want 234 and nothing", i, st, it)
			}
			need := cb
			if st := clusapi.ClusterGroupEnumEx(h, i, &it, &cb); st != clusapi.ERROR_SUCCESS || cb != need {
				t.Fatalf("item %d with cbItem %d: %v (cb now %d)", i, need, st, cb)
			}
			if want := 80 + it.CbId + it.CbName + it.CbOwnerNode + it.CbProperties + it.CbRoProperties; need != want {
				t.Errorf("item %d needs %d bytes, want %d", i, need, want)
			}
			items = append(items, it)
		}
		if len(items) != 2 {
			t.Fatalf("%d items", len(items))
		}
		for i, g := range []*clusapi.Group{demo, empty} {
			it := items[i]
			if it.DwVersion != clusapi.CLUSTER_GROUP_ENUM_ITEM_VERSION || it.LpszName != g.Name || it.LpszId != g.ID ||
				it.State != g.State || it.LpszOwnerNode != g.OwnerNode || it.DwFlags != 0 ||
				it.CbId != uint32(2*len(g.ID)+2) || it.CbName != uint32(2*len(g.Name)+2) || it.CbOwnerNode != uint32(2*len(g.OwnerNode)+2) ||
				int(it.CbProperties) != len(it.PProperties) || int(it.CbRoProperties) != len(it.PRoProperties) {
				t.Errorf("item %d = %+v, want group %+v", i, it, g)
			}
			// The lists are what ClusterGroupControl gives, names asked for
			// only, in the order asked.
			hG, err := clusapi.OpenClusterGroup(hCluster, g.Name)
			if err != nil {
				t.Fatal(err)
			}
			all := groupList(t, hG, clusapi.CLUSCTL_GROUP_GET_COMMON_PROPERTIES)
			want := proplist.List{mustGet(t, all, "Priority"), mustGet(t, all, "Description")}
			if !slices.Equal(it.PProperties, want.Marshal()) {
				t.Errorf("item %d properties:\n% x\nwant\n% x", i, it.PProperties, want.Marshal())
			}
			allRO := groupList(t, hG, clusapi.CLUSCTL_GROUP_GET_RO_COMMON_PROPERTIES)
			if wantRO := (proplist.List{mustGet(t, allRO, "StatusInformation")}); !slices.Equal(it.PRoProperties, wantRO.Marshal()) {
				t.Errorf("item %d read-only properties: % x", i, it.PRoProperties)
			}
		}
		if items[0].State != clusapi.ClusterGroupOnline || items[1].State != clusapi.ClusterGroupOffline {
			t.Errorf("states %v %v, want Online, Offline", items[0].State, items[1].State)
		}
		var it clusapi.CLUSTER_GROUP_ENUM_ITEM
		if st := clusapi.ClusterGroupEnumEx(h, 2, &it, nil); st != clusapi.ERROR_NO_MORE_ITEMS {
			t.Errorf("index past the end: %v, want 259", st)
		}
		if st := clusapi.ClusterGroupEnumEx(h, 0, nil, nil); st != clusapi.ERROR_INVALID_PARAMETER {
			t.Errorf("nil pItem: %v, want 87", st)
		}
		if st := clusapi.ClusterGroupCloseEnumEx(h); st != clusapi.ERROR_SUCCESS {
			t.Errorf("close: %v", st)
		}
		if st := clusapi.ClusterGroupCloseEnumEx(h); st != clusapi.ERROR_INVALID_HANDLE {
			t.Errorf("second close: %v, want 6", st)
		}
		if st := clusapi.ClusterGroupEnumEx(h, 0, &it, nil); st != clusapi.ERROR_INVALID_HANDLE {
			t.Errorf("enum after close: %v, want 6", st)
		}
		if n := clusapi.ClusterGroupGetEnumCountEx(h); n != 0 {
			t.Errorf("count after close: %d", n)
		}
		if st := clusapi.ClusterGroupEnumEx(nil, 0, &it, nil); st != clusapi.ERROR_INVALID_HANDLE {
			t.Errorf("NULL handle: %v, want 6", st)
		}

		// No properties asked for: no lists.
		h, err = clusapi.ClusterGroupOpenEnumEx(hCluster, nil, 0, nil, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		if st := clusapi.ClusterGroupEnumEx(h, 0, &it, nil); st != clusapi.ERROR_SUCCESS || it.PProperties != nil || it.CbProperties != 0 || it.LpszName != "DemoGroup" {
			t.Errorf("without properties: %v %+v", st, it)
		}
		clusapi.ClusterGroupCloseEnumEx(h)

		bad := []struct {
			what      string
			p         []byte
			cb, flags uint32
			h         clusapi.HCLUSTER
			want      clusapi.Errno
		}{
			{"dwFlags 1", nil, 0, 1, hCluster, clusapi.ERROR_INVALID_PARAMETER},
			{"odd size", props[:3], 3, 0, hCluster, clusapi.ERROR_INVALID_PARAMETER},
			{"no terminating NUL", props[:len(props)-2], uint32(len(props) - 2), 0, hCluster, clusapi.ERROR_INVALID_PARAMETER},
			{"size past the slice", props, uint32(len(props) + 2), 0, hCluster, clusapi.ERROR_INVALID_PARAMETER},
			{"NULL cluster", nil, 0, 0, nil, clusapi.ERROR_INVALID_HANDLE},
		}
		for _, b := range bad {
			_, err := clusapi.ClusterGroupOpenEnumEx(b.h, b.p, b.cb, nil, 0, b.flags)
			errnoIs(t, "ClusterGroupOpenEnumEx "+b.what, err, b.want)
			_, err = clusapi.ClusterResourceOpenEnumEx(b.h, nil, 0, b.p, b.cb, b.flags)
			errnoIs(t, "ClusterResourceOpenEnumEx "+b.what, err, b.want)
		}
	})

	t.Run("resources", func(t *testing.T) {
		props := clusapi.MultiSZBytes("RestartAction")
		ro := clusapi.MultiSZBytes("Type")
		h, err := clusapi.ClusterResourceOpenEnumEx(hCluster, props, uint32(len(props)), ro, uint32(len(ro)), 0)
		if err != nil {
			t.Fatal(err)
		}
		defer clusapi.ClusterResourceCloseEnumEx(h)
		if n := clusapi.ClusterResourceGetEnumCountEx(h); n != 3 {
			t.Errorf("ClusterResourceGetEnumCountEx = %d, want 3", n)
		}
		for i, name := range demoResources {
			r, err := c.Resources().Get(ctx, name)
			if err != nil {
				t.Fatal(err)
			}
			var it clusapi.CLUSTER_RESOURCE_ENUM_ITEM
			cb := uint32(96)
			if st := clusapi.ClusterResourceEnumEx(h, uint32(i), &it, &cb); st != clusapi.ERROR_MORE_DATA {
				t.Fatalf("item %d with 96 bytes: %v, want 234", i, st)
			}
			if want := 96 + uint32(2*len(r.ID)+2+2*len(name)+2+2*len("DemoGroup")+2+2*len(demo.ID)+2) + uint32(len(it.PProperties)); cb < want {
				t.Errorf("item %d needs %d bytes, less than %d", i, cb, want)
			}
			if st := clusapi.ClusterResourceEnumEx(h, uint32(i), &it, &cb); st != clusapi.ERROR_SUCCESS {
				t.Fatal(st)
			}
			wantProps := proplist.List{{Name: "RestartAction", Values: []proplist.Value{proplist.DWORD(clusapi.ClusterResourceRestartNotify)}}}.Marshal()
			wantRO := proplist.List{{Name: "Type", Values: []proplist.Value{proplist.SZ("dummy")}}}.Marshal()
			if it.DwVersion != clusapi.CLUSTER_RESOURCE_ENUM_ITEM_VERSION || it.LpszName != name || it.LpszId != r.ID ||
				it.LpszOwnerGroupName != "DemoGroup" || it.LpszOwnerGroupId != demo.ID || it.CbOwnerGroupId != uint32(2*len(demo.ID)+2) ||
				!slices.Equal(it.PProperties, wantProps) || !slices.Equal(it.PRoProperties, wantRO) || it.CbRoProperties != uint32(len(wantRO)) {
				t.Errorf("item %d = %+v", i, it)
			}
		}
		var it clusapi.CLUSTER_RESOURCE_ENUM_ITEM
		if st := clusapi.ClusterResourceEnumEx(h, 3, &it, nil); st != clusapi.ERROR_NO_MORE_ITEMS {
			t.Errorf("index past the end: %v, want 259", st)
		}
		if st := clusapi.ClusterResourceEnumEx(nil, 0, &it, nil); st != clusapi.ERROR_INVALID_HANDLE {
			t.Errorf("NULL handle: %v, want 6", st)
		}
	})

	t.Run("node", func(t *testing.T) {
		hN, err := clusapi.OpenClusterNode(hCluster, node)
		if err != nil {
			t.Fatal(err)
		}
		h, err := clusapi.ClusterNodeOpenEnumEx(hN, clusapi.CLUSTER_NODE_ENUM_GROUPS|clusapi.CLUSTER_NODE_ENUM_PREFERRED_GROUPS|clusapi.CLUSTER_NODE_ENUM_NETINTERFACES, nil)
		if err != nil {
			t.Fatal(err)
		}
		n, err := c.Node(ctx, node)
		if err != nil {
			t.Fatal(err)
		}
		var wantItems []clusapi.CLUSTER_ENUM_ITEM
		for _, g := range []*clusapi.Group{demo, empty} {
			if slices.Contains(n.Groups, g.Name) {
				wantItems = append(wantItems, clusapi.CLUSTER_ENUM_ITEM{DwVersion: 1, DwType: clusapi.CLUSTER_NODE_ENUM_GROUPS,
					CbId: uint32(2*len(g.ID) + 2), LpszId: g.ID, CbName: uint32(2*len(g.Name) + 2), LpszName: g.Name})
			}
		}
		if len(wantItems) == 0 {
			t.Fatalf("node %s owns no group: %v", node, n.Groups)
		}
		wantItems = append(wantItems, clusapi.CLUSTER_ENUM_ITEM{DwVersion: 1, DwType: clusapi.CLUSTER_NODE_ENUM_PREFERRED_GROUPS,
			CbId: uint32(2*len(empty.ID) + 2), LpszId: empty.ID, CbName: 12, LpszName: "Empty"})
		var got []clusapi.CLUSTER_ENUM_ITEM
		for i := uint32(0); ; i++ {
			var it clusapi.CLUSTER_ENUM_ITEM
			cb := uint32(40)
			st := clusapi.ClusterNodeEnumEx(h, i, &it, &cb)
			if st == clusapi.ERROR_MORE_DATA {
				st = clusapi.ClusterNodeEnumEx(h, i, &it, &cb)
			}
			if st == clusapi.ERROR_NO_MORE_ITEMS {
				break
			}
			if st != clusapi.ERROR_SUCCESS || cb != 40+it.CbId+it.CbName {
				t.Fatalf("item %d: %v, cb %d", i, st, cb)
			}
			got = append(got, it)
		}
		if !slices.Equal(got, wantItems) {
			t.Errorf("ClusterNodeEnumEx items:\n%+v\nwant\n%+v", got, wantItems)
		}
		if n := clusapi.ClusterNodeGetEnumCountEx(h); int(n) != len(wantItems) {
			t.Errorf("ClusterNodeGetEnumCountEx = %d", n)
		}
		if st := clusapi.ClusterNodeCloseEnumEx(h); st != clusapi.ERROR_SUCCESS {
			t.Error(st)
		}
		if st := clusapi.ClusterNodeCloseEnumEx(h); st != clusapi.ERROR_INVALID_HANDLE {
			t.Errorf("second close: %v, want 6", st)
		}
		for _, typ := range []uint32{0, 0x8} {
			_, err := clusapi.ClusterNodeOpenEnumEx(hN, typ, nil)
			errnoIs(t, "ClusterNodeOpenEnumEx bad dwType", err, clusapi.ERROR_INVALID_PARAMETER)
		}
		_, err = clusapi.ClusterNodeOpenEnumEx(hN, clusapi.CLUSTER_NODE_ENUM_GROUPS, struct{}{})
		errnoIs(t, "ClusterNodeOpenEnumEx pOptions", err, clusapi.ERROR_INVALID_PARAMETER)
		_, err = clusapi.ClusterNodeOpenEnumEx(nil, clusapi.CLUSTER_NODE_ENUM_GROUPS, nil)
		errnoIs(t, "ClusterNodeOpenEnumEx(NULL)", err, clusapi.ERROR_INVALID_HANDLE)
	})

	t.Run("resource types", func(t *testing.T) {
		h, err := clusapi.ClusterResourceTypeOpenEnum(hCluster, "dummy", clusapi.CLUSTER_RESOURCE_TYPE_ENUM_ALL)
		if err != nil {
			t.Fatal(err)
		}
		types, names := enumNames(t, func(i uint32, cch *uint32) (uint32, string, clusapi.Errno) {
			return clusapi.ClusterResourceTypeEnum(h, i, cch)
		})
		wantTypes := []uint32{clusapi.CLUSTER_RESOURCE_TYPE_ENUM_NODES, 2, 2, 2}
		if !slices.Equal(names, []string{node, "Demo1", "Demo2", "Demo3"}) || !slices.Equal(types, wantTypes) {
			t.Errorf("ClusterResourceTypeEnum: %v %v", names, types)
		}
		if n := clusapi.ClusterResourceTypeGetEnumCount(h); n != 4 {
			t.Errorf("count %d", n)
		}
		if _, _, st := clusapi.ClusterResourceTypeEnum(h, 4, nil); st != clusapi.ERROR_NO_MORE_ITEMS {
			t.Errorf("index past the end: %v, want 259", st)
		}
		if st := clusapi.ClusterResourceTypeCloseEnum(h); st != clusapi.ERROR_SUCCESS {
			t.Error(st)
		}
		if _, _, st := clusapi.ClusterResourceTypeEnum(h, 0, nil); st != clusapi.ERROR_INVALID_HANDLE {
			t.Errorf("after close: %v, want 6", st)
		}
		h, err = clusapi.ClusterResourceTypeOpenEnum(hCluster, "dummy", clusapi.CLUSTER_RESOURCE_TYPE_ENUM_NODES)
		if err != nil || clusapi.ClusterResourceTypeGetEnumCount(h) != 1 {
			t.Errorf("nodes only: %v", err)
		}
		for _, tc := range []struct {
			name string
			typ  uint32
			h    clusapi.HCLUSTER
			want clusapi.Errno
		}{
			{"NoSuchType", 1, hCluster, clusapi.ERROR_CLUSTER_RESOURCE_TYPE_NOT_FOUND},
			{"dummy", 0, hCluster, clusapi.ERROR_CLUSTER_RESOURCE_TYPE_NOT_FOUND},
			{"dummy", 4, hCluster, clusapi.ERROR_CLUSTER_RESOURCE_TYPE_NOT_FOUND},
			{"dummy", 1, nil, clusapi.ERROR_INVALID_HANDLE},
		} {
			_, err := clusapi.ClusterResourceTypeOpenEnum(tc.h, tc.name, tc.typ)
			errnoIs(t, "ClusterResourceTypeOpenEnum "+tc.name, err, tc.want)
		}
	})

	t.Run("resource type control", func(t *testing.T) {
		ctl := func(typ string, code uint32, in []byte) ([]byte, clusapi.Errno) {
			var n uint32
			st := clusapi.ClusterResourceTypeControl(hCluster, typ, nil, code, in, uint32(len(in)), nil, 0, &n)
			if st != clusapi.ERROR_MORE_DATA {
				return nil, st
			}
			out := make([]byte, n)
			st = clusapi.ClusterResourceTypeControl(hCluster, typ, nil, code, in, uint32(len(in)), out, n, &n)
			return out[:n], st
		}
		list := func(code uint32) proplist.List {
			t.Helper()
			out, st := ctl("dummy", code, nil)
			if st != clusapi.ERROR_SUCCESS {
				t.Fatalf("code %#x: %v", code, st)
			}
			l, err := proplist.Unmarshal(out)
			if err != nil {
				t.Fatalf("code %#x: %v", code, err)
			}
			return l
		}
		rt, err := c.ListResourceTypes(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var desc string
		for _, ty := range rt {
			if ty.Name == "dummy" {
				desc = ty.Description
			}
		}
		common := list(clusapi.CLUSCTL_RESOURCE_TYPE_GET_COMMON_PROPERTIES)
		wantCommon := proplist.List{
			{Name: "Description", Values: []proplist.Value{proplist.SZ(desc)}},
			{Name: "LooksAlivePollInterval", Values: []proplist.Value{proplist.DWORD(5000)}},
			{Name: "IsAlivePollInterval", Values: []proplist.Value{proplist.DWORD(60000)}},
		}
		if !slices.EqualFunc(common, wantCommon, func(a, b proplist.Property) bool { return a.Equal(b) }) {
			t.Errorf("GET_COMMON_PROPERTIES = %v", common)
		}
		if ro := list(clusapi.CLUSCTL_RESOURCE_TYPE_GET_RO_COMMON_PROPERTIES); len(ro) != 1 || ro[0].Name != "Name" || ro[0].Values[0].Str != "dummy" {
			t.Errorf("GET_RO_COMMON_PROPERTIES = %v", ro)
		}
		if out, st := ctl("dummy", clusapi.CLUSCTL_RESOURCE_TYPE_ENUM_COMMON_PROPERTIES, nil); st != 0 ||
			!slices.Equal(out, clusapi.MultiSZBytes("Description", "LooksAlivePollInterval", "IsAlivePollInterval")) {
			t.Errorf("ENUM_COMMON_PROPERTIES = %v % x", st, out)
		}
		if out, st := ctl("dummy", clusapi.CLUSCTL_RESOURCE_TYPE_GET_CHARACTERISTICS, nil); st != 0 || !slices.Equal(out, []byte{0, 0, 0, 0}) {
			t.Errorf("GET_CHARACTERISTICS = %v % x", st, out)
		}
		// The format lists: each value a LIST_VALUE_WORD of length 2 and
		// 2 bytes of padding ([MS-CMRP] 3.1.4.3.1.14).
		fmts := list(clusapi.CLUSCTL_RESOURCE_TYPE_GET_COMMON_RESOURCE_PROPERTY_FMTS)
		for name, f := range map[string]proplist.Format{"RestartAction": proplist.FormatDWORD, "Description": proplist.FormatSZ, "Name": proplist.FormatSZ} {
			p, ok := fmts.Get(name)
			if !ok || p.Values[0].Syntax != proplist.SyntaxWord || p.Values[0].Uint != uint64(f) {
				t.Errorf("resource common format of %s = %v, want WORD %d", name, p, f)
			}
		}
		raw, _ := ctl("dummy", clusapi.CLUSCTL_RESOURCE_TYPE_GET_PRIVATE_RESOURCE_PROPERTY_FMTS, nil)
		priv, err := proplist.Unmarshal(raw)
		if err != nil {
			t.Fatal(err)
		}
		if p, ok := priv.Get("OnlineDelayMs"); !ok || p.Values[0].Uint != uint64(proplist.FormatDWORD) {
			t.Errorf("OnlineDelayMs format = %v", p)
		}
		if p, ok := priv.Get("LockedReason"); !ok || p.Values[0].Uint != uint64(proplist.FormatSZ) {
			t.Errorf("LockedReason format = %v", p)
		}
		// The first property: count, its name entry, then the WORD entry.
		off := 4 + 8 + int(binary.LittleEndian.Uint32(raw[8:]))
		off = (off + 3) &^ 3
		if got := raw[off : off+12]; !slices.Equal(got, []byte{0x0b, 0, 1, 0, 2, 0, 0, 0, byte(proplist.FormatDWORD), 0, 0, 0}) {
			t.Errorf("first format entry % x", got)
		}
		if l := list(clusapi.CLUSCTL_RESOURCE_TYPE_GET_PRIVATE_PROPERTIES); len(l) != 0 {
			t.Errorf("a type's private properties: %v", l)
		}

		// Sets: the current values only.
		in := wantCommon.Marshal()
		if _, st := ctl("dummy", clusapi.CLUSCTL_RESOURCE_TYPE_SET_COMMON_PROPERTIES, in); st != clusapi.ERROR_SUCCESS {
			t.Errorf("SET_COMMON_PROPERTIES of the current values: %v", st)
		}
		for _, l := range []proplist.List{
			{{Name: "LooksAlivePollInterval", Values: []proplist.Value{proplist.DWORD(1000)}}},
			{{Name: "Name", Values: []proplist.Value{proplist.SZ("dummy")}}},
			{{Name: "NoSuch", Values: []proplist.Value{proplist.DWORD(1)}}},
		} {
			for _, code := range []uint32{clusapi.CLUSCTL_RESOURCE_TYPE_SET_COMMON_PROPERTIES, clusapi.CLUSCTL_RESOURCE_TYPE_VALIDATE_COMMON_PROPERTIES} {
				if _, st := ctl("dummy", code, l.Marshal()); st != clusapi.ERROR_INVALID_PARAMETER {
					t.Errorf("code %#x with %v: %v, want 87", code, l, st)
				}
			}
		}
		for _, tc := range []struct {
			typ  string
			code uint32
			want clusapi.Errno
		}{
			{"NoSuchType", clusapi.CLUSCTL_RESOURCE_TYPE_GET_COMMON_PROPERTIES, clusapi.ERROR_CLUSTER_RESOURCE_TYPE_NOT_FOUND},
			{"dummy", clusapi.CLUSCTL_RESOURCE_TYPE_GET_COMMON_PROPERTY_FMTS, clusapi.ERROR_INVALID_FUNCTION},
			{"dummy", clusapi.CLUSCTL_RESOURCE_TYPE_GET_CLASS_INFO, clusapi.ERROR_INVALID_FUNCTION},
			{"dummy", clusapi.CLUSCTL_RESOURCE_TYPE_UNKNOWN, clusapi.ERROR_INVALID_FUNCTION},
			{"dummy", clusapi.CLUSCTL_GROUP_GET_COMMON_PROPERTIES, clusapi.ERROR_INVALID_FUNCTION},
		} {
			if _, st := ctl(tc.typ, tc.code, nil); st != tc.want {
				t.Errorf("%s code %#x: %v, want %d", tc.typ, tc.code, st, tc.want)
			}
		}
		var n uint32 = 7
		if st := clusapi.ClusterResourceTypeControl(nil, "dummy", nil, clusapi.CLUSCTL_RESOURCE_TYPE_GET_FLAGS, nil, 0, nil, 0, &n); st != clusapi.ERROR_INVALID_HANDLE || n != 0 {
			t.Errorf("NULL cluster: %v %d", st, n)
		}

		if a.HTTPAddr != "" {
			hRead := readOnlyCluster(t, a, c)
			in := wantCommon.Marshal()
			if st := clusapi.ClusterResourceTypeControl(hRead, "dummy", nil, clusapi.CLUSCTL_RESOURCE_TYPE_SET_COMMON_PROPERTIES, in, uint32(len(in)), nil, 0, nil); st != clusapi.ERROR_ACCESS_DENIED {
				t.Errorf("SET with a Read token: %v, want 5", st)
			}
			if st := clusapi.ClusterResourceTypeControl(hRead, "dummy", nil, clusapi.CLUSCTL_RESOURCE_TYPE_GET_FLAGS, nil, 0, make([]byte, 4), 4, nil); st != clusapi.ERROR_SUCCESS {
				t.Errorf("GET_FLAGS with a Read token: %v", st)
			}
		}
	})
}

func mustGet(t *testing.T, l proplist.List, name string) proplist.Property {
	t.Helper()
	p, ok := l.Get(name)
	if !ok {
		t.Fatalf("%s not in %v", name, l)
	}
	return p
}

// groupList reads a group's property list with a control code.
func groupList(t *testing.T, h clusapi.HGROUP, code uint32) proplist.List {
	t.Helper()
	var n uint32
	if st := clusapi.ClusterGroupControl(h, nil, code, nil, 0, nil, 0, &n); st != clusapi.ERROR_MORE_DATA {
		t.Fatalf("code %#x: %v", code, st)
	}
	out := make([]byte, n)
	if st := clusapi.ClusterGroupControl(h, nil, code, nil, 0, out, n, &n); st != clusapi.ERROR_SUCCESS {
		t.Fatalf("code %#x: %v", code, st)
	}
	l, err := proplist.Unmarshal(out)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// The resource type codes are the header's.
func TestResourceTypeControlCodes(t *testing.T) {
	for _, tc := range []struct {
		name      string
		got, want uint32
	}{
		{"CLUSCTL_RESOURCE_TYPE_GET_COMMON_PROPERTIES", clusapi.CLUSCTL_RESOURCE_TYPE_GET_COMMON_PROPERTIES, 0x02000059},
		{"CLUSCTL_RESOURCE_TYPE_SET_COMMON_PROPERTIES", clusapi.CLUSCTL_RESOURCE_TYPE_SET_COMMON_PROPERTIES, 0x0240005E},
		{"CLUSCTL_RESOURCE_TYPE_GET_COMMON_PROPERTY_FMTS", clusapi.CLUSCTL_RESOURCE_TYPE_GET_COMMON_PROPERTY_FMTS, 33554533},
		{"CLUSCTL_RESOURCE_TYPE_GET_COMMON_RESOURCE_PROPERTY_FMTS", clusapi.CLUSCTL_RESOURCE_TYPE_GET_COMMON_RESOURCE_PROPERTY_FMTS, 33554537},
		{"CLUSCTL_RESOURCE_TYPE_GET_PRIVATE_RESOURCE_PROPERTY_FMTS", clusapi.CLUSCTL_RESOURCE_TYPE_GET_PRIVATE_RESOURCE_PROPERTY_FMTS, 0x02000091},
		{"CLUSCTL_RESOURCE_TYPE_GET_CLASS_INFO", clusapi.CLUSCTL_RESOURCE_TYPE_GET_CLASS_INFO, 0x0200000D},
		{"CLUSTER_MAKE_VERSION(NT10, WS2016 RTM)", clusapi.BatonClusterVersion, 0x00090008},
	} {
		if tc.got != tc.want {
			t.Errorf("%s = %#x, want %#x", tc.name, tc.got, tc.want)
		}
	}
}
