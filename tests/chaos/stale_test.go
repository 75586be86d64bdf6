//go:build linux

package chaos

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/batoncluster/baton/clusapi"
	"github.com/batoncluster/baton/proplist"
)

// A node cut off from the others must not answer from the past. Its
// cache stops where the partition began, so a call that changes nothing
// on that stale view — an offline of a group it still sees offline, a
// delete of a resource it has not heard of — would answer ERROR_SUCCESS
// or ERROR_RESOURCE_NOT_FOUND, although the group was brought online and
// the resource created through another node after the cut: an
// acknowledged change the caller is told did not happen. (The campaign
// found both, seed 20261207: rounds 9 and 31.) Such an answer must wait
// for the database to confirm it; cut off, the node cannot, and says so.
func TestStaleAnswers(t *testing.T) {
	c, err := NewCluster(Config{Bin: batonBin, Dir: testDir(t), Nodes: 3, Log: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Error(err)
		}
	})
	ctx := context.Background()
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	// The node cut off is not the database leader, so that the others
	// go on at once.
	var leader *Node
	if err := Await(ctx, 10*time.Second, "a database leader", func() (bool, string) {
		leader = c.DBLeader()
		return leader != nil, ""
	}); err != nil {
		t.Fatal(err)
	}
	n3 := c.Others(leader)[0]
	n1 := c.Others(n3)[0]
	cl := n1.Client()
	if _, err := cl.Groups().Create(ctx, "G", clusapi.CreateGroupOptions{PreferredOwners: []string{"n1", "n2"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.Resources().Create(ctx, "G-r", "G", "dummy", clusapi.CreateResourceOptions{Properties: resourceProps(c.Ledger)}); err != nil {
		t.Fatal(err)
	}
	// n3 has seen G (offline) before it is cut off.
	if err := Await(ctx, 10*time.Second, "n3 seeing G", func() (bool, string) {
		_, err := n3.Client().Groups().Get(ctx, "G")
		return err == nil, ""
	}); err != nil {
		t.Fatal(err)
	}
	if err := c.Net.Isolate(n3.Index); err != nil {
		t.Fatal(err)
	}
	op, err := cl.Groups().Online(ctx, "G", clusapi.OnlineOptions{})
	if err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if st, err := op.Wait(wctx); err != nil || st != clusapi.ClusterGroupOnline {
		t.Fatalf("online of G through n1: %v %v", st, err)
	}
	if _, err := cl.Resources().Create(ctx, "X", "G", "dummy", clusapi.CreateResourceOptions{Properties: proplist.List{}}); err != nil {
		t.Fatal(err)
	}

	stale := n3.Client()
	cctx, cancel := context.WithTimeout(ctx, 6*time.Second)
	defer cancel()
	_, err = stale.Groups().Offline(cctx, "G", clusapi.OfflineOptions{})
	if err == nil {
		// Offline answered; it must then have taken effect.
		if g, gerr := cl.Groups().Get(ctx, "G"); gerr != nil || g.PersistentState != 0 {
			t.Errorf("n3, cut off, answered an offline of G with success, but through n1 G is persistently %v (%v): an answer from n3's stale cache", g.PersistentState, gerr)
		}
	} else {
		t.Logf("offline through the cut-off n3: %v", err)
	}
	cctx, cancel = context.WithTimeout(ctx, 6*time.Second)
	defer cancel()
	err = stale.Resources().Delete(cctx, "X")
	if errors.Is(err, clusapi.ERROR_RESOURCE_NOT_FOUND) {
		t.Errorf("n3, cut off, answered that X does not exist, though it was created through n1: %v", err)
	} else {
		t.Logf("delete of X through the cut-off n3: %v", err)
	}
	if err := c.Net.Heal(); err != nil {
		t.Fatal(err)
	}
}
