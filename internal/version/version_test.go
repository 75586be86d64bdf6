package version

import (
	"strings"
	"testing"
)

func TestGet(t *testing.T) {
	old, oldCommit := Version, Commit
	defer func() { Version, Commit = old, oldCommit }()
	Version, Commit = "", ""
	i := Get()
	if i.Version == "" || i.Commit == "" || !strings.HasPrefix(i.Go, "go") {
		t.Errorf("unset: %+v", i)
	}
	Version, Commit = "1.2.3", "abc123"
	i = Get()
	if i.Version != "1.2.3" || i.Commit != "abc123" {
		t.Errorf("set at link time: %+v", i)
	}
	if s := i.String(); !strings.HasPrefix(s, "baton 1.2.3 (commit abc123, go") {
		t.Errorf("String() = %q", s)
	}
}
