package agent_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batoncluster/baton/internal/agent"
	"github.com/batoncluster/baton/internal/config"
	"github.com/batoncluster/baton/internal/jointoken"
)

// joinConfig is node name's configuration on free loopback ports, joining
// through the API at join with token ("" for none: the node forms a new
// cluster).
func joinConfig(t *testing.T, dir, name, join, token string) config.Config {
	t.Helper()
	cfg := config.Defaults()
	cfg.Name, cfg.DataDir, cfg.Join, cfg.JoinToken, cfg.HTTPAddr = name, filepath.Join(dir, name), join, token, "127.0.0.1:0"
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
	first := joinConfig(t, dir, "n1", "", "")
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
	token := joinToken(t, a1)
	var wg sync.WaitGroup
	for i := 2; i <= 4; i++ {
		cfg := joinConfig(t, dir, fmt.Sprintf("n%d", i), a1.HTTPAddr(), token.String())
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

// joinToken makes a join token on a.
func joinToken(t *testing.T, a *agent.Agent) jointoken.Token {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tok, _, err := jointoken.Create(ctx, a.Store().Client(), a.CAHash(), time.Hour, "test", "")
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// memberNames are the database members' names, sorted.
func memberNames(t *testing.T, a *agent.Agent) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := a.Store().Client().MemberList(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range resp.Members {
		names = append(names, fmt.Sprintf("%s(learner=%v)", m.Name, m.IsLearner))
	}
	slices.Sort(names)
	return names
}

// A node with no token, a wrong secret, an expired or deleted token, or a
// token naming another cluster's CA is refused: it gets no credentials,
// the database's member list and node records stay as they were, and a
// good token still works afterwards.
func TestJoinRefused(t *testing.T) {
	dir := t.TempDir()
	a1, err := startAgent(t, joinConfig(t, dir, "n1", "", ""))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a1.Close)
	good := joinToken(t, a1)
	before := memberNames(t, a1)
	nodesBefore := len(a1.Store().View().Nodes())

	wrongSecret := good
	wrongSecret.Secret = strings.Repeat("0", 32)
	wrongCA := good
	wrongCA.CAHash = "sha256:" + strings.Repeat("1", 64)
	deleted := joinToken(t, a1)
	if ok, err := jointoken.Delete(context.Background(), a1.Store().Client(), deleted.ID); err != nil || !ok {
		t.Fatalf("delete: %v %v", ok, err)
	}
	cases := []struct {
		name, token, want string
	}{
		{"no token", "", "--join needs --join-token"},
		{"malformed", "hello", "not a valid join token"},
		{"wrong secret", wrongSecret.String(), "ERROR_ACCESS_DENIED (5)"},
		{"deleted", deleted.String(), "ERROR_ACCESS_DENIED (5)"},
		{"another cluster's CA", wrongCA.String(), "not of the cluster the join token names"},
	}
	for _, c := range cases {
		cfg := joinConfig(t, dir, "n2", a1.HTTPAddr(), c.token)
		a, err := startAgent(t, cfg)
		if err == nil {
			a.Close()
			t.Fatalf("%s: joined", c.name)
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want it to say %q", c.name, err, c.want)
		}
		if _, err := os.Stat(filepath.Join(cfg.DataDir, "pki", "node.crt")); err == nil {
			t.Errorf("%s: the refused node has a certificate", c.name)
		}
	}
	if after := memberNames(t, a1); !slices.Equal(before, after) {
		t.Errorf("members %v after refused joins, %v before", after, before)
	}
	if n := len(a1.Store().View().Nodes()); n != nodesBefore {
		t.Errorf("%d node records after refused joins, %d before", n, nodesBefore)
	}
	a2, err := startAgent(t, joinConfig(t, dir, "n2", a1.HTTPAddr(), good.String()))
	if err != nil {
		t.Fatalf("a good token after refusals: %v", err)
	}
	a2.Close()
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}
