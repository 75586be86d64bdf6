package clusapi_test

import (
	"testing"

	"github.com/batoncluster/baton/clusapi"
)

// The lifecycle handle functions answer the codes of their pages:
// AddClusterResourceDependency 87 for itself or another group and 1059
// for a cycle; DeleteClusterResource 5023 for a resource not offline.
func TestObjectLifecycleCodes(t *testing.T) {
	a := startAgent(t)
	hCluster, err := clusapi.OpenCluster(a.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer clusapi.CloseCluster(hCluster)
	hG, err := clusapi.CreateClusterGroup(hCluster, "G")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := clusapi.CreateClusterGroup(hCluster, "G"); clusapi.ErrnoOf(err) != clusapi.ERROR_OBJECT_ALREADY_EXISTS {
		t.Errorf("second CreateClusterGroup: %v", err)
	}
	hOther, err := clusapi.CreateClusterGroup(hCluster, "Other")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := clusapi.CreateClusterResource(hG, "bad", "dummy", 2); clusapi.ErrnoOf(err) != clusapi.ERROR_INVALID_PARAMETER {
		t.Errorf("CreateClusterResource flags 2: %v", err)
	}
	r1, err := clusapi.CreateClusterResource(hG, "r1", "dummy", clusapi.CLUSTER_RESOURCE_DEFAULT_MONITOR)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := clusapi.CreateClusterResource(hG, "r2", "dummy", clusapi.CLUSTER_RESOURCE_SEPARATE_MONITOR)
	if err != nil {
		t.Fatal(err)
	}
	x, err := clusapi.CreateClusterResource(hOther, "x", "dummy", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		what    string
		res, on clusapi.HRESOURCE
		add     bool
		want    clusapi.Errno
	}{
		{"itself", r1, r1, true, clusapi.ERROR_INVALID_PARAMETER},
		{"another group", r1, x, true, clusapi.ERROR_INVALID_PARAMETER},
		{"r2 on r1", r2, r1, true, clusapi.ERROR_SUCCESS},
		{"again", r2, r1, true, clusapi.ERROR_DEPENDENCY_ALREADY_EXISTS},
		{"cycle", r1, r2, true, clusapi.ERROR_CIRCULAR_DEPENDENCY},
		{"remove a missing one", r1, r2, false, clusapi.ERROR_DEPENDENCY_NOT_FOUND},
	} {
		f := clusapi.AddClusterResourceDependency
		if !tc.add {
			f = clusapi.RemoveClusterResourceDependency
		}
		if got := f(tc.res, tc.on); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.what, got, tc.want)
		}
	}
	if got := clusapi.DeleteClusterGroup(hG); got != clusapi.ERROR_DIR_NOT_EMPTY {
		t.Errorf("DeleteClusterGroup of a group with resources: %v", got)
	}
	if got := clusapi.OnlineClusterResource(r1); got != clusapi.ERROR_IO_PENDING && got != clusapi.ERROR_SUCCESS {
		t.Fatalf("online r1: %v", got)
	}
	eventually(t, "r1 online", func() (bool, error) {
		s, _, _, err := clusapi.GetClusterResourceState(r1)
		return s == clusapi.ClusterResourceOnline, err
	})
	if got := clusapi.RemoveClusterResourceDependency(r2, r1); got != clusapi.ERROR_SUCCESS {
		t.Errorf("remove r2 on r1: %v", got)
	}
	if got := clusapi.DeleteClusterResource(r1); got != clusapi.ERROR_INVALID_STATE {
		t.Errorf("DeleteClusterResource of an online resource: %v, want ERROR_INVALID_STATE (5023)", got)
	}
	if got := clusapi.DestroyClusterGroup(hG); got != clusapi.ERROR_RESOURCE_ONLINE {
		t.Errorf("DestroyClusterGroup with an online resource: %v", got)
	}
	if got := clusapi.OfflineClusterResource(r1); got != clusapi.ERROR_IO_PENDING && got != clusapi.ERROR_SUCCESS {
		t.Fatalf("offline r1: %v", got)
	}
	eventually(t, "r1 offline", func() (bool, error) {
		s, _, _, err := clusapi.GetClusterResourceState(r1)
		return s == clusapi.ClusterResourceOffline, err
	})
	if got := clusapi.DeleteClusterResource(r1); got != clusapi.ERROR_SUCCESS {
		t.Errorf("DeleteClusterResource: %v", got)
	}
	if got := clusapi.DeleteClusterResource(r1); got != clusapi.ERROR_RESOURCE_NOT_AVAILABLE {
		t.Errorf("DeleteClusterResource again: %v, want ERROR_RESOURCE_NOT_AVAILABLE", got)
	}
	if got := clusapi.DestroyClusterGroup(hG); got != clusapi.ERROR_SUCCESS {
		t.Errorf("DestroyClusterGroup: %v", got)
	}
	if got := clusapi.DeleteClusterResource(x); got != clusapi.ERROR_SUCCESS {
		t.Errorf("delete x: %v", got)
	}
	if got := clusapi.DeleteClusterGroup(hOther); got != clusapi.ERROR_SUCCESS {
		t.Errorf("DeleteClusterGroup: %v", got)
	}
	if got := clusapi.DeleteClusterGroup(hOther); got != clusapi.ERROR_GROUP_NOT_AVAILABLE {
		t.Errorf("DeleteClusterGroup again: %v, want ERROR_GROUP_NOT_AVAILABLE", got)
	}
}
