//go:build linux

package cluster

import (
	"bytes"
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
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
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/batoncluster/baton/internal/ledger"
)

// The agents' lease timings: the defaults, given explicitly because the
// tests' bounds are derived from them.
const (
	leaseTTL      = 2 * time.Second
	renewInterval = 200 * time.Millisecond
	fenceMargin   = 600 * time.Millisecond
)

// Bounds of the waits.
const (
	upWithin       = 30 * time.Second // a cluster forms, a node rejoins
	failoverWithin = 15 * time.Second // a group is online elsewhere
	exitWithin     = 20 * time.Second // an agent exits after SIGTERM
	cliWithin      = 60 * time.Second // any one CLI call
)

var batonBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "baton-cluster-")
	if err != nil {
		panic(err)
	}
	batonBin = filepath.Join(dir, "baton")
	build := exec.Command("go", "build", "-o", batonBin, "../../cmd/baton")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build baton:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// cluster is a set of agent processes forming one cluster.
type cluster struct {
	dir     string
	nodes   []*node
	initial string // --initial-cluster
	secret  string // --cluster-secret-file

	mu      sync.Mutex
	ledgers []string // ledger files to mark "gone" in when an agent dies
}

// node is one agent: its process comes and goes, its data directory stays.
type node struct {
	c     *cluster
	name  string
	ip    string
	netns string // "" for the root namespace
	dir   string // data directory
	log   string // the agent's output, appended across restarts
	// db are the agent's database flags; nil: --initial-cluster naming
	// every node of the cluster.
	db []string

	mu     sync.Mutex // guards the fields below
	cmd    *exec.Cmd
	exited chan struct{} // closed once the process is reaped and marked gone
	frozen bool
}

// newCluster makes a cluster of n nodes, n1…nN at ip(i); netns(i), if not
// nil, names the network namespace node i runs in. Nothing runs yet. At the
// end of the test every agent is stopped (by PID).
func newCluster(t *testing.T, n int, ip func(int) string, netns func(int) string) *cluster {
	t.Helper()
	c := &cluster{dir: t.TempDir()}
	var members []string
	for i := 1; i <= n; i++ {
		nd := &node{c: c, name: fmt.Sprintf("n%d", i), ip: ip(i), dir: filepath.Join(c.dir, fmt.Sprintf("n%d", i))}
		nd.log = nd.dir + ".log"
		if netns != nil {
			nd.netns = netns(i)
		}
		c.nodes = append(c.nodes, nd)
		members = append(members, nd.name+"="+nd.ip)
	}
	c.initial = strings.Join(members, ",")
	// The forming nodes share a secret, from which they derive the
	// cluster CA (--cluster-secret-file).
	c.secret = filepath.Join(c.dir, "cluster-secret")
	if err := os.WriteFile(c.secret, []byte(fmt.Sprintf("test-secret-%d-%s", time.Now().UnixNano(), t.Name())), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c.shutdown(t)
		if t.Failed() {
			for _, nd := range c.nodes {
				t.Logf("--- last lines of %s's log:\n%s", nd.name, tail(nd.logText(), 40))
			}
		}
	})
	return c
}

// loopbackCluster is n nodes on 127.0.0.1…n in the root namespace, each
// on the agent's default ports (7410–7412), which must be free.
func loopbackCluster(t *testing.T, n int) *cluster {
	t.Helper()
	return loopbackClusterAt(t, 0, n)
}

// loopbackClusterAt is loopbackCluster on 127.0.0.(base+1)…(base+n): a
// test on addresses of its own does not collide with a cluster on
// 127.0.0.1–3 that another test binary runs at the same time.
func loopbackClusterAt(t *testing.T, base, n int) *cluster {
	t.Helper()
	ip := func(i int) string { return fmt.Sprintf("127.0.0.%d", base+i) }
	for i := 1; i <= n; i++ {
		for _, port := range []string{"7410", "7411", "7412"} {
			l, err := net.Listen("tcp", net.JoinHostPort(ip(i), port))
			if err != nil {
				t.Fatalf("the cluster needs %s:%s free: %v (another agent running?)", ip(i), port, err)
			}
			l.Close()
		}
	}
	return newCluster(t, n, ip, nil)
}

func (c *cluster) node(name string) *node {
	for _, n := range c.nodes {
		if n.name == name {
			return n
		}
	}
	panic("no node " + name)
}

// others are the nodes other than the given ones.
func (c *cluster) others(not ...*node) []*node {
	var out []*node
	for _, n := range c.nodes {
		skip := false
		for _, x := range not {
			skip = skip || n == x
		}
		if !skip {
			out = append(out, n)
		}
	}
	return out
}

