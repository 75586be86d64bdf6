package vm_test

// The Virtual Machine type in a one-node cluster, driven through the
// operations engine the API server uses, with a real QEMU.

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/clustertest"
	"github.com/batoncluster/baton/internal/ops"
	"github.com/batoncluster/baton/internal/restypes/vm"
	"github.com/batoncluster/baton/internal/restypes/vm/qmp"
	"github.com/batoncluster/baton/internal/store"
	"github.com/batoncluster/baton/proplist"
)

// tv3 is the reference's TV3 (wsfc.md §4.4), 144 bytes: "Virtual
// Machine" = 1 and "Virtual Machine Configuration" = 1.
const tv3 = "0200000003000400200000005600690072007400750061006c0020004d0061006300680069006e006500000002000100040000000100000000000000030004003c0000005600690072007400750061006c0020004d0061006300680069006e006500200043006f006e00660069006700750072006100740069006f006e00000002000100040000000100000000000000"

const (
	memAddr       = 0x800000
	before, after = 0xcafebabe, 0x0badf00d
)

func loader(v uint32) string {
	return fmt.Sprintf("loader,addr=%#x,data=%#x,data-len=4", memAddr, v)
}

// killAll stops every QEMU a node's resources left running (the agent
// leaves them running when it stops).
func killAll(t *testing.T, dataDir string) {
	pids, _ := filepath.Glob(filepath.Join(dataDir, "resources", "*", "qemu.pid"))
	for _, pf := range pids {
		b, err := os.ReadFile(pf)
		if err != nil {
			continue
		}
		var pid int
		if _, err := fmt.Sscan(string(b), &pid); err != nil || pid <= 1 {
			continue
		}
		cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if strings.Contains(string(cmdline), pf) {
			t.Logf("cleanup: killing QEMU %d", pid)
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

func alive(pid uint32) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	i := strings.LastIndexByte(string(b), ')')
	return i > 0 && i+2 < len(b) && b[i+2] != 'Z' && b[i+2] != 'X'
}

// guestWord reads guest memory through the VM's second QMP socket, reached
// through the state directory's descriptor (the path may be too long for a
// socket address).
func guestWord(t *testing.T, stateDir string) uint32 {
	t.Helper()
	d, err := os.Open(stateDir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	c, err := qmp.Dial(ctx, fmt.Sprintf("/proc/self/fd/%d/monitor.sock", d.Fd()))
	if err != nil {
		t.Fatalf("monitor: %v", err)
	}
	defer c.Close()
	out := filepath.Join(t.TempDir(), "mem")
	if err := c.Execute(ctx, "pmemsave", map[string]any{"val": memAddr, "size": 4, "filename": out}, nil); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil || len(b) != 4 {
		t.Fatalf("pmemsave: %d bytes, %v", len(b), err)
	}
	return binary.LittleEndian.Uint32(b)
}

type vmNode struct {
	*clustertest.Node
	t *testing.T
}

func (n vmNode) status() *store.Status {
	st := n.Store().View().Status("vm1")
	if st == nil {
		n.t.Fatal("no status for vm1")
	}
	return st
}

func (n vmNode) dword(name string) uint32 {
	n.t.Helper()
	v, ok := n.status().Props.DWORD(name)
	if !ok {
		n.t.Fatalf("status %s missing in %v", name, n.status().Props)
	}
	return v
}

func (n vmNode) str(name string) string {
	v, _ := n.status().Props.String(name)
	return v
}

func (n vmNode) offline(buf []byte) {
	n.t.Helper()
	res, err := n.Ops().OfflineGroup(n.t.Context(), ops.GroupRef{Name: "VMGroup"}, ops.Request{InBuffer: buf, Size: uint32(len(buf))})
	if err != nil || res.Status != wsfc.ERROR_IO_PENDING {
		n.t.Fatalf("OfflineGroup = %v, %v; want ERROR_IO_PENDING", res, err)
	}
}

func (n vmNode) online() {
	n.t.Helper()
	res, err := n.Ops().OnlineGroup(n.t.Context(), ops.GroupRef{Name: "VMGroup"}, "", ops.Request{})
	if err != nil || res.Status != wsfc.ERROR_IO_PENDING {
		n.t.Fatalf("OnlineGroup = %v, %v; want ERROR_IO_PENDING", res, err)
	}
	n.AwaitGroup("VMGroup", wsfc.ClusterGroupOnline)
	n.Await(func(v store.View) bool {
		st := v.Status("vm1")
		pid, _ := st.Props.DWORD(vm.StatusPid)
		return pid != 0
	}, "vm1 reports its Pid")
}

func action(a uint32) []byte {
	return proplist.List{{Name: vm.TypeName, Values: []proplist.Value{proplist.DWORD(a)}}}.MarshalCompact()
}

// TestClusterSaveAndResume: the seed's OfflineClusterGroupEx with the TV3
// buffer saves a real VM, locked mode shows while it saves, and the next
// online resumes it with its memory intact; the VM survives an agent
// restart; actions 0, 3, 2 and 4 through the API.
func TestClusterSaveAndResume(t *testing.T) {
	if _, err := exec.LookPath(vm.DefaultQemuBinary); err != nil {
		t.Fatalf("this test runs a real VM: install QEMU (Debian: apt-get install qemu-system-x86): %v", err)
	}
	var dataDir string
	t.Cleanup(func() { // registered first, so it runs after the agent stopped
		if dataDir != "" {
			killAll(t, dataDir)
		}
	})
	// A test's node leaves the VM running when it stops (the restart
	// below is to reattach to it); killAll stops it at the end.
	n := vmNode{clustertest.New(t), t}
	dataDir = n.Dir
	ctx := t.Context()
	e := n.Ops()

	// 2 MiB of random data in guest memory, saved at 2 MB/s: the save
	// takes about a second, long enough to watch locked mode.
	blob := filepath.Join(t.TempDir(), "blob")
	b := make([]byte, 2<<20)
	_, _ = rand.Read(b)
	if err := os.WriteFile(blob, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := e.CreateGroup(ctx, "VMGroup", nil, nil); err != nil {
		t.Fatal(err)
	}
	r, err := e.CreateResource(ctx, "vm1", "VMGroup", vm.TypeName, nil, proplist.List{
		{Name: vm.PropMemoryMB, Values: []proplist.Value{proplist.DWORD(32)}},
		{Name: vm.PropExtraArgs, Values: []proplist.Value{proplist.MultiSZ(
			"-device", loader(before),
			"-device", "loader,file="+blob+",addr=0x1000000,force-raw=on",
		)}},
		{Name: vm.PropSaveBandwidthLimit, Values: []proplist.Value{proplist.DWORD(2_000_000)}},
		{Name: vm.PropShutdownTimeoutMs, Values: []proplist.Value{proplist.DWORD(300)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	stateDir := filepath.Join(n.Dir, "resources", r.ID)

	n.online()
	pid := n.dword(vm.StatusPid)
	if !alive(pid) || n.str(vm.StatusQemuStatus) != "running" {
		t.Fatalf("after online: pid %d alive %v, QemuStatus %q", pid, alive(pid), n.str(vm.StatusQemuStatus))
	}
	if v := guestWord(t, stateDir); v != before {
		t.Fatalf("guest memory = %#x, want %#x", v, before)
	}

	// The seed: OfflineClusterGroupEx with the 144-byte TV3 buffer.
	buf, err := hex.DecodeString(tv3)
	if err != nil || len(buf) != 144 {
		t.Fatalf("TV3: %d bytes, %v", len(buf), err)
	}
	l, err := proplist.Unmarshal(buf)
	if err != nil {
		t.Fatal(err)
	}
	if a, ok := l.DWORD(vm.TypeName); !ok || a != vm.ActionSave {
		t.Fatalf("TV3 decodes to %v", l)
	}
	start := time.Now()
	n.offline(buf)
	if s := e.Store().View().Group("VMGroup"); e.Store().View().GroupState(s) == wsfc.ClusterGroupOnline {
		t.Error("group reads Online right after ERROR_IO_PENDING")
	}

	// Locked mode while the save runs, as the host reports it.
	n.Await(func(v store.View) bool {
		st := v.Status("vm1")
		return st.Locked && st.LockedReason == vm.LockedReasonSaving
	}, "vm1 in locked mode while saving")
	t.Logf("locked mode reported %v after the offline was accepted", time.Since(start))
	// What the API answers meanwhile (the resource is OfflinePending, not
	// Online: see the report on ops' locked-mode check).
	res, err := e.OfflineGroup(ctx, ops.GroupRef{Name: "VMGroup"}, ops.Request{})
	t.Logf("a second OfflineClusterGroup during the save answers %v, %v", res, err)
	res, err = e.OnlineGroup(ctx, ops.GroupRef{Name: "VMGroup"}, "", ops.Request{})
	t.Logf("OnlineClusterGroup during the save answers %v, %v", res, err)

	n.AwaitGroup("VMGroup", wsfc.ClusterGroupOffline)
	t.Logf("save through the cluster took %v", time.Since(start))
	st := n.status()
	if st.Locked {
		t.Error("still locked after the save")
	}
	if alive(pid) {
		t.Errorf("QEMU %d still runs after the save", pid)
	}
	if a := n.str(vm.StatusLastOfflineAction); a != "Save" {
		t.Errorf("LastOfflineAction = %q, want Save", a)
	}
	fi, err := os.Stat(filepath.Join(stateDir, vm.SavedStateFile))
	if err != nil || fi.Size() < 2<<20 {
		t.Fatalf("state file: %v (size %d), want at least 2 MiB", err, fi.Size())
	}
	if p, _ := st.Props.Get(vm.StatusSavedStateBytes); len(p.Values) != 1 || p.Values[0].Uint != uint64(fi.Size()) {
		t.Errorf("SavedStateBytes = %v, want %d", p, fi.Size())
	}
	if n.dword(vm.StatusSaveMs) == 0 || n.dword(vm.StatusPid) != 0 {
		t.Errorf("SaveMs %d, Pid %d", n.dword(vm.StatusSaveMs), n.dword(vm.StatusPid))
	}

	// Change the boot-time value: only a real restore brings the saved
	// one back.
	if _, err := e.SetResourceProperties(ctx, ops.ResourceRef{Name: "vm1"}, proplist.List{
		{Name: vm.PropExtraArgs, Values: []proplist.Value{proplist.MultiSZ("-device", loader(after))}},
		{Name: vm.PropSaveBandwidthLimit, Values: []proplist.Value{proplist.DWORD(0)}},
	}); err != nil {
		t.Fatal(err)
	}
	n.online()
	pid = n.dword(vm.StatusPid)
	if n.dword(vm.StatusRestoredSavedState) != 1 || n.dword(vm.StatusRestoreMs) == 0 {
		t.Errorf("RestoredSavedState %d, RestoreMs %d; want 1, > 0", n.dword(vm.StatusRestoredSavedState), n.dword(vm.StatusRestoreMs))
	}
	if v := guestWord(t, stateDir); v != before {
		t.Errorf("guest memory after resume = %#x, want the saved %#x", v, before)
	}
	if _, err := os.Stat(filepath.Join(stateDir, vm.SavedStateFile)); !os.IsNotExist(err) {
		t.Errorf("state file after restore: %v", err)
	}

	// The agent restarts: QEMU keeps running and is taken over.
	restarted := time.Now()
	n.Restart()
	// Until the new host reports, the database still holds what the old
	// one wrote (Online, this Pid): wait for a report written after the
	// restart that says the VM runs.
	n.Await(func(v store.View) bool {
		st := v.Status("vm1")
		qs, _ := st.Props.String(vm.StatusQemuStatus)
		return st.Updated.After(restarted) && wsfc.ClusterResourceState(st.State) == wsfc.ClusterResourceOnline && qs == "running"
	}, "vm1 online again after the agent restart")
	if p := n.dword(vm.StatusPid); p != pid {
		t.Fatalf("after the agent restart: Pid %d, want the same QEMU %d", p, pid)
	}
	if n.dword(vm.StatusRestoredSavedState) != 0 {
		t.Error("the agent restart restored instead of reattaching")
	}
	if !alive(pid) {
		t.Fatal("QEMU died with the agent")
	}
	if v := guestWord(t, stateDir); v != before {
		t.Errorf("guest memory after the agent restart = %#x", v)
	}

	// Turn off (0): gone, nothing saved; the next online boots afresh.
	n.offline(action(vm.ActionTurnOff))
	n.AwaitGroup("VMGroup", wsfc.ClusterGroupOffline)
	if alive(pid) || n.str(vm.StatusLastOfflineAction) != "TurnOff" || n.dword(vm.StatusSavedState) != 0 {
		t.Errorf("turn off: alive %v, LastOfflineAction %q, SavedState %d", alive(pid), n.str(vm.StatusLastOfflineAction), n.dword(vm.StatusSavedState))
	}
	n.online()
	pid = n.dword(vm.StatusPid)
	if v := guestWord(t, stateDir); v != after || n.dword(vm.StatusRestoredSavedState) != 0 {
		t.Errorf("fresh boot: memory %#x (want %#x), RestoredSavedState %d", v, after, n.dword(vm.StatusRestoredSavedState))
	}

	// Forced (3).
	n.offline(action(vm.ActionShutdownForce))
	n.AwaitGroup("VMGroup", wsfc.ClusterGroupOffline)
	if alive(pid) || n.str(vm.StatusLastOfflineAction) != "ShutdownForce" {
		t.Errorf("forced: alive %v, LastOfflineAction %q", alive(pid), n.str(vm.StatusLastOfflineAction))
	}

	// Shut down (2): the BIOS ignores the power button, so after
	// ShutdownTimeoutMs the VM is turned off and the resource fails.
	n.online()
	pid = n.dword(vm.StatusPid)
	n.offline(action(vm.ActionShutdown))
	n.AwaitGroup("VMGroup", wsfc.ClusterGroupFailed)
	if st := n.status(); !strings.Contains(st.LastError, "did not shut down") || alive(pid) {
		t.Errorf("shut down: LastError %q, alive %v", st.LastError, alive(pid))
	}

	// Live migration (4) is refused: the resource fails, the VM keeps
	// running, and an online takes it back without a second QEMU.
	n.online()
	pid = n.dword(vm.StatusPid)
	n.offline(action(vm.ActionLiveMigration))
	n.AwaitGroup("VMGroup", wsfc.ClusterGroupFailed)
	if st := n.status(); !strings.Contains(st.LastError, "not supported") || !alive(pid) {
		t.Errorf("live migration: LastError %q, alive %v", st.LastError, alive(pid))
	}
	n.online()
	if p := n.dword(vm.StatusPid); p != pid {
		t.Errorf("online after a refused offline: Pid %d, want the running %d", p, pid)
	}
	n.offline(action(vm.ActionShutdownForce))
	n.AwaitGroup("VMGroup", wsfc.ClusterGroupOffline)
	if alive(pid) {
		t.Error("QEMU still runs at the end")
	}
}
