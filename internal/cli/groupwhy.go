package cli

import (
	"fmt"
	"io"
	"strings"
	"time"

	"connectrpc.com/connect"
	"github.com/spf13/cobra"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
	"github.com/batoncluster/baton/clusapi"
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

func groupRef(name string) *batonv1.GroupRef { return &batonv1.GroupRef{Name: name} }

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

// operationJSON is an operation record: the element of `group history`,
// and the "operation" of a `group move --wait` answer.
type operationJSON struct {
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
	// From and To are a move's source and destination nodes.
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
	// Error is the Win32 code the operation ended with, when it did not
	// succeed and there is one to tell; Detail says why in words.
	Error     uint32 `json:"error,omitempty"`
	ErrorName string `json:"errorName,omitempty"`
	Detail    string `json:"detail,omitempty"`
	// Recovery is the operation that takes back a move that failed on its
	// destination (flag 0x2 or 0x10), or "policy".
	Recovery string `json:"recovery,omitempty"`
}

func toOperationJSON(op *clusapi.OperationRecord) operationJSON {
	j := operationJSON{ID: op.ID, Kind: op.Kind, Resource: op.Resource, Flags: op.Flags, Caller: op.Caller,
		Created: op.Created.UTC().Format(time.RFC3339Nano), Outcome: op.Outcome,
		From: op.From, To: op.To, Error: uint32(op.Error), Detail: op.Detail, Recovery: op.Recovery}
	if j.Outcome == "" {
		j.Outcome = "in progress"
	}
	if j.Error != 0 {
		j.ErrorName = clusapi.Errno(j.Error).String()
	}
	if len(op.InBuffer) > 0 {
		if l, err := proplist.Unmarshal(op.InBuffer); err == nil {
			j.Params = l
		}
	}
	if !op.Finished.IsZero() {
		j.Finished = op.Finished.UTC().Format(time.RFC3339Nano)
		j.Duration = op.Finished.Sub(op.Created).Round(time.Millisecond).String()
	}
	return j
}

// nodes says where a move went: "node1 → node2", "from node1" while a
// queued move to the best node has no destination yet; "" for others.
func (j operationJSON) nodes() string {
	switch {
	case j.From != "" && j.To != "":
		return j.From + " → " + j.To
	case j.From != "":
		return "from " + j.From
	case j.To != "":
		return "to " + j.To
	}
	return ""
}

// outcome is the outcome with the error code, if any: "failed (5038)".
func (j operationJSON) outcome() string {
	if j.Error != 0 {
		return fmt.Sprintf("%s (%d)", j.Outcome, j.Error)
	}
	return j.Outcome
}

// details writes, for an operation with an error, a detail or a recovery,
// those in full (a table cell would cut them short).
func (j operationJSON) details(w io.Writer, indent string) {
	if j.Error != 0 {
		fmt.Fprintf(w, "%serror:    %s (%d)\n", indent, j.ErrorName, j.Error)
	}
	if j.Detail != "" {
		fmt.Fprintf(w, "%sdetail:   %s\n", indent, j.Detail)
	}
	if j.Recovery != "" {
		fmt.Fprintf(w, "%srecovery: %s\n", indent, j.Recovery)
	}
}

func (j operationJSON) hasDetails() bool { return j.Error != 0 || j.Detail != "" || j.Recovery != "" }

func (a *app) groupHistory() *cobra.Command {
	return &cobra.Command{
		Use:   "history NAME",
		Short: "List a group's operations: who, what, nodes, flags, parameters, outcome and error, timings",
		Args:  exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.cluster()
			if err != nil {
				return err
			}
			list, err := c.Groups().Operations(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			out := []operationJSON{}
			for _, op := range list {
				out = append(out, toOperationJSON(&op))
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
				rows = append(rows, []string{h.Created[:19], what, orDash(h.nodes()), fmt.Sprintf("0x%x", h.Flags), orDash(strings.Join(params, "; ")), h.Caller, h.outcome(), orDash(h.Duration)})
			}
			if err := table(a.stdout, []string{"WHEN (UTC)", "OPERATION", "NODES", "FLAGS", "PARAMETERS", "WHO", "OUTCOME", "TOOK"}, rows); err != nil {
				return err
			}
			first := true
			for _, h := range out {
				if !h.hasDetails() {
					continue
				}
				if first {
					fmt.Fprintln(a.stdout, "details:")
					first = false
				}
				fmt.Fprintf(a.stdout, "  %s %s, operation %s:\n", h.Created[:19], h.Kind, h.ID)
				h.details(a.stdout, "    ")
			}
			return nil
		},
	}
}
