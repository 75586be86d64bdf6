package cli

import (
	"fmt"
	"strings"
	"time"

	"connectrpc.com/connect"
	"github.com/spf13/cobra"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
	"github.com/batoncluster/baton/proplist"
)

type reasonJSON struct {
	Resource string `json:"resource,omitempty"`
	Code     string `json:"code"`
	Text     string `json:"text"`
}

type whyJSON struct {
	Name      string       `json:"name"`
	State     string       `json:"state"`
	StateCode int32        `json:"stateCode"`
	OwnerNode string       `json:"ownerNode"`
	Summary   string       `json:"summary"`
	Reasons   []reasonJSON `json:"reasons"`
}

func (a *app) groupWhy() *cobra.Command {
	return &cobra.Command{
		Use:   "why NAME",
		Short: "Explain in words why a group is in its state",
		Long: `Explain why a group is in its state: which resource is pending and for how
long against its PendingTimeout and what it waits for, which is locked and
why, what failed, how many restarts are left and when they expire, and where
the group runs against its preferred owners.`,
		Args: exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			resp, err := c.Groups.ExplainGroup(cmd.Context(), connect.NewRequest(&batonv1.ExplainGroupRequest{Group: groupRef(args[0])}))
			if err != nil {
				return err
			}
			m := resp.Msg
			j := whyJSON{Name: m.Name, State: m.StateName, StateCode: m.State, OwnerNode: m.OwnerNode, Summary: m.Summary, Reasons: []reasonJSON{}}
			for _, r := range m.Reasons {
				j.Reasons = append(j.Reasons, reasonJSON{Resource: r.Resource, Code: r.Code, Text: r.Text})
			}
			if a.jsonOut() {
				return a.printJSON(j)
			}
			fmt.Fprintf(a.stdout, "%s is %s on %s: %s.\n", j.Name, j.State, orDash(j.OwnerNode), j.Summary)
			for _, r := range j.Reasons {
				who := "group"
				if r.Resource != "" {
					who = r.Resource
				}
				fmt.Fprintf(a.stdout, "  - %s: %s\n", who, r.Text)
			}
			return nil
		},
	}
}

type historyJSON struct {
	ID       string        `json:"id"`
	Kind     string        `json:"kind"`
	Resource string        `json:"resource,omitempty"`
	Flags    uint32        `json:"flags"`
	Params   proplist.List `json:"params,omitempty"`
	Caller   string        `json:"caller"`
	Created  string        `json:"created"`
	Finished string        `json:"finished,omitempty"`
	Duration string        `json:"duration,omitempty"`
	Outcome  string        `json:"outcome"`
}

func toHistoryJSON(op *batonv1.Operation) historyJSON {
	j := historyJSON{ID: op.Id, Kind: op.Kind, Resource: op.Resource, Flags: op.Flags, Caller: op.Caller,
		Created: time.Unix(0, op.CreatedUnixNano).UTC().Format(time.RFC3339Nano), Outcome: op.Outcome}
	if j.Outcome == "" {
		j.Outcome = "in progress"
	}
	if len(op.InBuffer) > 0 {
		if l, err := proplist.Unmarshal(op.InBuffer); err == nil {
			j.Params = l
		}
	}
	if op.FinishedUnixNano != 0 {
		j.Finished = time.Unix(0, op.FinishedUnixNano).UTC().Format(time.RFC3339Nano)
		j.Duration = time.Duration(op.FinishedUnixNano - op.CreatedUnixNano).Round(time.Millisecond).String()
	}
	return j
}

func (a *app) groupHistory() *cobra.Command {
	return &cobra.Command{
		Use:   "history NAME",
		Short: "List a group's operations: who, what, flags, parameters, outcome, timings",
		Args:  exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			resp, err := c.Groups.ListOperations(cmd.Context(), connect.NewRequest(&batonv1.ListOperationsRequest{Group: groupRef(args[0])}))
			if err != nil {
				return err
			}
			out := []historyJSON{}
			for _, op := range resp.Msg.Operations {
				out = append(out, toHistoryJSON(op))
			}
			if a.jsonOut() {
				return a.printJSON(out)
			}
			var rows [][]string
			for _, h := range out {
				var params []string
				for _, p := range h.Params {
					params = append(params, proplist.FormatParam(p))
				}
				what := h.Kind
				if h.Resource != "" {
					what += " " + h.Resource
				}
				rows = append(rows, []string{h.Created[:19], what, fmt.Sprintf("0x%x", h.Flags), orDash(strings.Join(params, "; ")), h.Caller, h.Outcome, orDash(h.Duration)})
			}
			return table(a.stdout, []string{"WHEN (UTC)", "OPERATION", "FLAGS", "PARAMETERS", "WHO", "OUTCOME", "TOOK"}, rows)
		},
	}
}
