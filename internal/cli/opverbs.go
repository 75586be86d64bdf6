package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/batoncluster/baton/clusapi"
)

// The state changes of groups and resources — online, offline, move —
// are one table: each entry names its noun and verb, its help, its own
// flags beside the shared ones (opFlags: --ignore-locked, --flags,
// --param, --params-file, --wait), the clusapi call and what --wait waits
// for. opCommands makes the cobra commands of a noun from it; runOp runs
// every one of them the same way.

// opVerb is one state change command.
type opVerb struct {
	noun             string // "group" or "resource"
	use, short, long string
	subject          opSubject
	flags            func(c *cobra.Command, o *opArgs) // the entry's own flags; nil: none
	// prepare, if set, runs before the input buffer is read: what the
	// call and the wait need to know beforehand (a move's source).
	prepare func(ctx context.Context, c *clusapi.Client, name string, o *opArgs) error
	// call sends the change with the dwFlags and input buffer the flags
	// ask for.
	call func(ctx context.Context, c *clusapi.Client, name string, o *opArgs, flags uint32, buf []byte) (opAnswer, error)
	// wait waits, after an answer, for what the change asked for.
	wait func(a *app, ctx context.Context, c *clusapi.Client, name string, o *opArgs, ans opAnswer, limit time.Duration) (observed, error)
}

// opArgs are the flag values of one state change command.
type opArgs struct {
	opFlags
	node   string    // group online --node, group move --to
	move   moveFlags // group move's named flags
	source string    // group move: the owner before the move (prepare)
}

// opAnswer is a state change's answer: ERROR_SUCCESS or ERROR_IO_PENDING,
// and the operation's record, if one was made.
type opAnswer struct {
	status clusapi.Errno
	id     string
}

