package vm

// These tests start and stop real QEMU virtual machines (TCG, a diskless
// guest that sits in the BIOS). They fail, never skip, without QEMU.

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/batoncluster/baton/proplist"
	"github.com/batoncluster/baton/restype"
)

func online(t *testing.T, r *resource) int {
	t.Helper()
	if err := r.Online(ctxT(t, 60*time.Second), restype.OnlineRequest{}); err != nil {
		t.Fatalf("Online: %v", err)
	}
	pid := int(statusDWORD(t, r, StatusPid))
	if pid == 0 || !processAlive(pid) {
		t.Fatalf("after Online: Pid %d, alive %v", pid, processAlive(pid))
	}
	if st, _ := r.Status().String(StatusQemuStatus); st != "running" {
		t.Errorf("QemuStatus = %q, want running", st)
	}
	return pid
}

func TestBootTurnOffForced(t *testing.T) {
	for _, tc := range []struct {
		action uint32
		name   string
	}{{ActionTurnOff, "TurnOff"}, {ActionShutdownForce, "ShutdownForce"}} {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := newVM(t, "")
			ctx := ctxT(t, 60*time.Second)
			pid := online(t, r)
			if err := r.LooksAlive(ctx); err != nil {
				t.Errorf("LooksAlive: %v", err)
			}
			if err := r.IsAlive(ctx); err != nil {
				t.Errorf("IsAlive: %v", err)
			}
			if err := r.Offline(ctx, offline(tc.action)); err != nil {
				t.Fatalf("Offline: %v", err)
			}
			if processAlive(pid) {
				t.Errorf("QEMU %d still runs after Offline(%d)", pid, tc.action)
			}
			if a, _ := r.Status().String(StatusLastOfflineAction); a != tc.name {
				t.Errorf("LastOfflineAction = %q, want %q", a, tc.name)
			}
			if p := statusDWORD(t, r, StatusPid); p != 0 {
				t.Errorf("Pid = %d after Offline", p)
			}
			if _, ok := r.Status().Get(StatusQemuStatus); ok {
				t.Error("QemuStatus reported without QEMU")
			}
			if fileSize(t, r.path(SavedStateFile)) >= 0 || statusDWORD(t, r, StatusSavedState) != 0 {
				t.Error("a saved state appeared")
			}
			if err := r.LooksAlive(ctx); !errors.Is(err, ErrNotRunning) {
				t.Errorf("LooksAlive after Offline = %v, want ErrNotRunning", err)
			}
			if err := r.IsAlive(ctx); !errors.Is(err, ErrNotRunning) {
				t.Errorf("IsAlive after Offline = %v, want ErrNotRunning", err)
			}
			// Offline with nothing running succeeds.
			if err := r.Offline(ctx, offline(tc.action)); err != nil {
				t.Errorf("second Offline: %v", err)
			}
		})
	}
}

