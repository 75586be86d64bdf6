package cli

import (
	"context"
	"testing"

	"github.com/batoncluster/baton/clusapi"
	"github.com/batoncluster/baton/internal/clustertest"
	"github.com/batoncluster/baton/internal/ops"
	"github.com/batoncluster/baton/internal/store"
)

// `baton resource rename`: an Online resource is renamed without being
// restarted (Onlines 1); refusals (missing resource, empty name, another
// resource's name, Read access) change nothing.
func TestResourceRename(t *testing.T) {
	n := clustertest.New(t)
	ctx := context.Background()
	e := n.Ops()
	addr := n.Addr()
	must[*store.Group](t)(e.CreateGroup(ctx, "G", nil, nil))
	must[*store.Resource](t)(e.CreateResource(ctx, "a", "G", "dummy", nil, nil))
	must[*store.Resource](t)(e.CreateResource(ctx, "b", "G", "dummy", []string{"a"}, nil))
	must[ops.Result](t)(e.OnlineGroup(ctx, ops.GroupRef{Name: "G"}, "", ops.Request{}))
	n.AwaitGroup("G", clusapi.ClusterGroupOnline)

	for _, c := range []struct {
		args []string
		want clusapi.Errno
	}{
		{[]string{"nosuch", "c"}, clusapi.ERROR_RESOURCE_NOT_FOUND},
		{[]string{"a", ""}, clusapi.ERROR_INVALID_NAME},
		{[]string{"a", "b"}, clusapi.ERROR_ALREADY_EXISTS},
	} {
		if code := cliErr(t, addr, append([]string{"resource", "rename"}, c.args...)...); code != uint32(c.want) {
			t.Errorf("rename %q: %d, want %v", c.args, code, c.want)
		}
	}
	if code := cliErr(t, addr, append(readOnly(t, n), "resource", "rename", "a", "c")...); code != uint32(clusapi.ERROR_ACCESS_DENIED) {
		t.Errorf("rename with Read access: %d, want ERROR_ACCESS_DENIED", code)
	}
	if v := n.Store().View(); v.Resource("a") == nil || v.Resource("c") != nil {
		t.Fatal("a refusal renamed a")
	}

	res := decode[opJSON](t, cli(t, addr, 0, "-o", "json", "resource", "rename", "a", "c"))
	if res.Resource != "c" || res.Status != 0 || res.StatusName != "ERROR_SUCCESS" {
		t.Errorf("resource rename -o json: %+v", res)
	}
	if out := cli(t, addr, 0, "resource", "rename", "c", "d"); out != "renamed resource c to d\n" {
		t.Errorf("resource rename: %q", out)
	}
	v := n.Store().View()
	if d := v.Resource("b").DependsOn; len(d) != 1 || d[0] != "d" {
		t.Errorf("b depends on %v, want [d]", d)
	}
	if on, _ := v.Status("d").Props.DWORD("Onlines"); on != 1 || v.ResourceState("d") != clusapi.ClusterResourceOnline {
		t.Errorf("d: %v, Onlines %d; want Online, 1", v.ResourceState("d"), on)
	}
}
