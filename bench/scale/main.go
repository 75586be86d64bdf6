// Command scale measures whether a call's cost depends on the size of the
// cluster (docs/design.md §7: "the cost of one write or read does not
// grow with the number of groups, resources or nodes"; issue 11). On a
// cluster of three real `baton agent` processes on loopback addresses
// (-ips; each a database member, formed with --initial-cluster and
// --cluster-secret-file, default lease timings) it:
//
//   - times one group of -resources dummy resources (a chain) going
//     online and offline on the empty cluster (-rounds, median), from the
//     call until GetGroupState, polled every millisecond, shows the state;
//   - creates -groups groups of -resources dummy resources each (a chain:
//     each depends on the one before) through n1's API, one call at a
//     time on one connection, and prints each slice of -slice groups as it
//     ends: p50 and p99 of its calls (CreateGroup and CreateResource),
//     its wall time, and the agents' CPU time per call;
//   - then, once the agents are idle: each agent's resident memory and
//     each member's database size; ListGroups' first page (-page groups,
//     median of 20) and a walk of every page (median of 3); GetGroupState
//     of random groups (-reads calls, p50 and p99); and the same group's
//     online and offline again, against the empty cluster's (wall time,
//     and the agents' CPU time per round, which other work on the
//     machine does not change).
//
// Run it from the module root:
//
//	go run ./bench/scale                      # 10,000 groups × 5 resources
//	go run ./bench/scale -groups 2000 -slice 200
//
// It prints Markdown for docs/benchmarks.md on standard output (machine,
// commit, load average at start and end) and progress on standard error.
// Each wait gives up after -timeout (60 s) and the run after -deadline
// (2 h). At the end every agent is stopped by its process id (SIGTERM,
// SIGKILL after 20 s) and the temporary directory is removed (-keep keeps
// it, with the agents' logs). The ports 7410–7412 on the three addresses
// must be free.
//
// Its CI-sized variant is TestCallCostIndependentOfSize (main_test.go):
// 1,000 groups on one in-process node.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"connectrpc.com/connect"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
	"github.com/batoncluster/baton/bench/internal/machine"
	"github.com/batoncluster/baton/clusapi"
	"github.com/batoncluster/baton/internal/dial"
	"github.com/batoncluster/baton/internal/etcdmember"
	"github.com/batoncluster/baton/internal/pki"
)

// options are the command's flags.
type options struct {
	groups, resources, slice int
	page, reads, rounds      int
	ips                      []string
	logLevel                 string
	keep                     bool
	timeout, deadline        time.Duration
}

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "bench/scale:", err)
		os.Exit(1)
	}
}

func parse(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("scale", flag.ContinueOnError)
	fs.IntVar(&o.groups, "groups", 10000, "groups to create")
	fs.IntVar(&o.resources, "resources", 5, "dummy resources per group (a chain)")
	fs.IntVar(&o.slice, "slice", 1000, "groups per slice of the table")
	fs.IntVar(&o.page, "page", 500, "ListGroups page size")
	fs.IntVar(&o.reads, "reads", 2000, "GetGroupState calls timed")
	fs.IntVar(&o.rounds, "rounds", 5, "online/offline rounds of the probe group, on the empty cluster and at the end")
	ips := fs.String("ips", "127.0.0.41,127.0.0.42,127.0.0.43", "the three agents' addresses (127.0.0.0/8)")
	fs.StringVar(&o.logLevel, "log-level", "warn", "the agents' log level")
	fs.BoolVar(&o.keep, "keep", false, "keep the temporary directory (data directories and logs)")
	fs.DurationVar(&o.timeout, "timeout", 60*time.Second, "limit on each wait")
	fs.DurationVar(&o.deadline, "deadline", 2*time.Hour, "limit on the whole run")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	o.ips = strings.Split(*ips, ",")
	switch {
	case len(o.ips) != 3:
		return o, fmt.Errorf("-ips: want three addresses, not %q", *ips)
	case o.groups < 1 || o.groups > 100000, o.resources < 1 || o.resources > 100:
		return o, errors.New("-groups must be 1–100,000 and -resources 1–100")
	case o.slice < 1, o.page < 1 || o.page > 1000, o.reads < 1 || o.reads > 100000, o.rounds < 1 || o.rounds > 100:
		return o, errors.New("-slice must be positive, -page 1–1000, -reads 1–100,000, -rounds 1–100")
	}
	for _, ip := range o.ips {
		if a := net.ParseIP(ip); a == nil || !a.IsLoopback() {
			return o, fmt.Errorf("-ips: %q is not a loopback address", ip)
		}
	}
	return o, nil
}

