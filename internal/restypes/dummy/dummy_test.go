package dummy

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/batoncluster/baton/internal/ledger"
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

func newDummy(t *testing.T, cfg restype.Config) *resource {
	t.Helper()
	if cfg.Name == "" {
		cfg.Name = "d1"
	}
	r, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return r.(*resource)
}

func offlineReq(action ...uint32) restype.OfflineRequest {
	var req restype.OfflineRequest
	if len(action) > 0 {
		req.Params = props(TypeName, proplist.DWORD(action[0]))
	}
	return req
}

func statusDWORD(t *testing.T, r *resource, name string) uint32 {
	t.Helper()
	v, ok := r.Status().DWORD(name)
	if !ok {
		t.Fatalf("status %s missing or not a DWORD in %v", name, r.Status())
	}
	return v
}

func TestType(t *testing.T) {
	ty := Type()
	if ty.Name != "dummy" {
		t.Errorf("Name = %q, want dummy", ty.Name)
	}
	if ty.OfflineParameter != "dummy" {
		t.Errorf("OfflineParameter = %q, want dummy", ty.OfflineParameter)
	}
	if ty.LooksAliveInterval != 5000 || ty.IsAliveInterval != 60000 {
		t.Errorf("intervals = %d/%d, want 5000/60000", ty.LooksAliveInterval, ty.IsAliveInterval)
	}
	if ty.New == nil {
		t.Fatal("New is nil")
	}
	want := map[string]string{
		PropOnlineDelayMs: "dword", PropOfflineDelayMs: "dword",
		PropFailOnline: "dword", PropFailOffline: "dword", PropFailHealth: "dword",
		PropLocked: "dword", PropLockedReason: "sz", PropLedger: "sz",
	}
	got := map[string]string{}
	for _, p := range ty.Properties {
		got[p.Name] = p.Kind
		if p.Description == "" {
			t.Errorf("property %s has no description", p.Name)
		}
	}
	for n, k := range want {
		if got[n] != k {
			t.Errorf("property %s kind = %q, want %q", n, got[n], k)
		}
	}
	if len(got) != len(want) {
		t.Errorf("documented properties = %v, want %v", got, want)
	}
	if err := restype.NewRegistry().Register(ty); err != nil {
		t.Errorf("Register: %v", err)
	}
}

