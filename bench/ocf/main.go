// Command ocf measures groups of real OCF resource agents against the
// agents' own run time, the target of docs/design.md §7 ("a group of real
// agents: within 1.2× of the agents' own run time") and of issue 13:
//
//   - chain: N resources of the agent (heartbeat/Dummy by default), each
//     depending on the one before it, so that a group operation runs the
//     agent's actions strictly one after another; its limit is the
//     agent's own serial time for the same actions — N stops for an
//     offline, N × (start + monitor) for an online — run directly (no
//     baton, no shell in between) in the same run;
//   - flat: N independent resources, whose actions baton runs at once;
//     its limit is the agent's own time for the same actions started all
//     at once (the slowest action plus what spawning N agents costs on
//     this machine).
//
// For N = 1, 10, 50, 200 and each shape it times OfflineGroup and
// OnlineGroup from the call to the group observed Offline (Online) in the
// node's cluster-database cache, and, alternating with them round by
// round, the agent's own time; it prints both, their ratio, and baton's
// share per member ((baton − agent) / N). It starts one complete node in
// the process (embedded etcd, resource host, cgroups as root, API server
// on a Unix socket) and is its API client, as bench/offline is. Every
// round starts on an idle node. Run it from the module root as root:
//
//	go run ./bench/ocf
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"connectrpc.com/connect"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
	"github.com/batoncluster/baton/bench/internal/machine"
	"github.com/batoncluster/baton/clusapi"
	"github.com/batoncluster/baton/internal/agent"
	"github.com/batoncluster/baton/internal/cgroup"
	"github.com/batoncluster/baton/internal/config"
	"github.com/batoncluster/baton/internal/dial"
	"github.com/batoncluster/baton/internal/store"
	"github.com/batoncluster/baton/proplist"
)

const maxRounds = 100 // cap on -rounds

var (
	rounds     = flag.Int("rounds", 3, "rounds per row (at most 100); the table gives medians")
	sizes      = flag.String("sizes", "1,10,50,200", "group sizes N, comma-separated")
	shapes     = flag.String("shapes", "chain,flat", "shapes: chain, flat")
	agentName  = flag.String("agent", "heartbeat/Dummy", "the OCF agent, PROVIDER/AGENT (it must need no parameters)")
	waitLimit  = flag.Duration("timeout", 5*time.Minute, "limit on each wait for a state")
	idleLimit  = flag.Duration("idle-timeout", 5*time.Minute, "limit on each wait for the node to go idle")
	total      = flag.Duration("deadline", 60*time.Minute, "limit on the whole run")
	leaseTTL   = flag.Duration("lease-ttl", 0, "the node's lease TTL (renewed every tenth of it, fencing 30% before it ends); 0: the agent's default (2 s)")
	poll       = flag.Duration("poll", 0, "health-check interval of the resources (LooksAlivePollInterval and IsAlivePollInterval); 0: the type's (10 s, 60 s)")
	logLevel   = flag.String("log-level", "warn", "the node's log level: debug, info, warn, error")
	cpuprofile = flag.String("cpuprofile", "", "write a CPU profile of the whole process (agent included) to this file")
)

// ocfRoot is where the agents are (Debian's resource-agents package).
const ocfRoot = "/usr/lib/ocf"

func main() {
	flag.Parse()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench/ocf:", err)
		os.Exit(1)
	}
}

// bench holds the node under test, its API client and the directory of
// the agent's own (direct) runs.
type bench struct {
	a        *agent.Agent
	st       *store.Store
	conn     *dial.Conn
	provider string
	agent    string
	dir      string
	cgroups  *cgroup.Node // for the agent's own runs in cgroups
}

// row is one shape and size: medians over the rounds. The agent's own
// times are taken twice: run directly (the limit), and run the same way
// but each instance in a cgroup of its own, placed as baton places a
// resource's processes (internal/cgroup: on this kernel through the
// /bin/sh gate), which shows what the kernel's cgroup placement costs.
type row struct {
	shape                   string
	n, rounds               int
	offline, stop, stopCg   time.Duration
	online, startMo, startG time.Duration
}

