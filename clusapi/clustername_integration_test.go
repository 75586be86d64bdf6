package clusapi_test

import (
	"strings"
	"testing"

	"github.com/batoncluster/baton/clusapi"
)

// SetClusterName answers ERROR_RESOURCE_PROPERTIES_STORED, as its page
// says, and GetClusterInformation reads the new name at once; bad names
// and Read handles are refused and change nothing.
func TestSetClusterName(t *testing.T) {
	a := startAgent(t)
	hCluster, err := clusapi.OpenCluster(a.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer clusapi.CloseCluster(hCluster)
	name := func() string {
		t.Helper()
		n, st := clusapi.GetClusterInformation(hCluster, nil, nil)
		if st != clusapi.ERROR_SUCCESS {
			t.Fatalf("GetClusterInformation: %v", st)
		}
		return n
	}
	before := name()
	for _, bad := range []string{"", "a/b", "tab\there", strings.Repeat("x", 256)} {
		if st := clusapi.SetClusterName(hCluster, bad); st != clusapi.ERROR_INVALID_PARAMETER {
			t.Errorf("SetClusterName(%q): %v, want 87", bad, st)
		}
	}
	var granted uint32
	hRead, err := clusapi.OpenClusterEx(a.Addr, clusapi.GENERIC_READ, &granted)
	if err != nil {
		t.Fatal(err)
	}
	if st := clusapi.SetClusterName(hRead, "through-read"); st != clusapi.ERROR_ACCESS_DENIED {
		t.Errorf("through a Read handle: %v, want 5", st)
	}
	clusapi.CloseCluster(hRead)
	if got := name(); got != before {
		t.Fatalf("refused renames changed the name: %q → %q", before, got)
	}
	if st := clusapi.SetClusterName(hCluster, "Prod Cluster ✓"); st != clusapi.ERROR_RESOURCE_PROPERTIES_STORED {
		t.Fatalf("SetClusterName: %v, want ERROR_RESOURCE_PROPERTIES_STORED", st)
	}
	if got := name(); got != "Prod Cluster ✓" {
		t.Errorf("after the rename: %q", got)
	}
	clusapi.CloseCluster(hCluster)
	if st := clusapi.SetClusterName(hCluster, "closed"); st != clusapi.ERROR_INVALID_HANDLE {
		t.Errorf("a closed handle: %v, want 6", st)
	}
}
