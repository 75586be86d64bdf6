package clusapi_test

import (
	"testing"

	"github.com/batoncluster/baton/clusapi"
)

// CanResourceBeDependent: TRUE only for two resources of one group where
// the would-be provider does not already depend, directly or not, on the
// would-be dependent.
func TestCanResourceBeDependent(t *testing.T) {
	_, hCluster := openAgentCluster(t)
	hG, err := clusapi.CreateClusterGroup(hCluster, "G")
	if err != nil {
		t.Fatal(err)
	}
	hOther, err := clusapi.CreateClusterGroup(hCluster, "Other")
	if err != nil {
		t.Fatal(err)
	}
	res := map[string]clusapi.HRESOURCE{}
	for _, name := range []string{"a", "b", "c", "free"} {
		if res[name], err = clusapi.CreateClusterResource(hG, name, "dummy", 0); err != nil {
			t.Fatal(err)
		}
	}
	if res["x"], err = clusapi.CreateClusterResource(hOther, "x", "dummy", 0); err != nil {
		t.Fatal(err)
	}
	// c depends on b, b on a.
	for _, d := range [][2]string{{"c", "b"}, {"b", "a"}} {
		if st := clusapi.AddClusterResourceDependency(res[d[0]], res[d[1]]); st != clusapi.ERROR_SUCCESS {
			t.Fatalf("%s on %s: %v", d[0], d[1], st)
		}
	}
	for _, tc := range []struct {
		res, on string
		want    bool
	}{
		{"c", "a", true},    // already indirectly: still allowed, no cycle
		{"free", "c", true}, // a new dependency
		{"a", "c", false},   // c depends on a through b: a cycle
		{"a", "b", false},   // directly
		{"a", "a", false},   // itself
		{"a", "x", false},   // another group
		{"x", "a", false},   // likewise
		{"free", "a", true},
	} {
		if got := clusapi.CanResourceBeDependent(res[tc.res], res[tc.on]); got != tc.want {
			t.Errorf("CanResourceBeDependent(%s, %s) = %v, want %v", tc.res, tc.on, got, tc.want)
		}
		// What it says agrees with what adding the dependency does.
		if tc.res != tc.on && tc.want {
			continue
		}
		if st := clusapi.AddClusterResourceDependency(res[tc.res], res[tc.on]); st == clusapi.ERROR_SUCCESS {
			t.Errorf("AddClusterResourceDependency(%s, %s) succeeded where CanResourceBeDependent said no", tc.res, tc.on)
		}
	}
	clusapi.CloseClusterResource(res["free"])
	if clusapi.CanResourceBeDependent(res["free"], res["a"]) {
		t.Error("a closed handle: TRUE")
	}
	clusapi.CloseClusterGroup(hG)
	clusapi.CloseClusterGroup(hOther)
}
