package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/batoncluster/baton/clusapi"
)

// evictJSON answers `node evict`.
type evictJSON struct {
	Name                  string   `json:"name"`
	Evicted               bool     `json:"evicted"`
	DatabaseMemberRemoved bool     `json:"databaseMemberRemoved"`
	Groups                []string `json:"groups"`
}

func (a *app) nodeEvict() *cobra.Command {
	var force bool
	var wait time.Duration
	c := &cobra.Command{
		Use:   "evict NODE [--force [--wait DURATION]]",
		Short: "Remove a node from the cluster for good: a Down one, or with --force one drained first (EvictClusterNode)",
		Long: `Evict a node: its record goes, it leaves the groups' preferred owners,
its offline groups get another owner (online ones fail over by their
policy), and, if it is a database member, its member is removed — a client
node then becomes a member by itself if the cluster needs one more.

Only a Down node is evicted (an Up or Paused one answers
ERROR_CANT_EVICT_ACTIVE_NODE, 5009), unless --force: the node is paused
and drained first (as 'node pause --drain'), the command waits up to
--wait for the drain to complete, and then evicts it; its agent stops. A
database member whose removal would leave the database without a quorum
is refused (ERROR_CLUSTER_NO_QUORUM, 5925), as is the node answering the
call (ERROR_CLUSTER_EVICT_INVALID_REQUEST, 5939: ask another node).

An evicted machine comes back as a new node: stop its agent, empty its
data directory, and start it with --join and a join token
(docs/operations/nodes.md).`,
		Args: exactArgs("NODE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := a.cluster()
			if err != nil {
				return err
			}
			name := args[0]
			res, err := cl.EvictNode(cmd.Context(), name, force)
			if force && wait > 0 && errors.Is(apiErr(err), clusapi.ERROR_CLUSTER_NODE_DRAIN_IN_PROGRESS) {
				// However the wait ends, the node's answer says where it
				// stands: evicted, still draining (5962), or a drain that
				// failed (5009, and why).
				_, _ = a.waitFor(cmd.Context(), "node", name, "drained", wait, func(ctx context.Context) (observed, error) {
					return drainObserved(ctx, cl, name)
				})
				if cmd.Context().Err() != nil {
					return cmd.Context().Err()
				}
				res, err = cl.EvictNode(cmd.Context(), name, force)
			}
			if err != nil {
				return err
			}
			j := evictJSON{Name: res.Node, Evicted: true, DatabaseMemberRemoved: res.DatabaseMemberRemoved, Groups: nonNil(res.Groups)}
			if a.jsonOut() {
				return a.printJSON(j)
			}
			member := "no (it was not a database member)"
			if j.DatabaseMemberRemoved {
				member = "removed"
			}
			return block(a.stdout, []kv{
				{"node", j.Name + " evicted"},
				{"database member", member},
				{"groups", list(j.Groups)},
			})
		},
	}
	c.Flags().BoolVar(&force, "force", false, "evict an Up or Paused node: drain it first")
	c.Flags().DurationVar(&wait, "wait", 5*time.Minute, "with --force: how long to wait for the drain (0: answer ERROR_CLUSTER_NODE_DRAIN_IN_PROGRESS at once)")
	return c
}

// drainObserved is one look at a node's drain, for waitFor: done once it
// completed, or the node is gone or Down (evicting it needs no drain).
func drainObserved(ctx context.Context, c *clusapi.Client, name string) (observed, error) {
	n, err := c.Node(ctx, name)
	if errors.Is(err, clusapi.ERROR_CLUSTER_NODE_NOT_FOUND) {
		return observed{state: "gone", done: true}, nil
	}
	if err != nil {
		return observed{}, err
	}
	down := n.State == clusapi.ClusterNodeDown
	return observed{state: n.DrainStatus, done: n.DrainStatus == "completed" || down, stuck: n.DrainStatus == "failed",
		line: fmt.Sprintf("%s: drain %s %s", name, n.DrainStatus, n.DrainDetail)}, nil
}
