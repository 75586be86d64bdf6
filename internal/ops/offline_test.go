package ops_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/clustertest"
	"github.com/batoncluster/baton/internal/ops"
	"github.com/batoncluster/baton/internal/store"
	"github.com/batoncluster/baton/proplist"
)

// demo creates the seed's DemoGroup: three dummy resources, r2 depending
// on r1, brought online.
func demo(t *testing.T, n *clustertest.Node, props proplist.List) {
	t.Helper()
	ctx := context.Background()
	e := n.Ops()
	if _, err := e.CreateGroup(ctx, "DemoGroup", nil, nil); err != nil {
		t.Fatal(err)
	}
	for _, r := range []struct {
		name string
		deps []string
	}{{"r1", nil}, {"r2", []string{"r1"}}, {"r3", nil}} {
		if _, err := e.CreateResource(ctx, r.name, "DemoGroup", "dummy", r.deps, props); err != nil {
			t.Fatal(err)
		}
	}
	res, err := e.OnlineGroup(ctx, ops.GroupRef{Name: "DemoGroup"}, "", ops.Request{})
	if err != nil || res.Status != wsfc.ERROR_IO_PENDING {
		t.Fatalf("online: %v %v", res, err)
	}
	n.AwaitGroup("DemoGroup", wsfc.ClusterGroupOnline)
}

// snapshot is everything an offline could change, as JSON, and the
// database revision.
func snapshot(t *testing.T, n *clustertest.Node) (string, int64) {
	t.Helper()
	if err := n.Store().Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	v := n.Store().View()
	g := v.Group("DemoGroup")
	parts := []any{g}
	if g != nil {
		for _, r := range v.GroupResources(g) {
			parts = append(parts, r, v.Status(r.Name))
		}
	}
	parts = append(parts, len(v.Operations()))
	b, err := json.Marshal(parts)
	if err != nil {
		t.Fatal(err)
	}
	return string(b), v.Rev()
}

