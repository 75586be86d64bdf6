// Command scale64 runs a 64-node baton cluster on one machine and
// measures what the size of the cluster costs (docs/design.md §7, "scale:
// 64 nodes"; issue 11):
//
//   - formation: n1 forms a new cluster alone; n2…nN (-nodes, 64) are
//     started together with --join n1 --join-token T, each a real
//     `baton agent` process on its own address (-ip-prefix, 127.0.1.1…N)
//     and data directory. The database members are those the membership
//     rule makes (internal/agent/membership.go: three, five from nine
//     nodes on); the others are clients of the members. Timed from the
//     joiners' start until n1's API lists all N nodes Up;
//   - idle: -idle (10 min) of an idle cluster holding -groups-per-node
//     (160) one-resource groups on each of 1 + -kill (8) client nodes:
//     CPU per agent (members and clients apart, from /proc/PID/stat),
//     resident memory, lease renewals per second (the agents'
//     baton_lease_renew_duration_seconds_count, scraped from /metrics),
//     the database's writes per second (etcd's revision) and raft entries
//     per second (its raft index), and false Downs: a node seen Down on
//     n1's event stream, or a node that logged "lease lost", while
//     nothing was killed;
//   - failover of one node: SIGKILL of one client node's agent (not the
//     controller's, not a database member) hosting its groups, until n1's
//     event stream shows every one of them Online on another node;
//   - failover of -kill nodes at once: SIGKILL of eight more client
//     nodes together, until all their groups are Online elsewhere.
//
// Run it from the module root, as root (the agents make cgroups) or not:
//
//	go run ./bench/scale64                       # about 15 minutes on 2 cores
//	go run ./bench/scale64 -idle 2m              # a shorter idle run
//	go run ./bench/scale64 -nodes 8 -kill 2 -groups-per-node 20 -idle 30s
//
// It prints Markdown for docs/benchmarks.md on standard output (machine,
// commit, load average at start and end) and progress on standard error.
// Each wait gives up after -timeout (2 min) and the run after -deadline
// (40 min). At the end every agent is stopped by its process id (SIGTERM,
// SIGKILL after 30 s), their fence guards are waited for (killed by
// process id after 15 s), and the temporary directory is removed (-keep
// keeps it, with every agent's log).
package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"connectrpc.com/connect"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
	"github.com/batoncluster/baton/bench/internal/machine"
	"github.com/batoncluster/baton/clusapi"
	"github.com/batoncluster/baton/internal/dial"
	"github.com/batoncluster/baton/internal/pki"
	"github.com/batoncluster/baton/internal/store"
)

var (
	nodeCount  = flag.Int("nodes", 64, "nodes in the cluster (4 to 200)")
	ipPrefix   = flag.String("ip-prefix", "127.0.1.", "node i listens on this prefix followed by i (127.0.0.0/8)")
	perNode    = flag.Int("groups-per-node", 160, "one-resource groups on each node that is killed (1 to 2000)")
	killMany   = flag.Int("kill", 8, "nodes killed at once in the second failover (0: none)")
	idleFor    = flag.Duration("idle", 10*time.Minute, "length of the idle run (at least 10 s)")
	logLevel   = flag.String("log-level", "warn", "the agents' log level: debug, info, warn or error")
	agentFlags = flag.String("agent-flags", "", "more flags for every agent, space-separated (e.g. lease timings)")
	keep       = flag.Bool("keep", false, "keep the temporary directory (data directories and agents' logs)")
	workers    = flag.Int("workers", 8, "concurrent API calls while setting groups up (untimed)")
	waitLimit  = flag.Duration("timeout", 2*time.Minute, "limit on each wait")
	total      = flag.Duration("deadline", 40*time.Minute, "limit on the whole run")
)

func main() {
	flag.Parse()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench/scale64:", err)
		os.Exit(1)
	}
}

// node is one agent process.
type node struct {
	name, ip, dir, log string
	conn               *dial.Conn
	role               string // "member" or "client", from the node list

	cmd    *exec.Cmd
	exited chan struct{}
}

type bench struct {
	bin   string
	nodes []*node
	token string
	etcd  *clientv3.Client
	http  *http.Client // /metrics over TLS, trusting the cluster CA
}

