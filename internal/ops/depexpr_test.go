package ops_test

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/clustertest"
	"github.com/batoncluster/baton/internal/ledger"
	"github.com/batoncluster/baton/internal/ops"
	"github.com/batoncluster/baton/proplist"
)

// SetDependencyExpression on one in-process node: refusals change no
// resource record; "[A] or [B]" is kept as DependsOn A, B and the terms; a
// dependent of an "or" comes online with one provider, stays Online when
// one provider goes offline and goes offline when the last one does; an
// "or" provider that fails to come online does not fail it while the
// other comes online, both failing do; a group's offline still takes it
// offline before either provider.
func TestDependencyExpression(t *testing.T) {
	n := clustertest.New(t)
	ctx := context.Background()
	e := n.Ops()
	led := filepath.Join(t.TempDir(), "ledger")
	for _, g := range []string{"G", "H"} {
		if _, err := e.CreateGroup(ctx, g, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	ledgerProp := proplist.List{{Name: "Ledger", Values: []proplist.Value{proplist.SZ(led)}}}
	for _, r := range []struct{ name, group string }{{"A", "G"}, {"B", "G"}, {"C", "G"}, {"D", "G"}, {"X", "H"}} {
		if _, err := e.CreateResource(ctx, r.name, r.group, "dummy", nil, ledgerProp); err != nil {
			t.Fatal(err)
		}
	}
	ref := func(name string) ops.ResourceRef { return ops.ResourceRef{Name: name} }
	get := func(name string) string {
		t.Helper()
		s, err := e.DependencyExpression(ref(name))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	revs := func() map[string]int64 {
		v := n.Store().View()
		out := map[string]int64{}
		for _, r := range v.Resources() {
			out[r.Name] = r.Rev // statuses change as the host reports
		}
		return out
	}
	refused := func(name, expr string, want wsfc.Errno) {
		t.Helper()
		before := revs()
		if err := e.SetDependencyExpression(ctx, ref(name), expr); !errors.Is(err, want) {
			t.Errorf("set %s to %q: %v, want %v", name, expr, err, want)
		}
		if after := revs(); !reflect.DeepEqual(before, after) {
			t.Errorf("set %s to %q was refused but changed records: %v → %v", name, expr, before, after)
		}
	}

	if got := get("D"); got != "" {
		t.Errorf("no dependencies: %q, want \"\"", got)
	}
	refused("D", "[A] or [B] and [C]", wsfc.ERROR_INVALID_PARAMETER)
	refused("D", "A or B", wsfc.ERROR_INVALID_PARAMETER)
	refused("D", "[A] or [nosuch]", wsfc.ERROR_RESOURCE_NOT_FOUND)
	refused("D", "[A] or [D]", wsfc.ERROR_INVALID_PARAMETER)
	refused("D", "([A] or [B]) and [X]", wsfc.ERROR_INVALID_PARAMETER)
	refused("nosuch", "[A]", wsfc.ERROR_RESOURCE_NOT_FOUND)

	if err := e.SetDependencyExpression(ctx, ref("D"), "[a] OR [b]"); !errors.Is(err, wsfc.ERROR_RESOURCE_NOT_FOUND) {
		t.Errorf("names are exact: %v, want 5007", err)
	}
	if err := e.SetDependencyExpression(ctx, ref("D"), "[A] OR [B]"); err != nil {
		t.Fatal(err)
	}
	if got := get("D"); got != "[A] or [B]" {
		t.Errorf("get: %q, want [A] or [B]", got)
	}
	d := n.Store().View().Resource("D")
	if !reflect.DeepEqual(d.DependsOn, []string{"A", "B"}) || len(d.DependsExpr) != 1 {
		t.Errorf("record: DependsOn %v, DependsExpr %v", d.DependsOn, d.DependsExpr)
	}
	// A cycle through the "or".
	refused("A", "[C] or [D]", wsfc.ERROR_CIRCULAR_DEPENDENCY)
	// Ids name resources too, and a plain AND keeps no expression.
	idA := n.Store().View().Resource("A").ID
	if err := e.SetDependencyExpression(ctx, ref("D"), "["+idA+"] and [C]"); err != nil {
		t.Fatal(err)
	}
	if d := n.Store().View().Resource("D"); get("D") != "[A] and [C]" || d.DependsExpr != nil || !reflect.DeepEqual(d.DependsOn, []string{"A", "C"}) {
		t.Errorf("by id: %q, record %v %v", get("D"), d.DependsOn, d.DependsExpr)
	}
	if err := e.SetDependencyExpression(ctx, ref("D"), "[A] or [B]"); err != nil {
		t.Fatal(err)
	}

	// The group's online brings both providers up, then D.
	if _, err := e.OnlineGroup(ctx, ops.GroupRef{Name: "G"}, "", ops.Request{}); err != nil {
		t.Fatal(err)
	}
	n.AwaitGroup("G", wsfc.ClusterGroupOnline)

	mustOffline := func(name string) {
		t.Helper()
		if _, err := e.OfflineResource(ctx, ref(name), ops.Request{}); err != nil {
			t.Fatal(err)
		}
		n.AwaitResource(name, wsfc.ClusterResourceOffline)
	}
	// Online, D refuses an expression the Online resources do not meet.
	mustOffline("C")
	refused("D", "([A] or [B]) and [C]", wsfc.ERROR_RESOURCE_ONLINE)

	// A goes offline under D: B still meets "[A] or [B]".
	mustOffline("A")
	if s := n.Store().View().ResourceState("D"); s != wsfc.ClusterResourceOnline {
		t.Fatalf("D is %v after A went offline, want Online (B is Online)", s)
	}
	refused("D", "[A]", wsfc.ERROR_RESOURCE_ONLINE)
	// B too: now D goes, first.
	mustOffline("B")
	n.AwaitResource("D", wsfc.ClusterResourceOffline)

	// An online of D brings A and B up; A fails, B carries D.
	if _, err := e.SetResourceProperties(ctx, ref("A"), proplist.List{dword("FailOnline", 1), dword("RestartAction", 0)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.OnlineResource(ctx, ref("D"), ops.Request{}); err != nil {
		t.Fatal(err)
	}
	n.AwaitResource("D", wsfc.ClusterResourceOnline)
	n.AwaitResource("A", wsfc.ClusterResourceFailed)
	if s := n.Store().View().ResourceState("B"); s != wsfc.ClusterResourceOnline {
		t.Errorf("B: %v, want Online", s)
	}

	// Both failing to come online fail D, as an AND dependency would.
	mustOffline("B")
	n.AwaitResource("D", wsfc.ClusterResourceOffline)
	if _, err := e.SetResourceProperties(ctx, ref("B"), proplist.List{dword("FailOnline", 1), dword("RestartAction", 0)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.OnlineResource(ctx, ref("D"), ops.Request{}); err != nil {
		t.Fatal(err)
	}
	n.AwaitResource("D", wsfc.ClusterResourceFailed)

	// Remove a provider: out of the "or"; a rename follows.
	for _, r := range []string{"A", "B"} {
		if _, err := e.SetResourceProperties(ctx, ref(r), proplist.List{dword("FailOnline", 0)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.SetDependencyExpression(ctx, ref("D"), "([A] or [B]) and [C]"); err != nil {
		t.Fatal(err)
	}
	if err := e.RenameResource(ctx, ref("B"), "B2"); err != nil {
		t.Fatal(err)
	}
	if got := get("D"); got != "([A] or [B2]) and [C]" {
		t.Errorf("after renaming B: %q", got)
	}
	if err := e.RemoveDependency(ctx, ref("D"), "C"); err != nil {
		t.Fatal(err)
	}
	if err := e.AddDependency(ctx, ref("D"), "C"); err != nil {
		t.Fatal(err)
	}
	if got := get("D"); got != "([A] or [B2]) and [C]" {
		t.Errorf("after removing and adding C: %q", got)
	}
	if err := e.RemoveDependency(ctx, ref("D"), "A"); err != nil {
		t.Fatal(err)
	}
	if d := n.Store().View().Resource("D"); get("D") != "[B2] and [C]" || d.DependsExpr != nil {
		t.Errorf("after removing A: %q (expression %v)", get("D"), d.DependsExpr)
	}
	if err := e.SetDependencyExpression(ctx, ref("D"), "[A] or [B2]"); err != nil {
		t.Fatal(err)
	}

	// A group's offline takes D offline before either provider.
	if _, err := e.OfflineGroup(ctx, ops.GroupRef{Name: "G"}, ops.Request{}); err != nil {
		t.Fatal(err)
	}
	n.AwaitGroup("G", wsfc.ClusterGroupOffline)
	if _, err := e.OnlineGroup(ctx, ops.GroupRef{Name: "G"}, "", ops.Request{}); err != nil {
		t.Fatal(err)
	}
	n.AwaitGroup("G", wsfc.ClusterGroupOnline)
	before, err := ledger.Read(led)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.OfflineGroup(ctx, ops.GroupRef{Name: "G"}, ops.Request{}); err != nil {
		t.Fatal(err)
	}
	n.AwaitGroup("G", wsfc.ClusterGroupOffline)
	evs, err := ledger.Read(led)
	if err != nil {
		t.Fatal(err)
	}
	// Over the whole run D never came online without a provider running,
	// and no provider went offline under it unless the other one ran.
	running := map[string]bool{}
	for _, ev := range evs {
		switch {
		case ev.Kind == ledger.Online && ev.Resource == "D" && !running["A"] && !running["B2"] && !running["B"]:
			t.Errorf("D came online with no provider running (ledger line %d)", ev.Line)
		case ev.Kind == ledger.Offline && running["D"] && ev.Resource == "A" && !running["B"] && !running["B2"],
			ev.Kind == ledger.Offline && running["D"] && (ev.Resource == "B" || ev.Resource == "B2") && !running["A"]:
			t.Errorf("%s went offline under D, alone (ledger line %d)", ev.Resource, ev.Line)
		}
		running[ev.Resource] = ev.Kind == ledger.Online
	}
	// The group's offline: D before both providers.
	var order []string
	for _, ev := range evs[len(before):] {
		if ev.Kind == ledger.Offline {
			order = append(order, ev.Resource)
		}
	}
	// (B's dummy keeps the name it was made with, B, until it is made again.)
	at := func(names ...string) int {
		for i, r := range order {
			if slices.Contains(names, r) {
				return i
			}
		}
		return -1
	}
	if i := at("D"); i < 0 || at("A") < i || at("B", "B2") < i {
		t.Errorf("the group's offline went in the order %v; D must go before A and B2", order)
	}
	v := n.Store().View()
	for _, r := range []string{"A", "B2", "D"} {
		if s := v.ResourceState(r); s != wsfc.ClusterResourceOffline {
			t.Errorf("%s: %v after the group's offline", r, s)
		}
	}
}

// A provider whose name holds "]" cannot be written in the syntax (there
// is no quoting): GetClusterResourceDependencyExpression names it by id,
// and what it answers SetClusterResourceDependencyExpression reads back.
func TestDependencyExpressionNamesByIDWhatItCannotQuote(t *testing.T) {
	n := clustertest.New(t)
	ctx := context.Background()
	e := n.Ops()
	if _, err := e.CreateGroup(ctx, "G", nil, nil); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"odd]name", "plain", "D"} {
		if _, err := e.CreateResource(ctx, name, "G", "dummy", nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	d := ops.ResourceRef{Name: "D"}
	for _, p := range []string{"odd]name", "plain"} {
		if err := e.AddDependency(ctx, d, p); err != nil {
			t.Fatal(err)
		}
	}
	odd := n.Store().View().Resource("odd]name")
	got, err := e.DependencyExpression(d)
	if err != nil {
		t.Fatal(err)
	}
	if want := "[" + odd.ID + "] and [plain]"; got != want {
		t.Fatalf("expression %q, want %q", got, want)
	}
	// Read back, it keeps the provider's name.
	if err := e.SetDependencyExpression(ctx, d, got); err != nil {
		t.Fatalf("set what get answered (%q): %v", got, err)
	}
	if r := n.Store().View().Resource("D"); !slices.Equal(r.DependsOn, []string{"odd]name", "plain"}) {
		t.Errorf("DependsOn after the round trip: %q", r.DependsOn)
	}
	if again, _ := e.DependencyExpression(d); again != got {
		t.Errorf("second get %q, first %q", again, got)
	}
}