func TestOfflineGroupRejectsAndChangesNothing(t *testing.T) {
	n := clustertest.New(t)
	demo(t, n, nil)
	ctx := context.Background()
	e := n.Ops()
	// Lock r3 (Online) for the locked-mode row.
	if _, err := e.SetResourceProperties(ctx, ops.ResourceRef{Name: "r3"}, proplist.List{
		{Name: "Locked", Values: []proplist.Value{proplist.DWORD(1)}},
		{Name: "LockedReason", Values: []proplist.Value{proplist.SZ("backup running")}},
	}); err != nil {
		t.Fatal(err)
	}
	n.Await(func(v store.View) bool { return v.Status("r3").Locked }, "r3 locked")
	good := proplist.List{{Name: "dummy", Values: []proplist.Value{proplist.DWORD(1)}}}.MarshalCompact()
	opened, err := e.OpenGroup("DemoGroup")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		ref  ops.GroupRef
		req  ops.Request
		want wsfc.Errno
	}{
		{"unknown flag 0x2", ops.GroupRef{Name: "DemoGroup"}, ops.Request{Flags: 0x2}, wsfc.ERROR_INVALID_PARAMETER},
		{"unknown flag 0x80000000 with 0x1", ops.GroupRef{Name: "DemoGroup"}, ops.Request{Flags: 0x80000001}, wsfc.ERROR_INVALID_PARAMETER},
		{"flags checked before the group", ops.GroupRef{Name: "NoSuchGroup"}, ops.Request{Flags: 0x4}, wsfc.ERROR_INVALID_PARAMETER},
		{"size larger than buffer", ops.GroupRef{Name: "DemoGroup"}, ops.Request{InBuffer: good, Size: uint32(len(good) + 4)}, wsfc.ERROR_INVALID_PARAMETER},
		{"size without buffer", ops.GroupRef{Name: "DemoGroup"}, ops.Request{Size: 8}, wsfc.ERROR_INVALID_PARAMETER},
		{"buffer without size", ops.GroupRef{Name: "DemoGroup"}, ops.Request{InBuffer: good}, wsfc.ERROR_INVALID_PARAMETER},
		{"truncated property list", ops.GroupRef{Name: "DemoGroup"}, ops.Request{InBuffer: good[:len(good)-6], Size: uint32(len(good) - 6)}, wsfc.ERROR_INVALID_PARAMETER},
		{"garbage buffer", ops.GroupRef{Name: "DemoGroup"}, ops.Request{InBuffer: []byte("hello world!"), Size: 12}, wsfc.ERROR_INVALID_PARAMETER},
		{"buffer checked before the group", ops.GroupRef{Name: "NoSuchGroup"}, ops.Request{InBuffer: []byte{1}, Size: 1}, wsfc.ERROR_INVALID_PARAMETER},
		{"unknown group", ops.GroupRef{Name: "NoSuchGroup"}, ops.Request{}, wsfc.ERROR_GROUP_NOT_FOUND},
		{"stale handle id", ops.GroupRef{Name: "DemoGroup", ID: "not-" + opened.ID}, ops.Request{}, wsfc.ERROR_GROUP_NOT_AVAILABLE},
		{"locked resource", ops.GroupRef{Name: "DemoGroup"}, ops.Request{InBuffer: good, Size: uint32(len(good))}, wsfc.ERROR_CLUSTER_RESOURCE_LOCKED_STATUS},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before, rev := snapshot(t, n)
			_, err := e.OfflineGroup(ctx, c.ref, c.req)
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			after, rev2 := snapshot(t, n)
			if before != after || rev != rev2 {
				t.Fatalf("a rejected call changed the database:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
	if s := n.Store().View().GroupState(n.Store().View().Group("DemoGroup")); s != wsfc.ClusterGroupOnline {
		t.Fatalf("group is %v after rejected calls, want Online", s)
	}
}

func TestOfflineGroupSeedFlow(t *testing.T) {
	n := clustertest.New(t)
	demo(t, n, nil)
	ctx := context.Background()
	e := n.Ops()
	// Locked r3: the ignore flag goes through anyway.
	if _, err := e.SetResourceProperties(ctx, ops.ResourceRef{Name: "r3"}, proplist.List{
		{Name: "Locked", Values: []proplist.Value{proplist.DWORD(1)}},
	}); err != nil {
		t.Fatal(err)
	}
	save := proplist.List{{Name: "dummy", Values: []proplist.Value{proplist.DWORD(1)}}}.MarshalCompact()
	res, err := e.OfflineGroup(ctx, ops.GroupRef{Name: "DemoGroup"}, ops.Request{
		Flags: wsfc.CLUSAPI_GROUP_OFFLINE_IGNORE_RESOURCE_STATUS, InBuffer: save, Size: uint32(len(save)), Caller: "test"})
	if err != nil || res.Status != wsfc.ERROR_IO_PENDING {
		t.Fatalf("offline = %v, %v; want ERROR_IO_PENDING", res, err)
	}
	// From the answer on, nobody reads the group as Online.
	v := n.Store().View()
	if s := v.GroupState(v.Group("DemoGroup")); s != wsfc.ClusterGroupPending && s != wsfc.ClusterGroupOffline {
		t.Fatalf("right after 997 the group is %v", s)
	}
	// The operation was recorded with its flags, buffer and caller.
	op := v.Operation(res.OperationID)
	if op == nil || op.Flags != 1 || string(op.InBuffer) != string(save) || op.Caller != "test" || op.Kind != store.OpOfflineGroup {
		t.Fatalf("operation record = %+v", op)
	}
	if g := v.Group("DemoGroup"); g.PersistentState != 0 {
		t.Fatal("persistent state not recorded as offline")
	}
	n.AwaitGroup("DemoGroup", wsfc.ClusterGroupOffline)
	v = n.Store().View()
	for _, r := range []string{"r1", "r2", "r3"} {
		if a, _ := v.Status(r).Props.String("LastOfflineAction"); a != "Save" {
			t.Errorf("%s LastOfflineAction = %q, want Save (the buffer reaches every online resource)", r, a)
		}
	}
	n.Await(func(v store.View) bool {
		op := v.Operation(res.OperationID)
		return op != nil && op.Outcome == "succeeded"
	}, "operation outcome")
	// Offline of an offline group answers 0.
	res, err = e.OfflineGroup(ctx, ops.GroupRef{Name: "DemoGroup"}, ops.Request{})
	if err != nil || res.Status != wsfc.ERROR_SUCCESS {
		t.Fatalf("second offline = %v, %v; want ERROR_SUCCESS", res, err)
	}
	// Online restores the saved state.
	if _, err := e.OnlineGroup(ctx, ops.GroupRef{Name: "DemoGroup"}, "", ops.Request{}); err != nil {
		t.Fatal(err)
	}
	n.AwaitGroup("DemoGroup", wsfc.ClusterGroupOnline)
	if r, _ := n.Store().View().Status("r1").Props.DWORD("RestoredSavedState"); r != 1 {
		t.Error("online after a save did not restore the saved state")
	}
}

func TestOfflineOrderJoinAndSupersede(t *testing.T) {
	n := clustertest.New(t)
	slow := proplist.List{{Name: "OfflineDelayMs", Values: []proplist.Value{proplist.DWORD(300)}}}
	demo(t, n, slow)
	ctx := context.Background()
	e := n.Ops()
	res, err := e.OfflineGroup(ctx, ops.GroupRef{Name: "DemoGroup"}, ops.Request{})
	if err != nil || res.Status != wsfc.ERROR_IO_PENDING {
		t.Fatal(res, err)
	}
	// A second offline while the first runs joins it.
	res2, err := e.OfflineGroup(ctx, ops.GroupRef{Name: "DemoGroup"}, ops.Request{})
	if err != nil || res2.Status != wsfc.ERROR_IO_PENDING || res2.OperationID != res.OperationID {
		t.Fatalf("joined offline = %+v, %v; want 997 with op %s", res2, err, res.OperationID)
	}
	// Dependents first: r1 must not go offline while r2 is still online
	// or going offline.
	n.Await(func(v store.View) bool {
		r1, r2, r3 := v.ResourceState("r1"), v.ResourceState("r2"), v.ResourceState("r3")
		if r1 == wsfc.ClusterResourceOffline && r2 != wsfc.ClusterResourceOffline {
			t.Errorf("r1 went offline before its dependent r2 (r2 is %v)", r2)
		}
		return r1 == wsfc.ClusterResourceOffline && r2 == wsfc.ClusterResourceOffline && r3 == wsfc.ClusterResourceOffline
	}, "all offline")

	// An offline issued while an online is pending supersedes it.
	if _, err := e.SetResourceProperties(ctx, ops.ResourceRef{Name: "r3"}, proplist.List{
		{Name: "OnlineDelayMs", Values: []proplist.Value{proplist.DWORD(60000)}},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.OnlineGroup(ctx, ops.GroupRef{Name: "DemoGroup"}, "", ops.Request{}); err != nil {
		t.Fatal(err)
	}
	n.AwaitResource("r1", wsfc.ClusterResourceOnline)
	res, err = e.OfflineGroup(ctx, ops.GroupRef{Name: "DemoGroup"}, ops.Request{})
	if err != nil || res.Status != wsfc.ERROR_IO_PENDING {
		t.Fatal(res, err)
	}
	n.AwaitGroup("DemoGroup", wsfc.ClusterGroupOffline) // well before r3's 60 s online
}

func TestPendingTimeoutFails(t *testing.T) {
	n := clustertest.New(t)
	ctx := context.Background()
	e := n.Ops()
	if _, err := e.CreateGroup(ctx, "G", nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := e.CreateResource(ctx, "slow", "G", "dummy", nil, proplist.List{
		{Name: "OfflineDelayMs", Values: []proplist.Value{proplist.DWORD(60000)}},
		{Name: "PendingTimeout", Values: []proplist.Value{proplist.DWORD(200)}},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.OnlineGroup(ctx, ops.GroupRef{Name: "G"}, "", ops.Request{}); err != nil {
		t.Fatal(err)
	}
	n.AwaitGroup("G", wsfc.ClusterGroupOnline)
	if _, err := e.OfflineGroup(ctx, ops.GroupRef{Name: "G"}, ops.Request{}); err != nil {
		t.Fatal(err)
	}
	n.AwaitGroup("G", wsfc.ClusterGroupFailed)
	if st := n.Store().View().Status("slow"); st.LastError == "" {
		t.Error("a failed offline says nothing about why")
	}
}
