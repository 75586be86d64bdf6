package clusapi_test

import (
	"testing"

	"github.com/batoncluster/baton/clusapi"
	"github.com/batoncluster/baton/proplist"
)

// CreateClusterGroupEx keeps the caller's group type as the GroupType
// common property; a wrong version or a reserved type answers 87 and
// creates nothing.
func TestCreateClusterGroupEx(t *testing.T) {
	_, hCluster := openAgentCluster(t)

	groupType := func(h clusapi.HGROUP) uint32 {
		t.Helper()
		l, err := proplist.Unmarshal(getControl(t, groupControl(h, clusapi.CLUSCTL_GROUP_GET_COMMON_PROPERTIES)))
		if err != nil {
			t.Fatal(err)
		}
		p, ok := l.Get("GroupType")
		if !ok || len(p.Values) != 1 || p.Values[0].Syntax != proplist.SyntaxDWORD {
			t.Fatalf("GroupType: %+v", p)
		}
		return uint32(p.Values[0].Uint)
	}

	for _, tc := range []struct {
		name string
		info *clusapi.CLUSTER_CREATE_GROUP_INFO
		want uint32
	}{
		{"NoInfo", nil, clusapi.ClusGroupTypeUnknown},
		{"VM", &clusapi.CLUSTER_CREATE_GROUP_INFO{DwVersion: clusapi.CLUSTER_CREATE_GROUP_INFO_VERSION_1, GroupType: clusapi.ClusGroupTypeVirtualMachine}, 111},
		{"Zero", &clusapi.CLUSTER_CREATE_GROUP_INFO{DwVersion: 1, GroupType: 0}, 0},
		{"Own", &clusapi.CLUSTER_CREATE_GROUP_INFO{DwVersion: 1, GroupType: 0x12345}, 0x12345},
	} {
		h, err := clusapi.CreateClusterGroupEx(hCluster, tc.name, tc.info)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := groupType(h); got != tc.want {
			t.Errorf("%s: GroupType %d, want %d", tc.name, got, tc.want)
		}
		clusapi.CloseClusterGroup(h)
	}

	// Plain CreateClusterGroup: Unknown.
	h, err := clusapi.CreateClusterGroup(hCluster, "Plain")
	if err != nil {
		t.Fatal(err)
	}
	if got := groupType(h); got != clusapi.ClusGroupTypeUnknown {
		t.Errorf("CreateClusterGroup: GroupType %d, want 9999", got)
	}

	for _, tc := range []struct {
		name string
		info clusapi.CLUSTER_CREATE_GROUP_INFO
	}{
		{"Version0", clusapi.CLUSTER_CREATE_GROUP_INFO{DwVersion: 0, GroupType: 111}},
		{"Version2", clusapi.CLUSTER_CREATE_GROUP_INFO{DwVersion: 2, GroupType: 111}},
		{"CoreCluster", clusapi.CLUSTER_CREATE_GROUP_INFO{DwVersion: 1, GroupType: clusapi.ClusGroupTypeCoreCluster}},
		{"AvailableStorage", clusapi.CLUSTER_CREATE_GROUP_INFO{DwVersion: 1, GroupType: 2}},
		{"SharedVolume", clusapi.CLUSTER_CREATE_GROUP_INFO{DwVersion: 1, GroupType: 4}},
		{"StoragePool", clusapi.CLUSTER_CREATE_GROUP_INFO{DwVersion: 1, GroupType: 5}},
	} {
		info := tc.info
		if h, err := clusapi.CreateClusterGroupEx(hCluster, tc.name, &info); clusapi.ErrnoOf(err) != clusapi.ERROR_INVALID_PARAMETER || h != nil {
			t.Errorf("%s: %v, want 87 and no handle", tc.name, err)
		}
		if h, err := clusapi.OpenClusterGroup(hCluster, tc.name); clusapi.ErrnoOf(err) != clusapi.ERROR_GROUP_NOT_FOUND {
			clusapi.CloseClusterGroup(h)
			t.Errorf("%s: refused, yet the group exists (%v)", tc.name, err)
		}
	}
	// Temporary (3) is not reserved.
	if _, err := clusapi.CreateClusterGroupEx(hCluster, "Temp", &clusapi.CLUSTER_CREATE_GROUP_INFO{DwVersion: 1, GroupType: clusapi.ClusGroupTypeTemporary}); err != nil {
		t.Errorf("ClusGroupTypeTemporary: %v", err)
	}

	// GroupType is not the caller's to change afterwards.
	set := proplist.List{{Name: "GroupType", Values: []proplist.Value{proplist.DWORD(107)}}}.Marshal()
	if got := setGroup(h, clusapi.CLUSCTL_GROUP_SET_COMMON_PROPERTIES, set); got != clusapi.ERROR_INVALID_PARAMETER {
		t.Errorf("setting GroupType: %v, want 87", got)
	}
	if got := groupType(h); got != clusapi.ClusGroupTypeUnknown {
		t.Errorf("after a refused set: GroupType %d", got)
	}
}
