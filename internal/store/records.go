package store

import (
	"slices"
	"time"

	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/depexpr"
	"github.com/batoncluster/baton/proplist"
)

// SchemaVersion is written into every record as "v", and is the newest
// version this agent reads.
//
//   - 1: the first. A group record listed its resources ("resources").
//   - 2: a group's resources are the resources whose record names it
//     (Resource.Group), in the order they were created; the group record
//     lists them no more, so creating a resource writes O(1) bytes
//     whatever the group's size. A version 1 group record reads as it
//     did: its list is ignored (version 1 wrote it in the same
//     transaction as the resources' own records, so the two agree) and
//     dropped when the record is next written (Migrate does it at once).
//
// A record of a newer version than this agent's is quarantined (see
// View.Quarantined): it reads as absent, is listed with its version, and
// this agent never overwrites or deletes it — a decision that would fails
// with ErrNewerSchema — so an older agent cannot undo what a newer one
// wrote. Upgrade every agent of a cluster together: a version 1 agent does
// not look at "v", and reads a version 2 group as having no resources.
const SchemaVersion = 2

// meta is embedded in every record: the schema version on the wire and the
// etcd revisions it was read at (never stored).
type meta struct {
	V    int   `json:"v"`
	Rev  int64 `json:"-"` // etcd ModRevision when read; 0 for a new record
	crev int64 // etcd CreateRevision when read
}

func (m *meta) setRev(r int64)       { m.Rev = r }
func (m *meta) revision() int64      { return m.Rev }
func (m *meta) version() int         { return m.V }
func (m *meta) setCreateRev(r int64) { m.crev = r }

// CreateRev is the database revision that created the record's key (0 for
// a record not read from the database). A group's resources are listed in
// this order.
func (m *meta) CreateRev() int64 { return m.crev }

// Cluster identifies the cluster; written once when it forms.
type Cluster struct {
	meta
	Name    string    `json:"name"`
	ID      string    `json:"id"`
	Created time.Time `json:"created"`
	// FormingUntil is when the cluster's latest forming ends: a leader
	// whose agent has just started (a start of the whole cluster) sets it,
	// and until then the groups of nodes not back yet are held, not failed
	// over (placement.View.FormingUntil).
	FormingUntil time.Time `json:"formingUntil,omitzero"`
}

// Node is a machine running baton agent.
type Node struct {
	meta
	Name    string `json:"name"`
	Address string `json:"address,omitempty"`
	// State is the administrative state, Up or Paused; whether the node
	// is alive is its lease's business (View.NodeState).
	State    int32 `json:"state"`
	Draining bool  `json:"draining,omitempty"`
	// DatabaseRole is member, client or external (see config).
	DatabaseRole string `json:"databaseRole,omitempty"`
	// DrainTarget is the node a drain sends the groups to
	// (PauseClusterNodeEx's hNodeDrainTarget); "": where placement picks.
	DrainTarget string `json:"drainTarget,omitempty"`
	// DrainGroups are the groups the node held when its drain began.
	DrainGroups []string `json:"drainGroups,omitempty"`
	// DrainFlags are PauseClusterNodeEx's dwPauseFlags of the drain
	// (CLUSAPI_NODE_PAUSE_*; see ops.PauseNodeEx).
	DrainFlags uint32 `json:"drainFlags,omitempty"`
	// DrainStayed are the groups whose drain move failed and that came
	// back to the node (CLUSAPI_NODE_PAUSE_REMAIN_ON_PAUSED_NODE_ON_MOVE_ERROR),
	// with when: the drain leaves them here, or with
	// CLUSAPI_NODE_PAUSE_RETRY_DRAIN_ON_FAILURE tries them again
	// DrainRetryDelay after.
	DrainStayed map[string]time.Time `json:"drainStayed,omitempty"`
	Started     time.Time            `json:"started"`
}

