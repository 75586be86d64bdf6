package liveness_test

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

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

func TestLeaseStaysValidWhileRenewed(t *testing.T) {
	m := member(t)
	defer m.Close()
	var renewals atomic.Int32
	c := cfg
	c.OnRenew = func(time.Duration) { renewals.Add(1) }
	l, err := liveness.Grant(context.Background(), m.Client, c)
	if err != nil {
		t.Fatal(err)
	}
	// Past one whole TTL, the lease is still good: it was renewed.
	time.Sleep(c.TTL + 500*time.Millisecond)
	if !l.Valid(time.Now()) || renewals.Load() < 5 {
		t.Fatalf("valid %v after %d renewals", l.Valid(time.Now()), renewals.Load())
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

// When the database stops answering, the node gives up its authority by its
// own clock — before the server could expire the lease — and says so.
func TestLeaseLostWhenDatabaseGoesAway(t *testing.T) {
	m := member(t)
	l, err := liveness.Grant(context.Background(), m.Client, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close(context.Background())
	time.Sleep(3 * cfg.Interval)
	stopped := time.Now()
	lastDeadline := l.Deadline()
	m.Close()
	select {
	case <-l.Lost():
	case <-time.After(cfg.TTL + time.Second):
		t.Fatal("lease not reported lost")
	}
	lostAfter := time.Since(stopped)
	if lostAfter > cfg.TTL-cfg.Margin+cfg.Interval {
		t.Errorf("lost after %v; the deadline leaves the margin %v before the TTL %v", lostAfter, cfg.Margin, cfg.TTL)
	}
	if l.Valid(time.Now()) {
		t.Error("a lost lease is valid")
	}
	if l.Deadline().After(lastDeadline.Add(cfg.Interval)) {
		t.Error("the deadline moved on without a successful renewal")
	}
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
