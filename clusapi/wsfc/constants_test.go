package wsfc

import (
	"math/bits"
	"strings"
	"testing"
)

// Values from the reference's §1.2 (flags), §7 (access), §9 (notifications)
// and §2.1 (policy enums).
func TestUint32ConstantValues(t *testing.T) {
	tests := []struct {
		name string
		got  uint32
		want uint32
	}{
		// §1.2 group offline / online.
		{"CLUSAPI_GROUP_OFFLINE_IGNORE_RESOURCE_STATUS", CLUSAPI_GROUP_OFFLINE_IGNORE_RESOURCE_STATUS, 0x1},
		{"CLUSAPI_GROUP_ONLINE_IGNORE_RESOURCE_STATUS", CLUSAPI_GROUP_ONLINE_IGNORE_RESOURCE_STATUS, 0x1},
		{"CLUSAPI_GROUP_ONLINE_SYNCHRONOUS", CLUSAPI_GROUP_ONLINE_SYNCHRONOUS, 0x2},
		{"CLUSAPI_GROUP_ONLINE_BEST_POSSIBLE_NODE", CLUSAPI_GROUP_ONLINE_BEST_POSSIBLE_NODE, 0x4},
		{"CLUSAPI_GROUP_ONLINE_IGNORE_AFFINITY_RULE", CLUSAPI_GROUP_ONLINE_IGNORE_AFFINITY_RULE, 0x8},
		// §1.2 group move.
		{"CLUSAPI_GROUP_MOVE_IGNORE_RESOURCE_STATUS", CLUSAPI_GROUP_MOVE_IGNORE_RESOURCE_STATUS, 0x1},
		{"CLUSAPI_GROUP_MOVE_RETURN_TO_SOURCE_NODE_ON_ERROR", CLUSAPI_GROUP_MOVE_RETURN_TO_SOURCE_NODE_ON_ERROR, 0x2},
		{"CLUSAPI_GROUP_MOVE_QUEUE_ENABLED", CLUSAPI_GROUP_MOVE_QUEUE_ENABLED, 0x4},
		{"CLUSAPI_GROUP_MOVE_HIGH_PRIORITY_START", CLUSAPI_GROUP_MOVE_HIGH_PRIORITY_START, 0x8},
		{"CLUSAPI_GROUP_MOVE_FAILBACK", CLUSAPI_GROUP_MOVE_FAILBACK, 0x10},
		{"CLUSAPI_GROUP_MOVE_IGNORE_AFFINITY_RULE", CLUSAPI_GROUP_MOVE_IGNORE_AFFINITY_RULE, 0x20},
		// §1.2 resource online / offline.
		{"CLUSAPI_RESOURCE_ONLINE_IGNORE_RESOURCE_STATUS", CLUSAPI_RESOURCE_ONLINE_IGNORE_RESOURCE_STATUS, 1},
		{"CLUSAPI_RESOURCE_ONLINE_DO_NOT_UPDATE_PERSISTENT_STATE", CLUSAPI_RESOURCE_ONLINE_DO_NOT_UPDATE_PERSISTENT_STATE, 2},
		{"CLUSAPI_RESOURCE_ONLINE_NECESSARY_FOR_QUORUM", CLUSAPI_RESOURCE_ONLINE_NECESSARY_FOR_QUORUM, 4},
		{"CLUSAPI_RESOURCE_ONLINE_BEST_POSSIBLE_NODE", CLUSAPI_RESOURCE_ONLINE_BEST_POSSIBLE_NODE, 8},
		{"CLUSAPI_RESOURCE_ONLINE_IGNORE_AFFINITY_RULE", CLUSAPI_RESOURCE_ONLINE_IGNORE_AFFINITY_RULE, 0x20},
		{"CLUSAPI_RESOURCE_OFFLINE_IGNORE_RESOURCE_STATUS", CLUSAPI_RESOURCE_OFFLINE_IGNORE_RESOURCE_STATUS, 1},
		{"CLUSAPI_RESOURCE_OFFLINE_FORCE_WITH_TERMINATION", CLUSAPI_RESOURCE_OFFLINE_FORCE_WITH_TERMINATION, 2},
		{"CLUSAPI_RESOURCE_OFFLINE_DO_NOT_UPDATE_PERSISTENT_STATE", CLUSAPI_RESOURCE_OFFLINE_DO_NOT_UPDATE_PERSISTENT_STATE, 4},
		// §1.2 offline reasons.
		{"CLUSAPI_RESOURCE_OFFLINE_REASON_NONE", CLUSAPI_RESOURCE_OFFLINE_REASON_NONE, 0x0},
		{"CLUSAPI_RESOURCE_OFFLINE_REASON_UNKNOWN", CLUSAPI_RESOURCE_OFFLINE_REASON_UNKNOWN, 0x1},
		{"CLUSAPI_RESOURCE_OFFLINE_REASON_MOVING", CLUSAPI_RESOURCE_OFFLINE_REASON_MOVING, 0x2},
		{"CLUSAPI_RESOURCE_OFFLINE_REASON_USER_REQUESTED", CLUSAPI_RESOURCE_OFFLINE_REASON_USER_REQUESTED, 0x4},
		{"CLUSAPI_RESOURCE_OFFLINE_REASON_BEING_DELETED", CLUSAPI_RESOURCE_OFFLINE_REASON_BEING_DELETED, 0x8},
		{"CLUSAPI_RESOURCE_OFFLINE_REASON_BEING_RESTARTED", CLUSAPI_RESOURCE_OFFLINE_REASON_BEING_RESTARTED, 0x10},
		{"CLUSAPI_RESOURCE_OFFLINE_REASON_PREEMPTED", CLUSAPI_RESOURCE_OFFLINE_REASON_PREEMPTED, 0x20},
		{"CLUSAPI_RESOURCE_OFFLINE_REASON_SHUTTING_DOWN", CLUSAPI_RESOURCE_OFFLINE_REASON_SHUTTING_DOWN, 0x40},
		// §1.2 misc.
		{"CLUSAPI_CHANGE_RESOURCE_GROUP_FORCE_MOVE_TO_CSV", CLUSAPI_CHANGE_RESOURCE_GROUP_FORCE_MOVE_TO_CSV, 0x1},
		{"CLUSAPI_VALID_CHANGE_RESOURCE_GROUP_FLAGS", CLUSAPI_VALID_CHANGE_RESOURCE_GROUP_FLAGS, 0x1},
		{"CLUS_GRP_MOVE_ALLOWED", CLUS_GRP_MOVE_ALLOWED, 0},
		{"CLUS_GRP_MOVE_LOCKED", CLUS_GRP_MOVE_LOCKED, 1},
		{"CLUSAPI_NODE_PAUSE_REMAIN_ON_PAUSED_NODE_ON_MOVE_ERROR", CLUSAPI_NODE_PAUSE_REMAIN_ON_PAUSED_NODE_ON_MOVE_ERROR, 0x1},
		{"CLUSAPI_NODE_AVOID_PLACEMENT", CLUSAPI_NODE_AVOID_PLACEMENT, 0x2},
		{"CLUSAPI_NODE_PAUSE_RETRY_DRAIN_ON_FAILURE", CLUSAPI_NODE_PAUSE_RETRY_DRAIN_ON_FAILURE, 0x4},
		// §7 access.
		{"CLUSAPI_READ_ACCESS", CLUSAPI_READ_ACCESS, 0x1},
		{"CLUSAPI_CHANGE_ACCESS", CLUSAPI_CHANGE_ACCESS, 0x2},
		{"CLUSAPI_NO_ACCESS", CLUSAPI_NO_ACCESS, 0x4},
		{"CLUSAPI_ALL_ACCESS", CLUSAPI_ALL_ACCESS, 0x3},
		{"GENERIC_READ", GENERIC_READ, 0x80000000},
		{"GENERIC_WRITE", GENERIC_WRITE, 0x40000000},
		{"GENERIC_EXECUTE", GENERIC_EXECUTE, 0x20000000},
		{"GENERIC_ALL", GENERIC_ALL, 0x10000000},
		{"MAXIMUM_ALLOWED", MAXIMUM_ALLOWED, 0x02000000},
		// §9 CLUSTER_CHANGE spot checks.
		{"CLUSTER_CHANGE_NODE_STATE", CLUSTER_CHANGE_NODE_STATE, 0x1},
		{"CLUSTER_CHANGE_REGISTRY_SUBTREE", CLUSTER_CHANGE_REGISTRY_SUBTREE, 0x80},
		{"CLUSTER_CHANGE_RESOURCE_STATE", CLUSTER_CHANGE_RESOURCE_STATE, 0x100},
		{"CLUSTER_CHANGE_GROUP_STATE", CLUSTER_CHANGE_GROUP_STATE, 0x1000},
		{"CLUSTER_CHANGE_GROUP_DELETED", CLUSTER_CHANGE_GROUP_DELETED, 0x2000},
		{"CLUSTER_CHANGE_GROUP_ADDED", CLUSTER_CHANGE_GROUP_ADDED, 0x4000},
		{"CLUSTER_CHANGE_GROUP_PROPERTY", CLUSTER_CHANGE_GROUP_PROPERTY, 0x8000},
		{"CLUSTER_CHANGE_CLUSTER_RECONNECT", CLUSTER_CHANGE_CLUSTER_RECONNECT, 0x80000},
		{"CLUSTER_CHANGE_NETINTERFACE_PROPERTY", CLUSTER_CHANGE_NETINTERFACE_PROPERTY, 0x8000000},
		{"CLUSTER_CHANGE_QUORUM_STATE", CLUSTER_CHANGE_QUORUM_STATE, 0x10000000},
		{"CLUSTER_CHANGE_HANDLE_CLOSE", CLUSTER_CHANGE_HANDLE_CLOSE, 0x80000000},
		// §9 CLUSTER_OBJECT_TYPE.
		{"CLUSTER_OBJECT_TYPE_NONE", CLUSTER_OBJECT_TYPE_NONE, 0},
		{"CLUSTER_OBJECT_TYPE_CLUSTER", CLUSTER_OBJECT_TYPE_CLUSTER, 1},
		{"CLUSTER_OBJECT_TYPE_GROUP", CLUSTER_OBJECT_TYPE_GROUP, 2},
		{"CLUSTER_OBJECT_TYPE_RESOURCE", CLUSTER_OBJECT_TYPE_RESOURCE, 3},
		{"CLUSTER_OBJECT_TYPE_RESOURCE_TYPE", CLUSTER_OBJECT_TYPE_RESOURCE_TYPE, 4},
		{"CLUSTER_OBJECT_TYPE_NETWORK_INTERFACE", CLUSTER_OBJECT_TYPE_NETWORK_INTERFACE, 5},
		{"CLUSTER_OBJECT_TYPE_NETWORK", CLUSTER_OBJECT_TYPE_NETWORK, 6},
		{"CLUSTER_OBJECT_TYPE_NODE", CLUSTER_OBJECT_TYPE_NODE, 7},
		{"CLUSTER_OBJECT_TYPE_REGISTRY", CLUSTER_OBJECT_TYPE_REGISTRY, 8},
		{"CLUSTER_OBJECT_TYPE_QUORUM", CLUSTER_OBJECT_TYPE_QUORUM, 9},
		{"CLUSTER_OBJECT_TYPE_SHARED_VOLUME", CLUSTER_OBJECT_TYPE_SHARED_VOLUME, 0xA},
		{"CLUSTER_OBJECT_TYPE_GROUPSET", CLUSTER_OBJECT_TYPE_GROUPSET, 0xD},
		{"CLUSTER_OBJECT_TYPE_AFFINITYRULE", CLUSTER_OBJECT_TYPE_AFFINITYRULE, 0x10},
		{"CLUSTER_OBJECT_TYPE_FAULTDOMAIN", CLUSTER_OBJECT_TYPE_FAULTDOMAIN, 0x11},
		// §2.1 policy enums.
		{"PriorityDisabled", PriorityDisabled, 0},
		{"PriorityLow", PriorityLow, 1000},
		{"PriorityMedium", PriorityMedium, 2000},
		{"PriorityHigh", PriorityHigh, 3000},
		{"ClusterGroupPreventFailback", ClusterGroupPreventFailback, 0},
		{"ClusterGroupAllowFailback", ClusterGroupAllowFailback, 1},
		{"ClusterResourceDontRestart", ClusterResourceDontRestart, 0},
		{"ClusterResourceRestartNoNotify", ClusterResourceRestartNoNotify, 1},
		{"ClusterResourceRestartNotify", ClusterResourceRestartNotify, 2},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %#x, want %#x", tt.name, tt.got, tt.want)
		}
	}
}

