package vm

import (
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/batoncluster/baton/proplist"
	"github.com/batoncluster/baton/restype"
)

func props(kv ...any) proplist.List {
	var l proplist.List
	for i := 0; i < len(kv); i += 2 {
		l = l.Set(kv[i].(string), kv[i+1].(proplist.Value))
	}
	return l
}

func TestType(t *testing.T) {
	ty := Type()
	if ty.Name != "Virtual Machine" || ty.OfflineParameter != "Virtual Machine" {
		t.Errorf("Name, OfflineParameter = %q, %q; want Virtual Machine", ty.Name, ty.OfflineParameter)
	}
	if ty.LooksAliveInterval != 5000 || ty.IsAliveInterval != 60000 {
		t.Errorf("intervals = %d/%d, want 5000/60000", ty.LooksAliveInterval, ty.IsAliveInterval)
	}
	want := map[string]string{
		PropMemoryMB: "dword", PropDiskImage: "sz", PropExtraArgs: "multi_sz", PropQemuBinary: "sz",
		PropOfflineAction: "dword", PropShutdownAction: "dword", PropShutdownTimeoutMs: "dword",
		PropSaveBandwidthLimit: "dword", PropStateDirectory: "sz", PropDiscardSavedState: "dword",
	}
	got := map[string]string{}
	for _, p := range ty.Properties {
		got[p.Name] = p.Kind
		if p.Description == "" {
			t.Errorf("property %s has no description", p.Name)
		}
	}
	if len(got) != len(want) {
		t.Errorf("documented properties = %v, want %v", got, want)
	}
	for n, k := range want {
		if got[n] != k {
			t.Errorf("property %s kind = %q, want %q", n, got[n], k)
		}
	}
	if err := restype.NewRegistry().Register(ty); err != nil {
		t.Errorf("Register: %v", err)
	}
	if err := ty.Validate(props(PropOfflineAction, proplist.DWORD(7))); err == nil {
		t.Error("Validate accepted OfflineAction 7")
	}
}

func TestParseDefaults(t *testing.T) {
	s, err := parse(nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.memoryMB != 64 || s.qemuBinary != "qemu-system-x86_64" || s.offlineAction != ActionSave ||
		s.shutdownAction != 0 || s.shutdownTimeout != 60*time.Second || s.diskImage != "" || s.extraArgs != nil || s.saveBandwidth != 0 {
		t.Errorf("defaults = %+v", s)
	}
	s, err = parse(props(
		PropMemoryMB, proplist.DWORD(128),
		PropDiskImage, proplist.SZ("/vm/disk.qcow2"),
		PropExtraArgs, proplist.MultiSZ("-device", "loader,addr=0x1000,data=1,data-len=4"),
		PropQemuBinary, proplist.SZ("/usr/local/bin/qemu"),
		PropOfflineAction, proplist.DWORD(3),
		PropShutdownAction, proplist.DWORD(1),
		PropShutdownTimeoutMs, proplist.DWORD(1500),
		PropSaveBandwidthLimit, proplist.DWORD(1000000),
		"Unknown", proplist.SZ("ignored"),
	))
	if err != nil {
		t.Fatal(err)
	}
	if s.memoryMB != 128 || s.diskImage != "/vm/disk.qcow2" || len(s.extraArgs) != 2 || s.qemuBinary != "/usr/local/bin/qemu" ||
		s.offlineAction != 3 || s.shutdownAction != 1 || s.shutdownTimeout != 1500*time.Millisecond || s.saveBandwidth != 1000000 {
		t.Errorf("parsed = %+v", s)
	}
}

func TestParseRejects(t *testing.T) {
	tests := []struct {
		name  string
		props proplist.List
		want  string // the error must contain it
	}{
		{"memory 0", props(PropMemoryMB, proplist.DWORD(0)), PropMemoryMB},
		{"memory sz", props(PropMemoryMB, proplist.SZ("64")), PropMemoryMB},
		{"disk dword", props(PropDiskImage, proplist.DWORD(1)), PropDiskImage},
		{"binary empty", props(PropQemuBinary, proplist.SZ("")), PropQemuBinary},
		{"offline action 4", props(PropOfflineAction, proplist.DWORD(4)), PropOfflineAction},
		{"shutdown action 2", props(PropShutdownAction, proplist.DWORD(2)), PropShutdownAction},
		{"shutdown timeout 0", props(PropShutdownTimeoutMs, proplist.DWORD(0)), PropShutdownTimeoutMs},
		{"extra args sz", props(PropExtraArgs, proplist.SZ("-S")), PropExtraArgs},
		{"no value", proplist.List{{Name: PropMemoryMB}}, PropMemoryMB},
		{"extra no value", proplist.List{{Name: PropExtraArgs}}, PropExtraArgs},
		{"extra -daemonize", props(PropExtraArgs, proplist.MultiSZ("-daemonize")), "-daemonize"},
		{"extra --qmp", props(PropExtraArgs, proplist.MultiSZ("--qmp", "tcp:0:4444")), "--qmp"},
		{"extra -incoming", props(PropExtraArgs, proplist.MultiSZ("-incoming", "tcp:0:1")), "-incoming"},
		{"extra -S", props(PropExtraArgs, proplist.MultiSZ("-S")), "-S"},
		{"extra -pidfile", props(PropExtraArgs, proplist.MultiSZ("-pidfile", "/tmp/x")), "-pidfile"},
		{"extra -nographic", props(PropExtraArgs, proplist.MultiSZ("-nographic")), "-nographic"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parse(tc.props)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("parse = %v, want an error naming %s", err, tc.want)
			}
			if _, err := New(restype.Config{Name: "v", StateDir: t.TempDir(), Properties: tc.props}); err == nil {
				t.Error("New accepted it")
			}
		})
	}
	// Values of options that look like reserved ones are fine.
	if _, err := parse(props(PropExtraArgs, proplist.MultiSZ("-device", "loader,addr=0x0,data=1,data-len=1", "-smp", "2"))); err != nil {
		t.Errorf("ordinary extra args refused: %v", err)
	}
}

