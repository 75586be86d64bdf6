package controller

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/batoncluster/baton/internal/etcdmember"
)

// Keeping the database small, while this node leads.
//
// History: the embedded members compact it themselves (etcdmember); an
// external etcd is compacted by the leader the same way, keeping the last
// etcdmember.CompactRetention revisions. When a member's data fills half
// its quota, the leader compacts all of the history, keeping only the
// current state (watchers behind reload, as after any compaction they
// missed): better than a database that refuses every write.
//
// Space: compaction frees pages inside the database file, which does not
// shrink; a defragmentation rewrites it. The leader defragments a member
// whose file is at least DatabaseCare.DefragMin and at least twice the
// data it holds, one member per round and never two at once (a member
// being defragmented answers nothing meanwhile). A raft leader is not
// defragmented: its applies would stall for the time, and with them every
// lease renewal (etcd's leader renews only once applied), so the leader
// first hands its leadership to another member, and is defragmented as a
// follower in a later round. The only member of a one-member database is
// defragmented only once it fills etcdmember.WarnPercent of its quota.
//
// Warnings: a member past etcdmember.WarnPercent of its quota is logged (once an
// hour per member) and reported by `baton cluster status` and the
// metrics; its NOSPACE alarm, once raised, is disarmed when compaction
// and defragmentation brought it back under etcdmember.WarnPercent.

// DatabaseCare configures the leader's care of the database.
type DatabaseCare struct {
	// External says the database is an external etcd, whose compaction
	// the leader does (the embedded members compact themselves).
	External bool
	// Every is the time between rounds (0: DefaultDatabaseEvery).
	Every time.Duration
	// DefragMin is the smallest database file worth a defragmentation
	// (0: DefaultDefragMin).
	DefragMin int64
}

const (
	DefaultDatabaseEvery = time.Minute
	DefaultDefragMin     = 64 << 20
	// pressurePercent of its quota is where the data in use makes the
	// leader compact all the history, keeping the current state only.
	pressurePercent = 50
	// defragWithin bounds one defragmentation.
	defragWithin = 2 * time.Minute
	// warnAgain is how often a member over etcdmember.WarnPercent is logged again.
	warnAgain = time.Hour
)

// dbCare is the state of the leader's care between rounds.
type dbCare struct {
	cfg       DatabaseCare
	cli       *clientv3.Client
	log       *slog.Logger
	compacted int64                // the revision the leader last compacted to
	warned    map[uint64]time.Time // when each member's size was last logged
	external  time.Time            // when the leader last compacted an external etcd
}

// careForDatabase runs rounds until ctx ends.
func careForDatabase(ctx context.Context, cfg Config) {
	c := &dbCare{cfg: cfg.Database, cli: cfg.Store.Client(), log: cfg.Log, warned: map[uint64]time.Time{}}
	every := cmpOr(c.cfg.Every, DefaultDatabaseEvery)
	t := time.NewTimer(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := c.round(ctx); err != nil && ctx.Err() == nil {
			c.log.Warn("controller: database care round failed", "err", err)
		}
		t.Reset(every)
	}
}

func cmpOr[T comparable](a, b T) T {
	var zero T
	if a != zero {
		return a
	}
	return b
}

// round is one look at the database: warn, compact, defragment one
// member, disarm an alarm.
func (c *dbCare) round(ctx context.Context) error {
	ms, err := etcdmember.Statuses(ctx, c.cli)
	if err != nil {
		return err
	}
	var rev int64
	pressure := false
	for _, m := range ms {
		if m.Err != nil {
			continue
		}
		rev = max(rev, m.Revision)
		if m.Quota > 0 && m.Size*100 >= m.Quota*etcdmember.WarnPercent && time.Since(c.warned[m.ID]) > warnAgain {
			c.warned[m.ID] = time.Now()
			c.log.Warn("controller: the cluster database is filling up: past this size it takes no more writes",
				"member", m.Name, "size", m.Size, "inUse", m.InUse, "quota", m.Quota)
		}
		if m.Quota > 0 && m.InUse*100 >= m.Quota*pressurePercent {
			pressure = true
		}
	}
	compacted, err := c.compact(ctx, rev, pressure)
	if err != nil {
		return err
	}
	if compacted {
		// What the compaction freed shows in the sizes now.
		if ms, err = etcdmember.Statuses(ctx, c.cli); err != nil {
			return err
		}
	}
	if err := c.defragment(ctx, ms); err != nil {
		return err
	}
	return c.disarm(ctx)
}

