// Command tls measures what TLS costs baton, in one run on one machine,
// by comparing two builds of baton side by side:
//
//   - before: commit 4dd71de (-before), the last one whose TCP API spoke
//     plain HTTP/2 (h2c) and whose embedded etcd spoke plain HTTP on its
//     client and peer ports;
//   - after: the working tree (-after "", or a commit), whose TCP API
//     speaks HTTP/2 over TLS only (a certificate from the cluster's own
//     CA) and whose etcd uses TLS with client certificates on both ports.
//
// Two things are measured:
//
//  1. The seed call's answer. One `baton agent -dev` of each build, with
//     the README's seed scenario (group DemoGroup: r1 dummy with
//     OfflineDelayMs 500, r2 dummy depending on r1) set up over the Unix
//     socket with that build's own CLI, and a Full bearer token. This
//     program is then a TCP client of both, with the Connect client of
//     api/baton/v1/batonv1connect on an http.Client of its own: h2c for
//     before, HTTP/2 over TLS trusting the agent's DATA/ca.crt for after.
//     -k rounds of {OnlineGroup, wait until Online, wait until the agents
//     are idle (none of it timed); time the OfflineGroup call alone, from
//     the call to its 997 (ERROR_IO_PENDING) answer; wait until Offline},
//     and -reads GetGroupState calls, both over one kept-alive connection;
//     and -reads GetGroupState calls each on a new connection (TCP
//     connect, TLS handshake for after, HTTP/2 preface, call), which is
//     what a client that does not keep its connection pays. The rounds
//     alternate between the builds (before then after, then after then
//     before, …), so that a change of load on the machine hits both.
//  2. Failover time. A three-node cluster of each build on loopback
//     addresses of its own (-before-ips, -after-ips; the agents' default
//     ports 7410–7412 on them must be free), formed with --initial-cluster
//     (and --cluster-secret-file for after, which needs it), default lease
//     timings. One group of one dummy resource, preferred owners n2, n3,
//     n1, is Online on n2. Each round: n2 owns the group (moved back if
//     need be), the database leader is not n2 (moved to n1 if it is: a
//     killed database leader costs an election and etcd's lease
//     extension), nor is the controller (n2 is restarted cleanly if it
//     leads it: a killed controller adds its session's expiry), the
//     cluster's forming grace (three lease TTLs from its start, when the
//     groups of nodes not back yet are held) is over, and the agents are
//     idle; then SIGKILL of n2's agent, and n1's EventService.Watch stream
//     (over its Unix socket, each event timestamped on arrival) gives the
//     time until n2 is seen Down, until the group is reassigned, and until
//     it is Online on another node. n2 is then started again with the
//     same command line and the round ends when every node is Up. With
//     -failover-order alternate (the default) both clusters stay up and
//     their rounds alternate; with sequential, before's cluster runs its
//     rounds and stops, then after's. The failovers themselves never
//     overlap.
//
// A killed agent's fence guard (`baton guard`, a process of its own that
// outlives the agent) has nothing to kill here (dummy resources run no
// process) and exits by itself once no agent is connected; a restarted
// agent starts or reconnects to one. At the end this program stops its
// agents (SIGTERM, then SIGKILL after 20 s), waits for their guards to
// exit (SIGKILL, by process id, after 15 s) and removes its temporary
// directory.
//
// Run it from the module root with
//
//	go run ./bench/tls
//
// It prints Markdown tables for docs/benchmarks.md on standard output,
// with the machine, both commits and the load average at the start and the
// end, and progress on standard error. Other flags: -parts chooses seed,
// failover or both; -rounds is the failovers per build (3, at most 10);
// -timeout bounds each wait (60 s) and -deadline the whole run (15 min);
// -keep keeps the temporary directory (binaries, data directories, logs).
package main

import (
	"archive/tar"
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
	"sync/atomic"
	"syscall"
	"time"

	"connectrpc.com/connect"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
	"github.com/batoncluster/baton/api/baton/v1/batonv1connect"
	"github.com/batoncluster/baton/bench/internal/machine"
	"github.com/batoncluster/baton/clusapi"
	"github.com/batoncluster/baton/internal/dial"
	"github.com/batoncluster/baton/internal/pki"
	"github.com/batoncluster/baton/internal/store"
)

const (
	maxK      = 1000
	maxReads  = 10000
	maxRounds = 10
	demoGroup = "DemoGroup"
	foGroup   = "tls-fo"

	quietLimit = 10 * time.Second // a wait for idle agents that runs out goes on, noted
)

var (
	beforeRev = flag.String("before", "4dd71de", "commit of the before build (plain HTTP/h2c API, etcd without TLS)")
	afterRev  = flag.String("after", "", "commit of the after build (\"\": the working tree)")
	parts     = flag.String("parts", "seed,failover", "what to measure: seed, failover or both, comma-separated")
	samples   = flag.Int("k", 100, "rounds of the timed OfflineGroup call per build (at most 1000)")
	reads     = flag.Int("reads", 500, "GetGroupState calls per build and per connection mode (at most 10000)")
	rounds    = flag.Int("rounds", 3, "failovers per build (at most 10)")
	order     = flag.String("failover-order", "alternate", "alternate: both clusters up, rounds alternate; sequential: before's cluster, then after's")
	beforeIPs = flag.String("before-ips", "127.0.0.71,127.0.0.72,127.0.0.73", "the before cluster's three addresses (127.0.0.0/8)")
	afterIPs  = flag.String("after-ips", "127.0.0.81,127.0.0.82,127.0.0.83", "the after cluster's three addresses (127.0.0.0/8)")
	logLevel  = flag.String("log-level", "warn", "the agents' log level")
	keep      = flag.Bool("keep", false, "keep the temporary directory (binaries, data directories, agents' logs)")
	waitLimit = flag.Duration("timeout", 60*time.Second, "limit on each wait")
	total     = flag.Duration("deadline", 15*time.Minute, "limit on the whole run")
)

func main() {
	flag.Parse()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench/tls:", err)
		os.Exit(1)
	}
}

// build is one of the two binaries compared.
type build struct {
	name    string // "before" or "after"
	rev     string // short commit
	subject string
	note    string // how it was built
	tls     bool   // the after build: TLS everywhere
	bin     string
}