func run() error {
	switch {
	case *nodeCount < 4 || *nodeCount > 200:
		return errors.New("-nodes: from 4 to 200")
	case *perNode < 1 || *perNode > 2000:
		return errors.New("-groups-per-node: from 1 to 2000")
	case *killMany < 0 || *killMany+1 > *nodeCount-5:
		return errors.New("-kill: at least 0, and leave five nodes (the database members) and n1")
	case *idleFor < 10*time.Second:
		return errors.New("-idle: at least 10s")
	}
	*workers = min(max(*workers, 1), 64)
	if !slices.Contains([]string{"debug", "info", "warn", "error"}, *logLevel) {
		return fmt.Errorf("-log-level: want debug, info, warn or error, not %q", *logLevel)
	}
	ctx, cancel := context.WithTimeout(context.Background(), *total)
	defer cancel()
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	dir, err := os.MkdirTemp("", "baton-bench-scale64-")
	if err != nil {
		return err
	}
	if *keep {
		fmt.Fprintln(os.Stderr, "keeping", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	b := &bench{bin: filepath.Join(dir, "baton")}
	for i := 1; i <= *nodeCount; i++ {
		n := &node{name: fmt.Sprintf("n%d", i), ip: *ipPrefix + strconv.Itoa(i), dir: filepath.Join(dir, fmt.Sprintf("n%d", i))}
		p := net.ParseIP(n.ip)
		if p == nil || !p.IsLoopback() {
			return fmt.Errorf("-ip-prefix: %s is not an address in 127.0.0.0/8", n.ip)
		}
		n.log = n.dir + ".log"
		if n.conn, err = dial.New("unix://"+filepath.Join(n.dir, "baton.sock"), dial.Options{Timeout: *waitLimit}); err != nil {
			return err
		}
		defer n.conn.Close()
		b.nodes = append(b.nodes, n)
	}
	if err := b.portsFree(); err != nil {
		return err
	}
	if err := b.build(ctx); err != nil {
		return err
	}
	defer b.stopAll()

	fmt.Printf("Machine: %s, %s/%s, %d CPUs, %s, %s RAM; commit %s; load average at start %s\n\n",
		runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), machine.CPUModel(), machine.MemTotal(), machine.Commit(), machine.LoadAvg())
	defer func() { fmt.Printf("\nLoad average at end %s\n", machine.LoadAvg()) }()

	formed, err := b.form(ctx)
	if err != nil {
		return err
	}
	if err := b.openEtcd(); err != nil {
		return err
	}
	defer b.etcd.Close()
	members, clients := b.roles()
	fmt.Printf("Formation: n1 alone, then %d nodes started at once with --join: all %d Up (as n1's API lists them) %s s after the joiners started; %d database members, %d clients.\n\n",
		len(b.nodes)-1, len(b.nodes), secs(formed), len(members), len(clients))

	victims, err := b.chooseVictims(ctx, clients)
	if err != nil {
		return err
	}
	if err := b.placeGroups(ctx, victims); err != nil {
		return err
	}

	idle, err := b.idle(ctx)
	if err != nil {
		return err
	}
	idle.print(members, clients)

	fmt.Println()
	fmt.Println("| failover | nodes killed | groups | n1 saw the last node Down (s) | last group reassigned (s) | all Online elsewhere (s) |")
	fmt.Println("|---|---:|---:|---:|---:|---:|")
	row, err := b.failover(ctx, victims[:1])
	if err != nil {
		return err
	}
	row.print("one node")
	if len(victims) > 1 {
		row, err := b.failover(ctx, victims[1:])
		if err != nil {
			return err
		}
		row.print(fmt.Sprintf("%d nodes at once", len(victims)-1))
	}
	return nil
}

// portsFree checks the agents' ports before anything starts.
func (b *bench) portsFree() error {
	for _, n := range b.nodes {
		for _, port := range []string{"7410", "7411", "7412"} {
			l, err := net.Listen("tcp", net.JoinHostPort(n.ip, port))
			if err != nil {
				return fmt.Errorf("%s:%s is not free (another cluster on these addresses? choose others with -ip-prefix): %w", n.ip, port, err)
			}
			l.Close()
		}
	}
	return nil
}

// build compiles ./cmd/baton of the module the program runs in.
func (b *bench) build(ctx context.Context) error {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	mod := strings.TrimSpace(string(out))
	if err != nil || mod == "" || mod == os.DevNull {
		return errors.New("run from within the baton module (go env GOMOD names no go.mod)")
	}
	t0 := time.Now()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", b.bin, "./cmd/baton")
	cmd.Dir = filepath.Dir(mod)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build ./cmd/baton: %w", err)
	}
	fmt.Fprintf(os.Stderr, "built baton in %v\n", time.Since(t0).Round(time.Millisecond))
	return nil
}

