// Command offline measures how long baton takes to take a group of N dummy
// resources offline, and how quickly the API answers, against the targets
// of docs/design.md §7:
//
//   - offline: for N = 1, 10, 100, 1000 resources, flat (no dependencies)
//     and chained (chains of 10, each resource depending on the previous),
//     the time from the OfflineGroup call to the group observed Offline in
//     the node's cluster-database cache (through a store subscription), and
//     the time until the node is idle again ("host busy": the resource
//     host's work does not end when the last status is written);
//   - answer: the time of the OfflineGroup call alone (call → 997) on a
//     10-resource group, of GetGroupState, and, for comparison, of one
//     plain etcd Put (one database commit).
//
// It starts one complete node in-process (embedded etcd in a temporary
// directory, resource host, API server) and is its client over the Unix
// socket, as root would be. Every round starts on an idle node. It prints
// Markdown tables for docs/benchmarks.md, and progress on standard error.
// Run it from the module root with
//
//	go run ./bench/offline
//
// Flags: -rounds overrides the rounds per row (default 7, 1 for N=1000),
// -k the samples of the answer figures, -sizes and -shapes select rows,
// -timeout and -idle-timeout bound each wait, -cpuprofile writes a CPU
// profile of the whole process, agent included.
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
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"connectrpc.com/connect"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
	"github.com/batoncluster/baton/bench/internal/machine"
	"github.com/batoncluster/baton/clusapi"
	"github.com/batoncluster/baton/internal/agent"
	"github.com/batoncluster/baton/internal/config"
	"github.com/batoncluster/baton/internal/dial"
	"github.com/batoncluster/baton/internal/store"
)

const (
	maxRounds = 100   // cap on -rounds
	maxK      = 10000 // cap on -k
	chainLen  = 10    // dependency depth of the chain shape
	benchKey  = "/bench/commit"
)

var (
	rounds     = flag.Int("rounds", 0, "rounds per offline row (0: 7, or 1 for N>=1000; at most 100)")
	samples    = flag.Int("k", 200, "samples of the OfflineGroup answer and of the etcd Put (at most 10000)")
	reads      = flag.Int("reads", 1000, "GetGroupState calls (at most 10000)")
	sizes      = flag.String("sizes", "1,10,100,1000", "group sizes N, comma-separated")
	shapes     = flag.String("shapes", "flat,chain", "shapes: flat, chain")
	waitLimit  = flag.Duration("timeout", 60*time.Second, "limit on each wait for a state")
	idleLimit  = flag.Duration("idle-timeout", 5*time.Minute, "limit on each wait for the node to go idle")
	total      = flag.Duration("deadline", 20*time.Minute, "limit on the whole run")
	cpuprofile = flag.String("cpuprofile", "", "write a CPU profile of the whole process to this file")
)

func main() {
	flag.Parse()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench/offline:", err)
		os.Exit(1)
	}
}

// bench holds the node under test and the API client.
type bench struct {
	st   *store.Store
	conn *dial.Conn
}

