package agent

// Database membership. A cluster's first nodes are embedded etcd members;
// later ones are etcd clients. A node started with --join decides which
// it is by the rule in wantMembers, and a client node keeps checking the
// rule (watchMembership), so that a cluster that grows to nine nodes gets
// its five members.
//
// Membership changes are serialized across nodes by an etcd lock
// (membershipLockKey): under it a node counts the nodes and the members,
// and if the rule wants another member, adds itself (etcdmember.Join) and
// only then lets go, so two nodes deciding at once cannot both see "one
// short" and both join. etcd itself backs this up: it accepts one learner
// at a time, and a joining member is a learner until it is promoted.
//
// Members are removed only with their node, when it is evicted (`baton
// node evict`, ops.EvictNode): a cluster that shrinks otherwise keeps its
// members. A client node then becomes a member by itself if the rule
// wants one more, as when the cluster grows. An evicted node stops: at
// its next start, or when it tries to join again after losing its lease,
// it finds the eviction record (or, a member, that etcd removed it), and
// the agent exits (evicted); it comes back only as a new node, with an
// empty data directory and a join token.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.etcd.io/etcd/api/v3/etcdserverpb"
	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/client/v3/concurrency"

	"github.com/batoncluster/baton/internal/etcdmember"
	"github.com/batoncluster/baton/internal/ops"
	"github.com/batoncluster/baton/internal/store"
)

// The database roles a node records (store.Node.DatabaseRole).
const (
	roleMember   = "member"   // runs an embedded etcd member
	roleClient   = "client"   // an etcd client of the members
	roleExternal = "external" // a client of an external etcd (--etcd-endpoints)
)

// membershipLockKey is the etcd lock that serializes membership changes.
const membershipLockKey = store.Prefix + "membership-lock"

const (
	// lockTTL (seconds) is how long the lock outlives a node that died
	// holding it.
	lockTTL = 10
	// joinWithin bounds one membership change, waiting for the lock
	// included: etcd takes a new member only 5 s after the last one, and
	// a joiner may queue behind several others.
	joinWithin = 2 * time.Minute
	// membershipInterval is how often a client node checks the rule.
	membershipInterval = 2 * time.Second
	// membershipBackoff is the longest a client node waits after a failed
	// check.
	membershipBackoff = time.Minute
)

// wantMembers is how many embedded database members a cluster of the
// given number of nodes should have: three, and five from nine nodes on.
func wantMembers(nodes int) int {
	if nodes >= 9 {
		return 5
	}
	return 3
}

// joinDatabase is --join: restart the member this node became earlier,
// or join the cluster as a new member if the rule wants one more, or else
// as a client of the members.
func (a *Agent) joinDatabase(ctx context.Context) (*clientv3.Client, error) {
	mc, err := a.memberConfig()
	if err != nil {
		return nil, err
	}
	if etcdmember.HasData(mc.DataDir) {
		// A member already: restart it from its data like any member (the
		// node joined through need not be up), and finish a promotion a
		// kill may have interrupted.
		m, err := etcdmember.Start(ctx, mc)
		if err != nil {
			return nil, err
		}
		a.setMember(m)
		pctx, cancel := context.WithTimeout(ctx, joinWithin)
		defer cancel()
		if err := m.PromoteIfLearner(pctx); err != nil {
			return nil, fmt.Errorf("agent: %w", err)
		}
		return m.Client, nil
	}
	// The members' addresses came with the node's admission (setupPKI).
	saved, err := a.savedEndpoints()
	if err != nil {
		return nil, err
	}
	cli, err := a.dialEtcd(saved, a.etcdClientTLS)
	if err != nil {
		return nil, err
	}
	// Learn every member, so losing the one joined through is no loss.
	lctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	resp, err := cli.MemberList(lctx)
	cancel()
	if err != nil {
		return nil, fmt.Errorf("agent: --join %s: %w", a.cfg.Join, err)
	}
	eps := clientURLs(resp.Members)
	cli.SetEndpoints(eps...)
	if err := a.saveEndpoints(eps); err != nil {
		a.log.Warn("cannot save the database members' addresses", "err", err)
	}
	if err := a.refuseIfEvicted(ctx, cli); err != nil {
		return nil, err
	}
	jctx, cancel := context.WithTimeout(ctx, joinWithin)
	defer cancel()
	m, err := a.becomeMember(jctx, cli, mc, true)
	switch {
	case err != nil:
		// Not fatal: the node works as a client, and its membership loop
		// tries again.
		a.log.Warn("cannot become a database member now; joining as a client", "err", err)
	case m != nil:
		a.setMember(m)
		a.log.Info("joined the cluster database as a member", "client", m.ClientURL())
		return m.Client, nil
	}
	a.setRole(roleClient)
	return cli, nil
}

