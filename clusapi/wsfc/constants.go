package wsfc

import (
	"strconv"
	"strings"
)

// Flag, state, access and notification constants of the WSFC cluster API
// (clusapi.h). Names are the exact header names so that code and
// documentation can be cross-referenced; all flag values are typed uint32
// (DWORD) unless stated otherwise.

// Flags of OfflineClusterGroupEx (dwOfflineFlags).
const (
	// CLUSAPI_GROUP_OFFLINE_IGNORE_RESOURCE_STATUS takes the group offline even
	// if it or one of its resources is in locked mode. It is the only
	// offline-group flag defined by the header (the documentation's
	// "..._IGNORE_RESOURCE_LOCKED_STATUS" spellings do not exist).
	CLUSAPI_GROUP_OFFLINE_IGNORE_RESOURCE_STATUS uint32 = 0x00000001
)

// Flags of OnlineClusterGroupEx (dwOnlineFlags).
const (
	CLUSAPI_GROUP_ONLINE_IGNORE_RESOURCE_STATUS uint32 = 0x00000001 // ignore locked mode
	CLUSAPI_GROUP_ONLINE_SYNCHRONOUS            uint32 = 0x00000002 // complete synchronously
	CLUSAPI_GROUP_ONLINE_BEST_POSSIBLE_NODE     uint32 = 0x00000004 // server chooses the best node
	CLUSAPI_GROUP_ONLINE_IGNORE_AFFINITY_RULE   uint32 = 0x00000008 // ignore (anti-)affinity rules
)

// Flags of MoveClusterGroupEx (dwMoveFlags).
const (
	CLUSAPI_GROUP_MOVE_IGNORE_RESOURCE_STATUS         uint32 = 0x00000001 // ignore locked mode
	CLUSAPI_GROUP_MOVE_RETURN_TO_SOURCE_NODE_ON_ERROR uint32 = 0x00000002 // move back to the source node on failure
	CLUSAPI_GROUP_MOVE_QUEUE_ENABLED                  uint32 = 0x00000004 // queue the move while policy blocks it
	CLUSAPI_GROUP_MOVE_HIGH_PRIORITY_START            uint32 = 0x00000008 // start ASAP, ignoring ordering/priority
	CLUSAPI_GROUP_MOVE_FAILBACK                       uint32 = 0x00000010 // fail back if the move fails
	CLUSAPI_GROUP_MOVE_IGNORE_AFFINITY_RULE           uint32 = 0x00000020 // ignore (anti-)affinity rules
)

// Flags of OnlineClusterResourceEx (dwOnlineFlags). Note that 0x10 is unused.
const (
	CLUSAPI_RESOURCE_ONLINE_IGNORE_RESOURCE_STATUS         uint32 = 0x00000001 // ignore locked mode (resource and providers)
	CLUSAPI_RESOURCE_ONLINE_DO_NOT_UPDATE_PERSISTENT_STATE uint32 = 0x00000002
	CLUSAPI_RESOURCE_ONLINE_NECESSARY_FOR_QUORUM           uint32 = 0x00000004
	CLUSAPI_RESOURCE_ONLINE_BEST_POSSIBLE_NODE             uint32 = 0x00000008
	CLUSAPI_RESOURCE_ONLINE_IGNORE_AFFINITY_RULE           uint32 = 0x00000020
)

// Flags of OfflineClusterResourceEx (dwOfflineFlags).
const (
	CLUSAPI_RESOURCE_OFFLINE_IGNORE_RESOURCE_STATUS         uint32 = 0x00000001 // ignore locked mode (resource and dependents)
	CLUSAPI_RESOURCE_OFFLINE_FORCE_WITH_TERMINATION         uint32 = 0x00000002 // terminate rather than wait
	CLUSAPI_RESOURCE_OFFLINE_DO_NOT_UPDATE_PERSISTENT_STATE uint32 = 0x00000004
)

