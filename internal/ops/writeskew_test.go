package ops_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/batoncluster/baton/internal/clustertest"
	"github.com/batoncluster/baton/internal/ops"
)

// AddDependency checks for a cycle by reading other resources than the
// one it writes. Two concurrent calls that would close a cycle between
// them (a on b, b on a) each read the other's resource before the other
// wrote it: the store compares what each read, so one of them decides
// again, sees the other's dependency and is refused. Never both.
func TestConcurrentDependenciesMakeNoCycle(t *testing.T) {
	n := clustertest.New(t)
	ctx := context.Background()
	e := n.Ops()
	if _, err := e.CreateGroup(ctx, "G", nil, nil); err != nil {
		t.Fatal(err)
	}
	const pairs = 30
	for i := range pairs {
		for _, r := range []string{"a", "b"} {
			if _, err := e.CreateResource(ctx, fmt.Sprintf("%s%02d", r, i), "G", "dummy", nil, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	var wg sync.WaitGroup
	for i := range pairs {
		a, b := fmt.Sprintf("a%02d", i), fmt.Sprintf("b%02d", i)
		start := make(chan struct{})
		for _, d := range [][2]string{{a, b}, {b, a}} {
			wg.Go(func() {
				<-start
				_ = e.AddDependency(ctx, ops.ResourceRef{Name: d[0]}, d[1]) // one is refused
			})
		}
		close(start)
	}
	wg.Wait()
	v := n.Store().View()
	for i := range pairs {
		a, b := v.Resource(fmt.Sprintf("a%02d", i)), v.Resource(fmt.Sprintf("b%02d", i))
		if slices.Contains(a.DependsOn, b.Name) && slices.Contains(b.DependsOn, a.Name) {
			t.Errorf("%s and %s depend on each other", a.Name, b.Name)
		}
	}
}
