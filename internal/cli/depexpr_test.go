package cli

import (
	"context"
	"strings"
	"testing"

	"github.com/batoncluster/baton/clusapi"
	"github.com/batoncluster/baton/internal/clustertest"
	"github.com/batoncluster/baton/internal/store"
)

// `baton resource dependency-expression`: set, print (text and -o json),
// refusals that change nothing, Read access may print but not set.
func TestResourceDependencyExpression(t *testing.T) {
	n := clustertest.New(t)
	ctx := context.Background()
	e := n.Ops()
	addr := n.Addr()
	must[*store.Group](t)(e.CreateGroup(ctx, "G", nil, nil))
	for _, r := range []string{"a", "b", "c"} {
		must[*store.Resource](t)(e.CreateResource(ctx, r, "G", "dummy", nil, nil))
	}
	if out := cli(t, addr, 0, "resource", "dependency-expression", "c"); out != "\n" {
		t.Errorf("no dependencies: %q", out)
	}
	if out := cli(t, addr, 0, "resource", "dependency-expression", "c", "[a] OR [b]"); out != "[a] or [b]\n" {
		t.Errorf("set: %q", out)
	}
	// resource show says it, in text and JSON (dependsOn lists the names).
	if out := cli(t, addr, 0, "resource", "show", "c"); !strings.Contains(out, "[a] or [b]") {
		t.Errorf("resource show without the expression:\n%s", out)
	}
	if rj := decode[resourceJSON](t, cli(t, addr, 0, "-o", "json", "resource", "show", "c")); rj.DependencyExpression != "[a] or [b]" || len(rj.DependsOn) != 2 {
		t.Errorf("resource show -o json: %q %v", rj.DependencyExpression, rj.DependsOn)
	}
	j := decode[depExprJSON](t, cli(t, addr, 0, "-o", "json", "resource", "dependency-expression", "c"))
	if j.Resource != "c" || j.Expression != "[a] or [b]" || j.StatusName != "ERROR_SUCCESS" {
		t.Errorf("-o json: %+v", j)
	}
	for _, c := range []struct {
		expr string
		want clusapi.Errno
	}{
		{"[a] or [b] and [c]", clusapi.ERROR_INVALID_PARAMETER},
		{"[c]", clusapi.ERROR_INVALID_PARAMETER},
		{"[nosuch]", clusapi.ERROR_RESOURCE_NOT_FOUND},
	} {
		if code := cliErr(t, addr, "resource", "dependency-expression", "c", c.expr); code != uint32(c.want) {
			t.Errorf("set %q: %d, want %v", c.expr, code, c.want)
		}
	}
	if code := cliErr(t, addr, "resource", "dependency-expression", "a", "[c]"); code != uint32(clusapi.ERROR_CIRCULAR_DEPENDENCY) {
		t.Errorf("a cycle: %d, want 1059", code)
	}
	ro := readOnly(t, n)
	if code := cliErr(t, addr, append(ro, "resource", "dependency-expression", "c", "")...); code != uint32(clusapi.ERROR_ACCESS_DENIED) {
		t.Errorf("set with Read access: %d, want 5", code)
	}
	if out := cli(t, addr, 0, append(ro, "resource", "dependency-expression", "c")...); out != "[a] or [b]\n" {
		t.Errorf("Read access prints: %q", out)
	}
	if r := n.Store().View().Resource("c"); len(r.DependsOn) != 2 || len(r.DependsExpr) != 1 {
		t.Errorf("refusals changed c: %v %v", r.DependsOn, r.DependsExpr)
	}
	if out := cli(t, addr, 0, "resource", "dependency-expression", "c", ""); out != "\n" {
		t.Errorf("clear: %q", out)
	}
	if r := n.Store().View().Resource("c"); r.DependsOn != nil || r.DependsExpr != nil {
		t.Errorf("cleared: %v %v", r.DependsOn, r.DependsExpr)
	}
}
