package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/batoncluster/baton/clusapi"
	"github.com/batoncluster/baton/proplist"
)

// resourceCommand is `baton resource`: the clusapi *ClusterResource* calls.
func (a *app) resourceCommand() *cobra.Command {
	verbs := []*cobra.Command{
		a.resourceCreate(), a.resourceDelete(), a.resourceList(), a.resourceShow(),
		a.resourceState(), a.resourceSet(),
		a.resourceDepend(), a.resourceFail(), a.resourceRestart(), a.resourceMoveToGroup(), a.resourceRename(),
		a.resourceDependencyExpression(), a.resourceOwners(),
	}
	// online, offline: the table of state changes (opverbs.go).
	return noun("resource", "Manage resources: the things a group keeps running", append(verbs, a.opCommands("resource")...)...)
}

func (a *app) resourceCreate() *cobra.Command {
	var (
		group, typ string
		props, dep []string
	)
	c := &cobra.Command{
		Use:   "create NAME --group GROUP --type TYPE",
		Short: "Create a resource in a group",
		Long: `Create a resource in a group. --prop sets common properties (RestartAction,
PendingTimeout, ...) and private properties of the type ('baton type show
TYPE' lists them) alike.`,
		Args: exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			pl, err := parseProps(props)
			if err != nil {
				return err
			}
			c, err := a.cluster()
			if err != nil {
				return err
			}
			r, err := c.Resources().Create(cmd.Context(), args[0], group, typ, clusapi.CreateResourceOptions{DependsOn: dep, Properties: pl})
			if err != nil {
				return err
			}
			if a.jsonOut() {
				return a.printResource(r)
			}
			_, err = fmt.Fprintf(a.stdout, "created resource %s in group %s\n", r.Name, group)
			return err
		},
	}
	f := c.Flags()
	f.StringVar(&group, "group", "", "group to create the resource in (required)")
	f.StringVar(&typ, "type", "", "resource type, e.g. dummy (required; 'baton type list')")
	f.StringArrayVar(&props, "prop", nil, propUsage)
	f.StringArrayVar(&dep, "depends-on", nil, "resource this one depends on; repeatable")
	_ = c.MarkFlagRequired("group")
	_ = c.MarkFlagRequired("type")
	return c
}

func (a *app) resourceDelete() *cobra.Command {
	return &cobra.Command{
		Use:   "delete NAME",
		Short: "Delete a resource (it must be offline)",
		Args:  exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.cluster()
			if err != nil {
				return err
			}
			if err := c.Resources().Delete(cmd.Context(), args[0]); err != nil {
				return err
			}
			return a.printDone(subjectResource, args[0], "deleted resource")
		},
	}
}

func (a *app) resourceList() *cobra.Command {
	var group string
	c := &cobra.Command{
		Use:   "list",
		Short: "List resources",
		Args:  exactArgs(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := a.cluster()
			if err != nil {
				return err
			}
			resources, err := c.Resources().List(cmd.Context(), group)
			if err != nil {
				return err
			}
			if a.jsonOut() {
				out := []resourceJSON{}
				for _, r := range resources {
					out = append(out, toResourceJSON(&r))
				}
				return a.printJSON(out)
			}
			var rows [][]string
			for _, r := range resources {
				locked := "-"
				if r.Locked {
					locked = "yes"
					if r.LockedReason != "" {
						locked += " (" + r.LockedReason + ")"
					}
				}
				rows = append(rows, []string{
					r.Name, r.Group, r.Type, r.State.String(),
					orDash(r.OwnerNode), locked, list(r.DependsOn),
				})
			}
			return table(a.stdout, []string{"NAME", "GROUP", "TYPE", "STATE", "OWNER", "LOCKED", "DEPENDS ON"}, rows)
		},
	}
	c.Flags().StringVar(&group, "group", "", "only the resources of this group")
	return c
}

func (a *app) resourceShow() *cobra.Command {
	return &cobra.Command{
		Use:   "show NAME",
		Short: "Show a resource: state, locked mode, dependencies, properties and status",
		Args:  exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.cluster()
			if err != nil {
				return err
			}
			r, err := c.Resources().Get(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return a.printResource(r)
		},
	}
}

