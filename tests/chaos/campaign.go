//go:build linux

package chaos

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"connectrpc.com/connect"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
	"github.com/batoncluster/baton/internal/ledger"
)

// Campaign configures a randomized fault campaign.
type Campaign struct {
	Bin   string // the baton binary
	Dir   string // data directories, logs, ledger, history
	Nodes int    // 3 or 5
	// Rounds of faults; each is: the driver and the nemesis for Active,
	// heal, wait (at most Settle) until the cluster is where it should
	// be, check.
	Rounds  int
	Seed    uint64
	Active  time.Duration
	Settle  time.Duration
	Clients int // driver clients
	Groups  int
	// KeepGoing records a round whose history is not linearizable, or a
	// new overlap in the ledger, as a finding and goes on with the next
	// round (from the state the round's reads saw); without it the run
	// stops there. Other failed checks always stop the run.
	KeepGoing bool
	// SpareLeader keeps freezes off the database leader. A frozen etcd
	// leader, resumed, may revoke leases that healthy nodes renewed in
	// time, and another node may then start their groups a few
	// milliseconds before they have stopped them (etcd #12528, #15247;
	// docs/fencing.md, "What it does not cover"): the CI-sized runs
	// spare it so that they test what baton can guarantee; long runs
	// freeze any node and report what that costs.
	SpareLeader bool
	Log         Logf
}

func (cp *Campaign) defaults() {
	if cp.Active == 0 {
		cp.Active = 8 * time.Second
	}
	if cp.Settle == 0 {
		cp.Settle = 90 * time.Second
	}
	if cp.Clients == 0 {
		cp.Clients = 3
	}
	if cp.Groups == 0 {
		cp.Groups = cp.Nodes + 1
	}
	if cp.Log == nil {
		cp.Log = func(string, ...any) {}
	}
}

// Report is what a campaign did and found.
type Report struct {
	Seed     uint64
	Nodes    int
	Rounds   int // completed and checked
	Elapsed  time.Duration
	Faults   map[string]int // by kind
	Calls    map[string]int // the driver's calls by kind
	Outcomes map[string]int // ok, refused, unknown
	// Operations are the cluster's operation records by kind, the
	// driver's and the cluster's own (Failover, Restart, MoveFailback …).
	Operations   map[string]int
	LedgerEvents int
	SettleMax    time.Duration
	SettleTotal  time.Duration
	Schedule     []string // each round's faults
	DoubleHosted int      // overlaps in the ledger
	Lost         int      // rounds whose history is not linearizable
	Findings     []string // with KeepGoing: each of the above, with its round
	Failure      string   // the check that stopped the run, or ""
}

// Run runs the campaign: it starts a cluster of cp.Nodes agents in
// network namespaces, creates the workload, and runs the rounds, checking
// after each; then it stops every agent and starts them again from their
// data directories and checks once more. It stops at the first failed
// check, which the report names (with the seed) and the error returns.
func (cp Campaign) Run(ctx context.Context) (*Report, error) {
	cp.defaults()
	begin := time.Now()
	rep := &Report{Seed: cp.Seed, Nodes: cp.Nodes, Calls: map[string]int{}, Outcomes: map[string]int{}, Operations: map[string]int{}}
	cp.Log("chaos: seed %d, %d nodes, %d rounds of %v (replay with -seed %d)", cp.Seed, cp.Nodes, cp.Rounds, cp.Active, cp.Seed)
	c, err := NewCluster(Config{Bin: cp.Bin, Dir: cp.Dir, Nodes: cp.Nodes, Log: cp.Log})
	if err != nil {
		return rep, err
	}
	defer c.Close()
	h, err := NewHistory(filepath.Join(cp.Dir, "history.jsonl"))
	if err != nil {
		return rep, err
	}
	defer h.Close()
	nm := NewNemesis(c, cp.Log)
	nm.SpareLeader = cp.SpareLeader
	r := &runner{cp: cp, c: c, h: h, rep: rep, nm: nm, seenOps: map[string]bool{}, seenOvl: map[string]bool{}}
	err = r.run(ctx)
	rep.Faults = r.nm.Counts()
	rep.Elapsed = time.Since(begin)
	for _, call := range h.Since(0) {
		rep.Calls[call.Kind]++
		rep.Outcomes[call.Outcome.String()]++
	}
	if err != nil {
		rep.Failure = fmt.Sprintf("seed %d, round %d: %v", cp.Seed, rep.Rounds+1, err)
		for _, n := range c.Nodes {
			cp.Log("--- last lines of %s's log (%s):\n%s", n.Name, n.Log, Tail(n.LogText(), 30))
		}
		return rep, errors.New(rep.Failure)
	}
	return rep, nil
}

