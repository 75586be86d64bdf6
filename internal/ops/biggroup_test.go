package ops_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/clustertest"
	"github.com/batoncluster/baton/internal/config"
	"github.com/batoncluster/baton/internal/etcdmember"
	"github.com/batoncluster/baton/internal/ops"
	"github.com/batoncluster/baton/internal/store"
)

// TestBigGroup changes one group too big for one transaction of its
// database: online, offline, move, failover (its owner stopped) and
// forced delete each succeed, split over several transactions
// (ops/split.go), and keep what one transaction guarantees: from an
// offline's 997 on no resource reads Online, and the group has one owner.
//
// By default the database is an etcd member with an etcd cluster's
// default limits (128 operations, 1.5 MiB per transaction) and the group
// has 300 resources, in chains of ten (each depending on the one before).
// BATON_BIG_GROUP=10000 runs it with that many resources against
// embedded-member limits (16,384 operations, 8 MiB) instead, and
// BATON_BIG_GROUP_OPS=128 keeps the small limits; it logs each step's
// time (docs/benchmarks.md).
func TestBigGroup(t *testing.T) {
	n, maxOps, maxBytes := 300, uint(128), uint(3<<19)
	if s := os.Getenv("BATON_BIG_GROUP"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil || n < 1 || n > 100000 {
			t.Fatalf("BATON_BIG_GROUP=%q: want 1 to 100000", s)
		}
		maxOps, maxBytes = 16384, etcdmember.MaxRequestBytes
		if s := os.Getenv("BATON_BIG_GROUP_OPS"); s != "" {
			maxOps, maxBytes = 128, 3<<19
		}
	}
	db := clustertest.NewDatabaseWith(t, func(c *etcdmember.Config) {
		c.MaxTxnOps, c.MaxRequestBytes = maxOps, maxBytes
	})
	node := func(name string) *clustertest.Node {
		return clustertest.NewWith(t, func(c *config.Config) {
			c.Name = name
			c.EtcdEndpoints = []string{"http://" + db.Addr}
		})
	}
	n1 := node("n1")
	n2 := node("n2")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	e := n1.Ops()
	const g = "Big"
	ref := ops.GroupRef{Name: g}
	if _, err := e.CreateGroup(ctx, g, []string{"n1", "n2"}, nil); err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	for i := range n {
		var deps []string
		if i%10 != 0 {
			deps = []string{fmt.Sprintf("r%05d", i-1)}
		}
		if _, err := e.CreateResource(ctx, fmt.Sprintf("r%05d", i), g, "dummy", deps, nil); err != nil {
			t.Fatalf("create resource %d: %v", i, err)
		}
	}
	t.Logf("%d dummy resources (chains of 10), limits %d operations and %d bytes per transaction: created in %v", n, maxOps, maxBytes, time.Since(t0).Round(time.Millisecond))

	// Each wait allows 20 s and 10 ms per resource.
	limit := 20*time.Second + time.Duration(n)*10*time.Millisecond
	// step times one call and the wait for its end.
	step := func(what string, call func() (ops.Result, error), settled func(v store.View) bool) ops.Result {
		t.Helper()
		t0 := time.Now()
		res, err := call()
		answered := time.Since(t0)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		awaitLong(t, n1, limit, settled, what)
		t.Logf("%-40s answered %v (%s) in %v, done in %v", what, res.Status, res.OperationID, answered.Round(time.Millisecond), time.Since(t0).Round(time.Millisecond))
		return res
	}
	onlineOn := func(owner string) func(v store.View) bool {
		return func(v store.View) bool {
			grp := v.Group(g)
			return grp != nil && grp.OwnerNode == owner && grp.Writing == "" && v.GroupState(grp) == wsfc.ClusterGroupOnline
		}
	}
	offline := func(v store.View) bool {
		grp := v.Group(g)
		return grp != nil && grp.Writing == "" && v.GroupState(grp) == wsfc.ClusterGroupOffline
	}

	step("online", func() (ops.Result, error) { return e.OnlineGroup(ctx, ref, "", ops.Request{}) }, onlineOn("n1"))
	awaitOutcomes(t, n1, g, limit)

	res := step("offline", func() (ops.Result, error) {
		res, err := e.OfflineGroup(ctx, ref, ops.Request{})
		if err == nil {
			// From the answer on, nothing reads Online.
			v := n1.Store().View()
			grp := v.Group(g)
			if s := v.GroupState(grp); s == wsfc.ClusterGroupOnline {
				t.Errorf("the group reads %s right after the offline's %v", s, res.Status)
			}
			for _, r := range v.GroupResources(grp) {
				if v.ResourceState(r.Name) == wsfc.ClusterResourceOnline {
					t.Errorf("resource %s reads Online right after the offline's %v", r.Name, res.Status)
					break
				}
			}
		}
		return res, err
	}, offline)
	if res.Status != wsfc.ERROR_IO_PENDING {
		t.Errorf("offline answered %v, want ERROR_IO_PENDING", res.Status)
	}
	awaitOutcomes(t, n1, g, limit)

	step("online again", func() (ops.Result, error) { return e.OnlineGroup(ctx, ref, "", ops.Request{}) }, onlineOn("n1"))
	awaitOutcomes(t, n1, g, limit)
	step("move to n2", func() (ops.Result, error) { return e.MoveGroup(ctx, ref, "n2", ops.Request{}) }, onlineOn("n2"))
	awaitOutcomes(t, n1, g, limit)

	// n2 stops: it takes the group offline, keeping its persistent state,
	// and revokes its lease; the controller (n1's) fails the group over.
	t0 = time.Now()
	n2.Agent.Close()
	awaitLong(t, n1, limit, onlineOn("n1"), "failover to n1")
	t.Logf("%-40s done in %v", "failover (n2 stopped) to n1", time.Since(t0).Round(time.Millisecond))
	awaitOutcomes(t, n1, g, limit)

	step("offline before the delete", func() (ops.Result, error) { return e.OfflineGroup(ctx, ref, ops.Request{}) }, offline)
	t0 = time.Now()
	if err := e.DeleteGroup(ctx, ref, true); err != nil {
		t.Fatalf("forced delete: %v", err)
	}
	v := n1.Store().View()
	if v.Group(g) != nil {
		t.Errorf("group %s still there after its forced delete", g)
	}
	for i := range n {
		if name := fmt.Sprintf("r%05d", i); v.Resource(name) != nil || v.Status(name) != nil {
			t.Fatalf("resource %s still there after its group's forced delete", name)
		}
	}
	t.Logf("%-40s done in %v", "forced delete", time.Since(t0).Round(time.Millisecond))
}