func run() error {
	doSeed, doFailover, err := parseParts(*parts)
	if err != nil {
		return err
	}
	*samples = min(max(*samples, 1), maxK)
	*reads = min(max(*reads, 1), maxReads)
	*rounds = min(max(*rounds, 1), maxRounds)
	if *order != "alternate" && *order != "sequential" {
		return fmt.Errorf("-failover-order: want alternate or sequential, not %q", *order)
	}
	bIPs, err := parseIPs("-before-ips", *beforeIPs)
	if err != nil {
		return err
	}
	aIPs, err := parseIPs("-after-ips", *afterIPs)
	if err != nil {
		return err
	}
	for _, ip := range bIPs {
		if slices.Contains(aIPs, ip) {
			return fmt.Errorf("-before-ips and -after-ips share %s", ip)
		}
	}
	if doFailover {
		// Before building anything: the agents' ports must be free.
		for _, ip := range append(slices.Clone(bIPs), aIPs...) {
			if err := portsFree(ip); err != nil {
				return err
			}
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), *total)
	defer cancel()
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	dir, err := os.MkdirTemp("", "baton-bench-tls-")
	if err != nil {
		return err
	}
	if *keep {
		fmt.Fprintln(os.Stderr, "keeping", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	root, err := moduleRoot(ctx)
	if err != nil {
		return err
	}
	before := &build{name: "before", bin: filepath.Join(dir, "baton-before")}
	after := &build{name: "after", tls: true, bin: filepath.Join(dir, "baton-after")}
	// Whatever happens from here on: no guard of ours outlives the run.
	defer reapGuards([]string{before.bin, after.bin})
	if err := before.make(ctx, root, dir, *beforeRev); err != nil {
		return err
	}
	if err := after.make(ctx, root, dir, *afterRev); err != nil {
		return err
	}

	fmt.Printf("Machine: %s, %s/%s, %d CPUs, %s; load average at start %s\n\n", runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), machine.CPUModel(), machine.LoadAvg())
	fmt.Printf("- before: `%s` %s (%s): TCP API plain HTTP/2 (h2c), etcd plain HTTP\n", before.rev, before.subject, before.note)
	fmt.Printf("- after: `%s` %s (%s): TCP API HTTP/2 over TLS, etcd TLS with client certificates\n\n", after.rev, after.subject, after.note)
	defer func() { fmt.Printf("\nLoad average at end %s\n", machine.LoadAvg()) }()

	builds := []*build{before, after}
	if doSeed {
		if err := seedBench(ctx, dir, builds); err != nil {
			return err
		}
	}
	if doFailover {
		if err := failoverBench(ctx, dir, builds, [][]string{bIPs, aIPs}); err != nil {
			return err
		}
	}
	return nil
}

// Building.

func moduleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	mod := strings.TrimSpace(string(out))
	if err != nil || mod == "" || mod == os.DevNull {
		return "", errors.New("run from within the baton module (go env GOMOD names no go.mod)")
	}
	return filepath.Dir(mod), nil
}

// make builds ./cmd/baton at rev into b.bin: from `git archive rev`
// unpacked into a temporary directory (removed afterwards), or from the
// working tree when rev is "".
func (b *build) make(ctx context.Context, root, dir, rev string) error {
	t0 := time.Now()
	src := root
	if rev == "" {
		info, err := gitOut(ctx, root, "log", "-1", "--format=%h %s", "HEAD")
		if err != nil {
			return err
		}
		b.rev, b.subject, _ = strings.Cut(info, " ")
		b.note = "the working tree"
		if st, err := gitOut(ctx, root, "status", "--porcelain", "--untracked-files=no"); err == nil && st != "" {
			var goFiles int
			lines := strings.Split(st, "\n")
			for _, l := range lines {
				if strings.HasSuffix(l, ".go") && !strings.HasSuffix(l, "_test.go") {
					goFiles++
				}
			}
			b.note = fmt.Sprintf("the working tree at HEAD, with uncommitted changes to %d tracked files, %d of them non-test .go files", len(lines), goFiles)
		}
	} else {
		info, err := gitOut(ctx, root, "log", "-1", "--format=%h %s", rev+"^{commit}")
		if err != nil {
			return fmt.Errorf("-%s %s: %w", b.name, rev, err)
		}
		b.rev, b.subject, _ = strings.Cut(info, " ")
		b.note = "built from git archive " + b.rev
		src = filepath.Join(dir, "src-"+b.name)
		if err := unpack(ctx, root, b.rev, src); err != nil {
			return err
		}
		defer os.RemoveAll(src)
	}
	if len(b.subject) > 60 {
		b.subject = b.subject[:57] + "…"
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-o", b.bin, "./cmd/baton")
	cmd.Dir = src
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build ./cmd/baton at %s: %w", b.rev, err)
	}
	fmt.Fprintf(os.Stderr, "built %s (%s) in %v\n", b.name, b.rev, time.Since(t0).Round(time.Millisecond))
	return nil
}

func gitOut(ctx context.Context, root string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return "", fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(ee.Stderr)))
		}
		return "", fmt.Errorf("git %s: %w", strings.Join(args, " "), err)
	}
	return strings.TrimSpace(string(out)), nil
}

// unpack writes the tree of rev into dst (git archive; nothing in the
// repository changes).
func unpack(ctx context.Context, root, rev, dst string) error {
	cmd := exec.CommandContext(ctx, "git", "archive", "--format=tar", rev)
	cmd.Dir = root
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("git archive: %w", err)
	}
	err = untar(out, dst)
	if err != nil {
		_, _ = io.Copy(io.Discard, out)
	}
	if werr := cmd.Wait(); err == nil && werr != nil {
		err = fmt.Errorf("git archive %s: %w", rev, werr)
	}
	return err
}

func untar(r io.Reader, dst string) error {
	tr := tar.NewReader(r)
	for files := 0; files < 1_000_000; files++ {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("untar: %w", err)
		}
		if !filepath.IsLocal(h.Name) {
			continue
		}
		p := filepath.Join(dst, h.Name)
		switch h.Typeflag {
		case tar.TypeDir:
			err = os.MkdirAll(p, 0o755)
		case tar.TypeReg:
			err = writeFile(p, tr, os.FileMode(h.Mode)&0o777)
		case tar.TypeSymlink:
			if err = os.MkdirAll(filepath.Dir(p), 0o755); err == nil {
				err = os.Symlink(h.Linkname, p)
			}
		}
		if err != nil {
			return fmt.Errorf("untar %s: %w", h.Name, err)
		}
	}
	return errors.New("untar: too many entries")
}