// Offline reason codes handed by the resource host (RHS) to version 2+
// resource DLLs. These are NOT flags of OfflineClusterResourceEx, even though
// the API documentation lists them there (their values collide with the
// real flags).
const (
	CLUSAPI_RESOURCE_OFFLINE_REASON_NONE            uint32 = 0x00000000
	CLUSAPI_RESOURCE_OFFLINE_REASON_UNKNOWN         uint32 = 0x00000001
	CLUSAPI_RESOURCE_OFFLINE_REASON_MOVING          uint32 = 0x00000002
	CLUSAPI_RESOURCE_OFFLINE_REASON_USER_REQUESTED  uint32 = 0x00000004
	CLUSAPI_RESOURCE_OFFLINE_REASON_BEING_DELETED   uint32 = 0x00000008
	CLUSAPI_RESOURCE_OFFLINE_REASON_BEING_RESTARTED uint32 = 0x00000010
	CLUSAPI_RESOURCE_OFFLINE_REASON_PREEMPTED       uint32 = 0x00000020
	CLUSAPI_RESOURCE_OFFLINE_REASON_SHUTTING_DOWN   uint32 = 0x00000040
)

// Flags of ChangeClusterResourceGroupEx.
const (
	CLUSAPI_CHANGE_RESOURCE_GROUP_FORCE_MOVE_TO_CSV uint32 = 0x00000001
	CLUSAPI_VALID_CHANGE_RESOURCE_GROUP_FLAGS       uint32 = CLUSAPI_CHANGE_RESOURCE_GROUP_FORCE_MOVE_TO_CSV
)

// Values of the group common property LockedFromMoving
// (CLUSREG_NAME_GRP_LOCK_MOVE).
const (
	CLUS_GRP_MOVE_ALLOWED uint32 = 0
	CLUS_GRP_MOVE_LOCKED  uint32 = 1
)

// Flags of PauseClusterNodeEx.
const (
	CLUSAPI_NODE_PAUSE_REMAIN_ON_PAUSED_NODE_ON_MOVE_ERROR uint32 = 0x00000001
	CLUSAPI_NODE_AVOID_PLACEMENT                           uint32 = 0x00000002
	CLUSAPI_NODE_PAUSE_RETRY_DRAIN_ON_FAILURE              uint32 = 0x00000004
)

// Masks of all defined flag bits of the Ex state-change calls. A server
// rejects a flags value with any bit outside the mask (flags&^mask != 0);
// the reference's recommendation for that case is ERROR_INVALID_PARAMETER.
const (
	// ValidGroupOfflineFlags = 0x1.
	ValidGroupOfflineFlags uint32 = CLUSAPI_GROUP_OFFLINE_IGNORE_RESOURCE_STATUS

	// ValidGroupOnlineFlags = 0xF.
	ValidGroupOnlineFlags uint32 = CLUSAPI_GROUP_ONLINE_IGNORE_RESOURCE_STATUS |
		CLUSAPI_GROUP_ONLINE_SYNCHRONOUS |
		CLUSAPI_GROUP_ONLINE_BEST_POSSIBLE_NODE |
		CLUSAPI_GROUP_ONLINE_IGNORE_AFFINITY_RULE

	// ValidGroupMoveFlags = 0x3F.
	ValidGroupMoveFlags uint32 = CLUSAPI_GROUP_MOVE_IGNORE_RESOURCE_STATUS |
		CLUSAPI_GROUP_MOVE_RETURN_TO_SOURCE_NODE_ON_ERROR |
		CLUSAPI_GROUP_MOVE_QUEUE_ENABLED |
		CLUSAPI_GROUP_MOVE_HIGH_PRIORITY_START |
		CLUSAPI_GROUP_MOVE_FAILBACK |
		CLUSAPI_GROUP_MOVE_IGNORE_AFFINITY_RULE

	// ValidResourceOnlineFlags = 0x2F (0x10 is not defined).
	ValidResourceOnlineFlags uint32 = CLUSAPI_RESOURCE_ONLINE_IGNORE_RESOURCE_STATUS |
		CLUSAPI_RESOURCE_ONLINE_DO_NOT_UPDATE_PERSISTENT_STATE |
		CLUSAPI_RESOURCE_ONLINE_NECESSARY_FOR_QUORUM |
		CLUSAPI_RESOURCE_ONLINE_BEST_POSSIBLE_NODE |
		CLUSAPI_RESOURCE_ONLINE_IGNORE_AFFINITY_RULE

	// ValidResourceOfflineFlags = 0x7.
	ValidResourceOfflineFlags uint32 = CLUSAPI_RESOURCE_OFFLINE_IGNORE_RESOURCE_STATUS |
		CLUSAPI_RESOURCE_OFFLINE_FORCE_WITH_TERMINATION |
		CLUSAPI_RESOURCE_OFFLINE_DO_NOT_UPDATE_PERSISTENT_STATE
)

