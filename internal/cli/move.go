package cli

import (
	"context"
	"fmt"
	"time"

	"connectrpc.com/connect"
	"github.com/spf13/cobra"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
	"github.com/batoncluster/baton/clusapi"
)

func (a *app) groupMove() *cobra.Command {
	var (
		o  opFlags
		to string
	)
	c := &cobra.Command{
		Use:   "move NAME [--to NODE]",
		Short: "Move a group to another node (MoveClusterGroupEx)",
		Long: `Move a group to another node (MoveClusterGroupEx): its resources go offline
on the owner — each online one given the input buffer — and come online on
the destination. Without --to the cluster picks the best node.
--flags bits: 0x1 ignore locked mode, 0x2 return to the source on error,
0x4 queue, 0x8 high-priority start, 0x10 failback, 0x20 ignore affinity.
--wait waits until the group is online (or, if it is to stay offline,
owned) on another node.`,
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
			return a.runOp(cmd.Context(), subjectGroup, name, &o,
				func(ctx context.Context, flags uint32, buf []byte) (*batonv1.OperationResult, error) {
					resp, err := cl.Groups.MoveGroup(ctx, connect.NewRequest(&batonv1.MoveGroupRequest{
						Group: groupRef(name), Node: to, Flags: flags, InBuffer: buf, InBufferSize: uint32(len(buf)),
					}))
					if err != nil {
						return nil, err
					}
					return resp.Msg, nil
				},
				func(ctx context.Context, limit time.Duration) (observed, error) {
					return a.waitFor(ctx, "group", name, "moved", limit, func(ctx context.Context) (observed, error) {
						resp, err := cl.Groups.GetGroup(ctx, connect.NewRequest(&batonv1.GetGroupRequest{Group: groupRef(name)}))
						if err != nil {
							return observed{}, err
						}
						return moveObserved(resp.Msg.Group, source, to), nil
					})
				})
		},
	}
	c.Flags().StringVar(&to, "to", "", "destination node (default: the best node)")
	o.addOpFlags(c)
	return c
}

// moveObserved judges a group while waiting for its move to end.
func moveObserved(g *batonv1.Group, source, to string) observed {
	st := clusapi.ClusterGroupState(g.State)
	moved := g.OwnerNode != source && (to == "" || g.OwnerNode == to)
	wantOnline := g.PersistentState == 1
	obs := observed{state: st.String(), code: int32(st),
		line: fmt.Sprintf("%s: %s on %s", g.Name, st, g.OwnerNode)}
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
	var wait time.Duration
	c := &cobra.Command{
		Use:   "pause NODE [--drain [--wait]]",
		Short: "Pause a node: it takes no new groups; --drain moves its groups away",
		Args:  exactArgs("NODE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := a.client()
			if err != nil {
				return err
			}
			resp, err := cl.Nodes.PauseNode(cmd.Context(), connect.NewRequest(&batonv1.PauseNodeRequest{Name: args[0], Drain: drain}))
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
		{"drain", orDash(j.DrainStatus + " " + j.DrainDetail)},
		{"groups", list(j.Groups)},
	})
}
