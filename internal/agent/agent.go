// Package agent wires one node's parts together — the cluster database,
// the store, the operations engine, the resource host and the API server —
// from a Config, starts them in order, undoes a half-finished start, and
// stops them in reverse.
package agent

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net/http"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/cgroup"
	"github.com/batoncluster/baton/internal/config"
	"github.com/batoncluster/baton/internal/controller"
	"github.com/batoncluster/baton/internal/etcdmember"
	"github.com/batoncluster/baton/internal/guard"
	"github.com/batoncluster/baton/internal/host"
	"github.com/batoncluster/baton/internal/liveness"
	"github.com/batoncluster/baton/internal/metrics"
	"github.com/batoncluster/baton/internal/ops"
	"github.com/batoncluster/baton/internal/pki"
	"github.com/batoncluster/baton/internal/restypes/plugin"
	"github.com/batoncluster/baton/internal/server"
	"github.com/batoncluster/baton/internal/store"
	"github.com/batoncluster/baton/restype"
)

// Agent is one running node.
type Agent struct {
	cfg config.Config
	log *slog.Logger
	out io.Writer

	tempDir  string // removed at Close when the data dir was made for -dev
	store    *store.Store
	ops      *ops.Engine
	types    *restype.Registry
	metrics  *metrics.Metrics
	guard    *guard.Client
	cgroups  *cgroup.Node // each resource's processes run in a cgroup below it
	http     *http.Server
	sockPath string
	tcpAddr  string
	// apiTLS is the TCP API's TLS configuration (the node's certificate
	// from the cluster CA, and the operator's); the socket is plain.
	apiTLS *tls.Config
	// pki is the node's certificate and the cluster CA; etcdTLS their
	// files for the embedded member, etcdClientTLS what the node presents
	// to the members.
	pki           *pki.Node
	etcdTLS       *etcdmember.TLSFiles
	etcdClientTLS *tls.Config

	// lease is the node's current lease (a new one after each fence), for
	// the membership loop, which acts only while it is valid.
	lease atomic.Pointer[liveness.Lease]
	// joinTried is when the node last tried to take a lease (Unix ns):
	// with the lease, what the systemd watchdog judges health by.
	joinTried atomic.Int64

	// evictedCh is closed once the node finds it was evicted (membership.go).
	evictedCh chan struct{}
	evictOnce sync.Once

	mu     sync.Mutex // guards member and role, which the membership loop changes
	member *etcdmember.Member
	role   string // roleMember, roleClient or roleExternal: what the start made it, or a promotion

	cancel  context.CancelFunc
	wg      sync.WaitGroup
	closed  bool
	closers []func() // undo steps, run in reverse
}

// Start builds and starts every part; on error it undoes what it started.
func Start(ctx context.Context, cfg config.Config, out io.Writer, log *slog.Logger) (*Agent, error) {
	started := time.Now()
	a := &Agent{cfg: cfg, log: log, out: out, evictedCh: make(chan struct{})}
	ok := false
	defer func() {
		if !ok {
			a.Close()
		}
	}()
	if err := a.prepareDataDir(); err != nil {
		return nil, err
	}
	if err := a.startGuard(); err != nil {
		return nil, err
	}
	if err := a.setupPKI(ctx); err != nil {
		return nil, err
	}
	if err := a.startDatabase(ctx); err != nil {
		return nil, err
	}
	if err := a.bootstrap(ctx); err != nil {
		return nil, err
	}
	// Records of an older schema read as they are; rewriting them once
	// makes them smaller (store.SchemaVersion). Not fatal: they still read.
	if n, err := store.Migrate(ctx, a.store); err != nil {
		a.log.Warn("store: records of an older schema version not rewritten; they read as they are", "err", err)
	} else if n > 0 {
		a.log.Info("store: records of an older schema version rewritten", "records", n, "schema", store.SchemaVersion)
	}
	types := Types()
	if cfg.PluginDir != "" {
		a.loadPlugins(types)
	}
	a.types = types
	engine := ops.New(a.store, types, cfg.Name)
	a.ops = engine
	a.metrics = metrics.New(cfg.Name, a.store.View)
	a.store.OnCommit(a.metrics.Commit)
	a.metrics.WatchStore(a.store.Stats)
	hostCfg := host.Config{Node: cfg.Name, Store: a.store, Types: types, StateDir: a.cfg.DataDir, Log: log,
		StopOnExit: cfg.StopResourcesOnExit, Observer: a.metrics, Guard: a.guard, Cgroups: a.cgroups}
	a.metrics.WatchResources(a.resourceUsage)
	a.metrics.WatchDatabase(a.databaseMembers)
	lease, err := a.join(ctx)
	if err != nil {
		return nil, err
	}
	a.lease.Store(lease)
	rctx, cancel := context.WithCancel(context.Background())
	a.cancel = cancel
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		a.runHost(rctx, hostCfg, lease)
	}()
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		_ = controller.Run(rctx, controller.Config{Node: cfg.Name, Store: a.store, Ops: engine, Log: log,
			Started: started, FormingGrace: 3 * cfg.LeaseTTL,
			SessionTTL: int(cfg.LeaseTTL / time.Second), OnFailover: a.metrics.Failover,
			Database: controller.DatabaseCare{External: a.databaseRole() == roleExternal}})
	}()
	if a.databaseRole() == roleClient {
		a.wg.Add(1)
		go func() {
			defer a.wg.Done()
			a.watchMembership(rctx)
		}()
	}
	a.closers = append(a.closers, func() { cancel(); a.wg.Wait() })
	srv := server.New(server.Config{Node: cfg.Name, Store: a.store, Ops: engine, Types: types, Log: log, PKI: a.pki, Observe: a.metrics.APIRequest})
	if err := a.serve(srv); err != nil {
		return nil, err
	}
	if err := a.publishCA(); err != nil {
		return nil, err
	}
	a.announce()
	ok = true
	return a, nil
}