// agent is one `baton agent` process.
type agent struct {
	name, ip, dir, log string
	cmd                *exec.Cmd
	exited             chan struct{}
}

func run(args []string) error {
	o, err := parse(args)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), o.deadline)
	defer cancel()
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	dir, err := os.MkdirTemp("", "baton-bench-scale-")
	if err != nil {
		return err
	}
	if o.keep {
		fmt.Fprintln(os.Stderr, "keeping", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	bin := filepath.Join(dir, "baton")
	if err := build(ctx, bin); err != nil {
		return err
	}
	secret := filepath.Join(dir, "cluster-secret")
	if err := os.WriteFile(secret, []byte(fmt.Sprintf("bench-scale-%d", time.Now().UnixNano())), 0o600); err != nil {
		return err
	}
	var agents []*agent
	var initial []string
	for i, ip := range o.ips {
		a := &agent{name: fmt.Sprintf("n%d", i+1), ip: ip, dir: filepath.Join(dir, fmt.Sprintf("n%d", i+1))}
		a.log = a.dir + ".log"
		agents = append(agents, a)
		initial = append(initial, a.name+"="+ip)
	}
	defer stopAll(agents)
	for _, a := range agents {
		if err := a.spawn(bin, strings.Join(initial, ","), secret, o.logLevel); err != nil {
			return err
		}
	}
	conn, err := dial.New("unix://"+filepath.Join(agents[0].dir, "baton.sock"), dial.Options{Timeout: o.timeout})
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := awaitUp(ctx, conn, len(agents), o.timeout); err != nil {
		return err
	}

	fmt.Printf("Machine: %s, %s/%s, %d CPUs, %s; commit %s; load average at start %s\n\n",
		runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), machine.CPUModel(), machine.Commit(), machine.LoadAvg())
	defer func() { fmt.Printf("\nLoad average at end %s\n", machine.LoadAvg()) }()
	fmt.Printf("Three agents (database members) on %s; the client calls n1's API over its Unix socket, one call at a time.\n\n", strings.Join(o.ips, ", "))

	const probe = "probe"
	if err := makeProbe(ctx, conn, probe, o.resources); err != nil {
		return err
	}
	if err := quiesce(ctx, agents, o.timeout); err != nil {
		fmt.Fprintln(os.Stderr, "warning:", err)
	}
	c0 := cpuOf(agents)
	on0, off0, err := onlineOffline(ctx, conn, probe, o.rounds, o.timeout)
	if err != nil {
		return err
	}
	cpu0 := (cpuOf(agents) - c0) / time.Duration(o.rounds)
	fmt.Fprintf(os.Stderr, "empty cluster: online %s ms, offline %s ms\n", ms(median(on0)), ms(median(off0)))

	fmt.Printf("Creating %d groups of %d dummy resources (CreateGroup, then CreateResource for each, each depending on the one before):\n\n", o.groups, o.resources)
	fmt.Println("| groups at the end of the slice | calls | p50 ms | p99 ms | slice s | agents' CPU ms per call |")
	fmt.Println("|---:|---:|---:|---:|---:|---:|")
	f := filler{conn: conn, resources: o.resources}
	var first, last sliceStats
	for from := 0; from < o.groups; from += o.slice {
		to := min(from+o.slice, o.groups)
		t0, c0 := time.Now(), cpuOf(agents)
		lat, err := f.fill(ctx, from, to)
		if err != nil {
			return err
		}
		s := statsOf(lat, to, time.Since(t0), cpuOf(agents)-c0)
		if from == 0 {
			first = s
		}
		last = s
		fmt.Printf("| %d | %d | %s | %s | %.1f | %s |\n", s.groups, s.calls, ms(s.p50), ms(s.p99), s.elapsed.Seconds(), ms(s.cpuPerCall()))
	}
	fmt.Printf("\nLast slice's p50 / first slice's: %.2f× (target ≤ 1.5×).\n\n", float64(last.p50)/float64(first.p50))

	if err := quiesce(ctx, agents, 5*o.timeout); err != nil {
		fmt.Fprintln(os.Stderr, "warning:", err)
	}
	total := o.groups * o.resources
	fmt.Printf("At %d groups and %d resources, the agents idle:\n\n", o.groups+1, total+o.resources)
	memoryTable(ctx, agents)

	// The members compact their history themselves (the last 100,000
	// revisions, every 5 minutes) and the controller leader defragments a
	// member whose file is mostly free pages; here both are done at once,
	// to show what the database and the agents come down to.
	if err := compactAll(ctx, agents); err != nil {
		fmt.Fprintln(os.Stderr, "warning:", err)
	} else {
		fmt.Printf("\nAfter compacting the history to the current revision and defragmenting each member in turn, idle again:\n\n")
		if err := quiesce(ctx, agents, o.timeout); err != nil {
			fmt.Fprintln(os.Stderr, "warning:", err)
		}
		memoryTable(ctx, agents)
	}

	firstPage, walk, groupsListed, err := listTimes(ctx, conn, o.page)
	if err != nil {
		return err
	}
	reads, err := stateReads(ctx, conn, o.groups, o.reads)
	if err != nil {
		return err
	}
	if err := quiesce(ctx, agents, o.timeout); err != nil {
		fmt.Fprintln(os.Stderr, "warning:", err)
	}
	c1 := cpuOf(agents)
	on1, off1, err := onlineOffline(ctx, conn, probe, o.rounds, o.timeout)
	if err != nil {
		return err
	}
	cpu1 := (cpuOf(agents) - c1) / time.Duration(o.rounds)
	fmt.Println()
	fmt.Println("| measure | value | target |")
	fmt.Println("|---|---:|---|")
	fmt.Printf("| ListGroups, first page of %d, median of 20 | %s ms | < 50 ms |\n", o.page, ms(firstPage))
	fmt.Printf("| ListGroups, every page (%d groups), median of 3 | %s ms | — |\n", groupsListed, ms(walk))
	fmt.Printf("| GetGroupState, %d calls on random groups: p50 / p99 | %s / %s ms | p99 < 2 ms |\n", len(reads), ms(percentile(reads, 50)), ms(percentile(reads, 99)))
	fmt.Printf("| online of a group of %d (chain), median of %d: empty cluster → now | %s → %s ms (%.2f×) | ≤ 1.5× |\n",
		o.resources, o.rounds, ms(median(on0)), ms(median(on1)), float64(median(on1))/float64(median(on0)))
	fmt.Printf("| offline of the same group: empty cluster → now | %s → %s ms (%.2f×) | ≤ 1.5× |\n",
		ms(median(off0)), ms(median(off1)), float64(median(off1))/float64(median(off0)))
	fmt.Printf("| the agents' CPU time per online and offline: empty cluster → now | %s → %s ms (%.2f×) | — |\n",
		ms(cpu0), ms(cpu1), float64(cpu1)/float64(max(cpu0, time.Millisecond)))
	return nil
}