func writeFile(p string, r io.Reader, mode os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Processes.

// proc is one agent process this program started.
type proc struct {
	name   string
	cmd    *exec.Cmd
	log    string
	exited chan struct{}
}

// spawn starts bin with args, its output appended to logPath, and
// returns at once. Should this program die, the process dies with it.
func spawn(name, bin, logPath string, args ...string) (*proc, error) {
	logf, err := os.OpenFile(logPath, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	fmt.Fprintf(logf, "=== bench: starting %s at %s: %s %s\n", name, time.Now().Format(time.RFC3339Nano), bin, strings.Join(args, " "))
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &proc{name: name, cmd: cmd, log: logPath, exited: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

func (p *proc) pid() int { return p.cmd.Process.Pid }

// signal sends sig to the process unless it has been reaped (os.Process
// signals through a pidfd: a reused process id is never hit).
func (p *proc) signal(sig os.Signal) error { return p.cmd.Process.Signal(sig) }

// kill sends SIGKILL and waits until the process is reaped (at most 10 s).
func (p *proc) kill() error {
	_ = p.signal(syscall.SIGKILL)
	select {
	case <-p.exited:
		return nil
	case <-time.After(10 * time.Second):
		return fmt.Errorf("%s (pid %d) not reaped within 10 s of SIGKILL", p.name, p.pid())
	}
}

// stopAll sends SIGTERM to every process at once (one by one, the last
// member of a cluster would wait for a quorum already gone), then SIGKILL
// to those still running after 20 s.
func stopAll(ps []*proc) {
	for _, p := range ps {
		if p != nil {
			_ = p.signal(syscall.SIGTERM)
		}
	}
	deadline := time.After(20 * time.Second)
	for _, p := range ps {
		if p == nil {
			continue
		}
		select {
		case <-p.exited:
		case <-deadline:
			fmt.Fprintf(os.Stderr, "%s did not exit within 20 s of SIGTERM; killing it\n", p.name)
			_ = p.kill()
		}
	}
}

// reapGuards waits until the fence guards started by the agents of these
// binaries (`BIN guard --dir DIR`, in sessions of their own) have exited,
// as they do once no agent is connected and they guard nothing; any still
// running after 15 s is killed by its process id.
func reapGuards(bins []string) {
	deadline := time.Now().Add(15 * time.Second)
	for {
		pids := guardPIDs(bins)
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

func guardPIDs(bins []string) []int {
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
		if len(argv) >= 2 && slices.Contains(bins, argv[0]) && argv[1] == "guard" {
			out = append(out, pid)
		}
	}
	return out
}

// Idle agents.

// busyTime sums, over the processes' threads, the time run or spent
// runnable waiting for a CPU (/proc/PID/task/*/schedstat): a process
// starved by other work on the machine does not pass for idle.
func busyTime(ps []*proc) time.Duration {
	var sum time.Duration
	for _, p := range ps {
		base := fmt.Sprintf("/proc/%d/task", p.pid())
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

// quiesce waits until the processes together were busy (see busyTime) for
// less than share of each of n windows in a row, at most quietLimit; it
// reports whether they were.
func quiesce(ctx context.Context, ps []*proc, window time.Duration, n int, share float64) (bool, error) {
	deadline := time.Now().Add(quietLimit)
	quiet := 0
	last := busyTime(ps)
	for quiet < n {
		start := time.Now()
		select {
		case <-time.After(window):
		case <-ctx.Done():
			return false, ctx.Err()
		}
		now := busyTime(ps)
		if float64(now-last) < share*float64(time.Since(start)) {
			quiet++
		} else {
			quiet = 0
		}
		last = now
		if time.Now().After(deadline) {
			return false, nil
		}
	}
	return true, nil
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

// groupIs waits until groups says the group is in state (on owner, if
// not "").
func groupIs(ctx context.Context, groups batonv1connect.GroupServiceClient, name string, state clusapi.ClusterGroupState, owner string, every time.Duration) error {
	what := name + " " + state.String()
	if owner != "" {
		what += " on " + owner
	}
	return await(ctx, what, every, func(ctx context.Context) (bool, string) {
		st, err := groups.GetGroupState(ctx, connect.NewRequest(&batonv1.GetGroupStateRequest{Group: &batonv1.GroupRef{Name: name}}))
		if err != nil {
			return false, err.Error()
		}
		if st.Msg.StateName == clusapi.ClusterGroupFailed.String() {
			return false, "Failed on " + st.Msg.OwnerNode
		}
		return st.Msg.StateName == state.String() && (owner == "" || st.Msg.OwnerNode == owner), st.Msg.StateName + " on " + st.Msg.OwnerNode
	})
}

// Printing.

// pct is the p-th percentile (nearest rank) of sorted ds.
func pct(ds []time.Duration, p int) time.Duration {
	i := (len(ds)*p + 99) / 100
	return ds[max(i-1, 0)]
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 2, 64)
}

func ratio(after, before time.Duration) string {
	if before <= 0 || after < 0 {
		return "–"
	}
	return strconv.FormatFloat(float64(after)/float64(before), 'f', 2, 64) + "×"
}

func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// logLines is the lines of a log after offset that contain one of what
// (at most 20).
func logLines(path string, offset int64, what ...string) []string {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return nil
	}
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() && len(out) < 20 {
		for _, w := range what {
			if strings.Contains(sc.Text(), w) {
				out = append(out, sc.Text())
				break
			}
		}
	}
	return out
}

// tail is the last lines of a log, for a failure's message.
func tail(path string, lines int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	all := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	return strings.Join(all[max(len(all)-lines, 0):], "\n")
}

// Parsing.

func parseParts(s string) (seed, failover bool, err error) {
	for _, p := range strings.Split(s, ",") {
		switch strings.TrimSpace(p) {
		case "seed":
			seed = true
		case "failover":
			failover = true
		default:
			return false, false, fmt.Errorf("-parts: want seed and/or failover, not %q", p)
		}
	}
	return seed, failover, nil
}

func parseIPs(flagName, s string) ([]string, error) {
	f := strings.Split(s, ",")
	if len(f) != 3 {
		return nil, fmt.Errorf("%s: want three addresses", flagName)
	}
	_, loop, _ := net.ParseCIDR("127.0.0.0/8")
	for i, ip := range f {
		f[i] = strings.TrimSpace(ip)
		p := net.ParseIP(f[i])
		if p == nil || p.To4() == nil || !loop.Contains(p) {
			return nil, fmt.Errorf("%s: %q is not an address in 127.0.0.0/8", flagName, f[i])
		}
	}
	if f[0] == f[1] || f[1] == f[2] || f[0] == f[2] {
		return nil, fmt.Errorf("%s: the three addresses must differ", flagName)
	}
	return f, nil
}

// portsFree checks that the agents' ports 7410–7412 are free on ip.
func portsFree(ip string) error {
	for _, port := range []string{"7410", "7411", "7412"} {
		l, err := net.Listen("tcp", net.JoinHostPort(ip, port))
		if err != nil {
			return fmt.Errorf("%s:%s is not free (another cluster on this address? choose others with -before-ips/-after-ips): %w", ip, port, err)
		}
		l.Close()
	}
	return nil
}

// The database, for the failover part: etcd's client of n1, over TLS with
// n1's certificate for the after build.

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

func etcdClient(endpoints []string, t *tls.Config) (*clientv3.Client, error) {
	return clientv3.New(clientv3.Config{Endpoints: endpoints, DialTimeout: 5 * time.Second, Logger: zap.NewNop(), TLS: t})
}

// controllerName is the node that leads the controller election (the
// candidate with the oldest key under /baton/v1/leader/).
func controllerName(ctx context.Context, cli *clientv3.Client) string {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	resp, err := cli.Get(ctx, store.Prefix+"leader/", clientv3.WithPrefix(), clientv3.WithSort(clientv3.SortByCreateRevision, clientv3.SortAscend), clientv3.WithLimit(1))
	if err != nil || len(resp.Kvs) == 0 {
		return "?"
	}
	return string(resp.Kvs[0].Value)
}

// unixConn is a client of an agent's Unix socket (no token: the agent
// knows the caller by its peer credentials).
func unixConn(dir string) (*dial.Conn, error) {
	return dial.New("unix://"+filepath.Join(dir, "baton.sock"), dial.Options{Timeout: *waitLimit})
}

// The seed call.

// devAgent is one build's `baton agent -dev` and this program's clients of
// its TCP API.
type devAgent struct {
	b     *build
	dir   string
	addr  string // host:port of the TCP API
	base  string // http://addr or https://addr
	p     *proc
	token string
	ca    *x509.CertPool // after: the agent's ca.crt

	kept  batonv1connect.GroupServiceClient // over one kept-alive connection
	dials atomic.Int64                      // connections the kept-alive client opened
	hc    *http.Client

	offline, read, readNew []time.Duration
}

// seedBench runs part 1 and prints its table.
func seedBench(ctx context.Context, dir string, builds []*build) error {
	var agents []*devAgent
	var procs []*proc
	defer func() { stopAll(procs) }()
	for _, b := range builds {
		a := &devAgent{b: b, dir: filepath.Join(dir, "dev-"+b.name)}
		if err := a.start(ctx); err != nil {
			if a.p != nil {
				procs = append(procs, a.p)
			}
			return err
		}
		procs = append(procs, a.p)
		if err := a.setup(ctx); err != nil {
			return err
		}
		agents = append(agents, a)
	}
	fmt.Fprintf(os.Stderr, "seed: both -dev agents up, DemoGroup set up; load average %s\n", machine.LoadAvg())

	// Warm up, untimed: the connections, the agents' caches, both paths.
	for _, a := range agents {
		for range 20 {
			if _, err := a.state(ctx, a.kept); err != nil {
				return err
			}
		}
		for range 2 {
			if _, _, err := a.round(ctx, procs); err != nil {
				return err
			}
		}
	}

	notQuiet := 0
	t0 := time.Now()
	for i := range *samples {
		for _, a := range interleave(agents, i) {
			d, quiet, err := a.round(ctx, procs)
			if err != nil {
				return err
			}
			a.offline = append(a.offline, d)
			if !quiet {
				notQuiet++
			}
		}
		if (i+1)%10 == 0 || i+1 == *samples {
			fmt.Fprintf(os.Stderr, "seed: %d/%d OfflineGroup rounds per build (%v)\n", i+1, *samples, time.Since(t0).Round(time.Second))
		}
	}
	if _, err := quiesce(ctx, procs, 20*time.Millisecond, 3, 0.1); err != nil {
		return err
	}
	for i := range *reads {
		for _, a := range interleave(agents, i) {
			d, err := a.state(ctx, a.kept)
			if err != nil {
				return err
			}
			a.read = append(a.read, d)
		}
	}
	fmt.Fprintf(os.Stderr, "seed: %d GetGroupState calls per build over a kept-alive connection\n", *reads)
	for i := range *reads {
		for _, a := range interleave(agents, i) {
			d, err := a.stateNewConn(ctx)
			if err != nil {
				return err
			}
			a.readNew = append(a.readNew, d)
		}
	}
	fmt.Fprintf(os.Stderr, "seed: %d GetGroupState calls per build, each on a new connection\n", *reads)
	stopAll(procs)
	procs = nil

	before, after := agents[0], agents[1]
	fmt.Printf("### The seed call and a read, over TCP with a Full bearer token\n\n")
	fmt.Printf("`baton agent -dev` of each build, the README's DemoGroup (r1 dummy with OfflineDelayMs 500, r2 depending on r1). Before: HTTP/2 without TLS (h2c); after: HTTP/2 over TLS verified against the agent's ca.crt. Rounds alternate between the builds. Percentiles nearest-rank: with fewer than 100 samples p99 is the largest.\n\n")
	fmt.Println("| call | connection | build | samples | median ms | p90 ms | p99 ms | max ms |")
	fmt.Println("|---|---|---|---:|---:|---:|---:|---:|")
	rows := []struct {
		call, conn string
		get        func(*devAgent) []time.Duration
	}{
		{"OfflineGroup → 997", "kept alive", func(a *devAgent) []time.Duration { return a.offline }},
		{"GetGroupState", "kept alive", func(a *devAgent) []time.Duration { return a.read }},
		{"GetGroupState", "new per call", func(a *devAgent) []time.Duration { return a.readNew }},
	}
	for _, r := range rows {
		b, a := sorted(r.get(before)), sorted(r.get(after))
		fmt.Printf("| %s | %s | before `%s` | %d | %s | %s | %s | %s |\n", r.call, r.conn, before.b.rev, len(b), ms(pct(b, 50)), ms(pct(b, 90)), ms(pct(b, 99)), ms(b[len(b)-1]))
		fmt.Printf("| | | after `%s` | %d | %s | %s | %s | %s |\n", after.b.rev, len(a), ms(pct(a, 50)), ms(pct(a, 90)), ms(pct(a, 99)), ms(a[len(a)-1]))
		fmt.Printf("| | | **after/before** | | **%s** | %s | %s | %s |\n", ratio(pct(a, 50), pct(b, 50)), ratio(pct(a, 90), pct(b, 90)), ratio(pct(a, 99), pct(b, 99)), ratio(a[len(a)-1], b[len(b)-1]))
	}
	fmt.Println()
	fmt.Printf("Connections opened by the kept-alive clients: before %d, after %d. ", before.dials.Load(), after.dials.Load())
	if notQuiet > 0 {
		fmt.Printf("%d of %d timed calls started without the agents idle for 3 × 20 ms (waited %v, then went on).", notQuiet, 2**samples, quietLimit)
	} else {
		fmt.Printf("Every timed OfflineGroup call started with both agents idle (3 × 20 ms windows under 10%% busy).")
	}
	fmt.Print("\n\n")
	return nil
}

// interleave orders the agents for round i: before first in even rounds,
// after first in odd ones.
func interleave(agents []*devAgent, i int) []*devAgent {
	if i%2 == 0 {
		return agents
	}
	return []*devAgent{agents[1], agents[0]}
}

func sorted(ds []time.Duration) []time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s
}

// start runs the agent and waits until its socket answers.
func (a *devAgent) start(ctx context.Context) error {
	if err := os.MkdirAll(a.dir, 0o700); err != nil {
		return err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	a.addr = l.Addr().String()
	l.Close()
	a.base = "http://" + a.addr
	if a.b.tls {
		a.base = "https://" + a.addr
	}
	a.p, err = spawn("dev agent ("+a.b.name+")", a.b.bin, a.dir+".log",
		"agent", "-dev", "--data-dir", a.dir, "--http-addr", a.addr, "--default-socket=", "--log-level", *logLevel)
	if err != nil {
		return err
	}
	conn, err := unixConn(a.dir)
	if err != nil {
		return err
	}
	defer conn.Close()
	err = await(ctx, "the "+a.b.name+" agent answering on its socket", 50*time.Millisecond, func(ctx context.Context) (bool, string) {
		select {
		case <-a.p.exited:
			return false, "exited"
		default:
		}
		_, err := conn.Nodes.ListNodes(ctx, connect.NewRequest(&batonv1.ListNodesRequest{}))
		if err != nil {
			return false, err.Error()
		}
		return true, ""
	})
	if err != nil {
		return fmt.Errorf("%w\n%s", err, tail(a.p.log, 20))
	}
	return nil
}

// setup plays the README's seed scenario with the build's own CLI over
// the socket, takes a Full token, and makes the kept-alive client.
func (a *devAgent) setup(ctx context.Context) error {
	steps := [][]string{
		{"group", "create", demoGroup},
		{"resource", "create", "r1", "--group", demoGroup, "--type", "dummy", "--prop", "OfflineDelayMs=dword:500"},
		{"resource", "create", "r2", "--group", demoGroup, "--type", "dummy", "--depends-on", "r1"},
	}
	for _, s := range steps {
		if _, err := a.cli(ctx, s...); err != nil {
			return err
		}
	}
	tok, err := a.cli(ctx, "acl", "token", "create", "bench-"+a.b.name, "--access", "full")
	if err != nil {
		return err
	}
	if a.token = strings.TrimSpace(tok); a.token == "" || strings.ContainsAny(a.token, " \n") {
		return fmt.Errorf("%s: acl token create printed %q, not one token", a.b.name, tok)
	}
	if a.b.tls {
		pemCA, err := os.ReadFile(filepath.Join(a.dir, "ca.crt"))
		if err != nil {
			return fmt.Errorf("the after agent's CA: %w", err)
		}
		a.ca = x509.NewCertPool()
		if !a.ca.AppendCertsFromPEM(pemCA) {
			return errors.New("the after agent's ca.crt holds no certificate")
		}
	}
	a.hc = &http.Client{Transport: a.transport(&a.dials)}
	a.kept = a.groups(a.hc)
	return a.checkProto(ctx)
}

// cli runs the build's own CLI against the agent's socket and returns its
// standard output.
func (a *devAgent) cli(ctx context.Context, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, *waitLimit)
	defer cancel()
	cmd := exec.CommandContext(ctx, a.b.bin, args...)
	var env []string
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "BATON_") {
			env = append(env, e)
		}
	}
	cmd.Env = append(env, "BATON_ADDR=unix://"+filepath.Join(a.dir, "baton.sock"))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%s: baton %s: %w: %s", a.b.name, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return string(out), nil
}

// transport is an HTTP/2-only transport to the agent: h2c (prior
// knowledge) before, TLS with the agent's CA after. It opens a connection
// when it has none, counting it in dials.
func (a *devAgent) transport(dials *atomic.Int64) *http.Transport {
	d := &net.Dialer{Timeout: 5 * time.Second}
	tr := &http.Transport{
		Proxy: nil,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			dials.Add(1)
			return d.DialContext(ctx, network, addr)
		},
		TLSHandshakeTimeout: 5 * time.Second,
	}
	p := new(http.Protocols)
	if a.b.tls {
		p.SetHTTP2(true)
		tr.TLSClientConfig = &tls.Config{RootCAs: a.ca, MinVersion: tls.VersionTLS12}
	} else {
		p.SetUnencryptedHTTP2(true)
	}
	tr.Protocols = p
	return tr
}

// groups is a GroupService client on hc that sends the bearer token.
func (a *devAgent) groups(hc *http.Client) batonv1connect.GroupServiceClient {
	bearer := connect.UnaryInterceptorFunc(func(next connect.UnaryFunc) connect.UnaryFunc {
		return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
			req.Header().Set("Authorization", "Bearer "+a.token)
			return next(ctx, req)
		}
	})
	return batonv1connect.NewGroupServiceClient(hc, a.base, connect.WithInterceptors(bearer))
}

// checkProto makes sure the kept-alive client speaks what it should:
// HTTP/2, over TLS (ALPN h2) after, and that the token is accepted.
func (a *devAgent) checkProto(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.base+"/baton.v1.GroupService/GetGroupState", strings.NewReader(`{"group":{"name":"`+demoGroup+`"}}`))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+a.token)
	resp, err := a.hc.Do(req)
	if err != nil {
		return fmt.Errorf("%s: GetGroupState over %s: %w", a.b.name, a.base, err)
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	got := resp.Proto
	if resp.TLS != nil {
		got += " over " + tls.VersionName(resp.TLS.Version) + " (ALPN " + resp.TLS.NegotiatedProtocol + ")"
	}
	if resp.StatusCode != http.StatusOK || resp.ProtoMajor != 2 || (resp.TLS != nil) != a.b.tls {
		return fmt.Errorf("%s: GetGroupState over %s: %s, %s: %s", a.b.name, a.base, resp.Status, got, body)
	}
	fmt.Fprintf(os.Stderr, "seed: %s agent at %s answers %s\n", a.b.name, a.base, got)
	return nil
}

