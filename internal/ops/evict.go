package ops

// Evicting a node (EvictClusterNodeEx): the node leaves the cluster for
// good. Checks, in order; the first that fails answers, and nothing
// changes:
//
//	1  the node is known (its record, or an eviction of it that did not
//	   finish)                                          ERROR_CLUSTER_NODE_NOT_FOUND 5042
//	2  it is not the node answering the call            ERROR_CLUSTER_EVICT_INVALID_REQUEST 5939
//	3  if it is a voting database member, the members
//	   left keep a quorum of nodes that are up          ERROR_CLUSTER_NO_QUORUM 5925
//	4  it is Down; or, with force, drained: the call
//	   pauses it with drain and answers 5962 until its
//	   drain has completed                              ERROR_CANT_EVICT_ACTIVE_NODE 5009,
//	                                                    ERROR_CLUSTER_NODE_DRAIN_IN_PROGRESS 5962
//
// Then, each step repeatable (an eviction that stopped half way finishes
// when called again): the eviction record (EvictedKey) is written, which
// a node of that name meets at its next start, or when it tries to join
// again after losing its lease, and stops; its database member is
// removed (first: etcd may still refuse, and then nothing else has
// changed); the node record goes; the groups lose the node from their
// preferred owners, and the offline ones it owned get a new owner (online
// ones fail over by their policy, the controller's business once the
// owner is gone); the resources lose it from their explicit possible
// owners (owners.go); its lease, if it still has one, is revoked. A client node
// becomes a database member by itself when the rule wants one more
// (internal/agent/membership.go).

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"time"

	"go.etcd.io/etcd/api/v3/etcdserverpb"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/store"
)

// EvictedKey is where the record of a node's eviction is kept, until a
// node of that name is admitted again with a join token (DeleteEviction).
// It is not one of the store's records: the agent and Join read it from
// etcd directly.
func EvictedKey(node string) string { return store.Prefix + "evicted/" + node }

// Eviction is the record at EvictedKey.
type Eviction struct {
	Node string    `json:"node"`
	At   time.Time `json:"at"`
	By   string    `json:"by"` // the principal that evicted it
}

// EvictResult is what an eviction did.
type EvictResult struct {
	// MemberRemoved says the node's database member was removed.
	MemberRemoved bool
	// Groups are the groups whose preferred owners named the node, or
	// that it owned.
	Groups []string
}

// The node roles of store.Node.DatabaseRole an eviction cares about.
const roleMember = "member"

// EvictNode evicts a node (see the top of this file); caller is who asks.
func (e *Engine) EvictNode(ctx context.Context, name string, force bool, caller string) (EvictResult, error) {
	cli := e.st.Client()
	prior, err := ReadEviction(ctx, cli, name)
	if err != nil {
		return EvictResult{}, err
	}
	members, err := cli.MemberList(ctx)
	if err != nil {
		return EvictResult{}, err
	}
	v := e.st.View()
	n := v.Node(name)
	member := memberNamed(members.Members, name)
	if n == nil && (prior == nil || (member == nil && len(groupsNaming(v, name)) == 0)) {
		return EvictResult{}, fail(wsfc.ERROR_CLUSTER_NODE_NOT_FOUND, "node %q not found", name)
	}
	if name == e.node {
		return EvictResult{}, fail(wsfc.ERROR_CLUSTER_EVICT_INVALID_REQUEST,
			"node %q answers this call: a node cannot evict itself; ask another node (--address)", name)
	}
	if n != nil && n.DatabaseRole != roleMember {
		member = nil // a client node, or one of an external etcd: no member is its
	}
	up := func(node string) bool { return node != name && v.NodeState(node) != wsfc.ClusterNodeDown }
	if err := quorumWithout(members.Members, member, up); err != nil {
		return EvictResult{}, err
	}
	if n != nil {
		if n, err = e.evictable(ctx, n, force); err != nil {
			return EvictResult{}, err
		}
	}
	if err := e.writeEviction(ctx, name, caller, prior); err != nil {
		return EvictResult{}, err
	}
	res := EvictResult{}
	if member != nil {
		if err := removeMember(ctx, cli, member); err != nil {
			if prior == nil {
				e.undoEviction(name)
			}
			return res, err
		}
		res.MemberRemoved = true
		// If it led, a write proposed to it as it went is lost and times
		// out (after seconds): wait for the others' new leader first.
		awaitLeader(ctx, cli)
	}
	var alive *store.Alive
	if n != nil {
		err := retryLeaderChange(ctx, func() (err error) {
			alive, err = e.deleteNode(ctx, name, force)
			return err
		})
		if err != nil {
			if prior == nil && !res.MemberRemoved {
				e.undoEviction(name)
			}
			return res, err
		}
	}
	err = retryLeaderChange(ctx, func() (err error) {
		if res.Groups, err = e.forgetNode(ctx, name); err != nil {
			return err
		}
		return e.forgetOwner(ctx, name)
	})
	if err != nil {
		return res, err
	}
	if alive != nil {
		// An Up node's lease: revoking it ends its alive record at once,
		// and the node, which fences, finds itself evicted when it tries
		// to join again.
		if _, err := cli.Revoke(ctx, clientv3.LeaseID(alive.Lease)); err != nil && !errors.Is(err, rpctypes.ErrLeaseNotFound) {
			return res, err
		}
	}
	return res, nil
}