// Group is the unit of failover. Its state is not stored: it is derived from
// the statuses of its resources (see GroupState). Its resources are not
// stored in it either: they are the resources whose record names the
// group (View.GroupResourceNames), so that adding one does not rewrite a
// record as long as the group.
type Group struct {
	meta
	Name            string   `json:"name"`
	ID              string   `json:"id"`
	PreferredOwners []string `json:"preferredOwners,omitempty"`
	// GroupType is the type CreateClusterGroupEx gave the group (any
	// value a client chose); nil: ClusGroupTypeUnknown. See Type.
	GroupType *uint32 `json:"groupType,omitempty"`
	// PersistentState is 1 when the cluster keeps the group online.
	PersistentState uint32      `json:"persistentState"`
	OwnerNode       string      `json:"ownerNode"`
	Policy          GroupPolicy `json:"policy"`
	LastOperation   string      `json:"lastOperation,omitempty"`
	// MoveTo is the node a move is taking the group to: the owner takes
	// its resources offline, then hands the group over (host/handover.go).
	MoveTo string `json:"moveTo,omitempty"`
	MoveOp string `json:"moveOp,omitempty"`
	// Failovers are the times of recent automatic failovers (for
	// FailoverThreshold within FailoverPeriod).
	Failovers []time.Time `json:"failovers,omitempty"`
	// QueuedMove is a move accepted with CLUSAPI_GROUP_MOVE_QUEUE_ENABLED
	// (0x4) that policy blocked: it waits here, and the controller tries
	// it again as the cluster changes (docs/moves.md). Zero when none.
	QueuedMove QueuedMove `json:"queuedMove,omitzero"`
	// StatusInformation holds the group's CLUSGRP_STATUS_* bits
	// (reference §8.1). Moves set CLUSGRP_STATUS_WAITING_IN_QUEUE_FOR_MOVE
	// (0x4) while QueuedMove waits and clear it when it ends.
	StatusInformation uint64 `json:"statusInformation,omitempty"`
	// LastFailedAt is when the controller found the group's failover
	// exhausted: Failed, with FailoverThreshold reached or no node to go
	// to. RetryPeriodOnFailure counts from it. LastFailedSeq is the sum of
	// the state sequences (Status.Seq) of the group's resources then: once
	// any of them changes state, the record is of an earlier failure.
	LastFailedAt  time.Time `json:"lastFailedAt,omitzero"`
	LastFailedSeq uint64    `json:"lastFailedSeq,omitempty"`
	// Writing is the operation whose change to the group's resources is
	// too big for one transaction and is written in several (ops/split.go),
	// until the last is committed: its host does not record its outcome
	// meanwhile, and the controller leader finishes the writing of one
	// whose writer stopped.
	Writing string `json:"writing,omitempty"`
	// Deleting is when a forced delete too big for one transaction began:
	// the group answers ERROR_GROUP_NOT_AVAILABLE while its resources are
	// deleted a transaction at a time, and goes last.
	Deleting time.Time `json:"deleting,omitzero"`
}

// Type is the group's GroupType property: the type it was created with,
// ClusGroupTypeUnknown (9999) when none was given.
func (g *Group) Type() uint32 {
	if g.GroupType == nil {
		return wsfc.ClusGroupTypeUnknown
	}
	return *g.GroupType
}

// QueuedMove is a move waiting in a group's queue (see Group.QueuedMove).
type QueuedMove struct {
	Op string `json:"op,omitempty"` // its operation record
	To string `json:"to,omitempty"` // the destination asked for; "" for the best node
	// Blocker says in words what the move waits for, and Code is what the
	// call would have answered without flag 0x4.
	Blocker string    `json:"blocker,omitempty"`
	Code    uint32    `json:"code,omitempty"`
	Since   time.Time `json:"since,omitzero"`
}

// GroupPolicy holds the WSFC group common properties for failover.
type GroupPolicy struct {
	FailoverThreshold      uint32   `json:"failoverThreshold"`
	FailoverPeriod         uint32   `json:"failoverPeriod"` // hours
	AutoFailbackType       uint32   `json:"autoFailbackType"`
	FailbackWindowStart    uint32   `json:"failbackWindowStart"`
	FailbackWindowEnd      uint32   `json:"failbackWindowEnd"`
	Priority               uint32   `json:"priority"`
	AntiAffinityClassNames []string `json:"antiAffinityClassNames,omitempty"`
	// The common properties below are kept for clients and read back as
	// set; baton's placement and start-up do not use them yet.
	Description string `json:"description,omitempty"`
	// DefaultOwner is nil for none (the property reads 0xFFFFFFFF).
	DefaultOwner     *uint32 `json:"defaultOwner,omitempty"`
	ColdStartSetting uint32  `json:"coldStartSetting,omitempty"`
	GroupStartDelay  uint32  `json:"groupStartDelay,omitempty"`  // ms
	ResiliencyPeriod uint32  `json:"resiliencyPeriod,omitempty"` // s
}

// DefaultGroupPolicy returns the WSFC defaults (reference §8.1).
func DefaultGroupPolicy() GroupPolicy {
	return GroupPolicy{
		FailoverThreshold:   0xFFFFFFFF,
		FailoverPeriod:      6,
		AutoFailbackType:    0,
		FailbackWindowStart: 0xFFFFFFFF,
		FailbackWindowEnd:   0xFFFFFFFF,
		Priority:            2000,
	}
}

