package host_test

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/clustertest"
	"github.com/batoncluster/baton/internal/ops"
	"github.com/batoncluster/baton/internal/procstat"
	"github.com/batoncluster/baton/internal/store"
	"github.com/batoncluster/baton/proplist"
)

// A group taken away from a node while its resources run there — as when
// etcd revokes a live node's lease and the leader fails its groups over —
// must not be forgotten running: the host terminates what it ran.
func TestGroupTakenAwayWhileRunningIsTerminated(t *testing.T) {
	n := clustertest.New(t)
	ctx := context.Background()
	e := n.Ops()
	if _, err := e.CreateGroup(ctx, "G", nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := e.CreateResource(ctx, "app", "G", "Generic Application", nil, proplist.List{
		{Name: "CommandLine", Values: []proplist.Value{proplist.SZ("/bin/sleep 600")}},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.OnlineGroup(ctx, ops.GroupRef{Name: "G"}, "", ops.Request{}); err != nil {
		t.Fatal(err)
	}
	n.AwaitGroup("G", wsfc.ClusterGroupOnline)
	pidProp, _ := n.Store().View().Status("app").Props.DWORD("Pid")
	pid := int(pidProp)
	if pid == 0 {
		t.Fatal("no Pid status property")
	}
	t.Cleanup(func() { _ = syscall.Kill(-pid, syscall.SIGKILL) })

	// What a failover does to a node it believes dead: the group belongs
	// to another node, the claim is gone.
	if _, err := n.Store().Update(ctx, func(v store.View, t *store.Txn) error {
		g := v.Group("G").Clone()
		g.OwnerNode = "elsewhere"
		t.PutGroup(g)
		if c := v.Claim("G"); c != nil {
			t.Delete(store.ClaimKey("G"), c.Rev)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, err := procstat.Read(pid)
		if err != nil || st.State == 'Z' {
			return // terminated
		}
		if time.Now().After(deadline) {
			t.Fatalf("process %d still runs 10 s after its group was taken away", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