// listTimes times ListGroups' first page (median of 20) and a walk of
// every page (median of 3), and says how many groups the walk listed.
func listTimes(ctx context.Context, c *dial.Conn, page int) (first, walk time.Duration, listed int, err error) {
	var firsts, walks []time.Duration
	for range 20 {
		t0 := time.Now()
		if _, err := c.Groups.ListGroups(ctx, connect.NewRequest(&batonv1.ListGroupsRequest{PageSize: int32(page)})); err != nil {
			return 0, 0, 0, fmt.Errorf("ListGroups: %w", err)
		}
		firsts = append(firsts, time.Since(t0))
	}
	for range 3 {
		t0, token, n := time.Now(), "", 0
		for {
			r, err := c.Groups.ListGroups(ctx, connect.NewRequest(&batonv1.ListGroupsRequest{PageSize: int32(page), PageToken: token}))
			if err != nil {
				return 0, 0, 0, fmt.Errorf("ListGroups: %w", err)
			}
			n += len(r.Msg.Groups)
			if token = r.Msg.NextPageToken; token == "" {
				break
			}
		}
		walks, listed = append(walks, time.Since(t0)), n
	}
	return median(firsts), median(walks), listed, nil
}

// stateReads times GetGroupState of random groups; sorted.
func stateReads(ctx context.Context, c *dial.Conn, groups, n int) ([]time.Duration, error) {
	out := make([]time.Duration, 0, n)
	for range n {
		g := groupName(rand.IntN(groups))
		t0 := time.Now()
		if _, err := c.Groups.GetGroupState(ctx, connect.NewRequest(&batonv1.GetGroupStateRequest{Group: &batonv1.GroupRef{Name: g}})); err != nil {
			return nil, fmt.Errorf("GetGroupState %s: %w", g, err)
		}
		out = append(out, time.Since(t0))
	}
	slices.Sort(out)
	return out, nil
}