// state times one GetGroupState on groups.
func (a *devAgent) state(ctx context.Context, groups batonv1connect.GroupServiceClient) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, *waitLimit)
	defer cancel()
	req := connect.NewRequest(&batonv1.GetGroupStateRequest{Group: &batonv1.GroupRef{Name: demoGroup}})
	t0 := time.Now()
	_, err := groups.GetGroupState(ctx, req)
	d := time.Since(t0)
	if err != nil {
		return 0, fmt.Errorf("%s: GetGroupState: %w", a.b.name, err)
	}
	return d, nil
}

// stateNewConn times one GetGroupState on a connection of its own (a new
// transport: TCP connect, for after a full TLS handshake with no session
// to resume, HTTP/2 preface and settings, the call); the connection is
// closed afterwards.
func (a *devAgent) stateNewConn(ctx context.Context) (time.Duration, error) {
	var dials atomic.Int64
	tr := a.transport(&dials)
	defer tr.CloseIdleConnections()
	groups := a.groups(&http.Client{Transport: tr})
	d, err := a.state(ctx, groups)
	if err == nil && dials.Load() != 1 {
		err = fmt.Errorf("%s: a call on a new transport opened %d connections", a.b.name, dials.Load())
	}
	return d, err
}

// round brings DemoGroup online and waits until it is Online and the
// agents are idle (untimed), times the OfflineGroup call from the call to
// its 997 answer, and waits until the group is Offline (untimed). The
// call is the seed page's: IGNORE_RESOURCE_STATUS, with the parameter
// dummy=1 (the README's curl).
func (a *devAgent) round(ctx context.Context, procs []*proc) (time.Duration, bool, error) {
	if err := call(a.kept.OnlineGroup(ctx, connect.NewRequest(&batonv1.OnlineGroupRequest{Group: &batonv1.GroupRef{Name: demoGroup}}))); err != nil {
		return 0, false, fmt.Errorf("%s: OnlineGroup: %w", a.b.name, err)
	}
	if err := groupIs(ctx, a.kept, demoGroup, clusapi.ClusterGroupOnline, "", 5*time.Millisecond); err != nil {
		return 0, false, fmt.Errorf("%s: %w", a.b.name, err)
	}
	quiet, err := quiesce(ctx, procs, 20*time.Millisecond, 3, 0.1)
	if err != nil {
		return 0, false, err
	}
	req := connect.NewRequest(&batonv1.OfflineGroupRequest{
		Group:  &batonv1.GroupRef{Name: demoGroup},
		Flags:  uint32(clusapi.CLUSAPI_GROUP_OFFLINE_IGNORE_RESOURCE_STATUS),
		Params: &batonv1.PropertyList{Properties: []*batonv1.Property{{Name: "dummy", Values: []*batonv1.Value{{Kind: &batonv1.Value_Dword{Dword: 1}}}}}},
	})
	cctx, cancel := context.WithTimeout(ctx, *waitLimit)
	t0 := time.Now()
	resp, err := a.kept.OfflineGroup(cctx, req)
	d := time.Since(t0)
	cancel()
	if err != nil {
		return 0, false, fmt.Errorf("%s: OfflineGroup: %w", a.b.name, err)
	}
	if s := clusapi.Errno(resp.Msg.Status); s != clusapi.ERROR_IO_PENDING {
		return 0, false, fmt.Errorf("%s: OfflineGroup answered %d (%s), not 997", a.b.name, s, resp.Msg.StatusName)
	}
	if err := groupIs(ctx, a.kept, demoGroup, clusapi.ClusterGroupOffline, "", 5*time.Millisecond); err != nil {
		return 0, false, fmt.Errorf("%s: %w", a.b.name, err)
	}
	return d, quiet, nil
}