func run() error {
	*rounds = min(*rounds, maxRounds)
	*samples = min(max(*samples, 1), maxK)
	*reads = min(max(*reads, 1), maxK)
	ns, err := parseSizes(*sizes)
	if err != nil {
		return err
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

	dir, err := os.MkdirTemp("", "baton-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cfg := config.Defaults()
	cfg.Dev, cfg.Name, cfg.DataDir = true, "bench1", dir
	cfg.HTTPAddr, cfg.EtcdClientAddr, cfg.EtcdPeerAddr = "127.0.0.1:0", "auto", "auto"
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
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
	b := &bench{st: a.Store(), conn: conn}

	fmt.Printf("Machine: %s, %s/%s, %d CPUs, %s; load average at start %s\n\n", runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), machine.CPUModel(), machine.LoadAvg())
	defer func() { fmt.Printf("\nLoad average at end %s\n", machine.LoadAvg()) }()

	// Offline: call → Offline observed.
	fmt.Println("| shape | N | depth | rounds | offline min ms | offline median ms | offline max ms | host busy median ms |")
	fmt.Println("|---|---:|---:|---:|---:|---:|---:|---:|")
	for _, shape := range strings.Split(*shapes, ",") {
		if shape != "flat" && shape != "chain" {
			return fmt.Errorf("-shapes: unknown shape %q", shape)
		}
		for _, n := range ns {
			depth := 1
			if shape == "chain" {
				depth = min(n, chainLen)
			}
			name := fmt.Sprintf("%s-%d", shape, n)
			t0 := time.Now()
			if err := b.createGroup(ctx, name, n, depth); err != nil {
				return err
			}
			t1 := time.Now()
			if err := b.online(ctx, name); err != nil {
				return err
			}
			fmt.Fprintf(os.Stderr, "%s: created in %v, first online in %v\n", name, t1.Sub(t0).Round(time.Millisecond), time.Since(t1).Round(time.Millisecond))
			r := *rounds
			if r <= 0 {
				r = 7
				if n >= 1000 {
					r = 1
				}
			}
			var ds, busy []time.Duration
			for i := range r {
				d, bd, err := b.offlineRound(ctx, name)
				if err != nil {
					return err
				}
				ds, busy = append(ds, d), append(busy, bd)
				if i == r-1 {
					break // the last round leaves the group offline
				}
				if err := b.online(ctx, name); err != nil {
					return err
				}
			}
			slices.Sort(ds)
			slices.Sort(busy)
			fmt.Printf("| %s | %d | %d | %d | %s | %s | %s | %s |\n", shape, n, depth, r, ms(ds[0]), ms(ds[len(ds)/2]), ms(ds[len(ds)-1]), ms(busy[len(busy)/2]))
		}
	}

	// Answer latency.
	const answerGroup = "answer-10"
	if err := b.createGroup(ctx, answerGroup, 10, 1); err != nil {
		return err
	}
	if err := b.online(ctx, answerGroup); err != nil {
		return err
	}
	var answers, states, puts, idlePuts []time.Duration
	for range *samples {
		d, err := b.offlineAnswer(ctx, answerGroup)
		if err != nil {
			return err
		}
		answers = append(answers, d)
		if err := b.online(ctx, answerGroup); err != nil {
			return err
		}
	}
	for range *reads {
		t0 := time.Now()
		if _, err := conn.Groups.GetGroupState(ctx, connect.NewRequest(&batonv1.GetGroupStateRequest{Group: &batonv1.GroupRef{Name: answerGroup}})); err != nil {
			return fmt.Errorf("GetGroupState: %w", err)
		}
		states = append(states, time.Since(t0))
	}
	cli := b.st.Client()
	for i := range *samples {
		t0 := time.Now()
		if _, err := cli.Put(ctx, benchKey, strconv.Itoa(i)); err != nil {
			return fmt.Errorf("etcd put: %w", err)
		}
		puts = append(puts, time.Since(t0))
	}
	// The same commit as each 997 sample meets it: the node idle before
	// it. A node that has been idle wakes its threads for every step of
	// the commit, which here costs two to three times a commit made right
	// after another one.
	for i := range *samples {
		if _, err := b.quiesce(ctx); err != nil {
			return err
		}
		t0 := time.Now()
		if _, err := cli.Put(ctx, benchKey, strconv.Itoa(i)); err != nil {
			return fmt.Errorf("etcd put: %w", err)
		}
		idlePuts = append(idlePuts, time.Since(t0))
	}
	if _, err := cli.Delete(ctx, benchKey); err != nil {
		return fmt.Errorf("etcd delete: %w", err)
	}
	fmt.Println()
	fmt.Println("| call | samples | p50 ms | p99 ms | max ms |")
	fmt.Println("|---|---:|---:|---:|---:|")
	for _, row := range []struct {
		what string
		ds   []time.Duration
	}{
		{"OfflineGroup → 997 (10 resources)", answers},
		{"GetGroupState (read)", states},
		{"etcd Put (one commit), one after another", puts},
		{"etcd Put (one commit), on an idle node", idlePuts},
	} {
		slices.Sort(row.ds)
		fmt.Printf("| %s | %d | %s | %s | %s |\n", row.what, len(row.ds), ms(pct(row.ds, 50)), ms(pct(row.ds, 99)), ms(row.ds[len(row.ds)-1]))
	}
	// The target (docs/design.md §7) as a ratio of this run's figures.
	ratio := func(a, b []time.Duration) string {
		return fmt.Sprintf("%.1f×", float64(pct(a, 99))/float64(max(pct(b, 99), 1)))
	}
	fmt.Printf("\nOfflineGroup → 997 at p99: %s one commit on an idle node, %s one commit right after another\n",
		ratio(answers, idlePuts), ratio(answers, puts))
	return nil
}

// createGroup creates group name with n dummy resources through the API;
// with depth > 1 they form chains of depth resources, each depending on
// the one before it.
func (b *bench) createGroup(ctx context.Context, name string, n, depth int) error {
	if _, err := b.conn.Groups.CreateGroup(ctx, connect.NewRequest(&batonv1.CreateGroupRequest{Name: name})); err != nil {
		return fmt.Errorf("CreateGroup %s: %w", name, err)
	}
	for i := range n {
		req := &batonv1.CreateResourceRequest{Name: fmt.Sprintf("%s-r%04d", name, i), Group: name, Type: "dummy"}
		if depth > 1 && i%depth != 0 {
			req.DependsOn = []string{fmt.Sprintf("%s-r%04d", name, i-1)}
		}
		if _, err := b.conn.Resources.CreateResource(ctx, connect.NewRequest(req)); err != nil {
			return fmt.Errorf("CreateResource %s: %w", req.Name, err)
		}
	}
	_, err := b.quiesce(ctx)
	return err
}

// online brings the group online and waits (untimed) until it is Online,
// the operation's outcome is recorded and the node is idle again, so
// nothing of it runs into the next measurement.
func (b *bench) online(ctx context.Context, name string) error {
	resp, err := b.conn.Groups.OnlineGroup(ctx, connect.NewRequest(&batonv1.OnlineGroupRequest{Group: &batonv1.GroupRef{Name: name}}))
	if err != nil {
		return fmt.Errorf("OnlineGroup %s: %w", name, err)
	}
	if err := b.settle(ctx, name, clusapi.ClusterGroupOnline, resp.Msg.OperationId); err != nil {
		return err
	}
	_, err = b.quiesce(ctx)
	return err
}

// offlineRound times one OfflineGroup from the call to Offline observed in
// the store, and from the call to the node idle again (host busy).
func (b *bench) offlineRound(ctx context.Context, name string) (offline, busy time.Duration, err error) {
	sub := b.st.Subscribe() // before t0: no cost inside the timing
	defer sub.Close()
	t0 := time.Now()
	opID, err := b.offline(ctx, name)
	if err != nil {
		return 0, 0, err
	}
	if err := b.await(ctx, sub, name, clusapi.ClusterGroupOffline, ""); err != nil {
		return 0, 0, err
	}
	offline = time.Since(t0)
	if err := b.settle(ctx, name, clusapi.ClusterGroupOffline, opID); err != nil {
		return 0, 0, err
	}
	idle, err := b.quiesce(ctx)
	return offline, max(idle.Sub(t0), offline), err
}

// offlineAnswer times the OfflineGroup call alone, then waits (untimed)
// until the group is Offline and the node idle.
func (b *bench) offlineAnswer(ctx context.Context, name string) (time.Duration, error) {
	t0 := time.Now()
	opID, err := b.offline(ctx, name)
	d := time.Since(t0)
	if err != nil {
		return 0, err
	}
	if err := b.settle(ctx, name, clusapi.ClusterGroupOffline, opID); err != nil {
		return 0, err
	}
	_, err = b.quiesce(ctx)
	return d, err
}

// offline calls OfflineGroup and insists on the answer 997.
func (b *bench) offline(ctx context.Context, name string) (string, error) {
	resp, err := b.conn.Groups.OfflineGroup(ctx, connect.NewRequest(&batonv1.OfflineGroupRequest{Group: &batonv1.GroupRef{Name: name}}))
	if err != nil {
		return "", fmt.Errorf("OfflineGroup %s: %w", name, err)
	}
	if s := clusapi.Errno(resp.Msg.Status); s != clusapi.ERROR_IO_PENDING {
		return "", fmt.Errorf("OfflineGroup %s answered %d (%s), want 997", name, s, resp.Msg.StatusName)
	}
	return resp.Msg.OperationId, nil
}

// settle waits until the group is in state want and operation opID (if
// any) has its outcome recorded.
func (b *bench) settle(ctx context.Context, name string, want clusapi.ClusterGroupState, opID string) error {
	sub := b.st.Subscribe()
	defer sub.Close()
	return b.await(ctx, sub, name, want, opID)
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

// Quiet is judged on windows of quietWindow: the process (agent included)
// is idle when its threads ran or waited to run for under a tenth of the
// window, in quietWindows windows in a row, and the resource host has no
// lifecycle call left.
const (
	quietWindow  = 20 * time.Millisecond
	quietWindows = 3
)

// quiesce waits, at most -idle-timeout, until the whole process is idle,
// and returns when the quiet began (to within one window). A state
// observed in the store is not the end of the work it caused: the resource
// host goes on with its own bookkeeping after the last status is written.
// Waiting for quiet keeps one round's leftovers out of the next round's
// timing, and says how long the node stayed busy.
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
			quiet, last = 0, busyTime() // the look costs; it is not the node's
		}
		if time.Now().After(deadline) {
			return time.Time{}, fmt.Errorf("timed out after %v waiting for the node to be idle (-idle-timeout)", *idleLimit)
		}
	}
}