type runner struct {
	cp      Campaign
	c       *Cluster
	h       *History
	rep     *Report
	nm      *Nemesis
	w       Workload
	seenOps map[string]bool
	seenOvl map[string]bool // ledger overlaps reported already
}

func (r *runner) run(ctx context.Context) error {
	c, cp := r.c, r.cp
	if err := c.Start(ctx); err != nil {
		return err
	}
	var names []string
	for _, n := range c.Nodes {
		names = append(names, n.Name)
	}
	r.w = NewWorkload(rand.New(rand.NewPCG(cp.Seed, 0)), cp.Groups, names)
	if err := r.w.Setup(ctx, c.Nodes[0].Client(), c.Ledger); err != nil {
		return err
	}
	if _, err := r.settle(ctx); err != nil {
		return err
	}
	before, _, _, err := r.readAll(ctx)
	if err != nil {
		return err
	}
	for round := 1; round <= cp.Rounds; round++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		after, err := r.round(ctx, round, before)
		if err != nil {
			return err
		}
		before = after
		r.rep.Rounds = round
	}
	return r.restartAll(ctx, before)
}

// round runs one round and checks it.
func (r *runner) round(ctx context.Context, round int, before map[string]int64) (map[string]int64, error) {
	c, cp := r.c, r.cp
	start := time.Now()
	mark := r.h.Len()
	rng := rand.New(rand.NewPCG(cp.Seed, uint64(round)))
	dctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		NewDriver(c, r.w, r.h, cp.Clients).Run(dctx, round, rng.Uint64())
	}()
	events, ferr := r.nm.Round(ctx, rng, cp.Active)
	if rest := cp.Active - time.Since(start); rest > 0 {
		time.Sleep(rest)
	}
	stop()
	wg.Wait()
	schedule := fmt.Sprintf("round %d: %s", round, strings.Join(events, "; "))
	r.rep.Schedule = append(r.rep.Schedule, schedule)
	if ferr != nil {
		return nil, fmt.Errorf("nemesis: %w (%s)", ferr, schedule)
	}
	settle, err := r.settle(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w\n  faults: %s", err, schedule)
	}
	after, readAt, readEnd, err := r.readAll(ctx)
	if err != nil {
		return nil, err
	}
	calls := r.h.Since(mark)
	viz := filepath.Join(cp.Dir, fmt.Sprintf("round-%d.html", round))
	if err := CheckRound(before, after, calls, readAt, readEnd, viz); err != nil {
		r.rep.Lost++
		if err := r.finding(fmt.Errorf("round %d: %w\n  faults: %s\n  porcupine's view: %s", round, err, schedule, viz)); err != nil {
			return nil, err
		}
	}
	if err := r.checkLedger(round, schedule); err != nil {
		return nil, err
	}
	if err := r.checkRest(ctx); err != nil {
		return nil, fmt.Errorf("%w\n  faults: %s", err, schedule)
	}
	ok, refused, unknown := 0, 0, 0
	for _, call := range calls {
		switch call.Outcome {
		case OK:
			ok++
		case Refused:
			refused++
		default:
			unknown++
		}
	}
	cp.Log("round %d/%d (%v, settled in %v): %d calls (%d ok, %d refused, %d unknown); %s",
		round, cp.Rounds, time.Since(start).Round(100*time.Millisecond), settle.Round(100*time.Millisecond),
		len(calls), ok, refused, unknown, strings.Join(events, "; "))
	return after, nil
}

// finding records a failed check with KeepGoing, or returns it.
func (r *runner) finding(err error) error {
	if !r.cp.KeepGoing {
		return err
	}
	r.rep.Findings = append(r.rep.Findings, err.Error())
	r.cp.Log("FINDING (going on): %v", err)
	return nil
}

