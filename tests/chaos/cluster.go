//go:build linux

package chaos

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/batoncluster/baton/clusapi"
	"github.com/batoncluster/baton/internal/dial"
	"github.com/batoncluster/baton/internal/ledger"
)

// The agents' lease timings: the defaults, given explicitly because the
// campaign's fault durations and bounds are derived from them.
const (
	LeaseTTL      = 2 * time.Second
	RenewInterval = 200 * time.Millisecond
	FenceMargin   = 600 * time.Millisecond
)

// Logf is where the harness says what it does: t.Logf in tests, stderr
// in bench/chaos.
type Logf func(format string, args ...any)

// Config describes a cluster of real agents in network namespaces.
type Config struct {
	Bin   string // the baton binary
	Dir   string // data directories, logs, the ledger
	Nodes int
	// Members is how many of the nodes form the cluster with
	// --initial-cluster (the database members); the others join with
	// --join and a token, as database clients. 0: all of them.
	Members int
	// Later is how many of the last nodes Start leaves stopped: they join
	// when the test starts them (StartLater).
	Later int
	// Args returns extra agent flags for a node (nil: none).
	Args func(n *Node) []string
	Log  Logf
}

// Cluster is a set of agent processes forming one cluster, each in a
// network namespace of its own.
type Cluster struct {
	cfg    Config
	Net    *Network
	Nodes  []*Node
	Ledger string // the ledger every dummy resource of the campaign writes
	secret string
	token  string // join token for the non-member nodes

	mu      sync.Mutex // guards the fields below
	crashes []string   // exits nobody asked for
	freezes []Freeze
}

// Freeze is a time a node's agent was stopped with SIGSTOP, in ledger
// time (CLOCK_MONOTONIC ns); To is 0 while it lasts.
type Freeze struct {
	Node     string
	From, To int64
}

// Node is one agent: its process comes and goes, its data directory stays.
type Node struct {
	c     *Cluster
	Name  string
	Index int // 1-based: the node's address and namespace
	IP    string
	NS    string
	Dir   string
	Log   string // the agent's output, appended across restarts
	// DB are the agent's database flags; nil: --initial-cluster naming
	// the members, and the shared secret.
	DB []string
	// Extra are more agent flags for its next starts.
	Extra []string

	mu       sync.Mutex // guards the fields below
	cmd      *exec.Cmd
	exited   chan struct{} // closed once the process is reaped
	frozen   bool
	expected bool // the next exit was asked for (a kill, a stop)
	starts   int

	client *clusapi.Client
	conn   *dial.Conn
}

// NewCluster makes the network and the nodes n1…nN; nothing runs yet.
// Close stops everything.
func NewCluster(cfg Config) (*Cluster, error) {
	if cfg.Members == 0 || cfg.Members > cfg.Nodes {
		cfg.Members = cfg.Nodes
	}
	if cfg.Log == nil {
		cfg.Log = func(string, ...any) {}
	}
	nw, err := NewNetwork(cfg.Nodes)
	if err != nil {
		return nil, err
	}
	c := &Cluster{cfg: cfg, Net: nw, Ledger: filepath.Join(cfg.Dir, "ledger")}
	c.secret = filepath.Join(cfg.Dir, "cluster-secret")
	if err := os.WriteFile(c.secret, fmt.Appendf(nil, "chaos-secret-%d", time.Now().UnixNano()), 0o600); err != nil {
		nw.Remove()
		return nil, err
	}
	var members []string
	for i := 1; i <= cfg.Nodes; i++ {
		n := &Node{c: c, Name: fmt.Sprintf("n%d", i), Index: i, IP: nw.Addr(i), NS: nw.NS(i), Dir: filepath.Join(cfg.Dir, fmt.Sprintf("n%d", i))}
		n.Log = n.Dir + ".log"
		c.Nodes = append(c.Nodes, n)
		if i <= cfg.Members {
			members = append(members, n.Name+"="+n.IP)
		}
	}
	initial := strings.Join(members, ",")
	for _, n := range c.Nodes[:cfg.Members] {
		n.DB = []string{"--initial-cluster", initial, "--cluster-secret-file", c.secret}
	}
	return c, nil
}