// newLedger returns a fresh ledger file the harness also marks "gone" in
// when an agent dies.
func (c *cluster) newLedger(t *testing.T) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	name := strings.NewReplacer("/", "-", " ", "_").Replace(t.Name())
	path := filepath.Join(c.dir, fmt.Sprintf("ledger-%d-%s", len(c.ledgers), name))
	c.ledgers = append(c.ledgers, path)
	return path
}

// start starts every node at once (a database of three members needs a
// quorum to answer anything) and waits until all are Up.
func (c *cluster) start(t *testing.T) {
	t.Helper()
	begin := time.Now()
	for _, n := range c.nodes {
		n.spawn(t)
	}
	c.awaitAllUp(t)
	t.Logf("cluster of %d nodes up in %v", len(c.nodes), time.Since(begin).Round(time.Millisecond))
}

// awaitAllUp waits until every node's own `node list` shows every node Up.
func (c *cluster) awaitAllUp(t *testing.T) {
	t.Helper()
	for _, n := range c.nodes {
		await(t, upWithin, "every node Up as seen by "+n.name, func() (bool, string) {
			nodes, err := tryJSON[[]nodeJSON](n, "node", "list")
			if err != nil {
				return false, err.Error()
			}
			up := 0
			for _, m := range nodes {
				if m.State == "Up" {
					up++
				}
			}
			return up == len(c.nodes) && len(nodes) == len(c.nodes), fmt.Sprintf("%+v", nodes)
		})
	}
}

// args are the agent's command line.
func (n *node) args() []string {
	db := n.db
	if db == nil {
		db = []string{"--initial-cluster", n.c.initial, "--cluster-secret-file", n.c.secret}
	}
	args := append([]string{"agent", "--name", n.name, "--data-dir", n.dir, "--advertise", n.ip}, db...)
	return append(args, "--default-socket=",
		"--lease-ttl", leaseTTL.String(), "--lease-renew-interval", renewInterval.String(), "--fence-margin", fenceMargin.String())
}

// spawn starts the agent process and returns at once.
func (n *node) spawn(t *testing.T) {
	t.Helper()
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cmd != nil {
		t.Fatalf("%s is running already", n.name)
	}
	logf, err := os.OpenFile(n.log, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	fmt.Fprintf(logf, "=== harness: starting %s at %s\n", n.name, time.Now().Format(time.RFC3339Nano))
	var cmd *exec.Cmd
	if n.netns != "" {
		// ip netns exec execs the command: the PID is the agent's.
		cmd = exec.Command("ip", append([]string{"netns", "exec", n.netns, batonBin}, n.args()...)...)
	} else {
		cmd = exec.Command(batonBin, n.args()...)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	// If the test binary dies, its agents die with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", n.name, err)
	}
	exited := make(chan struct{})
	n.cmd, n.exited, n.frozen = cmd, exited, false
	go func() {
		_ = cmd.Wait()
		// The process is reaped: whatever it hosted in-process is gone.
		n.c.markGone(n.name)
		n.mu.Lock()
		if n.cmd == cmd {
			n.cmd = nil
		}
		n.mu.Unlock()
		close(exited)
	}()
}

// markGone writes "gone" in every ledger for each resource still online
// on node (its process died and took the in-process resources with it).
func (c *cluster) markGone(node string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, path := range c.ledgers {
		evs, err := ledger.Read(path)
		if err != nil {
			continue // the test's Check reports it
		}
		for _, iv := range ledger.Intervals(evs) {
			if iv.Open && iv.Node == node {
				_ = ledger.Append(path, ledger.Event{Node: node, Resource: iv.Resource, Kind: ledger.Gone})
			}
		}
	}
}

func (n *node) pid(t *testing.T) int {
	t.Helper()
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cmd == nil {
		t.Fatalf("%s is not running", n.name)
	}
	return n.cmd.Process.Pid
}

func (n *node) running() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.cmd != nil
}

func (n *node) signal(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := syscall.Kill(n.pid(t), sig); err != nil {
		t.Fatalf("kill -%v %s: %v", sig, n.name, err)
	}
	n.mu.Lock()
	switch sig {
	case syscall.SIGSTOP:
		n.frozen = true
	case syscall.SIGCONT:
		n.frozen = false
	}
	n.mu.Unlock()
}

