package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
	"github.com/batoncluster/baton/clusapi"
)

// nodeCommand is `baton node`: the machines of the cluster.
func (a *app) nodeCommand() *cobra.Command {
	return noun("node", "Show, pause, drain, resume and evict the nodes of the cluster", a.nodeList(), a.nodePause(), a.nodeResume(), a.nodeEvict())
}

func (a *app) nodeList() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List nodes: state, address and the groups each owns",
		Args:  exactArgs(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := a.cluster()
			if err != nil {
				return err
			}
			nodes, err := c.ListNodes(cmd.Context())
			if err != nil {
				return err
			}
			if a.jsonOut() {
				out := []nodeJSON{}
				for _, n := range nodes {
					out = append(out, nodeJSONOf(&n))
				}
				return a.printJSON(out)
			}
			var rows [][]string
			for _, n := range nodes {
				j := nodeJSONOf(&n)
				rows = append(rows, []string{j.Name, fmt.Sprintf("%s (%d)", j.State, j.StateCode), orDash(j.DrainStatus), orDash(j.DatabaseRole), orDash(j.Address), orDash(j.Started), list(j.Groups)})
			}
			return table(a.stdout, []string{"NAME", "STATE", "DRAIN", "DATABASE", "ADDRESS", "STARTED", "GROUPS"}, rows)
		},
	}
}

// nodeJSONOf is the JSON shape of a node.
func nodeJSONOf(n *clusapi.Node) nodeJSON {
	j := nodeJSON{
		Name: n.Name, State: n.State.String(), StateCode: int32(n.State),
		Address: n.Address, Groups: nonNil(n.Groups),
		DrainStatus: n.DrainStatus, DrainDetail: n.DrainDetail, DatabaseRole: n.DatabaseRole,
	}
	if !n.Started.IsZero() {
		j.Started = n.Started.UTC().Format(time.RFC3339)
	}
	return j
}

// toNodeJSON is the JSON shape of a node as the NodeService sends it
// (cluster status reads the nodes with the database's status).
func toNodeJSON(n *batonv1.Node) nodeJSON {
	j := nodeJSON{
		Name: n.GetName(), State: nodeStateName(n.GetState()), StateCode: n.GetState(),
		Address: n.GetAddress(), Groups: nonNil(n.GetGroups()),
		DrainStatus: n.GetDrainStatus(), DrainDetail: n.GetDrainDetail(), DatabaseRole: n.GetDatabaseRole(),
	}
	if ns := n.GetStartedUnixNano(); ns != 0 {
		j.Started = time.Unix(0, ns).UTC().Format(time.RFC3339)
	}
	return j
}
