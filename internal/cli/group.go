package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/batoncluster/baton/clusapi"
	"github.com/batoncluster/baton/proplist"
)

// groupCommand is `baton group`: the clusapi *ClusterGroup* calls.
func (a *app) groupCommand() *cobra.Command {
	verbs := []*cobra.Command{
		a.groupCreate(), a.groupDelete(), a.groupList(), a.groupShow(), a.groupState(),
		a.groupSet(), a.groupNodes(), a.groupWhy(), a.groupHistory(), a.groupCancel(), a.groupRename(),
	}
	// online, offline, move: the table of state changes (opverbs.go).
	return noun("group", "Manage groups, the unit of failover", append(verbs, a.opCommands("group")...)...)
}

func (a *app) groupCreate() *cobra.Command {
	var owners, props []string
	c := &cobra.Command{
		Use:   "create NAME",
		Short: "Create a group",
		Args:  exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			pl, err := parseProps(props)
			if err != nil {
				return err
			}
			c, err := a.cluster()
			if err != nil {
				return err
			}
			g, err := c.Groups().Create(cmd.Context(), args[0], clusapi.CreateGroupOptions{PreferredOwners: owners, Properties: pl})
			if err != nil {
				return err
			}
			if a.jsonOut() {
				return a.printGroup(g, nil)
			}
			_, err = fmt.Fprintf(a.stdout, "created group %s\n", g.Name)
			return err
		},
	}
	c.Flags().StringArrayVar(&owners, "preferred-owner", nil, "preferred owner node, in order; repeatable")
	c.Flags().StringArrayVar(&props, "prop", nil, propUsage)
	return c
}

func (a *app) groupDelete() *cobra.Command {
	var force bool
	c := &cobra.Command{
		Use:   "delete NAME",
		Short: "Delete a group",
		Long:  "Delete a group. It must have no resources, unless --force, which deletes its resources too (they must be offline).",
		Args:  exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.cluster()
			if err != nil {
				return err
			}
			if err := c.Groups().Delete(cmd.Context(), args[0], force); err != nil {
				return err
			}
			return a.printDone(subjectGroup, args[0], "deleted group")
		},
	}
	c.Flags().BoolVar(&force, "force", false, "delete the group's resources too")
	return c
}

func (a *app) groupList() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List groups",
		Args:  exactArgs(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := a.cluster()
			if err != nil {
				return err
			}
			groups, err := c.Groups().List(cmd.Context())
			if err != nil {
				return err
			}
			res, err := c.Resources().List(cmd.Context(), "")
			if err != nil {
				return err
			}
			byGroup := map[string][]clusapi.Resource{}
			for _, r := range res {
				byGroup[r.Group] = append(byGroup[r.Group], r)
			}
			if a.jsonOut() {
				out := []groupJSON{}
				for _, g := range groups {
					out = append(out, toGroupJSON(&g, byGroup[g.Name]))
				}
				return a.printJSON(out)
			}
			var rows [][]string
			for _, g := range groups {
				rs := byGroup[g.Name]
				online := 0
				for _, r := range rs {
					if r.State == clusapi.ClusterResourceOnline {
						online++
					}
				}
				rows = append(rows, []string{
					g.Name, g.State.String(), orDash(g.OwnerNode),
					fmt.Sprintf("%d/%d", online, len(rs)), persistentName(g.PersistentState),
					list(g.PreferredOwners),
				})
			}
			return table(a.stdout, []string{"NAME", "STATE", "OWNER", "ONLINE", "PERSISTENT", "PREFERRED OWNERS"}, rows)
		},
	}
}

