package host_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/clustertest"
	"github.com/batoncluster/baton/internal/config"
	"github.com/batoncluster/baton/internal/ledger"
	"github.com/batoncluster/baton/internal/ops"
	"github.com/batoncluster/baton/internal/store"
	"github.com/batoncluster/baton/proplist"
)

// chain creates group G of n dummies, each depending on the one before it,
// recording in a ledger, with the given delays.
func chain(t *testing.T, n *clustertest.Node, size int, props proplist.List) (names []string, led string) {
	t.Helper()
	ctx := context.Background()
	e := n.Ops()
	if _, err := e.CreateGroup(ctx, "G", nil, nil); err != nil {
		t.Fatal(err)
	}
	led = filepath.Join(t.TempDir(), "ledger")
	for i := range size {
		name := fmt.Sprintf("r%02d", i)
		var deps []string
		if i > 0 {
			deps = []string{names[i-1]}
		}
		if _, err := e.CreateResource(ctx, name, "G", "dummy", deps, props.Clone().Set("Ledger", proplist.SZ(led))); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	return names, led
}

// orderChecker follows every change of the database and remembers the
// first moment a resource read Online while one it depends on did not, or
// Offline while one that depends on it was neither Offline nor Failed: what
// the host runs ahead of the database must never show.
type orderChecker struct {
	mu   sync.Mutex
	bad  error
	stop func()
	done chan struct{}
}

func checkOrder(t *testing.T, st *store.Store) *orderChecker {
	ctx, cancel := context.WithCancel(context.Background())
	c := &orderChecker{stop: cancel, done: make(chan struct{})}
	ready := make(chan struct{})
	go func() {
		defer close(c.done)
		_ = st.History(ctx, 0, func(int64) { close(ready) }, func(ch store.Change, v store.View) error {
			if ch.Kind != "status" {
				return nil
			}
			r := v.Resource(ch.Name)
			if r == nil {
				return nil
			}
			state := v.ResourceState(r.Name)
			for _, p := range r.DependsOn {
				if state == wsfc.ClusterResourceOnline && v.ResourceState(p) != wsfc.ClusterResourceOnline {
					c.fail(fmt.Errorf("rev %d: %s reads Online while %s, which it depends on, is %v", ch.Rev, r.Name, p, v.ResourceState(p)))
				}
				if ps := v.ResourceState(p); ps == wsfc.ClusterResourceOffline && state != wsfc.ClusterResourceOffline && state != wsfc.ClusterResourceFailed {
					c.fail(fmt.Errorf("rev %d: %s reads Offline while %s, which depends on it, is %v", ch.Rev, p, r.Name, state))
				}
			}
			return nil
		})
	}()
	select {
	case <-ready:
	case <-time.After(10 * time.Second):
		t.Fatal("the history never started")
	}
	return c
}

func (c *orderChecker) fail(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.bad == nil {
		c.bad = err
	}
}

func (c *orderChecker) result() error {
	c.stop()
	<-c.done
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.bad
}

// A chain's members start as soon as the ones they wait for have returned,
// ahead of the writes of their outcomes; the database never shows a
// resource Online before what it depends on, nor Offline before what
// depends on it.
func TestChainOrderInTheDatabase(t *testing.T) {
	n := clustertest.New(t)
	ctx := context.Background()
	names, led := chain(t, n, 12, proplist.List{}.Set("OnlineDelayMs", proplist.DWORD(5)).Set("OfflineDelayMs", proplist.DWORD(5)))
	check := checkOrder(t, n.Store())
	for range 3 {
		if _, err := n.Ops().OnlineGroup(ctx, ops.GroupRef{Name: "G"}, "", ops.Request{}); err != nil {
			t.Fatal(err)
		}
		n.AwaitGroup("G", wsfc.ClusterGroupOnline)
		if _, err := n.Ops().OfflineGroup(ctx, ops.GroupRef{Name: "G"}, ops.Request{}); err != nil {
			t.Fatal(err)
		}
		n.AwaitGroup("G", wsfc.ClusterGroupOffline)
	}
	if err := check.result(); err != nil {
		t.Error(err)
	}
	// And the resources ran in that order: each came online after the one
	// it depends on, and went offline before it.
	evs, err := ledger.Read(led)
	if err != nil {
		t.Fatal(err)
	}
	last := map[string]ledger.Event{}
	for _, e := range evs {
		for i, name := range names {
			if e.Resource != name || i == 0 {
				continue
			}
			p := last[names[i-1]]
			if e.Kind == ledger.Online && p.Kind != ledger.Online {
				t.Errorf("%s came online while %s was %s (ledger line %d)", name, names[i-1], p.Kind, e.Line)
			}
		}
		for i, name := range names {
			if e.Resource == name && e.Kind == ledger.Offline && i+1 < len(names) && last[names[i+1]].Kind == ledger.Online {
				t.Errorf("%s went offline while %s still ran (ledger line %d)", name, names[i+1], e.Line)
			}
		}
		last[e.Resource] = e
	}
}

// A node stopped in the middle of a chain's online leaves the database
// saying what was done (or less: outcomes settled but not written are made
// again, start and stop being idempotent), and its next start finishes
// the online.
func TestChainInterruptedByRestart(t *testing.T) {
	// Stopped as a production agent stops: its in-process dummies cannot
	// outlive it.
	n := clustertest.NewWith(t, func(c *config.Config) { c.StopResourcesOnExit = true })
	ctx := context.Background()
	names, led := chain(t, n, 8, proplist.List{}.Set("OnlineDelayMs", proplist.DWORD(100)))
	check := checkOrder(t, n.Store())
	if _, err := n.Ops().OnlineGroup(ctx, ops.GroupRef{Name: "G"}, "", ops.Request{}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		evs, err := ledger.Read(led)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) >= 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the chain never got going")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := check.result(); err != nil {
		t.Error(err)
	}
	n.Restart()
	n.AwaitGroup("G", wsfc.ClusterGroupOnline)
	v := n.Store().View()
	for _, name := range names {
		if s := v.ResourceState(name); s != wsfc.ClusterResourceOnline {
			t.Errorf("%s is %v after the restart", name, s)
		}
	}
}
