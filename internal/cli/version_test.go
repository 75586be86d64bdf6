package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/batoncluster/baton/internal/version"
)

func TestVersion(t *testing.T) {
	old, oldCommit := version.Version, version.Commit
	defer func() { version.Version, version.Commit = old, oldCommit }()
	version.Version, version.Commit = "1.4.0", "0123456789ab"
	code, stdout, stderr := run(t, "version")
	if code != ExitOK || !strings.HasPrefix(stdout, "baton 1.4.0 (commit 0123456789ab, go") {
		t.Errorf("version: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	code, stdout, _ = run(t, "version", "-o", "json")
	var v map[string]string
	if err := json.Unmarshal([]byte(stdout), &v); code != ExitOK || err != nil ||
		v["version"] != "1.4.0" || v["commit"] != "0123456789ab" || !strings.HasPrefix(v["go"], "go") {
		t.Errorf("version -o json: exit %d, %q (%v)", code, stdout, err)
	}
	if code, _, _ := run(t, "version", "extra"); code != ExitUsage {
		t.Errorf("version extra: exit %d", code)
	}
}

func TestTreeAndCompletions(t *testing.T) {
	agent := &cobra.Command{Use: "agent", Short: "Run a node", Run: func(*cobra.Command, []string) {}}
	agent.Flags().String("config", "", "file")
	root := Tree(agent)
	for _, path := range [][]string{{"agent"}, {"group", "offline"}, {"version"}, {"completion", "bash"}, {"help"}} {
		if c, _, err := root.Find(path); err != nil || c.Name() != path[len(path)-1] {
			t.Errorf("%q not in the tree (%v)", path, err)
		}
	}
	dir := t.TempDir()
	if err := WriteCompletions(root, dir); err != nil {
		t.Fatal(err)
	}
	for _, c := range Completions {
		b, err := os.ReadFile(filepath.Join(dir, c.Path))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), "baton") || len(b) < 1000 {
			t.Errorf("%s completion: %d bytes", c.Shell, len(b))
		}
	}
}