// awaitExit waits for the process to be reaped (and marked gone).
func (n *node) awaitExit(t *testing.T, within time.Duration) time.Duration {
	t.Helper()
	n.mu.Lock()
	exited := n.exited
	n.mu.Unlock()
	begin := time.Now()
	select {
	case <-exited:
		return time.Since(begin)
	case <-time.After(within):
		t.Fatalf("%s did not exit within %v", n.name, within)
		return 0
	}
}

// kill is kill -9: the agent dies at once, its resources with it.
func (n *node) kill(t *testing.T) {
	t.Helper()
	n.signal(t, syscall.SIGKILL)
	n.awaitExit(t, 10*time.Second)
}

// restart starts the agent again on its data directory and waits until the
// cluster sees it Up again.
func (n *node) restart(t *testing.T) {
	t.Helper()
	begin := time.Now()
	n.spawn(t)
	n.c.awaitAllUp(t)
	t.Logf("%s restarted and Up in %v", n.name, time.Since(begin).Round(time.Millisecond))
}

// shutdown stops every agent at the end of a test, all at once (one by
// one, the last would wait for a quorum that is gone): SIGCONT if frozen,
// SIGTERM, and SIGKILL if it does not exit in time.
func (c *cluster) shutdown(t *testing.T) {
	type proc struct {
		n      *node
		pid    int
		exited chan struct{}
	}
	var procs []proc
	for _, n := range c.nodes {
		n.mu.Lock()
		cmd, exited, frozen := n.cmd, n.exited, n.frozen
		n.mu.Unlock()
		if cmd == nil {
			continue
		}
		if frozen {
			_ = syscall.Kill(cmd.Process.Pid, syscall.SIGCONT)
		}
		_ = syscall.Kill(cmd.Process.Pid, syscall.SIGTERM)
		procs = append(procs, proc{n, cmd.Process.Pid, exited})
	}
	deadline := time.Now().Add(exitWithin)
	for _, p := range procs {
		select {
		case <-p.exited:
		case <-time.After(time.Until(deadline)):
			t.Errorf("%s did not exit within %v of SIGTERM; killing it", p.n.name, exitWithin)
			_ = syscall.Kill(p.pid, syscall.SIGKILL)
			<-p.exited
		}
	}
}

func (n *node) logText() string {
	b, _ := os.ReadFile(n.log)
	return string(b)
}

// logMarks remembers where each node's log ends now.
type logMarks map[*node]int

func (c *cluster) markLogs() logMarks {
	m := logMarks{}
	for _, n := range c.nodes {
		m[n] = len(n.logText())
	}
	return m
}

// since is what n logged after the mark.
func (m logMarks) since(n *node) string {
	s := n.logText()
	if m[n] > len(s) {
		return s
	}
	return s[m[n]:]
}

// lostLease lists the nodes, other than except, that logged a lost lease
// (and so fenced) since the mark.
func (c *cluster) lostLease(m logMarks, except ...*node) []string {
	var out []string
	for _, n := range c.others(except...) {
		if strings.Contains(m.since(n), "lease lost") {
			out = append(out, n.name)
		}
	}
	return out
}

// noteBystanders logs the nodes that fenced though nothing happened to
// them (see testFreezeDatabaseLeader, which asserts it).
func (c *cluster) noteBystanders(t *testing.T, m logMarks, failed ...*node) {
	t.Helper()
	if by := c.lostLease(m, failed...); len(by) > 0 {
		t.Logf("NOTE: healthy node(s) %v lost their lease and fenced too (see testFreezeDatabaseLeader)", by)
	}
}

// dbLeader is the node whose database member leads now, asked through
// each member's metrics (frozen and dead nodes are not asked).
func (c *cluster) dbLeader(t *testing.T) *node {
	t.Helper()
	var leader *node
	await(t, 10*time.Second, "one database leader", func() (bool, string) {
		leader = nil
		var says []string
		for _, n := range c.nodes {
			n.mu.Lock()
			live := n.cmd != nil && !n.frozen
			n.mu.Unlock()
			if !live {
				continue
			}
			m, err := n.etcdMetrics()
			if err != nil {
				says = append(says, err.Error())
				continue
			}
			if strings.Contains(m, "\netcd_server_is_leader 1\n") {
				if leader != nil {
					return false, "two leaders"
				}
				leader = n
			}
		}
		return leader != nil, strings.Join(says, "; ")
	})
	return leader
}

// etcdMetrics reads the node's database member's metrics.
func (n *node) etcdMetrics() (string, error) {
	tc, err := n.etcdTLS()
	if err != nil {
		return "", err
	}
	tr := &http.Transport{DisableKeepAlives: true, TLSClientConfig: tc}
	if n.netns != "" {
		tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			return dialInNetns(ctx, n.netns, network, addr)
		}
	}
	cl := http.Client{Timeout: 2 * time.Second, Transport: tr}
	resp, err := cl.Get("https://" + n.ip + ":7411/metrics")
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return "\n" + string(b), err
}

