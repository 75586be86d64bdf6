package ops_test

import (
	"context"
	"testing"

	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/ops"
	"github.com/batoncluster/baton/internal/restypes/dummy"
	"github.com/batoncluster/baton/internal/store"
)

// The resource type hears CLUS_RESDLL_* flags and the offline's reason,
// not the client's API flags: the dummy reports what its last calls were
// told (a group offline with 0x1; a move with 0x1|0x2 onto the
// destination).
func TestTypesHearResdllFlags(t *testing.T) {
	ns := nodes(t, 2)
	n1 := ns[0]
	e := n1.Ops()
	ctx := context.Background()
	mustOK[*store.Group](t)(e.CreateGroup(ctx, "G", []string{"node1", "node2"}, nil))
	mustOK[*store.Resource](t)(e.CreateResource(ctx, "r", "G", "dummy", nil, nil))
	mustOK[ops.Result](t)(e.OnlineGroup(ctx, ops.GroupRef{Name: "G"}, "node1", ops.Request{}))
	awaitOnlineOn(t, n1, "G", "node1")

	reported := func(what string, want map[string]uint32) {
		t.Helper()
		n1.Await(func(v store.View) bool {
			st := v.Status("r")
			for name, w := range want {
				if got, ok := st.Props.DWORD(name); !ok || got != w {
					return false
				}
			}
			return true
		}, what)
	}
	mustOK[ops.Result](t)(e.OfflineGroup(ctx, ops.GroupRef{Name: "G"}, ops.Request{Flags: wsfc.CLUSAPI_GROUP_OFFLINE_IGNORE_RESOURCE_STATUS}))
	reported("the offline told IGNORE_RESOURCE_STATUS, USER_REQUESTED", map[string]uint32{
		dummy.StatusLastOfflineFlags:  wsfc.CLUS_RESDLL_OFFLINE_IGNORE_RESOURCE_STATUS,
		dummy.StatusLastOfflineReason: wsfc.CLUSAPI_RESOURCE_OFFLINE_REASON_USER_REQUESTED,
	})

	mustOK[ops.Result](t)(e.OnlineGroup(ctx, ops.GroupRef{Name: "G"}, "node1", ops.Request{}))
	awaitOnlineOn(t, n1, "G", "node1")
	mustOK[ops.Result](t)(e.MoveGroup(ctx, ops.GroupRef{Name: "G"}, "node2", ops.Request{
		Flags: wsfc.CLUSAPI_GROUP_MOVE_IGNORE_RESOURCE_STATUS | wsfc.CLUSAPI_GROUP_MOVE_RETURN_TO_SOURCE_NODE_ON_ERROR}))
	awaitOnlineOn(t, n1, "G", "node2")
	reported("the online on node2 told IGNORE_RESOURCE_STATUS|RETURN_TO_SOURCE_NODE_ON_ERROR", map[string]uint32{
		dummy.StatusLastOnlineFlags: wsfc.CLUS_RESDLL_ONLINE_IGNORE_RESOURCE_STATUS | wsfc.CLUS_RESDLL_ONLINE_RETURN_TO_SOURCE_NODE_ON_ERROR,
	})
}
