package clusapi_test

import (
	"slices"
	"testing"

	"github.com/batoncluster/baton/clusapi"
)

// enumNames reads an enumeration to its end the way a Windows tool does:
// a loop over the index until ERROR_NO_MORE_ITEMS, with a small buffer
// that grows on ERROR_MORE_DATA.
func enumNames(t *testing.T, enum func(i uint32, cch *uint32) (uint32, string, clusapi.Errno)) (types []uint32, names []string) {
	t.Helper()
	for i := uint32(0); ; i++ {
		cch := uint32(4) // room for 3 characters and the NUL
		typ, name, st := enum(i, &cch)
		if st == clusapi.ERROR_MORE_DATA {
			if name != "" || cch < 4 {
				t.Fatalf("item %d: ERROR_MORE_DATA with name %q and cch %d", i, name, cch)
			}
			cch++ // the NUL
			typ, name, st = enum(i, &cch)
		}
		if st == clusapi.ERROR_NO_MORE_ITEMS {
			return types, names
		}
		if st != clusapi.ERROR_SUCCESS {
			t.Fatalf("item %d: %v", i, st)
		}
		if int(cch) != len(name) {
			t.Errorf("item %d %q: cch %d, want its length", i, name, cch)
		}
		types, names = append(types, typ), append(names, name)
	}
}