func TestReconfigureKeepsOldOnError(t *testing.T) {
	r, err := New(restype.Config{Name: "v", StateDir: t.TempDir(), Properties: props(PropOfflineAction, proplist.DWORD(2))})
	if err != nil {
		t.Fatal(err)
	}
	res := r.(*resource)
	if err := res.Reconfigure(props(PropOfflineAction, proplist.DWORD(9))); err == nil {
		t.Fatal("Reconfigure accepted OfflineAction 9")
	}
	if res.settings().offlineAction != 2 {
		t.Error("a refused Reconfigure changed the settings")
	}
	if err := res.Reconfigure(props(PropOfflineAction, proplist.DWORD(0))); err != nil {
		t.Fatal(err)
	}
	if res.settings().offlineAction != 0 {
		t.Error("Reconfigure did not apply")
	}
}

func TestNewNeedsStateDir(t *testing.T) {
	if _, err := New(restype.Config{Name: "v"}); err == nil {
		t.Error("New without a state directory succeeded")
	}
}

func TestOfflineActionParam(t *testing.T) {
	vm := func(name string, v proplist.Value) proplist.List { return props(name, v) }
	tests := []struct {
		name    string
		params  proplist.List
		def     uint32
		want    uint32
		wantErr error // nil: any error when bad is set
		bad     bool
	}{
		{"absent: default", nil, ActionSave, ActionSave, nil, false},
		{"absent: OfflineAction 2", nil, ActionShutdown, ActionShutdown, nil, false},
		{"turn off", vm(TypeName, proplist.DWORD(0)), ActionSave, ActionTurnOff, nil, false},
		{"save", vm(TypeName, proplist.DWORD(1)), ActionTurnOff, ActionSave, nil, false},
		{"shut down", vm(TypeName, proplist.DWORD(2)), ActionSave, ActionShutdown, nil, false},
		{"forced", vm(TypeName, proplist.DWORD(3)), ActionSave, ActionShutdownForce, nil, false},
		{"config name", vm(ConfigParamName, proplist.DWORD(3)), ActionSave, ActionShutdownForce, nil, false},
		{"both: Virtual Machine wins", props(ConfigParamName, proplist.DWORD(3), TypeName, proplist.DWORD(0)), ActionSave, ActionTurnOff, nil, false},
		{"other types ignored", vm("dummy", proplist.DWORD(0)), ActionSave, ActionSave, nil, false},
		{"live migration", vm(TypeName, proplist.DWORD(4)), ActionSave, 0, ErrLiveMigration, true},
		{"live migration (config)", vm(ConfigParamName, proplist.DWORD(4)), ActionSave, 0, ErrLiveMigration, true},
		{"5", vm(TypeName, proplist.DWORD(5)), ActionSave, 0, nil, true},
		{"sz", vm(TypeName, proplist.SZ("1")), ActionSave, 0, nil, true},
		{"no value", proplist.List{{Name: TypeName}}, ActionSave, 0, nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := offlineAction(tc.params, tc.def)
			if tc.bad {
				if err == nil || tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
					t.Errorf("offlineAction = %d, %v; want error %v", got, err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("offlineAction = %d, %v; want %d", got, err, tc.want)
			}
		})
	}
}