// Resource is one managed thing of a resource type, in one group.
type Resource struct {
	meta
	Name  string `json:"name"`
	ID    string `json:"id"`
	Group string `json:"group"`
	Type  string `json:"type"`
	// DependsOn names every resource this one depends on (each once):
	// all of them, unless DependsExpr says otherwise.
	DependsOn []string `json:"dependsOn,omitempty"`
	// DependsExpr is the dependency expression when it is not a plain
	// AND of DependsOn (SetClusterResourceDependencyExpression with an
	// "or"): its terms, each needing one of its resources Online. nil
	// for a plain AND, so such records read and write as before.
	DependsExpr depexpr.Expr   `json:"dependsExpr,omitempty"`
	Common      ResourceCommon `json:"common"`
	Private     proplist.List  `json:"private"`
	// PossibleOwners is nil when every node of the cluster may host the
	// resource (the default, and every record of before it); else the
	// nodes that may (AddClusterResourceNode, RemoveClusterResourceNode),
	// possibly none. Nodes that join later are not added to a list.
	PossibleOwners *[]string `json:"possibleOwners,omitempty"`
}

// SetPossibleOwners makes nodes r's possible owners, in that order: an
// explicit list, which may be empty (no node may host r).
func (r *Resource) SetPossibleOwners(nodes []string) {
	o := slices.Clone(nodes)
	if o == nil {
		o = []string{} // a nil slice would encode as null and read back as every node
	}
	r.PossibleOwners = &o
}

// CanRunOn reports whether node is a possible owner of r.
func (r *Resource) CanRunOn(node string) bool {
	return r.PossibleOwners == nil || slices.Contains(*r.PossibleOwners, node)
}

// Dependencies is r's dependency expression: DependsExpr, or the AND of
// DependsOn.
func (r *Resource) Dependencies() depexpr.Expr {
	if r.DependsExpr != nil {
		return r.DependsExpr
	}
	return depexpr.And(r.DependsOn)
}

// SetDependencies makes e r's dependencies: DependsOn the resources it
// names, DependsExpr e itself unless it is a plain AND of them. An agent
// of before DependsExpr reads such a record as depending on all of
// DependsOn — the safe side — and drops the expression if it rewrites it.
func (r *Resource) SetDependencies(e depexpr.Expr) {
	e = e.Normalize()
	r.DependsOn = e.Names()
	r.DependsExpr = nil
	if !e.Plain() {
		r.DependsExpr = e
	}
}

// ResourceCommon holds the WSFC resource common properties for restart and
// health polling (reference §8.2), all in milliseconds where timed.
type ResourceCommon struct {
	RestartAction          uint32 `json:"restartAction"`
	RestartThreshold       uint32 `json:"restartThreshold"`
	RestartPeriod          uint32 `json:"restartPeriod"`
	RestartDelay           uint32 `json:"restartDelay"`
	RetryPeriodOnFailure   uint32 `json:"retryPeriodOnFailure"`
	PendingTimeout         uint32 `json:"pendingTimeout"`
	LooksAlivePollInterval uint32 `json:"looksAlivePollInterval"`
	IsAlivePollInterval    uint32 `json:"isAlivePollInterval"`
	// Kept for clients and read back as set; baton does not use them.
	Description string `json:"description,omitempty"`
	// DeadlockTimeout is 0 for the default (the property reads 300000).
	DeadlockTimeout uint32 `json:"deadlockTimeout,omitempty"`
}

// UseTypeValue in a poll interval means "the resource type's default".
const UseTypeValue = 0xFFFFFFFF

// DefaultResourceCommon returns the WSFC defaults (reference §8.2).
func DefaultResourceCommon() ResourceCommon {
	return ResourceCommon{
		RestartAction:          2,
		RestartThreshold:       3,
		RestartPeriod:          900000,
		RestartDelay:           500,
		RetryPeriodOnFailure:   3600000,
		PendingTimeout:         180000,
		LooksAlivePollInterval: UseTypeValue,
		IsAlivePollInterval:    UseTypeValue,
	}
}