func (a *Agent) prepareDataDir() error {
	if a.cfg.DataDir == "" {
		d, err := os.MkdirTemp("", "baton-dev-")
		if err != nil {
			return fmt.Errorf("agent: temporary data dir: %w", err)
		}
		a.cfg.DataDir, a.tempDir = d, d
		a.closers = append(a.closers, func() { os.RemoveAll(d) })
	}
	// Other users must reach the socket inside (their peer credentials
	// decide what they may do); the database below keeps its own 0700.
	if err := os.MkdirAll(a.cfg.DataDir, 0o755); err != nil {
		return fmt.Errorf("agent: data dir: %w", err)
	}
	if err := os.Chmod(a.cfg.DataDir, 0o755); err != nil {
		return fmt.Errorf("agent: data dir: %w", err)
	}
	return nil
}

func (a *Agent) startDatabase(ctx context.Context) error {
	// Whatever member runs at the end, started now or promoted later, stops
	// after the store and everything that uses it.
	a.closers = append(a.closers, a.closeMember)
	cli, err := a.databaseClient(ctx)
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, cli, a.log)
	if err != nil {
		return err
	}
	a.store = st
	a.closers = append(a.closers, st.Close)
	return nil
}

// databaseClient connects to the cluster database: an external etcd
// cluster (--etcd-endpoints), an existing cluster joined as a member or a
// client (--join, membership.go), or an embedded member (the default;
// --initial-cluster names all members when several form a cluster).
func (a *Agent) databaseClient(ctx context.Context) (*clientv3.Client, error) {
	switch {
	case len(a.cfg.EtcdEndpoints) > 0:
		a.setRole(roleExternal)
		tc, err := a.externalEtcdTLS()
		if err != nil {
			return nil, err
		}
		return a.dialEtcd(a.cfg.EtcdEndpoints, tc)
	case a.cfg.Join != "":
		return a.joinDatabase(ctx)
	}
	mc, err := a.memberConfig()
	if err != nil {
		return nil, err
	}
	if a.cfg.InitialCluster != "" {
		if mc.InitialCluster, err = a.cfg.InitialClusterURLs(); err != nil {
			return nil, err
		}
	}
	m, err := etcdmember.Start(ctx, mc)
	if err != nil {
		return nil, err
	}
	a.setMember(m)
	return m.Client, nil
}