// hostAction is the goroutine the resource host runs each lifecycle call
// in (internal/host/actions.go). It lives until the host's loop has taken
// its completion, so while one exists the host has work left, even if the
// process looks idle for a moment (waiting on a disk write, say).
const hostAction = "internal/host.(*Host).start.func"

// hostBusy says whether a resource-host lifecycle goroutine exists. Should
// the name change, it says false, and quiet alone decides.
func hostBusy() bool {
	var buf bytes.Buffer
	if err := pprof.Lookup("goroutine").WriteTo(&buf, 1); err != nil {
		return false
	}
	return strings.Contains(buf.String(), hostAction)
}

// busyTime is the time the process's threads have spent running or
// runnable and waiting for a CPU (/proc/self/task/*/schedstat). Counting
// the waiting keeps a process starved by other work on a loaded machine
// from passing for idle. Without schedstat it is the CPU time used.
func busyTime() time.Duration {
	tasks, err := os.ReadDir("/proc/self/task")
	var sum time.Duration
	for _, t := range tasks {
		b, err := os.ReadFile("/proc/self/task/" + t.Name() + "/schedstat")
		if err != nil {
			continue // the thread exited
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
		if err != nil || n < 1 || n > 10000 {
			return nil, errors.New("-sizes: want comma-separated sizes from 1 to 10000")
		}
		out = append(out, n)
	}
	return out, nil
}

// pct is the p-th percentile (nearest rank) of sorted ds.
func pct(ds []time.Duration, p int) time.Duration {
	i := (len(ds)*p + 99) / 100
	return ds[max(i-1, 0)]
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 2, 64)
}