// Failover.

// The agents run with the default lease timings; after a move of the
// database leadership the round waits this long, so that the extension a
// new leader grants every lease is over before the kill.
const leaderSettle = 2*time.Second + 800*time.Millisecond + 200*time.Millisecond // TTL + an election + margin

// formingGrace is how long after a cluster's agents start its controller
// holds the groups of nodes not back yet (three lease TTLs, in both
// builds: internal/controller/forming.go); no kill comes before it ends.
const formingGrace = 3*2*time.Second + 500*time.Millisecond

// fnode is one agent of a cluster: its process comes and goes, its data
// directory stays.
type fnode struct {
	name, ip, dir string
	conn          *dial.Conn
	p             *proc
}

// cluster is one build's three-node cluster.
type cluster struct {
	b       *build
	dir     string
	secret  string // --cluster-secret-file (after only)
	nodes   []*fnode
	etcd    *clientv3.Client
	etcdTLS *tls.Config // after: n1's certificate
	started time.Time   // when the cluster's agents were first started
	rows    []foRow
}

// foRow is one kill of n2, times from just before the SIGKILL, as n1's
// event stream showed them.
type foRow struct {
	round                    int
	down, reassigned, online time.Duration
	to, dbLeader, controller string
	quiet                    bool
	warnings                 int // lines logged at WARN or ERROR by n1 and n3
}

