package vm

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/batoncluster/baton/internal/restypes/vm/qmp"
	"github.com/batoncluster/baton/proplist"
	"github.com/batoncluster/baton/restype"
)

// tv3Hex is the reference's TV3 (wsfc.md §4.4): "Virtual Machine" = 1 and
// "Virtual Machine Configuration" = 1, 144 bytes.
const tv3Hex = "0200000003000400200000005600690072007400750061006c0020004d0061006300680069006e006500000002000100040000000100000000000000030004003c0000005600690072007400750061006c0020004d0061006300680069006e006500200043006f006e00660069006700750072006100740069006f006e00000002000100040000000100000000000000"

func tv3(t *testing.T) []byte {
	t.Helper()
	b, err := hex.DecodeString(tv3Hex)
	if err != nil || len(b) != 144 {
		t.Fatalf("TV3: %d bytes, %v", len(b), err)
	}
	return b
}

// requireQEMU fails (never skips) the test when QEMU is not installed.
func requireQEMU(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath(DefaultQemuBinary); err != nil {
		t.Fatalf("these tests run a real VM: install QEMU (Debian: apt-get install qemu-system-x86): %v", err)
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}

// lockLog records the changes of LockedMode (from unlocked) seen from
// Changed calls.
type lockLog struct {
	mu    sync.Mutex
	r     *resource
	seen  []bool
	calls int
}

func (l *lockLog) changed() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls++
	if l.r != nil {
		locked, _ := l.r.LockedMode()
		last := false
		if len(l.seen) > 0 {
			last = l.seen[len(l.seen)-1]
		}
		if locked != last {
			l.seen = append(l.seen, locked)
		}
	}
}

func (l *lockLog) transitions() []bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]bool(nil), l.seen...)
}

// newVM makes a resource in dir (a fresh one when ""), with small memory
// and the given extra properties. Any QEMU it leaves is killed at the end.
func newVM(t *testing.T, dir string, kv ...any) (*resource, *lockLog) {
	t.Helper()
	requireQEMU(t)
	if dir == "" {
		dir = t.TempDir()
	}
	p := props(append([]any{PropMemoryMB, proplist.DWORD(32)}, kv...)...)
	ll := &lockLog{}
	r, err := New(restype.Config{
		Name: "vm1", Group: "g", StateDir: dir, Properties: p,
		Log:     slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Changed: ll.changed,
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	res := r.(*resource)
	ll.mu.Lock()
	ll.r = res
	ll.mu.Unlock()
	t.Cleanup(func() { killQEMU(t, dir) })
	return res, ll
}

// killQEMU stops whatever QEMU runs with dir's pid file.
func killQEMU(t *testing.T, dir string) {
	r := &resource{dir: dir, log: slog.New(slog.DiscardHandler), guard: restype.GuardOf(restype.Config{})}
	if pid, ok := r.findQEMU(); ok {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := r.kill(ctx, pid); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	}
}

func ctxT(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), d)
	t.Cleanup(cancel)
	return ctx
}

// loader is an ExtraArgs pair that writes a 32-bit value into guest memory
// at boot.
func loader(addr uint64, v uint32) []string {
	return []string{"-device", fmt.Sprintf("loader,addr=%#x,data=%#x,data-len=4", addr, v)}
}

const memAddr = 0x800000 // 8 MiB: RAM the BIOS leaves alone

// monitor connects to the VM's second QMP socket (the agent's stays free).
func monitor(t *testing.T, dir string) *qmp.Conn {
	t.Helper()
	c, err := qmp.Dial(ctxT(t, 10*time.Second), filepath.Join(dir, monitorSocket))
	if err != nil {
		t.Fatalf("monitor: %v", err)
	}
	return c
}

// guestWord reads a 32-bit little-endian value from guest memory (QMP
// pmemsave).
func guestWord(t *testing.T, dir string, addr uint64) uint32 {
	t.Helper()
	c := monitor(t, dir)
	defer c.Close()
	out := filepath.Join(t.TempDir(), "mem")
	if err := c.Execute(ctxT(t, 10*time.Second), "pmemsave", map[string]any{"val": addr, "size": 4, "filename": out}, nil); err != nil {
		t.Fatalf("pmemsave: %v", err)
	}
	b, err := os.ReadFile(out)
	if err != nil || len(b) != 4 {
		t.Fatalf("pmemsave wrote %d bytes: %v", len(b), err)
	}
	return binary.LittleEndian.Uint32(b)
}

// processAlive reports whether pid is a live process (not a zombie).
func processAlive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] == ')' {
			return i+2 < len(b) && b[i+2] != 'Z' && b[i+2] != 'X'
		}
	}
	return false
}

func statusDWORD(t *testing.T, r *resource, name string) uint32 {
	t.Helper()
	v, ok := r.Status().DWORD(name)
	if !ok {
		t.Fatalf("status %s missing or not a DWORD in %v", name, r.Status())
	}
	return v
}

func offline(action uint32) restype.OfflineRequest {
	return restype.OfflineRequest{Params: props(TypeName, proplist.DWORD(action))}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		return -1
	}
	return fi.Size()
}
