// Command failover measures how long a baton cluster takes to bring a
// killed owner's groups online on another node, and how long one planned
// move takes, against the failover target of docs/design.md §7 ("failover after
// the owner is killed: under 2 s with default timings, and for 1,000
// groups at once under 3 s"):
//
//   - failover: for G = 1, 100, 1000 groups (-groups), each with one dummy
//     resource and preferred owners n1, n2, all Online on n1, the time from
//     just before SIGKILL of n1's agent until n2's API shows every group
//     Online on n2, and until it shows the first one. Alongside: when n2's
//     API showed n1 Down (its lease gone) and the last group reassigned to
//     n2 (the controller's failover transaction), and which nodes led the
//     cluster database and the controller at the kill. 3 rounds per G
//     (-rounds);
//   - move: MoveGroup of a one-resource group from n1 to n3, from the call
//     until n1's API shows it Online on n3 (median of 5, -moves).
//
// It builds the baton binary (go build ./cmd/baton into a temporary
// directory) and starts three real agents as separate processes on
// 127.0.0.1–3 (-ips), each with its own temporary data directory, as in
// the README's "A cluster of three nodes", with the default lease timings
// (docs/fencing.md: a TTL of 2 s). Everything is
// observed through the API over the agents' Unix sockets, by default
// through the EventService.Watch stream (every change, in order,
// timestamped on arrival here; -observe poll lists the groups every -poll
// instead, which costs n2 far more). After each kill, n1 is started again
// on its data directory and the groups are moved back to it for the next
// round. Each round starts with the three agents idle. The groups'
// FailoverThreshold is raised to 1000, since the same groups fail over
// round after round.
//
// The database leader matters: when the killed owner also leads the
// embedded etcd cluster, the survivors first elect a new leader, and a new
// leader extends every lease (etcd's lease promotion), so the owner's lease
// outlives it by more than the TTL. -db-leader chooses: "not-n1" (default:
// if n1 leads, leadership is moved to n2 before the kill), "n1" (moved to
// n1 before the kill), or "any" (left where it is). After a move of the
// leadership the round waits 3 s, so the promotion it causes is over.
//
// Run it from the module root with
//
//	go run ./bench/failover
//
// It prints Markdown tables for docs/benchmarks.md on standard output and
// progress on standard error. Other flags: -log-level is the agents' (at
// info or debug the program also reads the survivors' logs after each
// kill and reports when the controller logged its failovers and n2 its
// dummy resources online); -keep keeps the data directories and logs;
// -workers bounds the concurrent calls that set groups up; -timeout
// bounds each wait (60 s) and -deadline the whole run (10 min). The ports
// 7410–7412 on the three addresses must be free.
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
	groupSizes = flag.String("groups", "1,100,1000", "numbers of groups failed over at once, comma-separated")
	rounds     = flag.Int("rounds", 3, "failovers per number of groups (at most 20)")
	moves      = flag.Int("moves", 5, "planned moves timed (at most 100; 0: none)")
	dbLeader   = flag.String("db-leader", "not-n1", "where the database leader is at the kill: not-n1, n1 or any")
	ipList     = flag.String("ips", "127.0.0.1,127.0.0.2,127.0.0.3", "the three nodes' addresses (127.0.0.0/8)")
	logLevel   = flag.String("log-level", "warn", "the agents' log level: debug, info, warn or error")
	observe    = flag.String("observe", "watch", "how n2's API is observed during a failover: watch (EventService.Watch) or poll (ListGroups every -poll)")
	pollEvery  = flag.Duration("poll", 5*time.Millisecond, "with -observe poll: time between ListGroups calls")
	keep       = flag.Bool("keep", false, "keep the temporary directory (data directories and agents' logs)")
	workers    = flag.Int("workers", 8, "concurrent API calls while setting groups up (untimed)")
	waitLimit  = flag.Duration("timeout", 60*time.Second, "limit on each wait")
	total      = flag.Duration("deadline", 10*time.Minute, "limit on the whole run")
)

func main() {
	flag.Parse()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench/failover:", err)
		os.Exit(1)
	}
}

// The agents run with the default lease timings; these bound the pause
// after a database leader move (the new leader extends every lease).
const (
	leaseTTL     = 2 * time.Second
	electionTime = 800 * time.Millisecond // an embedded etcd election takes at most this
)

// node is one agent: its process comes and goes, its data directory stays.
type node struct {
	name, ip, dir, log string
	conn               *dial.Conn

	cmd    *exec.Cmd
	exited chan struct{}
}

// bench is the cluster under test.
type bench struct {
	bin    string
	secret string  // --cluster-secret-file
	nodes  []*node // n1, n2, n3
	etcd   *clientv3.Client
	tls    *tls.Config // n1's certificate: it opens the database
}

