package ops

import (
	"context"
	"slices"
	"time"

	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/store"
)

// Big groups.
//
// A change to every resource of a group — online, offline, move, a
// failover, a forced delete — is one transaction when etcd takes it. A
// big group's may not fit: an etcd cluster counts a transaction's
// comparisons and its writes against --max-txn-ops (128 by default; the
// embedded members allow 16,384) and its bytes against
// --max-request-bytes (1.5 MiB; the embedded members 8 MiB), and the
// change compares every record it read and writes every resource's
// status. When etcd refuses one as too large (store.TooLarge), the change
// is split into transactions of a chunk of resources each:
//
//   - The first (the head) makes the call's checks on the whole group as
//     the view has it — those reads are not compared, only what the head
//     writes — and records the operation, the group's new state and the
//     first chunk of resources, as one transaction, with the group's
//     Writing set to the operation. From then on the group reads Pending
//     (a resource of the chunk is pending), so no reader sees it Online
//     once an offline's head committed, and an online or move of it is
//     refused until the change ends.
//   - The next ones (the tail) each change a chunk, in dependency order
//     (dependents first for an offline, providers first for an online),
//     each only while the group's record still says the operation drives
//     it (a newer operation supersedes the rest), each resource only if
//     it still needs the change (splitRule.mark).
//   - The last clears Writing. Until then the owner's host does not
//     record the operation's outcome; the call answers (997) only then.
//
// If the node writing dies in between, the controller leader finishes
// the writing of a group whose Writing is older than SplitAbandoned
// (FinishSplits), by the same rule. A failover and a move's handover
// split another way: everything but the group's record first, the owner
// change last, so that nobody acts on the resources before all are
// written (failoverSplit; host/handover.go). A forced delete marks the
// group Deleting, deletes its resources a chunk at a time and the group
// last (deleteSplit).
//
// What the split loses against one transaction: the checks are made on
// the head's view, and a resource that changed between the head and its
// own chunk is changed by its chunk all the same (a resource that
// reported locked mode meanwhile, say). A too-large change of a group
// whose own records cannot fit even one at a time answers
// ERROR_CLUSTER_MAXNUM_OF_RESOURCES_EXCEEDED.

// firstChunk is the number of resources the first split transaction
// takes; etcd's refusals halve it (for the engine's life): 4,096
// resources change in about 2 MB and 8,200 comparisons, inside the
// embedded members' limits; against an etcd with the default limits the
// chunk settles at 64.
const firstChunk = 4096

// SplitAbandoned is how old a group's unfinished split change must be for
// the controller leader to finish it (FinishSplits): far longer than its
// writer takes.
const SplitAbandoned = 30 * time.Second

// chunkSize is the number of resources one split transaction takes now.
func (e *Engine) chunkSize() int {
	if n := e.chunk.Load(); n > 0 {
		return int(n)
	}
	return firstChunk
}

// shrink halves the chunk size after etcd refused a chunk of n resources;
// it reports false when n was one resource already.
func (e *Engine) shrink(n int) bool {
	if n <= 1 {
		return false
	}
	e.chunk.Store(int64(n / 2))
	return true
}

// errTooBig answers a change etcd refuses even one resource at a time.
func errTooBig(group string, err error) error {
	return fail(wsfc.ERROR_CLUSTER_MAXNUM_OF_RESOURCES_EXCEEDED,
		"group %q: its change does not fit in a transaction of this cluster database, even one resource at a time (etcd --max-txn-ops, --max-request-bytes): %v", group, err)
}

// split is what a group change's decision needs to know when it runs as
// the head of a split change, and what the head leaves to the tail.
type split struct {
	chunk int
	// rest are the resources the tail changes, in order, and rule how.
	rest []string
	rule splitRule
}

// bulk is the view a decision reads the whole group through: v itself
// when the change is one transaction, unrecorded when it is split (the
// head compares only what it writes).
func (sp *split) bulk(v store.View) store.View {
	if sp == nil {
		return v
	}
	return v.Unrecorded()
}

// take returns the resources the decision changes now, of names (in
// order): all of them in one transaction, the first chunk in a split
// one, the rest left to the tail under rule.
func (sp *split) take(names []string, rule splitRule) []string {
	if sp == nil || len(names) <= sp.chunk {
		return names
	}
	sp.rest, sp.rule = slices.Clone(names[sp.chunk:]), rule
	return names[:sp.chunk]
}

// writing marks g (about to be written by the head) as written in several
// transactions, when the tail has anything to do.
func (sp *split) writing(g *store.Group, op string) {
	if sp != nil && len(sp.rest) > 0 {
		g.Writing = op
	}
}