func TestClusterEnumerations(t *testing.T) {
	a := startAgent(t)
	c := a.client(t)
	makeDemoGroup(t, c, "DemoGroup", 0, 0, false)
	ctx := testCtx(t)
	if err := c.Resources().AddDependency(ctx, "Demo2", "Demo1"); err != nil {
		t.Fatal(err)
	}
	if err := c.Resources().AddDependency(ctx, "Demo3", "Demo1"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Groups().Create(ctx, "Empty", clusapi.CreateGroupOptions{}); err != nil {
		t.Fatal(err)
	}
	hCluster, err := clusapi.OpenCluster(a.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer clusapi.CloseCluster(hCluster)
	nodes, err := c.ListNodes(ctx)
	if err != nil || len(nodes) != 1 {
		t.Fatalf("ListNodes: %v %v", nodes, err)
	}
	node := nodes[0].Name

	t.Run("cluster", func(t *testing.T) {
		if _, err := clusapi.ClusterOpenEnum(hCluster, 0); clusapi.ErrnoOf(err) != clusapi.ERROR_INVALID_PARAMETER {
			t.Errorf("dwType 0: %v, want 87", err)
		}
		if _, err := clusapi.ClusterOpenEnum(hCluster, 0x100); clusapi.ErrnoOf(err) != clusapi.ERROR_INVALID_PARAMETER {
			t.Errorf("dwType 0x100: %v, want 87", err)
		}
		h, err := clusapi.ClusterOpenEnum(hCluster, clusapi.CLUSTER_ENUM_GROUP|clusapi.CLUSTER_ENUM_NODE|clusapi.CLUSTER_ENUM_NETWORK)
		if err != nil {
			t.Fatal(err)
		}
		types, names := enumNames(t, func(i uint32, cch *uint32) (uint32, string, clusapi.Errno) { return clusapi.ClusterEnum(h, i, cch) })
		wantTypes := []uint32{clusapi.CLUSTER_ENUM_NODE, clusapi.CLUSTER_ENUM_GROUP, clusapi.CLUSTER_ENUM_GROUP}
		if !slices.Equal(names, []string{node, "DemoGroup", "Empty"}) || !slices.Equal(types, wantTypes) {
			t.Errorf("ClusterEnum: %v %v", names, types)
		}
		if n := clusapi.ClusterGetEnumCount(h); n != 3 {
			t.Errorf("ClusterGetEnumCount: %d", n)
		}
		// A snapshot: a group created later is not in it.
		if _, err := c.Groups().Create(ctx, "Later", clusapi.CreateGroupOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, name, st := clusapi.ClusterEnum(h, 3, nil); st != clusapi.ERROR_NO_MORE_ITEMS {
			t.Errorf("item 3 after a create: %q %v, want ERROR_NO_MORE_ITEMS", name, st)
		}
		if st := clusapi.ClusterCloseEnum(h); st != clusapi.ERROR_SUCCESS {
			t.Errorf("ClusterCloseEnum: %v", st)
		}
		if _, _, st := clusapi.ClusterEnum(h, 0, nil); st != clusapi.ERROR_INVALID_HANDLE {
			t.Errorf("ClusterEnum on a closed handle: %v", st)
		}
		if st := clusapi.ClusterCloseEnum(h); st != clusapi.ERROR_INVALID_HANDLE {
			t.Errorf("second ClusterCloseEnum: %v", st)
		}
	})

	t.Run("clusterEx", func(t *testing.T) {
		h, err := clusapi.ClusterOpenEnumEx(hCluster, clusapi.CLUSTER_ENUM_RESOURCE|clusapi.CLUSTER_ENUM_RESTYPE, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer clusapi.ClusterCloseEnumEx(h)
		var got []string
		for i := uint32(0); ; i++ {
			var item clusapi.CLUSTER_ENUM_ITEM
			cb := uint32(8)
			st := clusapi.ClusterEnumEx(h, i, &item, &cb)
			if st == clusapi.ERROR_NO_MORE_ITEMS {
				break
			}
			if st != clusapi.ERROR_MORE_DATA || item.LpszName != "" {
				t.Fatalf("item %d with 8 bytes: %v %+v, want ERROR_MORE_DATA", i, st, item)
			}
			if st := clusapi.ClusterEnumEx(h, i, &item, &cb); st != clusapi.ERROR_SUCCESS {
				t.Fatalf("item %d with %d bytes: %v", i, cb, st)
			}
			if item.DwVersion != clusapi.CLUSTER_ENUM_ITEM_VERSION || item.LpszId == "" || item.CbName != uint32(len(item.LpszName)+1)*2 {
				t.Errorf("item %d: %+v", i, item)
			}
			if item.DwType == clusapi.CLUSTER_ENUM_RESOURCE {
				got = append(got, item.LpszName)
			}
		}
		if !slices.Equal(got, demoResources) {
			t.Errorf("resources: %v", got)
		}
		if n := clusapi.ClusterGetEnumCountEx(h); n <= 3 {
			t.Errorf("ClusterGetEnumCountEx: %d, want the types too", n)
		}
	})

	t.Run("group", func(t *testing.T) {
		hGroup, err := clusapi.OpenClusterGroup(hCluster, "DemoGroup")
		if err != nil {
			t.Fatal(err)
		}
		defer clusapi.CloseClusterGroup(hGroup)
		hNode, err := clusapi.OpenClusterNode(hCluster, node)
		if err != nil {
			t.Fatal(err)
		}
		defer clusapi.CloseClusterNode(hNode)
		if st := clusapi.SetClusterGroupNodeList(hGroup, []clusapi.HNODE{hNode}); st != clusapi.ERROR_SUCCESS {
			t.Fatal(st)
		}
		h, err := clusapi.ClusterGroupOpenEnum(hGroup, clusapi.CLUSTER_GROUP_ENUM_ALL)
		if err != nil {
			t.Fatal(err)
		}
		types, names := enumNames(t, func(i uint32, cch *uint32) (uint32, string, clusapi.Errno) {
			return clusapi.ClusterGroupEnum(h, i, cch)
		})
		if !slices.Equal(names, append(slices.Clone(demoResources), node)) ||
			types[0] != clusapi.CLUSTER_GROUP_ENUM_CONTAINS || types[3] != clusapi.CLUSTER_GROUP_ENUM_NODES {
			t.Errorf("ClusterGroupEnum: %v %v", names, types)
		}
		if n := clusapi.ClusterGroupGetEnumCount(h); n != 4 {
			t.Errorf("ClusterGroupGetEnumCount: %d", n)
		}
		if st := clusapi.ClusterGroupCloseEnum(h); st != clusapi.ERROR_SUCCESS {
			t.Error(st)
		}
		if _, err := clusapi.ClusterGroupOpenEnum(hGroup, 4); clusapi.ErrnoOf(err) != clusapi.ERROR_INVALID_PARAMETER {
			t.Errorf("dwType 4: %v", err)
		}
		hEmpty, err := clusapi.OpenClusterGroup(hCluster, "Empty")
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Groups().Delete(ctx, "Empty", false); err != nil {
			t.Fatal(err)
		}
		if _, err := clusapi.ClusterGroupOpenEnum(hEmpty, clusapi.CLUSTER_GROUP_ENUM_CONTAINS); clusapi.ErrnoOf(err) != clusapi.ERROR_GROUP_NOT_AVAILABLE {
			t.Errorf("deleted group: %v, want ERROR_GROUP_NOT_AVAILABLE", err)
		}
	})

	t.Run("resource", func(t *testing.T) {
		hRes, err := clusapi.OpenClusterResource(hCluster, "Demo1")
		if err != nil {
			t.Fatal(err)
		}
		defer clusapi.CloseClusterResource(hRes)
		h, err := clusapi.ClusterResourceOpenEnum(hRes, clusapi.CLUSTER_RESOURCE_ENUM_ALL)
		if err != nil {
			t.Fatal(err)
		}
		defer clusapi.ClusterResourceCloseEnum(h)
		types, names := enumNames(t, func(i uint32, cch *uint32) (uint32, string, clusapi.Errno) {
			return clusapi.ClusterResourceEnum(h, i, cch)
		})
		wantTypes := []uint32{clusapi.CLUSTER_RESOURCE_ENUM_PROVIDES, clusapi.CLUSTER_RESOURCE_ENUM_PROVIDES, clusapi.CLUSTER_RESOURCE_ENUM_NODES}
		if !slices.Equal(names, []string{"Demo2", "Demo3", node}) || !slices.Equal(types, wantTypes) {
			t.Errorf("ClusterResourceEnum(Demo1): %v %v", names, types)
		}
		hRes2, err := clusapi.OpenClusterResource(hCluster, "Demo2")
		if err != nil {
			t.Fatal(err)
		}
		defer clusapi.CloseClusterResource(hRes2)
		h2, err := clusapi.ClusterResourceOpenEnum(hRes2, clusapi.CLUSTER_RESOURCE_ENUM_DEPENDS)
		if err != nil {
			t.Fatal(err)
		}
		if _, names := enumNames(t, func(i uint32, cch *uint32) (uint32, string, clusapi.Errno) {
			return clusapi.ClusterResourceEnum(h2, i, cch)
		}); !slices.Equal(names, []string{"Demo1"}) {
			t.Errorf("ClusterResourceEnum(Demo2, DEPENDS): %v", names)
		}
		if n := clusapi.ClusterResourceGetEnumCount(h2); n != 1 {
			t.Errorf("ClusterResourceGetEnumCount: %d", n)
		}
		clusapi.ClusterResourceCloseEnum(h2)
	})

	t.Run("node", func(t *testing.T) {
		hNode, err := clusapi.OpenClusterNode(hCluster, node)
		if err != nil {
			t.Fatal(err)
		}
		defer clusapi.CloseClusterNode(hNode)
		h, err := clusapi.ClusterNodeOpenEnum(hNode, clusapi.CLUSTER_NODE_ENUM_ALL)
		if err != nil {
			t.Fatal(err)
		}
		types, names := enumNames(t, func(i uint32, cch *uint32) (uint32, string, clusapi.Errno) { return clusapi.ClusterNodeEnum(h, i, cch) })
		if !slices.Contains(names, "DemoGroup") || types[0] != clusapi.CLUSTER_NODE_ENUM_GROUPS {
			t.Errorf("ClusterNodeEnum: %v %v", names, types)
		}
		if int(clusapi.ClusterNodeGetEnumCount(h)) != len(names) {
			t.Errorf("ClusterNodeGetEnumCount: %d", clusapi.ClusterNodeGetEnumCount(h))
		}
		clusapi.ClusterNodeCloseEnum(h)
		// Closing the cluster handle invalidates its enumerations.
		h, err = clusapi.ClusterNodeOpenEnum(hNode, clusapi.CLUSTER_NODE_ENUM_GROUPS)
		if err != nil {
			t.Fatal(err)
		}
		hc2, err := clusapi.OpenCluster(a.Addr)
		if err != nil {
			t.Fatal(err)
		}
		hn2, err := clusapi.OpenClusterNode(hc2, node)
		if err != nil {
			t.Fatal(err)
		}
		h2, err := clusapi.ClusterNodeOpenEnum(hn2, clusapi.CLUSTER_NODE_ENUM_GROUPS)
		if err != nil {
			t.Fatal(err)
		}
		clusapi.CloseCluster(hc2)
		if _, _, st := clusapi.ClusterNodeEnum(h2, 0, nil); st != clusapi.ERROR_INVALID_HANDLE {
			t.Errorf("enumeration of a closed cluster handle: %v", st)
		}
		if n := clusapi.ClusterNodeGetEnumCount(h2); n != 0 {
			t.Errorf("count of a closed cluster handle's enumeration: %d", n)
		}
		clusapi.ClusterNodeCloseEnum(h)
	})
}

// PauseClusterNode(Ex) and ResumeClusterNode(Ex) over the node's pause.
func TestPauseResumeClusterNode(t *testing.T) {
	a := startAgent(t)
	hCluster, err := clusapi.OpenCluster(a.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer clusapi.CloseCluster(hCluster)
	c := a.client(t)
	nodes, err := c.ListNodes(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	hNode, err := clusapi.OpenClusterNode(hCluster, nodes[0].Name)
	if err != nil {
		t.Fatal(err)
	}
	if st := clusapi.ResumeClusterNode(hNode); st != clusapi.ERROR_CLUSTER_NODE_NOT_PAUSED {
		t.Errorf("resume an Up node: %v, want ERROR_CLUSTER_NODE_NOT_PAUSED", st)
	}
	if st := clusapi.PauseClusterNodeEx(hNode, true, 0x8, nil); st != clusapi.ERROR_INVALID_PARAMETER {
		t.Errorf("pause with an undefined flag: %v, want 87", st)
	}
	if st := clusapi.PauseClusterNodeEx(hNode, false, clusapi.CLUSAPI_NODE_PAUSE_RETRY_DRAIN_ON_FAILURE, nil); st != clusapi.ERROR_INVALID_PARAMETER {
		t.Errorf("pause with a drain flag but no drain: %v, want 87", st)
	}
	if st := clusapi.PauseClusterNodeEx(hNode, true, 0, hNode); st != clusapi.ERROR_INVALID_PARAMETER {
		t.Errorf("pause with a drain target: %v, want 87", st)
	}
	if s, _ := clusapi.GetClusterNodeState(hNode); s != clusapi.ClusterNodeUp {
		t.Errorf("after refused pauses: %v, want Up", s)
	}
	if st := clusapi.PauseClusterNode(hNode); st != clusapi.ERROR_SUCCESS {
		t.Fatalf("PauseClusterNode: %v", st)
	}
	if s, _ := clusapi.GetClusterNodeState(hNode); s != clusapi.ClusterNodePaused {
		t.Errorf("after PauseClusterNode: %v, want Paused", s)
	}
	if st := clusapi.ResumeClusterNodeEx(hNode, clusapi.FailbackGroupsImmediately, 0); st != clusapi.ERROR_INVALID_PARAMETER {
		t.Errorf("resume with FailbackGroupsImmediately: %v, want 87", st)
	}
	if st := clusapi.ResumeClusterNodeEx(hNode, clusapi.FailbackGroupsPerPolicy, 0); st != clusapi.ERROR_SUCCESS {
		t.Errorf("ResumeClusterNodeEx: %v", st)
	}
	flags := clusapi.CLUSAPI_NODE_PAUSE_REMAIN_ON_PAUSED_NODE_ON_MOVE_ERROR | clusapi.CLUSAPI_NODE_AVOID_PLACEMENT | clusapi.CLUSAPI_NODE_PAUSE_RETRY_DRAIN_ON_FAILURE
	if st := clusapi.PauseClusterNodeEx(hNode, true, flags, nil); st != clusapi.ERROR_SUCCESS {
		t.Fatalf("PauseClusterNodeEx drain with every flag: %v", st)
	}
	if n, err := c.Node(testCtx(t), nodes[0].Name); err != nil || n.State != clusapi.ClusterNodePaused {
		t.Errorf("after drain: %+v %v", n, err)
	}
	if st := clusapi.ResumeClusterNode(hNode); st != clusapi.ERROR_SUCCESS {
		t.Errorf("ResumeClusterNode: %v", st)
	}
	clusapi.CloseClusterNode(hNode)
	if st := clusapi.PauseClusterNode(hNode); st != clusapi.ERROR_INVALID_HANDLE {
		t.Errorf("closed handle: %v", st)
	}
}