// ClusterGroupState is CLUSTER_GROUP_STATE, the state of a group as returned
// by GetClusterGroupState.
type ClusterGroupState int32

// CLUSTER_GROUP_STATE values. (The Microsoft Learn page showing
// ClusterGroupOnline = 206 is wrong; the header value is 0.)
const (
	ClusterGroupStateUnknown  ClusterGroupState = -1
	ClusterGroupOnline        ClusterGroupState = 0
	ClusterGroupOffline       ClusterGroupState = 1
	ClusterGroupFailed        ClusterGroupState = 2
	ClusterGroupPartialOnline ClusterGroupState = 3
	ClusterGroupPending       ClusterGroupState = 4
)

var clusterGroupStateNames = map[ClusterGroupState]string{
	ClusterGroupStateUnknown:  "Unknown",
	ClusterGroupOnline:        "Online",
	ClusterGroupOffline:       "Offline",
	ClusterGroupFailed:        "Failed",
	ClusterGroupPartialOnline: "PartialOnline",
	ClusterGroupPending:       "Pending",
}

// String returns the short name of s ("Online", "Offline", "Failed",
// "PartialOnline", "Pending", "Unknown"), or "ClusterGroupState(N)" for an
// undefined value.
func (s ClusterGroupState) String() string {
	if n, ok := clusterGroupStateNames[s]; ok {
		return n
	}
	return "ClusterGroupState(" + strconv.FormatInt(int64(s), 10) + ")"
}

// ParseClusterGroupState parses a short state name as returned by String,
// ignoring case. ok is false if name is not a known state name.
func ParseClusterGroupState(name string) (ClusterGroupState, bool) {
	for s, n := range clusterGroupStateNames {
		if strings.EqualFold(n, name) {
			return s, true
		}
	}
	return ClusterGroupStateUnknown, false
}

// ClusterResourceState is CLUSTER_RESOURCE_STATE, the state of a resource as
// returned by GetClusterResourceState.
type ClusterResourceState int32

// CLUSTER_RESOURCE_STATE values. ClusterResourceInherited is an API-only
// value, not a wire value of MS-CMRP.
const (
	ClusterResourceStateUnknown   ClusterResourceState = -1
	ClusterResourceInherited      ClusterResourceState = 0
	ClusterResourceInitializing   ClusterResourceState = 1
	ClusterResourceOnline         ClusterResourceState = 2
	ClusterResourceOffline        ClusterResourceState = 3
	ClusterResourceFailed         ClusterResourceState = 4
	ClusterResourcePending        ClusterResourceState = 128 // 0x80
	ClusterResourceOnlinePending  ClusterResourceState = 129 // 0x81
	ClusterResourceOfflinePending ClusterResourceState = 130 // 0x82
)