func TestStatusInformationBits(t *testing.T) {
	grp := []uint64{
		CLUSGRP_STATUS_LOCKED_MODE,
		CLUSGRP_STATUS_PREEMPTED,
		CLUSGRP_STATUS_WAITING_IN_QUEUE_FOR_MOVE,
		CLUSGRP_STATUS_PHYSICAL_RESOURCES_LACKING,
		CLUSGRP_STATUS_WAITING_TO_START,
		CLUSGRP_STATUS_EMBEDDED_FAILURE,
		CLUSGRP_STATUS_OFFLINE_DUE_TO_ANTIAFFINITY_CONFLICT,
		CLUSGRP_STATUS_NETWORK_FAILURE,
		CLUSGRP_STATUS_UNMONITORED,
		CLUSGRP_STATUS_OS_HEARTBEAT,
		CLUSGRP_STATUS_APPLICATION_READY,
		CLUSGRP_STATUS_OFFLINE_NOT_LOCAL_DISK_OWNER,
		CLUSGRP_STATUS_WAITING_FOR_DEPENDENCIES,
	}
	// The reference lists the group bits as consecutive powers of two
	// from 0x1 (LOCKED_MODE) to 0x1000 (WAITING_FOR_DEPENDENCIES).
	for i, v := range grp {
		if want := uint64(1) << i; v != want {
			t.Errorf("group status bit %d = %#x, want %#x", i, v, want)
		}
	}
	if CLUSGRP_STATUS_WAITING_IN_QUEUE_FOR_MOVE != 0x4 {
		t.Errorf("CLUSGRP_STATUS_WAITING_IN_QUEUE_FOR_MOVE = %#x, want 0x4", CLUSGRP_STATUS_WAITING_IN_QUEUE_FOR_MOVE)
	}
	res := []uint64{
		CLUSRES_STATUS_LOCKED_MODE,
		CLUSRES_STATUS_EMBEDDED_FAILURE,
		CLUSRES_STATUS_FAILED_DUE_TO_INSUFFICIENT_CPU,
		CLUSRES_STATUS_FAILED_DUE_TO_INSUFFICIENT_MEMORY,
		CLUSRES_STATUS_FAILED_DUE_TO_INSUFFICIENT_GENERIC_RESOURCES,
		CLUSRES_STATUS_NETWORK_FAILURE,
		CLUSRES_STATUS_UNMONITORED,
		CLUSRES_STATUS_OS_HEARTBEAT,
		CLUSRES_STATUS_APPLICATION_READY,
		CLUSRES_STATUS_OFFLINE_NOT_LOCAL_DISK_OWNER,
	}
	// 0x1 (LOCKED_MODE) .. 0x200 (OFFLINE_NOT_LOCAL_DISK_OWNER).
	for i, v := range res {
		if want := uint64(1) << i; v != want {
			t.Errorf("resource status bit %d = %#x, want %#x", i, v, want)
		}
	}
}

