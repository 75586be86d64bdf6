package placement

import (
	"fmt"
	"time"
)

// NodeState is a node's cluster state, with the CLUSTER_NODE_STATE values.
type NodeState int

// Node states.
const (
	NodeUp      NodeState = 0
	NodeDown    NodeState = 1
	NodePaused  NodeState = 2
	NodeJoining NodeState = 3
)

func (s NodeState) String() string {
	switch s {
	case NodeUp:
		return "Up"
	case NodeDown:
		return "Down"
	case NodePaused:
		return "Paused"
	case NodeJoining:
		return "Joining"
	}
	return fmt.Sprintf("NodeState(%d)", int(s))
}

// Node is one cluster node as placement sees it.
type Node struct {
	Name  string
	State NodeState
	// Draining is set while the node is being drained: its groups move
	// away and it takes no new ones.
	Draining bool
	// DrainTarget, while Draining, is where its groups go if that node
	// can take them (else where placement picks); "": placement picks.
	DrainTarget string
	// DrainStayed, while Draining, are the groups whose drain move failed
	// and that came back, with when. The drain leaves them on the node —
	// the other rules apply to them as to any group — unless DrainRetry,
	// which moves them again DrainRetryDelay after (held until then).
	DrainStayed map[string]time.Time
	DrainRetry  bool
}

// DrainRetryDelay is how long a drain that retries its failures
// (CLUSAPI_NODE_PAUSE_RETRY_DRAIN_ON_FAILURE) waits before it moves a
// group whose move failed again: long enough for a failing destination
// not to be hammered, short enough for a maintenance window.
const DrainRetryDelay = 30 * time.Second

// Infinite is the DWORD value that means "default", "no window" or "never"
// in the WSFC failover properties.
const Infinite = 0xFFFFFFFF

// Group is one group as placement sees it: where it is, whether it should
// run, and its failover policy (WSFC group common properties, reference
// §8.1, and the group's RetryPeriodOnFailure, §8.2).
type Group struct {
	Name  string
	Owner string // current owner node; "" for none
	// Online is the persistent state: the cluster keeps the group running.
	Online bool
	// Failed is set when the group is Failed on its owner: its resources
	// failed there after their restarts were exhausted.
	Failed          bool
	PreferredOwners []string // in order of preference
	// Priority is 0, 1000, 2000 or 3000; 0 means never start automatically.
	Priority     uint32
	AntiAffinity []string // AntiAffinityClassNames
	// FailoverThreshold is the most automatic failovers allowed within
	// FailoverPeriodHours; Infinite means the number of nodes − 1.
	FailoverThreshold   uint32
	FailoverPeriodHours uint32
	Failovers           []time.Time // times of recent automatic failovers
	AutoFailback        bool        // AutoFailbackType 1
	// FailbackWindowStart and FailbackWindowEnd are hours of the day
	// (0–23) in the cluster's local time — the location of View.Now — or
	// Infinite for no window.
	FailbackWindowStart, FailbackWindowEnd uint32
	// LastFailedAt is when the failure a Failed group is in now was found
	// to leave no failover (FailoverThreshold reached, or no node to go
	// to); zero when that is not recorded yet, which counts as Now.
	LastFailedAt time.Time
	// RetryPeriodOnFailureMs is how long after LastFailedAt a Failed group
	// whose failover is exhausted gets one more online attempt; Infinite
	// means never.
	RetryPeriodOnFailureMs uint32
	// PossibleOwners are the nodes that are possible owners of every
	// resource of the group (AddClusterResourceNode and
	// RemoveClusterResourceNode); nil means every node. Automatic
	// placement prefers them and falls back to the other eligible nodes
	// only when none of them is eligible: the group then runs there with
	// the resources that cannot run there Offline ([MS-CMRP]
	// ApiAddResourceNode). Empty (not nil): no node is a possible owner of
	// them all.
	PossibleOwners []string
}

// View is the read-only input to placement: the cluster at one moment.
// Node and group names are unique; a later entry with a name seen before
// is ignored, as is a node named "".
type View struct {
	Now    time.Time
	Nodes  []Node
	Groups []Group
	// FormingUntil is the end of the cluster's forming: until then a
	// group whose owner is gone is held ("forming") instead of failed
	// over, because after a start of the whole cluster its owner is most
	// likely on its way back. Zero: not forming.
	FormingUntil time.Time
}

// Reason says why a group moves, why it is held, or how a node was chosen.
type Reason string

// Reasons for moves.
const (
	ReasonNoOwner        Reason = "no-owner"        // online group without an owner
	ReasonOwnerDown      Reason = "owner-down"      // owner Down, Joining or unknown
	ReasonResourceFailed Reason = "resource-failed" // group Failed on an alive owner
	ReasonDrain          Reason = "drain"           // owner is draining
	ReasonFailback       Reason = "failback"        // back to the first preferred owner
	// ReasonRetry is the one more online attempt a Failed group gets
	// after RetryPeriodOnFailure once its failover is exhausted: in place
	// (To == From) when its owner is eligible.
	ReasonRetry Reason = "retry"
)

// Reasons for holds.
const (
	ReasonNoNode           Reason = "no-node"           // no eligible node to go to
	ReasonPriorityZero     Reason = "priority-zero"     // Priority 0: never started automatically
	ReasonThresholdReached Reason = "threshold-reached" // FailoverThreshold reached in FailoverPeriod
	ReasonRetryWait        Reason = "retry-wait"        // failover exhausted: waiting out RetryPeriodOnFailure
	ReasonFailbackWindow   Reason = "failback-window"   // failback waits for its window
	ReasonAntiAffinity     Reason = "anti-affinity"     // the destination hosts an anti-affined group
	ReasonForming          Reason = "forming"           // the cluster is forming: the owner may be on its way
	ReasonDrainRetryWait   Reason = "drain-retry-wait"  // its drain move failed: tried again after DrainRetryDelay
)

// Reasons returned by Best and CanHost.
const (
	ReasonPreferredOwner  Reason = "preferred-owner"       // first eligible preferred owner
	ReasonFewestGroups    Reason = "fewest-groups"         // no preferred owner eligible: least loaded node
	ReasonAffinityIgnored Reason = "anti-affinity-ignored" // every candidate hosts an anti-affined group
	ReasonUnknownGroup    Reason = "unknown-group"
	ReasonUnknownNode     Reason = "unknown-node"
	ReasonNodeNotUp       Reason = "node-not-up" // Down or Joining
	ReasonNodePaused      Reason = "node-paused"
	ReasonNodeDraining    Reason = "node-draining"
)

// Move is one ownership change the controller should make; a retry in
// place has To equal to From.
type Move struct {
	Group, From, To string // From is "" for a group without an owner
	Reason          Reason
}

// Hold is a group that needs placement but is left where it is, and why
// (for `baton group why`). Until is when the hold ends by itself; zero
// means no known end.
type Hold struct {
	Group  string
	Reason Reason
	Until  time.Time
}

// Plan is what the controller should do now.
type Plan struct {
	Moves []Move
	Holds []Hold
}