// checkLedger checks the ledger for resources online on two nodes at
// once; each overlap counts once.
func (r *runner) checkLedger(round int, schedule string) error {
	n, overlaps, err := ledgerOverlaps(r.c.Ledger, r.c.Freezes())
	r.rep.LedgerEvents = n
	if err != nil {
		return err
	}
	var fresh []string
	for _, o := range overlaps {
		if r.seenOvl[o.key] {
			continue
		}
		r.seenOvl[o.key] = true
		text := o.text
		for _, n := range r.c.Nodes {
			if (n.Name == o.nodes[0] || n.Name == o.nodes[1]) && revokedNear(n, o.at) {
				text += fmt.Sprintf(" [%s's lease was revoked by etcd meanwhile, though it renewed it in time: docs/fencing.md, \"a resumed etcd leader revoking leases\"]", n.Name)
			}
		}
		fresh = append(fresh, text)
	}
	if len(fresh) == 0 {
		return nil
	}
	r.rep.DoubleHosted += len(fresh)
	return r.finding(fmt.Errorf("round %d: ledger: %d overlap(s): a resource ran on two nodes at once:\n  %s\n  faults: %s",
		round, len(fresh), strings.Join(fresh, "\n  "), schedule))
}

// checkRest checks, once the cluster has settled, that no operation
// stays unfinished and that no agent died by itself or logged a panic.
func (r *runner) checkRest(ctx context.Context) error {
	c := r.c
	if crashes := c.Crashes(); len(crashes) > 0 {
		return fmt.Errorf("agents exited though nobody stopped them: %s", strings.Join(crashes, "; "))
	}
	for _, n := range c.Nodes {
		if a := logAlarms(n); a != "" {
			return fmt.Errorf("%s's log (%s): %s", n.Name, n.Log, a)
		}
	}
	var last []string
	err := Await(ctx, 30*time.Second, "every operation finished", func() (bool, string) {
		var err error
		last, err = r.operations(ctx)
		if err != nil {
			return false, err.Error()
		}
		return len(last) == 0, strings.Join(last, "; ")
	})
	if err != nil {
		return fmt.Errorf("operations that never end: %w", err)
	}
	return nil
}

// operations lists every operation record of the workload's groups,
// counts the new ones by kind, and returns those without an outcome.
func (r *runner) operations(ctx context.Context) ([]string, error) {
	via := r.c.Running()
	if len(via) == 0 {
		return nil, errors.New("no agent runs")
	}
	var open []string
	for _, g := range r.w.Groups {
		cctx, cancel := context.WithTimeout(ctx, callTimeout)
		resp, err := via[0].Conn().Groups.ListOperations(cctx, connect.NewRequest(&batonv1.ListOperationsRequest{Group: &batonv1.GroupRef{Name: g.Name}}))
		cancel()
		if err != nil {
			return nil, err
		}
		for _, op := range resp.Msg.Operations {
			if op.FinishedUnixNano == 0 {
				open = append(open, fmt.Sprintf("%s %s %s%s created %s", op.Id, op.Kind, op.Group, "/"+op.Resource,
					time.Unix(0, op.CreatedUnixNano).Format("15:04:05.000")))
				continue
			}
			if !r.seenOps[op.Id] {
				r.seenOps[op.Id] = true
				r.rep.Operations[op.Kind]++
			}
		}
	}
	return open, nil
}

// settle waits until every node is Up and the groups are where they
// should be; it says how long that took.
func (r *runner) settle(ctx context.Context) (time.Duration, error) {
	begin := time.Now()
	c := r.c
	if err := c.AwaitUp(ctx, c.Nodes, r.cp.Settle); err != nil {
		return 0, fmt.Errorf("the cluster did not come back: %w", err)
	}
	left := r.cp.Settle - time.Since(begin)
	err := Await(ctx, max(left, 10*time.Second), "every group where its persistent state and policy say", func() (bool, string) {
		cctx, cancel := context.WithTimeout(ctx, 2*callTimeout)
		defer cancel()
		return settled(cctx, c.Nodes[0], r.w, c.Ledger)
	})
	if err != nil {
		return 0, err
	}
	d := time.Since(begin)
	r.rep.SettleMax = max(r.rep.SettleMax, d)
	r.rep.SettleTotal += d
	return d, nil
}

