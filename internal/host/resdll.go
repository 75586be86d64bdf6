package host

import (
	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/store"
	"github.com/batoncluster/baton/proplist"
	"github.com/batoncluster/baton/restype"
)

// callFlags is what a type's Online or Offline is told of the operation
// that asked for it, as a Windows resource DLL's OnlineV2/OfflineV2 is:
// CLUS_RESDLL_* flags derived from the client's API flags and the kind of
// operation, the offline's reason and, for a move, its destination. The
// API flags themselves are the client's vocabulary, not the type's:
// 0x1 of a group offline and 0x1 of a move mean the same to a resource
// (ignore locked mode), 0x2 of a move and 0x2 of a resource offline do
// not.
type callFlags struct {
	online      uint32 // CLUS_RESDLL_ONLINE_*
	offline     uint32 // CLUS_RESDLL_OFFLINE_*
	reason      uint32 // CLUSAPI_RESOURCE_OFFLINE_REASON_*
	destination string
}

// callFlagsOf derives callFlags from op (nil: no operation, such as a
// restart after a failure the node decided itself).
func callFlagsOf(op *store.Operation) callFlags {
	c := callFlags{reason: wsfc.CLUSAPI_RESOURCE_OFFLINE_REASON_UNKNOWN}
	if op == nil {
		return c
	}
	set := func(dst *uint32, apiFlag, resdll uint32) {
		if op.Flags&apiFlag != 0 {
			*dst |= resdll
		}
	}
	switch op.Kind {
	case store.OpOfflineGroup:
		c.reason = wsfc.CLUSAPI_RESOURCE_OFFLINE_REASON_USER_REQUESTED
		set(&c.offline, wsfc.CLUSAPI_GROUP_OFFLINE_IGNORE_RESOURCE_STATUS, wsfc.CLUS_RESDLL_OFFLINE_IGNORE_RESOURCE_STATUS)
	case store.OpOfflineResource:
		c.reason = wsfc.CLUSAPI_RESOURCE_OFFLINE_REASON_USER_REQUESTED
		set(&c.offline, wsfc.CLUSAPI_RESOURCE_OFFLINE_IGNORE_RESOURCE_STATUS, wsfc.CLUS_RESDLL_OFFLINE_IGNORE_RESOURCE_STATUS)
		set(&c.offline, wsfc.CLUSAPI_RESOURCE_OFFLINE_DO_NOT_UPDATE_PERSISTENT_STATE, wsfc.CLUS_RESDLL_OFFLINE_DO_NOT_UPDATE_PERSISTENT_STATE)
	case store.OpOnlineGroup:
		set(&c.online, wsfc.CLUSAPI_GROUP_ONLINE_IGNORE_RESOURCE_STATUS, wsfc.CLUS_RESDLL_ONLINE_IGNORE_RESOURCE_STATUS)
	case store.OpOnlineResource:
		set(&c.online, wsfc.CLUSAPI_RESOURCE_ONLINE_IGNORE_RESOURCE_STATUS, wsfc.CLUS_RESDLL_ONLINE_IGNORE_RESOURCE_STATUS)
	case store.OpMoveGroup:
		c.reason, c.destination = wsfc.CLUSAPI_RESOURCE_OFFLINE_REASON_MOVING, op.To
		set(&c.offline, wsfc.CLUSAPI_GROUP_MOVE_IGNORE_RESOURCE_STATUS, wsfc.CLUS_RESDLL_OFFLINE_IGNORE_RESOURCE_STATUS)
		set(&c.offline, wsfc.CLUSAPI_GROUP_MOVE_RETURN_TO_SOURCE_NODE_ON_ERROR, wsfc.CLUS_RESDLL_OFFLINE_RETURN_TO_SOURCE_NODE_ON_ERROR)
		set(&c.offline, wsfc.CLUSAPI_GROUP_MOVE_QUEUE_ENABLED, wsfc.CLUS_RESDLL_OFFLINE_QUEUE_ENABLED)
		set(&c.online, wsfc.CLUSAPI_GROUP_MOVE_IGNORE_RESOURCE_STATUS, wsfc.CLUS_RESDLL_ONLINE_IGNORE_RESOURCE_STATUS)
		set(&c.online, wsfc.CLUSAPI_GROUP_MOVE_RETURN_TO_SOURCE_NODE_ON_ERROR, wsfc.CLUS_RESDLL_ONLINE_RETURN_TO_SOURCE_NODE_ON_ERROR)
	case store.OpReturnToSource:
		c.reason, c.destination = wsfc.CLUSAPI_RESOURCE_OFFLINE_REASON_MOVING, op.To
		c.offline = wsfc.CLUS_RESDLL_OFFLINE_RETURNING_TO_SOURCE_NODE_BECAUSE_OF_ERROR
	case store.OpMoveFailback:
		c.reason, c.destination = wsfc.CLUSAPI_RESOURCE_OFFLINE_REASON_MOVING, op.To
	case store.OpFailover:
		// The new owner brings back what ran on the node that was lost.
		c.online = wsfc.CLUS_RESDLL_ONLINE_RESTORE_ONLINE_STATE
	case store.OpRestart, store.OpRestartResource:
		c.reason = wsfc.CLUSAPI_RESOURCE_OFFLINE_REASON_BEING_RESTARTED
	}
	return c
}

// shuttingDown is what an offline at the agent's exit is told.
var shuttingDown = callFlags{reason: wsfc.CLUSAPI_RESOURCE_OFFLINE_REASON_SHUTTING_DOWN}

// offlineRequest is the type's OfflineRequest for c, with params.
func (c callFlags) offlineRequest(params proplist.List) restype.OfflineRequest {
	return restype.OfflineRequest{Flags: c.offline, Reason: c.reason, Destination: c.destination, Params: params}
}