var clusterResourceStateNames = map[ClusterResourceState]string{
	ClusterResourceStateUnknown:   "Unknown",
	ClusterResourceInherited:      "Inherited",
	ClusterResourceInitializing:   "Initializing",
	ClusterResourceOnline:         "Online",
	ClusterResourceOffline:        "Offline",
	ClusterResourceFailed:         "Failed",
	ClusterResourcePending:        "Pending",
	ClusterResourceOnlinePending:  "OnlinePending",
	ClusterResourceOfflinePending: "OfflinePending",
}

// String returns the short name of s ("Online", "Offline", "Failed",
// "OnlinePending", "OfflinePending", "Pending", "Initializing", "Inherited",
// "Unknown"), or "ClusterResourceState(N)" for an undefined value.
func (s ClusterResourceState) String() string {
	if n, ok := clusterResourceStateNames[s]; ok {
		return n
	}
	return "ClusterResourceState(" + strconv.FormatInt(int64(s), 10) + ")"
}

// IsPending reports whether s is one of the pending states
// (ClusterResourcePending, ClusterResourceOnlinePending,
// ClusterResourceOfflinePending; 128..130).
func (s ClusterResourceState) IsPending() bool {
	return s >= ClusterResourcePending && s <= ClusterResourceOfflinePending
}

// ParseClusterResourceState parses a short state name as returned by String,
// ignoring case. ok is false if name is not a known state name.
func ParseClusterResourceState(name string) (ClusterResourceState, bool) {
	for s, n := range clusterResourceStateNames {
		if strings.EqualFold(n, name) {
			return s, true
		}
	}
	return ClusterResourceStateUnknown, false
}

// ClusterNodeState is CLUSTER_NODE_STATE, the state of a cluster node.
type ClusterNodeState int32

// CLUSTER_NODE_STATE values.
const (
	ClusterNodeStateUnknown ClusterNodeState = -1
	ClusterNodeUp           ClusterNodeState = 0
	ClusterNodeDown         ClusterNodeState = 1
	ClusterNodePaused       ClusterNodeState = 2
	ClusterNodeJoining      ClusterNodeState = 3
)

var clusterNodeStateNames = map[ClusterNodeState]string{
	ClusterNodeStateUnknown: "Unknown",
	ClusterNodeUp:           "Up",
	ClusterNodeDown:         "Down",
	ClusterNodePaused:       "Paused",
	ClusterNodeJoining:      "Joining",
}

// String returns the short name of s ("Up", "Down", "Paused", "Joining",
// "Unknown"), or "ClusterNodeState(N)" for an undefined value.
func (s ClusterNodeState) String() string {
	if n, ok := clusterNodeStateNames[s]; ok {
		return n
	}
	return "ClusterNodeState(" + strconv.FormatInt(int64(s), 10) + ")"
}

// ParseClusterNodeState parses a short state name as returned by String,
// ignoring case. ok is false if name is not a known state name.
func ParseClusterNodeState(name string) (ClusterNodeState, bool) {
	for s, n := range clusterNodeStateNames {
		if strings.EqualFold(n, name) {
			return s, true
		}
	}
	return ClusterNodeStateUnknown, false
}

// CLUSTER_GROUP_PRIORITY values (group common property Priority; default
// PriorityMedium). PriorityDisabled means the group is never started
// automatically.
const (
	PriorityDisabled uint32 = 0
	PriorityLow      uint32 = 1000
	PriorityMedium   uint32 = 2000
	PriorityHigh     uint32 = 3000
)

// CLUSTER_GROUP_AUTOFAILBACK_TYPE values (group common property
// AutoFailbackType; default ClusterGroupPreventFailback).
const (
	ClusterGroupPreventFailback uint32 = 0
	ClusterGroupAllowFailback   uint32 = 1
)

// CLUSTER_RESOURCE_RESTART_ACTION values (resource common property
// RestartAction; default ClusterResourceRestartNotify).
const (
	ClusterResourceDontRestart     uint32 = 0 // never restart
	ClusterResourceRestartNoNotify uint32 = 1 // restart, never fail the group over
	ClusterResourceRestartNotify   uint32 = 2 // restart, fail the group over after the threshold
)

