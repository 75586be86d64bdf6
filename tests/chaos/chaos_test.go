//go:build linux

package chaos

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var (
	batonBin string
	seedFlag = flag.Uint64("chaos.seed", 0, "the campaign's seed (0: the fixed CI seeds)")
	rounds   = flag.Int("chaos.rounds", 0, "rounds per campaign (0: the CI size)")
	binFlag  = flag.String("chaos.bin", "", "a baton binary to test (default: build ./cmd/baton)")
	keepDir  = flag.String("chaos.dir", "", "keep data directories, logs, ledgers and histories under this directory")
)

// testDir is a directory for the test's cluster: kept under -chaos.dir
// when given, else removed at the end of the test.
func testDir(t *testing.T) string {
	t.Helper()
	if *keepDir == "" {
		return t.TempDir()
	}
	dir := filepath.Join(*keepDir, strings.ReplaceAll(t.Name(), "/", "-"))
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Logf("keeping everything in %s", dir)
	return dir
}

func TestMain(m *testing.M) {
	flag.Parse()
	if os.Geteuid() != 0 {
		fmt.Fprintln(os.Stderr, "tests/chaos: skipped, network namespaces need root")
		os.Exit(0)
	}
	dir, err := os.MkdirTemp("", "baton-chaos-")
	if err != nil {
		panic(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	batonBin, err = *binFlag, nil
	if batonBin == "" {
		batonBin, err = BuildBaton(ctx, dir)
	}
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