// headed is a head's answer and what it left to the tail.
type headed struct {
	res Result
	sp  *split
}

// groupChange runs a change to many resources of one group: fn as one
// transaction, and if etcd refuses it as too large, fn again as the head
// of a split change (sp not nil), then the tail. fn is a decision that
// reads the whole group through sp.bulk(v) and changes the resources
// sp.take returns.
func (e *Engine) groupChange(ctx context.Context, group string, fn func(v store.View, t *store.Txn, sp *split) (Result, error)) (Result, error) {
	res, err := decide(ctx, e.st, func(v store.View, t *store.Txn) (Result, error) { return fn(v, t, nil) })
	if !store.TooLarge(err) {
		return res, err
	}
	for {
		n := e.chunkSize()
		h, _, err := store.Decide(ctx, e.st, func(v store.View, t *store.Txn) (headed, error) {
			sp := &split{chunk: n}
			res, err := fn(v, t, sp)
			return headed{res, sp}, err
		})
		if store.TooLarge(err) {
			if e.shrink(n) {
				continue
			}
			return Result{}, errTooBig(group, err)
		}
		if err != nil {
			return Result{}, err
		}
		if len(h.sp.rest) > 0 {
			if err := e.writeTail(ctx, group, h.res.OperationID, h.sp.rest, h.sp.rule); err != nil {
				return Result{}, err
			}
		}
		return h.res, nil
	}
}

// splitRule is how the tail of a split change changes one resource.
type splitRule struct {
	// drives reports whether op still drives g: once it does not, a
	// newer operation superseded it and the tail stops.
	drives func(g *store.Group) bool
	// mark changes resource name in t for op, if it still needs it.
	mark func(v store.View, t *store.Txn, g *store.Group, name string)
}

// writeTail changes names a chunk per transaction by rule, for as long
// as op drives the group, and clears the group's Writing with the last.
func (e *Engine) writeTail(ctx context.Context, group, op string, names []string, rule splitRule) error {
	for {
		n := min(len(names), e.chunkSize())
		done, _, err := store.Decide(ctx, e.st, func(v store.View, t *store.Txn) (bool, error) {
			g := v.Group(group)
			if g == nil || !rule.drives(g) {
				return true, nil // superseded: the newer operation owns the rest
			}
			for _, name := range names[:n] {
				rule.mark(v, t, g, name)
			}
			if n < len(names) {
				return false, nil
			}
			if g.Writing == op {
				ng := g.Clone()
				ng.Writing = ""
				t.PutGroup(ng)
			}
			return true, nil
		})
		switch {
		case store.TooLarge(err):
			if !e.shrink(n) {
				return errTooBig(group, err)
			}
			continue
		case err != nil:
			return err
		case done:
			return nil
		}
		names = names[n:]
	}
}

// Rules: each marks a resource only if it still needs it, so that a
// resource changed twice (a tail finished by the leader) or changed
// meanwhile by something else is left alone.

// offlineRule takes resources offline for op: OfflineGroup, or the
// source side of a move (move), which terminates Failed resources and,
// with flag 0x1 (ignoreLocked), locked ones.
func (e *Engine) offlineRule(op *store.Operation, drives func(g *store.Group) bool, move, ignoreLocked bool) splitRule {
	return splitRule{drives: drives, mark: func(v store.View, t *store.Txn, g *store.Group, name string) {
		st := v.Status(name)
		if st == nil || st.OpID == op.ID {
			return
		}
		switch s := wsfc.ClusterResourceState(st.State); s {
		case wsfc.ClusterResourceOnline, wsfc.ClusterResourceOnlinePending, wsfc.ClusterResourceFailed:
			e.setPending(t, v, name, pending{state: wsfc.ClusterResourceOfflinePending, op: op,
				params: s == wsfc.ClusterResourceOnline, persistent: keepPersistent,
				terminate: move && (s == wsfc.ClusterResourceFailed || ignoreLocked && st.Locked)})
		}
	}}
}

