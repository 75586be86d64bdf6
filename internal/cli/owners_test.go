package cli

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/batoncluster/baton/clusapi"
	"github.com/batoncluster/baton/internal/clustertest"
	"github.com/batoncluster/baton/internal/store"
)

// `baton resource owners`: print (text and -o json), --remove and --add,
// the codes of a refusal; `resource show` gives an explicit list only.
func TestResourceOwners(t *testing.T) {
	n := clustertest.New(t)
	ctx := context.Background()
	e := n.Ops()
	addr := n.Addr()
	me := n.Store().View().Nodes()[0].Name
	must[*store.Group](t)(e.CreateGroup(ctx, "G", nil, nil))
	must[*store.Resource](t)(e.CreateResource(ctx, "r", "G", "dummy", nil, nil))

	if out := cli(t, addr, 0, "resource", "owners", "r"); out != me+"\n(every node)\n" {
		t.Errorf("default: %q", out)
	}
	if j := decode[ownersJSON](t, cli(t, addr, 0, "-o", "json", "resource", "owners", "r")); j.Explicit || !slices.Equal(j.Nodes, []string{me}) {
		t.Errorf("default -o json: %+v", j)
	}
	if out := cli(t, addr, 0, "-o", "json", "resource", "show", "r"); strings.Contains(out, "possibleOwners") {
		t.Errorf("show of the default has possibleOwners: %s", out)
	}
	if code := cliErr(t, addr, "resource", "owners", "r", "--add", me); code != uint32(clusapi.ERROR_OBJECT_ALREADY_EXISTS) {
		t.Errorf("--add of a possible owner: %d, want 5010", code)
	}
	if code := cliErr(t, addr, "resource", "owners", "r", "--remove", "nosuch"); code != uint32(clusapi.ERROR_CLUSTER_NODE_NOT_FOUND) {
		t.Errorf("--remove of no node: %d, want 5042", code)
	}
	if out := cli(t, addr, 0, "resource", "owners", "r", "--remove", me); out != "(no node)\n" {
		t.Errorf("after --remove: %q", out)
	}
	j := decode[ownersJSON](t, cli(t, addr, 0, "-o", "json", "resource", "owners", "r"))
	if !j.Explicit || j.Nodes == nil || len(j.Nodes) != 0 {
		t.Errorf("after --remove, -o json: %+v", j)
	}
	if out := cli(t, addr, 0, "-o", "json", "resource", "show", "r"); !strings.Contains(out, `"possibleOwners":[]`) {
		t.Errorf("show of an empty list: %s", out)
	}
	if out := cli(t, addr, 0, "resource", "show", "r"); !strings.Contains(out, "possible owners:") {
		t.Errorf("show text: %s", out)
	}
	if out := cli(t, addr, 0, "resource", "owners", "r", "--add", me); out != me+"\n" {
		t.Errorf("after --add: %q", out)
	}
}
