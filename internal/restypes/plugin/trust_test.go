package plugin

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// script writes an executable plugin file (never run: candidates only
// looks at it).
func script(t *testing.T, dir, name string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte("#!/bin/sh\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func chmod(t *testing.T, path string, mode os.FileMode) {
	t.Helper()
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: the test makes files owned by another user")
	}
}

// TestPluginDirectoryTrust: the plugin directory and the directories
// above it must be root's or the agent's and writable by nobody else, as
// sshd's StrictModes; otherwise nothing is loaded.
func TestPluginDirectoryTrust(t *testing.T) {
	const other = 4242
	cases := []struct {
		name string
		root bool
		// setup makes a plugin directory (holding baton-restype-a) and
		// returns it and the path the refusal must name.
		setup func(t *testing.T, base string) (dir, names string)
	}{
		{"group-writable directory", false, func(t *testing.T, base string) (string, string) {
			chmod(t, base, 0o775)
			return base, base + " is writable by group or others"
		}},
		{"world-writable directory, even sticky", false, func(t *testing.T, base string) (string, string) {
			chmod(t, base, 0o1777)
			return base, base + " is writable by group or others"
		}},
		{"world-writable parent", false, func(t *testing.T, base string) (string, string) {
			dir := filepath.Join(base, "plugins")
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			chmod(t, base, 0o777)
			return dir, base + " is writable by group or others"
		}},
		{"through a symbolic link into a world-writable parent", false, func(t *testing.T, base string) (string, string) {
			open := filepath.Join(base, "open")
			target := filepath.Join(open, "plugins")
			if err := os.MkdirAll(target, 0o755); err != nil {
				t.Fatal(err)
			}
			chmod(t, open, 0o777)
			link := filepath.Join(t.TempDir(), "plugins")
			if err := os.Symlink(target, link); err != nil {
				t.Fatal(err)
			}
			script(t, target, "baton-restype-a")
			return link, open + " is writable by group or others"
		}},
		{"another user's directory", true, func(t *testing.T, base string) (string, string) {
			if err := os.Chown(base, other, other); err != nil {
				t.Fatal(err)
			}
			return base, base + " is owned by uid 4242"
		}},
		{"another user's parent", true, func(t *testing.T, base string) (string, string) {
			dir := filepath.Join(base, "plugins")
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Chown(base, other, other); err != nil {
				t.Fatal(err)
			}
			return dir, base + " is owned by uid 4242"
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.root {
				needRoot(t)
			}
			dir, want := c.setup(t, t.TempDir())
			if _, err := os.Stat(filepath.Join(dir, "baton-restype-a")); err != nil {
				script(t, dir, "baton-restype-a")
			}
			types, closers, err := DiscoverWith(dir, testLogger(t), fastOptions)
			if err == nil || !strings.Contains(err.Error(), "plugin directory refused") || !strings.Contains(err.Error(), want) {
				t.Errorf("Discover = %v, want the directory refused: %q", err, want)
			}
			if len(types) != 0 || len(closers) != 0 {
				t.Errorf("%d types, %d plugins started from a refused directory", len(types), len(closers))
			}
		})
	}
}

// TestPluginDirectoryTrusted: a private directory under a root-owned
// sticky one (/tmp) is fine, and so is a symbolic link to a program in a
// trusted directory.
func TestPluginDirectoryTrusted(t *testing.T) {
	dir := t.TempDir() // under /tmp: root's, 1777
	script(t, dir, "baton-restype-a")
	elsewhere := t.TempDir()
	if err := os.Symlink(script(t, elsewhere, "prog"), filepath.Join(dir, "baton-restype-b")); err != nil {
		t.Fatal(err)
	}
	paths, errs, err := candidates(dir)
	if err != nil || len(errs) != 0 || len(paths) != 2 {
		t.Errorf("candidates = %v, %v, %v; want both plugins", paths, errs, err)
	}
}

// TestPluginFileTrust: a plugin program others could change is refused,
// the others are loaded.
func TestPluginFileTrust(t *testing.T) {
	dir := t.TempDir()
	good := script(t, dir, "baton-restype-good")
	chmod(t, script(t, dir, "baton-restype-groupw"), 0o775)
	// A link to a program in a directory anyone may write.
	open := t.TempDir()
	chmod(t, open, 0o777)
	if err := os.Symlink(script(t, open, "prog"), filepath.Join(dir, "baton-restype-link")); err != nil {
		t.Fatal(err)
	}
	wantErrs := []string{"baton-restype-groupw: refused: writable by group or others", "baton-restype-link: " + open + " is writable by group or others"}
	if os.Geteuid() == 0 {
		theirs := script(t, dir, "baton-restype-theirs")
		if err := os.Chown(theirs, 4242, 4242); err != nil {
			t.Fatal(err)
		}
		wantErrs = append(wantErrs, "baton-restype-theirs: refused: owned by uid 4242")
	}
	paths, errs, err := candidates(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 1 || paths[0] != good {
		t.Errorf("candidates = %v, want only %s", paths, good)
	}
	var msgs []string
	for _, e := range errs {
		msgs = append(msgs, e.Error())
	}
	all := strings.Join(msgs, "\n")
	for _, w := range wantErrs {
		if !strings.Contains(all, w) {
			t.Errorf("refusals:\n%s\nlack %q", all, w)
		}
	}
	if len(errs) != len(wantErrs) {
		t.Errorf("%d refusals, want %d:\n%s", len(errs), len(wantErrs), all)
	}
}