// etcdTLS is what a node presents to the database: its certificate from
// the cluster CA, which alone it trusts.
func (n *node) etcdTLS() (*tls.Config, error) {
	dir := filepath.Join(n.dir, "pki")
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

// joinToken makes a join token on n (`baton cluster join-token create`).
func (n *node) joinToken(t *testing.T) string {
	t.Helper()
	return strings.TrimSpace(n.must(t, "cluster", "join-token", "create"))
}

func tail(s string, lines int) string {
	l := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(l) > lines {
		l = l[len(l)-lines:]
	}
	return strings.Join(l, "\n")
}

// dialInNetns connects from inside the network namespace ns (made by
// `ip netns add`): the socket is made on a thread switched into ns, and a
// socket stays in the namespace it was made in.
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

// addr is the node's API socket.
func (n *node) addr() string { return "unix://" + filepath.Join(n.dir, "baton.sock") }

// baton runs the CLI against this node's socket.
func (n *node) baton(args ...string) (stdout, stderr string, code int, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), cliWithin)
	defer cancel()
	cmd := exec.CommandContext(ctx, batonBin, args...)
	cmd.Env = append(os.Environ(), "BATON_ADDR="+n.addr())
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) && ctx.Err() == nil {
		return o.String(), e.String(), ee.ExitCode(), nil
	}
	return o.String(), e.String(), 0, err
}

// must runs the CLI and fails the test unless it exits 0.
func (n *node) must(t *testing.T, args ...string) string {
	t.Helper()
	out, errOut, code, err := n.baton(args...)
	if err != nil || code != 0 {
		t.Fatalf("baton %s (on %s): exit %d %v\n%s%s", strings.Join(args, " "), n.name, code, err, out, errOut)
	}
	return out
}

// tryJSON runs the CLI with -o json and decodes a successful answer.
func tryJSON[T any](n *node, args ...string) (T, error) {
	var v T
	out, errOut, code, err := n.baton(append(args, "-o", "json")...)
	if err != nil || code != 0 {
		return v, fmt.Errorf("baton %s (on %s): exit %d %v %s", strings.Join(args, " "), n.name, code, err, strings.TrimSpace(errOut+out))
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		return v, fmt.Errorf("baton %s -o json (on %s): %v: %s", strings.Join(args, " "), n.name, err, out)
	}
	return v, nil
}