// Status is a resource's state as its hosting node (or an accepted
// operation) last wrote it.
type Status struct {
	meta
	Resource string `json:"resource"`
	Node     string `json:"node,omitempty"`
	State    int32  `json:"state"` // CLUSTER_RESOURCE_STATE
	// Seq increases with every state change (the WSFC state sequence).
	Seq          uint64        `json:"seq"`
	Locked       bool          `json:"locked,omitempty"`
	LockedReason string        `json:"lockedReason,omitempty"`
	Props        proplist.List `json:"props,omitempty"` // reported by the type
	// Persistent is 1 when the resource is to be kept online: it is
	// brought online again when its group is hosted after a restart.
	Persistent uint32 `json:"persistent"`
	// OpID is the operation that drives a pending state; OpParams says
	// whether the operation's input buffer is handed to this resource (it
	// is only for resources that were Online, or not yet Online, when the
	// operation was accepted).
	OpID     string `json:"opId,omitempty"`
	OpParams bool   `json:"opParams,omitempty"`
	// Terminate asks for the pending offline to stop the resource at once.
	Terminate bool `json:"terminate,omitempty"`
	// Restart marks a pending online that restarts a failed resource: the
	// host stops what is left of it first, after RestartDelay.
	Restart bool `json:"restart,omitempty"`
	// FailSeq, while it equals Seq, asks the host to treat the Online
	// resource as if its health check had failed (FailClusterResource);
	// the host's handling of the failure moves Seq on.
	FailSeq uint64 `json:"failSeq,omitempty"`
	// ConfigRev is the resource record revision the host has applied.
	ConfigRev int64       `json:"configRev,omitempty"`
	LastError string      `json:"lastError,omitempty"`
	Restarts  []time.Time `json:"restarts,omitempty"`
	Updated   time.Time   `json:"updated"`
	// propsShared: Props is a list other statuses share (decodeProps),
	// interned already.
	propsShared bool
}

// Operation records one accepted state-change request.
type Operation struct {
	meta
	ID       string    `json:"id"`
	Kind     string    `json:"kind"`
	Group    string    `json:"group,omitempty"`
	Resource string    `json:"resource,omitempty"`
	Flags    uint32    `json:"flags"`
	InBuffer []byte    `json:"inBuffer,omitempty"` // the property list, as sent
	Caller   string    `json:"caller"`
	Created  time.Time `json:"created"`
	Finished time.Time `json:"finished,omitzero"`
	Outcome  string    `json:"outcome,omitempty"`
	// From and To are a move's source and destination nodes (To is set
	// once the move starts; a queued move to the best node has none yet).
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
	// Error is the Win32 code an operation that did not succeed ended
	// with, when there is one to tell (a move with flag 0x2 that went back
	// to its source: ERROR_RESOURCE_FAILED), and Detail says why in words.
	Error  uint32 `json:"error,omitempty"`
	Detail string `json:"detail,omitempty"`
	// Recovery is, for a move that failed on its destination and asked
	// (flag 0x2 or 0x10) to be taken back, the operation that does it, or
	// RecoveryPolicy when no node could take it and the failover policy
	// was left to act. "" while the move has not been taken back.
	Recovery string `json:"recovery,omitempty"`
}

// RecoveryPolicy in Operation.Recovery: the failover policy took over.
const RecoveryPolicy = "policy"

// Operation kinds.
const (
	OpOnlineGroup     = "OnlineGroup"
	OpOfflineGroup    = "OfflineGroup"
	OpOnlineResource  = "OnlineResource"
	OpOfflineResource = "OfflineResource"
	OpRestart         = "Restart"
	// OpRestartResource brings back what RestartClusterResource took
	// offline (its first half is an OfflineResource).
	OpRestartResource = "RestartResource"
	OpRecover         = "Recover"
	OpMoveGroup       = "MoveGroup"
	OpFailover        = "Failover"
	// OpReturnToSource and OpMoveFailback take a group back after a move
	// with flag 0x2 (to its source) or 0x10 (to a preferred owner) failed
	// on its destination.
	OpReturnToSource = "ReturnToSource"
	OpMoveFailback   = "MoveFailback"
)

// Access levels in the security descriptor.
const (
	AccessRead = "read"
	AccessFull = "full"
)

// Security is the cluster security descriptor: principal → access.
type Security struct {
	meta
	Entries map[string]string `json:"entries"`
}

// Token is a bearer token for TCP callers; only its hash is kept.
type Token struct {
	meta
	Name    string    `json:"name"`
	SHA256  string    `json:"sha256"`
	Created time.Time `json:"created"`
	// Expires is when the token stops being accepted; zero: never.
	Expires time.Time `json:"expires,omitzero"`
	// LastUsed is when a call last authenticated with the token, to
	// about a minute (each node records it at most once a minute).
	LastUsed time.Time `json:"lastUsed,omitzero"`
}

// Expired reports whether the token is no longer accepted at now.
func (k *Token) Expired(now time.Time) bool {
	return !k.Expires.IsZero() && !now.Before(k.Expires)
}

// Alive says a node is up: it lives exactly as long as the node's lease.
type Alive struct {
	meta
	Node  string    `json:"node"`
	Lease int64     `json:"lease"`
	Since time.Time `json:"since"`
}

// Claim says which node may run a group's resources: it is tied to that
// node's lease, so it disappears when the node can no longer prove it is
// alive, and only then may another node claim the group.
type Claim struct {
	meta
	Group string `json:"group"`
	Node  string `json:"node"`
	Lease int64  `json:"lease"`
}
