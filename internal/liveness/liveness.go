// Package liveness keeps a node's etcd lease alive and says, by the node's
// own clock, until when the node may still act as the owner of anything.
//
// The lease is renewed with one KeepAliveOnce at a time. A renewal that
// succeeds proves the lease lives at least TTL from the moment the request
// was *sent* (the server counts from when it received it, which is later),
// so the node's authority ends at lastSentOK + TTL. The node must have
// stopped everything it hosts before that; Deadline gives the moment it
// must begin stopping, a safety margin earlier. See docs/fencing.md.
package liveness

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// Config sets the lease timings.
type Config struct {
	TTL      time.Duration // the lease's time to live (whole seconds; etcd rounds up)
	Interval time.Duration // time between renewals
	// Margin is how long before the lease can expire the node must start
	// stopping what it hosts (enough to terminate resources).
	Margin time.Duration
	Log    *slog.Logger
	// OnRenew hears each renewal's round-trip time (for metrics).
	OnRenew func(time.Duration)
	// OnDeadline hears the new Deadline after the grant and after each
	// renewal (for the fence guard, which acts when the agent cannot).
	OnDeadline func(time.Time)
}

// Validate checks the timings against each other.
func (c Config) Validate() error {
	switch {
	case c.TTL < time.Second:
		return fmt.Errorf("lease TTL %v: at least 1s", c.TTL)
	case c.Interval <= 0 || c.Interval*2 > c.TTL:
		return fmt.Errorf("lease renew interval %v: more than 0 and at most half the TTL %v", c.Interval, c.TTL)
	case c.Margin <= c.Interval || c.Margin >= c.TTL:
		return fmt.Errorf("fencing margin %v: more than the renew interval %v and less than the TTL %v", c.Margin, c.Interval, c.TTL)
	}
	return nil
}

// Lessor is what a Lease asks of the database: a *clientv3.Client, or
// in tests a fake whose time the test controls (testing/synctest).
type Lessor interface {
	Grant(ctx context.Context, ttl int64) (*clientv3.LeaseGrantResponse, error)
	KeepAliveOnce(ctx context.Context, id clientv3.LeaseID) (*clientv3.LeaseKeepAliveResponse, error)
	TimeToLive(ctx context.Context, id clientv3.LeaseID, opts ...clientv3.LeaseOption) (*clientv3.LeaseTimeToLiveResponse, error)
	Revoke(ctx context.Context, id clientv3.LeaseID) (*clientv3.LeaseRevokeResponse, error)
}

// Lease is a node's lease, kept alive until Close or until it is lost.
type Lease struct {
	cfg Config
	cli Lessor
	id  clientv3.LeaseID

	mu         sync.Mutex // guards lastSentOK and lost
	lastSentOK time.Time
	lost       bool
	lostCh     chan struct{}

	cancel context.CancelFunc
	done   chan struct{}
}

// ErrLost means the lease expired or could not be renewed in time.
var ErrLost = errors.New("liveness: lease lost")

// Grant makes a new lease and starts renewing it.
func Grant(ctx context.Context, cli Lessor, cfg Config) (*Lease, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	sent := time.Now()
	resp, err := cli.Grant(ctx, int64((cfg.TTL+time.Second-1)/time.Second))
	if err != nil {
		return nil, fmt.Errorf("liveness: grant: %w", err)
	}
	rctx, cancel := context.WithCancel(context.Background())
	l := &Lease{cfg: cfg, cli: cli, id: resp.ID, lastSentOK: sent, lostCh: make(chan struct{}), cancel: cancel, done: make(chan struct{})}
	if cfg.OnDeadline != nil {
		cfg.OnDeadline(l.Deadline())
	}
	go l.renew(rctx)
	return l, nil
}

// ID is the etcd lease id, to attach keys to.
func (l *Lease) ID() clientv3.LeaseID { return l.id }

// Deadline is when the node must begin stopping what it hosts unless a
// renewal succeeds first.
func (l *Lease) Deadline() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lastSentOK.Add(l.cfg.TTL - l.cfg.Margin)
}

// Valid reports whether the node may still act as an owner at now.
func (l *Lease) Valid(now time.Time) bool {
	l.mu.Lock()
	lost := l.lost
	l.mu.Unlock()
	return !lost && now.Before(l.Deadline())
}

// Lost is closed once the lease is lost for good: the deadline passed
// without a renewal, or the server says it expired.
func (l *Lease) Lost() <-chan struct{} { return l.lostCh }

func (l *Lease) markLost(why string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.lost {
		l.lost = true
		close(l.lostCh)
		l.cfg.Log.Warn("lease lost: this node stops what it hosts", "lease", fmt.Sprintf("%x", int64(l.id)), "why", why)
	}
}

func (l *Lease) renew(ctx context.Context) {
	defer close(l.done)
	t := time.NewTicker(l.cfg.Interval)
	defer t.Stop()
	for {
		deadline := l.Deadline()
		// The fencing timer: checked against the clock at every wake-up,
		// so a process that was paused notices at once when it resumes.
		if !time.Now().Before(deadline) {
			l.markLost("no successful renewal before the fencing deadline")
			return
		}
		wait := time.NewTimer(time.Until(deadline))
		select {
		case <-ctx.Done():
			wait.Stop()
			return
		case <-wait.C:
			continue
		case <-t.C:
			wait.Stop()
		}
		sent := time.Now()
		// One attempt may not take long: a renewal forwarded to a
		// database leader that just froze or died would hang, while the
		// next attempt reaches the leader elected meanwhile.
		attempt := sent.Add(2 * l.cfg.Interval)
		if attempt.After(deadline) {
			attempt = deadline
		}
		cctx, cancel := context.WithDeadline(ctx, attempt)
		resp, err := l.cli.KeepAliveOnce(cctx, l.id)
		cancel()
		switch {
		case err == nil && resp.TTL > 0:
			l.mu.Lock()
			if !l.lost {
				l.lastSentOK = sent
			}
			l.mu.Unlock()
			if l.cfg.OnRenew != nil {
				l.cfg.OnRenew(time.Since(sent))
			}
			if l.cfg.OnDeadline != nil {
				l.cfg.OnDeadline(l.Deadline())
			}
		case err == nil || errors.Is(err, rpctypes.ErrLeaseNotFound):
			// "Expired" can be a passing answer while a new database
			// leader takes over the leases; believe it once a read says
			// so too. Until then the deadline keeps the node safe.
			if l.expired(ctx, deadline) {
				l.markLost("the lease expired on the server")
				return
			}
		}
	}
}

// expired asks the server whether the lease is gone.
func (l *Lease) expired(ctx context.Context, deadline time.Time) bool {
	cctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	resp, err := l.cli.TimeToLive(cctx, l.id)
	return err == nil && resp.TTL <= 0
}

// Abandon stops renewing and leaves the lease to expire by itself.
func (l *Lease) Abandon() {
	l.cancel()
	<-l.done
}

// Close stops renewing and revokes the lease (its keys go at once).
func (l *Lease) Close(ctx context.Context) {
	l.cancel()
	<-l.done
	if _, err := l.cli.Revoke(ctx, l.id); err != nil {
		l.cfg.Log.Warn("lease revoke failed; it expires by itself", "err", err)
	}
}
