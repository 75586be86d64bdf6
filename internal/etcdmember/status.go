package etcdmember

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// The database's history: the embedded members compact it themselves
// (etcd's auto compaction, mode "revision"), keeping the last
// CompactRetention revisions and compacting every 5 minutes; the
// controller leader does the same for an external etcd (CompactEvery).
// A revision is one committed change, so the history holds at most that
// many old versions of records: with records of a few hundred bytes (a
// resource's status, a group), 100,000 of them are some tens of MB, well
// inside the quota, and a watcher that was away for less than 100,000
// changes resumes where it was.
const (
	CompactRetention = 100000
	CompactEvery     = 5 * time.Minute
)

// WarnPercent of its quota is where a member's size is a warning: in the
// controller's log, `baton cluster status` and the metrics' users.
const WarnPercent = 80

// QuotaBytes is the embedded members' backend quota, etcd's default:
// past it the database raises the NOSPACE alarm and takes no more writes
// until space is freed (compaction, defragmentation) and the alarm
// disarmed.
const QuotaBytes = 2 << 30

// MemberStatus is one database member as it reports itself.
type MemberStatus struct {
	Name     string
	Endpoint string // its client URL
	ID       uint64
	Leader   bool // it leads the raft group
	Learner  bool
	// Size is the database file's size, InUse the part of it holding
	// data (the rest is free pages a defragmentation gives back), Quota
	// the size past which the member refuses writes.
	Size, InUse, Quota int64
	Revision           int64
	RaftIndex          uint64
	Alarms             []string // "NOSPACE", "CORRUPT"
	Err                error    // the member did not answer; the figures are zero
}

// statusTimeout bounds the question to one member.
const statusTimeout = 3 * time.Second

// Statuses asks every member of the database cli reaches for its status
// and alarms: the members it lists, each at its first client URL (a
// member added but not started has none and is left out).
func Statuses(ctx context.Context, cli *clientv3.Client) ([]MemberStatus, error) {
	lctx, cancel := context.WithTimeout(ctx, statusTimeout)
	list, err := cli.MemberList(lctx)
	cancel()
	if err != nil {
		return nil, fmt.Errorf("etcdmember: member list: %w", err)
	}
	alarms := map[uint64][]string{}
	actx, cancel := context.WithTimeout(ctx, statusTimeout)
	if resp, err := cli.AlarmList(actx); err == nil {
		for _, a := range resp.Alarms {
			alarms[a.MemberID] = append(alarms[a.MemberID], a.Alarm.String())
		}
	}
	cancel()
	var out []MemberStatus
	for _, m := range list.Members {
		if len(m.ClientURLs) == 0 {
			continue
		}
		ms := MemberStatus{Name: m.Name, Endpoint: m.ClientURLs[0], ID: m.ID, Learner: m.IsLearner, Alarms: alarms[m.ID]}
		sctx, cancel := context.WithTimeout(ctx, statusTimeout)
		st, err := cli.Status(sctx, ms.Endpoint)
		cancel()
		if err != nil {
			ms.Err = err
		} else {
			ms.Leader = st.Leader == st.Header.MemberId
			ms.Size, ms.InUse, ms.Quota = st.DbSize, st.DbSizeInUse, st.DbSizeQuota
			ms.Revision, ms.RaftIndex = st.Header.Revision, st.RaftIndex
		}
		out = append(out, ms)
	}
	slices.SortFunc(out, func(a, b MemberStatus) int {
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
	return out, nil
}

// Defragment defragments the member at endpoint: it rewrites its database
// file without the free pages, and blocks that member's reads and writes
// meanwhile (seconds for hundreds of MB). Never all members at once.
func Defragment(ctx context.Context, cli *clientv3.Client, endpoint string) error {
	if _, err := cli.Defragment(ctx, endpoint); err != nil {
		return fmt.Errorf("etcdmember: defragment %s: %w", endpoint, err)
	}
	return nil
}

// MoveLeader asks the leader at leaderEndpoint to hand the leadership to
// member to (etcd takes the request only from the leader).
func MoveLeader(ctx context.Context, cli *clientv3.Client, leaderEndpoint string, to uint64) error {
	conn, err := cli.Dial(leaderEndpoint)
	if err != nil {
		return fmt.Errorf("etcdmember: dial %s: %w", leaderEndpoint, err)
	}
	defer conn.Close()
	if _, err := pb.NewMaintenanceClient(conn).MoveLeader(ctx, &pb.MoveLeaderRequest{TargetID: to}); err != nil {
		return fmt.Errorf("etcdmember: move the leadership to %x: %w", to, rpctypes.Error(err))
	}
	return nil
}

// Compact compacts the history up to rev, and waits until the members
// have freed its pages; one compacted already (by the members' own
// compaction, or another leader) is not an error.
func Compact(ctx context.Context, cli *clientv3.Client, rev int64) error {
	_, err := cli.Compact(ctx, rev, clientv3.WithCompactPhysical())
	if err != nil && !errors.Is(err, rpctypes.ErrCompacted) {
		return fmt.Errorf("etcdmember: compact to %d: %w", rev, err)
	}
	return nil
}

// DisarmNoSpace disarms member id's NOSPACE alarm, once space is free
// again: until then the whole database refuses writes.
func DisarmNoSpace(ctx context.Context, cli *clientv3.Client, id uint64) error {
	if _, err := cli.AlarmDisarm(ctx, &clientv3.AlarmMember{MemberID: id, Alarm: pb.AlarmType_NOSPACE}); err != nil {
		return fmt.Errorf("etcdmember: disarm NOSPACE of %x: %w", id, err)
	}
	return nil
}
