package cli

import (
	"github.com/spf13/cobra"
)

// clusterCommand is `baton cluster`: the cluster as a whole.
func (a *app) clusterCommand() *cobra.Command {
	return noun("cluster", "Show the cluster, admit nodes, back it up and restore it", a.clusterInfo(), a.clusterStatus(), a.joinTokenCommand(),
		a.clusterBackup(), a.clusterRestore())
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
