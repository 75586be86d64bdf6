package host

import (
	"testing"

	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/store"
)

// A type hears the CLUS_RESDLL_* flags, the offline reason and a move's
// destination, derived from the operation — never the client's API flags
// as they came, whose bits mean different things per call.
func TestCallFlagsOf(t *testing.T) {
	op := func(kind string, flags uint32, to string) *store.Operation {
		return &store.Operation{Kind: kind, Flags: flags, To: to}
	}
	for _, tc := range []struct {
		name string
		op   *store.Operation
		want callFlags
	}{
		{"no operation", nil, callFlags{reason: wsfc.CLUSAPI_RESOURCE_OFFLINE_REASON_UNKNOWN}},
		{"group offline", op(store.OpOfflineGroup, 0, ""), callFlags{reason: wsfc.CLUSAPI_RESOURCE_OFFLINE_REASON_USER_REQUESTED}},
		{"group offline ignoring locked mode", op(store.OpOfflineGroup, wsfc.CLUSAPI_GROUP_OFFLINE_IGNORE_RESOURCE_STATUS, ""),
			callFlags{offline: wsfc.CLUS_RESDLL_OFFLINE_IGNORE_RESOURCE_STATUS, reason: wsfc.CLUSAPI_RESOURCE_OFFLINE_REASON_USER_REQUESTED}},
		{"resource offline 0x2 (force) is not RESDLL 0x2", op(store.OpOfflineResource, wsfc.CLUSAPI_RESOURCE_OFFLINE_FORCE_WITH_TERMINATION, ""),
			callFlags{reason: wsfc.CLUSAPI_RESOURCE_OFFLINE_REASON_USER_REQUESTED}},
		{"resource offline keeping persistent state", op(store.OpOfflineResource, wsfc.CLUSAPI_RESOURCE_OFFLINE_IGNORE_RESOURCE_STATUS|wsfc.CLUSAPI_RESOURCE_OFFLINE_DO_NOT_UPDATE_PERSISTENT_STATE, ""),
			callFlags{offline: wsfc.CLUS_RESDLL_OFFLINE_IGNORE_RESOURCE_STATUS | wsfc.CLUS_RESDLL_OFFLINE_DO_NOT_UPDATE_PERSISTENT_STATE, reason: wsfc.CLUSAPI_RESOURCE_OFFLINE_REASON_USER_REQUESTED}},
		{"group online ignoring locked mode", op(store.OpOnlineGroup, wsfc.CLUSAPI_GROUP_ONLINE_IGNORE_RESOURCE_STATUS|wsfc.CLUSAPI_GROUP_ONLINE_SYNCHRONOUS, ""),
			callFlags{online: wsfc.CLUS_RESDLL_ONLINE_IGNORE_RESOURCE_STATUS, reason: wsfc.CLUSAPI_RESOURCE_OFFLINE_REASON_UNKNOWN}},
		{"resource online ignoring locked mode", op(store.OpOnlineResource, wsfc.CLUSAPI_RESOURCE_ONLINE_IGNORE_RESOURCE_STATUS, ""),
			callFlags{online: wsfc.CLUS_RESDLL_ONLINE_IGNORE_RESOURCE_STATUS, reason: wsfc.CLUSAPI_RESOURCE_OFFLINE_REASON_UNKNOWN}},
		{"move with every flag", op(store.OpMoveGroup, wsfc.ValidGroupMoveFlags, "n2"), callFlags{
			offline: wsfc.CLUS_RESDLL_OFFLINE_IGNORE_RESOURCE_STATUS | wsfc.CLUS_RESDLL_OFFLINE_RETURN_TO_SOURCE_NODE_ON_ERROR | wsfc.CLUS_RESDLL_OFFLINE_QUEUE_ENABLED,
			online:  wsfc.CLUS_RESDLL_ONLINE_IGNORE_RESOURCE_STATUS | wsfc.CLUS_RESDLL_ONLINE_RETURN_TO_SOURCE_NODE_ON_ERROR,
			reason:  wsfc.CLUSAPI_RESOURCE_OFFLINE_REASON_MOVING, destination: "n2"}},
		{"way back after a failed move", op(store.OpReturnToSource, 0, "n1"), callFlags{
			offline: wsfc.CLUS_RESDLL_OFFLINE_RETURNING_TO_SOURCE_NODE_BECAUSE_OF_ERROR, reason: wsfc.CLUSAPI_RESOURCE_OFFLINE_REASON_MOVING, destination: "n1"}},
		{"move failback", op(store.OpMoveFailback, 0, "n3"), callFlags{reason: wsfc.CLUSAPI_RESOURCE_OFFLINE_REASON_MOVING, destination: "n3"}},
		{"failover", op(store.OpFailover, 0, "n2"), callFlags{online: wsfc.CLUS_RESDLL_ONLINE_RESTORE_ONLINE_STATE, reason: wsfc.CLUSAPI_RESOURCE_OFFLINE_REASON_UNKNOWN}},
		{"restart", op(store.OpRestart, 0, ""), callFlags{reason: wsfc.CLUSAPI_RESOURCE_OFFLINE_REASON_BEING_RESTARTED}},
	} {
		if got := callFlagsOf(tc.op); got != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
}