func (a *app) groupShow() *cobra.Command {
	return &cobra.Command{
		Use:   "show NAME",
		Short: "Show a group: state, owners, resources and properties",
		Args:  exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.cluster()
			if err != nil {
				return err
			}
			g, err := c.Groups().Get(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			res, err := c.Resources().List(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return a.printGroup(g, res)
		},
	}
}

// printGroup prints one group in full, with its resources.
func (a *app) printGroup(g *clusapi.Group, resources []clusapi.Resource) error {
	j := toGroupJSON(g, resources)
	if a.jsonOut() {
		return a.printJSON(j)
	}
	if err := block(a.stdout, []kv{
		{"name", j.Name},
		{"id", j.ID},
		{"state", fmt.Sprintf("%s (%d)", j.State, j.StateCode)},
		{"owner node", orDash(j.OwnerNode)},
		{"persistent state", persistentName(j.PersistentState)},
		{"preferred owners", list(j.PreferredOwners)},
		{"failovers", failoverLine(j)},
		{"status information", groupStatusText(j.StatusInformation)},
		{"queued move", queuedMoveLine(j.QueuedMove)},
		{"last operation", orDash(g.LastOperationID)},
	}); err != nil {
		return err
	}
	if len(j.Resources) == 0 {
		fmt.Fprintln(a.stdout, "resources: (none)")
	} else {
		fmt.Fprintln(a.stdout, "resources:")
		var rows [][]string
		for _, r := range j.Resources {
			restarts := "0"
			if len(r.Restarts) > 0 {
				restarts = fmt.Sprintf("%d until %s", len(r.Restarts), r.RestartCountExpires)
			}
			rows = append(rows, []string{"  " + r.Name, r.Type, r.State, yesNo(r.Locked), restarts})
		}
		if err := table(a.stdout, []string{"  NAME", "TYPE", "STATE", "LOCKED", "RESTARTS"}, rows); err != nil {
			return err
		}
	}
	propLines(a.stdout, "properties", j.Properties)
	return nil
}

func (a *app) groupState() *cobra.Command {
	return &cobra.Command{
		Use:   "state NAME",
		Short: "Show a group's state and owner node (GetClusterGroupState)",
		Args:  exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.cluster()
			if err != nil {
				return err
			}
			m, err := c.Groups().State(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if a.jsonOut() {
				return a.printJSON(groupStateJSON{
					Name: m.Name, State: m.State.String(), StateCode: int32(m.State), OwnerNode: m.OwnerNode,
				})
			}
			return block(a.stdout, []kv{
				{"name", m.Name},
				{"state", fmt.Sprintf("%s (%d)", m.State.String(), int32(m.State))},
				{"owner node", orDash(m.OwnerNode)},
				{"resources", fmt.Sprintf("%d online, %d offline, %d in all", m.ResourcesOnline, m.ResourcesOffline, m.ResourcesTotal)},
			})
		},
	}
}

func (a *app) groupSet() *cobra.Command {
	var props []string
	c := &cobra.Command{
		Use:   "set NAME --prop NAME=KIND:VALUE...",
		Short: "Set a group's common properties (failover policy)",
		Args:  exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(props) == 0 {
				return usageErrorf("give at least one --prop NAME=KIND:VALUE")
			}
			pl, err := parseProps(props)
			if err != nil {
				return err
			}
			c, err := a.cluster()
			if err != nil {
				return err
			}
			g, err := c.Groups().SetProperties(cmd.Context(), args[0], pl)
			if err != nil {
				return err
			}
			if a.jsonOut() {
				res, err := c.Resources().List(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				return a.printGroup(g, res)
			}
			_, err = fmt.Fprintf(a.stdout, "set %d propert%s of group %s\n", len(props), plural(len(props), "y", "ies"), args[0])
			return err
		},
	}
	c.Flags().StringArrayVar(&props, "prop", nil, propUsage)
	return c
}

func (a *app) groupNodes() *cobra.Command {
	return &cobra.Command{
		Use:   "nodes NAME [NODE...]",
		Short: "Set a group's preferred owners, in order (SetClusterGroupNodeList)",
		Long:  "Set a group's preferred owners, in order (SetClusterGroupNodeList). No NODE clears the list.",
		Args:  minArgs(1, "NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.cluster()
			if err != nil {
				return err
			}
			if err := c.Groups().SetNodeList(cmd.Context(), args[0], args[1:]); err != nil {
				return err
			}
			return a.printDone(subjectGroup, args[0], "set preferred owners of group")
		},
	}
}

// printDone reports a change that answered ERROR_SUCCESS: the operation
// shape in JSON, "what NAME" in text.
func (a *app) printDone(subject opSubject, name, what string) error {
	if a.jsonOut() {
		return a.printJSON(done(subject, name))
	}
	_, err := fmt.Fprintf(a.stdout, "%s %s\n", what, name)
	return err
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// failoverLine says how many failovers count against the threshold now,
// and until when.
func failoverLine(j groupJSON) string {
	if len(j.Failovers) == 0 {
		return "none in the failover period"
	}
	return fmt.Sprintf("%d in the failover period (the oldest counts until %s)", len(j.Failovers), j.FailoverCountExpires)
}

// queuedMoveLine says which move waits in the group's queue, and for what.
func queuedMoveLine(q *queuedMoveJSON) string {
	if q == nil {
		return "-"
	}
	to := "the best node"
	if q.To != "" {
		to = q.To
	}
	return fmt.Sprintf("to %s, operation %s, waiting since %s: %s (without the queue flag: %s (%d))",
		to, q.OperationID, orDash(q.Since), q.Blocker, q.CodeName, q.Code)
}

// restartLine says how many restarts count against RestartThreshold now,
// and until when.
func restartLine(restarts []string, expires string, common proplist.List) string {
	if len(restarts) == 0 {
		return "none within RestartPeriod"
	}
	limit := ""
	if n, ok := common.DWORD("RestartThreshold"); ok {
		limit = fmt.Sprintf("RestartThreshold %d; ", n)
	}
	return fmt.Sprintf("%d within RestartPeriod (%sthe oldest counts until %s)", len(restarts), limit, expires)
}