// opVerbs is the table.
var opVerbs = []opVerb{
	{
		noun: "group", subject: subjectGroup,
		use:   "online NAME",
		short: "Bring a group online (OnlineClusterGroupEx)",
		long: `Bring a group online (OnlineClusterGroupEx). The answer is ERROR_IO_PENDING
(997) when the work goes on, ERROR_SUCCESS (0) when the group was already
online. --flags bits: 0x1 ignore locked mode, 0x2 synchronous, 0x4 best
possible node, 0x8 ignore affinity rules.`,
		flags: func(c *cobra.Command, o *opArgs) {
			c.Flags().StringVar(&o.node, "node", "", "node to bring the group online on (default: its owner)")
		},
		call: func(ctx context.Context, c *clusapi.Client, name string, o *opArgs, flags uint32, buf []byte) (opAnswer, error) {
			return groupAnswer(c.Groups().Online(ctx, name, clusapi.OnlineOptions{Node: o.node, Flags: flags, InBuffer: buf}))
		},
		wait: waitGroupState(clusapi.ClusterGroupOnline),
	},
	{
		noun: "group", subject: subjectGroup,
		use:   "offline NAME",
		short: "Take a group offline (OfflineClusterGroupEx)",
		long: `Take a group offline (OfflineClusterGroupEx). The answer is ERROR_IO_PENDING
(997) when the work goes on, ERROR_SUCCESS (0) when the group was already
offline. --flags bits: 0x1 ignore locked mode (the only one defined).
The input buffer is read by each resource under its type's name, e.g.
--param 'dummy=dword:1' or --param 'Virtual Machine=dword:1' (save).`,
		call: func(ctx context.Context, c *clusapi.Client, name string, _ *opArgs, flags uint32, buf []byte) (opAnswer, error) {
			return groupAnswer(c.Groups().Offline(ctx, name, clusapi.OfflineOptions{Flags: flags, InBuffer: buf}))
		},
		wait: waitGroupState(clusapi.ClusterGroupOffline),
	},
	{
		noun: "group", subject: subjectGroup,
		use:   "move NAME [--to NODE]",
		short: "Move a group to another node (MoveClusterGroupEx)",
		long: `Move a group to another node (MoveClusterGroupEx): its resources go offline
on the owner — each online one given the input buffer — and come online on
the destination. Without --to the cluster picks the best node.

--flags bits (each also has a named option; docs/moves.md says more):
  0x1  --ignore-locked     go ahead although a resource is in locked mode
  0x2  --return-to-source  if a resource fails on the destination, take the
                           group back to the source; the move ends failed
                           (ERROR_RESOURCE_FAILED)
  0x4  --queue             if the move is blocked for now (destination paused
                           or draining, an anti-affinity conflict there, the
                           group busy), wait in the group's queue instead of
                           being refused: answers 997, and the group's
                           StatusInformation has 0x4 while it waits
  0x8  --high-priority     start on the destination first: queued moves with
                           it are tried before the others
  0x10 --failback          if a resource fails on the destination, move the
                           group to its first preferred owner that can take
                           it, else back to the source
  0x20 --ignore-affinity   ignore anti-affinity on the destination
--wait waits until the move's operation ends — the group online (or, if it
is to stay offline, owned) on another node — and exits non-zero if it
failed or another operation took its place.`,
		flags: func(c *cobra.Command, o *opArgs) {
			c.Flags().StringVar(&o.node, "to", "", "destination node (default: the best node)")
			o.move.add(c)
		},
		prepare: func(ctx context.Context, c *clusapi.Client, name string, o *opArgs) error {
			st, err := c.Groups().State(ctx, name)
			if err != nil {
				return err
			}
			o.source = st.OwnerNode
			return nil
		},
		call: func(ctx context.Context, c *clusapi.Client, name string, o *opArgs, flags uint32, buf []byte) (opAnswer, error) {
			return groupAnswer(c.Groups().Move(ctx, name, clusapi.MoveOptions{Node: o.node, Flags: flags | o.move.bits(), InBuffer: buf}))
		},
		wait: waitMove,
	},
	{
		noun: "resource", subject: subjectResource,
		use:   "online NAME",
		short: "Bring a resource online (OnlineClusterResourceEx)",
		long: `Bring a resource online, and what it depends on first (OnlineClusterResourceEx).
--flags bits: 0x1 ignore locked mode, 0x2 do not update the persistent
state, 0x4 necessary for quorum, 0x8 best possible node, 0x20 ignore
affinity rules.`,
		call: func(ctx context.Context, c *clusapi.Client, name string, _ *opArgs, flags uint32, buf []byte) (opAnswer, error) {
			return resourceAnswer(c.Resources().Online(ctx, name, clusapi.ResourceOptions{Flags: flags, InBuffer: buf}))
		},
		wait: waitResourceState(clusapi.ClusterResourceOnline),
	},
	{
		noun: "resource", subject: subjectResource,
		use:   "offline NAME",
		short: "Take a resource offline (OfflineClusterResourceEx)",
		long: `Take a resource offline, and what depends on it first (OfflineClusterResourceEx).
--flags bits: 0x1 ignore locked mode, 0x2 force with termination, 0x4 do
not update the persistent state.`,
		flags: func(c *cobra.Command, o *opArgs) {
			c.Flags().BoolVar(&o.forceTerminate, "force-terminate", false, "terminate rather than wait (flag 0x2)")
		},
		call: func(ctx context.Context, c *clusapi.Client, name string, _ *opArgs, flags uint32, buf []byte) (opAnswer, error) {
			return resourceAnswer(c.Resources().Offline(ctx, name, clusapi.ResourceOptions{Flags: flags, InBuffer: buf}))
		},
		wait: waitResourceState(clusapi.ClusterResourceOffline),
	},
}

func groupAnswer(op *clusapi.Operation, err error) (opAnswer, error) {
	if err != nil {
		return opAnswer{}, err
	}
	return opAnswer{status: op.Status, id: op.ID}, nil
}

func resourceAnswer(op *clusapi.ResourceOperation, err error) (opAnswer, error) {
	if err != nil {
		return opAnswer{}, err
	}
	return opAnswer{status: op.Status, id: op.ID}, nil
}

// opCommands makes the commands of noun's entries in the table.
func (a *app) opCommands(noun string) []*cobra.Command {
	var out []*cobra.Command
	for _, v := range opVerbs {
		if v.noun == noun {
			out = append(out, a.opCommand(v))
		}
	}
	return out
}