// printResource prints one resource in full.
func (a *app) printResource(r *clusapi.Resource) error {
	j := toResourceJSON(r)
	if a.jsonOut() {
		return a.printJSON(j)
	}
	locked := yesNo(j.Locked)
	if j.Locked && j.LockedReason != "" {
		locked += " (" + j.LockedReason + ")"
	}
	dependsOn := list(j.DependsOn)
	if j.DependencyExpression != "" {
		dependsOn = j.DependencyExpression
	}
	lines := []kv{
		{"name", j.Name},
		{"id", j.ID},
		{"group", j.Group},
		{"type", j.Type},
		{"state", fmt.Sprintf("%s (%d)", j.State, j.StateCode)},
		{"owner node", orDash(j.OwnerNode)},
		{"locked", locked},
		{"persistent state", persistentName(j.PersistentState)},
		{"depends on", dependsOn},
		{"restarts", restartLine(j.Restarts, j.RestartCountExpires, j.CommonProperties)},
	}
	if j.PossibleOwners != nil {
		owners := list(*j.PossibleOwners)
		if len(*j.PossibleOwners) == 0 {
			owners = "none"
		}
		lines = append(lines, kv{"possible owners", owners})
	}
	if j.LastError != "" {
		lines = append(lines, kv{"last error", j.LastError})
	}
	if u := usageLine(j.Status); u != "" {
		lines = append(lines, kv{"processes", u})
	}
	if err := block(a.stdout, lines); err != nil {
		return err
	}
	propLines(a.stdout, "properties", j.Properties)
	propLines(a.stdout, "common properties", j.CommonProperties)
	propLines(a.stdout, "status", j.Status)
	return nil
}

func (a *app) resourceState() *cobra.Command {
	return &cobra.Command{
		Use:   "state NAME",
		Short: "Show a resource's state, owner node and locked mode (GetClusterResourceState)",
		Args:  exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.cluster()
			if err != nil {
				return err
			}
			m, err := c.Resources().State(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			j := resourceStateJSON{
				Name: m.Name, Group: m.Group,
				State: m.State.String(), StateCode: int32(m.State), OwnerNode: m.OwnerNode,
				Locked: m.Locked, LockedReason: m.LockedReason,
			}
			if a.jsonOut() {
				return a.printJSON(j)
			}
			locked := yesNo(j.Locked)
			if j.Locked && j.LockedReason != "" {
				locked += " (" + j.LockedReason + ")"
			}
			return block(a.stdout, []kv{
				{"name", j.Name},
				{"group", j.Group},
				{"state", fmt.Sprintf("%s (%d)", j.State, j.StateCode)},
				{"owner node", orDash(j.OwnerNode)},
				{"locked", locked},
			})
		},
	}
}

func (a *app) resourceSet() *cobra.Command {
	var props []string
	c := &cobra.Command{
		Use:   "set NAME --prop NAME=KIND:VALUE...",
		Short: "Set a resource's common and private properties",
		Long: `Set a resource's common properties (RestartAction, PendingTimeout, ...) and
private properties (anything else) in one change; returns once the hosting
node has applied them.`,
		Args: exactArgs("NAME"),
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
			r, err := c.Resources().SetProperties(cmd.Context(), args[0], pl)
			if err != nil {
				return err
			}
			if a.jsonOut() {
				return a.printResource(r)
			}
			_, err = fmt.Fprintf(a.stdout, "set %d propert%s of resource %s\n", len(props), plural(len(props), "y", "ies"), args[0])
			return err
		},
	}
	c.Flags().StringArrayVar(&props, "prop", nil, propUsage)
	return c
}

func (a *app) resourceDepend() *cobra.Command {
	var (
		on     string
		remove bool
	)
	c := &cobra.Command{
		Use:   "depend NAME --on RESOURCE [--remove]",
		Short: "Make a resource depend on another (or, with --remove, no longer)",
		Args:  exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.cluster()
			if err != nil {
				return err
			}
			name := args[0]
			if remove {
				if err := c.Resources().RemoveDependency(cmd.Context(), name, on); err != nil {
					return err
				}
				return a.printDone(subjectResource, name, fmt.Sprintf("removed dependency on %s from resource", on))
			}
			if err := c.Resources().AddDependency(cmd.Context(), name, on); err != nil {
				return err
			}
			return a.printDone(subjectResource, name, fmt.Sprintf("added dependency on %s to resource", on))
		},
	}
	c.Flags().StringVar(&on, "on", "", "the resource depended on (required)")
	c.Flags().BoolVar(&remove, "remove", false, "remove the dependency instead of adding it")
	_ = c.MarkFlagRequired("on")
	return c
}

// usageLine summarizes what the processes in the resource's cgroup use,
// from the status properties its node's host adds (Processes,
// MemoryBytes, Cgroup); "" when there are none (a node without cgroups).
func usageLine(status proplist.List) string {
	n, ok := status.DWORD("Processes")
	if !ok {
		return ""
	}
	line := fmt.Sprintf("%d", n)
	if m, ok := status.Get("MemoryBytes"); ok && len(m.Values) > 0 && n > 0 {
		line += fmt.Sprintf(", %.1f MiB", float64(m.Values[0].Uint)/(1<<20))
	}
	if cg, ok := status.String("Cgroup"); ok {
		line += " in cgroup " + cg
	}
	return line
}