// becomeMember makes this node a database member through cli if the rule
// wants one more, all under the membership lock: wait says whether to
// wait for the lock or give up at once if another node holds it. It
// returns nil and no error when the node is not to be a member (now).
func (a *Agent) becomeMember(ctx context.Context, cli *clientv3.Client, mc etcdmember.Config, wait bool) (*etcdmember.Member, error) {
	sess, err := concurrency.NewSession(cli, concurrency.WithTTL(lockTTL), concurrency.WithContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("agent: membership lock: %w", err)
	}
	defer sess.Close()
	lock := concurrency.NewMutex(sess, membershipLockKey)
	if wait {
		err = lock.Lock(ctx)
	} else if err = lock.TryLock(ctx); errors.Is(err, concurrency.ErrLocked) {
		return nil, nil // another node is changing the membership: look again later
	}
	if err != nil {
		return nil, fmt.Errorf("agent: membership lock: %w", err)
	}
	defer func() {
		// On a fresh context: ctx may be what ended.
		uctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = lock.Unlock(uctx) // else it goes with the session's lease
	}()
	// An evicted node is no candidate: its eviction removes its node
	// record, which may make the rule want a member, before its agent
	// has found out and stopped.
	if err := a.refuseIfEvicted(ctx, cli); err != nil {
		return nil, err
	}
	nodes, err := countNodes(ctx, cli, a.cfg.Name)
	if err != nil {
		return nil, err
	}
	list, err := cli.MemberList(ctx)
	if err != nil {
		return nil, fmt.Errorf("agent: member list: %w", err)
	}
	// Learners count: each is a member on its way to voting.
	want := wantMembers(nodes)
	if len(list.Members) >= want {
		return nil, nil
	}
	a.log.Info("joining the database members", "nodes", nodes, "members", len(list.Members), "want", want)
	m, err := etcdmember.Join(ctx, cli, mc)
	if err != nil {
		return nil, fmt.Errorf("agent: %w", err)
	}
	return m, nil
}

// countNodes counts the cluster's nodes from their records, this node
// included even before its first start has written its own. It reads
// etcd rather than the store, which a joining node has not opened yet.
func countNodes(ctx context.Context, cli *clientv3.Client, self string) (int, error) {
	resp, err := cli.Get(ctx, store.NodeKey(""), clientv3.WithPrefix(), clientv3.WithKeysOnly())
	if err != nil {
		return 0, fmt.Errorf("agent: count nodes: %w", err)
	}
	n := len(resp.Kvs)
	if !slices.ContainsFunc(resp.Kvs, func(kv *mvccpb.KeyValue) bool { return string(kv.Key) == store.NodeKey(self) }) {
		n++
	}
	return n, nil
}

// clientURLs are the client URLs of the voting members, sorted: learners
// serve almost nothing, and members added but not started have none.
func clientURLs(members []*etcdserverpb.Member) []string {
	var out []string
	for _, m := range members {
		if !m.IsLearner {
			out = append(out, m.ClientURLs...)
		}
	}
	slices.Sort(out)
	return out
}

// watchMembership runs on a client node until it becomes a member: every
// membershipInterval it follows the members' client URLs and, if the rule
// wants another member and the node's lease is alive, makes the node one.
func (a *Agent) watchMembership(ctx context.Context) {
	wait, failing := membershipInterval, false
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		done, err := a.checkMembership(ctx)
		switch {
		case done:
			return
		case err != nil:
			if !failing {
				a.log.Warn("database membership check failing; retrying with backoff", "err", err)
			}
			failing, wait = true, min(2*wait, membershipBackoff)
		default:
			if failing {
				a.log.Info("database membership check working again")
			}
			failing, wait = false, membershipInterval
		}
	}
}

