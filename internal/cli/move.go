package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"connectrpc.com/connect"
	"github.com/spf13/cobra"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
	"github.com/batoncluster/baton/clusapi"
)

func (a *app) groupMove() *cobra.Command {
	var (
		o     opFlags
		to    string
		named moveFlags
	)
	c := &cobra.Command{
		Use:   "move NAME [--to NODE]",
		Short: "Move a group to another node (MoveClusterGroupEx)",
		Long: `Move a group to another node (MoveClusterGroupEx): its resources go offline
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
		Args: exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			cl, err := a.client()
			if err != nil {
				return err
			}
			st, err := cl.Groups.GetGroupState(cmd.Context(), connect.NewRequest(&batonv1.GetGroupStateRequest{Group: groupRef(name)}))
			if err != nil {
				return err
			}
			source := st.Msg.OwnerNode
			var answer *batonv1.OperationResult
			flags := named.bits()
			return a.runOp(cmd.Context(), subjectGroup, name, &o,
				func(ctx context.Context, bits uint32, buf []byte) (*batonv1.OperationResult, error) {
					resp, err := cl.Groups.MoveGroup(ctx, connect.NewRequest(&batonv1.MoveGroupRequest{
						Group: groupRef(name), Node: to, Flags: bits | flags, InBuffer: buf, InBufferSize: uint32(len(buf)),
					}))
					if err != nil {
						return nil, err
					}
					answer = resp.Msg
					return resp.Msg, nil
				},
				func(ctx context.Context, limit time.Duration) (observed, error) {
					var op *batonv1.Operation
					obs, err := a.waitFor(ctx, "group", name, "moved", limit, func(ctx context.Context) (observed, error) {
						resp, err := cl.Groups.GetGroup(ctx, connect.NewRequest(&batonv1.GetGroupRequest{Group: groupRef(name)}))
						if err != nil {
							return observed{}, err
						}
						if clusapi.Errno(answer.GetStatus()) == clusapi.ERROR_SUCCESS {
							// Nothing to wait for: the group was where it was to go
							// (or, with nothing to bring online, changed hands).
							obs := moveObserved(resp.Msg.Group, nil, "", "")
							obs.done, obs.stuck = true, false
							return obs, nil
						}
						op = nil
						if id := answer.GetOperationId(); id != "" {
							r, err := cl.Groups.GetOperation(ctx, connect.NewRequest(&batonv1.GetOperationRequest{Id: id}))
							if err != nil {
								return observed{}, err
							}
							op = r.Msg
						}
						return moveObserved(resp.Msg.Group, op, source, to), nil
					})
					if op != nil && (op.Outcome == "failed" || op.Outcome == "superseded") {
						j := toOperationJSON(op)
						fmt.Fprintf(a.stderr, "baton: move operation %s %s; 'baton group why %s' says why\n", op.Id, j.outcome(), name)
						j.details(a.stderr, "  ")
					}
					return obs, err
				})
		},
	}
	c.Flags().StringVar(&to, "to", "", "destination node (default: the best node)")
	named.add(c)
	o.addOpFlags(c)
	return c
}

// moveFlags are the move's named flag options (--ignore-locked is common
// to every Ex call: opFlags).
type moveFlags struct {
	returnToSource, queue, highPriority, failback, ignoreAffinity bool
}

func (m *moveFlags) add(c *cobra.Command) {
	f := c.Flags()
	f.BoolVar(&m.returnToSource, "return-to-source", false, "if the group fails on the destination, take it back to the source (flag 0x2)")
	f.BoolVar(&m.queue, "queue", false, "wait in the group's queue while policy blocks the move, instead of being refused (flag 0x4)")
	f.BoolVar(&m.highPriority, "high-priority", false, "start on the destination first: queued moves with it go first (flag 0x8)")
	f.BoolVar(&m.failback, "failback", false, "if the group fails on the destination, move it to its preferred owner or the source (flag 0x10)")
	f.BoolVar(&m.ignoreAffinity, "ignore-affinity", false, "ignore anti-affinity on the destination (flag 0x20)")
}

// bits is the CLUSAPI_GROUP_MOVE_* value of the named options.
func (m *moveFlags) bits() uint32 {
	var b uint32
	for _, f := range []struct {
		on  bool
		bit uint32
	}{
		{m.returnToSource, clusapi.CLUSAPI_GROUP_MOVE_RETURN_TO_SOURCE_NODE_ON_ERROR},
		{m.queue, clusapi.CLUSAPI_GROUP_MOVE_QUEUE_ENABLED},
		{m.highPriority, clusapi.CLUSAPI_GROUP_MOVE_HIGH_PRIORITY_START},
		{m.failback, clusapi.CLUSAPI_GROUP_MOVE_FAILBACK},
		{m.ignoreAffinity, clusapi.CLUSAPI_GROUP_MOVE_IGNORE_AFFINITY_RULE},
	} {
		if f.on {
			b |= f.bit
		}
	}
	return b
}

// moveObserved judges a group while waiting for its move to end. op is
// the move's operation record (nil when the call recorded none): once it
// ends, so does the wait — failed or superseded is a state the wait will
// not leave. Without a record, the group moved when another node (the one
// asked for, if any) owns it and it is Online, or is to stay offline.
func moveObserved(g *batonv1.Group, op *batonv1.Operation, source, to string) observed {
	st := clusapi.ClusterGroupState(g.State)
	moved := g.OwnerNode != source && (to == "" || g.OwnerNode == to)
	wantOnline := g.PersistentState == 1
	obs := observed{state: st.String(), code: int32(st),
		line: fmt.Sprintf("%s: %s on %s", g.Name, st, g.OwnerNode), op: op}
	if op != nil {
		switch op.Outcome {
		case "":
			if !moved && g.MoveTo == "" && st != clusapi.ClusterGroupPending {
				obs.line += " (the move waits)"
			}
		case "succeeded":
			obs.done = !wantOnline || st == clusapi.ClusterGroupOnline
		default:
			obs.stuck = true
		}
		return obs
	}
	switch {
	case moved && (!wantOnline || st == clusapi.ClusterGroupOnline):
		obs.done = true
	case st == clusapi.ClusterGroupFailed && moved:
		obs.stuck = true
	}
	return obs
}

func (a *app) nodePause() *cobra.Command {
	var drain bool
	var target string
	var wait time.Duration
	c := &cobra.Command{
		Use:   "pause NODE [--drain [--to NODE] [--wait]]",
		Short: "Pause a node: it takes no new groups; --drain moves its groups away",
		Args:  exactArgs("NODE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := a.client()
			if err != nil {
				return err
			}
			resp, err := cl.Nodes.PauseNode(cmd.Context(), connect.NewRequest(&batonv1.PauseNodeRequest{Name: args[0], Drain: drain, DrainTarget: target}))
			if err != nil {
				return err
			}
			n := resp.Msg.Node
			if drain && cmd.Flags().Changed("wait") {
				if _, err := a.waitFor(cmd.Context(), "node", args[0], "drained", wait, func(ctx context.Context) (observed, error) {
					r, err := cl.Nodes.ListNodes(ctx, connect.NewRequest(&batonv1.ListNodesRequest{}))
					if err != nil {
						return observed{}, err
					}
					for _, m := range r.Msg.Nodes {
						if m.Name == args[0] {
							n = m
						}
					}
					return observed{state: n.DrainStatus, done: n.DrainStatus == "completed", stuck: n.DrainStatus == "failed",
						line: fmt.Sprintf("%s: drain %s %s", n.Name, n.DrainStatus, n.DrainDetail)}, nil
				}); err != nil {
					return err
				}
			}
			return a.printNode(n)
		},
	}
	c.Flags().BoolVar(&drain, "drain", false, "move the node's groups to other nodes")
	c.Flags().StringVar(&target, "to", "", "with --drain: the node the groups go to (PauseClusterNodeEx's drain target; default: where placement picks)")
	c.Flags().DurationVar(&wait, "wait", 5*time.Minute, "with --drain: wait until the drain completes")
	c.Flags().Lookup("wait").NoOptDefVal = "5m"
	return c
}

func (a *app) nodeResume() *cobra.Command {
	return &cobra.Command{
		Use:   "resume NODE",
		Short: "Resume a paused node (groups that prefer it fail back by their policy)",
		Args:  exactArgs("NODE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := a.client()
			if err != nil {
				return err
			}
			resp, err := cl.Nodes.ResumeNode(cmd.Context(), connect.NewRequest(&batonv1.ResumeNodeRequest{Name: args[0]}))
			if err != nil {
				return err
			}
			return a.printNode(resp.Msg.Node)
		},
	}
}

func (a *app) printNode(n *batonv1.Node) error {
	j := toNodeJSON(n)
	if a.jsonOut() {
		return a.printJSON(j)
	}
	return block(a.stdout, []kv{
		{"node", j.Name},
		{"state", fmt.Sprintf("%s (%d)", j.State, j.StateCode)},
		{"drain", orDash(strings.TrimSpace(j.DrainStatus + " " + j.DrainDetail))},
		{"groups", list(j.Groups)},
	})
}