func TestClusterChangeBits(t *testing.T) {
	// The 32 CLUSTER_CHANGE v1 bits, in the reference's order, are exactly
	// the 32 single bits of a DWORD from 0x1 to 0x80000000.
	all := []uint32{
		CLUSTER_CHANGE_NODE_STATE,
		CLUSTER_CHANGE_NODE_DELETED,
		CLUSTER_CHANGE_NODE_ADDED,
		CLUSTER_CHANGE_NODE_PROPERTY,
		CLUSTER_CHANGE_REGISTRY_NAME,
		CLUSTER_CHANGE_REGISTRY_ATTRIBUTES,
		CLUSTER_CHANGE_REGISTRY_VALUE,
		CLUSTER_CHANGE_REGISTRY_SUBTREE,
		CLUSTER_CHANGE_RESOURCE_STATE,
		CLUSTER_CHANGE_RESOURCE_DELETED,
		CLUSTER_CHANGE_RESOURCE_ADDED,
		CLUSTER_CHANGE_RESOURCE_PROPERTY,
		CLUSTER_CHANGE_GROUP_STATE,
		CLUSTER_CHANGE_GROUP_DELETED,
		CLUSTER_CHANGE_GROUP_ADDED,
		CLUSTER_CHANGE_GROUP_PROPERTY,
		CLUSTER_CHANGE_RESOURCE_TYPE_DELETED,
		CLUSTER_CHANGE_RESOURCE_TYPE_ADDED,
		CLUSTER_CHANGE_RESOURCE_TYPE_PROPERTY,
		CLUSTER_CHANGE_CLUSTER_RECONNECT,
		CLUSTER_CHANGE_NETWORK_STATE,
		CLUSTER_CHANGE_NETWORK_DELETED,
		CLUSTER_CHANGE_NETWORK_ADDED,
		CLUSTER_CHANGE_NETWORK_PROPERTY,
		CLUSTER_CHANGE_NETINTERFACE_STATE,
		CLUSTER_CHANGE_NETINTERFACE_DELETED,
		CLUSTER_CHANGE_NETINTERFACE_ADDED,
		CLUSTER_CHANGE_NETINTERFACE_PROPERTY,
		CLUSTER_CHANGE_QUORUM_STATE,
		CLUSTER_CHANGE_CLUSTER_STATE,
		CLUSTER_CHANGE_CLUSTER_PROPERTY,
		CLUSTER_CHANGE_HANDLE_CLOSE,
	}
	if len(all) != 32 {
		t.Fatalf("len = %d", len(all))
	}
	for i, v := range all {
		if want := uint32(1) << i; v != want {
			t.Errorf("CLUSTER_CHANGE bit %d = %#x, want %#x", i, v, want)
		}
	}
}

