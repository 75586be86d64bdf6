package etcdmember_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/batoncluster/baton/internal/config"
	"github.com/batoncluster/baton/internal/etcdmember"
)

// config of a member named name with its own free ports and directory.
func memberConfig(t *testing.T, name string) etcdmember.Config {
	t.Helper()
	c, err := config.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	p, err := config.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	return etcdmember.Config{Name: name, DataDir: filepath.Join(t.TempDir(), name), ClientURL: "http://" + c, PeerURL: "http://" + p,
		TickMs: 50, ElectionMs: 250}
}

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func start(t *testing.T, cfg etcdmember.Config) *etcdmember.Member {
	t.Helper()
	m, err := etcdmember.Start(ctxFor(t), cfg)
	if err != nil {
		t.Fatalf("start %s: %v", cfg.Name, err)
	}
	t.Cleanup(m.Close)
	return m
}

func join(t *testing.T, cli *clientv3.Client, cfg etcdmember.Config) *etcdmember.Member {
	t.Helper()
	m, err := etcdmember.Join(ctxFor(t), cli, cfg)
	if err != nil {
		t.Fatalf("join %s: %v", cfg.Name, err)
	}
	t.Cleanup(m.Close)
	return m
}

// members lists the cluster as "name" (voting) or "name(learner)", sorted,
// and fails on two members at one peer URL.
func members(t *testing.T, cli *clientv3.Client) []string {
	t.Helper()
	resp, err := cli.MemberList(ctxFor(t))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	peers := map[string]bool{}
	for _, m := range resp.Members {
		s := m.Name
		if m.IsLearner {
			s += "(learner)"
		}
		out = append(out, s)
		for _, u := range m.PeerURLs {
			if peers[u] {
				t.Errorf("two members at %s: %v", u, resp.Members)
			}
			peers[u] = true
		}
	}
	slices.Sort(out)
	return out
}

// writeRead writes through one client and reads it back through another:
// both members serve the same data.
func writeRead(t *testing.T, w, r *clientv3.Client, key string) {
	t.Helper()
	ctx := ctxFor(t)
	if _, err := w.Put(ctx, key, "v"); err != nil {
		t.Fatalf("put %s: %v", key, err)
	}
	resp, err := r.Get(ctx, key)
	if err != nil || len(resp.Kvs) != 1 || string(resp.Kvs[0].Value) != "v" {
		t.Fatalf("get %s: %v %v", key, resp, err)
	}
}

// Join adds voting members one at a time; a joined member restarts from
// its data without being added again; a voting member that lost its data
// is refused rather than made again.
func TestJoinRestartAndLostData(t *testing.T) {
	c1, c2, c3 := memberConfig(t, "m1"), memberConfig(t, "m2"), memberConfig(t, "m3")
	m1 := start(t, c1)
	if etcdmember.HasData(c2.DataDir) {
		t.Fatal("HasData on a directory that does not exist")
	}
	m2 := join(t, m1.Client, c2)
	if m2.IsLearner() {
		t.Fatal("m2 is still a learner after Join")
	}
	if !etcdmember.HasData(c2.DataDir) {
		t.Fatal("no data after Join")
	}
	writeRead(t, m2.Client, m1.Client, "a")
	if got, want := members(t, m1.Client), []string{"m1", "m2"}; !slices.Equal(got, want) {
		t.Fatalf("members %v, want %v", got, want)
	}
	// The third joins through a client of both.
	both := dial(t, m1.ClientURL(), m2.ClientURL())
	m3 := join(t, both, c3)
	writeRead(t, m1.Client, m3.Client, "b")

	// Restart m2 from its data: Start alone, no join, no duplicate.
	m2.Close()
	m2 = start(t, c2)
	if got, want := members(t, m1.Client), []string{"m1", "m2", "m3"}; !slices.Equal(got, want) {
		t.Fatalf("after m2's restart: members %v, want %v", got, want)
	}
	writeRead(t, m2.Client, m3.Client, "c")

	// m3 loses its data: joining again at its address is refused.
	m3.Close()
	if err := os.RemoveAll(c3.DataDir); err != nil {
		t.Fatal(err)
	}
	_, err := etcdmember.Join(ctxFor(t), both, c3)
	if !errors.Is(err, etcdmember.ErrVoterWithoutData) {
		t.Fatalf("Join of a voting member without data: %v, want ErrVoterWithoutData", err)
	}
	if etcdmember.HasData(c3.DataDir) {
		t.Error("the refused Join left data behind")
	}
}