func TestDelays(t *testing.T) {
	const d = 60 * time.Millisecond
	tests := []struct {
		name string
		prop string
		op   func(*resource, context.Context) error
	}{
		{"online", PropOnlineDelayMs, func(r *resource, ctx context.Context) error {
			return r.Online(ctx, restype.OnlineRequest{})
		}},
		{"offline", PropOfflineDelayMs, func(r *resource, ctx context.Context) error {
			return r.Offline(ctx, restype.OfflineRequest{})
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name+"/honoured", func(t *testing.T) {
			r := newDummy(t, restype.Config{Properties: props(tc.prop, proplist.DWORD(uint32(d/time.Millisecond)))})
			start := time.Now()
			if err := tc.op(r, context.Background()); err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if el := time.Since(start); el < d {
				t.Errorf("%s took %v, want at least %v", tc.name, el, d)
			}
		})
		t.Run(tc.name+"/cancelled", func(t *testing.T) {
			r := newDummy(t, restype.Config{Properties: props(tc.prop, proplist.DWORD(60000))})
			if tc.name == "offline" {
				if err := r.Online(context.Background(), restype.OnlineRequest{}); err != nil {
					t.Fatal(err)
				}
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
			defer cancel()
			start := time.Now()
			err := tc.op(r, ctx)
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("%s err = %v, want DeadlineExceeded", tc.name, err)
			}
			if el := time.Since(start); el > 5*time.Second {
				t.Errorf("%s took %v after ctx ended", tc.name, el)
			}
			// A cancelled operation changes nothing.
			wantOnline := tc.name == "offline"
			if got := r.LooksAlive(context.Background()) == nil; got != wantOnline {
				t.Errorf("online after cancelled %s = %v, want %v", tc.name, got, wantOnline)
			}
		})
	}
}

func TestCancelledBeforeStart(t *testing.T) {
	r := newDummy(t, restype.Config{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := r.Online(ctx, restype.OnlineRequest{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Online with ended ctx = %v, want Canceled", err)
	}
}

// lateCancel is a context whose cancellation lands after its first Err:
// as seen by an online whose delay ended just as the host cancelled it.
type lateCancel struct {
	context.Context
	calls atomic.Int32
}

func (c *lateCancel) Err() error {
	if c.calls.Add(1) == 1 {
		return nil
	}
	return context.Canceled
}

// A cancellation that arrives after the delay ended still stops the
// online: it neither marks the resource online nor writes the ledger
// (tests/chaos saw a frozen node's dummy come online after its host
// had fenced and terminated it).
func TestCancelledAfterDelay(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger")
	r := newDummy(t, restype.Config{Node: "n1", Properties: props(PropLedger, proplist.SZ(path))})
	ctx := &lateCancel{Context: context.Background()}
	if err := r.Online(ctx, restype.OnlineRequest{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Online cancelled after its delay = %v, want Canceled", err)
	}
	if r.LooksAlive(context.Background()) == nil {
		t.Error("the resource is online after a cancelled online")
	}
	if evs, err := ledger.Read(path); err != nil || len(evs) != 0 {
		t.Errorf("ledger after a cancelled online: %v %v, want nothing", evs, err)
	}
}

func TestFailures(t *testing.T) {
	tests := []struct {
		prop                                string
		wantOnline, wantOffline, wantHealth bool // want an error
	}{
		{"", false, false, false},
		{PropFailOnline, true, false, false},
		{PropFailOffline, false, true, false},
		{PropFailHealth, false, false, true},
	}
	for _, tc := range tests {
		t.Run("set="+tc.prop, func(t *testing.T) {
			// Start healthy and online, then switch the failure on.
			r := newDummy(t, restype.Config{})
			ctx := context.Background()
			if err := r.Online(ctx, restype.OnlineRequest{}); err != nil {
				t.Fatal(err)
			}
			if tc.prop != "" {
				if err := r.Reconfigure(props(tc.prop, proplist.DWORD(1))); err != nil {
					t.Fatal(err)
				}
			}
			for name, check := range map[string]func(context.Context) error{"LooksAlive": r.LooksAlive, "IsAlive": r.IsAlive} {
				if err := check(ctx); (err != nil) != tc.wantHealth {
					t.Errorf("%s = %v, want error %v", name, err, tc.wantHealth)
				}
			}
			err := r.Offline(ctx, offlineReq())
			if (err != nil) != tc.wantOffline {
				t.Errorf("Offline = %v, want error %v", err, tc.wantOffline)
			}
			if err != nil && !strings.Contains(err.Error(), PropFailOffline) {
				t.Errorf("Offline error %q does not name %s", err, PropFailOffline)
			}
			if err == nil && statusDWORD(t, r, StatusOfflines) != 1 {
				t.Errorf("Offlines = %d, want 1", statusDWORD(t, r, StatusOfflines))
			}
			if err != nil {
				// A failed offline leaves the resource online.
				if _, ok := r.Status().Get(StatusLastOfflineAction); ok {
					t.Error("failed offline recorded an action")
				}
				if err := r.Terminate(ctx); err != nil {
					t.Fatal(err)
				}
			}
			err = r.Online(ctx, restype.OnlineRequest{})
			if (err != nil) != tc.wantOnline {
				t.Errorf("Online = %v, want error %v", err, tc.wantOnline)
			}
			if err != nil {
				if !errors.Is(r.LooksAlive(ctx), ErrNotOnline) {
					t.Error("failed online left the resource online")
				}
				if n := statusDWORD(t, r, StatusOnlines); n != 1 {
					t.Errorf("Onlines = %d after failed online, want 1", n)
				}
			}
			// Clearing the failure makes everything work again.
			if err := r.Reconfigure(nil); err != nil {
				t.Fatal(err)
			}
			if err := r.Online(ctx, restype.OnlineRequest{}); err != nil {
				t.Errorf("Online after clearing: %v", err)
			}
			if err := r.IsAlive(ctx); err != nil {
				t.Errorf("IsAlive after clearing: %v", err)
			}
		})
	}
}

func TestHealthNotOnline(t *testing.T) {
	r := newDummy(t, restype.Config{})
	ctx := context.Background()
	if err := r.LooksAlive(ctx); !errors.Is(err, ErrNotOnline) {
		t.Errorf("LooksAlive before online = %v, want ErrNotOnline", err)
	}
	if err := r.Online(ctx, restype.OnlineRequest{}); err != nil {
		t.Fatal(err)
	}
	if err := r.IsAlive(ctx); err != nil {
		t.Errorf("IsAlive online = %v", err)
	}
	if err := r.Terminate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := r.IsAlive(ctx); !errors.Is(err, ErrNotOnline) {
		t.Errorf("IsAlive after Terminate = %v, want ErrNotOnline", err)
	}
}

func TestTerminateIgnoresDelay(t *testing.T) {
	r := newDummy(t, restype.Config{Properties: props(PropOfflineDelayMs, proplist.DWORD(60000), PropFailOffline, proplist.DWORD(1))})
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := r.Online(ctx, restype.OnlineRequest{}); err != nil {
		t.Fatal(err)
	}
	if err := r.Terminate(ctx); err != nil {
		t.Fatalf("Terminate: %v", err)
	}
	if ctx.Err() != nil {
		t.Error("Terminate waited for the offline delay")
	}
	if !errors.Is(r.LooksAlive(context.Background()), ErrNotOnline) {
		t.Error("online after Terminate")
	}
}

func TestOfflineActions(t *testing.T) {
	tests := []struct {
		name   string
		req    restype.OfflineRequest
		action string
		code   uint32
		saved  uint32
	}{
		{"turn off", offlineReq(0), "TurnOff", 0, 0},
		{"save", offlineReq(1), "Save", 1, 1},
		{"shut down", offlineReq(2), "Shutdown", 2, 0},
		{"forced", offlineReq(3), "ShutdownForce", 3, 0},
		{"absent", offlineReq(), "Shutdown", 2, 0},
		{"other types ignored", restype.OfflineRequest{Params: props("Virtual Machine", proplist.DWORD(0))}, "Shutdown", 2, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newDummy(t, restype.Config{})
			ctx := context.Background()
			if _, ok := r.Status().Get(StatusLastOfflineAction); ok {
				t.Error("LastOfflineAction present before the first offline")
			}
			if err := r.Online(ctx, restype.OnlineRequest{}); err != nil {
				t.Fatal(err)
			}
			if err := r.Offline(ctx, tc.req); err != nil {
				t.Fatalf("Offline: %v", err)
			}
			st := r.Status()
			if a, _ := st.String(StatusLastOfflineAction); a != tc.action {
				t.Errorf("LastOfflineAction = %q, want %q", a, tc.action)
			}
			if c, ok := st.DWORD(StatusLastOfflineActionCode); !ok || c != tc.code {
				t.Errorf("LastOfflineActionCode = %d,%v, want %d", c, ok, tc.code)
			}
			if s := statusDWORD(t, r, StatusSavedState); s != tc.saved {
				t.Errorf("SavedState = %d, want %d", s, tc.saved)
			}
			if n := statusDWORD(t, r, StatusOnlines); n != 1 {
				t.Errorf("Onlines = %d, want 1", n)
			}
			if n := statusDWORD(t, r, StatusOfflines); n != 1 {
				t.Errorf("Offlines = %d, want 1", n)
			}
			if !errors.Is(r.LooksAlive(ctx), ErrNotOnline) {
				t.Error("online after Offline")
			}
		})
	}
}

func TestOfflineBadParams(t *testing.T) {
	tests := []struct {
		name   string
		params proplist.List
	}{
		{"4", props(TypeName, proplist.DWORD(4))},
		{"huge", props(TypeName, proplist.DWORD(0xFFFFFFFF))},
		{"sz", props(TypeName, proplist.SZ("1"))},
		{"no value", proplist.List{{Name: TypeName}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newDummy(t, restype.Config{})
			ctx := context.Background()
			if err := r.Online(ctx, restype.OnlineRequest{}); err != nil {
				t.Fatal(err)
			}
			if err := r.Offline(ctx, restype.OfflineRequest{Params: tc.params}); err == nil {
				t.Fatal("Offline accepted a bad action")
			}
			if _, ok := r.Status().Get(StatusLastOfflineAction); ok {
				t.Error("bad action recorded")
			}
			if err := r.LooksAlive(ctx); err != nil {
				t.Errorf("resource went offline on a rejected action: %v", err)
			}
		})
	}
}

func TestSavedStateSurvivesRestart(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state", "d1") // does not exist yet
	marker := filepath.Join(dir, SavedStateFile)
	ctx := context.Background()

	r1 := newDummy(t, restype.Config{StateDir: dir})
	if err := r1.Online(ctx, restype.OnlineRequest{}); err != nil {
		t.Fatal(err)
	}
	if err := r1.Offline(ctx, offlineReq(ActionSave)); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(marker); err != nil {
		t.Fatalf("marker after save: %v", err)
	}

	// The agent restarts: a new instance with the same StateDir.
	r2 := newDummy(t, restype.Config{StateDir: dir})
	if s := statusDWORD(t, r2, StatusSavedState); s != 1 {
		t.Fatalf("SavedState after restart = %d, want 1", s)
	}
	if s := statusDWORD(t, r2, StatusRestoredSavedState); s != 0 {
		t.Errorf("RestoredSavedState before online = %d, want 0", s)
	}
	if err := r2.Online(ctx, restype.OnlineRequest{}); err != nil {
		t.Fatal(err)
	}
	if s := statusDWORD(t, r2, StatusRestoredSavedState); s != 1 {
		t.Errorf("RestoredSavedState = %d, want 1", s)
	}
	if s := statusDWORD(t, r2, StatusSavedState); s != 0 {
		t.Errorf("SavedState after restore = %d, want 0", s)
	}
	if _, err := os.Stat(marker); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("marker after restore: err = %v, want not exist", err)
	}

	// The next online, with nothing saved, restores nothing.
	if err := r2.Offline(ctx, offlineReq(ActionShutdown)); err != nil {
		t.Fatal(err)
	}
	if err := r2.Online(ctx, restype.OnlineRequest{}); err != nil {
		t.Fatal(err)
	}
	if s := statusDWORD(t, r2, StatusRestoredSavedState); s != 0 {
		t.Errorf("RestoredSavedState without saved state = %d, want 0", s)
	}
	if r3 := newDummy(t, restype.Config{StateDir: dir}); statusDWORD(t, r3, StatusSavedState) != 0 {
		t.Error("new instance sees a saved state after restore")
	}
}

func TestSavedStateInMemory(t *testing.T) {
	ctx := context.Background()
	r := newDummy(t, restype.Config{})
	if err := r.Offline(ctx, offlineReq(ActionSave)); err != nil {
		t.Fatal(err)
	}
	if s := statusDWORD(t, r, StatusSavedState); s != 1 {
		t.Errorf("SavedState = %d, want 1", s)
	}
	if err := r.Online(ctx, restype.OnlineRequest{}); err != nil {
		t.Fatal(err)
	}
	if s := statusDWORD(t, r, StatusRestoredSavedState); s != 1 {
		t.Errorf("RestoredSavedState = %d, want 1", s)
	}
}

func TestLockedMode(t *testing.T) {
	var changed atomic.Int32
	r := newDummy(t, restype.Config{Changed: func() { changed.Add(1) }})
	if l, _ := r.LockedMode(); l {
		t.Error("locked by default")
	}
	steps := []struct {
		props       proplist.List
		locked      bool
		reason      string
		wantChanged int32
	}{
		{props(PropLocked, proplist.DWORD(1), PropLockedReason, proplist.SZ("saving")), true, "saving", 1},
		{props(PropLocked, proplist.DWORD(1), PropLockedReason, proplist.SZ("saving"), PropFailHealth, proplist.DWORD(1)), true, "saving", 1},
		{props(PropLocked, proplist.DWORD(1), PropLockedReason, proplist.SZ("migrating")), true, "migrating", 2},
		{nil, false, "", 3},
	}
	for i, s := range steps {
		if err := r.Reconfigure(s.props); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		locked, reason := r.LockedMode()
		if locked != s.locked || reason != s.reason {
			t.Errorf("step %d: LockedMode = %v,%q, want %v,%q", i, locked, reason, s.locked, s.reason)
		}
		if n := changed.Load(); n != s.wantChanged {
			t.Errorf("step %d: Changed called %d times, want %d", i, n, s.wantChanged)
		}
	}

	// Locked from New, with Changed nil.
	r2 := newDummy(t, restype.Config{Properties: props(PropLocked, proplist.DWORD(1))})
	if l, _ := r2.LockedMode(); !l {
		t.Error("Locked=1 from New not reported")
	}
	if err := r2.Reconfigure(nil); err != nil {
		t.Errorf("Reconfigure with nil Changed: %v", err)
	}
}

func TestBadProperties(t *testing.T) {
	tests := []struct {
		name  string
		props proplist.List
		prop  string // the property the error must name
	}{
		{"delay as sz", props(PropOnlineDelayMs, proplist.SZ("100")), PropOnlineDelayMs},
		{"delay as ularge", props(PropOfflineDelayMs, proplist.ULarge(100)), PropOfflineDelayMs},
		{"FailOnline 2", props(PropFailOnline, proplist.DWORD(2)), PropFailOnline},
		{"FailOffline long", props(PropFailOffline, proplist.Long(1)), PropFailOffline},
		{"FailHealth 7", props(PropFailHealth, proplist.DWORD(7)), PropFailHealth},
		{"Locked sz", props(PropLocked, proplist.SZ("yes")), PropLocked},
		{"Locked 2", props(PropLocked, proplist.DWORD(2)), PropLocked},
		{"LockedReason dword", props(PropLockedReason, proplist.DWORD(1)), PropLockedReason},
		{"Ledger dword", props(PropLedger, proplist.DWORD(1)), PropLedger},
		{"no value", proplist.List{{Name: PropFailOnline}}, PropFailOnline},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(restype.Config{Name: "d", Properties: tc.props})
			if err == nil || !strings.Contains(err.Error(), tc.prop) {
				t.Errorf("New error = %v, want one naming %s", err, tc.prop)
			}
			r := newDummy(t, restype.Config{Properties: props(PropFailHealth, proplist.DWORD(1))})
			err = r.Reconfigure(tc.props)
			if err == nil || !strings.Contains(err.Error(), tc.prop) {
				t.Errorf("Reconfigure error = %v, want one naming %s", err, tc.prop)
			}
			// A rejected Reconfigure keeps the old properties.
			if !r.s.failHealth {
				t.Error("rejected Reconfigure changed the settings")
			}
		})
	}
}

func TestUnknownPropertiesIgnored(t *testing.T) {
	p := props("Whatever", proplist.SZ("x"), PropFailOnline, proplist.DWORD(0), "Other", proplist.MultiSZ("a", "b"))
	r := newDummy(t, restype.Config{Properties: p})
	if err := r.Reconfigure(p); err != nil {
		t.Errorf("Reconfigure: %v", err)
	}
}

// TestConcurrent runs health checks, status and locked-mode reads while the
// properties change and the resource goes on and offline; run with -race.
func TestConcurrent(t *testing.T) {
	r := newDummy(t, restype.Config{StateDir: t.TempDir(), Changed: func() {}})
	ctx := context.Background()
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				_ = r.LooksAlive(ctx)
				_ = r.IsAlive(ctx)
				_ = r.Status()
				_, _ = r.LockedMode()
			}
		})
	}
	wg.Go(func() {
		for i := range 200 {
			_ = r.Reconfigure(props(PropLocked, proplist.DWORD(uint32(i%2)), PropFailHealth, proplist.DWORD(uint32(i/2%2))))
		}
	})
	for i := range 50 {
		if err := r.Online(ctx, restype.OnlineRequest{}); err != nil {
			t.Fatal(err)
		}
		if err := r.Offline(ctx, offlineReq(uint32(i%4))); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	if n := statusDWORD(t, r, StatusOfflines); n != 50 {
		t.Errorf("Offlines = %d, want 50", n)
	}
}

