package ocf

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/batoncluster/baton/proplist"
	"github.com/batoncluster/baton/restype"
)

// actionsOf lists the actions recorded, in order.
func actionsOf(t *testing.T, log string) string {
	t.Helper()
	var out []string
	for _, l := range records(t, log) {
		if f := strings.Fields(l); len(f) > 0 {
			out = append(out, f[0])
		}
	}
	return strings.Join(out, " ")
}

// TestValidateOncePerConfiguration: validate-all runs at the first online
// and again only when the parameters or the agent file changed, not at
// every online; a failed validation is not remembered.
func TestValidateOncePerConfiguration(t *testing.T) {
	root := UseTestRoot(t)
	r, log := recorder(t, "v1")
	ctx := context.Background()
	cycle := func() {
		t.Helper()
		if err := r.Online(ctx, restype.OnlineRequest{}); err != nil {
			t.Fatal(err)
		}
		if err := r.Offline(ctx, restype.OfflineRequest{}); err != nil {
			t.Fatal(err)
		}
	}
	cycle()
	cycle()
	if got, want := actionsOf(t, log), "validate-all start monitor stop start monitor stop"; got != want {
		t.Fatalf("two onlines ran %q, want %q", got, want)
	}

	// The same parameters again (a change of other properties): no new
	// validation.
	same := props(PropProvider, proplist.SZ(TestProvider), PropAgent, proplist.SZ("recorder"), "log", proplist.SZ(log))
	if err := r.Reconfigure(same); err != nil {
		t.Fatal(err)
	}
	cycle()
	if got := actionsOf(t, log); strings.Count(got, "validate-all") != 1 {
		t.Fatalf("after reconfiguring with the same parameters: %q, want no second validate-all", got)
	}

	// Other parameters: validated again, once.
	if err := r.Reconfigure(same.Set("color", proplist.SZ("blue"))); err != nil {
		t.Fatal(err)
	}
	cycle()
	cycle()
	if got := actionsOf(t, log); strings.Count(got, "validate-all") != 2 {
		t.Fatalf("after new parameters: %q, want validate-all twice in all", got)
	}

	// A new version of the agent file: validated again.
	agent := filepath.Join(root, "resource.d", TestProvider, "recorder")
	b, err := os.ReadFile(agent)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(agent, append(b, []byte("\n# a new version\n")...), 0o755); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Second)
	if err := os.Chtimes(agent, later, later); err != nil {
		t.Fatal(err)
	}
	cycle()
	if got := actionsOf(t, log); strings.Count(got, "validate-all") != 3 {
		t.Fatalf("after the agent changed: %q, want validate-all three times in all", got)
	}

	// A validation that fails is made again at the next online.
	bad, blog := recorder(t, "v2", "rc_validate", proplist.DWORD(1))
	for range 2 {
		if err := bad.Online(ctx, restype.OnlineRequest{}); err == nil {
			t.Fatal("Online succeeded with validate-all failing")
		}
	}
	if got := actionsOf(t, blog); got != "validate-all validate-all" {
		t.Errorf("failing validation twice ran %q", got)
	}
}

// An agent that advertises no monitor is online once its start succeeds:
// there is nothing to check it with.
func TestOnlineWithoutMonitor(t *testing.T) {
	root := UseTestRoot(t)
	s := strings.Replace(recorderAgent, `<action name="monitor" timeout="20s" interval="10s" depth="0"/>`, "", 1)
	s = strings.Replace(s, `<resource-agent name="recorder"`, `<resource-agent name="nomonitor"`, 1)
	if err := os.WriteFile(filepath.Join(root, "resource.d", TestProvider, "nomonitor"), []byte(s), 0o755); err != nil {
		t.Fatal(err)
	}
	log := filepath.Join(t.TempDir(), "record")
	l := props(PropProvider, proplist.SZ(TestProvider), PropAgent, proplist.SZ("nomonitor"), "log", proplist.SZ(log))
	r := newRes(t, "nm", t.TempDir(), l)
	if err := r.Online(context.Background(), restype.OnlineRequest{}); err != nil {
		t.Fatal(err)
	}
	if got := actionsOf(t, log); got != "validate-all start" {
		t.Errorf("online ran %q, want validate-all start", got)
	}
}
