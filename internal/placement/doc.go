// Package placement decides where groups run. It is a pure function from a
// read-only [View] of the cluster (nodes, groups, and the time) to a [Plan]
// of moves and holds: no goroutines, no clock, no I/O. The controller builds
// the View from the cluster database, calls [Compute], and carries out the
// moves; the API server calls [Best] for MoveClusterGroup with no
// destination, [Start] for OnlineClusterGroupEx with BEST_POSSIBLE_NODE,
// [CanHost] to check an explicit destination, and [Conflict] for the
// anti-affinity refusal of an online. The package does not import
// the store: its callers convert records into these types.
//
// # Nodes
//
// A node is eligible to take a group when its state is Up and it is not
// draining. Paused, Down and Joining nodes take no new groups. A group's
// owner is alive when it is a known node whose state is Up or Paused: a
// paused node keeps the groups it has. An owner that is Down, Joining, not a
// known node, or "" is gone.
//
// # Choosing a node
//
// Candidates are the eligible nodes, minus the node the group is leaving.
// When Group.PossibleOwners is set, only those of them that are possible
// owners of every resource of the group remain, unless none is: then all
// remain, and the resources that cannot run on the node chosen stay
// Offline there ([MS-CMRP] ApiAddResourceNode lets such a node host the
// group). Failback does not move a group from a possible owner to a node
// that is not one, and a retry in place goes elsewhere when its owner is
// not one and an eligible node is. Among the candidates, in this order
// of preference:
//
//  1. the first node in PreferredOwners order that hosts no other online
//     group sharing an AntiAffinity class name with this one;
//  2. else, if no preferred owner qualifies, the non-conflicting node that
//     hosts the fewest online groups, ties broken by name;
//  3. else every candidate conflicts: anti-affinity is ignored (as WSFC
//     does when only anti-affined nodes remain) and 1–2 apply to all
//     candidates.
//
// Counts and conflicts are those of the plan so far: a group placed earlier
// in the same plan counts on its new node. Anti-affinity beats preference: a
// non-preferred node without conflict wins over a preferred node with one.
//
// # Rules
//
// Groups are considered in the order Priority (3000 first), then name, so
// in a mass failover the important groups choose first; Plan.Moves and
// Plan.Holds list groups in that order. Each group gets at most one Move or
// one Hold, so a plan never gives a group two owners, and every Move's
// destination is an eligible node. For each group the first rule that
// applies decides:
//
//   - drain: the owner is alive and draining. The group moves away (Reason
//     "drain"), whatever its persistent state: offline groups move too, so
//     that a drained node holds nothing. Drain is an operator's request: it
//     ignores Priority, FailoverThreshold and RetryPeriodOnFailure. With no
//     other eligible node the group is held ("no-node") and the drain
//     stalls.
//   - offline: a group whose persistent state is offline (Online false) is
//     never moved by failover or failback: it stays where it is, without a
//     hold.
//   - no-owner: an online group with Owner "" is placed on the best node
//     (Reason "no-owner"). This is first placement, not a failover: the
//     FailoverThreshold does not apply.
//   - forming: while the cluster forms (Now before View.FormingUntil), an
//     online group whose owner is gone is held ("forming", until
//     FormingUntil): after a start of the whole cluster its owner is most
//     likely starting too, and moving its groups would be needless
//     failovers that count against FailoverThreshold.
//   - owner-down: an online group whose owner is gone fails over to the
//     best node (Reason "owner-down").
//   - resource-failed: an online group that is Failed on an alive owner
//     (its resources failed after their restarts were exhausted,
//     RestartAction 2) fails over to the best other node (Reason
//     "resource-failed").
//   - failback: an online, healthy group with AutoFailback whose owner is
//     not its first preferred owner moves back (Reason "failback") when
//     that first preferred owner is eligible, inside the failback window.
//   - otherwise the group stays where it is.
//
// The three automatic starts (no-owner, owner-down, resource-failed) are
// checked, in this order, against:
//
//   - Priority 0 means "never start automatically": Hold "priority-zero".
//   - FailoverThreshold (owner-down and resource-failed): the Failovers
//     within the last FailoverPeriodHours are counted; when the count is at
//     least the threshold (0xFFFFFFFF: number of nodes − 1), Hold
//     "threshold-reached" until enough of them have left the window for one
//     more failover (when the count equals the threshold, that is when the
//     oldest counted one leaves it).
//   - no eligible candidate: Hold "no-node".
//
// # Retry after a failed failover
//
// A group that is Failed — on an alive owner, or on a dead one once the
// controller has marked its resources Failed — and whose failover is
// exhausted by either of the last two holds gets instead, as WSFC does,
// one more online attempt after RetryPeriodOnFailure (reference §8.2):
//
//   - until LastFailedAt (when the controller found the failover
//     exhausted; zero, not recorded yet, counts as Now) plus
//     RetryPeriodOnFailureMs: Hold "retry-wait" until then;
//   - then Move "retry": in place (To equal to From) when the owner is
//     eligible, else to the best other node; with none, Hold "no-node".
//
// A retry that fails leaves the group Failed again with a new
// LastFailedAt, so attempts come once per period. RetryPeriodOnFailure
// 0xFFFFFFFF means never: the group keeps its threshold-reached or no-node
// hold; 0 means at once. Priority 0 groups are never retried.
//
// Failback runs a group that is already running, so it ignores Priority and
// the threshold, but it never moves a group into an anti-affinity conflict
// (Hold "anti-affinity"). The window is the hours [FailbackWindowStart,
// FailbackWindowEnd) of the cluster's local time (WSFC's words), that is
// of Now in its own location; it may wrap midnight (22→2 is 22:00 to
// 02:00); Start equal to End is the one hour starting then; 0xFFFFFFFF (or
// any value above 23) in either means no window: failback at once. Outside
// the window the group is held ("failback-window") until the window next
// opens.
//
// A Hold's zero Until means no known end.
//
// # Best
//
// [Best] applies the node choice above to one group. For a group that is
// running (online, not failed, on an alive owner) the current owner is not
// a candidate, since MoveClusterGroup(NULL) means "move it elsewhere". For
// any other group the owner is a candidate like any node, so Best may return
// the current owner; a move to the current owner succeeds with nothing to
// do (ERROR_SUCCESS, reference §1.3).
//
// # Testing
//
// testdata/*.txt is a corpus of stored cases in the manner of Pacemaker's
// cts/scheduler: each file is a small cluster in a line-based text format,
// a "----" line, and the expected plan. `go test ./internal/placement
// -update` rewrites the expected parts. Property tests and FuzzPlan check
// the invariants above on random views.
package placement