// onlineRule brings resources online for op (OnlineGroup: persistent
// online; a move that changed hands at once: only those persistently
// online).
func (e *Engine) onlineRule(op *store.Operation, drives func(g *store.Group) bool, group bool) splitRule {
	return splitRule{drives: drives, mark: func(v store.View, t *store.Txn, g *store.Group, name string) {
		st := v.Status(name)
		if st != nil && st.OpID == op.ID {
			return
		}
		s := wsfc.ClusterResourceState(stateOf(st))
		if s == wsfc.ClusterResourceOnline || s.IsPending() {
			return
		}
		if group {
			e.setPending(t, v, name, pending{state: wsfc.ClusterResourceOnlinePending, op: op, params: true, persistent: 1})
		} else if st != nil && st.Persistent == 1 && s == wsfc.ClusterResourceOffline {
			e.setPending(t, v, name, pending{state: wsfc.ClusterResourceOnlinePending, op: op, persistent: keepPersistent})
		}
	}}
}

// ruleFor is the rule of a split operation by its kind and the group's
// state, for the leader finishing a tail (FinishSplits).
func (e *Engine) ruleFor(op *store.Operation, g *store.Group) (rule splitRule, providersFirst, ok bool) {
	lastOp := func(g *store.Group) bool { return g.LastOperation == op.ID }
	switch op.Kind {
	case store.OpOfflineGroup:
		return e.offlineRule(op, lastOp, false, false), false, true
	case store.OpOnlineGroup:
		return e.onlineRule(op, lastOp, true), true, true
	case store.OpMoveGroup, store.OpFailover:
		if g.MoveOp == op.ID {
			return e.offlineRule(op, func(g *store.Group) bool { return g.MoveOp == op.ID },
				true, op.Flags&wsfc.CLUSAPI_GROUP_MOVE_IGNORE_RESOURCE_STATUS != 0), false, true
		}
		return e.onlineRule(op, func(g *store.Group) bool { return lastOp(g) && g.MoveTo == "" && g.OwnerNode == op.To }, false), true, true
	}
	return splitRule{}, false, false
}

// FinishSplits finishes the split changes whose writer stopped: the tail
// of a group whose Writing operation is older than minAge, and the forced
// delete of a group Deleting for longer. It says how many it finished.
func (e *Engine) FinishSplits(ctx context.Context, minAge time.Duration) (int, error) {
	v := e.st.View()
	cut := e.now().Add(-minAge)
	n := 0
	for _, g := range v.Groups() {
		switch {
		case !g.Deleting.IsZero() && g.Deleting.Before(cut):
			if err := e.deleteTail(ctx, g.Name); err != nil {
				return n, err
			}
			n++
		case g.Writing != "":
			op := v.Operation(g.Writing)
			if op != nil && !op.Created.Before(cut) {
				continue
			}
			if err := e.finishSplit(ctx, g, op); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}

// finishSplit writes the rest of g's split change by op's rule, or only
// clears Writing when the operation's record is gone.
func (e *Engine) finishSplit(ctx context.Context, g *store.Group, op *store.Operation) error {
	if op != nil {
		if rule, providersFirst, ok := e.ruleFor(op, g); ok {
			names := inOrder(e.st.View().GroupResources(g), providersFirst)
			return e.writeTail(ctx, g.Name, g.Writing, names, splitRule{
				drives: func(cur *store.Group) bool { return cur.Writing == op.ID && rule.drives(cur) },
				mark:   rule.mark,
			})
		}
	}
	id := g.Writing
	_, err := e.st.Update(ctx, func(v store.View, t *store.Txn) error {
		if cur := v.Group(g.Name); cur != nil && cur.Writing == id {
			ng := cur.Clone()
			ng.Writing = ""
			t.PutGroup(ng)
		}
		return nil
	})
	return err
}

// inOrder lists resources by their dependencies: providers before the
// resources that depend on them (providersFirst), or dependents before
// their providers; otherwise in the group's order.
func inOrder(rs []*store.Resource, providersFirst bool) []string {
	in := map[string]*store.Resource{}
	for _, r := range rs {
		in[r.Name] = r
	}
	depth := map[string]int{}
	var level func(r *store.Resource, seen int) int
	level = func(r *store.Resource, seen int) int {
		if d, ok := depth[r.Name]; ok {
			return d
		}
		d := 0
		if seen < len(rs) { // a cycle cannot exist; be safe anyway
			for _, p := range r.DependsOn {
				if pr := in[p]; pr != nil {
					d = max(d, level(pr, seen+1)+1)
				}
			}
		}
		depth[r.Name] = d
		return d
	}
	names := make([]string, len(rs))
	for i, r := range rs {
		level(r, 0)
		names[i] = r.Name
	}
	slices.SortStableFunc(names, func(a, b string) int {
		if providersFirst {
			return depth[a] - depth[b]
		}
		return depth[b] - depth[a]
	})
	return names
}

// names lists resources' names.
func names(rs []*store.Resource) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Name
	}
	return out
}