// Access rights of cluster handles (OpenClusterEx, OpenClusterGroupEx, ...)
// and of cluster security descriptor entries.
const (
	CLUSAPI_READ_ACCESS   uint32 = 0x00000001
	CLUSAPI_CHANGE_ACCESS uint32 = 0x00000002
	CLUSAPI_NO_ACCESS     uint32 = 0x00000004
	CLUSAPI_ALL_ACCESS    uint32 = CLUSAPI_READ_ACCESS | CLUSAPI_CHANGE_ACCESS // 0x3

	GENERIC_READ    uint32 = 0x80000000
	GENERIC_WRITE   uint32 = 0x40000000
	GENERIC_EXECUTE uint32 = 0x20000000
	GENERIC_ALL     uint32 = 0x10000000
	MAXIMUM_ALLOWED uint32 = 0x02000000
)

// CLUSTER_CHANGE bits: version 1 notification filter and event types
// (CreateClusterNotifyPort, RegisterClusterNotify, GetClusterNotify).
const (
	CLUSTER_CHANGE_NODE_STATE             uint32 = 0x00000001
	CLUSTER_CHANGE_NODE_DELETED           uint32 = 0x00000002
	CLUSTER_CHANGE_NODE_ADDED             uint32 = 0x00000004
	CLUSTER_CHANGE_NODE_PROPERTY          uint32 = 0x00000008
	CLUSTER_CHANGE_REGISTRY_NAME          uint32 = 0x00000010
	CLUSTER_CHANGE_REGISTRY_ATTRIBUTES    uint32 = 0x00000020
	CLUSTER_CHANGE_REGISTRY_VALUE         uint32 = 0x00000040
	CLUSTER_CHANGE_REGISTRY_SUBTREE       uint32 = 0x00000080
	CLUSTER_CHANGE_RESOURCE_STATE         uint32 = 0x00000100
	CLUSTER_CHANGE_RESOURCE_DELETED       uint32 = 0x00000200
	CLUSTER_CHANGE_RESOURCE_ADDED         uint32 = 0x00000400
	CLUSTER_CHANGE_RESOURCE_PROPERTY      uint32 = 0x00000800
	CLUSTER_CHANGE_GROUP_STATE            uint32 = 0x00001000
	CLUSTER_CHANGE_GROUP_DELETED          uint32 = 0x00002000
	CLUSTER_CHANGE_GROUP_ADDED            uint32 = 0x00004000
	CLUSTER_CHANGE_GROUP_PROPERTY         uint32 = 0x00008000 // also: resource added to / removed from the group
	CLUSTER_CHANGE_RESOURCE_TYPE_DELETED  uint32 = 0x00010000
	CLUSTER_CHANGE_RESOURCE_TYPE_ADDED    uint32 = 0x00020000
	CLUSTER_CHANGE_RESOURCE_TYPE_PROPERTY uint32 = 0x00040000
	CLUSTER_CHANGE_CLUSTER_RECONNECT      uint32 = 0x00080000
	CLUSTER_CHANGE_NETWORK_STATE          uint32 = 0x00100000
	CLUSTER_CHANGE_NETWORK_DELETED        uint32 = 0x00200000
	CLUSTER_CHANGE_NETWORK_ADDED          uint32 = 0x00400000
	CLUSTER_CHANGE_NETWORK_PROPERTY       uint32 = 0x00800000
	CLUSTER_CHANGE_NETINTERFACE_STATE     uint32 = 0x01000000
	CLUSTER_CHANGE_NETINTERFACE_DELETED   uint32 = 0x02000000
	CLUSTER_CHANGE_NETINTERFACE_ADDED     uint32 = 0x04000000
	CLUSTER_CHANGE_NETINTERFACE_PROPERTY  uint32 = 0x08000000
	CLUSTER_CHANGE_QUORUM_STATE           uint32 = 0x10000000
	CLUSTER_CHANGE_CLUSTER_STATE          uint32 = 0x20000000
	CLUSTER_CHANGE_CLUSTER_PROPERTY       uint32 = 0x40000000
	CLUSTER_CHANGE_HANDLE_CLOSE           uint32 = 0x80000000 // the notification port was closed
)

