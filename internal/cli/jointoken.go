package cli

import (
	"fmt"
	"time"

	"connectrpc.com/connect"
	"github.com/spf13/cobra"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
)

// joinTokenCommand is `baton cluster join-token`: the tokens that admit
// new nodes (`baton agent --join IP --join-token TOKEN`).
func (a *app) joinTokenCommand() *cobra.Command {
	return noun("join-token", "Create, list and delete the tokens that admit new nodes",
		a.joinTokenCreate(), a.joinTokenList(), a.joinTokenDelete())
}

type joinTokenJSON struct {
	ID          string    `json:"id"`
	CAHash      string    `json:"caHash"`
	Created     time.Time `json:"created"`
	Expires     time.Time `json:"expires"`
	CreatedBy   string    `json:"createdBy"`
	Description string    `json:"description,omitempty"`
	Token       string    `json:"token,omitempty"` // on create only
}

func joinTokenOf(t *batonv1.JoinToken) joinTokenJSON {
	return joinTokenJSON{ID: t.GetId(), CAHash: t.GetCaHash(), Created: time.Unix(0, t.GetCreatedUnixNano()).UTC(),
		Expires: time.Unix(0, t.GetExpiresUnixNano()).UTC(), CreatedBy: t.GetCreatedBy(), Description: t.GetDescription()}
}

func (a *app) joinTokenCreate() *cobra.Command {
	var ttl time.Duration
	var desc string
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Make a token that admits nodes until it expires; prints the token alone",
		Long: `Make a join token. A new node starts with

  baton agent --name NAME --data-dir DIR --advertise IP --join ADDRESS --join-token TOKEN

where ADDRESS is any running node's API (IP[:7410]). The token names the
cluster CA's hash, so the new node verifies the cluster before it sends
anything, and its secret proves the right to join. Anyone holding the token
can add a node until it expires (or 'baton cluster join-token delete ID'):
keep it as secret as a root password.`,
		Args: exactArgs(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if ttl < time.Minute {
				return usageErrorf("--ttl %v: at least 1m", ttl)
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			resp, err := c.Join.CreateJoinToken(cmd.Context(), connect.NewRequest(&batonv1.CreateJoinTokenRequest{
				TtlSeconds: int64(ttl / time.Second), Description: desc}))
			if err != nil {
				return err
			}
			if a.jsonOut() {
				j := joinTokenOf(resp.Msg.GetInfo())
				j.Token = resp.Msg.GetToken()
				return a.printJSON(j)
			}
			_, err = fmt.Fprintln(a.stdout, resp.Msg.GetToken())
			return err
		},
	}
	cmd.Flags().DurationVar(&ttl, "ttl", 24*time.Hour, "how long the token admits nodes (at most 8760h)")
	cmd.Flags().StringVar(&desc, "description", "", "a note kept with the token")
	return cmd
}

func (a *app) joinTokenList() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the live join tokens (never their secrets)",
		Args:  exactArgs(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			resp, err := c.Join.ListJoinTokens(cmd.Context(), connect.NewRequest(&batonv1.ListJoinTokensRequest{}))
			if err != nil {
				return err
			}
			out := []joinTokenJSON{}
			for _, t := range resp.Msg.GetTokens() {
				out = append(out, joinTokenOf(t))
			}
			if a.jsonOut() {
				return a.printJSON(out)
			}
			var rows [][]string
			for _, t := range out {
				rows = append(rows, []string{t.ID, t.Expires.Format(time.RFC3339), t.CreatedBy, t.Description})
			}
			return table(a.stdout, []string{"ID", "EXPIRES", "CREATED BY", "DESCRIPTION"}, rows)
		},
	}
}

func (a *app) joinTokenDelete() *cobra.Command {
	return &cobra.Command{
		Use:   "delete ID",
		Short: "Revoke a join token at once",
		Args:  exactArgs("ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			_, err = c.Join.DeleteJoinToken(cmd.Context(), connect.NewRequest(&batonv1.DeleteJoinTokenRequest{Id: args[0]}))
			return err
		},
	}
}
