package vm

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/batoncluster/baton/proplist"
	"github.com/batoncluster/baton/restype"
)

// vmOn makes resource name on node, with its own state directory (dir,
// fresh when ""), the status it last reported anywhere, and properties.
func vmOn(t *testing.T, name, node, dir string, last proplist.List, kv ...any) *resource {
	t.Helper()
	requireQEMU(t)
	if dir == "" {
		dir = t.TempDir()
	}
	r, err := New(restype.Config{
		Name: name, Group: "g", Node: node, StateDir: dir, LastStatus: last,
		Properties: props(append([]any{PropMemoryMB, proplist.DWORD(32)}, kv...)...),
		Log:        slog.New(slog.NewTextHandler(testWriter{t}, nil)).With("node", node),
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { killQEMU(t, dir) })
	return r.(*resource)
}

const before, after = 0xcafebabe, 0x0badf00d

// saveOn boots a VM on n1 whose memory holds before, saves it, and
// returns it.
func saveOn(t *testing.T, dir string, kv ...any) *resource {
	t.Helper()
	r := vmOn(t, "vm1", "n1", dir, nil, append([]any{PropExtraArgs, proplist.MultiSZ(loader(memAddr, before)...)}, kv...)...)
	online(t, r)
	if err := r.Offline(ctxT(t, 60*time.Second), offline(ActionSave)); err != nil {
		t.Fatalf("save: %v", err)
	}
	st := r.Status()
	if id, _ := st.String(StatusSavedStateID); id == "" || statusDWORD(t, r, StatusSavedState) != 1 {
		t.Fatalf("after the save: status %v, want SavedState 1 and an id", st)
	}
	if n, _ := st.String(StatusSavedStateNode); n != "n1" {
		t.Errorf("SavedStateNode = %q, want n1", n)
	}
	return r
}

// A VM saved on n1 into a StateDirectory that n2 sees too resumes on n2
// where it stopped: the guest's memory holds what it held at the save,
// not what a fresh boot (whose loader writes another value) would.
func TestStateDirectoryFollowsTheGroup(t *testing.T) {
	shared := t.TempDir()
	r1 := saveOn(t, "", PropStateDirectory, proplist.SZ(shared))
	if _, err := os.Stat(filepath.Join(shared, SavedStateFile)); err != nil {
		t.Fatalf("the saved state is not in the StateDirectory: %v", err)
	}
	if _, err := os.Stat(r1.path(SavedStateFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a saved state in the node's state directory too: %v", err)
	}
	r2 := vmOn(t, "vm1", "n2", "", r1.Status(), PropStateDirectory, proplist.SZ(shared),
		PropExtraArgs, proplist.MultiSZ(loader(memAddr, after)...))
	online(t, r2)
	if v := guestWord(t, r2.dir, memAddr); v != before {
		t.Errorf("guest memory on n2 = %#x, want %#x (the saved value)", v, before)
	}
	if statusDWORD(t, r2, StatusRestoredSavedState) != 1 || statusDWORD(t, r2, StatusSavedState) != 0 {
		t.Errorf("status on n2: %v", r2.Status())
	}
	if _, err := os.Stat(filepath.Join(shared, SavedStateFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the saved state is still there after the restore: %v", err)
	}
	if err := r2.Offline(ctxT(t, 30*time.Second), offline(ActionShutdownForce)); err != nil {
		t.Fatal(err)
	}
}

// Saved in n1's own state directory: n2 cannot see it, and says so
// instead of booting afresh — after an agent restart on n2 too (the
// status keeps what the cluster knows). DiscardSavedState=1 then boots
// afresh; back on n1 the old state is stale and is moved aside, never
// resumed.
func TestSavedStateUnreachable(t *testing.T) {
	n1dir := t.TempDir()
	r1 := saveOn(t, n1dir)
	r2 := vmOn(t, "vm1", "n2", "", r1.Status(), PropExtraArgs, proplist.MultiSZ(loader(memAddr, after)...))
	err := r2.Online(ctxT(t, 60*time.Second), restype.OnlineRequest{})
	if !errors.Is(err, ErrSavedStateUnreachable) {
		t.Fatalf("Online on n2 = %v, want ErrSavedStateUnreachable", err)
	}
	for _, want := range []string{"saved on node n1", "StateDirectory", "DiscardSavedState=1"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not say %q: %v", want, err)
		}
	}
	if _, ok := r2.runningPID(); ok {
		t.Error("QEMU started on n2 anyway")
	}
	if statusDWORD(t, r2, StatusSavedState) != 1 {
		t.Errorf("status on n2 forgot the saved state: %v", r2.Status())
	}
	// n2's agent restarts: the next instance still knows.
	r3 := vmOn(t, "vm1", "n2", r2.dir, r2.Status(), PropExtraArgs, proplist.MultiSZ(loader(memAddr, after)...))
	if err := r3.Online(ctxT(t, 60*time.Second), restype.OnlineRequest{}); !errors.Is(err, ErrSavedStateUnreachable) {
		t.Fatalf("Online after a restart on n2 = %v, want ErrSavedStateUnreachable", err)
	}
	// Explicitly give it up.
	if err := r3.Reconfigure(props(PropMemoryMB, proplist.DWORD(32), PropDiscardSavedState, proplist.DWORD(1),
		PropExtraArgs, proplist.MultiSZ(loader(memAddr, after)...))); err != nil {
		t.Fatal(err)
	}
	online(t, r3)
	if v := guestWord(t, r3.dir, memAddr); v != after {
		t.Errorf("guest memory after DiscardSavedState = %#x, want %#x (a fresh boot)", v, after)
	}
	if statusDWORD(t, r3, StatusSavedState) != 0 || statusDWORD(t, r3, StatusRestoredSavedState) != 0 {
		t.Errorf("status after DiscardSavedState: %v", r3.Status())
	}
	if err := r3.Offline(ctxT(t, 30*time.Second), offline(ActionTurnOff)); err != nil {
		t.Fatal(err)
	}
	// Back to n1, whose directory still holds the old state.
	r4 := vmOn(t, "vm1", "n1", n1dir, r3.Status(), PropExtraArgs, proplist.MultiSZ(loader(memAddr, after)...))
	online(t, r4)
	if v := guestWord(t, r4.dir, memAddr); v != after {
		t.Errorf("guest memory on n1 = %#x, want %#x: the stale state was resumed", v, after)
	}
	if stale, _ := r4.Status().String(StatusStaleSavedState); stale != filepath.Join(n1dir, staleFile) {
		t.Errorf("StaleSavedState = %q, want %s", stale, filepath.Join(n1dir, staleFile))
	}
	if _, err := os.Stat(filepath.Join(n1dir, SavedStateFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the stale state is still where an online would resume it: %v", err)
	}
	if err := r4.Offline(ctxT(t, 30*time.Second), offline(ActionShutdownForce)); err != nil {
		t.Fatal(err)
	}
}

// A StateDirectory that is not there (storage not mounted) fails the
// online, and one that holds another VM's state is refused.
func TestStateDirectoryChecks(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "not-mounted")
	r := vmOn(t, "vm1", "n1", "", nil, PropStateDirectory, proplist.SZ(missing))
	if err := r.Online(ctxT(t, 30*time.Second), restype.OnlineRequest{}); !errors.Is(err, ErrStateDirectoryUnreachable) {
		t.Fatalf("Online with a missing StateDirectory = %v, want ErrStateDirectoryUnreachable", err)
	}
	shared := t.TempDir()
	saveOn(t, "", PropStateDirectory, proplist.SZ(shared))
	other := vmOn(t, "vm2", "n2", "", nil, PropStateDirectory, proplist.SZ(shared))
	if err := other.Online(ctxT(t, 30*time.Second), restype.OnlineRequest{}); !errors.Is(err, ErrStateDirectoryInUse) {
		t.Fatalf("Online of another VM on the same StateDirectory = %v, want ErrStateDirectoryInUse", err)
	}
	if _, err := parse(props(PropStateDirectory, proplist.SZ("relative/dir"))); err == nil {
		t.Error("a relative StateDirectory was accepted")
	}
}

// The record read back from a status is the one reported.
func TestRecordRoundTrip(t *testing.T) {
	rec := record{known: true, id: "abc", node: "n1", dir: "/srv/vm", savedAt: time.Unix(100, 5).UTC(), bytes: 42,
		started: time.Unix(50, 0).UTC()}
	l := rec.status(proplist.List{
		{Name: StatusSavedState, Values: []proplist.Value{proplist.DWORD(1)}},
		{Name: StatusSavedStateBytes, Values: []proplist.Value{proplist.ULarge(42)}},
	})
	if got := recordFrom(l); got != rec {
		t.Errorf("recordFrom(status) = %+v, want %+v", got, rec)
	}
	if got := recordFrom(nil); got.known {
		t.Errorf("recordFrom(nil) = %+v, want unknown", got)
	}
	legacy := proplist.List{{Name: StatusSavedState, Values: []proplist.Value{proplist.DWORD(1)}}}
	if got := recordFrom(legacy); got.known {
		t.Errorf("a status without SavedStateId is an older one: %+v, want unknown", got)
	}
}
