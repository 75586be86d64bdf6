//go:build linux

package cluster

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/batoncluster/baton/clusapi"
)

// The port test of issue 14: examples/porttool, an administration tool
// written as one is for Windows against clusapi.h (enumerations, control
// codes with the size protocol, a version 2 notification port, pause
// and drain, rename, FailClusterResource, Win32 codes by name), runs
// unchanged against two real agents and finds every answer as documented.
// Two agents on 127.0.0.101–102.
func TestPortTool(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "porttool")
	if out, err := exec.Command("go", "build", "-o", bin, "../../examples/porttool").CombinedOutput(); err != nil {
		t.Fatalf("go build examples/porttool: %v\n%s", err, out)
	}
	c := loopbackClusterAt(t, 100, 2)
	c.start(t)
	c.awaitAllUp(t)
	n1 := c.nodes[0]
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cl, err := clusapi.New(n1.addr())
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	for _, g := range []string{"PortA", "PortB"} {
		if _, err := cl.Groups().Create(ctx, g, clusapi.CreateGroupOptions{PreferredOwners: []string{n1.name}}); err != nil {
			t.Fatal(err)
		}
		if _, err := cl.Resources().Create(ctx, g+"-r", g, "dummy", clusapi.CreateResourceOptions{}); err != nil {
			t.Fatal(err)
		}
		hCluster, err := clusapi.OpenCluster(n1.addr())
		if err != nil {
			t.Fatal(err)
		}
		hGroup, err := clusapi.OpenClusterGroup(hCluster, g)
		if err != nil {
			t.Fatal(err)
		}
		if got := clusapi.OnlineClusterGroupEx(hGroup, nil, clusapi.CLUSAPI_GROUP_ONLINE_SYNCHRONOUS, nil, 0); got != clusapi.ERROR_SUCCESS {
			t.Fatalf("online %s: %v", g, got)
		}
		clusapi.CloseClusterGroup(hGroup)
		clusapi.CloseCluster(hCluster)
	}

	cmd := exec.CommandContext(ctx, bin, n1.addr())
	out, err := cmd.CombinedOutput()
	t.Logf("porttool:\n%s", out)
	if err != nil {
		t.Fatalf("porttool: %v", err)
	}
	for _, want := range []string{
		"nodes [n1 n2]", "group PortA: ", "FailoverThreshold",
		"paused and draining n1 to n2 (groups [PortA PortB])",
		"group PortA moved to n2, Online", "group PortB moved to n2, Online",
		"resumed n1", "renamed PortA to PortA-renamed",
		"resource PortA-r: Online", "\nok\n",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("porttool's output lacks %q", want)
		}
	}
	// What the tool did is what the cluster now says.
	g, err := cl.Groups().Get(ctx, "PortA-renamed")
	if err != nil || g.OwnerNode != "n2" || g.State != clusapi.ClusterGroupOnline {
		t.Errorf("PortA-renamed: %+v, %v; want Online on n2", g, err)
	}
	if n, err := cl.Node(ctx, n1.name); err != nil || n.State != clusapi.ClusterNodeUp {
		t.Errorf("n1 after the tool: %+v, %v; want Up (resumed)", n, err)
	}
}