// Start starts the members at once (a database needs a quorum to answer
// anything), then the other nodes with --join through n1 and a token,
// and waits until every node sees every node Up.
func (c *Cluster) Start(ctx context.Context) error {
	begin := time.Now()
	for _, n := range c.Nodes[:c.cfg.Members] {
		if err := n.Spawn(); err != nil {
			return err
		}
	}
	now := c.Nodes[:len(c.Nodes)-c.cfg.Later]
	if c.cfg.Members < len(c.Nodes) {
		if err := c.AwaitUp(ctx, c.Nodes[:c.cfg.Members], time.Minute); err != nil {
			return err
		}
		tok, err := c.Nodes[0].CLI(ctx, "cluster", "join-token", "create")
		if err != nil {
			return err
		}
		c.token = strings.TrimSpace(tok)
		for _, n := range c.Nodes[c.cfg.Members:] {
			n.DB = []string{"--join", c.Nodes[0].IP, "--join-token", c.token}
		}
		for _, n := range now[c.cfg.Members:] {
			if err := n.Spawn(); err != nil {
				return err
			}
		}
	}
	if err := c.AwaitUp(ctx, now, time.Minute); err != nil {
		return err
	}
	c.cfg.Log("cluster of %d nodes (%d database members) up in %v", len(now), c.cfg.Members, time.Since(begin).Round(time.Millisecond))
	return nil
}

// Node returns the node named name.
func (c *Cluster) Node(name string) *Node {
	for _, n := range c.Nodes {
		if n.Name == name {
			return n
		}
	}
	return nil
}

// Others are the nodes other than the given ones.
func (c *Cluster) Others(not ...*Node) []*Node {
	var out []*Node
	for _, n := range c.Nodes {
		if !slices.Contains(not, n) {
			out = append(out, n)
		}
	}
	return out
}

// Running are the nodes whose agent runs and is not frozen.
func (c *Cluster) Running() []*Node {
	var out []*Node
	for _, n := range c.Nodes {
		if n.Running() && !n.Frozen() {
			out = append(out, n)
		}
	}
	return out
}

// Crashes lists the agent exits nobody asked for.
func (c *Cluster) Crashes() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.crashes)
}

// Freezes lists the freezes so far.
func (c *Cluster) Freezes() []Freeze {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.freezes)
}

// Close stops every agent, all at once (one by one, the last would wait
// for a quorum that is gone): SIGCONT if frozen, SIGTERM, and SIGKILL if
// it does not exit in time; then removes the network. In time is 45 s: a
// member stopping as the last of the database waits about 6 s for a
// leadership transfer that cannot happen (etcd's Stop), other steps wait
// for a quorum within their own bounds, and a loaded machine stretches
// each.
func (c *Cluster) Close() error {
	var errs []error
	var wg sync.WaitGroup
	var mu sync.Mutex
	for _, n := range c.Nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := n.Stop(45 * time.Second); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	for _, n := range c.Nodes {
		n.closeClients()
	}
	errs = append(errs, c.Net.Remove())
	return errors.Join(errs...)
}

// args are the agent's command line.
func (n *Node) args() []string {
	args := append([]string{"agent", "--name", n.Name, "--data-dir", n.Dir, "--advertise", n.IP}, n.DB...)
	args = append(args, "--default-socket=",
		"--lease-ttl", LeaseTTL.String(), "--lease-renew-interval", RenewInterval.String(), "--fence-margin", FenceMargin.String())
	if n.c.cfg.Args != nil {
		args = append(args, n.c.cfg.Args(n)...)
	}
	return append(args, n.Extra...)
}

// Spawn starts the agent process and returns at once.
func (n *Node) Spawn() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cmd != nil {
		return fmt.Errorf("%s is running already", n.Name)
	}
	logf, err := os.OpenFile(n.Log, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	fmt.Fprintf(logf, "=== chaos: starting %s at %s\n", n.Name, time.Now().Format(time.RFC3339Nano))
	// ip netns exec execs the command: the PID is the agent's.
	cmd := exec.Command("ip", append([]string{"netns", "exec", n.NS, n.c.cfg.Bin}, n.args()...)...)
	cmd.Stdout, cmd.Stderr = logf, logf
	// If the harness dies, its agents die with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", n.Name, err)
	}
	exited := make(chan struct{})
	n.cmd, n.exited, n.frozen, n.expected = cmd, exited, false, false
	n.starts++
	go func() {
		werr := cmd.Wait()
		// The process is reaped: whatever it hosted in-process is gone.
		n.c.markGone(n.Name)
		n.mu.Lock()
		if n.cmd == cmd {
			n.cmd = nil
		}
		expected := n.expected
		n.mu.Unlock()
		if !expected {
			n.c.mu.Lock()
			n.c.crashes = append(n.c.crashes, fmt.Sprintf("%s exited by itself at %s: %v", n.Name, time.Now().Format("15:04:05.000"), werr))
			n.c.mu.Unlock()
		}
		close(exited)
	}()
	return nil
}

