package cli

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/batoncluster/baton/clusapi"
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

func toEventJSON(ev clusapi.Event) eventJSON {
	j := eventJSON{Revision: ev.Revision, Kind: ev.Kind, Action: ev.Action, Name: ev.Name, Group: ev.Group,
		Change: ev.Change, ChangeName: ev.ChangeName}
	switch ev.Kind {
	case "resourceState", "groupState":
		j.State, j.StateCode = ev.StateName, &ev.State
	case "node":
		// A node's state comes with the node; a deleted node has none.
		if ev.StateName != "" {
			j.State, j.StateCode = ev.StateName, &ev.State
		}
	case "operation":
		if ev.Operation != nil {
			j.Outcome = ev.Operation.Outcome
			j.Name = ev.Operation.Kind + " " + ev.Operation.ID
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
			cl, err := a.cluster()
			if err != nil {
				return err
			}
			stream, err := cl.Watch(cmd.Context(), clusapi.WatchOptions{SinceRevision: since, Group: group})
			if err != nil {
				return err
			}
			defer stream.Close()
			if !a.jsonOut() {
				fmt.Fprintf(a.stdout, "%-8s %-14s %-7s %-24s %-16s %s\n", "REV", "KIND", "ACTION", "NAME", "GROUP", "STATE / CHANGE")
			}
			n := 0
			for {
				ev, err := stream.Next()
				if err != nil {
					if cmd.Context().Err() != nil || errors.Is(err, io.EOF) {
						return nil // interrupted, or the agent ended the stream: a normal end
					}
					return err
				}
				j := toEventJSON(ev)
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
		},
	}
	c.Flags().Int64Var(&since, "since", 0, "start after this database revision (default: from now on)")
	c.Flags().StringVar(&group, "group", "", "only events about this group and its resources")
	c.Flags().IntVar(&count, "count", 0, "stop after this many events (default: until interrupted)")
	return c
}
