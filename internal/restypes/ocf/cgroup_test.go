package ocf

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/batoncluster/baton/internal/cgroup"
	"github.com/batoncluster/baton/proplist"
	"github.com/batoncluster/baton/restype"
)

// The daemon heartbeat/anything starts (forked away from the start
// action, which exits) runs in the resource's cgroup, and so the cgroup's
// kill ends it.
func TestDaemonInCgroup(t *testing.T) {
	NeedAgents(t)
	if os.Geteuid() != 0 {
		t.Skip("cgroups need root")
	}
	node := cgroup.Setup(cgroup.Options{Node: "ocftest-" + strconv.Itoa(os.Getpid()), DataDir: t.TempDir()})
	if !node.Valid() {
		t.Skip("no usable cgroup hierarchy here")
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = node.Kill(ctx)
		_ = node.Remove()
	})
	g, err := node.Group("r1", "anything3", "G")
	if err != nil {
		t.Fatal(err)
	}
	arg := sleepArg(t)
	killAtEnd(t, arg)
	r, err := New(restype.Config{Name: "anything3", StateDir: t.TempDir(), Cgroup: g, Properties: props(
		PropAgent, proplist.SZ("anything"),
		"binfile", proplist.SZ("/bin/sleep"),
		"cmdline_options", proplist.SZ(arg),
		"pidfile", proplist.SZ(filepath.Join(t.TempDir(), "sleep.pid")),
	)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := r.Online(ctx, restype.OnlineRequest{}); err != nil {
		t.Fatalf("Online: %v", err)
	}
	pids := procsWith(t, arg)
	if len(pids) != 1 {
		t.Fatalf("%d processes run sleep %s, want 1", len(pids), arg)
	}
	in, err := g.Procs()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(in, pids[0]) {
		t.Fatalf("the daemon %d is not in the resource's cgroup %s: %v", pids[0], g.Path, in)
	}
	if err := g.Kill(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the daemon to end", func() bool { return len(procsWith(t, arg)) == 0 })
}
