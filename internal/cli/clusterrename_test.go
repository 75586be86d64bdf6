package cli

import (
	"testing"

	"github.com/batoncluster/baton/clusapi"
	"github.com/batoncluster/baton/internal/clustertest"
)

// `baton cluster rename`: the new name shows in `cluster info` at once;
// the answer is SetClusterName's 5024; a bad name is 87 and changes
// nothing.
func TestClusterRename(t *testing.T) {
	n := clustertest.New(t)
	addr := n.Addr()
	if code := cliErr(t, addr, "cluster", "rename", "a/b"); code != uint32(clusapi.ERROR_INVALID_PARAMETER) {
		t.Errorf("a bad name: %d, want 87", code)
	}
	before := decode[clusterJSON](t, cli(t, addr, 0, "-o", "json", "cluster", "info")).ClusterName
	if before == "" || before == "a/b" {
		t.Fatalf("name before: %q", before)
	}
	if out := cli(t, addr, 0, "cluster", "rename", "prod-east"); out != "cluster renamed prod-east: ERROR_RESOURCE_PROPERTIES_STORED (5024)\n" {
		t.Errorf("text: %q", out)
	}
	j := decode[renamedJSON](t, cli(t, addr, 0, "-o", "json", "cluster", "rename", "prod east"))
	if j.Cluster != "prod east" || j.Status != 5024 || j.StatusName != "ERROR_RESOURCE_PROPERTIES_STORED" {
		t.Errorf("-o json: %+v", j)
	}
	if got := decode[clusterJSON](t, cli(t, addr, 0, "-o", "json", "cluster", "info")).ClusterName; got != "prod east" {
		t.Errorf("cluster info after the rename: %q", got)
	}
}