func run() error {
	*rounds = min(max(*rounds, 1), maxRounds)
	ns, err := parseSizes(*sizes)
	if err != nil {
		return err
	}
	provider, agentBase, ok := strings.Cut(*agentName, "/")
	if !ok {
		return fmt.Errorf("-agent: want PROVIDER/AGENT, not %q", *agentName)
	}
	if _, err := os.Stat(filepath.Join(ocfRoot, "resource.d", provider, agentBase)); err != nil {
		return fmt.Errorf("the agent is not installed (apt-get install resource-agents): %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), *total)
	defer cancel()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}

	dir, err := os.MkdirTemp("", "baton-bench-ocf-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cfg := config.Defaults()
	cfg.Dev, cfg.Name, cfg.DataDir = true, "bench1", filepath.Join(dir, "node")
	cfg.HTTPAddr, cfg.EtcdClientAddr, cfg.EtcdPeerAddr = "127.0.0.1:0", "auto", "auto"
	cfg.StopResourcesOnExit = true
	if *leaseTTL > 0 {
		cfg.LeaseTTL, cfg.RenewInterval, cfg.FenceMargin = *leaseTTL, *leaseTTL/10, *leaseTTL*3/10
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("-log-level: %w", err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	a, err := agent.Start(ctx, cfg, io.Discard, log)
	if err != nil {
		return fmt.Errorf("start agent: %w", err)
	}
	defer func() {
		t0 := time.Now()
		a.Close()
		fmt.Fprintf(os.Stderr, "agent stopped in %v\n", time.Since(t0).Round(time.Millisecond))
	}()
	conn, err := dial.New("unix://"+a.SocketPath(), dial.Options{Timeout: *waitLimit})
	if err != nil {
		return err
	}
	defer conn.Close()
	b := &bench{a: a, st: a.Store(), conn: conn, provider: provider, agent: agentBase, dir: filepath.Join(dir, "direct")}
	// The agent's own runs in cgroups: beside the node's, as another node
	// on this machine would have them.
	b.cgroups = cgroup.Setup(cgroup.Options{Node: "bench-direct", DataDir: b.dir})
	defer func() { _ = b.cgroups.Remove() }()
	if !b.cgroups.Valid() {
		return errors.New("no usable cgroup hierarchy: run as root on a machine with cgroups")
	}

	fmt.Printf("Machine: %s, %s/%s, %d CPUs, %s; commit %s; agent %s; load average at start %s\n\n",
		runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), machine.CPUModel(), machine.Commit(), *agentName, machine.LoadAvg())
	defer func() { fmt.Printf("\nLoad average at end %s\n", machine.LoadAvg()) }()

	// The table grows a row at a time: a run that ends early (a node that
	// lost its lease, a timeout) keeps what it measured.
	fmt.Println("| shape | N | rounds | offline ms | agent stop ms | in cgroups ms | ratio | baton per member ms | online ms | agent start+monitor ms | in cgroups ms | ratio | baton per member ms | load average |")
	fmt.Println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
	for _, shape := range strings.Split(*shapes, ",") {
		if shape != "chain" && shape != "flat" {
			return fmt.Errorf("-shapes: unknown shape %q", shape)
		}
		for _, n := range ns {
			r, err := b.measure(ctx, shape, n)
			if err != nil {
				return err
			}
			fmt.Printf("| %s | %d | %d | %s | %s | %s | %.2f× | %s | %s | %s | %s | %.2f× | %s | %s |\n", r.shape, r.n, r.rounds,
				ms(r.offline), ms(r.stop), ms(r.stopCg), ratio(r.offline, r.stop), ms((r.offline-r.stop)/time.Duration(r.n)),
				ms(r.online), ms(r.startMo), ms(r.startG), ratio(r.online, r.startMo), ms((r.online-r.startMo)/time.Duration(r.n)), machine.LoadAvg())
		}
	}
	fmt.Println()
	fmt.Println("Agent times: chain, the actions one after another; flat, all started at once; \"in cgroups\": the same, each instance placed in a cgroup of its own as baton places a resource's processes. Ratio and per member ((baton − agent) / N) against the agent run directly. Medians over the rounds; the load average when the row ended.")
	return nil
}

// measure creates the group, brings it online once (untimed: the first
// online also validates), and then times rounds of offline and online
// against the agent's own runs, alternating which goes first.
func (b *bench) measure(ctx context.Context, shape string, n int) (row, error) {
	name := fmt.Sprintf("%s-%d", shape, n)
	t0 := time.Now()
	if err := b.createGroup(ctx, name, n, shape == "chain"); err != nil {
		return row{}, err
	}
	t1 := time.Now()
	if _, err := b.change(ctx, name, true); err != nil {
		return row{}, err
	}
	fmt.Fprintf(os.Stderr, "%s: created in %v, first online in %v\n", name, t1.Sub(t0).Round(time.Millisecond), time.Since(t1).Round(time.Millisecond))
	d := &direct{root: ocfRoot, provider: b.provider, agent: b.agent, dir: filepath.Join(b.dir, name), n: n, parallel: shape == "flat"}
	dc := &direct{root: ocfRoot, provider: b.provider, agent: b.agent, dir: filepath.Join(b.dir, name+"-cg"), n: n, parallel: shape == "flat", cgroups: b.cgroups}
	for _, d := range []*direct{d, dc} {
		if err := d.prepare(); err != nil {
			return row{}, err
		}
		defer d.release()
		if _, err := d.online(ctx); err != nil { // untimed: the direct instances run too
			return row{}, err
		}
		defer func() { _, _ = d.offline(context.WithoutCancel(ctx)) }()
	}
	var offs, stops, stopsCg, ons, starts, startsCg []time.Duration
	for i := range *rounds {
		// Alternate which goes first, so that neither always runs on the
		// heels of the other.
		steps := []func() error{
			func() error { t, err := b.change(ctx, name, false); offs = append(offs, t); return err },
			func() error { t, err := d.offline(ctx); stops = append(stops, t); return err },
			func() error { t, err := dc.offline(ctx); stopsCg = append(stopsCg, t); return err },
			func() error { t, err := b.change(ctx, name, true); ons = append(ons, t); return err },
			func() error { t, err := d.online(ctx); starts = append(starts, t); return err },
			func() error { t, err := dc.online(ctx); startsCg = append(startsCg, t); return err },
		}
		if i%2 == 1 {
			slices.Reverse(steps[:3])
			slices.Reverse(steps[3:])
		}
		for _, step := range steps {
			if err := step(); err != nil {
				return row{}, err
			}
			if _, err := b.quiesce(ctx); err != nil {
				return row{}, err
			}
		}
	}
	// Leave the group offline: the next rows run on a node with nothing
	// else to monitor.
	if _, err := b.change(ctx, name, false); err != nil {
		return row{}, err
	}
	return row{shape: shape, n: n, rounds: *rounds,
		offline: median(offs), stop: median(stops), stopCg: median(stopsCg),
		online: median(ons), startMo: median(starts), startG: median(startsCg)}, nil
}

// createGroup creates group name with n resources of the agent through
// the API; chained, each depends on the one before it.
func (b *bench) createGroup(ctx context.Context, name string, n int, chain bool) error {
	if _, err := b.conn.Groups.CreateGroup(ctx, connect.NewRequest(&batonv1.CreateGroupRequest{Name: name})); err != nil {
		return fmt.Errorf("CreateGroup %s: %w", name, err)
	}
	for i := range n {
		props := proplist.List{
			{Name: "Provider", Values: []proplist.Value{proplist.SZ(b.provider)}},
			{Name: "Agent", Values: []proplist.Value{proplist.SZ(b.agent)}},
		}
		if *poll > 0 {
			ms := proplist.DWORD(uint32(poll.Milliseconds()))
			props = props.Set("LooksAlivePollInterval", ms).Set("IsAlivePollInterval", ms)
		}
		r := fmt.Sprintf("%s-r%04d", name, i)
		var deps []string
		if chain && i > 0 {
			deps = []string{fmt.Sprintf("%s-r%04d", name, i-1)}
		}
		if _, err := b.a.Ops().CreateResource(ctx, r, name, "OCF", deps, props); err != nil {
			return fmt.Errorf("create resource %s: %w", r, err)
		}
	}
	_, err := b.quiesce(ctx)
	return err
}

// change takes the group online (or offline) through the API and returns
// the time from the call to the state observed in the node's cache; then
// it waits, untimed, for the operation's outcome and an idle node.
func (b *bench) change(ctx context.Context, name string, online bool) (time.Duration, error) {
	sub := b.st.Subscribe() // before t0: no cost inside the timing
	defer sub.Close()
	want := clusapi.ClusterGroupOffline
	t0 := time.Now()
	var res *batonv1.OperationResult
	if online {
		want = clusapi.ClusterGroupOnline
		resp, err := b.conn.Groups.OnlineGroup(ctx, connect.NewRequest(&batonv1.OnlineGroupRequest{Group: &batonv1.GroupRef{Name: name}}))
		if err != nil {
			return 0, fmt.Errorf("OnlineGroup %s: %w", name, err)
		}
		res = resp.Msg
	} else {
		resp, err := b.conn.Groups.OfflineGroup(ctx, connect.NewRequest(&batonv1.OfflineGroupRequest{Group: &batonv1.GroupRef{Name: name}}))
		if err != nil {
			return 0, fmt.Errorf("OfflineGroup %s: %w", name, err)
		}
		res = resp.Msg
	}
	if s := clusapi.Errno(res.GetStatus()); s != clusapi.ERROR_IO_PENDING {
		return 0, fmt.Errorf("group %s: answered %d (%s), want 997", name, s, res.GetStatusName())
	}
	if err := b.await(ctx, sub, name, want, ""); err != nil {
		return 0, err
	}
	d := time.Since(t0)
	if err := b.await(ctx, sub, name, want, res.GetOperationId()); err != nil {
		return 0, err
	}
	_, err := b.quiesce(ctx)
	return d, err
}

// await waits on sub, at most -timeout, until the store's view shows the
// group in state want (and operation opID finished, when set).
func (b *bench) await(ctx context.Context, sub *store.Subscription, name string, want clusapi.ClusterGroupState, opID string) error {
	timer := time.NewTimer(*waitLimit)
	defer timer.Stop()
	for {
		v := b.st.View()
		g := v.Group(name)
		if g == nil {
			return fmt.Errorf("group %s vanished", name)
		}
		state := v.GroupState(g)
		if state == clusapi.ClusterGroupFailed {
			return fmt.Errorf("group %s failed while waiting for %s", name, want)
		}
		if state == want {
			if opID == "" {
				return nil
			}
			if op := v.Operation(opID); op == nil || !op.Finished.IsZero() {
				return nil
			}
		}
		select {
		case <-sub.C():
			sub.Take()
		case <-timer.C:
			return fmt.Errorf("timed out after %v waiting for group %s to be %s (it is %s)", *waitLimit, name, want, state)
		case <-ctx.Done():
			return fmt.Errorf("waiting for group %s to be %s: %w", name, want, ctx.Err())
		}
	}
}

// direct runs the agent itself for n instances, without baton: each with
// its own HA_RSCTMP, the environment baton gives it, output discarded.
type direct struct {
	root, provider, agent string
	dir                   string
	n                     int
	parallel              bool // all at once (flat), else one after another (chain)
	// cgroups, if set, gives each instance a cgroup of its own, and its
	// actions start in it as a resource's do (cgroup.Dir.Start).
	cgroups *cgroup.Node
	cg      []*cgroup.Group
}

func (d *direct) prepare() error {
	for i := range d.n {
		if err := os.MkdirAll(d.rscTmp(i), 0o700); err != nil {
			return err
		}
		if d.cgroups != nil {
			g, err := d.cgroups.Group(fmt.Sprintf("%s-%d", filepath.Base(d.dir), i), "direct", "direct")
			if err != nil {
				return err
			}
			d.cg = append(d.cg, g)
		}
	}
	return nil
}

func (d *direct) release() {
	for _, g := range d.cg {
		g.Release()
	}
}

func (d *direct) rscTmp(i int) string { return filepath.Join(d.dir, strconv.Itoa(i)) }

// online runs start and monitor for every instance; offline runs stop.
// They return the time the whole took.
func (d *direct) online(ctx context.Context) (time.Duration, error) {
	return d.each(ctx, func(i int) error {
		if err := d.act(ctx, i, "start", 0); err != nil {
			return err
		}
		return d.act(ctx, i, "monitor", 0, "OCF_CHECK_LEVEL=0", "OCF_RESKEY_CRM_meta_interval=10000")
	})
}

func (d *direct) offline(ctx context.Context) (time.Duration, error) {
	return d.each(ctx, func(i int) error { return d.act(ctx, i, "stop", 7) })
}

func (d *direct) each(ctx context.Context, fn func(i int) error) (time.Duration, error) {
	t0 := time.Now()
	if !d.parallel {
		for i := range d.n {
			if err := fn(i); err != nil {
				return 0, err
			}
		}
		return time.Since(t0), nil
	}
	errs := make([]error, d.n)
	var wg sync.WaitGroup
	for i := range d.n {
		wg.Go(func() { errs[i] = fn(i) })
	}
	wg.Wait()
	return time.Since(t0), errors.Join(errs...)
}

// act runs one action of instance i; exit codes other than 0 and ok fail.
func (d *direct) act(ctx context.Context, i int, action string, ok int, env ...string) error {
	cmd := exec.CommandContext(ctx, filepath.Join(d.root, "resource.d", d.provider, d.agent), action)
	cmd.Dir = "/"
	cmd.Env = append([]string{
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"OCF_ROOT=" + d.root, "OCF_RA_VERSION_MAJOR=1", "OCF_RA_VERSION_MINOR=0",
		"OCF_RESOURCE_TYPE=" + d.agent, "OCF_RESOURCE_PROVIDER=" + d.provider,
		"OCF_RESOURCE_INSTANCE=direct-" + strconv.Itoa(i), "HA_RSCTMP=" + d.rscTmp(i),
		"OCF_RESKEY_CRM_meta_timeout=20000",
	}, env...)
	var err error
	if d.cg != nil && d.cg[i] != nil {
		if err = d.cg[i].Start(cmd); err == nil {
			err = cmd.Wait()
		}
	} else {
		err = cmd.Run()
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() == ok && ok != 0 {
		return nil
	}
	if err != nil {
		return fmt.Errorf("%s/%s %s: %w", d.provider, d.agent, action, err)
	}
	return nil
}

// Quiet is judged on windows of quietWindow: the process (agent included)
// is idle when its threads ran or waited to run for under a tenth of the
// window, in quietWindows windows in a row, and the resource host has no
// lifecycle call left (as bench/offline judges it).
const (
	quietWindow  = 20 * time.Millisecond
	quietWindows = 3
)

// quiesce waits, at most -idle-timeout, until the whole process is idle,
// and returns when the quiet began.
func (b *bench) quiesce(ctx context.Context) (time.Time, error) {
	deadline := time.Now().Add(*idleLimit)
	quiet, since := 0, time.Now()
	last := busyTime()
	for {
		start := time.Now()
		select {
		case <-time.After(quietWindow):
		case <-ctx.Done():
			return time.Time{}, ctx.Err()
		}
		now := busyTime()
		used, wall := now-last, time.Since(start)
		last = now
		if used*10 >= wall {
			quiet = 0
		} else if quiet++; quiet == 1 {
			since = start
		}
		if quiet >= quietWindows {
			if !hostBusy() {
				return since, nil
			}
			quiet, last = 0, busyTime()
		}
		if time.Now().After(deadline) {
			return time.Time{}, fmt.Errorf("timed out after %v waiting for the node to be idle (-idle-timeout)", *idleLimit)
		}
	}
}

// hostAction is the goroutine the resource host runs each lifecycle call
// in (internal/host/actions.go).
const hostAction = "internal/host.(*Host).start.func"

// hostBusy says whether a resource-host lifecycle goroutine exists.
func hostBusy() bool {
	var buf bytes.Buffer
	if err := pprof.Lookup("goroutine").WriteTo(&buf, 1); err != nil {
		return false
	}
	return strings.Contains(buf.String(), hostAction)
}

// busyTime is the time the process's threads have spent running or
// waiting for a CPU (/proc/self/task/*/schedstat).
func busyTime() time.Duration {
	tasks, err := os.ReadDir("/proc/self/task")
	var sum time.Duration
	for _, t := range tasks {
		b, err := os.ReadFile("/proc/self/task/" + t.Name() + "/schedstat")
		if err != nil {
			continue
		}
		f := strings.Fields(string(b))
		if len(f) < 2 {
			continue
		}
		run, _ := strconv.ParseInt(f[0], 10, 64)
		wait, _ := strconv.ParseInt(f[1], 10, 64)
		sum += time.Duration(run + wait)
	}
	if err != nil || sum == 0 {
		var ru syscall.Rusage
		if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
			return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		}
	}
	return sum
}

func parseSizes(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 1000 {
			return nil, errors.New("-sizes: want comma-separated sizes from 1 to 1000")
		}
		out = append(out, n)
	}
	return out, nil
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func ratio(a, b time.Duration) float64 { return float64(a) / float64(b) }

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 2, 64)
}
