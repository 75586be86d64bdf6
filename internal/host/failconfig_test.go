package host_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/clustertest"
	"github.com/batoncluster/baton/internal/ops"
	"github.com/batoncluster/baton/internal/store"
	"github.com/batoncluster/baton/proplist"
)

// A resource its type cannot make on this node (here: its state
// directory is unusable) fails, and the operation that wanted it online
// ends failed rather than staying in progress for ever.
func TestResourceThatCannotBeMadeEndsItsOperation(t *testing.T) {
	n := clustertest.New(t)
	ctx := context.Background()
	e := n.Ops()
	if _, err := e.CreateGroup(ctx, "G", nil, nil); err != nil {
		t.Fatal(err)
	}
	r, err := e.CreateResource(ctx, "app", "G", "Generic Application", nil, proplist.List{
		{Name: "CommandLine", Values: []proplist.Value{proplist.SZ("/bin/sleep 600")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	// The pid file's place taken by a directory: the type cannot read it,
	// so a new agent cannot make the resource.
	if err := os.MkdirAll(filepath.Join(n.Dir, "resources", r.ID, "pid"), 0o755); err != nil {
		t.Fatal(err)
	}
	n.Restart()
	e = n.Ops()
	res, err := e.OnlineGroup(ctx, ops.GroupRef{Name: "G"}, "", ops.Request{})
	if err != nil || res.Status != wsfc.ERROR_IO_PENDING {
		t.Fatalf("online: %+v %v", res, err)
	}
	n.AwaitResource("app", wsfc.ClusterResourceFailed)
	n.Await(func(v store.View) bool {
		op := v.Operation(res.OperationID)
		return op != nil && !op.Finished.IsZero()
	}, "the online's operation to end")
	if op := n.Store().View().Operation(res.OperationID); op.Outcome != "failed" {
		t.Errorf("operation outcome %q, want failed", op.Outcome)
	}
}