// build compiles ./cmd/baton of the module the program runs in.
func build(ctx context.Context, bin string) error {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	mod := strings.TrimSpace(string(out))
	if err != nil || mod == "" || mod == os.DevNull {
		return errors.New("run from within the baton module (go env GOMOD names no go.mod)")
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/baton")
	cmd.Dir = filepath.Dir(mod)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build ./cmd/baton: %w", err)
	}
	return nil
}

// spawn starts the agent and returns at once.
func (a *agent) spawn(bin, initial, secret, logLevel string) error {
	for _, port := range []string{"7410", "7411", "7412"} {
		l, err := net.Listen("tcp", net.JoinHostPort(a.ip, port))
		if err != nil {
			return fmt.Errorf("%s: %s:%s is not free (choose other addresses with -ips): %w", a.name, a.ip, port, err)
		}
		l.Close()
	}
	logf, err := os.OpenFile(a.log, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := exec.Command(bin, "agent", "--name", a.name, "--data-dir", a.dir, "--advertise", a.ip,
		"--initial-cluster", initial, "--cluster-secret-file", secret, "--default-socket=", "--log-level", logLevel)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // they die with this program
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", a.name, err)
	}
	a.cmd, a.exited = cmd, make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(a.exited)
	}()
	return nil
}

// stopAll stops the running agents together: SIGTERM, then SIGKILL
// after 20 s, each by its process id.
func stopAll(agents []*agent) {
	for _, a := range agents {
		if a.cmd != nil {
			_ = syscall.Kill(a.cmd.Process.Pid, syscall.SIGTERM)
		}
	}
	deadline := time.After(20 * time.Second)
	for _, a := range agents {
		if a.cmd == nil {
			continue
		}
		select {
		case <-a.exited:
		case <-deadline:
			fmt.Fprintf(os.Stderr, "%s did not exit within 20 s of SIGTERM; killing it\n", a.name)
			_ = syscall.Kill(a.cmd.Process.Pid, syscall.SIGKILL)
			<-a.exited
		}
		a.cmd = nil
	}
}