// memberConfig is this node's embedded member: its name, directory and
// addresses ("auto" picks free ports now).
func (a *Agent) memberConfig() (etcdmember.Config, error) {
	clientAddr, peerAddr := a.cfg.EtcdClientAddr, a.cfg.EtcdPeerAddr
	var err error
	if clientAddr == "auto" {
		if clientAddr, err = config.FreePort(); err != nil {
			return etcdmember.Config{}, err
		}
	}
	if peerAddr == "auto" {
		if peerAddr, err = config.FreePort(); err != nil {
			return etcdmember.Config{}, err
		}
	}
	return etcdmember.Config{
		Name: a.cfg.Name, DataDir: filepath.Join(a.cfg.DataDir, "etcd"),
		ClientURL: "https://" + clientAddr, PeerURL: "https://" + peerAddr,
		TLS: a.etcdTLS, ClientTLS: a.etcdClientTLS,
		// An election takes 0.4–0.8 s (etcd wants ElectionMs ≥ 5 ticks):
		// well inside a node's fencing budget, LeaseTTL − FenceMargin − one
		// renew interval (1.2 s by default), so a leader change does not
		// make healthy nodes fence (docs/fencing.md).
		TickMs: 80, ElectionMs: 400, Log: a.log,
	}, nil
}

// setMember records that this node runs m, an embedded database member.
func (a *Agent) setMember(m *etcdmember.Member) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.member, a.role = m, roleMember
}

func (a *Agent) setRole(role string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.role = role
}

// closeMember stops the embedded member, if the node runs one.
func (a *Agent) closeMember() {
	a.mu.Lock()
	m := a.member
	a.mu.Unlock()
	if m != nil {
		m.Close()
	}
}

// The gRPC keepalive of a client node's connection to the database: a
// member cut off by a partition drops packets without closing anything,
// and a watch whose stream went to it would wait, unaware, until the
// partition heals — the node renews its lease through another member,
// so nobody takes its groups, but it hears of no change, and groups
// failed over to it stay pending (tests/chaos, CTS SplitBrain). Pings
// find the dead connection; the client moves to another member and the
// store's watch resumes there. etcd refuses pings more often than every
// 5 s (--grpc-keepalive-min-time), hence no less.
const (
	etcdKeepAliveTime    = 5 * time.Second
	etcdKeepAliveTimeout = 3 * time.Second
)

func (a *Agent) dialEtcd(endpoints []string, tc *tls.Config) (*clientv3.Client, error) {
	cli, err := clientv3.New(clientv3.Config{Endpoints: endpoints, DialTimeout: 5 * time.Second, Logger: zap.NewNop(), TLS: tc,
		MaxCallSendMsgSize: etcdmember.ClientMaxSend,
		DialKeepAliveTime:  etcdKeepAliveTime, DialKeepAliveTimeout: etcdKeepAliveTimeout})
	if err != nil {
		return nil, fmt.Errorf("agent: cluster database at %v: %w", endpoints, err)
	}
	a.closers = append(a.closers, func() { cli.Close() })
	return cli, nil
}

// bootstrap records the cluster (once), the security descriptor (once:
// Full access for the user running the agent) and this node as Up.
func (a *Agent) bootstrap(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := a.refuseIfEvicted(ctx, a.store.Client()); err != nil {
		return err
	}
	record := func(v store.View, t *store.Txn) error {
		if v.Cluster() == nil {
			t.PutCluster(&store.Cluster{Name: a.cfg.ClusterName, ID: randomID(), Created: time.Now()})
		}
		if v.Security() == nil {
			sd := &store.Security{Entries: map[string]string{}}
			if u, err := user.Current(); err == nil && u.Uid != "0" {
				sd.Entries["unix:user:"+u.Username] = store.AccessFull
			}
			t.PutSecurity(sd)
		}
		n := &store.Node{Name: a.cfg.Name, Address: a.cfg.HTTPAddr, State: int32(wsfc.ClusterNodeUp), Started: time.Now(),
			DatabaseRole: a.databaseRole()}
		if cur := v.Node(a.cfg.Name); cur != nil {
			n.Rev = cur.Rev
			n.State = cur.State // a paused node stays paused across restarts
		}
		t.PutNode(n)
		return nil
	}
	// The members of a cluster that is forming start one after another:
	// until a quorum is up each commit answers ErrNoQuorum after a while,
	// and the start waits for the quorum, to its limit.
	for {
		_, err := a.store.Update(ctx, record)
		if err == nil {
			return nil
		}
		if !errors.Is(err, store.ErrNoQuorum) || ctx.Err() != nil {
			return fmt.Errorf("agent: bootstrap: %w", err)
		}
		a.log.Info("waiting for the cluster database's quorum")
	}
}