// opCommand makes the command of one entry.
func (a *app) opCommand(v opVerb) *cobra.Command {
	o := &opArgs{}
	c := &cobra.Command{
		Use:   v.use,
		Short: v.short,
		Long:  v.long,
		Args:  exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runOp(cmd.Context(), v, args[0], o)
		},
	}
	if v.flags != nil {
		v.flags(c, o)
	}
	o.addOpFlags(c)
	return c
}

// runOp sends a state change and prints its answer. With --wait it then
// waits for what the change asked for (in text mode the answer is printed
// first, then the final state; in JSON mode one object with both).
func (a *app) runOp(ctx context.Context, v opVerb, name string, o *opArgs) error {
	if v.prepare != nil {
		c, err := a.cluster()
		if err != nil {
			return err
		}
		if err := v.prepare(ctx, c, name, o); err != nil {
			return err
		}
	}
	buf, err := o.buffer()
	if err != nil {
		return err
	}
	c, err := a.cluster()
	if err != nil {
		return err
	}
	ans, err := v.call(ctx, c, name, o, o.bits(), buf)
	if err != nil {
		return err
	}
	out := opResult(v.subject, name, ans.status, ans.id)
	if !o.wait.set {
		return a.printOp(out)
	}
	if !a.jsonOut() {
		if err := a.printOp(out); err != nil {
			return err
		}
	}
	obs, werr := v.wait(a, ctx, c, name, o, ans, o.wait.d)
	var we *waitError
	if werr != nil && !errors.As(werr, &we) {
		return werr
	}
	out.State, out.StateCode = &obs.state, &obs.code
	if obs.op != nil {
		j := toOperationJSON(obs.op)
		out.Operation = &j
	}
	if err := a.printOp(out); err != nil {
		return err
	}
	return werr
}

// waitGroupState waits for a group to reach want (Online or Offline).
func waitGroupState(want clusapi.ClusterGroupState) func(*app, context.Context, *clusapi.Client, string, *opArgs, opAnswer, time.Duration) (observed, error) {
	return func(a *app, ctx context.Context, c *clusapi.Client, name string, _ *opArgs, _ opAnswer, limit time.Duration) (observed, error) {
		return a.waitGroup(ctx, c, name, want, limit)
	}
}

// waitResourceState waits for a resource to reach want.
func waitResourceState(want clusapi.ClusterResourceState) func(*app, context.Context, *clusapi.Client, string, *opArgs, opAnswer, time.Duration) (observed, error) {
	return func(a *app, ctx context.Context, c *clusapi.Client, name string, _ *opArgs, _ opAnswer, limit time.Duration) (observed, error) {
		return a.waitResource(ctx, c, name, want, limit)
	}
}

// waitMove waits for a move's operation to end (moveObserved judges).
func waitMove(a *app, ctx context.Context, c *clusapi.Client, name string, o *opArgs, ans opAnswer, limit time.Duration) (observed, error) {
	var op *clusapi.OperationRecord
	obs, err := a.waitFor(ctx, "group", name, "moved", limit, func(ctx context.Context) (observed, error) {
		g, err := c.Groups().Get(ctx, name)
		if err != nil {
			return observed{}, err
		}
		if ans.status == clusapi.ERROR_SUCCESS {
			// Nothing to wait for: the group was where it was to go
			// (or, with nothing to bring online, changed hands).
			obs := moveObserved(g, nil, "", "")
			obs.done, obs.stuck = true, false
			return obs, nil
		}
		op = nil
		if ans.id != "" {
			if op, err = c.Operation(ctx, ans.id); err != nil {
				return observed{}, err
			}
		}
		return moveObserved(g, op, o.source, o.node), nil
	})
	if op != nil && (op.Outcome == "failed" || op.Outcome == "superseded") {
		j := toOperationJSON(op)
		fmt.Fprintf(a.stderr, "baton: move operation %s %s; 'baton group why %s' says why\n", op.ID, j.outcome(), name)
		j.details(a.stderr, "  ")
	}
	return obs, err
}
