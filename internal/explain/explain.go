// Package explain says in words why a group is in the state it is: which
// resource is pending and for how long against its timeout, what it waits
// for, which resource is locked and why, what failed and how many restarts
// are left, and where the group runs against where it prefers to. It is a
// pure function of a database view and the time.
package explain

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/ops"
	"github.com/batoncluster/baton/internal/placement"
	"github.com/batoncluster/baton/internal/store"
)

// Reason is one fact that explains a group's state.
type Reason struct {
	Resource string // "" for facts about the group itself
	Code     string // short machine-readable tag: pending, waiting, locked, failed, restarts, owner, persistent, held, moving, queued, failovers
	Text     string
}

// Explanation is what `baton group why` shows.
type Explanation struct {
	Group   string
	State   wsfc.ClusterGroupState
	Owner   string
	Summary string
	Reasons []Reason
}

// Group explains group g as of view v at time now.
func Group(v store.View, g *store.Group, now time.Time) Explanation {
	st := v.GroupState(g)
	e := Explanation{Group: g.Name, State: st, Owner: g.OwnerNode}
	add := func(res, code, format string, args ...any) {
		e.Reasons = append(e.Reasons, Reason{Resource: res, Code: code, Text: fmt.Sprintf(format, args...)})
	}
	resources := v.GroupResources(g)
	counts := map[wsfc.ClusterResourceState]int{}
	for _, r := range resources {
		counts[v.ResourceState(r.Name)]++
	}
	switch st {
	case wsfc.ClusterGroupOnline:
		e.Summary = fmt.Sprintf("all %d resources are online on %s", len(resources), g.OwnerNode)
	case wsfc.ClusterGroupOffline:
		e.Summary = "no resource is online"
		if len(resources) == 0 {
			e.Summary = "the group has no resources"
		}
	case wsfc.ClusterGroupPending:
		e.Summary = fmt.Sprintf("%d of %d resources are coming online or going offline", counts[wsfc.ClusterResourceOnlinePending]+counts[wsfc.ClusterResourceOfflinePending], len(resources))
	case wsfc.ClusterGroupPartialOnline:
		e.Summary = fmt.Sprintf("%d of %d resources are online", counts[wsfc.ClusterResourceOnline], len(resources))
	case wsfc.ClusterGroupFailed:
		e.Summary = fmt.Sprintf("%d of %d resources failed", counts[wsfc.ClusterResourceFailed], len(resources))
	}

	// The owner.
	if n := v.Node(g.OwnerNode); n == nil {
		add("", "owner", "the owner node %q is not a member of the cluster", g.OwnerNode)
	} else if ns := v.NodeState(n.Name); ns != wsfc.ClusterNodeUp {
		add("", "owner", "the owner node %s is %s: nothing on it runs or changes until it is back", n.Name, ns)
	}
	if len(g.PreferredOwners) > 0 && g.PreferredOwners[0] != g.OwnerNode {
		first := g.PreferredOwners[0]
		why := "it is not the owner"
		if n := v.Node(first); n == nil {
			why = "it is not a member of the cluster"
		} else if ns := v.NodeState(first); ns != wsfc.ClusterNodeUp {
			why = "it is " + ns.String()
		}
		add("", "owner", "the group runs on %s, not on its first preferred owner %s: %s", g.OwnerNode, first, why)
	}
	// What the controller would do, or why it holds the group where it is.
	plan := placement.Compute(ops.PlacementView(v, now))
	for _, h := range plan.Holds {
		if h.Group != g.Name {
			continue
		}
		text := holdText[h.Reason]
		if text == "" {
			text = string(h.Reason)
		}
		if !h.Until.IsZero() {
			text += " until " + h.Until.UTC().Format(time.RFC3339)
		}
		add("", "held", "the cluster leaves the group where it is: %s", text)
	}
	for _, m := range plan.Moves {
		if m.Group == g.Name {
			add("", "moving", "the cluster is moving the group from %s to %s (%s)", orNone(m.From), m.To, m.Reason)
		}
	}
	if g.MoveTo != "" {
		add("", "moving", "a move to %s is under way: the group goes offline here, then online there", g.MoveTo)
	}
	// Moves with flags (docs/moves.md): one waiting in the queue, one that
	// failed on its destination, and the last move's failure.
	if ops.MoveQueued(g) {
		q := g.QueuedMove
		add("", "queued", "a move to %s (operation %s, flag 0x4) waits in the queue since %s (StatusInformation 0x%x): %s; without the queue flag the call would have answered %s",
			orBest(q.To), q.Op, q.Since.UTC().Format(time.RFC3339), wsfc.CLUSGRP_STATUS_WAITING_IN_QUEUE_FOR_MOVE, q.Blocker, wsfc.Errno(q.Code))
	}
	if op := v.Operation(g.LastOperation); op != nil {
		switch {
		case op.Kind == store.OpReturnToSource || op.Kind == store.OpMoveFailback:
			state := "under way"
			if op.Outcome != "" {
				state = op.Outcome
			}
			add("", "moving", "operation %s (%s, %s) %s", op.ID, op.Kind, state, op.Detail)
		case op.Kind == store.OpMoveGroup && op.Outcome == "failed" && op.Error != 0:
			add("", "moving", "the last move (operation %s) failed with %s: %s", op.ID, wsfc.Errno(op.Error), op.Detail)
		}
	}
	if len(g.Failovers) > 0 {
		add("", "failovers", "%d automatic failover(s) within FailoverPeriod (%d h) count against FailoverThreshold", len(g.Failovers), g.Policy.FailoverPeriod)
	}
	if g.PersistentState == 1 && st == wsfc.ClusterGroupOffline && len(resources) > 0 {
		add("", "persistent", "the group's persistent state is online but no resource is online")
	}

	for _, r := range resources {
		s := v.Status(r.Name)
		if s == nil {
			continue
		}
		rs := wsfc.ClusterResourceState(s.State)
		switch {
		case rs.IsPending():
			pendingFor := now.Sub(s.Updated).Round(100 * time.Millisecond)
			limit := time.Duration(r.Common.PendingTimeout) * time.Millisecond
			add(r.Name, "pending", "%s for %v of its PendingTimeout %v (then it is terminated and fails)", rs, pendingFor, limit)
			if w := waitingFor(v, r, rs); w != "" {
				add(r.Name, "waiting", "%s", w)
			}
		case rs == wsfc.ClusterResourceFailed:
			msg := "failed"
			if s.LastError != "" {
				msg += ": " + s.LastError
			}
			add(r.Name, "failed", "%s", msg)
		}
		if s.Locked {
			reason := s.LockedReason
			if reason == "" {
				reason = "no reason given"
			}
			add(r.Name, "locked", "in locked mode (%s): offline, online and move of the group answer ERROR_CLUSTER_RESOURCE_LOCKED_STATUS (5960) unless the ignore-locked flag is given", reason)
		}
		if recent := recent(s.Restarts, now, r.Common.RestartPeriod); len(recent) > 0 {
			expires := recent[0].Add(time.Duration(r.Common.RestartPeriod) * time.Millisecond)
			left := int(r.Common.RestartThreshold) - len(recent)
			if left < 0 {
				left = 0
			}
			add(r.Name, "restarts", "restarted %d time(s) within RestartPeriod (%v); %d more allowed before it stays failed; the oldest restart stops counting at %s",
				len(recent), time.Duration(r.Common.RestartPeriod)*time.Millisecond, left, expires.UTC().Format(time.RFC3339))
		}
	}
	return e
}