// spawn starts n's agent with the database flags db and returns at once.
func (b *bench) spawn(n *node, db ...string) error {
	logf, err := os.OpenFile(n.log, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	args := []string{"agent", "--name", n.name, "--data-dir", n.dir, "--advertise", n.ip,
		"--default-socket=", "--log-level", *logLevel, "--metrics-public"}
	args = append(args, db...)
	args = append(args, strings.Fields(*agentFlags)...)
	cmd := exec.Command(b.bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	// Should this program die, its agents die with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", n.name, err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	n.cmd, n.exited = cmd, exited
	return nil
}

// form starts n1 alone, makes a join token, starts every other node with
// --join, and waits until n1 lists all of them Up; it returns the time
// from the joiners' start.
func (b *bench) form(ctx context.Context) (time.Duration, error) {
	n1 := b.nodes[0]
	if err := b.spawn(n1); err != nil {
		return 0, err
	}
	if err := b.awaitUp(ctx, 1); err != nil {
		return 0, err
	}
	tok, err := b.cli(ctx, n1, "cluster", "join-token", "create")
	if err != nil {
		return 0, fmt.Errorf("join token: %w", err)
	}
	b.token = strings.TrimSpace(tok)
	t0 := time.Now()
	for _, n := range b.nodes[1:] {
		if err := b.spawn(n, "--join", n1.ip, "--join-token", b.token); err != nil {
			return 0, err
		}
	}
	if err := b.awaitUp(ctx, len(b.nodes)); err != nil {
		return 0, err
	}
	formed := time.Since(t0)
	fmt.Fprintf(os.Stderr, "%d nodes Up in %v\n", len(b.nodes), formed.Round(time.Millisecond))
	// The rule may still be making members of clients (a learner, then
	// promoted): wait until the roles settle.
	var last string
	err = await(ctx, "the database roles to settle", time.Second, func(ctx context.Context) (bool, string) {
		if err := b.readRoles(ctx); err != nil {
			return false, err.Error()
		}
		m, c := b.roles()
		now := fmt.Sprintf("%d members, %d clients", len(m), len(c))
		stable := now == last && len(m)+len(c) == len(b.nodes)
		last = now
		return stable && len(m) >= 3, now
	})
	return formed, err
}

// cli runs the baton CLI against n's socket.
func (b *bench) cli(ctx context.Context, n *node, args ...string) (string, error) {
	cctx, cancel := context.WithTimeout(ctx, *waitLimit)
	defer cancel()
	cmd := exec.CommandContext(cctx, b.bin, args...)
	cmd.Env = append(os.Environ(), "BATON_ADDR=unix://"+filepath.Join(n.dir, "baton.sock"))
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return "", fmt.Errorf("baton %s: %v: %s", strings.Join(args, " "), err, ee.Stderr)
		}
		return "", err
	}
	return string(out), nil
}

// awaitUp waits until n1's API lists want nodes, all Up.
func (b *bench) awaitUp(ctx context.Context, want int) error {
	n1 := b.nodes[0]
	return await(ctx, fmt.Sprintf("%d nodes Up", want), 200*time.Millisecond, func(ctx context.Context) (bool, string) {
		resp, err := n1.conn.Nodes.ListNodes(ctx, connect.NewRequest(&batonv1.ListNodesRequest{}))
		if err != nil {
			return false, err.Error()
		}
		up := 0
		for _, m := range resp.Msg.Nodes {
			if m.State == int32(clusapi.ClusterNodeUp) {
				up++
			}
		}
		return up == want && len(resp.Msg.Nodes) == want, fmt.Sprintf("%d listed, %d Up", len(resp.Msg.Nodes), up)
	})
}

// readRoles records each node's database role as n1 lists it.
func (b *bench) readRoles(ctx context.Context) error {
	resp, err := b.nodes[0].conn.Nodes.ListNodes(ctx, connect.NewRequest(&batonv1.ListNodesRequest{}))
	if err != nil {
		return err
	}
	role := map[string]string{}
	for _, m := range resp.Msg.Nodes {
		role[m.Name] = m.DatabaseRole
	}
	for _, n := range b.nodes {
		n.role = role[n.name]
	}
	return nil
}

func (b *bench) roles() (members, clients []*node) {
	for _, n := range b.nodes {
		switch n.role {
		case "member":
			members = append(members, n)
		case "client":
			clients = append(clients, n)
		}
	}
	return members, clients
}

// openEtcd connects to the members with n1's certificate, and makes the
// HTTPS client for /metrics.
func (b *bench) openEtcd() error {
	tc, err := nodeTLS(b.nodes[0].dir)
	if err != nil {
		return err
	}
	if err := b.readRoles(context.Background()); err != nil {
		return err
	}
	members, _ := b.roles()
	var eps []string
	for _, m := range members {
		eps = append(eps, "https://"+net.JoinHostPort(m.ip, "7411"))
	}
	b.etcd, err = clientv3.New(clientv3.Config{Endpoints: eps, DialTimeout: 5 * time.Second, Logger: zap.NewNop(), TLS: tc})
	if err != nil {
		return fmt.Errorf("etcd client: %w", err)
	}
	b.http = &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: tc.RootCAs}}}
	return nil
}