// TestLogs checks Online and Offline log what they do (the host gives the
// logger the resource's name).
func TestLogs(t *testing.T) {
	var buf strings.Builder
	r := newDummy(t, restype.Config{Name: "res-42", Log: slog.New(slog.NewTextHandler(&buf, nil))})
	ctx := context.Background()
	if err := r.Online(ctx, restype.OnlineRequest{}); err != nil {
		t.Fatal(err)
	}
	if err := r.Offline(ctx, offlineReq(ActionTurnOff)); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"dummy online", "dummy offline", "action=TurnOff"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}

// The Ledger property: one line when the resource comes online and one
// when it stops being online (offline, terminate), with the hosting node;
// nothing for calls that change nothing.
func TestLedger(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger")
	r := newDummy(t, restype.Config{Name: "vm 1", Node: "n2", Properties: props(PropLedger, proplist.SZ(path))})
	ctx := context.Background()
	steps := []struct {
		call func() error
		want ledger.Kind // "": no line
	}{
		{func() error { return r.Terminate(ctx) }, ""}, // not online: nothing stops
		{func() error { return r.Offline(ctx, offlineReq()) }, ""},
		{func() error { return r.Online(ctx, restype.OnlineRequest{}) }, ledger.Online},
		{func() error { return r.Offline(ctx, offlineReq(ActionSave)) }, ledger.Offline},
		{func() error { return r.Online(ctx, restype.OnlineRequest{}) }, ledger.Online},
		{func() error { return r.Terminate(ctx) }, ledger.Offline},
		{func() error { return r.Terminate(ctx) }, ""},
	}
	var want []ledger.Kind
	before := ledger.Now()
	for i, st := range steps {
		if err := st.call(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if st.want != "" {
			want = append(want, st.want)
		}
	}
	evs, err := ledger.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != len(want) {
		t.Fatalf("ledger has %d lines %v, want %v", len(evs), evs, want)
	}
	last := before
	for i, e := range evs {
		if e.Node != "n2" || e.Resource != "vm 1" || e.Kind != want[i] || e.Time < last || e.Time > ledger.Now() {
			t.Errorf("line %d = %+v, want n2 vm 1 %s at a time after %d", i+1, e, want[i], last)
		}
		last = e.Time
	}

	// A failed online writes nothing; an online that cannot be recorded
	// fails rather than run unrecorded.
	failing := newDummy(t, restype.Config{Name: "f", Node: "n1", Properties: props(PropLedger, proplist.SZ(path), PropFailOnline, proplist.DWORD(1))})
	if err := failing.Online(ctx, restype.OnlineRequest{}); err == nil {
		t.Fatal("FailOnline: online succeeded")
	}
	if evs2, _ := ledger.Read(path); len(evs2) != len(evs) {
		t.Errorf("a failed online wrote %v", evs2[len(evs):])
	}
	bad := newDummy(t, restype.Config{Name: "b", Node: "n1", Properties: props(PropLedger, proplist.SZ(filepath.Join(path, "not-a-dir", "x")))})
	if err := bad.Online(ctx, restype.OnlineRequest{}); err == nil || bad.LooksAlive(ctx) == nil {
		t.Errorf("online with an unwritable ledger: err %v, online %v; want an error and offline", err, bad.LooksAlive(ctx) == nil)
	}

	// Reconfigure can set it later.
	later := filepath.Join(t.TempDir(), "later")
	r2 := newDummy(t, restype.Config{Name: "r2", Node: "n3"})
	if err := r2.Reconfigure(props(PropLedger, proplist.SZ(later))); err != nil {
		t.Fatal(err)
	}
	if err := r2.Online(ctx, restype.OnlineRequest{}); err != nil {
		t.Fatal(err)
	}
	if evs, err := ledger.Read(later); err != nil || len(evs) != 1 || evs[0].Node != "n3" || evs[0].Kind != ledger.Online {
		t.Errorf("ledger after Reconfigure: %v, %v", evs, err)
	}
}
