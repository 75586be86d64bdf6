package e2e

import (
	"slices"
	"strings"
	"testing"

	"github.com/batoncluster/baton/proplist"
)

// shownResource is the part of 'baton resource show -o json' these tests read.
type shownResource struct {
	Name   string        `json:"name"`
	Group  string        `json:"group"`
	State  string        `json:"state"`
	Status proplist.List `json:"status"`
}

// Renames and a change of group through the real binary, on a running
// Generic Application: 'baton group rename' of its Online group,
// 'baton resource move-to-group' of a dependent (which takes the process
// with it) and 'baton resource rename' never restart it — its PID is the
// same after each — and refusals exit non-zero with the Win32 name.
func TestRenameAndMoveToGroupThroughCLI(t *testing.T) {
	a := startAgent(t, t.TempDir())
	a.must("group", "create", "W")
	a.must("group", "create", "Spare")
	a.must("resource", "create", "app", "--group", "W", "--type", "Generic Application", "--prop", "CommandLine=sz:sleep 600")
	a.must("resource", "create", "front", "--group", "W", "--type", "dummy", "--depends-on", "app")
	a.must("group", "online", "W", "--wait=30s")
	show := func(name string) shownResource {
		t.Helper()
		var r shownResource
		a.jsonOf(&r, "resource", "show", name)
		if r.State != "Online" {
			t.Errorf("%s is %s, want Online", name, r.State)
		}
		return r
	}
	pidOf := func(name string) uint32 {
		t.Helper()
		pid, _ := show(name).Status.DWORD("Pid")
		return pid
	}
	pid := pidOf("app")
	if pid == 0 {
		t.Fatal("app has no Pid")
	}

	for _, c := range []struct {
		args []string
		code int
	}{
		{[]string{"group", "rename", "W", "Spare"}, 183},
		{[]string{"group", "rename", "W", ""}, 123},
		{[]string{"resource", "rename", "app", "front"}, 183},
		{[]string{"resource", "move-to-group", "app", "W"}, 183},
		{[]string{"resource", "move-to-group", "app", "NoSuchGroup"}, 5013},
	} {
		var e errJSON
		a.jsonOf(&e, c.args...)
		if e.Error.Code != c.code {
			t.Errorf("baton %q: error %+v, want code %d", c.args, e.Error, c.code)
		}
		_, stderr, exit := a.baton(c.args...)
		if exit == 0 || !strings.Contains(stderr, e.Error.Name) {
			t.Errorf("baton %q: exit %d, stderr %q: want non-zero and the Win32 name", c.args, exit, stderr)
		}
	}

	a.must("group", "rename", "W", "Web")
	if r := show("app"); r.Group != "Web" {
		t.Errorf("app is in %s, want Web", r.Group)
	}
	var moved struct {
		Moved []string `json:"moved"`
	}
	a.jsonOf(&moved, "resource", "move-to-group", "front", "Spare")
	if !slices.Equal(moved.Moved, []string{"front", "app"}) {
		t.Errorf("moved %v, want [front app]", moved.Moved)
	}
	a.must("resource", "rename", "app", "app2")
	if r := show("app2"); r.Group != "Spare" {
		t.Errorf("app2 is in %s, want Spare", r.Group)
	}
	if p := pidOf("app2"); p != pid {
		t.Errorf("pid %d, was %d: the process was restarted", p, pid)
	}
	var st stateJSON
	a.must("group", "offline", "Spare", "--wait=30s")
	a.jsonOf(&st, "group", "state", "Spare")
	if st.State != "Offline" {
		t.Errorf("Spare: %+v, want Offline", st)
	}
}