// evictable is check 4: the node as it is now, if it may be evicted. An
// alive node with force is paused with drain if it is not draining yet.
func (e *Engine) evictable(ctx context.Context, n *store.Node, force bool) (*store.Node, error) {
	v := e.st.View()
	state := v.NodeState(n.Name)
	if state == wsfc.ClusterNodeDown {
		return n, nil
	}
	if !force {
		return nil, fail(wsfc.ERROR_CANT_EVICT_ACTIVE_NODE,
			"node %q is %s: only a Down node is evicted (force drains it first)", n.Name, state)
	}
	if !n.Draining {
		var err error
		if n, err = e.PauseNode(ctx, n.Name, true); err != nil {
			return nil, err
		}
		v = e.st.View()
	}
	switch status, detail := DrainStatus(v, n.Name); status {
	case "completed":
		return n, nil
	case "failed":
		return nil, fail(wsfc.ERROR_CANT_EVICT_ACTIVE_NODE,
			"node %q is %s and its drain failed (%s): move or take its groups offline, then evict it again", n.Name, state, detail)
	default:
		return nil, fail(wsfc.ERROR_CLUSTER_NODE_DRAIN_IN_PROGRESS,
			"node %q is draining (%s): evict it again once its drain has completed", n.Name, detail)
	}
}

// memberNamed is the database member called name, or nil (a member added
// but never started has no name yet).
func memberNamed(members []*etcdserverpb.Member, name string) *etcdserverpb.Member {
	for _, m := range members {
		if m.Name == name {
			return m
		}
	}
	return nil
}

// quorumWithout is check 3: removing member (nil: none) leaves voting
// members, a majority of them on nodes that are up.
func quorumWithout(members []*etcdserverpb.Member, member *etcdserverpb.Member, up func(node string) bool) error {
	if member == nil || member.IsLearner {
		return nil // a learner does not vote: its removal changes no quorum
	}
	var left []string
	for _, m := range members {
		if !m.IsLearner && m.ID != member.ID {
			left = append(left, m.Name)
		}
	}
	if len(left) == 0 {
		return fail(wsfc.ERROR_CLUSTER_NO_QUORUM,
			"node %q is the cluster database's only voting member: without it the database has none", member.Name)
	}
	alive := 0
	for _, name := range left {
		if name != "" && up(name) {
			alive++
		}
	}
	if need := len(left)/2 + 1; alive < need {
		return fail(wsfc.ERROR_CLUSTER_NO_QUORUM,
			"removing node %q's database member leaves %d voting members %v, of which %d are on nodes that are up: a quorum needs %d; bring a member's node back first",
			member.Name, len(left), left, alive, need)
	}
	return nil
}

// ReadEviction reads the eviction record of node, nil if there is none.
func ReadEviction(ctx context.Context, cli *clientv3.Client, node string) (*Eviction, error) {
	resp, err := cli.Get(ctx, EvictedKey(node))
	if err != nil {
		return nil, err
	}
	if len(resp.Kvs) == 0 {
		return nil, nil
	}
	var ev Eviction
	if err := json.Unmarshal(resp.Kvs[0].Value, &ev); err != nil {
		// A record that does not decode still says the node was evicted.
		return &Eviction{Node: node}, nil
	}
	return &ev, nil
}

// DeleteEviction forgets that node was evicted: a node of that name is
// being admitted again (JoinService.Join).
func DeleteEviction(ctx context.Context, cli *clientv3.Client, node string) error {
	_, err := cli.Delete(ctx, EvictedKey(node))
	return err
}

// writeEviction writes the eviction record first, so that the node, if
// it starts meanwhile, is refused. An eviction record left by an earlier
// call stays as it is.
func (e *Engine) writeEviction(ctx context.Context, name, caller string, prior *Eviction) error {
	if prior != nil {
		return nil
	}
	b, err := json.Marshal(&Eviction{Node: name, At: e.now().UTC(), By: caller})
	if err != nil {
		return err
	}
	_, err = e.st.Client().Put(ctx, EvictedKey(name), string(b))
	return err
}

// undoEviction deletes the eviction record of a call that changed
// nothing else.
func (e *Engine) undoEviction(name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = DeleteEviction(ctx, e.st.Client(), name)
}

// deleteNode deletes the node record, if the node may still be evicted
// (checked again on the view the deletion commits on). It returns the
// node's alive record, if it has one (a drained node evicted with force).
func (e *Engine) deleteNode(ctx context.Context, name string, force bool) (*store.Alive, error) {
	res, _, err := store.Decide(ctx, e.st, func(v store.View, t *store.Txn) (*store.Alive, error) {
		n := v.Node(name)
		if n == nil {
			return nil, nil
		}
		state := v.NodeState(name)
		if state != wsfc.ClusterNodeDown {
			if !force {
				return nil, fail(wsfc.ERROR_CANT_EVICT_ACTIVE_NODE, "node %q came back: it is %s", name, state)
			}
			if status, detail := DrainStatus(v, name); status != "completed" {
				return nil, fail(wsfc.ERROR_CLUSTER_NODE_DRAIN_IN_PROGRESS, "node %q is draining again (%s %s)", name, status, detail)
			}
		}
		t.Delete(store.NodeKey(name), n.Rev)
		return v.Alive(name), nil
	})
	return res, err
}

