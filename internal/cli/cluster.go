package cli

import (
	"connectrpc.com/connect"
	"github.com/spf13/cobra"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
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
			c, err := a.client()
			if err != nil {
				return err
			}
			resp, err := c.Cluster.OpenCluster(cmd.Context(), connect.NewRequest(&batonv1.OpenClusterRequest{}))
			if err != nil {
				return err
			}
			m := resp.Msg
			j := clusterJSON{
				ClusterName: m.GetClusterName(), ClusterID: m.GetClusterId(), Node: m.GetNodeName(),
				Principal: m.GetPrincipal(), Access: m.GetAccess(), Address: c.Addr,
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