// waitingFor says what a pending resource waits for, if anything.
func waitingFor(v store.View, r *store.Resource, rs wsfc.ClusterResourceState) string {
	var names []string
	switch rs {
	case wsfc.ClusterResourceOnlinePending:
		// Each term of its dependencies that has no resource Online: a
		// name, or "one of" an "or"'s names.
		for _, term := range r.Dependencies() {
			var waits []string
			for _, p := range term {
				ps := v.ResourceState(p)
				if ps == wsfc.ClusterResourceOnline {
					waits = nil
					break
				}
				waits = append(waits, fmt.Sprintf("%s (%s)", p, ps))
			}
			switch {
			case len(waits) == 1:
				names = append(names, waits[0])
			case len(waits) > 1:
				names = append(names, "one of "+strings.Join(waits, " or "))
			}
		}
		if len(names) > 0 {
			return "waits for the resources it depends on to come online: " + strings.Join(names, ", ")
		}
		return "its online call is running"
	case wsfc.ClusterResourceOfflinePending:
		for _, d := range v.Dependents(r) {
			if d.DependsExpr != nil && d.DependsExpr.Satisfied(func(p string) bool {
				return p != r.Name && v.ResourceState(p) == wsfc.ClusterResourceOnline
			}) {
				continue // another Online resource of its "or" holds it up
			}
			if ds := v.ResourceState(d.Name); ds != wsfc.ClusterResourceOffline && ds != wsfc.ClusterResourceFailed {
				names = append(names, fmt.Sprintf("%s (%s)", d.Name, ds))
			}
		}
		if len(names) > 0 {
			return "waits for the resources that depend on it to go offline first: " + strings.Join(names, ", ")
		}
		return "its offline call is running"
	}
	return ""
}

func recent(ts []time.Time, now time.Time, periodMs uint32) []time.Time {
	cut := now.Add(-time.Duration(periodMs) * time.Millisecond)
	out := slices.DeleteFunc(slices.Clone(ts), func(t time.Time) bool { return !t.After(cut) })
	slices.SortFunc(out, func(a, b time.Time) int { return a.Compare(b) })
	return out
}

// holdText says each placement hold in words.
var holdText = map[placement.Reason]string{
	placement.ReasonNoNode:           "no node can take it (every other node is down, paused or draining)",
	placement.ReasonPriorityZero:     "its Priority is 0, so it is never started automatically",
	placement.ReasonThresholdReached: "FailoverThreshold was reached within FailoverPeriod",
	placement.ReasonRetryWait:        "it failed everywhere; the next try waits out RetryPeriodOnFailure",
	placement.ReasonFailbackWindow:   "failback waits for its window (FailbackWindowStart/End)",
	placement.ReasonAntiAffinity:     "its preferred owner runs a group of the same AntiAffinityClassNames",
	placement.ReasonForming:          "the cluster is forming: its owner is not back yet, and failover waits for it a little",
}

func orBest(node string) string {
	if node == "" {
		return "the best node"
	}
	return node
}

func orNone(s string) string {
	if s == "" {
		return "(no owner)"
	}
	return s
}