func TestValidFlagMasks(t *testing.T) {
	tests := []struct {
		name string
		mask uint32
		want uint32
	}{
		{"ValidGroupOfflineFlags", ValidGroupOfflineFlags, 0x1},
		{"ValidGroupOnlineFlags", ValidGroupOnlineFlags, 0xF},
		{"ValidGroupMoveFlags", ValidGroupMoveFlags, 0x3F},
		{"ValidResourceOnlineFlags", ValidResourceOnlineFlags, 0x2F},
		{"ValidResourceOfflineFlags", ValidResourceOfflineFlags, 0x7},
	}
	for _, tt := range tests {
		if tt.mask != tt.want {
			t.Errorf("%s = %#x, want %#x", tt.name, tt.mask, tt.want)
		}
	}
	if ValidResourceOnlineFlags&0x10 != 0 {
		t.Error("0x10 must not be a valid resource online flag")
	}
	// How a server uses the masks: any bit outside the mask is rejected.
	reject := func(flags, mask uint32) bool { return flags&^mask != 0 }
	if reject(CLUSAPI_GROUP_MOVE_IGNORE_AFFINITY_RULE|CLUSAPI_GROUP_MOVE_QUEUE_ENABLED, ValidGroupMoveFlags) {
		t.Error("valid move flags rejected")
	}
	if !reject(0x40, ValidGroupMoveFlags) {
		t.Error("move flag 0x40 accepted")
	}
	if !reject(0x10, ValidResourceOnlineFlags) {
		t.Error("resource online flag 0x10 accepted")
	}
	if !reject(CLUSAPI_GROUP_ONLINE_SYNCHRONOUS, ValidGroupOfflineFlags) {
		t.Error("group offline flag 0x2 accepted")
	}
	if !reject(0x8, ValidResourceOfflineFlags) {
		t.Error("resource offline flag 0x8 accepted")
	}
}

