package clusapi_test

import (
	"testing"

	"github.com/batoncluster/baton/clusapi"
	"github.com/batoncluster/baton/proplist"
)

// errnoIs checks a handle-returning call's code.
func errnoIs(t *testing.T, what string, err error, want clusapi.Errno) {
	t.Helper()
	if got := clusapi.ErrnoOf(err); got != want {
		t.Errorf("%s: %v (%d), want %d", what, err, got, want)
	}
}

// The Ex opens, access and the information functions (issue 14, item 9),
// against a real agent: codes and values as Windows gives them.
func TestOpenExAndInformation(t *testing.T) {
	a := startAgent(t)
	c := a.client(t)
	makeDemoGroup(t, c, "DemoGroup", 0, 0, false)
	ctx := testCtx(t)
	info, err := c.Cluster(ctx)
	if err != nil || info.Access != clusapi.AccessFull {
		t.Fatalf("Cluster: %+v %v (the socket's owner should have Full access)", info, err)
	}

	t.Run("access bits", func(t *testing.T) {
		for _, tc := range []struct {
			desired uint32
			want    clusapi.Errno
			granted uint32
		}{
			{clusapi.GENERIC_ALL, 0, clusapi.CLUSAPI_ALL_ACCESS},
			{clusapi.GENERIC_READ, 0, clusapi.CLUSAPI_READ_ACCESS},
			{clusapi.MAXIMUM_ALLOWED, 0, clusapi.CLUSAPI_ALL_ACCESS},
			{clusapi.GENERIC_READ | clusapi.MAXIMUM_ALLOWED, 0, clusapi.CLUSAPI_ALL_ACCESS},
			{clusapi.CLUSAPI_READ_ACCESS, 0, clusapi.CLUSAPI_READ_ACCESS},
			{clusapi.CLUSAPI_ALL_ACCESS, 0, clusapi.CLUSAPI_ALL_ACCESS},
			{0, clusapi.ERROR_INVALID_PARAMETER, 0},
			{clusapi.CLUSAPI_CHANGE_ACCESS, clusapi.ERROR_INVALID_PARAMETER, 0},
			{clusapi.CLUSAPI_NO_ACCESS, clusapi.ERROR_INVALID_PARAMETER, 0},
			{clusapi.GENERIC_WRITE, clusapi.ERROR_INVALID_PARAMETER, 0},
			{clusapi.GENERIC_READ | 0x8, clusapi.ERROR_INVALID_PARAMETER, 0},
		} {
			granted := uint32(0xdead)
			h, err := clusapi.OpenClusterEx(a.Addr, tc.desired, &granted)
			errnoIs(t, "OpenClusterEx", err, tc.want)
			if tc.want != 0 {
				if h != nil || granted != 0xdead {
					t.Errorf("OpenClusterEx(%#x) refused, yet handle %v granted %#x", tc.desired, h, granted)
				}
				continue
			}
			if granted != tc.granted {
				t.Errorf("OpenClusterEx(%#x): granted %#x, want %#x", tc.desired, granted, tc.granted)
			}
			clusapi.CloseCluster(h)
		}
		if _, err := clusapi.OpenClusterEx(a.Addr, clusapi.GENERIC_ALL, nil); err != nil {
			t.Errorf("OpenClusterEx with a nil GrantedAccess: %v", err)
		}
	})

	hCluster, err := clusapi.OpenCluster(a.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer clusapi.CloseCluster(hCluster)

	t.Run("object opens", func(t *testing.T) {
		var g uint32
		hG, err := clusapi.OpenClusterGroupEx(hCluster, "DemoGroup", clusapi.MAXIMUM_ALLOWED, &g)
		if err != nil || g != clusapi.CLUSAPI_ALL_ACCESS {
			t.Fatalf("OpenClusterGroupEx MAXIMUM_ALLOWED: %v granted %#x", err, g)
		}
		if hc, err := clusapi.GetClusterFromGroup(hG); err != nil || hc != hCluster {
			t.Errorf("GetClusterFromGroup = %v, %v; want the cluster handle", hc, err)
		}
		hR, err := clusapi.OpenClusterResourceEx(hCluster, "Demo1", clusapi.GENERIC_READ, &g)
		if err != nil || g != clusapi.CLUSAPI_READ_ACCESS {
			t.Fatalf("OpenClusterResourceEx GENERIC_READ: %v granted %#x", err, g)
		}
		if hc, err := clusapi.GetClusterFromResource(hR); err != nil || hc != hCluster {
			t.Errorf("GetClusterFromResource of a Read handle = %v, %v; want the handle it was opened through", hc, err)
		}
		if st, _, _, err := clusapi.GetClusterResourceState(hR); err != nil || st != clusapi.ClusterResourceOnline {
			t.Errorf("GetClusterResourceState on a Read handle: %v %v", st, err)
		}
		node := nodeName(t, c)
		hN, err := clusapi.OpenClusterNodeEx(hCluster, node, clusapi.GENERIC_ALL, &g)
		if err != nil || g != clusapi.CLUSAPI_ALL_ACCESS {
			t.Fatalf("OpenClusterNodeEx: %v granted %#x", err, g)
		}
		if hc, err := clusapi.GetClusterFromNode(hN); err != nil || hc != hCluster {
			t.Errorf("GetClusterFromNode = %v, %v", hc, err)
		}

		g = 0xdead
		_, err = clusapi.OpenClusterGroupEx(hCluster, "NoSuchGroup", clusapi.GENERIC_READ, &g)
		errnoIs(t, "OpenClusterGroupEx of an unknown group", err, clusapi.ERROR_GROUP_NOT_FOUND)
		_, err = clusapi.OpenClusterResourceEx(hCluster, "NoSuch", clusapi.GENERIC_READ, &g)
		errnoIs(t, "OpenClusterResourceEx of an unknown resource", err, clusapi.ERROR_RESOURCE_NOT_FOUND)
		_, err = clusapi.OpenClusterNodeEx(hCluster, "NoSuch", clusapi.GENERIC_READ, &g)
		errnoIs(t, "OpenClusterNodeEx of an unknown node", err, clusapi.ERROR_CLUSTER_NODE_NOT_FOUND)
		_, err = clusapi.OpenClusterGroupEx(hCluster, "DemoGroup", clusapi.GENERIC_EXECUTE, &g)
		errnoIs(t, "OpenClusterGroupEx GENERIC_EXECUTE", err, clusapi.ERROR_INVALID_PARAMETER)
		_, err = clusapi.OpenClusterGroupEx(hCluster, "DemoGroup", 0, &g)
		errnoIs(t, "OpenClusterGroupEx 0", err, clusapi.ERROR_INVALID_PARAMETER)
		if g != 0xdead {
			t.Errorf("a refused open wrote the granted access: %#x", g)
		}
		_, err = clusapi.OpenClusterGroupEx(nil, "DemoGroup", clusapi.GENERIC_READ, nil)
		errnoIs(t, "OpenClusterGroupEx(NULL)", err, clusapi.ERROR_INVALID_HANDLE)
		for _, f := range []func() error{
			func() error { _, err := clusapi.GetClusterFromGroup(nil); return err },
			func() error { _, err := clusapi.GetClusterFromResource(nil); return err },
			func() error { _, err := clusapi.GetClusterFromNode(nil); return err },
		} {
			errnoIs(t, "GetClusterFrom*(NULL)", f(), clusapi.ERROR_INVALID_HANDLE)
		}
	})

	t.Run("a Read handle of a Full caller", func(t *testing.T) {
		desc := func(s string) []byte {
			return proplist.List{{Name: "Description", Values: []proplist.Value{proplist.SZ(s)}}}.Marshal()
		}
		set := func(h clusapi.HGROUP, s string) clusapi.Errno {
			in := desc(s)
			return clusapi.ClusterGroupControl(h, nil, clusapi.CLUSCTL_GROUP_SET_COMMON_PROPERTIES, in, uint32(len(in)), nil, 0, nil)
		}
		hRead, err := clusapi.OpenClusterGroupEx(hCluster, "DemoGroup", clusapi.GENERIC_READ, nil)
		if err != nil {
			t.Fatal(err)
		}
		if st := set(hRead, "through a Read handle"); st != clusapi.ERROR_ACCESS_DENIED {
			t.Errorf("SET_COMMON_PROPERTIES on a Read group handle: %v, want 5", st)
		}
		if st := clusapi.OfflineClusterGroup(hRead); st != clusapi.ERROR_ACCESS_DENIED {
			t.Errorf("OfflineClusterGroup on a Read group handle: %v, want 5", st)
		}
		if st, _, err := clusapi.GetClusterGroupState(hRead); err != nil || st != clusapi.ClusterGroupOnline {
			t.Errorf("GetClusterGroupState on a Read handle: %v %v (the refused offline changed it?)", st, err)
		}
		hAll, err := clusapi.OpenClusterGroupEx(hCluster, "DemoGroup", clusapi.GENERIC_ALL, nil)
		if err != nil {
			t.Fatal(err)
		}
		if st := set(hAll, "through an All handle"); st != clusapi.ERROR_SUCCESS {
			t.Errorf("SET_COMMON_PROPERTIES on an All group handle: %v", st)
		}

		// A cluster handle opened with Read: its own calls and those of
		// the handles opened through it with a plain open are Read; an Ex
		// open through it may still ask for the caller's All.
		hcRead, err := clusapi.OpenClusterEx(a.Addr, clusapi.GENERIC_READ, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := clusapi.CreateClusterGroup(hcRead, "ViaReadHandle"); clusapi.ErrnoOf(err) != clusapi.ERROR_ACCESS_DENIED {
			t.Errorf("CreateClusterGroup through a Read cluster handle: %v, want 5", err)
		}
		hG, err := clusapi.OpenClusterGroup(hcRead, "DemoGroup")
		if err != nil {
			t.Fatal(err)
		}
		if st := set(hG, "x"); st != clusapi.ERROR_ACCESS_DENIED {
			t.Errorf("SET_COMMON_PROPERTIES on a group opened through a Read cluster handle: %v, want 5", st)
		}
		hG2, err := clusapi.OpenClusterGroupEx(hcRead, "DemoGroup", clusapi.GENERIC_ALL, nil)
		if err != nil {
			t.Fatal(err)
		}
		if st := set(hG2, "All through a Read cluster handle"); st != clusapi.ERROR_SUCCESS {
			t.Errorf("SET on an All group handle opened through a Read cluster handle: %v", st)
		}
		if hc, _ := clusapi.GetClusterFromGroup(hG2); hc != hcRead {
			t.Errorf("GetClusterFromGroup: not the cluster handle the group was opened through")
		}
		clusapi.CloseCluster(hcRead)
		if _, _, err := clusapi.GetClusterGroupState(hG2); clusapi.ErrnoOf(err) != clusapi.ERROR_INVALID_HANDLE {
			t.Errorf("a group handle after its cluster handle closed: %v, want 6", err)
		}
		if _, err := clusapi.GetClusterFromGroup(hG2); clusapi.ErrnoOf(err) != clusapi.ERROR_INVALID_HANDLE {
			t.Errorf("GetClusterFromGroup after CloseCluster: %v, want 6", err)
		}
		g, err := c.Groups().Get(ctx, "DemoGroup")
		if err != nil {
			t.Fatal(err)
		}
		if d, ok := g.Properties.Get("Description"); !ok || d.Values[0].Str != "All through a Read cluster handle" {
			t.Errorf("Description = %v: a refused set changed it, or an accepted one did not", d)
		}
	})

	t.Run("a Read token", func(t *testing.T) {
		if a.HTTPAddr == "" {
			t.Skip("the agent did not print its TCP address")
		}
		tok, err := c.Access().CreateToken(ctx, "exreader", clusapi.AccessRead)
		if err != nil {
			t.Fatal(err)
		}
		t.Setenv("BATON_TOKEN", tok.Token)
		t.Setenv("BATON_CA", a.CA)
		g := uint32(0xdead)
		h, err := clusapi.OpenClusterEx(a.HTTPAddr, clusapi.GENERIC_ALL, &g)
		errnoIs(t, "OpenClusterEx GENERIC_ALL with a Read token", err, clusapi.ERROR_ACCESS_DENIED)
		if h != nil || g != 0xdead {
			t.Errorf("refused OpenClusterEx: handle %v, granted %#x", h, g)
		}
		_, err = clusapi.OpenClusterEx(a.HTTPAddr, clusapi.GENERIC_ALL|clusapi.MAXIMUM_ALLOWED, &g)
		errnoIs(t, "OpenClusterEx GENERIC_ALL|MAXIMUM_ALLOWED with a Read token", err, clusapi.ERROR_ACCESS_DENIED)
		h, err = clusapi.OpenClusterEx(a.HTTPAddr, clusapi.MAXIMUM_ALLOWED, &g)
		if err != nil || g != clusapi.CLUSAPI_READ_ACCESS {
			t.Fatalf("OpenClusterEx MAXIMUM_ALLOWED with a Read token: %v granted %#x, want 1", err, g)
		}
		defer clusapi.CloseCluster(h)
		_, err = clusapi.OpenClusterGroupEx(h, "DemoGroup", clusapi.GENERIC_ALL, &g)
		errnoIs(t, "OpenClusterGroupEx GENERIC_ALL with a Read token", err, clusapi.ERROR_ACCESS_DENIED)
		_, err = clusapi.OpenClusterResourceEx(h, "Demo1", clusapi.CLUSAPI_ALL_ACCESS, &g)
		errnoIs(t, "OpenClusterResourceEx CLUSAPI_ALL_ACCESS with a Read token", err, clusapi.ERROR_ACCESS_DENIED)
		_, err = clusapi.OpenClusterNodeEx(h, nodeName(t, c), clusapi.GENERIC_ALL, &g)
		errnoIs(t, "OpenClusterNodeEx GENERIC_ALL with a Read token", err, clusapi.ERROR_ACCESS_DENIED)
		hG, err := clusapi.OpenClusterGroupEx(h, "DemoGroup", clusapi.MAXIMUM_ALLOWED, &g)
		if err != nil || g != clusapi.CLUSAPI_READ_ACCESS {
			t.Fatalf("OpenClusterGroupEx MAXIMUM_ALLOWED with a Read token: %v granted %#x", err, g)
		}
		if st := clusapi.OfflineClusterGroup(hG); st != clusapi.ERROR_ACCESS_DENIED {
			t.Errorf("OfflineClusterGroup with a Read token: %v, want 5", st)
		}
	})

	t.Run("GetClusterInformation", func(t *testing.T) {
		name, st := clusapi.GetClusterInformation(hCluster, nil, nil)
		if st != clusapi.ERROR_SUCCESS || name != info.Name {
			t.Errorf("GetClusterInformation = %q, %v; want %q", name, st, info.Name)
		}
		cch := uint32(2)
		if name, st := clusapi.GetClusterInformation(hCluster, &cch, nil); st != clusapi.ERROR_MORE_DATA || name != "" || int(cch) != len(info.Name) {
			t.Errorf("small buffer: %q %v cch %d, want 234 and cch %d", name, st, cch, len(info.Name))
		}
		cch++
		if name, st := clusapi.GetClusterInformation(hCluster, &cch, nil); st != clusapi.ERROR_SUCCESS || name != info.Name || int(cch) != len(info.Name) {
			t.Errorf("exact buffer: %q %v cch %d", name, st, cch)
		}
		vi := clusapi.CLUSTERVERSIONINFO{DwVersionInfoSize: clusapi.SizeofCLUSTERVERSIONINFO}
		if _, st := clusapi.GetClusterInformation(hCluster, nil, &vi); st != clusapi.ERROR_SUCCESS {
			t.Fatal(st)
		}
		want := clusapi.CLUSTERVERSIONINFO{DwVersionInfoSize: clusapi.SizeofCLUSTERVERSIONINFO, SzVendorId: "baton", SzCSDVersion: info.Version,
			DwClusterHighestVersion: 0x00090008, DwClusterLowestVersion: 0x00090008}
		if info.Version != "devel" {
			t.Logf("agent version %q: not checking Major/Minor/Build", info.Version)
			want.MajorVersion, want.MinorVersion, want.BuildNumber = vi.MajorVersion, vi.MinorVersion, vi.BuildNumber
		}
		if vi != want || info.Version == "" {
			t.Errorf("CLUSTERVERSIONINFO = %+v, want %+v", vi, want)
		}
		if clusapi.CLUSTER_GET_MAJOR_VERSION(vi.DwClusterHighestVersion) != clusapi.NT10_MAJOR_VERSION {
			t.Errorf("highest version %#x is not NT10", vi.DwClusterHighestVersion)
		}
		nt4 := clusapi.CLUSTERVERSIONINFO{DwVersionInfoSize: clusapi.SizeofCLUSTERVERSIONINFO_NT4}
		if _, st := clusapi.GetClusterInformation(hCluster, nil, &nt4); st != clusapi.ERROR_SUCCESS || nt4.SzVendorId != "baton" || nt4.DwClusterHighestVersion != 0 {
			t.Errorf("NT4-sized CLUSTERVERSIONINFO: %v %+v", st, nt4)
		}
		small := clusapi.CLUSTERVERSIONINFO{DwVersionInfoSize: 10}
		if _, st := clusapi.GetClusterInformation(hCluster, nil, &small); st != clusapi.ERROR_INVALID_PARAMETER {
			t.Errorf("DwVersionInfoSize 10: %v, want 87", st)
		}
		if _, st := clusapi.GetClusterInformation(nil, nil, nil); st != clusapi.ERROR_INVALID_HANDLE {
			t.Errorf("GetClusterInformation(NULL): %v, want 6", st)
		}
	})

	t.Run("node ids", func(t *testing.T) {
		node := nodeName(t, c)
		hN, err := clusapi.OpenClusterNodeById(hCluster, 1)
		if err != nil {
			t.Fatal(err)
		}
		id, st := clusapi.GetClusterNodeId(hN, nil)
		if st != clusapi.ERROR_SUCCESS || id != node {
			t.Errorf("GetClusterNodeId(node 1) = %q, %v; want %q", id, st, node)
		}
		cch := uint32(1)
		if id, st := clusapi.GetClusterNodeId(hN, &cch); st != clusapi.ERROR_MORE_DATA || id != "" || int(cch) != len(node) {
			t.Errorf("GetClusterNodeId small buffer: %q %v %d", id, st, cch)
		}
		for _, n := range []uint32{0, 2, 0xFFFFFFFF} {
			_, err := clusapi.OpenClusterNodeById(hCluster, n)
			errnoIs(t, "OpenClusterNodeById", err, clusapi.ERROR_CLUSTER_NODE_NOT_FOUND)
		}
		_, err = clusapi.OpenClusterNodeById(nil, 1)
		errnoIs(t, "OpenClusterNodeById(NULL)", err, clusapi.ERROR_INVALID_HANDLE)
		t.Setenv("BATON_ADDR", a.Addr)
		if id, st := clusapi.GetClusterNodeId(nil, nil); st != clusapi.ERROR_SUCCESS || id != node {
			t.Errorf("GetClusterNodeId(NULL) = %q, %v; want the local node %q", id, st, node)
		}
		clusapi.CloseClusterNode(hN)
		if _, st := clusapi.GetClusterNodeId(hN, nil); st != clusapi.ERROR_INVALID_HANDLE {
			t.Errorf("GetClusterNodeId of a closed handle: %v, want 6", st)
		}
	})
}

func nodeName(t *testing.T, c *clusapi.Client) string {
	t.Helper()
	nodes, err := c.ListNodes(testCtx(t))
	if err != nil || len(nodes) != 1 {
		t.Fatalf("ListNodes: %v %v", nodes, err)
	}
	return nodes[0].Name
}