// maxPluginSocketDir is the longest directory the plugins' sockets may
// live in: go-plugin's server adds "/pluginNNNNNNNNNN" (up to 17 bytes)
// and a Unix socket's path has at most 107.
const maxPluginSocketDir = 107 - 17

// pluginSocketDir makes the directory in the data directory where the
// plugins' sockets live, cleared of what a killed agent left there; ""
// (the system's temporary directory) when it cannot.
func (a *Agent) pluginSocketDir() string {
	dir := filepath.Join(a.cfg.DataDir, "plugin-sockets")
	if len(dir) > maxPluginSocketDir {
		return "" // a socket's path would pass the kernel's limit
	}
	if err := os.RemoveAll(dir); err != nil {
		a.log.Warn("cannot clear the plugins' socket directory", "dir", dir, "err", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		a.log.Warn("cannot make the plugins' socket directory; using the system's temporary directory", "dir", dir, "err", err)
		return ""
	}
	return dir
}

// loadPlugins registers the resource types of the plugin directory; a
// plugin that cannot be loaded is logged and left out, never fatal.
func (a *Agent) loadPlugins(types *restype.Registry) {
	ptypes, closers, err := plugin.DiscoverWith(a.cfg.PluginDir, a.log, plugin.Options{SocketDir: a.pluginSocketDir()})
	for _, c := range closers {
		a.closers = append(a.closers, func() { c.Close() })
	}
	if err != nil {
		a.log.Warn("resource type plugins not loaded", "dir", a.cfg.PluginDir, "err", err)
	}
	for i, t := range ptypes {
		if err := types.Register(t); err != nil {
			a.log.Warn("plugin type refused", "type", t.Name, "err", err)
			closers[i].Close()
			continue
		}
		a.log.Info("resource type plugin loaded", "type", t.Name)
	}
}

// databaseRole says how this node reaches the cluster database, as it
// turned out: an embedded member, a client of the members, or a client
// of an external etcd cluster.
func (a *Agent) databaseRole() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.role
}

// DatabaseRole is databaseRole for tests: member, client or external.
func (a *Agent) DatabaseRole() string { return a.databaseRole() }

// leaseConfig is the node's lease timings.
func (a *Agent) leaseConfig() liveness.Config {
	return liveness.Config{TTL: a.cfg.LeaseTTL, Interval: a.cfg.RenewInterval, Margin: a.cfg.FenceMargin,
		Log: a.log, OnRenew: a.metrics.LeaseRenewed, OnDeadline: a.guard.Extend}
}

// join takes a new lease and declares the node alive under it.
func (a *Agent) join(ctx context.Context) (*liveness.Lease, error) {
	a.joinTried.Store(time.Now().UnixNano())
	lease, err := liveness.Grant(ctx, a.store.Client(), a.leaseConfig())
	if err != nil {
		return nil, fmt.Errorf("agent: %w", err)
	}
	_, err = a.store.Update(ctx, func(v store.View, t *store.Txn) error {
		al := &store.Alive{Node: a.cfg.Name, Lease: int64(lease.ID()), Since: time.Now()}
		if cur := v.Alive(a.cfg.Name); cur != nil {
			al.Rev = cur.Rev // a previous lease of ours that has not expired yet
		}
		t.PutAlive(al, lease.ID())
		return nil
	})
	if err != nil {
		lease.Close(context.Background())
		return nil, fmt.Errorf("agent: declare node alive: %w", err)
	}
	return lease, nil
}

// runHost runs the resource host under one lease after another: when a
// lease is lost the host has fenced (stopped everything), and the node
// joins again with a new lease as soon as the database answers.
//
// A join that fails is tried again after a renew interval, then twice as
// long each time, up to rejoinBackoff, with jitter: each try grants a lease
// and writes the node's alive record (and revokes the lease when that
// fails), and a database so slow that many nodes fenced at once must not
// get all of them back every renew interval — their retries kept it
// overloaded and every node out (bench/scale64, 64 nodes on 2 CPUs).
func (a *Agent) runHost(ctx context.Context, cfg host.Config, lease *liveness.Lease) {
	for {
		cfg.Lease = lease
		err := host.New(cfg).Run(ctx)
		a.releaseLease(lease, err)
		if !errors.Is(err, host.ErrFenced) {
			if err != nil {
				a.log.Error("resource host stopped", "err", err)
			}
			return
		}
		for wait := a.cfg.RenewInterval; ; wait = min(2*wait, rejoinBackoff) {
			if ctx.Err() != nil {
				return
			}
			if a.isEvicted(ctx) {
				a.evicted()
				return
			}
			jctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			lease, err = a.join(jctx)
			cancel()
			if err == nil {
				a.lease.Store(lease)
				a.log.Info("node joined again with a new lease")
				break
			}
			a.log.Warn("cannot join the cluster again yet", "err", err, "retryIn", wait)
			select {
			case <-ctx.Done():
				return
			case <-time.After(jitter(wait)):
			}
		}
	}
}

