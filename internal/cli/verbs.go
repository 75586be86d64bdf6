package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/batoncluster/baton/clusapi"
)

// The verbs of issue 14, item 10 (VerbService): fail and restart a
// resource, cancel a group's queued move, move a resource to another
// group, rename a group.

func (a *app) resourceFail() *cobra.Command {
	return &cobra.Command{
		Use:   "fail NAME",
		Short: "Fail an online resource, as if its health check failed (FailClusterResource)",
		Long: `Fail an online resource on the node that hosts it, as if its health check
had failed: its RestartAction, RestartThreshold and RestartPeriod decide
whether it is restarted there or stays failed and its group fails over. For
testing the failover policy. The command returns once the request is
recorded; 'baton resource state NAME' shows what the node did.`,
		Args: exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.cluster()
			if err != nil {
				return err
			}
			if err := c.Resources().Fail(cmd.Context(), args[0]); err != nil {
				return err
			}
			return a.printDone(subjectResource, args[0], "failed resource")
		},
	}
}

func (a *app) resourceRestart() *cobra.Command {
	var flags uint32
	c := &cobra.Command{
		Use:   "restart NAME",
		Short: "Restart an online resource and what depends on it (RestartClusterResource)",
		Long: `Take an online resource offline and bring it back, with the resources that
depend on it (offline first, back after it), their persistent state
unchanged. The command returns once the offline is done and the resources
are on their way back (ERROR_SUCCESS and the operation that brings them
back); 'baton resource state NAME' shows when it is online again.`,
		Args: exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.cluster()
			if err != nil {
				return err
			}
			op, err := c.Resources().Restart(cmd.Context(), args[0], flags)
			if err != nil {
				return err
			}
			return a.printOp(opResult(subjectResource, args[0], op.Status, op.ID))
		},
	}
	c.Flags().Uint32Var(&flags, "flags", 0, "dwFlags: reserved, 0")
	return c
}

func (a *app) groupCancel() *cobra.Command {
	var flags uint32
	c := &cobra.Command{
		Use:   "cancel NAME",
		Short: "Cancel the move waiting in a group's queue (CancelClusterGroupOperation)",
		Long: `Cancel the move waiting in a group's queue (one made with 'baton group move
--queue' that policy blocks). The group stays where it is; the move's
operation ends failed, marked cancelled ('baton group history NAME').`,
		Args: exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.cluster()
			if err != nil {
				return err
			}
			id, err := c.Groups().CancelOperation(cmd.Context(), args[0], flags)
			if err != nil {
				return err
			}
			return a.printOp(opResult(subjectGroup, args[0], clusapi.ERROR_SUCCESS, id))
		},
	}
	c.Flags().Uint32Var(&flags, "flags", 0, "dwCancelFlags: reserved, 0")
	return c
}

// movedJSON is what 'baton resource move-to-group -o json' prints: the
// operation shape with the resources that moved.
type movedJSON struct {
	Resource   string   `json:"resource"`
	Group      string   `json:"group"`
	Status     uint32   `json:"status"`
	StatusName string   `json:"statusName"`
	Moved      []string `json:"moved"`
}

func (a *app) resourceMoveToGroup() *cobra.Command {
	return &cobra.Command{
		Use:   "move-to-group NAME GROUP",
		Short: "Move a resource and its dependency tree to another group (ChangeClusterResourceGroup)",
		Long: `Move a resource into another group, with every resource of its dependency
tree (those it depends on and those that depend on it, directly or not), in
one change. The two groups must be owned by the same node; nothing is
stopped or started: an online resource stays online, now counted in GROUP.
Refused while either group is moving or a resource of the tree is in a
pending state.`,
		Args: exactArgs("NAME", "GROUP"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.cluster()
			if err != nil {
				return err
			}
			moved, err := c.Resources().ChangeGroup(cmd.Context(), args[0], args[1])
			if err != nil {
				return err
			}
			if a.jsonOut() {
				return a.printJSON(movedJSON{Resource: args[0], Group: args[1], StatusName: "ERROR_SUCCESS", Moved: moved})
			}
			_, err = fmt.Fprintf(a.stdout, "moved to group %s: %s\n", args[1], strings.Join(moved, ", "))
			return err
		},
	}
}

func (a *app) resourceRename() *cobra.Command {
	return &cobra.Command{
		Use:   "rename NAME NEW-NAME",
		Short: "Rename a resource (SetClusterResourceName)",
		Long: `Rename a resource. Nothing is stopped or started: the node that hosts it
carries on under the new name, and the resources that depend on it name it
anew. Refused while the resource is in a pending state or its group is
moving.`,
		Args: exactArgs("NAME", "NEW-NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.cluster()
			if err != nil {
				return err
			}
			if err := c.Resources().Rename(cmd.Context(), args[0], args[1]); err != nil {
				return err
			}
			return a.printDone(subjectResource, args[1], "renamed resource "+args[0]+" to")
		},
	}
}

func (a *app) groupRename() *cobra.Command {
	return &cobra.Command{
		Use:   "rename NAME NEW-NAME",
		Short: "Rename a group, online or not (SetClusterGroupName)",
		Long: `Rename a group. It may be online: nothing is stopped or started, and the
node that owns it carries on under the new name; its resources, claim and
history follow. Refused while the group moves, waits in the move queue, or
a resource of it is in a pending state.`,
		Args: exactArgs("NAME", "NEW-NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.cluster()
			if err != nil {
				return err
			}
			if err := c.Groups().Rename(cmd.Context(), args[0], args[1]); err != nil {
				return err
			}
			return a.printDone(subjectGroup, args[1], "renamed group "+args[0]+" to")
		},
	}
}
