package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/batoncluster/baton/clusapi"
)

// clusterCommand is `baton cluster`: the cluster as a whole.
func (a *app) clusterCommand() *cobra.Command {
	return noun("cluster", "Show the cluster, admit nodes, back it up and restore it", a.clusterInfo(), a.clusterStatus(), a.joinTokenCommand(),
		a.clusterBackup(), a.clusterRestore(), a.clusterRename())
}

// renamedJSON is what 'baton cluster rename -o json' prints.
type renamedJSON struct {
	Cluster    string `json:"cluster"`
	Status     uint32 `json:"status"`
	StatusName string `json:"statusName"`
}

func (a *app) clusterRename() *cobra.Command {
	return &cobra.Command{
		Use:   "rename NAME",
		Short: "Rename the cluster (SetClusterName)",
		Long: `Rename the cluster. The new name takes effect at once ('baton cluster info'
shows it); like Windows' SetClusterName the answer is
ERROR_RESOURCE_PROPERTIES_STORED (5024).`,
		Args: exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.cluster()
			if err != nil {
				return err
			}
			if err := c.SetClusterName(cmd.Context(), args[0]); err != nil {
				return err
			}
			st := clusapi.ERROR_RESOURCE_PROPERTIES_STORED
			if a.jsonOut() {
				return a.printJSON(renamedJSON{Cluster: args[0], Status: uint32(st), StatusName: st.String()})
			}
			_, err = fmt.Fprintf(a.stdout, "cluster renamed %s: %s\n", args[0], st)
			return err
		},
	}
}

func (a *app) clusterInfo() *cobra.Command {
	return &cobra.Command{
		Use:   "info",
		Short: "Show the cluster's name and id, the node answering, who you are and your access (OpenCluster)",
		Args:  exactArgs(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := a.cluster()
			if err != nil {
				return err
			}
			m, err := c.Cluster(cmd.Context())
			if err != nil {
				return err
			}
			j := clusterJSON{
				ClusterName: m.Name, ClusterID: m.ID, Node: m.Node,
				Principal: m.Principal, Access: string(m.Access), Address: c.Addr(),
			}
			if a.jsonOut() {
				return a.printJSON(j)
			}
			return block(a.stdout, []kv{
				{"cluster", j.ClusterName},
				{"cluster id", j.ClusterID},
				{"node", j.Node},
				{"address", j.Address},
				{"you are", j.Principal},
				{"your access", j.Access},
			})
		},
	}
}
