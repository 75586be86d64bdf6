package agent_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/batoncluster/baton/internal/agent"
	"github.com/batoncluster/baton/internal/config"
)

// joinConfig is node name's configuration on free loopback ports, joining
// through join ("" for none: the node forms a new cluster).
func joinConfig(t *testing.T, dir, name, join string) config.Config {
	t.Helper()
	cfg := config.Defaults()
	cfg.Name, cfg.DataDir, cfg.Join, cfg.HTTPAddr = name, filepath.Join(dir, name), join, "127.0.0.1:0"
	var err error
	if cfg.EtcdClientAddr, err = config.FreePort(); err != nil {
		t.Fatal(err)
	}
	if cfg.EtcdPeerAddr, err = config.FreePort(); err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	return cfg
}

func startAgent(t *testing.T, cfg config.Config) (*agent.Agent, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn})).With("node", cfg.Name)
	a, err := agent.Start(ctx, cfg, io.Discard, log)
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", cfg.Name, err)
	}
	return a, nil
}

// Three nodes joining at once a cluster of one: the joins serialize, so
// exactly two become members (three in all) and the third a client; what
// each node reports and records is what etcd has.
func TestConcurrentJoins(t *testing.T) {
	dir := t.TempDir()
	first := joinConfig(t, dir, "n1", "")
	a1, err := startAgent(t, first)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex // guards agents
	agents := map[string]*agent.Agent{"n1": a1}
	t.Cleanup(func() {
		// All at once: one by one, the last members would wait for a quorum.
		var wg sync.WaitGroup
		for _, a := range agents {
			wg.Go(a.Close)
		}
		wg.Wait()
	})
	var wg sync.WaitGroup
	for i := 2; i <= 4; i++ {
		cfg := joinConfig(t, dir, fmt.Sprintf("n%d", i), first.EtcdClientAddr)
		wg.Go(func() {
			a, err := startAgent(t, cfg)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			agents[cfg.Name] = a
			mu.Unlock()
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp, err := a1.Store().Client().MemberList(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var members []string
	for _, m := range resp.Members {
		if m.IsLearner {
			t.Errorf("%s is still a learner", m.Name)
		}
		members = append(members, m.Name)
	}
	slices.Sort(members)
	if len(members) != 3 || members[0] != "n1" {
		t.Fatalf("etcd members %v: want n1 and two of the joiners", members)
	}
	if err := a1.Store().Sync(ctx); err != nil {
		t.Fatal(err)
	}
	v := a1.Store().View()
	for name, a := range agents {
		want := "client"
		if slices.Contains(members, name) {
			want = "member"
		}
		if got := a.DatabaseRole(); got != want {
			t.Errorf("%s says it is a %s, etcd says %s", name, got, want)
		}
		if n := v.Node(name); n == nil || n.DatabaseRole != want {
			t.Errorf("%s's record: %+v, want database role %s", name, n, want)
		}
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}
