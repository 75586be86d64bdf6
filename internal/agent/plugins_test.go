package agent_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/clustertest"
	"github.com/batoncluster/baton/internal/config"
	"github.com/batoncluster/baton/internal/ops"
	"github.com/batoncluster/baton/proplist"
)

func szProp(name, v string) proplist.Property {
	return proplist.Property{Name: name, Values: []proplist.Value{proplist.SZ(v)}}
}

// Plugins found in the agent's --plugin-dir are types like the built-in
// ones: listed, used by resources, and a crashing one fails its resource,
// never the agent.
func TestPluginsInTheCluster(t *testing.T) {
	dir := t.TempDir()
	for name, pkg := range map[string]string{
		"baton-restype-file":   "github.com/batoncluster/baton/examples/restype-file",
		"baton-restype-faulty": "github.com/batoncluster/baton/internal/restypes/plugin/testdata/faulty",
	} {
		if out, err := exec.Command("go", "build", "-o", filepath.Join(dir, name), pkg).CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", pkg, err, out)
		}
	}
	n := clustertest.NewWith(t, func(c *config.Config) { c.PluginDir = dir })
	ctx := context.Background()
	e := n.Ops()
	types := map[string]bool{}
	for _, typ := range n.Agent.Types().Types() {
		types[typ.Name] = true
	}
	if !types["File"] || !types["Faulty"] || !types["dummy"] {
		t.Fatalf("registered types: %v", types)
	}

	path := filepath.Join(t.TempDir(), "hello")
	if _, err := e.CreateGroup(ctx, "G", nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := e.CreateResource(ctx, "f", "G", "File", nil, proplist.List{szProp("Path", path), szProp("Content", "hi")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.CreateResource(ctx, "bad", "G", "Faulty", nil, proplist.List{szProp("Mode", "crash-online"), szProp("Marker", filepath.Join(t.TempDir(), "m"))}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.OnlineGroup(ctx, ops.GroupRef{Name: "G"}, "", ops.Request{}); err != nil {
		t.Fatal(err)
	}
	n.AwaitResource("f", wsfc.ClusterResourceOnline)
	n.AwaitResource("bad", wsfc.ClusterResourceFailed)
	if b, err := os.ReadFile(path); err != nil || string(b) != "hi" {
		t.Fatalf("the File plugin's file: %q, %v", b, err)
	}
	// The agent is still there and working.
	if _, err := e.OfflineResource(ctx, ops.ResourceRef{Name: "f"}, ops.Request{}); err != nil {
		t.Fatal(err)
	}
	n.AwaitResource("f", wsfc.ClusterResourceOffline)
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("offline left the file: %v", err)
	}
}