func (a *Agent) announce() {
	db := "embedded etcd member in " + a.cfg.DataDir
	switch a.databaseRole() {
	case roleClient:
		db = "client of the embedded etcd members of the cluster"
	case roleExternal:
		db = "etcd at " + strings.Join(a.cfg.EtcdEndpoints, ",")
	}
	fmt.Fprintf(a.out, "baton agent: node %s is up (cluster database: %s)\n", a.cfg.Name, db)
	fmt.Fprintf(a.out, "  api:       unix://%s\n", a.sockPath)
	fmt.Fprintf(a.out, "  api:       https://%s (bearer tokens: baton acl token create)\n", a.tcpAddr)
	fmt.Fprintf(a.out, "  dashboard: https://%s/ui/ (sign in with a token: baton acl token create ui --access full)\n", a.tcpAddr)
	fmt.Fprintf(a.out, "  metrics:   https://%s/metrics\n", a.tcpAddr)
	fmt.Fprintf(a.out, "  ca:        %s %s (clients verify the API with it: BATON_CA)\n", a.caFile(), a.pki.CA.Hash())
	if a.cfg.DefaultSocket != "" {
		fmt.Fprintf(a.out, "  the CLI finds this agent through %s; elsewhere run:\n", a.cfg.DefaultSocket)
	}
	fmt.Fprintf(a.out, "  export BATON_ADDR=unix://%s\n", a.sockPath)
	if a.tempDir != "" {
		fmt.Fprintf(a.out, "  (-dev without --data-dir: everything is deleted when the agent stops)\n")
	}
}

// Store is the node's cluster database.
func (a *Agent) Store() *store.Store { return a.store }

// Types are the resource types the node knows, plugins included.
func (a *Agent) Types() *restype.Registry { return a.types }

// Ops is the node's operations engine.
func (a *Agent) Ops() *ops.Engine { return a.ops }

// CAHash is the cluster CA's pin (sha256:…), as join tokens carry it.
func (a *Agent) CAHash() string { return a.pki.CA.Hash() }

// SocketPath is the agent's Unix socket.
func (a *Agent) SocketPath() string { return a.sockPath }

// HTTPAddr is the TCP address the API listens on.
func (a *Agent) HTTPAddr() string { return a.tcpAddr }

// Close stops every part, in reverse order of start; the node's lease is
// revoked on the way, so the cluster sees it Down at once.
func (a *Agent) Close() {
	if a.closed {
		return
	}
	a.closed = true
	for i := len(a.closers) - 1; i >= 0; i-- {
		a.closers[i]()
	}
	a.closers = nil
}

func randomID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// databaseMembers is the database's members as they report themselves,
// for the metrics.
func (a *Agent) databaseMembers() ([]metrics.DatabaseMember, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ms, err := etcdmember.Statuses(ctx, a.store.Client())
	if err != nil {
		return nil, err
	}
	out := make([]metrics.DatabaseMember, len(ms))
	for i, m := range ms {
		out[i] = metrics.DatabaseMember{Name: m.Name, Leader: m.Leader, Size: m.Size, InUse: m.InUse, Quota: m.Quota,
			Alarms: m.Alarms, Answered: m.Err == nil}
	}
	return out, nil
}

// rejoinBackoff is the longest a fenced node waits between tries to join
// again: well inside the 15 s the systemd watchdog allows (notify.go).
const rejoinBackoff = 5 * time.Second

// jitter spreads d over [d/2, 3d/2), so that nodes that fenced together
// do not try again together.
func jitter(d time.Duration) time.Duration {
	return d/2 + time.Duration(mrand.Int64N(int64(d)))
}
