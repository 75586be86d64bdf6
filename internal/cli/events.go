package cli

import (
	"errors"
	"fmt"

	"connectrpc.com/connect"
	"github.com/spf13/cobra"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
)

// eventJSON is one event of `baton events -o json`, one per line.
type eventJSON struct {
	Revision   int64  `json:"revision"`
	Kind       string `json:"kind"`
	Action     string `json:"action,omitempty"`
	Name       string `json:"name,omitempty"`
	Group      string `json:"group,omitempty"`
	Change     uint32 `json:"change,omitempty"`
	ChangeName string `json:"changeName,omitempty"`
	State      string `json:"state,omitempty"`
	StateCode  *int32 `json:"stateCode,omitempty"`
	Outcome    string `json:"outcome,omitempty"`
}

func toEventJSON(ev *batonv1.Event) eventJSON {
	j := eventJSON{Revision: ev.Revision, Kind: ev.Kind, Action: ev.Action, Name: ev.Name, Group: ev.Group,
		Change: ev.ClusterChange, ChangeName: ev.ClusterChangeName}
	switch ev.Kind {
	case "resourceState", "groupState":
		j.State, j.StateCode = ev.StateName, &ev.State
	case "node":
		if ev.Node != nil {
			j.State, j.StateCode = ev.Node.StateName, &ev.Node.State
		}
	case "operation":
		if ev.Operation != nil {
			j.Outcome = ev.Operation.Outcome
			j.Name = ev.Operation.Kind + " " + ev.Operation.Id
		}
	}
	return j
}

func (a *app) eventsCommand() *cobra.Command {
	var since int64
	var group string
	var count int
	c := &cobra.Command{
		Use:   "events",
		Short: "Print changes to the cluster as they happen",
		Long: `Print every change to nodes, groups, resources, operations and access
control as it happens, each with the database revision it happened at.

Start after a revision with --since to miss nothing since then (the first
line, kind "sync", says which revision the stream starts after); if that
revision is no longer kept, the command fails with
ERROR_CLUSTER_DATABASE_SEQMISMATCH and names the oldest one.`,
		Args: exactArgs(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if since < 0 || count < 0 {
				return usageErrorf("--since and --count must not be negative")
			}
			cl, err := a.client()
			if err != nil {
				return err
			}
			stream, err := cl.Events.Watch(cmd.Context(), connect.NewRequest(&batonv1.WatchRequest{SinceRevision: since, Group: group}))
			if err != nil {
				return err
			}
			defer stream.Close()
			if !a.jsonOut() {
				fmt.Fprintf(a.stdout, "%-8s %-14s %-7s %-24s %-16s %s\n", "REV", "KIND", "ACTION", "NAME", "GROUP", "STATE / CHANGE")
			}
			n := 0
			for stream.Receive() {
				j := toEventJSON(stream.Msg())
				if a.jsonOut() {
					if err := a.printJSON(j); err != nil {
						return err
					}
				} else {
					detail := j.ChangeName
					if j.State != "" {
						detail = j.State
					} else if j.Outcome != "" {
						detail = j.Outcome
					}
					fmt.Fprintf(a.stdout, "%-8d %-14s %-7s %-24s %-16s %s\n", j.Revision, j.Kind, j.Action, clip(j.Name, 24), orDash(j.Group), detail)
				}
				if j.Kind != "sync" {
					n++
				}
				if count > 0 && n >= count {
					return nil
				}
			}
			err = stream.Err()
			if cmd.Context().Err() != nil || errors.Is(err, cmd.Context().Err()) {
				return nil // interrupted: a normal end
			}
			return err
		},
	}
	c.Flags().Int64Var(&since, "since", 0, "start after this database revision (default: from now on)")
	c.Flags().StringVar(&group, "group", "", "only events about this group and its resources")
	c.Flags().IntVar(&count, "count", 0, "stop after this many events (default: until interrupted)")
	return c
}