// markGone writes "gone" in the ledger for each resource still online on
// node (its process died and took the in-process resources with it).
func (c *Cluster) markGone(node string) {
	evs, err := ledger.Read(c.Ledger)
	if err != nil {
		return // the check reports it
	}
	for _, iv := range ledger.Intervals(evs) {
		if iv.Open && iv.Node == node {
			_ = ledger.Append(c.Ledger, ledger.Event{Node: node, Resource: iv.Resource, Kind: ledger.Gone})
		}
	}
}

// PID is the agent's process id, 0 if it does not run.
func (n *Node) PID() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cmd == nil {
		return 0
	}
	return n.cmd.Process.Pid
}

// Running reports whether the agent process runs (frozen or not).
func (n *Node) Running() bool { return n.PID() != 0 }

// Frozen reports whether the agent is stopped with SIGSTOP.
func (n *Node) Frozen() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.frozen
}

// Starts counts the agent's starts.
func (n *Node) Starts() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.starts
}

// Kill is kill -9: the agent dies at once, its in-process resources with
// it. It waits until the process is reaped.
func (n *Node) Kill() error {
	n.mu.Lock()
	cmd, exited := n.cmd, n.exited
	if cmd == nil {
		n.mu.Unlock()
		return fmt.Errorf("%s is not running", n.Name)
	}
	n.expected = true
	n.mu.Unlock()
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		return fmt.Errorf("kill -9 %s: %w", n.Name, err)
	}
	select {
	case <-exited:
		return nil
	case <-time.After(10 * time.Second):
		return fmt.Errorf("%s not reaped 10 s after kill -9", n.Name)
	}
}

// Stop is a clean stop (SIGCONT if frozen, SIGTERM), SIGKILL if it does
// not exit within limit, which is an error. Nothing running: nil.
func (n *Node) Stop(limit time.Duration) error {
	n.mu.Lock()
	cmd, exited, frozen := n.cmd, n.exited, n.frozen
	if cmd == nil {
		n.mu.Unlock()
		return nil
	}
	n.expected = true
	n.mu.Unlock()
	if frozen {
		n.Thaw()
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
		return nil
	case <-time.After(limit):
		_ = cmd.Process.Signal(syscall.SIGKILL)
		<-exited
		return fmt.Errorf("%s did not exit within %v of SIGTERM; killed", n.Name, limit)
	}
}

// Freeze stops the agent with SIGSTOP.
func (n *Node) Freeze() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cmd == nil || n.frozen {
		return fmt.Errorf("%s is not running, or frozen already", n.Name)
	}
	at := ledger.Now()
	if err := n.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		return err
	}
	n.frozen = true
	n.c.mu.Lock()
	n.c.freezes = append(n.c.freezes, Freeze{Node: n.Name, From: at})
	n.c.mu.Unlock()
	return nil
}

// Thaw resumes a frozen agent (SIGCONT).
func (n *Node) Thaw() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cmd == nil || !n.frozen {
		return
	}
	_ = n.cmd.Process.Signal(syscall.SIGCONT)
	n.frozen = false
	at := ledger.Now()
	n.c.mu.Lock()
	for i := len(n.c.freezes) - 1; i >= 0; i-- {
		if f := &n.c.freezes[i]; f.Node == n.Name && f.To == 0 {
			f.To = at
			break
		}
	}
	n.c.mu.Unlock()
}

// Socket is the node's API socket address.
func (n *Node) Socket() string { return "unix://" + filepath.Join(n.Dir, "baton.sock") }

// Client is the node's API client over its Unix socket (made once; it
// reconnects by itself after a restart). Each call is bounded by timeout.
func (n *Node) Client() *clusapi.Client {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.client == nil {
		cl, err := clusapi.New(n.Socket(), clusapi.WithTimeout(callTimeout))
		if err != nil {
			panic(fmt.Sprintf("clusapi.New(%s): %v", n.Socket(), err)) // a unix:// address does not fail
		}
		n.client = cl
	}
	return n.client
}

// Conn is the node's raw API connection (for the calls clusapi lacks).
func (n *Node) Conn() *dial.Conn {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.conn == nil {
		conn, err := dial.New(n.Socket(), dial.Options{Timeout: callTimeout})
		if err != nil {
			panic(fmt.Sprintf("dial.New(%s): %v", n.Socket(), err))
		}
		n.conn = conn
	}
	return n.conn
}

func (n *Node) closeClients() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.client != nil {
		n.client.Close()
		n.client = nil
	}
	if n.conn != nil {
		n.conn.Close()
		n.conn = nil
	}
}

// callTimeout bounds every API call of the harness and the driver.
const callTimeout = 6 * time.Second

