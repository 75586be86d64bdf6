package cli

import (
	"context"
	"testing"

	"github.com/batoncluster/baton/clusapi"
	"github.com/batoncluster/baton/internal/clustertest"
	"github.com/batoncluster/baton/internal/ops"
	"github.com/batoncluster/baton/internal/store"
	"github.com/batoncluster/baton/proplist"
)

// readOnly returns the global flags that make the CLI call n over https
// with a token of Read access.
func readOnly(t *testing.T, n *clustertest.Node) []string {
	t.Helper()
	tok := decode[tokenJSON](t, cli(t, n.Addr(), 0, "-o", "json", "acl", "token", "create", "reader", "--access", "read"))
	return []string{"--address", "https://" + n.Agent.HTTPAddr(), "--token", tok.Token, "--ca", n.Agent.CAHash()}
}

// cliErr runs a command that must fail (exit 1) and returns its JSON error code.
func cliErr(t *testing.T, addr string, args ...string) uint32 {
	t.Helper()
	return decode[errJSON](t, cli(t, addr, 1, append([]string{"-o", "json"}, args...)...)).Error.Code
}

// `baton resource fail`: a resource failed with RestartThreshold 0 stays
// Failed and its group fails over to the other node, as after a failed
// health check. Refusals (missing resource, not Online, Read access)
// change nothing.
func TestResourceFail(t *testing.T) {
	n1, _ := twoNodes(t)
	ctx := context.Background()
	e := n1.Ops()
	addr := n1.Addr()
	must[*store.Group](t)(e.CreateGroup(ctx, "F", []string{"node1", "node2"}, nil))
	must[*store.Resource](t)(e.CreateResource(ctx, "fr", "F", "dummy", nil, nil))
	must[*store.Resource](t)(e.CreateResource(ctx, "fr0", "F", "dummy", nil, nil))
	must[*store.Resource](t)(e.SetResourceProperties(ctx, ops.ResourceRef{Name: "fr"}, proplist.List{dword("RestartThreshold", 0)}))

	if code := cliErr(t, addr, "resource", "fail", "nosuch"); code != uint32(clusapi.ERROR_RESOURCE_NOT_FOUND) {
		t.Errorf("fail of a missing resource: %d, want ERROR_RESOURCE_NOT_FOUND", code)
	}
	if code := cliErr(t, addr, "resource", "fail", "fr"); code != uint32(clusapi.ERROR_INVALID_STATE) {
		t.Errorf("fail of an Offline resource: %d, want ERROR_INVALID_STATE", code)
	}
	must[ops.Result](t)(e.OnlineGroup(ctx, ops.GroupRef{Name: "F"}, "node1", ops.Request{}))
	n1.AwaitGroup("F", clusapi.ClusterGroupOnline)
	seq := n1.Store().View().Status("fr").Seq

	ro := readOnly(t, n1)
	if code := cliErr(t, addr, append(ro, "resource", "fail", "fr")...); code != uint32(clusapi.ERROR_ACCESS_DENIED) {
		t.Errorf("fail with Read access: %d, want ERROR_ACCESS_DENIED", code)
	}
	if st := n1.Store().View().Status("fr"); st.Seq != seq || st.FailSeq != 0 {
		t.Errorf("after the refusals: %+v", st)
	}

	res := decode[opJSON](t, cli(t, addr, 0, "-o", "json", "resource", "fail", "fr"))
	if res.Resource != "fr" || res.Status != 0 || res.StatusName != "ERROR_SUCCESS" {
		t.Errorf("resource fail -o json: %+v", res)
	}
	n1.Await(func(v store.View) bool {
		g := v.Group("F")
		return g.OwnerNode == "node2" && v.GroupState(g) == clusapi.ClusterGroupOnline
	}, "F failed over to node2 and Online")
	if g := n1.Store().View().Group("F"); len(g.Failovers) != 1 {
		t.Errorf("failovers counted: %v, want 1", g.Failovers)
	}
	if out := cli(t, addr, 0, "resource", "fail", "fr0"); out != "failed resource fr0\n" {
		t.Errorf("resource fail: %q", out)
	}
}
