package genericapp

import (
	"os"
	"path/filepath"
	"testing"
)

// The output log, the pid file and the state directory are the agent's
// user's alone: an application's output may hold anything. A log made
// world-readable by an older agent is made private when next opened.
func TestStateFilesArePrivate(t *testing.T) {
	f := newFixture(t)
	old := filepath.Join(f.state, LogFile)
	if err := os.MkdirAll(f.state, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(old, []byte("from an older agent\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := f.app(t, "")
	online(t, r)
	for path, want := range map[string]os.FileMode{
		f.state:                         0o700,
		old:                             0o600,
		filepath.Join(f.state, PIDFile): 0o600,
	} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v", path, fi.Mode().Perm(), want)
		}
	}

	// A new state directory and its missing parents are made 0700.
	f2 := newFixture(t)
	f2.state = filepath.Join(f2.dir, "resources", "app")
	online(t, f2.app(t, ""))
	for _, dir := range []string{f2.state, filepath.Dir(f2.state)} {
		if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
			t.Errorf("%s: %v, %v; want mode 0700", dir, fi.Mode().Perm(), err)
		}
	}
}
