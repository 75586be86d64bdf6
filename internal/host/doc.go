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
// online, dependents Offline before a provider's offline; with an "or"
// (store.Resource.DependsExpr, docs/dependencies.md) one provider Online
// per term, and a provider's offline waits only for the dependents that
// no other Online provider satisfies — and then calls
// the type, one call per resource at a time, independent resources in
// parallel. A resource asked online on a node that is not one of its
// possible owners (store.Resource.PossibleOwners, [MS-CMRP]
// ApiAddResourceNode) is not started: it ends Offline, its LastError
// saying why, and its dependents fail as with any provider that cannot
// come online. The decision is the pure function decide (lifecycle.go); the
// loop in Host.Run owns every instance. An instance (the type's New) is
// made when a resource first has something to run here; one that rests
// Offline has none (restsOffline), so a node owning many offline groups
// holds no type state, cgroup or plugin session for them.
//
// The owner carries out a group operation's whole dependency graph
// itself, at the speed of the resources: when a call returns, its outcome
// is settled in the loop's memory (Host.unwritten) and the resources that
// were waiting for it start at once, in the same turn of the loop
// (completed, advance), while a writer goroutine commits the outcomes
// behind it — one transaction at a time, each with every outcome settled
// while the one before was committed (flush) — and each only if the
// resource's state sequence has not moved on (so a superseded online never
// overwrites the offline that replaced it). A chain of N resources thus
// costs N calls and a few commits, not N commits, watch deliveries and
// reconciles one after another. The claims, status reports and operation
// outcomes of many groups are written likewise together (claimAll,
// reportAll, finishOps), so that a node taking over a thousand groups
// makes a few commits, not thousands.
//
// What the database says stays true while the host runs ahead of it. An
// outcome is written only after its call returned, so nothing reads Online
// for a resource that was not started, and in the order the calls
// returned, so no resource reads Online before what it depends on, nor
// Offline before what depends on it. A node that stops, crashes or loses
// its lease with outcomes settled and unwritten leaves those resources in
// their pending states: its next start (recover) or the group's next owner
// makes their calls again, which is correct because every built-in type's
// online and offline are idempotent — an OCF agent's start and stop by
// the OCF contract (start when running and stop when stopped succeed);
// Generic Application finds its process running (or gone); IP Address
// finds its address present (or absent); Virtual Machine reattaches to a
// running QEMU (or finds none to stop); dummy succeeds either way — and
// plugins are asked to be (docs/resource-types/plugins.md). A clean stop
// writes what it settled first (writeAtExit); fencing forgets it, the node
// no longer having the authority to write it.
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