// A join interrupted after the member started, before its promotion,
// leaves a learner with data: restarted, it is promoted by
// PromoteIfLearner. One interrupted before the start leaves a learner
// without data: Join removes it and adds the member afresh.
func TestInterruptedJoins(t *testing.T) {
	c1, c2, c3 := memberConfig(t, "m1"), memberConfig(t, "m2"), memberConfig(t, "m3")
	m1 := start(t, c1)
	ctx := ctxFor(t)

	// m2: added and started as a learner, then stopped.
	addLearner(t, m1.Client, c2.PeerURL)
	learner := c2
	learner.InitialCluster, learner.Existing = "m1="+c1.PeerURL+",m2="+c2.PeerURL, true
	m2, err := etcdmember.Start(ctx, learner)
	if err != nil {
		t.Fatal(err)
	}
	if !m2.IsLearner() {
		t.Fatal("m2 started as a learner is not one")
	}
	m2.Close()
	m2 = start(t, c2) // from its data
	if !m2.IsLearner() {
		t.Fatal("m2 restarted from a learner's data is not a learner")
	}
	if err := m2.PromoteIfLearner(ctx); err != nil {
		t.Fatal(err)
	}
	if m2.IsLearner() {
		t.Fatal("m2 still a learner after PromoteIfLearner")
	}
	if got, want := members(t, m1.Client), []string{"m1", "m2"}; !slices.Equal(got, want) {
		t.Fatalf("members %v, want %v", got, want)
	}

	// m3: added as a learner and never started; etcd allows one learner,
	// so nothing else could join while it stays.
	addLearner(t, m1.Client, c3.PeerURL)
	m3 := join(t, m1.Client, c3)
	if got, want := members(t, m1.Client), []string{"m1", "m2", "m3"}; !slices.Equal(got, want) {
		t.Fatalf("members %v, want %v", got, want)
	}
	writeRead(t, m3.Client, m2.Client, "k")
}

// A Join that cannot start its member (its peer port is taken) undoes
// itself: no learner left in the cluster, no data left behind.
func TestFailedJoinUndoes(t *testing.T) {
	c1, c2 := memberConfig(t, "m1"), memberConfig(t, "m2")
	m1 := start(t, c1)
	c2.PeerURL = c1.PeerURL // taken by m1
	if _, err := etcdmember.Join(ctxFor(t), m1.Client, c2); err == nil {
		t.Fatal("Join on a taken peer port succeeded")
	}
	if got, want := members(t, m1.Client), []string{"m1"}; !slices.Equal(got, want) {
		t.Errorf("members after a failed Join: %v, want %v", got, want)
	}
	if etcdmember.HasData(c2.DataDir) {
		t.Error("a failed Join left data behind")
	}
}

func dial(t *testing.T, eps ...string) *clientv3.Client {
	t.Helper()
	cli, err := clientv3.New(clientv3.Config{Endpoints: eps, DialTimeout: 5 * time.Second, Logger: zap.NewNop()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.Close() })
	return cli
}

// addLearner adds a learner as an interrupted Join would have, trying
// again while etcd says the cluster is not ready for a new member (it
// wants its members connected for 5 s first).
func addLearner(t *testing.T, cli *clientv3.Client, peerURL string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, err := cli.MemberAddAsLearner(ctxFor(t), []string{peerURL})
		if err == nil {
			return
		}
		if !errors.Is(err, rpctypes.ErrUnhealthy) || time.Now().After(deadline) {
			t.Fatalf("add learner %s: %v", peerURL, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// A member of a forming cluster whose peers never come gives up when its
// context ends, and Start returns: it does not hang closing the member
// (which waits for peers that will not answer).
func TestStartGivesUpWithoutPeers(t *testing.T) {
	a, b := memberConfig(t, "a"), memberConfig(t, "b")
	a.InitialCluster = "a=" + a.PeerURL + ",b=" + b.PeerURL // b never starts
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		m, err := etcdmember.Start(ctx, a)
		if m != nil {
			m.Close()
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("a member of two started without its peer")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Start did not return 28 s after its context ended")
	}
}