// compact compacts an external etcd's history every
// etcdmember.CompactEvery, and any database's harder under pressure; it
// reports whether it did.
func (c *dbCare) compact(ctx context.Context, rev int64, pressure bool) (bool, error) {
	keep := int64(0)
	switch {
	case pressure:
		keep = 0
	case c.cfg.External && time.Since(c.external) >= etcdmember.CompactEvery:
		keep = etcdmember.CompactRetention
		c.external = time.Now()
	default:
		return false, nil
	}
	to := rev - keep
	if to <= c.compacted || to <= 0 {
		return false, nil
	}
	if err := etcdmember.Compact(ctx, c.cli, to); err != nil {
		return false, err
	}
	c.compacted = to
	if pressure {
		c.log.Warn("controller: the cluster database's data fills half its quota: compacted all its history",
			"revision", to)
	} else {
		c.log.Info("controller: compacted the external database's history", "revision", to, "kept", keep)
	}
	return true, nil
}

// defragment defragments one member that needs it, a follower first; a
// leader that needs it hands its leadership over instead.
func (c *dbCare) defragment(ctx context.Context, ms []etcdmember.MemberStatus) error {
	minSize := cmpOr(c.cfg.DefragMin, DefaultDefragMin)
	var voters []etcdmember.MemberStatus
	for _, m := range ms {
		if m.Err == nil && !m.Learner {
			voters = append(voters, m)
		}
	}
	needs := func(m etcdmember.MemberStatus) bool {
		return m.Err == nil && m.Size >= minSize && m.InUse*2 <= m.Size
	}
	// Followers first, the fullest first.
	cands := slices.DeleteFunc(slices.Clone(ms), func(m etcdmember.MemberStatus) bool { return !needs(m) })
	slices.SortStableFunc(cands, func(a, b etcdmember.MemberStatus) int {
		switch {
		case a.Leader != b.Leader:
			if a.Leader {
				return 1
			}
			return -1
		case a.Size > b.Size:
			return -1
		case a.Size < b.Size:
			return 1
		}
		return 0
	})
	if len(cands) == 0 {
		return nil
	}
	m := cands[0]
	if m.Leader {
		if len(voters) < 2 {
			if m.Quota == 0 || m.Size*100 < m.Quota*etcdmember.WarnPercent {
				return nil // the only member: only when it must
			}
		} else {
			to := voters[0]
			for _, v := range voters {
				if !v.Leader && (to.Leader || v.RaftIndex > to.RaftIndex) {
					to = v
				}
			}
			mctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			if err := etcdmember.MoveLeader(mctx, c.cli, m.Endpoint, to.ID); err != nil {
				return err
			}
			c.log.Info("controller: moved the database leadership away to defragment its member next", "from", m.Name, "to", to.Name)
			return nil
		}
	}
	dctx, cancel := context.WithTimeout(ctx, defragWithin)
	defer cancel()
	start := time.Now()
	if err := etcdmember.Defragment(dctx, c.cli, m.Endpoint); err != nil {
		return err
	}
	after := "?"
	sctx, scancel := context.WithTimeout(ctx, 5*time.Second)
	if st, err := c.cli.Status(sctx, m.Endpoint); err == nil {
		after = fmt.Sprint(st.DbSize)
	}
	scancel()
	c.log.Info("controller: defragmented a database member", "member", m.Name, "size", m.Size, "inUse", m.InUse, "sizeAfter", after, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// disarm disarms the NOSPACE alarms of members back under etcdmember.WarnPercent.
func (c *dbCare) disarm(ctx context.Context) error {
	ms, err := etcdmember.Statuses(ctx, c.cli)
	if err != nil {
		return err
	}
	for _, m := range ms {
		if m.Err != nil || !slices.Contains(m.Alarms, "NOSPACE") || m.Quota == 0 || m.Size*100 >= m.Quota*etcdmember.WarnPercent {
			continue
		}
		dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := etcdmember.DisarmNoSpace(dctx, c.cli, m.ID)
		cancel()
		if err != nil {
			return err
		}
		c.log.Warn("controller: disarmed a database member's NOSPACE alarm: it takes writes again", "member", m.Name, "size", m.Size, "quota", m.Quota)
	}
	return nil
}