// chooseVictims picks 1 + -kill client nodes, none leading the
// controller: from the last node backwards.
func (b *bench) chooseVictims(ctx context.Context, clients []*node) ([]*node, error) {
	leader := b.controllerName(ctx)
	var out []*node
	for i := len(clients) - 1; i >= 0 && len(out) < 1+*killMany; i-- {
		if clients[i].name != leader {
			out = append(out, clients[i])
		}
	}
	if len(out) < 1+*killMany {
		return nil, fmt.Errorf("only %d client nodes to kill, want %d", len(out), 1+*killMany)
	}
	return out, nil
}

// controllerName is the node that leads the controller election (the
// candidate with the oldest key under /baton/v1/leader/).
func (b *bench) controllerName(ctx context.Context) string {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	resp, err := b.etcd.Get(ctx, store.Prefix+"leader/", clientv3.WithPrefix(), clientv3.WithSort(clientv3.SortByCreateRevision, clientv3.SortAscend), clientv3.WithLimit(1))
	if err != nil || len(resp.Kvs) == 0 {
		return "?"
	}
	return string(resp.Kvs[0].Value)
}

func groupName(v *node, i int) string { return fmt.Sprintf("s64-%s-%04d", v.name, i) }

// placeGroups makes -groups-per-node groups of one dummy resource Online
// on each victim, through n1's API.
func (b *bench) placeGroups(ctx context.Context, victims []*node) error {
	n1 := b.nodes[0]
	t0 := time.Now()
	type job struct {
		v *node
		i int
	}
	var jobs []job
	for _, v := range victims {
		for i := range *perNode {
			jobs = append(jobs, job{v, i})
		}
	}
	err := parallel(ctx, len(jobs), func(ctx context.Context, k int) error {
		j := jobs[k]
		name := groupName(j.v, j.i)
		// Each step is tried again on a database that could not answer
		// in time (a busy machine), and one done already is done.
		return retry(ctx, name, func() error {
			_, err := n1.conn.Groups.CreateGroup(ctx, connect.NewRequest(&batonv1.CreateGroupRequest{Name: name, PreferredOwners: []string{j.v.name}}))
			if err != nil && clusapi.FromConnectError(err).Win32() != clusapi.ERROR_OBJECT_ALREADY_EXISTS {
				return fmt.Errorf("CreateGroup %s: %w", name, err)
			}
			_, err = n1.conn.Resources.CreateResource(ctx, connect.NewRequest(&batonv1.CreateResourceRequest{Name: name + "-r", Group: name, Type: "dummy"}))
			if err != nil && clusapi.FromConnectError(err).Win32() != clusapi.ERROR_OBJECT_ALREADY_EXISTS {
				return fmt.Errorf("CreateResource %s-r: %w", name, err)
			}
			resp, err := n1.conn.Groups.OnlineGroup(ctx, connect.NewRequest(&batonv1.OnlineGroupRequest{Group: &batonv1.GroupRef{Name: name}, Node: j.v.name}))
			if err != nil {
				return fmt.Errorf("OnlineGroup %s: %w", name, err)
			}
			if s := clusapi.Errno(resp.Msg.Status); s != clusapi.ERROR_SUCCESS && s != clusapi.ERROR_IO_PENDING {
				return fmt.Errorf("OnlineGroup %s: %s", name, resp.Msg.StatusName)
			}
			return nil
		})
	})
	if err != nil {
		return err
	}
	want := len(jobs)
	err = await(ctx, fmt.Sprintf("%d groups Online", want), 500*time.Millisecond, func(ctx context.Context) (bool, string) {
		resp, err := n1.conn.Groups.ListGroups(ctx, connect.NewRequest(&batonv1.ListGroupsRequest{}))
		if err != nil {
			return false, err.Error()
		}
		on := 0
		for _, g := range resp.Msg.Groups {
			if g.StateName == clusapi.ClusterGroupOnline.String() {
				on++
			}
		}
		return on == want, fmt.Sprintf("%d of %d Online", on, want)
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "%d groups Online on %d nodes in %v\n", want, len(victims), time.Since(t0).Round(time.Millisecond))
	return nil
}

// retry calls fn until it succeeds, at most 5 times, 1 s apart; it
// tries again only after an error of the database's (no quorum in time,
// a change that kept conflicting).
func retry(ctx context.Context, what string, fn func() error) error {
	var err error
	for range 5 {
		if err = fn(); err == nil {
			return nil
		}
		switch clusapi.FromConnectError(err).Win32() {
		case clusapi.ERROR_CLUSTER_NO_QUORUM, clusapi.ERROR_CLUSTER_DATABASE_UPDATE_CONDITION_FAILED, clusapi.WAIT_TIMEOUT:
		default:
			return err
		}
		fmt.Fprintf(os.Stderr, "  %s: %v; trying again\n", what, err)
		select {
		case <-time.After(time.Second):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return err
}

// Idle.

type sample struct {
	at       time.Time
	cpu      map[*node]time.Duration // user + system CPU of the agent
	renewals map[*node]float64       // baton_lease_renew_duration_seconds_count
	rev      int64                   // the database revision
	raft     uint64                  // the leader's raft index
}

type idleResult struct {
	span        time.Duration
	cpu         map[*node]time.Duration
	rss         map[*node]int64
	renewals    float64 // per second, all agents
	unscraped   int
	writes      float64 // database revisions per second
	raftEntries float64 // raft entries per second
	downs       []string
	lost        []string
	nodes       []*node
}

// idle measures an idle run of -idle.
func (b *bench) idle(ctx context.Context) (*idleResult, error) {
	n1 := b.nodes[0]
	// Settle: the group placement just ended.
	select {
	case <-time.After(10 * time.Second):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	w, err := startWatch(ctx, n1.conn)
	if err != nil {
		return nil, err
	}
	defer w.close()
	marks := b.logMarks()
	fmt.Fprintf(os.Stderr, "idle for %v (load average %s)\n", *idleFor, machine.LoadAvg())
	s0, err := b.sample(ctx)
	if err != nil {
		return nil, err
	}
	var downs []string
	timer := time.NewTimer(*idleFor)
	defer timer.Stop()
	progress := time.NewTicker(time.Minute)
	defer progress.Stop()
wait:
	for {
		select {
		case ev := <-w.events:
			if e := ev.ev; e.Kind == "node" && e.Node != nil && e.Node.State == int32(clusapi.ClusterNodeDown) {
				downs = append(downs, fmt.Sprintf("%s at +%s s", e.Name, secs(ev.at.Sub(s0.at))))
			}
		case <-progress.C:
			fmt.Fprintf(os.Stderr, "  idle +%v, load average %s, false Downs so far %d\n", time.Since(s0.at).Round(time.Second), machine.LoadAvg(), len(downs))
		case <-timer.C:
			break wait
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	s1, err := b.sample(ctx)
	if err != nil {
		return nil, err
	}
	r := &idleResult{span: s1.at.Sub(s0.at), cpu: map[*node]time.Duration{}, rss: map[*node]int64{}, downs: downs, nodes: b.nodes}
	secs := r.span.Seconds()
	for _, n := range b.nodes {
		r.cpu[n] = s1.cpu[n] - s0.cpu[n]
		r.rss[n] = rss(n)
		c0, ok0 := s0.renewals[n]
		c1, ok1 := s1.renewals[n]
		if !ok0 || !ok1 {
			r.unscraped++
			continue
		}
		r.renewals += (c1 - c0) / secs
	}
	r.writes = float64(s1.rev-s0.rev) / secs
	r.raftEntries = float64(s1.raft-s0.raft) / secs
	r.lost = b.lostLease(marks)
	return r, nil
}

// sample reads every agent's CPU time and renewal count and the
// database's revision and raft index.
func (b *bench) sample(ctx context.Context) (sample, error) {
	s := sample{at: time.Now(), cpu: map[*node]time.Duration{}, renewals: map[*node]float64{}}
	for _, n := range b.nodes {
		s.cpu[n] = cpuTime(n)
	}
	// One scrape at a time: scraping every node at once is a burst of
	// work on every node together, which is not what an idle cluster
	// sees (and a scrape's own cost is no part of the idle figures).
	for _, n := range b.nodes {
		r, err := b.renewals(ctx, n)
		if err != nil {
			fmt.Fprintf(os.Stderr, "  %s /metrics: %v\n", n.name, err)
			continue
		}
		s.renewals[n] = r
	}
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	members, _ := b.roles()
	for _, m := range members {
		st, err := b.etcd.Status(sctx, "https://"+net.JoinHostPort(m.ip, "7411"))
		if err != nil {
			continue
		}
		if st.Header.MemberId == st.Leader {
			s.rev, s.raft = st.Header.Revision, st.RaftIndex
			return s, nil
		}
	}
	return s, errors.New("no database leader answered")
}

// renewals scrapes n's lease renewal count from its /metrics.
func (b *bench) renewals(ctx context.Context, n *node) (float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "https://"+net.JoinHostPort(n.ip, "7410")+"/metrics", nil)
	if err != nil {
		return 0, err
	}
	resp, err := b.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("/metrics: %s", resp.Status)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "baton_lease_renew_duration_seconds_count") {
			f := strings.Fields(line)
			return strconv.ParseFloat(f[len(f)-1], 64)
		}
	}
	return 0, errors.New("no baton_lease_renew_duration_seconds_count")
}

func (r *idleResult) print(members, clients []*node) {
	cpuPct := func(ns []*node) (mean, max float64) {
		for _, n := range ns {
			p := 100 * r.cpu[n].Seconds() / r.span.Seconds()
			mean += p
			max = math(max, p)
		}
		return mean / float64(len(ns)), max
	}
	rssMB := func(ns []*node) (mean, max float64) {
		for _, n := range ns {
			m := float64(r.rss[n]) / (1 << 20)
			mean += m
			max = math(max, m)
		}
		return mean / float64(len(ns)), max
	}
	var all time.Duration
	for _, n := range r.nodes {
		all += r.cpu[n]
	}
	fmt.Printf("Idle: %s s with %d groups Online; CPU as a share of one CPU over the run (user + system, /proc/PID/stat).\n\n", secs(r.span), (1+*killMany)**perNode)
	fmt.Println("| agents | count | idle CPU mean % | idle CPU max % | RSS mean MB | RSS max MB |")
	fmt.Println("|---|---:|---:|---:|---:|---:|")
	for _, part := range []struct {
		name string
		ns   []*node
	}{{"database members", members}, {"clients", clients}} {
		if len(part.ns) == 0 {
			continue
		}
		cm, cx := cpuPct(part.ns)
		rm, rx := rssMB(part.ns)
		fmt.Printf("| %s | %d | %.2f | %.2f | %.0f | %.0f |\n", part.name, len(part.ns), cm, cx, rm, rx)
	}
	fmt.Printf("| all | %d | %.2f (sum %.0f %% of one CPU) | | | |\n", len(r.nodes), 100*all.Seconds()/r.span.Seconds()/float64(len(r.nodes)), 100*all.Seconds()/r.span.Seconds())
	fmt.Println()
	fmt.Println("| idle figure | value |")
	fmt.Println("|---|---:|")
	fmt.Printf("| lease renewals per second, all agents | %.1f |\n", r.renewals)
	if r.unscraped > 0 {
		fmt.Printf("| agents whose /metrics could not be read | %d |\n", r.unscraped)
	}
	fmt.Printf("| database writes per second (revisions) | %.2f |\n", r.writes)
	fmt.Printf("| raft entries per second (the leader's index) | %.2f |\n", r.raftEntries)
	fmt.Printf("| false Downs (a node seen Down on n1's event stream) | %d |\n", len(r.downs))
	fmt.Printf("| nodes that logged \"lease lost\" | %d |\n", len(r.lost))
	for _, d := range r.downs {
		fmt.Println("\nDown:", d)
	}
	if len(r.lost) > 0 {
		fmt.Println("\nLease lost:", strings.Join(r.lost, ", "))
	}
}

func math(a, b float64) float64 {
	if b > a {
		return b
	}
	return a
}

// Failover.

type failoverRow struct {
	killed, groups        int
	down, reassigned, all time.Duration
}

func (r failoverRow) print(what string) {
	fmt.Printf("| %s | %d | %d | %s | %s | %s |\n", what, r.killed, r.groups, secs(r.down), secs(r.reassigned), secs(r.all))
}

// failover kills the victims' agents together and times, on n1's event
// stream, until every group they hosted is Online on another node.
func (b *bench) failover(ctx context.Context, victims []*node) (failoverRow, error) {
	n1 := b.nodes[0]
	row := failoverRow{killed: len(victims)}
	want := map[string]bool{}
	dead := map[string]bool{}
	for _, v := range victims {
		dead[v.name] = true
		for i := range *perNode {
			want[groupName(v, i)] = true
		}
	}
	row.groups = len(want)
	w, err := startWatch(ctx, n1.conn)
	if err != nil {
		return row, err
	}
	defer w.close()
	online, moved, seenDown := map[string]bool{}, map[string]bool{}, map[string]bool{}
	var lastDown, lastMoved, all time.Time
	t0 := time.Now()
	for _, v := range victims {
		if err := syscall.Kill(v.cmd.Process.Pid, syscall.SIGKILL); err != nil {
			return row, fmt.Errorf("kill %s: %w", v.name, err)
		}
	}
	fmt.Fprintf(os.Stderr, "killed %d node(s) with %d groups (load average %s)\n", len(victims), len(want), machine.LoadAvg())
	timer := time.NewTimer(*waitLimit)
	defer timer.Stop()
	for all.IsZero() {
		select {
		case ev := <-w.events:
			e := ev.ev
			switch e.Kind {
			case "node":
				if dead[e.Name] && e.Node != nil && e.Node.State == int32(clusapi.ClusterNodeDown) && !seenDown[e.Name] {
					seenDown[e.Name], lastDown = true, ev.at
				}
			case "group":
				if want[e.Name] && e.GroupInfo != nil && !dead[e.GroupInfo.OwnerNode] && !moved[e.Name] {
					moved[e.Name], lastMoved = true, ev.at
				}
			case "groupState":
				owner := e.GetGroupInfo().GetOwnerNode()
				if want[e.Name] && e.StateName == clusapi.ClusterGroupOnline.String() && owner != "" && !dead[owner] && !online[e.Name] {
					online[e.Name] = true
					if len(online) == len(want) {
						all = ev.at
					}
				}
			}
		case <-timer.C:
			return row, fmt.Errorf("failover of %d groups: after %v, %d Online elsewhere, %d reassigned, %d of %d nodes seen Down",
				len(want), *waitLimit, len(online), len(moved), len(seenDown), len(victims))
		case <-ctx.Done():
			return row, ctx.Err()
		}
	}
	row.all, row.reassigned, row.down = all.Sub(t0), lastMoved.Sub(t0), -1
	if len(seenDown) == len(victims) {
		row.down = lastDown.Sub(t0)
	}
	for _, v := range victims {
		select {
		case <-v.exited:
			v.cmd = nil
		case <-time.After(10 * time.Second):
			return row, fmt.Errorf("%s was not reaped within 10 s of SIGKILL", v.name)
		}
	}
	fmt.Fprintf(os.Stderr, "  all %d Online elsewhere after %s s\n", len(want), secs(row.all))
	return row, nil
}

// Stopping.

// stopAll stops the running agents together (one by one, the last would
// wait for a quorum already gone): SIGTERM, then SIGKILL after 30 s; then
// waits for their fence guards.
func (b *bench) stopAll() {
	var running []*node
	for _, n := range b.nodes {
		if n.cmd != nil {
			_ = syscall.Kill(n.cmd.Process.Pid, syscall.SIGTERM)
			running = append(running, n)
		}
	}
	deadline := time.After(30 * time.Second)
	for _, n := range running {
		select {
		case <-n.exited:
		case <-deadline:
			fmt.Fprintf(os.Stderr, "%s did not exit within 30 s of SIGTERM; killing it\n", n.name)
			_ = syscall.Kill(n.cmd.Process.Pid, syscall.SIGKILL)
			<-n.exited
		}
		n.cmd = nil
	}
	reapGuards(b.bin)
}

// reapGuards waits until the fence guards the agents started (`BIN guard
// …`, in sessions of their own) have exited, as they do once no agent is
// connected and they guard nothing; any still running after 15 s is
// killed by its process id.
func reapGuards(bin string) {
	deadline := time.Now().Add(15 * time.Second)
	for {
		pids := guardPIDs(bin)
		if len(pids) == 0 {
			return
		}
		if time.Now().After(deadline) {
			for _, pid := range pids {
				fmt.Fprintf(os.Stderr, "fence guard pid %d still running 15 s after its agents stopped; killing it\n", pid)
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func guardPIDs(bin string) []int {
	ents, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil {
			continue
		}
		argv := strings.Split(strings.TrimRight(string(data), "\x00"), "\x00")
		if len(argv) >= 2 && argv[0] == bin && argv[1] == "guard" {
			out = append(out, pid)
		}
	}
	return out
}

// The event stream.

type stamped struct {
	ev *batonv1.Event
	at time.Time // when it arrived here
}

// watch is an EventService.Watch stream, every event timestamped on
// arrival; if the stream breaks it is resumed from the last revision seen.
type watch struct {
	events     chan stamped
	cancel     context.CancelFunc
	done       chan struct{}
	reconnects atomic.Int32
}

func startWatch(ctx context.Context, conn *dial.Conn) (*watch, error) {
	ctx, cancel := context.WithCancel(ctx)
	w := &watch{events: make(chan stamped, 1<<17), cancel: cancel, done: make(chan struct{})}
	ready := make(chan error, 1)
	go w.run(ctx, conn, ready)
	select {
	case err := <-ready:
		if err != nil {
			w.close()
			return nil, err
		}
		return w, nil
	case <-time.After(*waitLimit):
		w.close()
		return nil, fmt.Errorf("the event stream of %s did not start within %v", conn.Addr, *waitLimit)
	}
}

func (w *watch) run(ctx context.Context, conn *dial.Conn, ready chan<- error) {
	defer close(w.done)
	var since, last int64
	started := false
	for ctx.Err() == nil {
		from := since
		if last > 0 {
			from = last - 1
		}
		stream, err := conn.Events.Watch(ctx, connect.NewRequest(&batonv1.WatchRequest{SinceRevision: from}))
		if err != nil {
			if !started {
				ready <- fmt.Errorf("watch on %s: %w", conn.Addr, err)
				return
			}
		} else {
			for stream.Receive() {
				ev := stream.Msg()
				at := time.Now()
				if ev.Kind == "sync" {
					if !started {
						started, since = true, ev.Revision
						ready <- nil
					}
					continue
				}
				last = ev.Revision
				select {
				case w.events <- stamped{ev, at}:
				case <-ctx.Done():
				}
			}
			err = stream.Err()
			stream.Close()
			if !started {
				ready <- fmt.Errorf("watch on %s ended before it started: %v", conn.Addr, err)
				return
			}
		}
		if ctx.Err() != nil {
			return
		}
		w.reconnects.Add(1)
		fmt.Fprintf(os.Stderr, "event stream of %s broke (%v); resuming\n", conn.Addr, err)
		select {
		case <-time.After(100 * time.Millisecond):
		case <-ctx.Done():
		}
	}
}

func (w *watch) close() {
	w.cancel()
	<-w.done
}

// Waiting.

// await calls cond every interval until it holds, at most -timeout.
func await(ctx context.Context, what string, every time.Duration, cond func(context.Context) (bool, string)) error {
	deadline := time.Now().Add(*waitLimit)
	for {
		cctx, cancel := context.WithDeadline(ctx, deadline)
		ok, last := cond(cctx)
		cancel()
		if ok {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("waiting for %s: %w (last: %s)", what, ctx.Err(), last)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not %s within %v; last: %s", what, *waitLimit, last)
		}
		select {
		case <-time.After(every):
		case <-ctx.Done():
		}
	}
}

// parallel runs fn(0…n-1) on -workers goroutines and returns the first
// error.
func parallel(ctx context.Context, n int, fn func(context.Context, int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var next atomic.Int64
	var once sync.Once
	var first error
	var wg sync.WaitGroup
	for range min(*workers, n) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := fn(ctx, i); err != nil {
					once.Do(func() { first = err; cancel() })
					return
				}
			}
		})
	}
	wg.Wait()
	if first == nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return first
}

// Processes.

// cpuTime is the user and system CPU time the agent used so far.
func cpuTime(n *node) time.Duration {
	if n.cmd == nil {
		return 0
	}
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", n.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	// Fields after the command name (which may hold spaces) in parentheses.
	s := string(data)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * time.Second / 100 // USER_HZ
}

// rss is the agent's resident memory in bytes.
func rss(n *node) int64 {
	if n.cmd == nil {
		return 0
	}
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", n.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// Logs.

func (b *bench) logMarks() map[*node]int64 {
	m := map[*node]int64{}
	for _, n := range b.nodes {
		if fi, err := os.Stat(n.log); err == nil {
			m[n] = fi.Size()
		}
	}
	return m
}

// lostLease lists the nodes that logged a lost lease since the marks.
func (b *bench) lostLease(marks map[*node]int64) []string {
	var out []string
	for _, n := range b.nodes {
		f, err := os.Open(n.log)
		if err != nil {
			continue
		}
		if _, err := f.Seek(marks[n], io.SeekStart); err == nil {
			sc := bufio.NewScanner(f)
			sc.Buffer(make([]byte, 64<<10), 1<<20)
			for sc.Scan() {
				if strings.Contains(sc.Text(), "lease lost") {
					out = append(out, n.name)
					break
				}
			}
		}
		f.Close()
	}
	return out
}

// Printing and the machine.

func secs(d time.Duration) string {
	if d < 0 {
		return "–"
	}
	return strconv.FormatFloat(d.Seconds(), 'f', 2, 64)
}

// nodeTLS is what the node in dir presents to the database: its
// certificate from the cluster CA, which alone it trusts.
func nodeTLS(dir string) (*tls.Config, error) {
	f := pki.Files{Dir: filepath.Join(dir, "pki")}
	cert, err := tls.LoadX509KeyPair(f.NodeCert(), f.NodeKey())
	if err != nil {
		return nil, err
	}
	ca, err := pki.ReadCert(f.CACert())
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	return &tls.Config{Certificates: []tls.Certificate{cert}, RootCAs: pool}, nil
}