// groupsNaming lists the groups whose preferred owners name node, or
// that it owns.
func groupsNaming(v store.View, node string) []string {
	var out []string
	for _, g := range v.Groups() {
		if g.OwnerNode == node || slices.Contains(g.PreferredOwners, node) {
			out = append(out, g.Name)
		}
	}
	return out
}

// forgetBatch bounds the groups changed in one transaction.
const forgetBatch = 500

// forgetNode takes the evicted node out of the groups' preferred owners
// and gives the offline groups it owned a new owner, a batch of groups
// per transaction. It returns the groups it looked at.
func (e *Engine) forgetNode(ctx context.Context, name string) ([]string, error) {
	groups := groupsNaming(e.st.View(), name)
	var errs []error
	store.Batches(groups, forgetBatch, func(batch []string) error {
		_, err := e.st.Update(ctx, func(v store.View, t *store.Txn) error {
			for _, gname := range batch {
				g := v.Group(gname)
				if g == nil || (g.OwnerNode != name && !slices.Contains(g.PreferredOwners, name)) {
					continue
				}
				ng := g.Clone()
				ng.PreferredOwners = slices.DeleteFunc(ng.PreferredOwners, func(p string) bool { return p == name })
				if ng.OwnerNode == name && g.PersistentState != 1 && v.GroupState(g) == wsfc.ClusterGroupOffline {
					ng.OwnerNode = e.newOwner(v, ng)
				}
				t.PutGroup(ng)
			}
			return nil
		})
		return err
	}, func(_ []string, err error) { errs = append(errs, err) })
	return groups, errors.Join(errs...)
}

// newOwner is the owner an offline group of an evicted node gets: its
// first preferred owner that is up, else the first node up by name, else
// the node answering the call.
func (e *Engine) newOwner(v store.View, g *store.Group) string {
	for _, p := range g.PreferredOwners {
		if v.Node(p) != nil && v.NodeState(p) == wsfc.ClusterNodeUp {
			return p
		}
	}
	var up []string
	for _, n := range v.Nodes() {
		if v.NodeState(n.Name) == wsfc.ClusterNodeUp {
			up = append(up, n.Name)
		}
	}
	if len(up) > 0 {
		slices.Sort(up)
		return up[0]
	}
	return e.node
}

// retryLeaderChange runs f again, for up to removeRetry, while it fails
// for want of a database leader: removing the member that led makes the
// others elect a new one, and writes in flight time out meanwhile.
func retryLeaderChange(ctx context.Context, f func() error) error {
	deadline := time.Now().Add(removeRetry)
	for {
		err := f()
		if err == nil || !leaderless(err) || !time.Now().Before(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// awaitLeader returns once the database answers a linearizable read
// (it has a leader), or after removeRetry.
func awaitLeader(ctx context.Context, cli *clientv3.Client) {
	deadline := time.Now().Add(removeRetry)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		rctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
		_, err := cli.Get(rctx, store.ClusterKey())
		cancel()
		if err == nil {
			return
		}
	}
}

// leaderless reports whether err is the database's answer while it has
// no leader, or is between leaders.
func leaderless(err error) bool {
	for _, e := range []error{rpctypes.ErrNoLeader, rpctypes.ErrLeaderChanged, rpctypes.ErrTimeout,
		rpctypes.ErrTimeoutDueToLeaderFail, rpctypes.ErrTimeoutDueToConnectionLost} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// removeRetry is how long removeMember tries again while etcd finds the
// cluster unhealthy: it removes a member that is up only once the member
// asked has been connected to all the others for 5 s (etcd's
// HealthInterval), which a member restarted or joined just now has not.
const removeRetry = 10 * time.Second

// removeMember removes the evicted node's database member. One removed
// already (by an earlier call whose answer was lost) is no error.
func removeMember(ctx context.Context, cli *clientv3.Client, m *etcdserverpb.Member) error {
	deadline := time.Now().Add(removeRetry)
	for {
		_, err := cli.MemberRemove(ctx, m.ID)
		switch {
		case err == nil, errors.Is(err, rpctypes.ErrMemberNotFound):
			return nil
		case errors.Is(err, rpctypes.ErrUnhealthy) && time.Now().Before(deadline):
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(250 * time.Millisecond):
			}
			continue
		case errors.Is(err, rpctypes.ErrMemberNotEnoughStarted), errors.Is(err, rpctypes.ErrUnhealthy):
			return fail(wsfc.ERROR_CLUSTER_NO_QUORUM, "the cluster database refused to remove member %s (%x): %v", m.Name, m.ID, err)
		}
		return err
	}
}
