package cli

import (
	"context"
	"strings"
	"testing"

	"github.com/batoncluster/baton/internal/clustertest"
	"github.com/batoncluster/baton/internal/store"
)

// Shell completion offers the names of the groups, resources and nodes
// for a verb's first argument, and nothing (no files) after it.
func TestCompletionNames(t *testing.T) {
	n := clustertest.New(t)
	ctx := context.Background()
	e := n.Ops()
	for _, g := range []string{"G1", "G2"} {
		must[*store.Group](t)(e.CreateGroup(ctx, g, nil, nil))
	}
	must[*store.Resource](t)(e.CreateResource(ctx, "r1", "G1", "dummy", nil, nil))
	addr := n.Addr()
	node := decode[[]nodeJSON](t, cli(t, addr, 0, "-o", "json", "node", "list"))[0].Name
	for _, tt := range []struct {
		args []string
		want string // the names, then the directive (4: no file completion)
	}{
		{[]string{"group", "show", ""}, "G1 G2 :4"},
		{[]string{"resource", "state", ""}, "r1 :4"},
		{[]string{"node", "pause", ""}, node + " :4"},
		{[]string{"group", "show", "G1", ""}, ":4"},
	} {
		out := cli(t, addr, 0, append([]string{"__complete"}, tt.args...)...)
		// cobra ends the answer with the directive's line and a note on
		// standard error; keep the names and the directive.
		var got []string
		for _, l := range strings.Split(out, "\n") {
			got = append(got, l)
			if strings.HasPrefix(l, ":") {
				break
			}
		}
		if g := strings.Join(got, " "); g != tt.want {
			t.Errorf("__complete %q: %q, want %q", tt.args, out, tt.want)
		}
	}
}
