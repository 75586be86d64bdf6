package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

// ownersJSON answers `resource owners`: the possible owners in effect
// (after the changes asked for, as the agent reads them back).
type ownersJSON struct {
	Resource string `json:"resource"`
	// Nodes are the possible owners, by name; Explicit is false when they
	// are every node of the cluster (the default).
	Nodes    []string `json:"nodes"`
	Explicit bool     `json:"explicit"`
}

func (a *app) resourceOwners() *cobra.Command {
	var add, remove []string
	c := &cobra.Command{
		Use:   "owners NAME [--add NODE]... [--remove NODE]...",
		Short: "Print or change the nodes that may host a resource (Add/RemoveClusterResourceNode)",
		Long: `Print the resource's possible owners: the nodes that may host it. By
default every node of the cluster is one ("every node" below the list).

--add NODE makes a node a possible owner (AddClusterResourceNode) and
--remove NODE takes one out (RemoveClusterResourceNode); both repeat, the
adds first. The first --remove gives the resource a list of its own: the
cluster's nodes then, but that one; nodes that join later are not added to
it. A list may become empty: then no node brings the resource online.

Failover, failback, drain and moves without a destination prefer the nodes
that can host every resource of the group; on another node the resources
that cannot run there stay Offline (docs/failover-policy.md). A node that
is one already answers ERROR_OBJECT_ALREADY_EXISTS (5010), a node that is
not one or no node ERROR_CLUSTER_NODE_NOT_FOUND (5042), removing the
node that runs the resource while it is online or pending
ERROR_INVALID_STATE (5023); the changes before it stay made.`,
		Args: exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.cluster()
			if err != nil {
				return err
			}
			ctx, name := cmd.Context(), args[0]
			for _, n := range add {
				if err := c.Resources().AddNode(ctx, name, n); err != nil {
					return err
				}
			}
			for _, n := range remove {
				if err := c.Resources().RemoveNode(ctx, name, n); err != nil {
					return err
				}
			}
			r, err := c.Resources().Get(ctx, name)
			if err != nil {
				return err
			}
			j := ownersJSON{Resource: r.Name, Nodes: nonNil(r.PossibleOwners), Explicit: r.PossibleOwnersExplicit}
			if a.jsonOut() {
				return a.printJSON(j)
			}
			for _, n := range j.Nodes {
				if _, err := fmt.Fprintln(a.stdout, n); err != nil {
					return err
				}
			}
			switch {
			case !j.Explicit:
				_, err = fmt.Fprintln(a.stdout, "(every node)")
			case len(j.Nodes) == 0:
				_, err = fmt.Fprintln(a.stdout, "(no node)")
			}
			return err
		},
	}
	c.Flags().StringArrayVar(&add, "add", nil, "make NODE a possible owner; repeatable")
	c.Flags().StringArrayVar(&remove, "remove", nil, "take NODE out of the possible owners; repeatable")
	return c
}