// awaitLong waits until cond holds on n's view, at most limit.
func awaitLong(t *testing.T, n *clustertest.Node, limit time.Duration, cond func(v store.View) bool, what string) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond(n.Store().View()) {
		if time.Now().After(deadline) {
			t.Fatalf("not %s within %v", what, limit)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// awaitOutcomes waits until every operation on group g has its outcome
// recorded (none still written in several transactions), and checks
// none failed.
func awaitOutcomes(t *testing.T, n *clustertest.Node, g string, limit time.Duration) {
	t.Helper()
	awaitLong(t, n, limit, func(v store.View) bool {
		for _, op := range v.Operations() {
			if op.Group == g && op.Finished.IsZero() {
				return false
			}
		}
		return true
	}, "every operation's outcome recorded")
	for _, op := range n.Store().View().Operations() {
		if op.Group == g && op.Outcome == "failed" {
			t.Errorf("operation %s (%s) failed: %s", op.ID, op.Kind, op.Detail)
		}
	}
}

// A big group's split change whose writer stopped after its head is
// finished by FinishSplits (the controller leader's, once it is older
// than ops.SplitAbandoned): here an offline's head, written by hand, took
// ten resources OfflinePending and left the group Writing.
func TestFinishSplits(t *testing.T) {
	db := clustertest.NewDatabaseWith(t, func(c *etcdmember.Config) { c.MaxTxnOps, c.MaxRequestBytes = 128, 3<<19 })
	n1 := clustertest.NewWith(t, func(c *config.Config) {
		c.Name = "n1"
		c.EtcdEndpoints = []string{"http://" + db.Addr}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	e := n1.Ops()
	const g, n = "Half", 200
	if _, err := e.CreateGroup(ctx, g, nil, nil); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if _, err := e.CreateResource(ctx, fmt.Sprintf("h%03d", i), g, "dummy", nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.OnlineGroup(ctx, ops.GroupRef{Name: g}, "", ops.Request{}); err != nil {
		t.Fatal(err)
	}
	n1.AwaitGroup(g, wsfc.ClusterGroupOnline)
	awaitOutcomes(t, n1, g, time.Minute)

	// The head of an offline whose writer stopped, a minute ago.
	op := &store.Operation{ID: "half-offline", Kind: store.OpOfflineGroup, Group: g, Caller: "test", Created: time.Now().Add(-time.Minute)}
	_, err := n1.Store().Update(ctx, func(v store.View, t *store.Txn) error {
		grp := v.Group(g).Clone()
		grp.PersistentState, grp.LastOperation, grp.Writing = 0, op.ID, op.ID
		t.PutGroup(grp)
		t.PutOperation(op)
		for i := range 10 {
			st := v.Status(fmt.Sprintf("h%03d", i)).Clone()
			st.State, st.Seq, st.OpID, st.OpParams = int32(wsfc.ClusterResourceOfflinePending), st.Seq+1, op.ID, true
			t.PutStatus(st)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The controller's leader (this node) calls it every few seconds
	// too: whichever comes first finishes it.
	if done, err := e.FinishSplits(ctx, time.Hour); err != nil || done != 0 {
		t.Fatalf("FinishSplits(1h) = %d, %v; want 0 (not abandoned by that measure), nil", done, err)
	}
	if _, err := e.FinishSplits(ctx, ops.SplitAbandoned); err != nil {
		t.Fatal(err)
	}
	n1.Await(func(v store.View) bool {
		grp := v.Group(g)
		return grp.Writing == "" && v.GroupState(grp) == wsfc.ClusterGroupOffline
	}, "the offline finished")
	awaitOutcomes(t, n1, g, time.Minute)
	if got := n1.Store().View().Operation(op.ID); got == nil || got.Outcome != "succeeded" {
		t.Errorf("the offline's record: %+v, want succeeded", got)
	}
}
