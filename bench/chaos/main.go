//go:build linux

// Command chaos runs a long randomized fault campaign (tests/chaos) against
// a cluster of real agents in network namespaces, and prints its report as
// Markdown for docs/reliability.md:
//
//	go run ./bench/chaos -rounds 200 -nodes 3            # a new seed, printed
//	go run ./bench/chaos -rounds 200 -nodes 5 -seed 42   # replay a seed
//
// Each round runs the driver (random calls through the API from several
// clients) and the nemesis (kills, freezes, restarts, partitions) for
// -active, heals, waits until the cluster settles and checks: no resource
// online on two nodes at once, a history linearizable against the model
// of persistent states and properties (porcupine), every group where its
// persistent state and policy say, every operation ended, no agent dead
// by itself. A non-linearizable round or a double-hosted resource is
// recorded and the run goes on (-keep-going=false stops there); any other
// failed check stops the run. The seed replays
// its schedule of faults and calls (timings differ from run to run, so a
// failure that depends on a race may need a few runs). At the end every
// agent is stopped and started again from its data directory.
//
// It needs root and iproute2. It builds the baton binary (or takes -bin),
// keeps the agents' data directories, logs, ledger and call history in
// -dir (a temporary directory removed at the end unless -keep or a
// failure), and prints progress on standard error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/batoncluster/baton/tests/chaos"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "chaos:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("chaos", flag.ContinueOnError)
	fs.SetOutput(stderr)
	rounds := fs.Int("rounds", 200, "rounds of faults")
	seed := fs.Uint64("seed", 0, "the campaign's seed (0: a new one, printed)")
	nodes := fs.Int("nodes", 3, "agents: 3 or 5")
	active := fs.Duration("active", 8*time.Second, "how long the driver and the nemesis run in each round")
	clients := fs.Int("clients", 3, "driver clients")
	groups := fs.Int("groups", 0, "groups of the workload (0: nodes+1)")
	bin := fs.String("bin", "", "the baton binary (default: go build ./cmd/baton)")
	dir := fs.String("dir", "", "where to keep data directories, logs, ledger and history (default: a temporary directory)")
	keep := fs.Bool("keep", false, "keep -dir's contents after a successful run")
	timeout := fs.Duration("timeout", 3*time.Hour, "bound on the whole run")
	keepGoing := fs.Bool("keep-going", true, "record a non-linearizable round or a double-hosted resource and go on (false: stop there)")
	spare := fs.Bool("spare-leader", false, "never freeze the database leader (as the CI-sized runs do; see chaos.Campaign.SpareLeader)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *nodes != 3 && *nodes != 5 {
		return errors.New("-nodes must be 3 or 5")
	}
	if *seed == 0 {
		*seed = uint64(time.Now().UnixNano())
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	work := *dir
	if work == "" {
		d, err := os.MkdirTemp("", "baton-chaos-")
		if err != nil {
			return err
		}
		work = d
	} else if err := os.MkdirAll(work, 0o700); err != nil {
		return err
	}
	if *bin == "" {
		b, err := chaos.BuildBaton(ctx, work)
		if err != nil {
			return err
		}
		*bin = b
	}
	logf := func(format string, args ...any) {
		fmt.Fprintf(stderr, "%s %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
	}
	logf("seed %d (replay: go run ./bench/chaos -seed %d -nodes %d -rounds %d); everything in %s", *seed, *seed, *nodes, *rounds, work)
	load := loadavg()
	cp := chaos.Campaign{Bin: *bin, Dir: work, Nodes: *nodes, Rounds: *rounds, Seed: *seed, Active: *active,
		Clients: *clients, Groups: *groups, KeepGoing: *keepGoing, SpareLeader: *spare, Log: logf}
	rep, err := cp.Run(ctx)
	fmt.Fprintf(stdout, "## chaos: %d nodes, seed %d\n\n", *nodes, *seed)
	fmt.Fprintf(stdout, "%s, %d CPUs, load average before the run %s; %d rounds of %v\n\n", runtime.GOOS+"/"+runtime.GOARCH, runtime.NumCPU(), load, *rounds, *active)
	fmt.Fprint(stdout, rep.Summary())
	fmt.Fprintf(stdout, "\nfault schedule (first rounds):\n\n")
	for i, s := range rep.Schedule {
		if i == 10 {
			fmt.Fprintf(stdout, "- … %d more rounds\n", len(rep.Schedule)-10)
			break
		}
		fmt.Fprintf(stdout, "- %s\n", s)
	}
	if err != nil {
		logf("FAILED; everything is kept in %s", work)
		return err
	}
	if len(rep.Findings) > 0 {
		logf("%d finding(s); everything is kept in %s", len(rep.Findings), work)
		return fmt.Errorf("%d finding(s): %s", len(rep.Findings), strings.Join(rep.Findings, "\n"))
	}
	if *dir == "" && !*keep {
		os.RemoveAll(work)
	}
	return nil
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