func failoverBench(ctx context.Context, dir string, builds []*build, ips [][]string) error {
	var clusters []*cluster
	for i, b := range builds {
		c := &cluster{b: b, dir: filepath.Join(dir, "cluster-"+b.name)}
		if err := os.MkdirAll(c.dir, 0o700); err != nil {
			return err
		}
		if b.tls {
			c.secret = filepath.Join(c.dir, "cluster-secret")
			if err := os.WriteFile(c.secret, fmt.Appendf(nil, "bench-tls-secret-%d", time.Now().UnixNano()), 0o600); err != nil {
				return err
			}
		}
		for j, ip := range ips[i] {
			n := &fnode{name: fmt.Sprintf("n%d", j+1), ip: ip, dir: filepath.Join(c.dir, fmt.Sprintf("n%d", j+1))}
			var err error
			if n.conn, err = unixConn(n.dir); err != nil {
				return err
			}
			defer n.conn.Close()
			c.nodes = append(c.nodes, n)
		}
		defer c.stop()
		clusters = append(clusters, c)
	}
	fmt.Fprintf(os.Stderr, "failover: load average %s\n", machine.LoadAvg())
	loadStart := machine.LoadAvg()
	if *order == "alternate" {
		for _, c := range clusters {
			if err := c.start(ctx); err != nil {
				return err
			}
		}
		for r := range *rounds {
			for _, c := range alternate(clusters, r) {
				if err := c.round(ctx, r+1, running(clusters)); err != nil {
					return err
				}
			}
		}
	} else {
		for _, c := range clusters {
			if err := c.start(ctx); err != nil {
				return err
			}
			for r := range *rounds {
				if err := c.round(ctx, r+1, running(clusters)); err != nil {
					return err
				}
			}
			c.stop()
		}
	}
	for _, c := range clusters {
		c.stop()
	}

	before, after := clusters[0], clusters[1]
	how := "both clusters up, their rounds alternating (before first in odd rounds, after first in even ones)"
	if *order == "sequential" {
		how = "before's cluster alone, then after's"
	}
	fmt.Printf("### Failover: SIGKILL of the owner's agent until its group is Online on another node\n\n")
	fmt.Printf("Three agents of each build on loopback addresses of their own, default lease timings (TTL 2 s); one group of one dummy resource on n2 (preferred owners n2, n3, n1); neither the database leader nor the controller is n2 at the kill. Times from just before the SIGKILL, as n1's EventService.Watch stream (its Unix socket) delivered them. rounds per build: %d, %s; load average at the start of this part %s.\n\n", *rounds, how, loadStart)
	fmt.Println("| build | round | n2 seen Down ms | group reassigned ms | Online on the new owner ms | Online − Down ms | new owner | database leader | controller |")
	fmt.Println("|---|---:|---:|---:|---:|---:|---|---|---|")
	var notQuiet int
	for _, c := range clusters {
		for _, row := range c.rows {
			fmt.Printf("| %s `%s` | %d | %s | %s | %s | %s | %s | %s | %s |\n", c.b.name, c.b.rev, row.round, msOrDash(row.down), msOrDash(row.reassigned), msOrDash(row.online), msOrDash(row.sinceDown()), row.to, row.dbLeader, row.controller)
			if !row.quiet {
				notQuiet++
			}
		}
	}
	fmt.Println()
	fmt.Println("| median over the rounds | before ms | after ms | after/before |")
	fmt.Println("|---|---:|---:|---:|")
	med := func(c *cluster, f func(foRow) time.Duration) time.Duration {
		var ds []time.Duration
		for _, r := range c.rows {
			if d := f(r); d >= 0 {
				ds = append(ds, d)
			}
		}
		if len(ds) == 0 {
			return -1
		}
		return pct(sorted(ds), 50)
	}
	for _, m := range []struct {
		what string
		f    func(foRow) time.Duration
	}{
		{"kill → n2 seen Down", func(r foRow) time.Duration { return r.down }},
		{"kill → Online on the new owner", func(r foRow) time.Duration { return r.online }},
		{"n2 seen Down → Online on the new owner", foRow.sinceDown},
	} {
		b, a := med(before, m.f), med(after, m.f)
		fmt.Printf("| %s | %s | %s | %s |\n", m.what, msOrDash(b), msOrDash(a), ratio(a, b))
	}
	fmt.Println()
	for _, c := range clusters {
		for _, row := range c.rows {
			if d := row.sinceDown(); d > 500*time.Millisecond || row.warnings > 0 {
				fmt.Printf("Note: %s round %d: the group was Online %s ms after n2 was seen Down (group reassigned at +%s ms); n1 and n3 logged %d warnings or errors meanwhile (on standard error). -keep -log-level info keeps the agents' logs.\n",
					c.b.name, row.round, msOrDash(d), msOrDash(row.reassigned), row.warnings)
			}
		}
	}
	if notQuiet > 0 {
		fmt.Printf("%d of %d kills came after the agents had not gone idle within %v (the round went on).\n", notQuiet, 2**rounds, quietLimit)
	}
	return nil
}

// alternate orders the clusters for round r (from 0): before first in
// even ones, after first in odd ones.
func alternate(cs []*cluster, r int) []*cluster {
	if r%2 == 0 {
		return cs
	}
	return []*cluster{cs[1], cs[0]}
}

// running is every agent process of the clusters that runs now.
func running(cs []*cluster) []*proc {
	var out []*proc
	for _, c := range cs {
		for _, n := range c.nodes {
			if n.p != nil {
				out = append(out, n.p)
			}
		}
	}
	return out
}

// sinceDown is from n2 seen Down to the group Online (-1: Down not seen).
func (r foRow) sinceDown() time.Duration {
	if r.down < 0 {
		return -1
	}
	return r.online - r.down
}

func msOrDash(d time.Duration) string {
	if d < 0 {
		return "–"
	}
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 1, 64)
}

func (c *cluster) initial() string {
	var s []string
	for _, n := range c.nodes {
		s = append(s, n.name+"="+n.ip)
	}
	return strings.Join(s, ",")
}

// spawn starts n's agent with the cluster's command line (the same every
// time) and returns at once.
func (c *cluster) spawn(n *fnode) error {
	if err := portsFree(n.ip); err != nil {
		return err
	}
	args := []string{"agent", "--name", n.name, "--data-dir", n.dir, "--advertise", n.ip, "--initial-cluster", c.initial()}
	if c.secret != "" {
		args = append(args, "--cluster-secret-file", c.secret)
	}
	args = append(args, "--default-socket=", "--log-level", *logLevel)
	p, err := spawn(c.b.name+" "+n.name, c.b.bin, n.dir+".log", args...)
	if err != nil {
		return err
	}
	n.p = p
	return nil
}