func run() error {
	sizes, err := parseSizes(*groupSizes)
	if err != nil {
		return err
	}
	*rounds = min(max(*rounds, 1), 20)
	*moves = min(max(*moves, 0), 100)
	*workers = min(max(*workers, 1), 64)
	if *dbLeader != "not-n1" && *dbLeader != "n1" && *dbLeader != "any" {
		return fmt.Errorf("-db-leader: want not-n1, n1 or any, not %q", *dbLeader)
	}
	if *observe != "watch" && *observe != "poll" {
		return fmt.Errorf("-observe: want watch or poll, not %q", *observe)
	}
	if !slices.Contains([]string{"debug", "info", "warn", "error"}, *logLevel) {
		return fmt.Errorf("-log-level: want debug, info, warn or error, not %q", *logLevel)
	}
	ips, err := parseIPs(*ipList)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), *total)
	defer cancel()
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	dir, err := os.MkdirTemp("", "baton-bench-failover-")
	if err != nil {
		return err
	}
	if *keep {
		fmt.Fprintln(os.Stderr, "keeping", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	b := &bench{bin: filepath.Join(dir, "baton"), secret: filepath.Join(dir, "cluster-secret")}
	if err := os.WriteFile(b.secret, []byte(fmt.Sprintf("bench-secret-%d", time.Now().UnixNano())), 0o600); err != nil {
		return err
	}
	if err := b.build(ctx); err != nil {
		return err
	}
	var initial []string
	for i, ip := range ips {
		n := &node{name: fmt.Sprintf("n%d", i+1), ip: ip, dir: filepath.Join(dir, fmt.Sprintf("n%d", i+1))}
		n.log = n.dir + ".log"
		if n.conn, err = dial.New("unix://"+filepath.Join(n.dir, "baton.sock"), dial.Options{Timeout: *waitLimit}); err != nil {
			return err
		}
		defer n.conn.Close()
		b.nodes = append(b.nodes, n)
		initial = append(initial, n.name+"="+ip)
	}

	// Start all three at once: the database answers nothing without a
	// quorum. Stop them all at the end, whatever happens.
	begin := time.Now()
	for _, n := range b.nodes {
		if err := n.spawn(b.bin, strings.Join(initial, ","), b.secret); err != nil {
			b.stopAll()
			return err
		}
	}
	defer b.stopAll()
	if err := b.awaitAllUp(ctx); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "cluster of 3 up in %v\n", time.Since(begin).Round(time.Millisecond))
	var eps []string
	for _, ip := range ips {
		eps = append(eps, "https://"+net.JoinHostPort(ip, "7411"))
	}
	if b.tls, err = nodeTLS(b.nodes[0].dir); err != nil {
		return err
	}
	b.etcd, err = clientv3.New(clientv3.Config{Endpoints: eps, DialTimeout: 5 * time.Second, Logger: zap.NewNop(), TLS: b.tls})
	if err != nil {
		return fmt.Errorf("etcd client: %w", err)
	}
	defer b.etcd.Close()

	fmt.Printf("Machine: %s, %s/%s, %d CPUs, %s; load average at start %s\n\n", runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), machine.CPUModel(), machine.LoadAvg())
	defer func() { fmt.Printf("\nLoad average at end %s\n", machine.LoadAvg()) }()

	// The planned move first, on a fresh cluster; its group is deleted
	// afterwards so it takes no part in the failovers.
	var moved []time.Duration
	if *moves > 0 {
		if moved, err = b.moveBench(ctx); err != nil {
			return err
		}
	}

	how := "its EventService.Watch stream"
	if *observe == "poll" {
		how = fmt.Sprintf("ListGroups every %v", *pollEvery)
	}
	fmt.Printf("Failover: SIGKILL of n1's agent, observed through n2's API (%s); database leader at the kill: -db-leader %s.\n\n", how, *dbLeader)
	fmt.Println("| groups | round | failover until first Online (ms) | failover until all Online (ms) | n1 seen Down (ms) | last group reassigned (ms) | database leader | controller |")
	fmt.Println("|---:|---:|---:|---:|---:|---:|---|---|")
	var notes []string
	for _, g := range sizes {
		for r := range *rounds {
			marks := b.logMarks()
			if err := b.prepare(ctx, g); err != nil {
				return err
			}
			row, err := b.failover(ctx, g)
			if err != nil {
				return err
			}
			fmt.Printf("| %d | %d | %s | %s | %s | %s | %s | %s |\n", g, r+1, ms(row.first), ms(row.all), ms(row.down), ms(row.reassigned), row.dbLeader, row.controller)
			if err := b.restartN1(ctx, g); err != nil {
				return err
			}
			if lost := b.lostLease(marks); len(lost) > 0 {
				notes = append(notes, fmt.Sprintf("%d groups, round %d: %s logged \"lease lost\" (a live node's renewals failed for longer than the fence margin)", g, r+1, strings.Join(lost, ", ")))
			}
		}
	}
	if len(notes) > 0 {
		fmt.Println()
		for _, n := range notes {
			fmt.Println("Note:", n+".")
		}
	}

	if len(moved) > 0 {
		sorted := slices.Clone(moved)
		slices.Sort(sorted)
		fmt.Println()
		fmt.Println("| planned move | rounds | min ms | median ms | max ms |")
		fmt.Println("|---|---:|---:|---:|---:|")
		fmt.Printf("| MoveGroup n1 → n3, 1 dummy resource, call → Online on n3 | %d | %s | %s | %s |\n", len(sorted), ms(sorted[0]), ms(sorted[len(sorted)/2]), ms(sorted[len(sorted)-1]))
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

// spawn starts the agent and returns at once.
func (n *node) spawn(bin, initial, secret string) error {
	for _, port := range []string{"7410", "7411", "7412"} {
		l, err := net.Listen("tcp", net.JoinHostPort(n.ip, port))
		if err != nil {
			return fmt.Errorf("%s: %s:%s is not free (another cluster on these addresses? choose others with -ips): %w", n.name, n.ip, port, err)
		}
		l.Close()
	}
	logf, err := os.OpenFile(n.log, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	fmt.Fprintf(logf, "=== bench: starting %s at %s\n", n.name, time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command(bin, "agent", "--name", n.name, "--data-dir", n.dir, "--advertise", n.ip,
		"--initial-cluster", initial, "--cluster-secret-file", secret, "--default-socket=", "--log-level", *logLevel)
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

// stopAll stops the running agents together (one by one, the last would
// wait for a quorum already gone): SIGTERM, then SIGKILL after 20 s.
func (b *bench) stopAll() {
	var running []*node
	for _, n := range b.nodes {
		if n.cmd != nil {
			_ = syscall.Kill(n.cmd.Process.Pid, syscall.SIGTERM)
			running = append(running, n)
		}
	}
	deadline := time.After(20 * time.Second)
	for _, n := range running {
		select {
		case <-n.exited:
		case <-deadline:
			fmt.Fprintf(os.Stderr, "%s did not exit within 20 s of SIGTERM; killing it\n", n.name)
			_ = syscall.Kill(n.cmd.Process.Pid, syscall.SIGKILL)
			<-n.exited
		}
		n.cmd = nil
	}
}

// awaitAllUp waits until every node's API shows every node Up.
func (b *bench) awaitAllUp(ctx context.Context) error {
	for _, n := range b.nodes {
		err := await(ctx, "every node Up as seen by "+n.name, 50*time.Millisecond, func(ctx context.Context) (bool, string) {
			resp, err := n.conn.Nodes.ListNodes(ctx, connect.NewRequest(&batonv1.ListNodesRequest{}))
			if err != nil {
				return false, err.Error()
			}
			var says []string
			up := 0
			for _, m := range resp.Msg.Nodes {
				says = append(says, m.Name+" "+m.StateName)
				if m.State == int32(clusapi.ClusterNodeUp) {
					up++
				}
			}
			return up == len(b.nodes) && len(resp.Msg.Nodes) == len(b.nodes), strings.Join(says, ", ")
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// Groups failed over are fo-NNNN, each with one dummy resource fo-NNNN-r.
func groupName(i int) string { return fmt.Sprintf("fo-%04d", i) }

// prepare makes groups fo-0000…fo-(g-1) exist, each Online on n1: those
// left on n2 by the last failover are moved back, the missing ones are
// created and brought online there. Then it waits until the agents are
// idle.
func (b *bench) prepare(ctx context.Context, g int) error {
	n1, n2 := b.nodes[0], b.nodes[1]
	// Settled first: a node that lost its lease meanwhile has rejoined.
	if err := b.quiesce(ctx); err != nil {
		return err
	}
	if err := b.awaitAllUp(ctx); err != nil {
		return err
	}
	t0 := time.Now()
	resp, err := n1.conn.Groups.ListGroups(ctx, connect.NewRequest(&batonv1.ListGroupsRequest{}))
	if err != nil {
		return fmt.Errorf("ListGroups: %w", err)
	}
	have := map[string]*batonv1.Group{}
	for _, gr := range resp.Msg.Groups {
		have[gr.Name] = gr
	}
	created, movedBack := 0, 0
	var mu sync.Mutex
	err = parallel(ctx, g, func(ctx context.Context, i int) error {
		name := groupName(i)
		if gr := have[name]; gr != nil {
			if gr.OwnerNode == n1.name {
				return nil
			}
			mu.Lock()
			movedBack++
			mu.Unlock()
			if err := call(n1.conn.Groups.MoveGroup(ctx, connect.NewRequest(&batonv1.MoveGroupRequest{Group: &batonv1.GroupRef{Name: name}, Node: n1.name}))); err != nil {
				return fmt.Errorf("MoveGroup %s to n1: %w", name, err)
			}
			return nil
		}
		req := &batonv1.CreateGroupRequest{Name: name, PreferredOwners: []string{n1.name, n2.name}, Properties: threshold}
		if _, err := n1.conn.Groups.CreateGroup(ctx, connect.NewRequest(req)); err != nil {
			return fmt.Errorf("CreateGroup %s: %w", name, err)
		}
		if _, err := n1.conn.Resources.CreateResource(ctx, connect.NewRequest(&batonv1.CreateResourceRequest{Name: name + "-r", Group: name, Type: "dummy"})); err != nil {
			return fmt.Errorf("CreateResource %s-r: %w", name, err)
		}
		mu.Lock()
		created++
		mu.Unlock()
		if err := call(n1.conn.Groups.OnlineGroup(ctx, connect.NewRequest(&batonv1.OnlineGroupRequest{Group: &batonv1.GroupRef{Name: name}, Node: n1.name}))); err != nil {
			return fmt.Errorf("OnlineGroup %s on n1: %w", name, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := b.awaitGroups(ctx, n1, g, n1.name); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "%d groups Online on n1 (%d created, %d moved back) in %v\n", g, created, movedBack, time.Since(t0).Round(time.Millisecond))
	return b.quiesce(ctx)
}

// threshold lifts FailoverThreshold above the default (number of nodes − 1
// within FailoverPeriod, 6 h, as in WSFC): the same groups fail over
// round after round, and past the threshold the cluster would leave them
// on the dead node.
var threshold = &batonv1.PropertyList{Properties: []*batonv1.Property{
	{Name: "FailoverThreshold", Values: []*batonv1.Value{{Kind: &batonv1.Value_Dword{Dword: 1000}}}},
}}

// call checks the answer of an asynchronous call: 0 or 997.
func call(resp *connect.Response[batonv1.OperationResult], err error) error {
	if err != nil {
		return err
	}
	if s := clusapi.Errno(resp.Msg.Status); s != clusapi.ERROR_SUCCESS && s != clusapi.ERROR_IO_PENDING {
		return fmt.Errorf("answered %d (%s)", s, resp.Msg.StatusName)
	}
	return nil
}

// awaitGroups waits until via's API lists groups fo-0000…fo-(g-1) Online
// on owner, and no other fo- group on n1 (it would fail over too).
func (b *bench) awaitGroups(ctx context.Context, via *node, g int, owner string) error {
	what := fmt.Sprintf("%d groups Online on %s, as seen by %s", g, owner, via.name)
	return await(ctx, what, 100*time.Millisecond, func(ctx context.Context) (bool, string) {
		resp, err := via.conn.Groups.ListGroups(ctx, connect.NewRequest(&batonv1.ListGroupsRequest{}))
		if err != nil {
			return false, err.Error()
		}
		ok, others := 0, 0
		states := map[string]int{}
		for _, gr := range resp.Msg.Groups {
			i, isFo := foIndex(gr.Name)
			if !isFo {
				continue
			}
			if i >= g {
				if gr.OwnerNode == b.nodes[0].name {
					others++
				}
				continue
			}
			states[gr.StateName+" on "+gr.OwnerNode]++
			if gr.StateName == clusapi.ClusterGroupOnline.String() && gr.OwnerNode == owner {
				ok++
			}
		}
		return ok == g && others == 0, fmt.Sprintf("%v; other fo- groups on n1: %d", states, others)
	})
}

func foIndex(name string) (int, bool) {
	s, ok := strings.CutPrefix(name, "fo-")
	if !ok {
		return 0, false
	}
	i, err := strconv.Atoi(s)
	return i, err == nil
}

// failoverRow is one kill of n1, times from just before the SIGKILL.
type failoverRow struct {
	first, all       time.Duration // first and last group Online on n2
	down, reassigned time.Duration // n1 seen Down; last group given to n2
	dbLeader         string
	controller       string
}

// failover kills n1 with g groups Online on it and times, through n2's
// event stream, until all are Online on n2.
func (b *bench) failover(ctx context.Context, g int) (failoverRow, error) {
	n1, n2 := b.nodes[0], b.nodes[1]
	var row failoverRow
	if err := b.placeDBLeader(ctx); err != nil {
		return row, err
	}
	row.dbLeader = b.dbLeaderName(ctx)
	row.controller = b.controllerName(ctx)
	fmt.Fprintf(os.Stderr, "killing n1 with %d groups on it; the database holds %s operation records\n", g, b.countKeys(ctx, store.Prefix+"ops/"))
	marks := b.logMarks()
	t := &tally{g: g, to: n2.name, want: map[string]bool{}, online: map[string]bool{}, reassigned: map[string]bool{}}
	for i := range g {
		t.want[groupName(i)] = true
	}
	var w *watch
	if *observe == "watch" {
		var err error
		if w, err = startWatch(ctx, n2.conn); err != nil {
			return row, err
		}
		defer w.close()
	}
	cpu0 := b.cpuTimes()

	t0 := time.Now()
	if err := syscall.Kill(n1.cmd.Process.Pid, syscall.SIGKILL); err != nil {
		return row, fmt.Errorf("kill n1: %w", err)
	}
	var err error
	if w != nil {
		err = t.watch(ctx, w, n1.name)
	} else {
		err = t.poll(ctx, n2)
	}
	if err != nil {
		b.explainMissing(ctx, n2, t)
		return row, err
	}
	cpu1 := b.cpuTimes()
	row.first, row.all, row.reassigned = t.first.Sub(t0), t.all.Sub(t0), t.lastReassign.Sub(t0)
	row.down = -1
	if !t.down.IsZero() {
		row.down = t.down.Sub(t0)
	}
	if t.early > 0 {
		fmt.Fprintf(os.Stderr, "note: %d group event(s) on n2's stream showed a group Online on n2 before n2 had brought it online\n", t.early)
	}
	if w != nil && w.reconnects.Load() > 0 {
		fmt.Fprintf(os.Stderr, "note: n2's event stream broke %d time(s) during the failover and was resumed\n", w.reconnects.Load())
	}
	select {
	case <-n1.exited:
		n1.cmd = nil
	case <-time.After(10 * time.Second):
		return row, errors.New("n1 was not reaped within 10 s of SIGKILL")
	}
	fmt.Fprintf(os.Stderr, "%d groups: first Online on n2 at +%s ms, all at +%s ms (n1 Down at +%s ms, last reassigned at +%s ms)\n",
		g, ms(row.first), ms(row.all), ms(row.down), ms(row.reassigned))
	var used []string
	for i, n := range b.nodes {
		if i > 0 {
			used = append(used, fmt.Sprintf("%s %s ms", n.name, ms(cpu1[i]-cpu0[i])))
		}
	}
	fmt.Fprintf(os.Stderr, "  CPU used from the kill until all Online (%s ms of wall time, 2 CPUs): %s, this program %s ms\n",
		ms(row.all), strings.Join(used, ", "), ms(cpu1[len(b.nodes)]-cpu0[len(b.nodes)]))
	if *logLevel == "info" || *logLevel == "debug" {
		for _, n := range b.nodes[1:] {
			reportLog(n, marks[n], t0, "controller: this node leads the cluster")
			reportLog(n, marks[n], t0, "controller: group failed over")
			reportLog(n, marks[n], t0, `msg="dummy online" `)
			reportLog(n, marks[n], t0, `msg="dummy online done"`)
			reportLog(n, marks[n], t0, "cannot claim group")
		}
	}
	// Cross-check with a plain list.
	return row, b.awaitGroups(ctx, n2, g, n2.name)
}

// tally follows the groups of one failover.
type tally struct {
	g                              int
	to                             string // n2
	want, online, reassigned       map[string]bool
	down, first, lastReassign, all time.Time
	// early counts group events that showed a group Online on n2 before
	// n2 had brought it online (see watch).
	early int
}

// reassign notes a group seen with owner n2.
func (t *tally) reassign(name string, at time.Time) {
	if t.want[name] && !t.reassigned[name] {
		t.reassigned[name] = true
		t.lastReassign = at
	}
}

// up notes a group seen Online on n2.
func (t *tally) up(name string, at time.Time) {
	if !t.want[name] || t.online[name] {
		return
	}
	t.online[name] = true
	if t.first.IsZero() {
		t.first = at
	}
	if len(t.online) == t.g {
		t.all = at
	}
}

func (t *tally) timedOut() error {
	return fmt.Errorf("failover of %d groups: after %v, %d Online on %s, %d reassigned to it, old owner seen down: %v", t.g, *waitLimit, len(t.online), t.to, len(t.reassigned), !t.down.IsZero())
}

// watch follows n2's event stream until every group is Online on n2.
// Online is taken from groupState events only. A group event can show a
// state that never was: the stream derives each event's state from a view
// updated key by key, so the failover transaction's group record (owner
// n2) is shown with the resource status not yet updated (still Online,
// from n1); those are counted in early.
func (t *tally) watch(ctx context.Context, w *watch, from string) error {
	timer := time.NewTimer(*waitLimit)
	defer timer.Stop()
	for t.all.IsZero() {
		select {
		case ev := <-w.events:
			e := ev.ev
			switch e.Kind {
			case "node":
				if e.Name == from && e.Node != nil && e.Node.State == int32(clusapi.ClusterNodeDown) && t.down.IsZero() {
					t.down = ev.at
				}
			case "group":
				if e.GroupInfo != nil && e.GroupInfo.OwnerNode == t.to {
					if e.GroupInfo.StateName == clusapi.ClusterGroupOnline.String() && t.want[e.Name] && !t.online[e.Name] {
						t.early++
					}
					t.reassign(e.Name, ev.at)
				}
			case "groupState":
				if t.want[e.Name] && e.StateName == clusapi.ClusterGroupFailed.String() {
					return fmt.Errorf("group %s Failed during the failover (owner %s)", e.Name, e.GetGroupInfo().GetOwnerNode())
				}
				if e.StateName == clusapi.ClusterGroupOnline.String() && e.GetGroupInfo().GetOwnerNode() == t.to {
					t.up(e.Name, ev.at)
				}
			}
		case <-timer.C:
			return t.timedOut()
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// poll lists the groups through n's API every -poll until every group is
// Online on n2 (the time of an observation is the answer's arrival). It
// does not see the old owner go down.
func (t *tally) poll(ctx context.Context, n *node) error {
	deadline := time.Now().Add(*waitLimit)
	for t.all.IsZero() {
		resp, err := n.conn.Groups.ListGroups(ctx, connect.NewRequest(&batonv1.ListGroupsRequest{}))
		at := time.Now()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			fmt.Fprintln(os.Stderr, "ListGroups:", err)
		} else {
			for _, gr := range resp.Msg.Groups {
				if gr.OwnerNode != t.to {
					continue
				}
				t.reassign(gr.Name, at)
				if gr.StateName == clusapi.ClusterGroupOnline.String() {
					t.up(gr.Name, at)
				}
				if t.want[gr.Name] && gr.StateName == clusapi.ClusterGroupFailed.String() {
					return fmt.Errorf("group %s Failed during the failover", gr.Name)
				}
			}
		}
		if time.Now().After(deadline) {
			return t.timedOut()
		}
		select {
		case <-time.After(*pollEvery):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// explainMissing says on standard error, for each group not seen Online
// on n2, what n2's API says of it (a failed run should say why).
func (b *bench) explainMissing(ctx context.Context, n *node, t *tally) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	shown := 0
	for i := range t.g {
		name := groupName(i)
		if t.online[name] {
			continue
		}
		if shown++; shown > 5 {
			fmt.Fprintln(os.Stderr, "  (more not shown)")
			return
		}
		resp, err := n.conn.Groups.ExplainGroup(ctx, connect.NewRequest(&batonv1.ExplainGroupRequest{Group: &batonv1.GroupRef{Name: name}}))
		if err != nil {
			fmt.Fprintf(os.Stderr, "  %s: ExplainGroup: %v\n", name, err)
			continue
		}
		m := resp.Msg
		fmt.Fprintf(os.Stderr, "  %s: %s on %q: %s\n", name, m.StateName, m.OwnerNode, m.Summary)
		for _, r := range m.Reasons {
			fmt.Fprintf(os.Stderr, "    %s %s: %s\n", r.Resource, r.Code, r.Text)
		}
	}
}

// restartN1 starts n1 again on its data directory, waits until every node
// is Up, and checks that the groups stayed on n2.
func (b *bench) restartN1(ctx context.Context, g int) error {
	n1, n2 := b.nodes[0], b.nodes[1]
	t0 := time.Now()
	var initial []string
	for _, n := range b.nodes {
		initial = append(initial, n.name+"="+n.ip)
	}
	if err := n1.spawn(b.bin, strings.Join(initial, ","), b.secret); err != nil {
		return err
	}
	if err := b.awaitAllUp(ctx); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "n1 restarted and Up in %v\n", time.Since(t0).Round(time.Millisecond))
	return b.awaitGroups(ctx, n2, g, n2.name)
}

// moveBench times MoveGroup of a one-resource group from n1 to n3, from
// the call until n1's API shows it Online on n3; it is moved back,
// untimed, between rounds.
func (b *bench) moveBench(ctx context.Context) ([]time.Duration, error) {
	n1, n3 := b.nodes[0], b.nodes[2]
	const name = "move-1"
	if _, err := n1.conn.Groups.CreateGroup(ctx, connect.NewRequest(&batonv1.CreateGroupRequest{Name: name, PreferredOwners: []string{n1.name, n3.name}})); err != nil {
		return nil, fmt.Errorf("CreateGroup %s: %w", name, err)
	}
	if _, err := n1.conn.Resources.CreateResource(ctx, connect.NewRequest(&batonv1.CreateResourceRequest{Name: name + "-r", Group: name, Type: "dummy"})); err != nil {
		return nil, fmt.Errorf("CreateResource: %w", err)
	}
	if err := call(n1.conn.Groups.OnlineGroup(ctx, connect.NewRequest(&batonv1.OnlineGroupRequest{Group: &batonv1.GroupRef{Name: name}, Node: n1.name}))); err != nil {
		return nil, fmt.Errorf("OnlineGroup %s: %w", name, err)
	}
	if err := b.awaitGroupOn(ctx, name, n1.name); err != nil {
		return nil, err
	}
	var ds []time.Duration
	for range *moves {
		if err := b.quiesce(ctx); err != nil {
			return nil, err
		}
		w, err := startWatch(ctx, n1.conn)
		if err != nil {
			return nil, err
		}
		t0 := time.Now()
		if err := call(n1.conn.Groups.MoveGroup(ctx, connect.NewRequest(&batonv1.MoveGroupRequest{Group: &batonv1.GroupRef{Name: name}, Node: n3.name}))); err != nil {
			w.close()
			return nil, fmt.Errorf("MoveGroup %s to n3: %w", name, err)
		}
		at, err := w.awaitOnline(ctx, name, n3.name)
		w.close()
		if err != nil {
			return nil, err
		}
		ds = append(ds, at.Sub(t0))
		fmt.Fprintf(os.Stderr, "move n1 → n3: %s ms\n", ms(at.Sub(t0)))
		if err := b.quiesce(ctx); err != nil {
			return nil, err
		}
		if err := call(n1.conn.Groups.MoveGroup(ctx, connect.NewRequest(&batonv1.MoveGroupRequest{Group: &batonv1.GroupRef{Name: name}, Node: n1.name}))); err != nil {
			return nil, fmt.Errorf("MoveGroup %s back to n1: %w", name, err)
		}
		if err := b.awaitGroupOn(ctx, name, n1.name); err != nil {
			return nil, err
		}
	}
	if err := call(n1.conn.Groups.OfflineGroup(ctx, connect.NewRequest(&batonv1.OfflineGroupRequest{Group: &batonv1.GroupRef{Name: name}}))); err != nil {
		return nil, fmt.Errorf("OfflineGroup %s: %w", name, err)
	}
	err := await(ctx, name+" Offline", 20*time.Millisecond, func(ctx context.Context) (bool, string) {
		st, err := n1.conn.Groups.GetGroupState(ctx, connect.NewRequest(&batonv1.GetGroupStateRequest{Group: &batonv1.GroupRef{Name: name}}))
		if err != nil {
			return false, err.Error()
		}
		return st.Msg.StateName == clusapi.ClusterGroupOffline.String(), st.Msg.StateName
	})
	if err != nil {
		return nil, err
	}
	if _, err := n1.conn.Groups.DeleteGroup(ctx, connect.NewRequest(&batonv1.DeleteGroupRequest{Group: &batonv1.GroupRef{Name: name}, Force: true})); err != nil {
		return nil, fmt.Errorf("DeleteGroup %s: %w", name, err)
	}
	return ds, nil
}

// awaitGroupOn waits until n1's API shows the group Online on owner.
func (b *bench) awaitGroupOn(ctx context.Context, name, owner string) error {
	n1 := b.nodes[0]
	return await(ctx, name+" Online on "+owner, 20*time.Millisecond, func(ctx context.Context) (bool, string) {
		st, err := n1.conn.Groups.GetGroupState(ctx, connect.NewRequest(&batonv1.GetGroupStateRequest{Group: &batonv1.GroupRef{Name: name}}))
		if err != nil {
			return false, err.Error()
		}
		return st.Msg.StateName == clusapi.ClusterGroupOnline.String() && st.Msg.OwnerNode == owner, st.Msg.StateName + " on " + st.Msg.OwnerNode
	})
}

// Database and controller leadership, asked of etcd directly.

// dbMembers maps the embedded etcd members' names to their ids.
func (b *bench) dbMembers(ctx context.Context) (map[string]uint64, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	resp, err := b.etcd.MemberList(ctx)
	if err != nil {
		return nil, fmt.Errorf("etcd member list: %w", err)
	}
	ids := map[string]uint64{}
	for _, m := range resp.Members {
		ids[m.Name] = m.ID
	}
	return ids, nil
}

// dbLeaderNode is the node whose member leads the database (nil if none
// answers).
func (b *bench) dbLeaderNode(ctx context.Context) *node {
	ids, err := b.dbMembers(ctx)
	if err != nil {
		return nil
	}
	for _, n := range b.nodes {
		if n.cmd == nil {
			continue
		}
		sctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		st, err := b.etcd.Status(sctx, "https://"+net.JoinHostPort(n.ip, "7411"))
		cancel()
		if err != nil {
			continue
		}
		for _, m := range b.nodes {
			if ids[m.name] == st.Leader {
				return m
			}
		}
	}
	return nil
}

func (b *bench) dbLeaderName(ctx context.Context) string {
	if n := b.dbLeaderNode(ctx); n != nil {
		return n.name
	}
	return "?"
}

// placeDBLeader moves the database leadership as -db-leader asks, and
// after a move waits 3 s (more than the TTL plus an election), so
// the lease extension a new leader grants every lease is over before the
// kill.
func (b *bench) placeDBLeader(ctx context.Context) error {
	cur := b.dbLeaderNode(ctx)
	if cur == nil {
		return errors.New("no database leader found")
	}
	var to *node
	switch {
	case *dbLeader == "n1" && cur != b.nodes[0]:
		to = b.nodes[0]
	case *dbLeader == "not-n1" && cur == b.nodes[0]:
		to = b.nodes[1]
	}
	if to == nil {
		return nil
	}
	ids, err := b.dbMembers(ctx)
	if err != nil {
		return err
	}
	// MoveLeader must be sent to the leader.
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{"https://" + net.JoinHostPort(cur.ip, "7411")}, DialTimeout: 5 * time.Second, Logger: zap.NewNop(), TLS: b.tls})
	if err != nil {
		return err
	}
	defer cli.Close()
	mctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := cli.MoveLeader(mctx, ids[to.name]); err != nil {
		return fmt.Errorf("move the database leadership from %s to %s: %w", cur.name, to.name, err)
	}
	err = await(ctx, "database leader "+to.name, 50*time.Millisecond, func(ctx context.Context) (bool, string) {
		n := b.dbLeaderNode(ctx)
		return n == to, fmt.Sprint(n != nil && n == to)
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "moved the database leadership from %s to %s\n", cur.name, to.name)
	select {
	case <-time.After(leaseTTL + electionTime + 200*time.Millisecond):
	case <-ctx.Done():
		return ctx.Err()
	}
	return b.quiesce(ctx)
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

// countKeys counts the database's keys under prefix (they are never
// deleted for operations: every node's cache holds them all).
func (b *bench) countKeys(ctx context.Context, prefix string) string {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	resp, err := b.etcd.Get(ctx, prefix, clientv3.WithPrefix(), clientv3.WithCountOnly())
	if err != nil {
		return "?"
	}
	return strconv.FormatInt(resp.Count, 10)
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

// startWatch opens the stream and returns once the agent says it is in
// place (the "sync" event).
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
	var since, last int64 // since: where the stream started; last: the last event's revision
	started := false
	for ctx.Err() == nil {
		from := since
		if last > 0 {
			from = last - 1 // a revision may have been cut in two: take it whole again
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
		fmt.Fprintf(os.Stderr, "event stream of %s broke (%v); resuming after revision %d\n", conn.Addr, err, max(last-1, since))
		select {
		case <-time.After(20 * time.Millisecond):
		case <-ctx.Done():
		}
	}
}

func (w *watch) close() {
	w.cancel()
	<-w.done
}

// awaitOnline waits for a groupState event saying the group is Online on
// owner, and returns when it arrived.
func (w *watch) awaitOnline(ctx context.Context, group, owner string) (time.Time, error) {
	timer := time.NewTimer(*waitLimit)
	defer timer.Stop()
	for {
		select {
		case ev := <-w.events:
			e := ev.ev
			if e.Kind == "groupState" && e.Name == group && e.StateName == clusapi.ClusterGroupOnline.String() && e.GetGroupInfo().GetOwnerNode() == owner {
				return ev.at, nil
			}
		case <-timer.C:
			return time.Time{}, fmt.Errorf("group %s not seen Online on %s within %v", group, owner, *waitLimit)
		case <-ctx.Done():
			return time.Time{}, ctx.Err()
		}
	}
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

// Quiet: the three agents together ran or waited to run for less than a
// quarter of one CPU, over quietWindows windows of quietWindow in a row.
// Idle, they use 5–25 % of one CPU between them (the database members'
// heartbeats, lease renewals several times a second), on this 2-CPU
// machine; taking a few hundred groups online keeps them well above.
const (
	quietWindow  = 200 * time.Millisecond
	quietWindows = 3
)

// quiesce waits, at most -timeout, until the agents are idle, so one
// round's leftovers (a host still busy after its last status was
// written) do not land in the next round's figures.
func (b *bench) quiesce(ctx context.Context) error {
	deadline := time.Now().Add(*waitLimit)
	quiet := 0
	last := b.busyTime()
	for quiet < quietWindows {
		start := time.Now()
		select {
		case <-time.After(quietWindow):
		case <-ctx.Done():
			return ctx.Err()
		}
		now := b.busyTime()
		used := now - last
		last = now
		if used*4 < time.Since(start) {
			quiet++
		} else {
			quiet = 0
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the agents were not idle within %v (last window: %v busy)", *waitLimit, used)
		}
	}
	return nil
}

// busyTime sums, over the running agents' threads, the time run or spent
// runnable waiting for a CPU (/proc/PID/task/*/schedstat).
func (b *bench) busyTime() time.Duration {
	var sum time.Duration
	for _, n := range b.nodes {
		if n.cmd == nil {
			continue
		}
		base := fmt.Sprintf("/proc/%d/task", n.cmd.Process.Pid)
		tasks, _ := os.ReadDir(base)
		for _, t := range tasks {
			data, err := os.ReadFile(base + "/" + t.Name() + "/schedstat")
			if err != nil {
				continue // the thread exited
			}
			f := strings.Fields(string(data))
			if len(f) < 2 {
				continue
			}
			run, _ := strconv.ParseInt(f[0], 10, 64)
			wait, _ := strconv.ParseInt(f[1], 10, 64)
			sum += time.Duration(run + wait)
		}
	}
	return sum
}

// cpuTimes is the CPU time used so far by each agent (0 if not running),
// and last by this program.
func (b *bench) cpuTimes() []time.Duration {
	var out []time.Duration
	for _, n := range b.nodes {
		var sum time.Duration
		if n.cmd != nil {
			base := fmt.Sprintf("/proc/%d/task", n.cmd.Process.Pid)
			tasks, _ := os.ReadDir(base)
			for _, t := range tasks {
				data, err := os.ReadFile(base + "/" + t.Name() + "/schedstat")
				if f := strings.Fields(string(data)); err == nil && len(f) > 0 {
					run, _ := strconv.ParseInt(f[0], 10, 64)
					sum += time.Duration(run)
				}
			}
		}
		out = append(out, sum)
	}
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return append(out, time.Duration(ru.Utime.Nano()+ru.Stime.Nano()))
}

// Logs.

// logMarks remembers where each agent's log ends now.
func (b *bench) logMarks() map[*node]int64 {
	m := map[*node]int64{}
	for _, n := range b.nodes {
		m[n] = fileSize(n.log)
	}
	return m
}

// lostLease lists the nodes that logged a lost lease since the marks.
func (b *bench) lostLease(marks map[*node]int64) []string {
	var out []string
	for _, n := range b.nodes {
		if count, _, _ := logLines(n, marks[n], "lease lost"); count > 0 {
			out = append(out, n.name)
		}
	}
	return out
}

func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// reportLog says on standard error how many lines containing what n
// logged after offset, and when the first and last were, relative to t0
// (the log's times have millisecond resolution).
func reportLog(n *node, offset int64, t0 time.Time, what string) {
	if count, first, last := logLines(n, offset, what); count > 0 {
		fmt.Fprintf(os.Stderr, "  %s log: %d × %q, first at +%s ms, last at +%s ms\n", n.name, count, what, ms(first.Sub(t0)), ms(last.Sub(t0)))
	}
}

// logLines counts the lines containing what that n logged after offset,
// with the times of the first and last.
func logLines(n *node, offset int64, what string) (count int, first, last time.Time) {
	f, err := os.Open(n.log)
	if err != nil {
		return 0, first, last
	}
	defer f.Close()
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return 0, first, last
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.Contains(line, what) {
			continue
		}
		var at time.Time
		if ts, ok := strings.CutPrefix(line, "time="); ok {
			ts, _, _ = strings.Cut(ts, " ")
			at, _ = time.Parse(time.RFC3339Nano, ts)
		}
		if count == 0 {
			first = at
		}
		last = at
		count++
	}
	return count, first, last
}

// Parsing and printing.

func parseSizes(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 5000 {
			return nil, errors.New("-groups: want comma-separated numbers from 1 to 5000")
		}
		out = append(out, n)
	}
	// Ascending: the groups of one size are reused by the next, and none
	// may be left on n1 beyond the size measured.
	slices.Sort(out)
	return slices.Compact(out), nil
}

func parseIPs(s string) ([]string, error) {
	f := strings.Split(s, ",")
	if len(f) != 3 {
		return nil, errors.New("-ips: want three addresses")
	}
	_, loop, _ := net.ParseCIDR("127.0.0.0/8")
	for i, ip := range f {
		f[i] = strings.TrimSpace(ip)
		p := net.ParseIP(f[i])
		if p == nil || !loop.Contains(p) {
			return nil, fmt.Errorf("-ips: %q is not an address in 127.0.0.0/8", f[i])
		}
	}
	return f, nil
}

func ms(d time.Duration) string {
	if d < 0 {
		return "–"
	}
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 1, 64)
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
