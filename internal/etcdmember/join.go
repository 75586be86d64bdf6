package etcdmember

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// ErrVoterWithoutData means the cluster has a voting member at this
// member's peer URL but the data directory is empty: the member lost its
// data. Making it again under the same address could lose committed
// writes, so Join refuses; the stale member must be removed by hand.
var ErrVoterWithoutData = errors.New("etcdmember: a voting member has this peer URL but no data here")

// How long to wait between tries of a membership change etcd refuses for
// now.
const (
	addRetry     = 250 * time.Millisecond
	promoteRetry = 100 * time.Millisecond
)

// Join makes a new member of the running cluster that cli reaches (a
// client of its voting members) and returns it running and voting:
//
//  1. MemberAddAsLearner: a learner replicates the log but does not vote,
//     so the cluster's quorum does not change while it catches up;
//  2. Start with the cluster's members and Existing;
//  3. MemberPromote, retried while etcd says the learner is not in sync
//     with the leader yet.
//
// A learner left at cfg.PeerURL by an earlier, interrupted Join is removed
// and added afresh. If any step fails, Join undoes the others (stops the
// member, removes the learner, deletes the data directory it made), so
// the next try starts clean. Callers serialize Joins themselves: etcd
// allows one learner at a time, and Join does not count members.
func Join(ctx context.Context, cli *clientv3.Client, cfg Config) (*Member, error) {
	if cfg.DataDir == "" {
		return nil, errors.New("etcdmember: join: no data directory")
	}
	if HasData(cfg.DataDir) {
		return nil, fmt.Errorf("etcdmember: join: %s holds a member's data already; Start restarts it", cfg.DataDir)
	}
	list, err := cli.MemberList(ctx)
	if err != nil {
		return nil, fmt.Errorf("etcdmember: join: member list: %w", err)
	}
	for _, m := range list.Members {
		if !slices.Contains(m.PeerURLs, cfg.PeerURL) {
			continue
		}
		if !m.IsLearner {
			return nil, fmt.Errorf("%w (member %x at %s)", ErrVoterWithoutData, m.ID, cfg.PeerURL)
		}
		if _, err := cli.MemberRemove(ctx, m.ID); err != nil {
			return nil, fmt.Errorf("etcdmember: join: remove the learner of an interrupted join: %w", err)
		}
	}
	add, err := addLearner(ctx, cli, cfg.PeerURL)
	if err != nil {
		return nil, err
	}
	id := add.Member.ID
	undo := func() {
		// The caller's ctx may be what failed: undo on a fresh one.
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		// Best effort: a learner left behind is removed by the next Join
		// at this peer URL.
		_, _ = cli.MemberRemove(uctx, id)
		_ = os.RemoveAll(cfg.DataDir)
	}
	var initial []string
	for _, m := range add.Members {
		name := m.Name
		if m.ID == id {
			name = cfg.Name
		}
		if name == "" {
			// Added but never started: not one this member can join
			// through (and with one learner at a time, not ours).
			continue
		}
		for _, u := range m.PeerURLs {
			initial = append(initial, name+"="+u)
		}
	}
	cfg.InitialCluster, cfg.Existing = strings.Join(initial, ","), true
	m, err := Start(ctx, cfg)
	if err != nil {
		undo()
		return nil, err
	}
	if err := m.promote(ctx, cli); err != nil {
		m.Close()
		undo()
		return nil, err
	}
	return m, nil
}

// addLearner adds a learner at peerURL, trying again while etcd refuses
// for a while: it accepts a new member only once the member asked has
// been connected to a quorum for 5 s (etcd's HealthInterval), so a join
// right after another, or during a leader change, must wait.
func addLearner(ctx context.Context, cli *clientv3.Client, peerURL string) (*clientv3.MemberAddResponse, error) {
	for {
		add, err := cli.MemberAddAsLearner(ctx, []string{peerURL})
		if err == nil {
			return add, nil
		}
		// etcd derives a new member's ID from its peer URLs and the time
		// in whole seconds: re-adding the learner removed just now gets
		// the same ID, refused as removed ("member not found") until the
		// next second.
		if !transient(err) && !errors.Is(err, rpctypes.ErrMemberNotFound) {
			return nil, fmt.Errorf("etcdmember: join: add learner: %w", err)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("etcdmember: join: add learner: %w (last: %v)", ctx.Err(), err)
		case <-time.After(addRetry):
		}
	}
}

// transient reports whether a membership change refused with err may
// succeed if tried again shortly.
func transient(err error) bool {
	for _, e := range []error{rpctypes.ErrUnhealthy, rpctypes.ErrNoLeader,
		rpctypes.ErrLeaderChanged, rpctypes.ErrTimeout, rpctypes.ErrTimeoutDueToLeaderFail, rpctypes.ErrTimeoutDueToConnectionLost} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// PromoteIfLearner makes the member a voting member if it is a learner
// (one whose Join was interrupted after the start, restarted from its
// data). It asks the voting members, since a learner serves no such
// request itself.
func (m *Member) PromoteIfLearner(ctx context.Context) error {
	if !m.IsLearner() {
		return nil
	}
	var eps []string
	for _, mm := range m.etcd.Server.Cluster().Members() {
		if !mm.IsLearner {
			eps = append(eps, mm.ClientURLs...)
		}
	}
	cli, err := clientv3.New(clientv3.Config{Endpoints: eps, DialTimeout: 5 * time.Second, Logger: zap.NewNop(), TLS: m.clientTLS,
		MaxCallSendMsgSize: ClientMaxSend})
	if err != nil {
		return fmt.Errorf("etcdmember: promote: %w", err)
	}
	defer cli.Close()
	return m.promote(ctx, cli)
}

// promote turns the member from a learner into a voting member through
// cli, trying again until ctx ends while etcd refuses (the learner is not
// in sync with the leader yet, or the cluster is between leaders). It
// returns once the member itself has applied its promotion, so its own
// client URL serves writes at once.
func (m *Member) promote(ctx context.Context, cli *clientv3.Client) error {
	id := m.ID()
	for m.IsLearner() {
		_, err := cli.MemberPromote(ctx, id)
		if errors.Is(err, rpctypes.ErrMemberNotFound) {
			return fmt.Errorf("etcdmember: promote %x: %w", id, err)
		}
		// Promoted or not (maybe by a try whose answer was lost, which
		// now says ErrMemberNotLearner), look again after a moment: the
		// member applies its promotion shortly after the leader.
		select {
		case <-ctx.Done():
			return fmt.Errorf("etcdmember: promote %x: %w (last: %v)", id, ctx.Err(), err)
		case <-time.After(promoteRetry):
		}
	}
	return nil
}