func TestClusterGroupState(t *testing.T) {
	tests := []struct {
		s    ClusterGroupState
		v    int32
		name string
	}{
		{ClusterGroupStateUnknown, -1, "Unknown"},
		{ClusterGroupOnline, 0, "Online"},
		{ClusterGroupOffline, 1, "Offline"},
		{ClusterGroupFailed, 2, "Failed"},
		{ClusterGroupPartialOnline, 3, "PartialOnline"},
		{ClusterGroupPending, 4, "Pending"},
	}
	for _, tt := range tests {
		if int32(tt.s) != tt.v {
			t.Errorf("%s = %d, want %d", tt.name, int32(tt.s), tt.v)
		}
		if got := tt.s.String(); got != tt.name {
			t.Errorf("ClusterGroupState(%d).String() = %q, want %q", tt.v, got, tt.name)
		}
		for _, in := range []string{tt.name, strings.ToLower(tt.name), strings.ToUpper(tt.name)} {
			if got, ok := ParseClusterGroupState(in); !ok || got != tt.s {
				t.Errorf("ParseClusterGroupState(%q) = %v, %v; want %v, true", in, got, ok, tt.s)
			}
		}
	}
	if got := ClusterGroupState(206).String(); got != "ClusterGroupState(206)" {
		t.Errorf("String of undefined state = %q", got)
	}
	for _, in := range []string{"", "Up", "ClusterGroupOnline", "Online ", "OnlinePending"} {
		if got, ok := ParseClusterGroupState(in); ok {
			t.Errorf("ParseClusterGroupState(%q) = %v, true; want false", in, got)
		}
	}
}