// TestSaveRestore saves a VM, proves the saved state holds guest memory,
// and restores it in a new instance (as after an agent restart).
func TestSaveRestore(t *testing.T) {
	const before, after = 0xcafebabe, 0x0badf00d
	r, ll := newVM(t, "", PropExtraArgs, proplist.MultiSZ(loader(memAddr, before)...))
	ctx := ctxT(t, 120*time.Second)
	pid := online(t, r)
	if v := guestWord(t, r.dir, memAddr); v != before {
		t.Fatalf("guest memory = %#x, want %#x", v, before)
	}

	// The TV3 buffer from the reference, as the host hands it over.
	params, err := proplist.Unmarshal(tv3(t))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := r.Offline(ctx, restype.OfflineRequest{Params: params}); err != nil {
		t.Fatalf("Offline(save): %v", err)
	}
	t.Logf("save took %v", time.Since(start))
	if processAlive(pid) {
		t.Error("QEMU still runs after the save")
	}
	size := fileSize(t, r.path(SavedStateFile))
	if size <= 0 {
		t.Fatalf("state file size = %d, want > 0", size)
	}
	if _, err := os.Stat(r.path(savingFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s left behind: %v", savingFile, err)
	}
	if got := ll.transitions(); !slices.Equal(got, []bool{true, false}) {
		t.Errorf("locked mode seen from Changed = %v, want [true false]", got)
	}
	if l, _ := r.LockedMode(); l {
		t.Error("still locked after the save")
	}
	st := r.Status()
	if a, _ := st.String(StatusLastOfflineAction); a != "Save" {
		t.Errorf("LastOfflineAction = %q, want Save", a)
	}
	if v, _ := st.DWORD(StatusSavedState); v != 1 {
		t.Errorf("SavedState = %d, want 1", v)
	}
	if p, _ := st.Get(StatusSavedStateBytes); len(p.Values) != 1 || p.Values[0].Uint != uint64(size) {
		t.Errorf("SavedStateBytes = %v, want %d", p, size)
	}
	if v, _ := st.DWORD(StatusSaveMs); v == 0 {
		t.Error("SaveMs = 0")
	}
	meta, ok := r.readMeta(r.settings())
	if !ok || meta.MemoryMB != 32 || !strings.HasPrefix(meta.Machine, "pc-") || meta.Bytes != size {
		t.Errorf("saved meta = %+v, %v", meta, ok)
	}

	// A new instance on the same directory (the agent restarted), whose
	// boot-time loader now writes another value: only a real restore
	// brings the old value back. The memory size change must not matter.
	r2, _ := newVM(t, r.dir, PropExtraArgs, proplist.MultiSZ(loader(memAddr, after)...), PropMemoryMB, proplist.DWORD(48))
	if v := statusDWORD(t, r2, StatusSavedState); v != 1 {
		t.Fatalf("new instance: SavedState = %d, want 1", v)
	}
	pid2 := online(t, r2)
	if v := guestWord(t, r2.dir, memAddr); v != before {
		t.Errorf("guest memory after restore = %#x, want %#x (the saved value)", v, before)
	}
	if v := statusDWORD(t, r2, StatusRestoredSavedState); v != 1 {
		t.Errorf("RestoredSavedState = %d, want 1", v)
	}
	if v := statusDWORD(t, r2, StatusRestoreMs); v == 0 {
		t.Error("RestoreMs = 0")
	}
	if v := statusDWORD(t, r2, StatusSavedState); v != 0 {
		t.Errorf("SavedState after restore = %d, want 0", v)
	}
	for _, f := range []string{SavedStateFile, savedMetaFile} {
		if _, err := os.Stat(r2.path(f)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s after restore: %v, want gone", f, err)
		}
	}
	if err := r2.LooksAlive(ctx); err != nil {
		t.Errorf("LooksAlive after restore: %v", err)
	}

	// Turn off, then boot afresh: now the loader's new value is there.
	if err := r2.Offline(ctx, offline(ActionTurnOff)); err != nil {
		t.Fatal(err)
	}
	if processAlive(pid2) {
		t.Error("QEMU still runs after turn off")
	}
	online(t, r2)
	if v := guestWord(t, r2.dir, memAddr); v != after {
		t.Errorf("guest memory after a fresh boot = %#x, want %#x", v, after)
	}
	if v := statusDWORD(t, r2, StatusRestoredSavedState); v != 0 {
		t.Errorf("RestoredSavedState after a fresh boot = %d, want 0", v)
	}
	if err := r2.Offline(ctx, offline(ActionShutdownForce)); err != nil {
		t.Fatal(err)
	}
}

// TestSaveRestoreTCG runs a save and a restore under emulation (TCG), as
// on a host without KVM.
func TestSaveRestoreTCG(t *testing.T) {
	old := kvmDevice
	kvmDevice = filepath.Join(t.TempDir(), "no-kvm")
	t.Cleanup(func() { kvmDevice = old })
	const v = 0x5eed1234
	r, _ := newVM(t, "", PropExtraArgs, proplist.MultiSZ(loader(memAddr, v)...))
	ctx := ctxT(t, 60*time.Second)
	pid := online(t, r)
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil || !strings.Contains(string(cmdline), "-accel\x00tcg\x00") {
		t.Fatalf("QEMU not started with -accel tcg: %q, %v", cmdline, err)
	}
	if err := r.Offline(ctx, offline(ActionSave)); err != nil {
		t.Fatal(err)
	}
	if m, _ := r.readMeta(r.settings()); m.Accel != "tcg" {
		t.Errorf("saved accel = %q, want tcg", m.Accel)
	}
	r2, _ := newVM(t, r.dir, PropExtraArgs, proplist.MultiSZ(loader(memAddr, 1)...))
	online(t, r2)
	if got := guestWord(t, r.dir, memAddr); got != v {
		t.Errorf("guest memory after restore = %#x, want %#x", got, v)
	}
	if err := r2.Offline(ctx, offline(ActionTurnOff)); err != nil {
		t.Fatal(err)
	}
}

// TestOfflineActionProperty: without an input buffer, OfflineAction
// decides; the "Virtual Machine Configuration" name is read too.
func TestOfflineActionProperty(t *testing.T) {
	r, _ := newVM(t, "", PropOfflineAction, proplist.DWORD(ActionTurnOff))
	ctx := ctxT(t, 60*time.Second)
	online(t, r)
	if err := r.Offline(ctx, restype.OfflineRequest{}); err != nil {
		t.Fatal(err)
	}
	if a, _ := r.Status().String(StatusLastOfflineAction); a != "TurnOff" || fileSize(t, r.path(SavedStateFile)) >= 0 {
		t.Errorf("LastOfflineAction = %q, state file %d; want TurnOff and none", a, fileSize(t, r.path(SavedStateFile)))
	}
	online(t, r)
	if err := r.Offline(ctx, restype.OfflineRequest{Params: props(ConfigParamName, proplist.DWORD(ActionSave))}); err != nil {
		t.Fatal(err)
	}
	if a, _ := r.Status().String(StatusLastOfflineAction); a != "Save" || fileSize(t, r.path(SavedStateFile)) <= 0 {
		t.Errorf("LastOfflineAction = %q, state file %d; want Save and a file", a, fileSize(t, r.path(SavedStateFile)))
	}
}

// TestShutdownTimeout: a guest sitting in the BIOS ignores the ACPI power
// button, so action 2 runs into ShutdownTimeoutMs: the VM is turned off
// and the offline fails.
func TestShutdownTimeout(t *testing.T) {
	r, _ := newVM(t, "", PropShutdownTimeoutMs, proplist.DWORD(400))
	ctx := ctxT(t, 60*time.Second)
	pid := online(t, r)
	start := time.Now()
	err := r.Offline(ctx, offline(ActionShutdown))
	if !errors.Is(err, ErrShutdownTimeout) {
		t.Fatalf("Offline(shut down) = %v, want ErrShutdownTimeout", err)
	}
	if d := time.Since(start); d < 400*time.Millisecond {
		t.Errorf("gave up after %v, before ShutdownTimeoutMs", d)
	}
	if processAlive(pid) {
		t.Error("QEMU still runs after the shutdown timed out")
	}
	if p := statusDWORD(t, r, StatusPid); p != 0 {
		t.Errorf("Pid = %d", p)
	}
}

// TestShutdownGuestGoes: the offline succeeds as soon as QEMU goes away
// (here QEMU is told to exit while the offline waits, standing in for a
// guest that powers off).
func TestShutdownGuestGoes(t *testing.T) {
	r, _ := newVM(t, "", PropShutdownTimeoutMs, proplist.DWORD(30000))
	ctx := ctxT(t, 60*time.Second)
	pid := online(t, r)
	time.AfterFunc(300*time.Millisecond, func() { _ = syscall.Kill(pid, syscall.SIGTERM) })
	start := time.Now()
	if err := r.Offline(ctx, offline(ActionShutdown)); err != nil {
		t.Fatalf("Offline(shut down): %v", err)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("took %v", d)
	}
	if a, _ := r.Status().String(StatusLastOfflineAction); a != "Shutdown" {
		t.Errorf("LastOfflineAction = %q, want Shutdown", a)
	}
	if processAlive(pid) {
		t.Error("QEMU still runs")
	}
}

func TestOfflineRefusedKeepsVM(t *testing.T) {
	r, _ := newVM(t, "")
	ctx := ctxT(t, 60*time.Second)
	pid := online(t, r)
	for _, params := range []proplist.List{
		props(TypeName, proplist.DWORD(ActionLiveMigration)),
		props(TypeName, proplist.DWORD(9)),
		props(TypeName, proplist.SZ("save")),
	} {
		err := r.Offline(ctx, restype.OfflineRequest{Params: params})
		if err == nil {
			t.Errorf("Offline(%v) succeeded", params)
		}
	}
	if err := r.Offline(ctx, offline(ActionLiveMigration)); !errors.Is(err, ErrLiveMigration) || !strings.Contains(err.Error(), "not supported") {
		t.Errorf("Offline(4) = %v, want ErrLiveMigration (not supported)", err)
	}
	if !processAlive(pid) {
		t.Fatal("a refused offline stopped the VM")
	}
	if err := r.LooksAlive(ctx); err != nil {
		t.Errorf("LooksAlive after a refused offline: %v", err)
	}
	if _, ok := r.Status().Get(StatusLastOfflineAction); ok {
		t.Error("a refused offline was recorded")
	}
}

// TestReattach: a new instance (the agent restarted) takes over the QEMU
// that runs instead of starting another, resuming it if it was paused.
func TestReattach(t *testing.T) {
	r1, _ := newVM(t, "")
	ctx := ctxT(t, 60*time.Second)
	pid := online(t, r1)

	// Someone pauses the VM: LooksAlive fails, IsAlive does not.
	c := monitor(t, r1.dir)
	if err := c.Execute(ctx, "stop", nil, nil); err != nil {
		t.Fatal(err)
	}
	c.Close()
	if err := r1.LooksAlive(ctx); err == nil || !strings.Contains(err.Error(), "paused") {
		t.Errorf("LooksAlive on a paused VM = %v, want an error naming paused", err)
	}
	if err := r1.IsAlive(ctx); err != nil {
		t.Errorf("IsAlive on a paused VM = %v", err)
	}
	if st, _ := r1.Status().String(StatusQemuStatus); st != "paused" {
		t.Errorf("QemuStatus = %q, want paused", st)
	}

	r2, _ := newVM(t, r1.dir)
	if p := statusDWORD(t, r2, StatusPid); int(p) != pid {
		t.Errorf("new instance reports Pid %d, want %d", p, pid)
	}
	if got := online(t, r2); got != pid {
		t.Errorf("Online started QEMU %d, want the running %d", got, pid)
	}
	if err := r2.LooksAlive(ctx); err != nil {
		t.Errorf("LooksAlive after reattach: %v", err)
	}
	if err := r2.Offline(ctx, offline(ActionTurnOff)); err != nil {
		t.Fatal(err)
	}
	if processAlive(pid) {
		t.Error("QEMU still runs")
	}
}

// TestReattachAfterInterruptedSave: the agent died after QEMU finished
// writing a save but before it quit QEMU (status postmigrate), and a stale
// state file lies around. The running VM wins: it is resumed and the file
// deleted, so it can never turn the VM back in time.
func TestReattachAfterInterruptedSave(t *testing.T) {
	r1, _ := newVM(t, "")
	ctx := ctxT(t, 60*time.Second)
	pid := online(t, r1)
	c := monitor(t, r1.dir)
	f, err := os.Create(r1.path(savingFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.ExecuteFile(ctx, "getfd", map[string]string{"fdname": "x"}, f, nil); err != nil {
		t.Fatal(err)
	}
	f.Close()
	for _, cmd := range []string{"stop", "migrate"} {
		var args any
		if cmd == "migrate" {
			args = map[string]string{"uri": "fd:x"}
		}
		if err := c.Execute(ctx, cmd, args, nil); err != nil {
			t.Fatal(err)
		}
	}
	waitStatus := func(want string) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			var st qemuStatus
			if err := c.Execute(ctx, "query-status", nil, &st); err != nil {
				t.Fatal(err)
			}
			if st.Status == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("QEMU status %q, want %q", st.Status, want)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitStatus("postmigrate")
	c.Close()
	if err := os.WriteFile(r1.path(SavedStateFile), []byte("stale"), 0o600); err != nil {
		t.Fatal(err)
	}

	r2, _ := newVM(t, r1.dir)
	if got := online(t, r2); got != pid {
		t.Fatalf("Online started QEMU %d, want the running %d", got, pid)
	}
	for _, f := range []string{SavedStateFile, savingFile} {
		if _, err := os.Stat(r2.path(f)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s after reattach: %v, want gone", f, err)
		}
	}
	if v := statusDWORD(t, r2, StatusSavedState); v != 0 {
		t.Errorf("SavedState = %d", v)
	}
	if err := r2.LooksAlive(ctx); err != nil {
		t.Errorf("LooksAlive: %v", err)
	}
}

// TestConcurrentReads reads status, locked mode and health while the VM
// boots, saves, resumes and turns off; run with -race.
func TestConcurrentReads(t *testing.T) {
	r, _ := newVM(t, "")
	ctx := ctxT(t, 120*time.Second)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				case <-time.After(5 * time.Millisecond):
				}
				_ = r.Status()
				_, _ = r.LockedMode()
				hctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
				_ = r.LooksAlive(hctx)
				_ = r.IsAlive(hctx)
				cancel()
			}
		})
	}
	for i := range 3 {
		if err := r.Online(ctx, restype.OnlineRequest{}); err != nil {
			t.Fatalf("round %d: Online: %v", i, err)
		}
		if got, want := statusDWORD(t, r, StatusRestoredSavedState), b2u(i == 1); got != want {
			t.Errorf("round %d: RestoredSavedState = %d, want %d (round 1 resumes round 0's save)", i, got, want)
		}
		a := []uint32{ActionSave, ActionTurnOff, ActionShutdownForce}[i]
		if err := r.Offline(ctx, offline(a)); err != nil {
			t.Fatalf("round %d: Offline(%d): %v", i, a, err)
		}
	}
	close(stop)
	wg.Wait()
}