// CLUSTER_OBJECT_TYPE values (NOTIFY_FILTER_AND_TYPE.dwObjectType of the
// version 2 notification API).
const (
	CLUSTER_OBJECT_TYPE_NONE              uint32 = 0x00000000
	CLUSTER_OBJECT_TYPE_CLUSTER           uint32 = 0x00000001
	CLUSTER_OBJECT_TYPE_GROUP             uint32 = 0x00000002
	CLUSTER_OBJECT_TYPE_RESOURCE          uint32 = 0x00000003
	CLUSTER_OBJECT_TYPE_RESOURCE_TYPE     uint32 = 0x00000004
	CLUSTER_OBJECT_TYPE_NETWORK_INTERFACE uint32 = 0x00000005
	CLUSTER_OBJECT_TYPE_NETWORK           uint32 = 0x00000006
	CLUSTER_OBJECT_TYPE_NODE              uint32 = 0x00000007
	CLUSTER_OBJECT_TYPE_REGISTRY          uint32 = 0x00000008
	CLUSTER_OBJECT_TYPE_QUORUM            uint32 = 0x00000009
	CLUSTER_OBJECT_TYPE_SHARED_VOLUME     uint32 = 0x0000000A
	CLUSTER_OBJECT_TYPE_GROUPSET          uint32 = 0x0000000D
	CLUSTER_OBJECT_TYPE_AFFINITYRULE      uint32 = 0x00000010
	CLUSTER_OBJECT_TYPE_FAULTDOMAIN       uint32 = 0x00000011
)

// Bits of the read-only group common property StatusInformation (a
// ULARGE_INTEGER, hence uint64).
const (
	CLUSGRP_STATUS_LOCKED_MODE                          uint64 = 0x0000000000000001
	CLUSGRP_STATUS_PREEMPTED                            uint64 = 0x0000000000000002
	CLUSGRP_STATUS_WAITING_IN_QUEUE_FOR_MOVE            uint64 = 0x0000000000000004
	CLUSGRP_STATUS_PHYSICAL_RESOURCES_LACKING           uint64 = 0x0000000000000008
	CLUSGRP_STATUS_WAITING_TO_START                     uint64 = 0x0000000000000010
	CLUSGRP_STATUS_EMBEDDED_FAILURE                     uint64 = 0x0000000000000020
	CLUSGRP_STATUS_OFFLINE_DUE_TO_ANTIAFFINITY_CONFLICT uint64 = 0x0000000000000040
	CLUSGRP_STATUS_NETWORK_FAILURE                      uint64 = 0x0000000000000080
	CLUSGRP_STATUS_UNMONITORED                          uint64 = 0x0000000000000100
	CLUSGRP_STATUS_OS_HEARTBEAT                         uint64 = 0x0000000000000200
	CLUSGRP_STATUS_APPLICATION_READY                    uint64 = 0x0000000000000400
	CLUSGRP_STATUS_OFFLINE_NOT_LOCAL_DISK_OWNER         uint64 = 0x0000000000000800
	CLUSGRP_STATUS_WAITING_FOR_DEPENDENCIES             uint64 = 0x0000000000001000
)