// start forms the cluster (all three at once: the database answers
// nothing without a quorum), opens the database and puts the group Online
// on n2.
func (c *cluster) start(ctx context.Context) error {
	t0 := time.Now()
	c.started = t0
	for _, n := range c.nodes {
		if err := c.spawn(n); err != nil {
			return err
		}
	}
	if err := c.awaitAllUp(ctx); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "failover: %s cluster of 3 up in %v\n", c.b.name, time.Since(t0).Round(time.Millisecond))
	scheme := "http://"
	if c.b.tls {
		scheme = "https://"
		var err error
		if c.etcdTLS, err = nodeTLS(c.nodes[0].dir); err != nil {
			return fmt.Errorf("%s: n1's certificate: %w", c.b.name, err)
		}
	}
	var eps []string
	for _, n := range c.nodes {
		eps = append(eps, scheme+net.JoinHostPort(n.ip, "7411"))
	}
	var err error
	if c.etcd, err = etcdClient(eps, c.etcdTLS); err != nil {
		return fmt.Errorf("%s: etcd client: %w", c.b.name, err)
	}
	n1, n2, n3 := c.nodes[0], c.nodes[1], c.nodes[2]
	// FailoverThreshold lifted: the same group fails over round after
	// round, and past the default (nodes − 1 in 6 h) it would stay down.
	props := &batonv1.PropertyList{Properties: []*batonv1.Property{
		{Name: "FailoverThreshold", Values: []*batonv1.Value{{Kind: &batonv1.Value_Dword{Dword: 1000}}}},
	}}
	if _, err := n1.conn.Groups.CreateGroup(ctx, connect.NewRequest(&batonv1.CreateGroupRequest{Name: foGroup, PreferredOwners: []string{n2.name, n3.name, n1.name}, Properties: props})); err != nil {
		return fmt.Errorf("%s: CreateGroup: %w", c.b.name, err)
	}
	if _, err := n1.conn.Resources.CreateResource(ctx, connect.NewRequest(&batonv1.CreateResourceRequest{Name: foGroup + "-r", Group: foGroup, Type: "dummy"})); err != nil {
		return fmt.Errorf("%s: CreateResource: %w", c.b.name, err)
	}
	if err := call(n1.conn.Groups.OnlineGroup(ctx, connect.NewRequest(&batonv1.OnlineGroupRequest{Group: &batonv1.GroupRef{Name: foGroup}}))); err != nil {
		return fmt.Errorf("%s: OnlineGroup: %w", c.b.name, err)
	}
	return nil
}

// stop stops the cluster's agents and closes its database client.
func (c *cluster) stop() {
	var ps []*proc
	for _, n := range c.nodes {
		ps = append(ps, n.p)
		n.p = nil
	}
	if slices.ContainsFunc(ps, func(p *proc) bool { return p != nil }) {
		fmt.Fprintf(os.Stderr, "failover: stopping the %s cluster\n", c.b.name)
		stopAll(ps)
	}
	if c.etcd != nil {
		c.etcd.Close()
		c.etcd = nil
	}
}

// awaitAllUp waits until every node's API shows every node Up.
func (c *cluster) awaitAllUp(ctx context.Context) error {
	for _, n := range c.nodes {
		err := await(ctx, c.b.name+": every node Up as seen by "+n.name, 50*time.Millisecond, func(ctx context.Context) (bool, string) {
			select {
			case <-n.p.exited:
				return false, n.name + " exited"
			default:
			}
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
			return up == len(c.nodes) && len(resp.Msg.Nodes) == len(c.nodes), strings.Join(says, ", ")
		})
		if err != nil {
			return fmt.Errorf("%w\n%s log:\n%s", err, n.name, tail(n.p.log, 15))
		}
	}
	return nil
}

// round is one failover: prepare, kill n2, follow n1's event stream until
// the group is Online elsewhere, start n2 again.
func (c *cluster) round(ctx context.Context, r int, all []*proc) error {
	n1, n2 := c.nodes[0], c.nodes[1]
	if err := c.awaitAllUp(ctx); err != nil {
		return err
	}
	if err := c.controllerNotN2(ctx); err != nil {
		return err
	}
	if err := c.ownerN2(ctx); err != nil {
		return err
	}
	if err := c.leaderNotN2(ctx); err != nil {
		return err
	}
	// Idle: every running agent, of both clusters, together under a
	// quarter of a CPU per three agents, for 3 × 200 ms.
	if wait := time.Until(c.started.Add(formingGrace)); wait > 0 {
		fmt.Fprintf(os.Stderr, "failover: %s: waiting %v for the cluster's forming grace to end\n", c.b.name, wait.Round(time.Millisecond))
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	quiet, err := quiesce(ctx, all, 200*time.Millisecond, 3, 0.25*float64(len(all))/3)
	if err != nil {
		return err
	}
	row := foRow{round: r, quiet: quiet, dbLeader: c.dbLeaderName(ctx), controller: controllerName(ctx, c.etcd)}
	w, err := startWatch(ctx, n1.conn)
	if err != nil {
		return err
	}
	defer w.close()

	marks := map[*fnode]int64{}
	for _, n := range c.nodes {
		marks[n] = fileSize(n.dir + ".log")
	}
	t0 := time.Now()
	if err := n2.p.signal(syscall.SIGKILL); err != nil {
		return fmt.Errorf("%s: kill n2: %w", c.b.name, err)
	}
	down, reassigned, online, to, err := w.follow(ctx, n2.name)
	if err != nil {
		return fmt.Errorf("%s round %d: %w", c.b.name, r, err)
	}
	row.to = to
	row.online = online.Sub(t0)
	row.down, row.reassigned = -1, -1
	if !down.IsZero() {
		row.down = down.Sub(t0)
	}
	if !reassigned.IsZero() {
		row.reassigned = reassigned.Sub(t0)
	}
	fmt.Fprintf(os.Stderr, "failover: %s round %d: n2 Down at +%s ms, Online on %s at +%s ms (database leader %s, controller %s)\n",
		c.b.name, r, msOrDash(row.down), to, msOrDash(row.online), row.dbLeader, row.controller)
	// What the survivors complained of meanwhile (at -log-level warn and
	// below).
	for _, n := range []*fnode{c.nodes[0], c.nodes[2]} {
		for _, l := range logLines(n.dir+".log", marks[n], "level=WARN", "level=ERROR") {
			row.warnings++
			fmt.Fprintf(os.Stderr, "  %s %s: %s\n", c.b.name, n.name, l)
		}
	}
	c.rows = append(c.rows, row)
	if err := n2.p.kill(); err != nil { // reaped; SIGKILL again is harmless
		return err
	}
	n2.p = nil
	t1 := time.Now()
	if err := c.spawn(n2); err != nil {
		return err
	}
	if err := c.awaitAllUp(ctx); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "failover: %s n2 restarted and Up in %v\n", c.b.name, time.Since(t1).Round(time.Millisecond))
	return nil
}