// readAll reads every register through every node until all agree, and
// returns the values and when the successful reads began and ended.
func (r *runner) readAll(ctx context.Context) (map[string]int64, int64, int64, error) {
	var vals map[string]int64
	var at, end int64
	err := Await(ctx, 30*time.Second, "every node reading the same state", func() (bool, string) {
		at = ledger.Now()
		vals = nil
		for _, n := range r.c.Nodes {
			cctx, cancel := context.WithTimeout(ctx, callTimeout)
			got, err := r.w.Read(cctx, n.Client())
			cancel()
			if err != nil {
				return false, fmt.Sprintf("%s: %v", n.Name, err)
			}
			if vals == nil {
				vals = got
			} else if !maps.Equal(vals, got) {
				return false, fmt.Sprintf("%s differs from %s: %s", n.Name, r.c.Nodes[0].Name, diffRegisters(vals, got))
			}
		}
		end = ledger.Now()
		return true, ""
	})
	return vals, at, end, err
}

// restartAll stops every agent at once and starts them again from their
// data directories: the cluster comes back with the same state, and the
// groups where they should be.
func (r *runner) restartAll(ctx context.Context, before map[string]int64) error {
	c := r.c
	begin := time.Now()
	var wg sync.WaitGroup
	errs := make([]error, len(c.Nodes))
	for i, n := range c.Nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = n.Stop(30 * time.Second)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("stopping every agent: %w", err)
	}
	for _, n := range c.Nodes {
		if err := n.Spawn(); err != nil {
			return err
		}
	}
	if _, err := r.settle(ctx); err != nil {
		return fmt.Errorf("after a restart of every agent from its data directory: %w", err)
	}
	after, _, _, err := r.readAll(ctx)
	if err != nil {
		return err
	}
	if d := diffRegisters(before, after); d != "" {
		return fmt.Errorf("a restart of every agent changed the state: %s", d)
	}
	if err := r.checkLedger(r.rep.Rounds+1, "restart of every agent"); err != nil {
		return err
	}
	if err := r.checkRest(ctx); err != nil {
		return fmt.Errorf("after a restart of every agent: %w", err)
	}
	r.cp.Log("every agent stopped and started again from its data directory: back and settled in %v", time.Since(begin).Round(100*time.Millisecond))
	return nil
}

// Summary is the report as Markdown, for docs/reliability.md.
func (rep *Report) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "| | |\n|---|---|\n")
	fmt.Fprintf(&b, "| seed | %d |\n| nodes | %d |\n| rounds | %d |\n| time | %v |\n", rep.Seed, rep.Nodes, rep.Rounds, rep.Elapsed.Round(time.Second))
	fmt.Fprintf(&b, "| faults | %s |\n", counts(rep.Faults))
	total := 0
	for _, v := range rep.Calls {
		total += v
	}
	fmt.Fprintf(&b, "| calls | %d: %s |\n", total, counts(rep.Calls))
	fmt.Fprintf(&b, "| answers | %s |\n", counts(rep.Outcomes))
	fmt.Fprintf(&b, "| operations recorded by the cluster | %s |\n", counts(rep.Operations))
	fmt.Fprintf(&b, "| ledger events | %d |\n", rep.LedgerEvents)
	if rep.Rounds > 0 {
		fmt.Fprintf(&b, "| settled after faults | mean %v, max %v |\n", (rep.SettleTotal / time.Duration(rep.Rounds+2)).Round(100*time.Millisecond), rep.SettleMax.Round(100*time.Millisecond))
	}
	fmt.Fprintf(&b, "| double-hosted | %d |\n| lost (non-linearizable rounds) | %d |\n", rep.DoubleHosted, rep.Lost)
	for _, f := range rep.Findings {
		fmt.Fprintf(&b, "| finding | %s |\n", strings.ReplaceAll(f, "\n", "<br>"))
	}
	if rep.Failure != "" {
		fmt.Fprintf(&b, "| failure | %s |\n", strings.ReplaceAll(rep.Failure, "\n", "<br>"))
	}
	return b.String()
}

func counts(m map[string]int) string {
	keys := slices.Sorted(maps.Keys(m))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

// BuildBaton builds the baton binary into dir and returns its path.
func BuildBaton(ctx context.Context, dir string) (string, error) {
	return build(ctx, dir, "baton", "github.com/batoncluster/baton/cmd/baton")
}

func build(ctx context.Context, dir, name, pkg string) (string, error) {
	out := filepath.Join(dir, name)
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build %s: %w", pkg, err)
	}
	return out, nil
}