// Bits of the read-only resource common property StatusInformation (a
// ULARGE_INTEGER, hence uint64).
const (
	CLUSRES_STATUS_LOCKED_MODE                                  uint64 = 0x0000000000000001
	CLUSRES_STATUS_EMBEDDED_FAILURE                             uint64 = 0x0000000000000002
	CLUSRES_STATUS_FAILED_DUE_TO_INSUFFICIENT_CPU               uint64 = 0x0000000000000004
	CLUSRES_STATUS_FAILED_DUE_TO_INSUFFICIENT_MEMORY            uint64 = 0x0000000000000008
	CLUSRES_STATUS_FAILED_DUE_TO_INSUFFICIENT_GENERIC_RESOURCES uint64 = 0x0000000000000010
	CLUSRES_STATUS_NETWORK_FAILURE                              uint64 = 0x0000000000000020
	CLUSRES_STATUS_UNMONITORED                                  uint64 = 0x0000000000000040
	CLUSRES_STATUS_OS_HEARTBEAT                                 uint64 = 0x0000000000000080
	CLUSRES_STATUS_APPLICATION_READY                            uint64 = 0x0000000000000100
	CLUSRES_STATUS_OFFLINE_NOT_LOCAL_DISK_OWNER                 uint64 = 0x0000000000000200
)

// NOTIFY_FILTER_AND_TYPE.FilterFlags of the version 2 notification API
// (CLUSTER_CHANGE_*_V2), by object type (reference §9).
const (
	CLUSTER_CHANGE_GROUP_DELETED_V2               int64 = 0x00000001
	CLUSTER_CHANGE_GROUP_COMMON_PROPERTY_V2       int64 = 0x00000002
	CLUSTER_CHANGE_GROUP_PRIVATE_PROPERTY_V2      int64 = 0x00000004
	CLUSTER_CHANGE_GROUP_STATE_V2                 int64 = 0x00000008
	CLUSTER_CHANGE_GROUP_OWNER_NODE_V2            int64 = 0x00000010
	CLUSTER_CHANGE_GROUP_PREFERRED_OWNERS_V2      int64 = 0x00000020
	CLUSTER_CHANGE_GROUP_RESOURCE_ADDED_V2        int64 = 0x00000040
	CLUSTER_CHANGE_GROUP_RESOURCE_GAINED_V2       int64 = 0x00000080
	CLUSTER_CHANGE_GROUP_RESOURCE_LOST_V2         int64 = 0x00000100
	CLUSTER_CHANGE_GROUP_HANDLE_CLOSE_V2          int64 = 0x00000200
	CLUSTER_CHANGE_RESOURCE_COMMON_PROPERTY_V2    int64 = 0x00000001
	CLUSTER_CHANGE_RESOURCE_PRIVATE_PROPERTY_V2   int64 = 0x00000002
	CLUSTER_CHANGE_RESOURCE_STATE_V2              int64 = 0x00000004
	CLUSTER_CHANGE_RESOURCE_OWNER_GROUP_V2        int64 = 0x00000008
	CLUSTER_CHANGE_RESOURCE_DEPENDENCIES_V2       int64 = 0x00000010
	CLUSTER_CHANGE_RESOURCE_DEPENDENTS_V2         int64 = 0x00000020
	CLUSTER_CHANGE_RESOURCE_POSSIBLE_OWNERS_V2    int64 = 0x00000040
	CLUSTER_CHANGE_RESOURCE_DELETED_V2            int64 = 0x00000080
	CLUSTER_CHANGE_RESOURCE_DLL_UPGRADED_V2       int64 = 0x00000100
	CLUSTER_CHANGE_RESOURCE_HANDLE_CLOSE_V2       int64 = 0x00000200
	CLUSTER_CHANGE_RESOURCE_TERMINAL_STATE_V2     int64 = 0x00000400
	CLUSTER_CHANGE_NODE_NETINTERFACE_ADDED_V2     int64 = 0x00000001
	CLUSTER_CHANGE_NODE_DELETED_V2                int64 = 0x00000002
	CLUSTER_CHANGE_NODE_COMMON_PROPERTY_V2        int64 = 0x00000004
	CLUSTER_CHANGE_NODE_PRIVATE_PROPERTY_V2       int64 = 0x00000008
	CLUSTER_CHANGE_NODE_STATE_V2                  int64 = 0x00000010
	CLUSTER_CHANGE_NODE_GROUP_GAINED_V2           int64 = 0x00000020
	CLUSTER_CHANGE_NODE_GROUP_LOST_V2             int64 = 0x00000040
	CLUSTER_CHANGE_NODE_HANDLE_CLOSE_V2           int64 = 0x00000080
	CLUSTER_CHANGE_CLUSTER_RECONNECT_V2           int64 = 0x00000001
	CLUSTER_CHANGE_CLUSTER_STATE_V2               int64 = 0x00000002
	CLUSTER_CHANGE_CLUSTER_GROUP_ADDED_V2         int64 = 0x00000004
	CLUSTER_CHANGE_CLUSTER_HANDLE_CLOSE_V2        int64 = 0x00000008
	CLUSTER_CHANGE_CLUSTER_NETWORK_ADDED_V2       int64 = 0x00000010
	CLUSTER_CHANGE_CLUSTER_NODE_ADDED_V2          int64 = 0x00000020
	CLUSTER_CHANGE_CLUSTER_RESOURCE_TYPE_ADDED_V2 int64 = 0x00000040
	CLUSTER_CHANGE_CLUSTER_COMMON_PROPERTY_V2     int64 = 0x00000080
	CLUSTER_CHANGE_CLUSTER_PRIVATE_PROPERTY_V2    int64 = 0x00000100
	CLUSTER_CHANGE_CLUSTER_LOST_NOTIFICATIONS_V2  int64 = 0x00000200
	CLUSTER_CHANGE_CLUSTER_RENAME_V2              int64 = 0x00000400
	CLUSTER_CHANGE_CLUSTER_MEMBERSHIP_V2          int64 = 0x00000800
	CLUSTER_CHANGE_CLUSTER_UPGRADED_V2            int64 = 0x00001000
)