func TestClusterResourceState(t *testing.T) {
	tests := []struct {
		s       ClusterResourceState
		v       int32
		name    string
		pending bool
	}{
		{ClusterResourceStateUnknown, -1, "Unknown", false},
		{ClusterResourceInherited, 0, "Inherited", false},
		{ClusterResourceInitializing, 1, "Initializing", false},
		{ClusterResourceOnline, 2, "Online", false},
		{ClusterResourceOffline, 3, "Offline", false},
		{ClusterResourceFailed, 4, "Failed", false},
		{ClusterResourcePending, 128, "Pending", true},
		{ClusterResourceOnlinePending, 129, "OnlinePending", true},
		{ClusterResourceOfflinePending, 130, "OfflinePending", true},
	}
	for _, tt := range tests {
		if int32(tt.s) != tt.v {
			t.Errorf("%s = %d, want %d", tt.name, int32(tt.s), tt.v)
		}
		if got := tt.s.String(); got != tt.name {
			t.Errorf("ClusterResourceState(%d).String() = %q, want %q", tt.v, got, tt.name)
		}
		if got := tt.s.IsPending(); got != tt.pending {
			t.Errorf("%s.IsPending() = %v, want %v", tt.name, got, tt.pending)
		}
		for _, in := range []string{tt.name, strings.ToLower(tt.name), strings.ToUpper(tt.name)} {
			if got, ok := ParseClusterResourceState(in); !ok || got != tt.s {
				t.Errorf("ParseClusterResourceState(%q) = %v, %v; want %v, true", in, got, ok, tt.s)
			}
		}
	}
	if ClusterResourceOfflinePending != 0x82 {
		t.Errorf("ClusterResourceOfflinePending = %#x, want 0x82", int32(ClusterResourceOfflinePending))
	}
	for _, v := range []int32{5, 126, 127, 131, -2} {
		s := ClusterResourceState(v)
		if s.IsPending() {
			t.Errorf("ClusterResourceState(%d).IsPending() = true", v)
		}
	}
	if got := ClusterResourceState(127).String(); got != "ClusterResourceState(127)" {
		t.Errorf("String of undefined state = %q", got)
	}
	for _, in := range []string{"", "Up", "PartialOnline", "Online-Pending"} {
		if got, ok := ParseClusterResourceState(in); ok {
			t.Errorf("ParseClusterResourceState(%q) = %v, true; want false", in, got)
		}
	}
}

