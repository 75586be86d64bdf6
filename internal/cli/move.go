package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/batoncluster/baton/clusapi"
)

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
func moveObserved(g *clusapi.Group, op *clusapi.OperationRecord, source, to string) observed {
	st := g.State
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
	var drain, remain, retry bool
	var target string
	var wait time.Duration
	c := &cobra.Command{
		Use:   "pause NODE [--drain [--to NODE] [--remain-on-error] [--retry] [--wait]]",
		Short: "Pause a node: it takes no new groups; --drain moves its groups away",
		Args:  exactArgs("NODE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := a.cluster()
			if err != nil {
				return err
			}
			var flags uint32
			if remain {
				flags |= clusapi.CLUSAPI_NODE_PAUSE_REMAIN_ON_PAUSED_NODE_ON_MOVE_ERROR
			}
			if retry {
				flags |= clusapi.CLUSAPI_NODE_PAUSE_RETRY_DRAIN_ON_FAILURE
			}
			n, err := cl.PauseNodeEx(cmd.Context(), args[0], drain, flags, target)
			if err != nil {
				return err
			}
			if drain && cmd.Flags().Changed("wait") {
				if _, err := a.waitFor(cmd.Context(), "node", args[0], "drained", wait, func(ctx context.Context) (observed, error) {
					nodes, err := cl.ListNodes(ctx)
					if err != nil {
						return observed{}, err
					}
					for _, m := range nodes {
						if m.Name == args[0] {
							n = &m
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
	c.Flags().BoolVar(&remain, "remain-on-error", false, "with --drain: a group whose move fails comes back to this node and stays (CLUSAPI_NODE_PAUSE_REMAIN_ON_PAUSED_NODE_ON_MOVE_ERROR); default: the failover policy takes it where it failed")
	c.Flags().BoolVar(&retry, "retry", false, "with --drain: move a group whose move failed again 30 s later, and keep the drain in progress (CLUSAPI_NODE_PAUSE_RETRY_DRAIN_ON_FAILURE)")
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
			cl, err := a.cluster()
			if err != nil {
				return err
			}
			n, err := cl.ResumeNode(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return a.printNode(n)
		},
	}
}

func (a *app) printNode(n *clusapi.Node) error {
	j := nodeJSONOf(n)
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