// TestTV3 decodes the reference's 144-byte save vector and reads it the
// way Offline does.
func TestTV3(t *testing.T) {
	l, err := proplist.Unmarshal(tv3(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(l) != 2 || l[0].Name != TypeName || l[1].Name != ConfigParamName {
		t.Fatalf("TV3 = %v", l)
	}
	if a, err := offlineAction(l, ActionTurnOff); err != nil || a != ActionSave {
		t.Errorf("offlineAction(TV3) = %d, %v; want 1 (save)", a, err)
	}
	// The CLI's --param 'Virtual Machine=dword:1' is the reference's
	// 60-byte single-entry variant, and both names give TV3 itself.
	one, err := proplist.ParseParams([]string{"Virtual Machine=dword:1"})
	if err != nil {
		t.Fatal(err)
	}
	const single = "0100000003000400200000005600690072007400750061006c0020004d0061006300680069006e006500000002000100040000000100000000000000"
	if got := hex.EncodeToString(one.MarshalCompact()); got != single {
		t.Errorf("--param 'Virtual Machine=dword:1' encodes to\n%s\nwant\n%s", got, single)
	}
	both, err := proplist.ParseParams([]string{"Virtual Machine=dword:1", "Virtual Machine Configuration=dword:1"})
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(both.MarshalCompact()); got != tv3Hex {
		t.Errorf("both --params encode to %s, want TV3", got)
	}
}

func TestArgs(t *testing.T) {
	l := launch{
		name: "web,1", dir: "/var/lib/baton/resources/x", machine: "pc-i440fx-7.2", accel: "tcg", memoryMB: 48,
		disk: "/vm/a,b.qcow2", extra: []string{"-smp", "2", "-machine", "q35"},
	}
	a := l.args()
	joined := strings.Join(a, " ")
	for _, want := range []string{
		"-name guest=web,,1", "-machine pc -accel tcg -m 48", "-nodefaults", "-display none", "-serial none",
		"-monitor none", "-no-shutdown",
		"-qmp unix:/var/lib/baton/resources/x/qmp.sock,server=on,wait=off",
		"-qmp unix:/var/lib/baton/resources/x/monitor.sock,server=on,wait=off",
		"-pidfile /var/lib/baton/resources/x/qemu.pid", "-D /var/lib/baton/resources/x/qemu.log", "-daemonize",
		"-drive file=/vm/a,,b.qcow2,format=qcow2,if=virtio",
	} {
		if !strings.Contains(joined, want) {
			t.Errorf("args lack %q:\n%s", want, joined)
		}
	}
	if !slices.Equal(a[len(a)-4:], []string{"-smp", "2", "-machine", "q35"}) {
		t.Errorf("extra args not last: %v", a)
	}
	if strings.Contains(joined, "-incoming") {
		t.Error("fresh boot has -incoming")
	}
	// A restore puts the saved machine type after the extra arguments.
	l.incoming = true
	a = l.args()
	if !slices.Equal(a[len(a)-4:], []string{"-machine", "pc-i440fx-7.2", "-incoming", "defer"}) {
		t.Errorf("restore args end %v", a[len(a)-4:])
	}
	l.machine = ""
	if a = l.args(); !slices.Equal(a[len(a)-3:], []string{"q35", "-incoming", "defer"}) {
		t.Errorf("restore without a saved machine ends %v", a[len(a)-3:])
	}
	// Sockets in a directory whose path is too long go through fd 3.
	l.longPath = true
	if joined = strings.Join(l.args(), " "); !strings.Contains(joined, "unix:/proc/self/fd/3/qmp.sock,server=on") {
		t.Errorf("long path args: %s", joined)
	}
	if diskFormat("/x/disk.img") != "raw" || diskFormat("/x/D.QCOW2") != "qcow2" {
		t.Error("diskFormat")
	}
}