func TestClusterNodeState(t *testing.T) {
	tests := []struct {
		s    ClusterNodeState
		v    int32
		name string
	}{
		{ClusterNodeStateUnknown, -1, "Unknown"},
		{ClusterNodeUp, 0, "Up"},
		{ClusterNodeDown, 1, "Down"},
		{ClusterNodePaused, 2, "Paused"},
		{ClusterNodeJoining, 3, "Joining"},
	}
	for _, tt := range tests {
		if int32(tt.s) != tt.v {
			t.Errorf("%s = %d, want %d", tt.name, int32(tt.s), tt.v)
		}
		if got := tt.s.String(); got != tt.name {
			t.Errorf("ClusterNodeState(%d).String() = %q, want %q", tt.v, got, tt.name)
		}
		for _, in := range []string{tt.name, strings.ToLower(tt.name), strings.ToUpper(tt.name)} {
			if got, ok := ParseClusterNodeState(in); !ok || got != tt.s {
				t.Errorf("ParseClusterNodeState(%q) = %v, %v; want %v, true", in, got, ok, tt.s)
			}
		}
	}
	if got := ClusterNodeState(4).String(); got != "ClusterNodeState(4)" {
		t.Errorf("String of undefined state = %q", got)
	}
	if got, ok := ParseClusterNodeState("Online"); ok {
		t.Errorf("ParseClusterNodeState(Online) = %v, true; want false", got)
	}
}

// The group and resource flag families must each consist of distinct single
// bits (bits.OnesCount == 1) so they can be ORed.
func TestFlagsAreSingleBits(t *testing.T) {
	families := map[string][]uint32{
		"group online": {CLUSAPI_GROUP_ONLINE_IGNORE_RESOURCE_STATUS, CLUSAPI_GROUP_ONLINE_SYNCHRONOUS,
			CLUSAPI_GROUP_ONLINE_BEST_POSSIBLE_NODE, CLUSAPI_GROUP_ONLINE_IGNORE_AFFINITY_RULE},
		"group move": {CLUSAPI_GROUP_MOVE_IGNORE_RESOURCE_STATUS, CLUSAPI_GROUP_MOVE_RETURN_TO_SOURCE_NODE_ON_ERROR,
			CLUSAPI_GROUP_MOVE_QUEUE_ENABLED, CLUSAPI_GROUP_MOVE_HIGH_PRIORITY_START,
			CLUSAPI_GROUP_MOVE_FAILBACK, CLUSAPI_GROUP_MOVE_IGNORE_AFFINITY_RULE},
		"resource online": {CLUSAPI_RESOURCE_ONLINE_IGNORE_RESOURCE_STATUS, CLUSAPI_RESOURCE_ONLINE_DO_NOT_UPDATE_PERSISTENT_STATE,
			CLUSAPI_RESOURCE_ONLINE_NECESSARY_FOR_QUORUM, CLUSAPI_RESOURCE_ONLINE_BEST_POSSIBLE_NODE,
			CLUSAPI_RESOURCE_ONLINE_IGNORE_AFFINITY_RULE},
		"resource offline": {CLUSAPI_RESOURCE_OFFLINE_IGNORE_RESOURCE_STATUS, CLUSAPI_RESOURCE_OFFLINE_FORCE_WITH_TERMINATION,
			CLUSAPI_RESOURCE_OFFLINE_DO_NOT_UPDATE_PERSISTENT_STATE},
	}
	for name, flags := range families {
		var seen uint32
		for _, f := range flags {
			if bits.OnesCount32(f) != 1 {
				t.Errorf("%s flag %#x is not a single bit", name, f)
			}
			if seen&f != 0 {
				t.Errorf("%s flag %#x duplicated", name, f)
			}
			seen |= f
		}
	}
}