// TestNoGoroutinesLeft: a resource owns no goroutines between calls.
func TestNoGoroutinesLeft(t *testing.T) {
	r, _ := newVM(t, "", PropShutdownTimeoutMs, proplist.DWORD(200))
	ctx := ctxT(t, 60*time.Second)
	before := runtime.NumGoroutine()
	online(t, r)
	for _, check := range []func(context.Context) error{r.LooksAlive, r.IsAlive} {
		if err := check(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Offline(ctx, offline(ActionSave)); err != nil {
		t.Fatal(err)
	}
	online(t, r)
	if err := r.Offline(ctx, offline(ActionShutdown)); err == nil {
		t.Fatal("a BIOS guest shut down")
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines before, %d after:\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestHealthAfterCrash(t *testing.T) {
	r, ll := newVM(t, "")
	ctx := ctxT(t, 60*time.Second)
	pid := online(t, r)
	calls := ll.calls
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for processAlive(pid) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if err := r.LooksAlive(ctx); !errors.Is(err, ErrNotRunning) {
		t.Errorf("LooksAlive = %v, want ErrNotRunning", err)
	}
	if err := r.IsAlive(ctx); !errors.Is(err, ErrNotRunning) {
		t.Errorf("IsAlive = %v, want ErrNotRunning", err)
	}
	if p := statusDWORD(t, r, StatusPid); p != 0 {
		t.Errorf("Pid = %d after the crash", p)
	}
	ll.mu.Lock()
	if ll.calls == calls {
		t.Error("Changed not called when QEMU went away")
	}
	ll.mu.Unlock()
	// The next online boots it again.
	online(t, r)
}

// slowSave makes a save take about a second: 2 MiB of random data in guest
// memory, written at 2 MB/s.
func slowSave(t *testing.T) []any {
	blob := filepath.Join(t.TempDir(), "blob")
	b := make([]byte, 2<<20)
	_, _ = rand.Read(b)
	if err := os.WriteFile(blob, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return []any{
		PropExtraArgs, proplist.MultiSZ("-device", "loader,file="+blob+",addr=0x1000000,force-raw=on"),
		PropSaveBandwidthLimit, proplist.DWORD(2_000_000),
	}
}

// TestLockedWhileSaving polls LockedMode while a slow save runs.
func TestLockedWhileSaving(t *testing.T) {
	r, ll := newVM(t, "", slowSave(t)...)
	ctx := ctxT(t, 60*time.Second)
	online(t, r)
	done := make(chan error, 1)
	start := time.Now()
	go func() { done <- r.Offline(ctx, offline(ActionSave)) }()
	sawLocked := false
	var reason string
	for {
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("Offline(save): %v", err)
			}
			t.Logf("slow save took %v", time.Since(start))
			if !sawLocked {
				t.Error("LockedMode never reported locked during the save")
			}
			if reason != LockedReasonSaving {
				t.Errorf("locked reason = %q, want %q", reason, LockedReasonSaving)
			}
			if l, _ := r.LockedMode(); l {
				t.Error("locked after the save")
			}
			if got := ll.transitions(); !slices.Equal(got, []bool{true, false}) {
				t.Errorf("locked mode seen from Changed = %v, want [true false]", got)
			}
			if fileSize(t, r.path(SavedStateFile)) < 2<<20 {
				t.Errorf("state file %d bytes, want at least the 2 MiB of data", fileSize(t, r.path(SavedStateFile)))
			}
			return
		case <-time.After(10 * time.Millisecond):
			if l, why := r.LockedMode(); l {
				sawLocked, reason = true, why
			}
		}
	}
}

// TestSaveCancelled: when the context ends mid-save, the migration is
// cancelled and the VM resumes; nothing is saved and locked mode ends.
func TestSaveCancelled(t *testing.T) {
	r, ll := newVM(t, "", slowSave(t)...)
	pid := online(t, r)
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	err := r.Offline(ctx, offline(ActionSave))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Offline = %v, want DeadlineExceeded", err)
	}
	if !processAlive(pid) {
		t.Fatal("QEMU gone after a cancelled save")
	}
	if l, _ := r.LockedMode(); l {
		t.Error("still locked")
	}
	if got := ll.transitions(); !slices.Equal(got, []bool{true, false}) {
		t.Errorf("locked mode seen from Changed = %v, want [true false]", got)
	}
	for _, f := range []string{SavedStateFile, savingFile} {
		if _, err := os.Stat(r.path(f)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s after a cancelled save: %v", f, err)
		}
	}
	if err := r.LooksAlive(ctxT(t, 10*time.Second)); err != nil {
		t.Errorf("VM not running again: %v", err)
	}
	// Terminate (what the host does after a pending timeout) kills it.
	if err := r.Terminate(ctxT(t, 10*time.Second)); err != nil {
		t.Fatal(err)
	}
	if processAlive(pid) {
		t.Error("QEMU survived Terminate")
	}
}

// TestRestoreFailure: a state QEMU cannot load fails the online, is moved
// aside, and the next online boots afresh.
func TestRestoreFailure(t *testing.T) {
	r, _ := newVM(t, "")
	junk := make([]byte, 4096)
	_, _ = rand.Read(junk)
	if err := os.WriteFile(r.path(SavedStateFile), junk, 0o600); err != nil {
		t.Fatal(err)
	}
	r, _ = newVM(t, r.dir) // sees the state
	err := r.Online(ctxT(t, 60*time.Second), restype.OnlineRequest{})
	if err == nil {
		t.Fatal("Online restored junk")
	}
	t.Logf("Online: %v", err)
	if _, ok := r.findQEMU(); ok {
		t.Error("QEMU left running after a failed restore")
	}
	if fileSize(t, r.path(failedFile)) != 4096 || fileSize(t, r.path(SavedStateFile)) >= 0 {
		t.Errorf("state not moved aside: failed %d, state %d", fileSize(t, r.path(failedFile)), fileSize(t, r.path(SavedStateFile)))
	}
	if v := statusDWORD(t, r, StatusSavedState); v != 0 {
		t.Errorf("SavedState = %d", v)
	}
	online(t, r)
	if v := statusDWORD(t, r, StatusRestoredSavedState); v != 0 {
		t.Errorf("RestoredSavedState = %d", v)
	}
}

// TestTerminateKeepsSavedState: Terminate (the host's last resort, e.g.
// after an online that restores overran its pending timeout) kills QEMU
// but never the saved state.
func TestTerminateKeepsSavedState(t *testing.T) {
	r, _ := newVM(t, "")
	ctx := ctxT(t, 60*time.Second)
	online(t, r)
	if err := r.Offline(ctx, offline(ActionSave)); err != nil {
		t.Fatal(err)
	}
	size := fileSize(t, r.path(SavedStateFile))
	if err := r.Terminate(ctx); err != nil {
		t.Fatal(err)
	}
	if got := fileSize(t, r.path(SavedStateFile)); got != size || size <= 0 {
		t.Errorf("state file %d bytes after Terminate, want %d", got, size)
	}
	pid := online(t, r)
	if v := statusDWORD(t, r, StatusRestoredSavedState); v != 1 {
		t.Errorf("RestoredSavedState = %d", v)
	}
	if err := r.Terminate(ctx); err != nil {
		t.Fatal(err)
	}
	if processAlive(pid) {
		t.Error("QEMU survived Terminate")
	}
	if p := statusDWORD(t, r, StatusPid); p != 0 {
		t.Errorf("Pid = %d after Terminate", p)
	}
}

// TestLongStateDir: a state directory too deep for a Unix socket path is
// reached through /proc/self/fd.
func TestLongStateDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), strings.Repeat("d", 60), strings.Repeat("e", 60))
	r, _ := newVM(t, dir)
	if len(r.path(qmpSocket)) <= maxSocketPath {
		t.Fatalf("path %d bytes is not long", len(r.path(qmpSocket)))
	}
	ctx := ctxT(t, 60*time.Second)
	online(t, r)
	if _, err := os.Stat(r.path(qmpSocket)); err != nil {
		t.Errorf("socket not in the state directory: %v", err)
	}
	if err := r.Offline(ctx, offline(ActionSave)); err != nil {
		t.Fatal(err)
	}
	online(t, r)
	if v := statusDWORD(t, r, StatusRestoredSavedState); v != 1 {
		t.Errorf("RestoredSavedState = %d", v)
	}
	if err := r.Offline(ctx, offline(ActionTurnOff)); err != nil {
		t.Fatal(err)
	}
}

func TestMissingQEMUBinary(t *testing.T) {
	r, _ := newVM(t, "", PropQemuBinary, proplist.SZ("/nonexistent/qemu-system-x86_64"))
	err := r.Online(ctxT(t, 10*time.Second), restype.OnlineRequest{})
	if err == nil || !strings.Contains(err.Error(), "qemu-system-x86") {
		t.Errorf("Online = %v, want an error saying to install qemu-system-x86", err)
	}
}

func TestBadExtraArgsFailOnline(t *testing.T) {
	r, _ := newVM(t, "", PropExtraArgs, proplist.MultiSZ("-device", "no-such-device"))
	err := r.Online(ctxT(t, 30*time.Second), restype.OnlineRequest{})
	if err == nil || !strings.Contains(err.Error(), "no-such-device") {
		t.Errorf("Online = %v, want QEMU's complaint about no-such-device", err)
	}
	if _, ok := r.findQEMU(); ok {
		t.Error("QEMU runs")
	}
}