// CLI runs the baton CLI against the node's socket and returns its
// standard output; a non-zero exit is an error with what it printed.
func (n *Node) CLI(ctx context.Context, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, n.c.cfg.Bin, args...)
	cmd.Env = append(os.Environ(), "BATON_ADDR="+n.Socket())
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	if err := cmd.Run(); err != nil {
		return o.String(), fmt.Errorf("baton %s (on %s): %v: %s", strings.Join(args, " "), n.Name, err, strings.TrimSpace(e.String()+o.String()))
	}
	return o.String(), nil
}

// LogText is everything the agent logged, across its restarts.
func (n *Node) LogText() string {
	b, _ := os.ReadFile(n.Log)
	return string(b)
}

// AwaitUp waits until each of the given nodes lists every node of the
// cluster, and all of the given nodes Up.
func (c *Cluster) AwaitUp(ctx context.Context, nodes []*Node, limit time.Duration) error {
	want := map[string]bool{}
	for _, n := range nodes {
		want[n.Name] = true
	}
	for _, n := range nodes {
		err := Await(ctx, limit, "every node Up as seen by "+n.Name, func() (bool, string) {
			cctx, cancel := context.WithTimeout(ctx, 3*time.Second)
			defer cancel()
			list, err := n.Client().ListNodes(cctx)
			if err != nil {
				return false, err.Error()
			}
			up := 0
			for _, m := range list {
				if want[m.Name] && m.State == clusapi.ClusterNodeUp {
					up++
				}
			}
			return up == len(want), fmt.Sprintf("%+v", list)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// Await polls cond every 50 ms until it holds; after limit it fails with
// the last thing cond said.
func Await(ctx context.Context, limit time.Duration, what string, cond func() (bool, string)) error {
	deadline := time.Now().Add(limit)
	for {
		ok, last := cond()
		if ok {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not %s within %v; last: %s", what, limit, last)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("not %s: %w; last: %s", what, ctx.Err(), last)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// DBLeader is the node whose database member leads now, asked through
// each running member's metrics; nil if none answers that it leads.
func (c *Cluster) DBLeader() *Node {
	var leader *Node
	for _, n := range c.Running() {
		m, err := n.etcdMetrics()
		if err != nil {
			continue
		}
		if strings.Contains(m, "\netcd_server_is_leader 1\n") {
			if leader != nil {
				return nil // two say so: an election under way
			}
			leader = n
		}
	}
	return leader
}

// etcdMetrics reads the node's database member's metrics.
func (n *Node) etcdMetrics() (string, error) {
	tc, err := n.etcdTLS()
	if err != nil {
		return "", err
	}
	tr := &http.Transport{DisableKeepAlives: true, TLSClientConfig: tc}
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		return dialInNetns(ctx, n.NS, network, addr)
	}
	cl := http.Client{Timeout: 2 * time.Second, Transport: tr}
	resp, err := cl.Get("https://" + n.IP + ":7411/metrics")
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return "\n" + string(b), err
}

// etcdTLS is what a node presents to the database: its certificate from
// the cluster CA, which alone it trusts.
func (n *Node) etcdTLS() (*tls.Config, error) {
	dir := filepath.Join(n.Dir, "pki")
	cert, err := tls.LoadX509KeyPair(filepath.Join(dir, "node.crt"), filepath.Join(dir, "node.key"))
	if err != nil {
		return nil, err
	}
	ca, err := os.ReadFile(filepath.Join(dir, "ca.crt"))
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca)
	return &tls.Config{Certificates: []tls.Certificate{cert}, RootCAs: pool}, nil
}

// dialInNetns connects from inside the network namespace ns: the socket
// is made on a thread switched into ns, and a socket stays in the
// namespace it was made in.
func dialInNetns(ctx context.Context, ns, network, addr string) (net.Conn, error) {
	runtime.LockOSThread()
	orig, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		runtime.UnlockOSThread()
		return nil, err
	}
	defer orig.Close()
	target, err := os.Open(filepath.Join("/run/netns", ns))
	if err != nil {
		runtime.UnlockOSThread()
		return nil, err
	}
	defer target.Close()
	if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
		runtime.UnlockOSThread()
		return nil, fmt.Errorf("setns %s: %w", ns, err)
	}
	d := net.Dialer{Timeout: 2 * time.Second}
	conn, derr := d.DialContext(ctx, network, addr)
	if err := unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET); err != nil {
		// The thread stays locked, so it ends with this goroutine
		// instead of serving others in the wrong namespace.
		if conn != nil {
			conn.Close()
		}
		return nil, fmt.Errorf("setns back: %w", err)
	}
	runtime.UnlockOSThread()
	return conn, derr
}

// Tail is the last lines of s.
func Tail(s string, lines int) string {
	l := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(l) > lines {
		l = l[len(l)-lines:]
	}
	return strings.Join(l, "\n")
}
