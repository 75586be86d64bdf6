package liveness_test

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/batoncluster/baton/internal/config"
	"github.com/batoncluster/baton/internal/etcdmember"
	"github.com/batoncluster/baton/internal/liveness"
)

func member(t *testing.T) *etcdmember.Member {
	t.Helper()
	c, _ := config.FreePort()
	p, _ := config.FreePort()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	m, err := etcdmember.Start(ctx, etcdmember.Config{Name: "t", DataDir: t.TempDir(), ClientURL: "http://" + c, PeerURL: "http://" + p, TickMs: 100, ElectionMs: 500})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

var cfg = liveness.Config{TTL: 2 * time.Second, Interval: 200 * time.Millisecond, Margin: time.Second, Log: slog.New(slog.DiscardHandler)}

// On a real database: the lease is granted, renewed, and revoked by
// Close. How long it lasts, and when it is lost, the tests below measure
// on a fake whose clock is the test's (testing/synctest), to the
// microsecond and however busy the machine.
func TestLeaseOnEtcd(t *testing.T) {
	m := member(t)
	defer m.Close()
	renewed := make(chan struct{}, 1)
	c := cfg
	c.OnRenew = func(time.Duration) {
		select {
		case renewed <- struct{}{}:
		default:
		}
	}
	l, err := liveness.Grant(context.Background(), m.Client, c)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-renewed:
	case <-time.After(30 * time.Second):
		t.Fatal("no renewal")
	}
	if !l.Valid(time.Now()) {
		t.Error("a renewed lease is not valid")
	}
	resp, err := m.Client.TimeToLive(context.Background(), l.ID())
	if err != nil || resp.TTL <= 0 {
		t.Fatalf("server says TTL %v (%v)", resp.TTL, err)
	}
	l.Close(context.Background())
	if resp, err := m.Client.TimeToLive(context.Background(), l.ID()); err == nil && resp.TTL > 0 {
		t.Error("Close did not revoke the lease")
	}
}

// fakeDB is a database's leases in a synctest bubble: it answers at once
// while up; while down, every call waits for its context to end (a
// database that stopped answering).
type fakeDB struct {
	mu      sync.Mutex // guards the fields below
	down    bool
	expired bool // the lease is gone on the server
	revoked bool
}

func (f *fakeDB) state() (down, expired bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.down, f.expired
}

func (f *fakeDB) set(fn func(*fakeDB)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

func (f *fakeDB) Grant(ctx context.Context, ttl int64) (*clientv3.LeaseGrantResponse, error) {
	return &clientv3.LeaseGrantResponse{ID: 1, TTL: ttl}, nil
}

func (f *fakeDB) KeepAliveOnce(ctx context.Context, id clientv3.LeaseID) (*clientv3.LeaseKeepAliveResponse, error) {
	switch down, expired := f.state(); {
	case down:
		<-ctx.Done()
		return nil, ctx.Err()
	case expired:
		return nil, rpctypes.ErrLeaseNotFound
	}
	return &clientv3.LeaseKeepAliveResponse{ID: id, TTL: 2}, nil
}

func (f *fakeDB) TimeToLive(ctx context.Context, id clientv3.LeaseID, _ ...clientv3.LeaseOption) (*clientv3.LeaseTimeToLiveResponse, error) {
	switch down, expired := f.state(); {
	case down:
		<-ctx.Done()
		return nil, ctx.Err()
	case expired:
		return &clientv3.LeaseTimeToLiveResponse{ID: id, TTL: -1}, nil
	}
	return &clientv3.LeaseTimeToLiveResponse{ID: id, TTL: 2}, nil
}

func (f *fakeDB) Revoke(ctx context.Context, id clientv3.LeaseID) (*clientv3.LeaseRevokeResponse, error) {
	f.set(func(f *fakeDB) { f.revoked = true })
	return &clientv3.LeaseRevokeResponse{}, nil
}

func TestLeaseStaysValidWhileRenewed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		db := &fakeDB{}
		var renewals atomic.Int32
		c := cfg
		c.OnRenew = func(time.Duration) { renewals.Add(1) }
		start := time.Now()
		l, err := liveness.Grant(context.Background(), db, c)
		if err != nil {
			t.Fatal(err)
		}
		// Past one whole TTL, the lease is still good: it was renewed at
		// every interval, and its deadline counts from the last renewal.
		time.Sleep(c.TTL + c.Interval/2)
		if !l.Valid(time.Now()) || renewals.Load() != 10 {
			t.Fatalf("valid %v after %d renewals, want 10", l.Valid(time.Now()), renewals.Load())
		}
		if got, want := l.Deadline(), start.Add(10*c.Interval+c.TTL-c.Margin); !got.Equal(want) {
			t.Errorf("deadline %v after the start, want %v", got.Sub(start), want.Sub(start))
		}
		l.Close(context.Background())
		if !db.revoked { // Close called Revoke, on this goroutine
			t.Error("Close did not revoke the lease")
		}
	})
}

// When the database stops answering, the node gives up its authority by its
// own clock — before the server could expire the lease — and says so.
func TestLeaseLostWhenDatabaseGoesAway(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		db := &fakeDB{}
		l, err := liveness.Grant(context.Background(), db, cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close(context.Background())
		time.Sleep(3*cfg.Interval + cfg.Interval/2)
		stopped := time.Now()
		lastDeadline := l.Deadline()
		db.set(func(f *fakeDB) { f.down = true })
		select {
		case <-l.Lost():
		case <-time.After(cfg.TTL + time.Second):
			t.Fatal("lease not reported lost")
		}
		// Lost exactly at the deadline of the last renewal: the hanging
		// renewals were cut off at it, not after.
		if lost := time.Now(); !lost.Equal(lastDeadline) || lost.Sub(stopped) > cfg.TTL-cfg.Margin {
			t.Errorf("lost %v after the database stopped, at %v past the deadline; want at the deadline, within TTL %v - margin %v",
				lost.Sub(stopped), lost.Sub(lastDeadline), cfg.TTL, cfg.Margin)
		}
		if l.Valid(time.Now()) {
			t.Error("a lost lease is valid")
		}
		if !l.Deadline().Equal(lastDeadline) {
			t.Error("the deadline moved on without a successful renewal")
		}
	})
}

// When the server says the lease expired (and a read confirms it), the
// lease is lost at once, before its deadline.
func TestLeaseLostWhenServerExpiresIt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		db := &fakeDB{}
		l, err := liveness.Grant(context.Background(), db, cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close(context.Background())
		time.Sleep(cfg.Interval + cfg.Interval/2)
		expired := time.Now()
		db.set(func(f *fakeDB) { f.expired = true })
		<-l.Lost()
		if lost := time.Since(expired); lost != cfg.Interval/2 {
			t.Errorf("lost %v after the server expired the lease, want at the next renewal (%v)", lost, cfg.Interval/2)
		}
	})
}

func TestConfigValidate(t *testing.T) {
	bad := []liveness.Config{
		{TTL: 500 * time.Millisecond, Interval: 100 * time.Millisecond, Margin: 200 * time.Millisecond},
		{TTL: 2 * time.Second, Interval: 1500 * time.Millisecond, Margin: time.Second},
		{TTL: 2 * time.Second, Interval: 200 * time.Millisecond, Margin: 100 * time.Millisecond},
		{TTL: 2 * time.Second, Interval: 200 * time.Millisecond, Margin: 3 * time.Second},
	}
	for _, c := range bad {
		if c.Validate() == nil {
			t.Errorf("%+v accepted", c)
		}
	}
	if err := cfg.Validate(); err != nil {
		t.Error(err)
	}
}