// awaitUp waits until n1's API lists n nodes, all Up.
func awaitUp(ctx context.Context, c *dial.Conn, n int, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	last := ""
	for {
		r, err := c.Nodes.ListNodes(ctx, connect.NewRequest(&batonv1.ListNodesRequest{}))
		if err == nil {
			up := 0
			var says []string
			for _, m := range r.Msg.Nodes {
				says = append(says, m.Name+" "+m.StateName)
				if m.State == int32(clusapi.ClusterNodeUp) {
					up++
				}
			}
			if up == n && len(r.Msg.Nodes) == n {
				return nil
			}
			last = strings.Join(says, ", ")
		} else {
			last = err.Error()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the cluster did not form within %v: %s", limit, last)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// quiesce waits, at most limit, until the agents used less than a tenth
// of a CPU in each of three 200 ms windows in a row.
func quiesce(ctx context.Context, agents []*agent, limit time.Duration) error {
	const window = 200 * time.Millisecond
	deadline := time.Now().Add(limit)
	quiet, last := 0, cpuOf(agents)
	for quiet < 3 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(window):
		}
		now := cpuOf(agents)
		if (now-last)*10 < window {
			quiet++
		} else {
			quiet = 0
		}
		last = now
		if time.Now().After(deadline) {
			return fmt.Errorf("the agents were not idle within %v", limit)
		}
	}
	return nil
}

// cpuOf sums the CPU time the agents have used (/proc/PID/stat utime and
// stime, which count the threads that exited too).
func cpuOf(agents []*agent) time.Duration {
	var sum time.Duration
	for _, a := range agents {
		if a.cmd == nil {
			continue
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", a.cmd.Process.Pid))
		if err != nil {
			continue
		}
		s := string(b)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:]) // after the command name
		if len(f) < 13 {
			continue
		}
		ut, _ := strconv.ParseInt(f[11], 10, 64)
		st, _ := strconv.ParseInt(f[12], 10, 64)
		sum += time.Duration(ut+st) * 10 * time.Millisecond // USER_HZ 100
	}
	return sum
}

// procStatus is a field of the agent's /proc/PID/status in bytes: its
// resident memory (VmRSS), the anonymous part (RssAnon) or the part that
// maps files (RssFile).
func procStatus(a *agent, field string) int64 {
	if a.cmd == nil {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", a.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// memoryTable prints each agent's resident memory and database size.
func memoryTable(ctx context.Context, agents []*agent) {
	fmt.Println("| agent | resident memory MB | of it anonymous (Go heap, stacks) | of it file-backed (database pages, binary) | database size MB (in use) |")
	fmt.Println("|---|---:|---:|---:|---:|")
	sizes := dbSizes(ctx, agents)
	for _, a := range agents {
		mb := func(field string) float64 { return float64(procStatus(a, field)) / (1 << 20) }
		fmt.Printf("| %s (member) | %.0f | %.0f | %.0f | %s |\n", a.name, mb("VmRSS"), mb("RssAnon"), mb("RssFile"), sizes[a.name])
	}
}

// databaseClient is a client of the members' etcd, over TLS with n1's
// certificate, and the members' endpoints in agents' order.
func databaseClient(agents []*agent) (*clientv3.Client, []string, error) {
	tc, err := nodeTLS(agents[0].dir)
	if err != nil {
		return nil, nil, err
	}
	var eps []string
	for _, a := range agents {
		eps = append(eps, "https://"+net.JoinHostPort(a.ip, "7411"))
	}
	cli, err := clientv3.New(clientv3.Config{Endpoints: eps, DialTimeout: 5 * time.Second, Logger: zap.NewNop(), TLS: tc})
	return cli, eps, err
}

// compactAll compacts the history to the current revision and
// defragments the members one after the other.
func compactAll(ctx context.Context, agents []*agent) error {
	cli, eps, err := databaseClient(agents)
	if err != nil {
		return err
	}
	defer cli.Close()
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	st, err := cli.Status(sctx, eps[0])
	cancel()
	if err != nil {
		return err
	}
	cctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if err := etcdmember.Compact(cctx, cli, st.Header.Revision); err != nil {
		return err
	}
	for _, ep := range eps {
		if err := etcdmember.Defragment(cctx, cli, ep); err != nil {
			return err
		}
	}
	return nil
}

// dbSizes asks each member for its database size (etcd's Status):
// "size (in use)" in MB, by agent name.
func dbSizes(ctx context.Context, agents []*agent) map[string]string {
	out := map[string]string{}
	cli, eps, err := databaseClient(agents)
	if err != nil {
		return out
	}
	defer cli.Close()
	for i, a := range agents {
		sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		st, err := cli.Status(sctx, eps[i])
		cancel()
		if err != nil {
			out[a.name] = "?"
			continue
		}
		out[a.name] = fmt.Sprintf("%.0f (%.0f)", float64(st.DbSize)/(1<<20), float64(st.DbSizeInUse)/(1<<20))
	}
	return out
}

// nodeTLS is what the node in dir presents to the database.
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