// Flags a resource DLL's OnlineV2 and OfflineV2 receive (resapi.h,
// CLUS_RESDLL_*): what the cluster tells a resource type of the call's
// circumstances, derived from the client's API flags and the operation.
// baton hands them to types in restype.OnlineRequest and OfflineRequest.
const (
	CLUS_RESDLL_ONLINE_RECOVER_MONITOR_STATE          uint32 = 0x00000001
	CLUS_RESDLL_ONLINE_IGNORE_RESOURCE_STATUS         uint32 = 0x00000002
	CLUS_RESDLL_ONLINE_RETURN_TO_SOURCE_NODE_ON_ERROR uint32 = 0x00000004
	CLUS_RESDLL_ONLINE_RESTORE_ONLINE_STATE           uint32 = 0x00000008
	CLUS_RESDLL_ONLINE_IGNORE_NETWORK_CONNECTIVITY    uint32 = 0x00000010

	CLUS_RESDLL_OFFLINE_IGNORE_RESOURCE_STATUS                    uint32 = 0x00000001
	CLUS_RESDLL_OFFLINE_RETURN_TO_SOURCE_NODE_ON_ERROR            uint32 = 0x00000002
	CLUS_RESDLL_OFFLINE_QUEUE_ENABLED                             uint32 = 0x00000004
	CLUS_RESDLL_OFFLINE_RETURNING_TO_SOURCE_NODE_BECAUSE_OF_ERROR uint32 = 0x00000008
	CLUS_RESDLL_OFFLINE_DUE_TO_EMBEDDED_FAILURE                   uint32 = 0x00000010
	CLUS_RESDLL_OFFLINE_IGNORE_NETWORK_CONNECTIVITY               uint32 = 0x00000020
	CLUS_RESDLL_OFFLINE_DO_NOT_UPDATE_PERSISTENT_STATE            uint32 = 0x00000040
)