// mustJSON is tryJSON failing the test.
func mustJSON[T any](t *testing.T, n *node, args ...string) T {
	t.Helper()
	v, err := tryJSON[T](n, args...)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// errorOf runs a CLI call that must fail and returns its JSON error.
func errorOf(t *testing.T, n *node, args ...string) errBody {
	t.Helper()
	out, errOut, code, err := n.baton(append(args, "-o", "json")...)
	if err != nil {
		t.Fatal(err)
	}
	var e errJSON
	if jerr := json.Unmarshal([]byte(out), &e); jerr != nil || code == 0 {
		t.Fatalf("baton %s: exit %d, stdout %q, stderr %q: want a JSON error and a non-zero exit", strings.Join(args, " "), code, out, errOut)
	}
	return e.Error
}

// await polls cond every 20 ms until it holds, failing the test after
// limit with the last thing cond said.
func await(t *testing.T, limit time.Duration, what string, cond func() (bool, string)) time.Duration {
	t.Helper()
	begin := time.Now()
	deadline := begin.Add(limit)
	for {
		ok, last := cond()
		if ok {
			return time.Since(begin)
		}
		if time.Now().After(deadline) {
			t.Fatalf("not %s within %v; last: %s", what, limit, last)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// The -o json shapes the tests read.

type nodeJSON struct {
	Name        string   `json:"name"`
	State       string   `json:"state"`
	Groups      []string `json:"groups"`
	DrainStatus string   `json:"drainStatus"`
	DrainDetail string   `json:"drainDetail"`
}

type stateJSON struct {
	Name      string `json:"name"`
	State     string `json:"state"`
	StateCode int    `json:"stateCode"`
	OwnerNode string `json:"ownerNode"`
}

type opJSON struct {
	Group      string  `json:"group"`
	Status     int     `json:"status"`
	StatusName string  `json:"statusName"`
	State      *string `json:"state"`
}

type errBody struct {
	Code    int    `json:"code"`
	Name    string `json:"name"`
	Message string `json:"message"`
}

type errJSON struct {
	Error errBody `json:"error"`
}

type propJSON struct {
	Name  string `json:"name"`
	Type  string `json:"type"`
	Value any    `json:"value"`
}

type resourceJSON struct {
	Name      string     `json:"name"`
	ID        string     `json:"id"`
	State     string     `json:"state"`
	OwnerNode string     `json:"ownerNode"`
	Locked    bool       `json:"locked"`
	Status    []propJSON `json:"status"`
}

func (r resourceJSON) status(name string) (any, bool) {
	for _, p := range r.Status {
		if p.Name == name {
			return p.Value, true
		}
	}
	return nil, false
}

type historyJSON struct {
	Kind    string     `json:"kind"`
	Flags   uint32     `json:"flags"`
	Params  []propJSON `json:"params"`
	Caller  string     `json:"caller"`
	Outcome string     `json:"outcome"`
}

// Groups of dummy resources.

// createGroup makes group name with three dummy resources name-r1…r3 that
// write to ledgerPath, preferring the given owners, and brings it online.
func createGroup(t *testing.T, via *node, name, ledgerPath string, preferred ...string) {
	t.Helper()
	args := []string{"group", "create", name}
	for _, p := range preferred {
		args = append(args, "--preferred-owner", p)
	}
	via.must(t, args...)
	for _, r := range resourcesOf(name) {
		via.must(t, "resource", "create", r, "--group", name, "--type", "dummy", "--prop", "Ledger=sz:"+ledgerPath)
	}
	op := mustJSON[opJSON](t, via, "group", "online", name, "--wait=30s")
	if op.State == nil || *op.State != "Online" {
		t.Fatalf("group online %s: %+v", name, op)
	}
}

func resourcesOf(group string) []string {
	return []string{group + "-r1", group + "-r2", group + "-r3"}
}

func groupState(t *testing.T, via *node, group string) stateJSON {
	t.Helper()
	return mustJSON[stateJSON](t, via, "group", "state", group)
}

// awaitOnlineOn waits until via reports group Online on owner ("": on any
// node but notOn) and returns the owner and the time waited.
func awaitOnlineOn(t *testing.T, via *node, group, owner string, notOn string, limit time.Duration) (string, time.Duration) {
	t.Helper()
	var got string
	d := await(t, limit, fmt.Sprintf("group %s Online on %q (not %q)", group, owner, notOn), func() (bool, string) {
		st, err := tryJSON[stateJSON](via, "group", "state", group)
		if err != nil {
			return false, err.Error()
		}
		got = st.OwnerNode
		ok := st.State == "Online" && (owner == "" || st.OwnerNode == owner) && st.OwnerNode != notOn
		return ok, fmt.Sprintf("%+v", st)
	})
	return got, d
}

// takeOffline ends a test's use of its group: offline, so a later test
// that fails a node does not move it.
func takeOffline(t *testing.T, via *node, group string) {
	t.Helper()
	op := mustJSON[opJSON](t, via, "group", "offline", group, "--wait=30s")
	if op.State == nil || *op.State != "Offline" {
		t.Fatalf("group offline %s: %+v", group, op)
	}
}

// checkLedger fails the test if the ledger shows a resource online on two
// nodes at once (or cannot be read).
func checkLedger(t *testing.T, path string) {
	t.Helper()
	evs, err := ledger.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) == 0 {
		t.Fatalf("ledger %s is empty: the resources recorded nothing", path)
	}
	if err := ledger.CheckEvents(evs); err != nil {
		t.Errorf("%v\nledger:\n%s", err, formatEvents(evs))
	}
}

// formatEvents prints events with times relative to the first one.
func formatEvents(evs []ledger.Event) string {
	if len(evs) == 0 {
		return "(empty)"
	}
	evs = slices.Clone(evs)
	slices.SortStableFunc(evs, func(a, b ledger.Event) int { return cmp.Compare(a.Time, b.Time) })
	var b strings.Builder
	t0 := evs[0].Time
	for _, e := range evs {
		fmt.Fprintf(&b, "  %s  +%v\n", e, time.Duration(e.Time-t0))
	}
	return b.String()
}

// eventsOf lists the events of node (and kind, "" for any) after since.
func eventsOf(evs []ledger.Event, node string, kind ledger.Kind, since int64) []ledger.Event {
	var out []ledger.Event
	for _, e := range evs {
		if e.Node == node && (kind == "" || e.Kind == kind) && e.Time > since {
			out = append(out, e)
		}
	}
	return out
}

func readLedger(t *testing.T, path string) []ledger.Event {
	t.Helper()
	evs, err := ledger.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}