// checkMembership is one look of watchMembership; it reports true once
// the node is a member and its node record says so.
func (a *Agent) checkMembership(ctx context.Context) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, joinWithin)
	defer cancel()
	if a.databaseRole() == roleMember {
		err := a.recordRole(ctx) // an earlier look promoted the node but could not record it
		return err == nil, err
	}
	cli := a.store.Client()
	list, err := cli.MemberList(ctx)
	if err != nil {
		return false, fmt.Errorf("agent: member list: %w", err)
	}
	// Follow the members as they come, so that losing those known at the
	// start is no loss.
	eps := clientURLs(list.Members)
	if cur := slices.Sorted(slices.Values(cli.Endpoints())); len(eps) > 0 && !slices.Equal(eps, cur) {
		cli.SetEndpoints(eps...)
	}
	// A node that may have fenced is no candidate: it may be cut off, and
	// the next look comes soon enough.
	if l := a.lease.Load(); l == nil || !l.Valid(time.Now()) {
		return false, nil
	}
	if len(list.Members) >= wantMembers(len(a.store.View().Nodes())) {
		return false, nil
	}
	mc, err := a.memberConfig()
	if err != nil {
		return false, err
	}
	m, err := a.becomeMember(ctx, cli, mc, false)
	if err != nil || m == nil {
		return false, err
	}
	a.setMember(m)
	// The node's store reaches the database through its own member too.
	cli.SetEndpoints(append(eps, m.ClientURL())...)
	a.log.Info("this node is now a database member", "client", m.ClientURL())
	err = a.recordRole(ctx)
	return err == nil, err
}

// recordRole writes the node's database role into its node record.
func (a *Agent) recordRole(ctx context.Context) error {
	role := a.databaseRole()
	_, err := a.store.Update(ctx, func(v store.View, t *store.Txn) error {
		cur := v.Node(a.cfg.Name)
		if cur == nil || cur.DatabaseRole == role {
			return nil
		}
		n := *cur
		n.DatabaseRole = role
		t.PutNode(&n)
		return nil
	})
	if err != nil {
		return fmt.Errorf("agent: record database role: %w", err)
	}
	return nil
}

// ErrEvicted is the start of a node that was evicted from its cluster.
var ErrEvicted = errors.New("agent: this node was evicted from the cluster")

// refuseIfEvicted refuses the start of a node the cluster evicted: its
// data directory still opens the database, but it is no longer a node.
// A client node asks before it may become a member (joinDatabase), every
// node before it writes its node record (bootstrap).
func (a *Agent) refuseIfEvicted(ctx context.Context, cli *clientv3.Client) error {
	ev, err := ops.ReadEviction(ctx, cli, a.cfg.Name)
	if err != nil {
		return fmt.Errorf("agent: read eviction record: %w", err)
	}
	if ev == nil {
		return nil
	}
	return fmt.Errorf("%w (at %s by %s): to bring this machine back, stop it, empty its data directory %s and join with a join token (docs/operations/nodes.md)",
		ErrEvicted, ev.At.Format(time.RFC3339), ev.By, a.cfg.DataDir)
}

// isEvicted reports whether this node has been evicted while it ran: its
// database member was removed, or (a client node) the eviction record
// names it. A node that cannot tell (the database out of reach) is not.
func (a *Agent) isEvicted(ctx context.Context) bool {
	a.mu.Lock()
	m := a.member
	a.mu.Unlock()
	if m != nil {
		return m.Removed()
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	ev, err := ops.ReadEviction(ctx, a.store.Client(), a.cfg.Name)
	return err == nil && ev != nil
}

// evicted ends the agent's run: the node was evicted (isEvicted). The
// command that runs the agent exits when Evicted is closed.
func (a *Agent) evicted() {
	a.evictOnce.Do(func() {
		a.log.Error("this node was evicted from the cluster: the agent stops; to bring the machine back, empty its data directory and join with a join token",
			"dataDir", a.cfg.DataDir)
		close(a.evictedCh)
	})
}

// Evicted is closed when the node finds, while it runs, that it was
// evicted from the cluster: the agent should stop.
func (a *Agent) Evicted() <-chan struct{} { return a.evictedCh }
