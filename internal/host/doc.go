// Package host is the resource host: it runs on every node, watches the
// groups this node owns, and drives each of their resources through its
// lifecycle by calling the resource's type.
//
// The lifecycle of one resource (states are CLUSTER_RESOURCE_STATE):
//
//	           online accepted                 type.Online ok
//	Offline ─────────────────▶ OnlinePending ─────────────────▶ Online
//	   ▲                          │      ▲                        │
//	   │        offline accepted  │      │ restart (policy)       │ offline accepted
//	   │      (supersedes online) │      │                        ▼
//	   │                          ▼      │                  OfflinePending
//	   └──────────────────────────────────────────────────────────┘
//	                type.Offline ok                          │
//	any pending state ── error / pending timeout ──▶ Failed ◀┘ health check fails,
//	                                                           restarts exhausted
//
// The API (package ops) moves a resource into a pending state in the same
// transaction that accepts the operation; the host notices, waits for the
// order the dependencies impose — providers Online before a dependent's
// online, dependents Offline before a provider's offline — and then calls
// the type, one call per resource at a time, independent resources in
// parallel. The decision is the pure function decide (lifecycle.go); the
// loop in Host.Run owns every instance and is the only writer: it writes
// the outcomes of finished calls a batch per transaction (finishAll), each
// only if the resource's state sequence has not moved on (so a superseded
// online never overwrites the offline that replaced it), and likewise the
// claims, status reports and operation outcomes of many groups at once
// (claimAll, reportAll, finishOps), so that a node taking over a thousand
// groups makes a few commits, not thousands.
//
// The loop hears of changes through a store subscription and looks again
// at the groups they touch; at a reset (the store reloaded its cache, so
// which keys changed is unknown) and every Config.Resync it looks at every
// group, so a lost notification costs at most that long. A record the
// store quarantined (undecodable) is not taken for deleted: the instance
// stays as it is until the record reads again.
//
// Running a group needs its claim, under the node's lease; when the lease
// is lost the host fences (stops everything it hosts), and a group taken
// away while its resources may still run here is terminated at once
// (forget). Processes that outlive the agent are also registered with the
// node's fence guard (internal/guard) through restype.Config.Guard.
package host
