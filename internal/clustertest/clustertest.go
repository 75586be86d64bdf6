// Package clustertest runs real baton nodes in-process for tests: an
// embedded etcd member, the store, the operations engine, the resource
// host and the API server on a Unix socket, with helpers to wait for
// states. Test-only: nothing in production imports it.
package clustertest

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batoncluster/baton/clusapi"
	"github.com/batoncluster/baton/internal/agent"
	"github.com/batoncluster/baton/internal/cgroup"
	"github.com/batoncluster/baton/internal/config"
	"github.com/batoncluster/baton/internal/jointoken"
	"github.com/batoncluster/baton/internal/ops"
	"github.com/batoncluster/baton/internal/store"
)

// Node is one running node.
type Node struct {
	t     testing.TB
	Agent *agent.Agent
	Dir   string
	name  string
	edit  func(*config.Config)
	logs  *logBuffer
}

func start(t testing.TB, dir string, edit func(*config.Config), logs *logBuffer) (*agent.Agent, string) {
	t.Helper()
	cfg := config.Defaults()
	cfg.Dev, cfg.Name, cfg.DataDir = true, "node1", dir
	// A test's node leaves what it hosts running when it stops, unless
	// the test asks otherwise: taking every resource offline at each
	// cleanup costs seconds (a pending resource waits out its timeout),
	// and the cleanup kills what is left (fenceLeftovers).
	cfg.StopResourcesOnExit = false
	cfg.HTTPAddr, cfg.EtcdClientAddr, cfg.EtcdPeerAddr = "127.0.0.1:0", "auto", "auto"
	if edit != nil {
		edit(&cfg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	a, err := agent.Start(ctx, cfg, testWriter{t}, slog.New(slog.NewTextHandler(logWriter{t, logs}, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		t.Fatalf("start agent: %v", err)
	}
	return a, cfg.Name
}

// Restart stops the node and starts it again on the same data directory.
func (n *Node) Restart() {
	n.t.Helper()
	n.Agent.Close()
	n.Agent, n.name = start(n.t, n.Dir, n.edit, n.logs)
}

// New starts a one-node cluster in a temporary directory; it stops at the
// end of the test, leaving its resources as they are: what they run is
// killed, not taken offline (NewWith can set
// config.Config.StopResourcesOnExit).
func New(t testing.TB) *Node {
	t.Helper()
	return NewWith(t, nil)
}

// NewWith is New with a change to the agent's configuration.
func NewWith(t testing.TB, edit func(*config.Config)) *Node {
	t.Helper()
	dir := t.TempDir()
	logs := &logBuffer{}
	n := &Node{t: t, Dir: dir, edit: edit, logs: logs}
	n.Agent, n.name = start(t, dir, edit, logs)
	t.Cleanup(func() {
		n.Agent.Close()
		n.fenceLeftovers()
	})
	return n
}

// fenceLeftovers kills what the node's resources left running when it
// stopped, as its fence guard would at the deadline (an in-process
// node's guard stops with it): every process in the node's cgroup.
// Without usable cgroups (not root) a test that starts processes stops
// them itself, or has its node stop its resources on exit.
func (n *Node) fenceLeftovers() {
	cg := cgroup.Setup(cgroup.Options{Node: n.name, DataDir: n.Dir, Log: slog.New(slog.DiscardHandler)})
	if !cg.Valid() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if pids, _ := cg.Procs(); len(pids) > 0 {
		n.t.Logf("clustertest: killing the %d process(es) the node's resources left running", len(pids))
	}
	if err := cg.Kill(ctx); err != nil {
		n.t.Errorf("clustertest: %v", err)
	}
	_ = cg.Remove()
}

// Join starts node name in a temporary directory, joining first's
// cluster through its API with a join token, as `baton agent --join IP
// --join-token T` does; it stops at the end of the test.
func Join(t testing.TB, first *Node, name string) *Node {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tok, _, err := jointoken.Create(ctx, first.Store().Client(), first.Agent.CAHash(), time.Hour, "clustertest", "")
	if err != nil {
		t.Fatalf("join token: %v", err)
	}
	return NewWith(t, func(c *config.Config) { c.Name, c.Join, c.JoinToken = name, first.Agent.HTTPAddr(), tok.String() })
}

// Addr is the node's API address for clients.
func (n *Node) Addr() string { return "unix://" + filepath.Join(n.Dir, "baton.sock") }

// Store is the node's view of the cluster database.
func (n *Node) Store() *store.Store { return n.Agent.Store() }

// Ops is the node's operations engine.
func (n *Node) Ops() *ops.Engine { return n.Agent.Ops() }

// AwaitGroup waits until the group is in state want.
func (n *Node) AwaitGroup(name string, want clusapi.ClusterGroupState) {
	n.t.Helper()
	n.await(func(v store.View) bool {
		g := v.Group(name)
		return g != nil && v.GroupState(g) == want
	}, "group %s to be %s", name, want)
}

// AwaitResource waits until the resource is in state want.
func (n *Node) AwaitResource(name string, want clusapi.ClusterResourceState) {
	n.t.Helper()
	n.await(func(v store.View) bool { return v.ResourceState(name) == want }, "resource %s to be %s", name, want)
}

// Await waits until cond holds on the node's view (at most 20 s).
func (n *Node) Await(cond func(v store.View) bool, what string) {
	n.t.Helper()
	n.await(cond, "%s", what)
}

func (n *Node) await(cond func(v store.View) bool, format string, args ...any) {
	n.t.Helper()
	st := n.Store()
	sub := st.Subscribe()
	defer sub.Close()
	deadline := time.After(20 * time.Second)
	for !cond(st.View()) {
		select {
		case <-sub.C():
			sub.Take()
		case <-deadline:
			n.t.Fatalf("timed out waiting for "+format, args...)
		}
	}
}

// Logs returns what the node's agents logged at Warn and above, across
// restarts (the test's log has it too).
func (n *Node) Logs() string { return n.logs.String() }

type testWriter struct{ t testing.TB }

// logWriter writes the agent's log to the test's log and keeps a copy.
type logWriter struct {
	t    testing.TB
	logs *logBuffer
}

func (w logWriter) Write(p []byte) (int, error) {
	w.logs.add(p)
	w.t.Log(string(p))
	return len(p), nil
}

type logBuffer struct {
	mu sync.Mutex // guards b
	b  strings.Builder
}

func (l *logBuffer) add(p []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}