// controllerNotN2 restarts n2 (SIGTERM: a clean stop, its lease revoked
// and its controller session resigned; untimed) while it leads the
// controller: a killed controller would add its own session's expiry and
// a new leader's first reconcile to the failover, which is not what is
// measured here. A restarted node queues behind the others.
func (c *cluster) controllerNotN2(ctx context.Context) error {
	n2 := c.nodes[1]
	for range 3 {
		if controllerName(ctx, c.etcd) != n2.name {
			return nil
		}
		fmt.Fprintf(os.Stderr, "failover: %s: n2 leads the controller; restarting it\n", c.b.name)
		stopAll([]*proc{n2.p})
		n2.p = nil
		if err := c.spawn(n2); err != nil {
			return err
		}
		if err := c.awaitAllUp(ctx); err != nil {
			return err
		}
	}
	return fmt.Errorf("%s: n2 still leads the controller after 3 restarts", c.b.name)
}

// ownerN2 makes sure the group is Online on n2: moved back there after a
// failover.
func (c *cluster) ownerN2(ctx context.Context) error {
	n1, n2 := c.nodes[0], c.nodes[1]
	st, err := n1.conn.Groups.GetGroupState(ctx, connect.NewRequest(&batonv1.GetGroupStateRequest{Group: &batonv1.GroupRef{Name: foGroup}}))
	if err != nil {
		return fmt.Errorf("%s: GetGroupState: %w", c.b.name, err)
	}
	switch {
	case st.Msg.StateName == clusapi.ClusterGroupOnline.String() && st.Msg.OwnerNode == n2.name:
		return nil
	case st.Msg.StateName == clusapi.ClusterGroupOnline.String():
		err = call(n1.conn.Groups.MoveGroup(ctx, connect.NewRequest(&batonv1.MoveGroupRequest{Group: &batonv1.GroupRef{Name: foGroup}, Node: n2.name})))
	default:
		// Just created, or still on its way online.
		err = groupIs(ctx, n1.conn.Groups, foGroup, clusapi.ClusterGroupOnline, "", 20*time.Millisecond)
		if err == nil {
			return c.ownerN2(ctx)
		}
	}
	if err != nil {
		return fmt.Errorf("%s: the group onto n2: %w", c.b.name, err)
	}
	return groupIs(ctx, n1.conn.Groups, foGroup, clusapi.ClusterGroupOnline, n2.name, 20*time.Millisecond)
}

// dbLeaderNode is the node whose member leads the database (nil if none
// answers).
func (c *cluster) dbLeaderNode(ctx context.Context) *fnode {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	ml, err := c.etcd.MemberList(ctx)
	if err != nil {
		return nil
	}
	scheme := "http://"
	if c.b.tls {
		scheme = "https://"
	}
	for _, n := range c.nodes {
		if n.p == nil {
			continue
		}
		st, err := c.etcd.Status(ctx, scheme+net.JoinHostPort(n.ip, "7411"))
		if err != nil {
			continue
		}
		for _, m := range ml.Members {
			if m.ID == st.Leader {
				for _, l := range c.nodes {
					if l.name == m.Name {
						return l
					}
				}
			}
		}
	}
	return nil
}

func (c *cluster) dbLeaderName(ctx context.Context) string {
	if n := c.dbLeaderNode(ctx); n != nil {
		return n.name
	}
	return "?"
}

// leaderNotN2 moves the database leadership from n2 to n1 if n2 has it,
// then waits leaderSettle.
func (c *cluster) leaderNotN2(ctx context.Context) error {
	n1, n2 := c.nodes[0], c.nodes[1]
	cur := c.dbLeaderNode(ctx)
	if cur == nil {
		return fmt.Errorf("%s: no database leader found", c.b.name)
	}
	if cur != n2 {
		return nil
	}
	mctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	ml, err := c.etcd.MemberList(mctx)
	if err != nil {
		return fmt.Errorf("%s: etcd member list: %w", c.b.name, err)
	}
	var to uint64
	for _, m := range ml.Members {
		if m.Name == n1.name {
			to = m.ID
		}
	}
	scheme := "http://"
	if c.b.tls {
		scheme = "https://"
	}
	// MoveLeader must be sent to the leader.
	cli, err := etcdClient([]string{scheme + net.JoinHostPort(n2.ip, "7411")}, c.etcdTLS)
	if err != nil {
		return err
	}
	defer cli.Close()
	if _, err := cli.MoveLeader(mctx, to); err != nil {
		return fmt.Errorf("%s: move the database leadership from n2 to n1: %w", c.b.name, err)
	}
	err = await(ctx, c.b.name+": database leader n1", 50*time.Millisecond, func(ctx context.Context) (bool, string) {
		l := c.dbLeaderNode(ctx)
		return l == n1, fmt.Sprint(l != nil && l == n1)
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "failover: %s: moved the database leadership from n2 to n1; waiting %v\n", c.b.name, leaderSettle)
	select {
	case <-time.After(leaderSettle):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// The event stream.

type stamped struct {
	ev *batonv1.Event
	at time.Time // when it arrived here
}

// watch is an EventService.Watch stream, every event timestamped on
// arrival; if the stream breaks it is resumed from the last revision seen.
type watch struct {
	events chan stamped
	cancel context.CancelFunc
	done   chan struct{}
}

// startWatch opens the stream and returns once the agent says it is in
// place (the "sync" event).
func startWatch(ctx context.Context, conn *dial.Conn) (*watch, error) {
	ctx, cancel := context.WithCancel(ctx)
	w := &watch{events: make(chan stamped, 4096), cancel: cancel, done: make(chan struct{})}
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
	for attempt := 0; ctx.Err() == nil && attempt < 100; attempt++ {
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
		fmt.Fprintf(os.Stderr, "event stream of %s broke (%v); resuming\n", conn.Addr, err)
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

// follow reads the stream until the group is Online on a node other than
// killed, and returns when killed was seen Down, when the group was first
// shown with another owner, when it was Online there, and that owner.
// Online counts from groupState events only: a group event's state is
// derived from a view part-way through the transaction (see
// docs/benchmarks.md, "The event stream shows states that never existed").
func (w *watch) follow(ctx context.Context, killed string) (down, reassigned, online time.Time, to string, err error) {
	timer := time.NewTimer(*waitLimit)
	defer timer.Stop()
	for {
		select {
		case s := <-w.events:
			e := s.ev
			switch e.Kind {
			case "node":
				if e.Name == killed && e.Node != nil && e.Node.State == int32(clusapi.ClusterNodeDown) && down.IsZero() {
					down = s.at
				}
			case "group":
				if e.Name == foGroup && e.GroupInfo != nil && e.GroupInfo.OwnerNode != "" && e.GroupInfo.OwnerNode != killed && reassigned.IsZero() {
					reassigned = s.at
				}
			case "groupState":
				if e.Name != foGroup {
					continue
				}
				owner := e.GetGroupInfo().GetOwnerNode()
				if e.StateName == clusapi.ClusterGroupFailed.String() {
					return down, reassigned, online, "", fmt.Errorf("the group Failed during the failover (owner %s)", owner)
				}
				if e.StateName == clusapi.ClusterGroupOnline.String() && owner != "" && owner != killed {
					return down, reassigned, s.at, owner, nil
				}
			}
		case <-timer.C:
			return down, reassigned, online, "", fmt.Errorf("the group not seen Online on another node within %v of the kill (%s seen Down: %v)", *waitLimit, killed, !down.IsZero())
		case <-ctx.Done():
			return down, reassigned, online, "", ctx.Err()
		}
	}
}
