package cli

import (
	"fmt"
	"strings"

	"connectrpc.com/connect"
	"github.com/spf13/cobra"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
	"github.com/batoncluster/baton/internal/dial"
)

// aclCommand is `baton acl`: the cluster security descriptor and tokens.
func (a *app) aclCommand() *cobra.Command {
	token := noun("token", "Create and delete bearer tokens for TCP callers",
		a.aclTokenCreate(), a.aclTokenDelete())
	return noun("acl", "Show and change who has Read or Full access to the cluster",
		a.aclList(), a.aclGrant(), a.aclRevoke(), token)
}

// checkAccess validates an --access value: read or full.
func checkAccess(access string) (string, error) {
	switch s := strings.ToLower(access); s {
	case "read", "full":
		return s, nil
	}
	return "", usageErrorf("--access must be read or full, not %q", access)
}

const principalHelp = `PRINCIPAL is unix:user:NAME, unix:group:NAME or token:NAME.`

func (a *app) aclList() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the access entries and tokens",
		Args:  exactArgs(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			resp, err := c.Access.ListAccess(cmd.Context(), connect.NewRequest(&batonv1.ListAccessRequest{}))
			if err != nil {
				return err
			}
			entries := aclEntries(resp.Msg)
			if a.jsonOut() {
				return a.printJSON(entries)
			}
			var rows [][]string
			for _, e := range entries {
				rows = append(rows, []string{e.Principal, e.Access, yesNo(e.Token)})
			}
			return table(a.stdout, []string{"PRINCIPAL", "ACCESS", "TOKEN"}, rows)
		},
	}
}

// aclEntries merges the access entries and the token names into one list:
// a token without an entry is listed with access "none".
func aclEntries(m *batonv1.ListAccessResponse) []aclEntryJSON {
	tokens := map[string]bool{}
	for _, t := range m.GetTokens() {
		tokens["token:"+t] = true
	}
	out := []aclEntryJSON{}
	seen := map[string]bool{}
	for _, e := range m.GetEntries() {
		out = append(out, aclEntryJSON{Principal: e.GetPrincipal(), Access: e.GetAccess(), Token: tokens[e.GetPrincipal()]})
		seen[e.GetPrincipal()] = true
	}
	for _, t := range m.GetTokens() {
		if p := "token:" + t; !seen[p] {
			out = append(out, aclEntryJSON{Principal: p, Access: "none", Token: true})
		}
	}
	return out
}

func (a *app) aclGrant() *cobra.Command {
	var access string
	c := &cobra.Command{
		Use:   "grant PRINCIPAL --access read|full",
		Short: "Grant a principal Read or Full access",
		Long:  "Grant a principal Read or Full access. " + principalHelp,
		Args:  exactArgs("PRINCIPAL"),
		RunE: func(cmd *cobra.Command, args []string) error {
			acc, err := checkAccess(access)
			if err != nil {
				return err
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			if _, err := c.Access.GrantAccess(cmd.Context(), connect.NewRequest(&batonv1.GrantAccessRequest{
				Principal: args[0], Access: acc,
			})); err != nil {
				return err
			}
			return a.printDone(subjectPrincipal, args[0], "granted "+acc+" access to")
		},
	}
	c.Flags().StringVar(&access, "access", "", "read or full (required)")
	_ = c.MarkFlagRequired("access")
	return c
}

func (a *app) aclRevoke() *cobra.Command {
	return &cobra.Command{
		Use:   "revoke PRINCIPAL",
		Short: "Remove a principal's access entry",
		Long:  "Remove a principal's access entry. " + principalHelp,
		Args:  exactArgs("PRINCIPAL"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			if _, err := c.Access.RevokeAccess(cmd.Context(), connect.NewRequest(&batonv1.RevokeAccessRequest{
				Principal: args[0],
			})); err != nil {
				return err
			}
			return a.printDone(subjectPrincipal, args[0], "revoked access of")
		},
	}
}

func (a *app) aclTokenCreate() *cobra.Command {
	var access string
	c := &cobra.Command{
		Use:   "create NAME --access read|full",
		Short: "Create a bearer token (principal token:NAME); it is shown once",
		Long: `Create a bearer token for TCP callers, as principal token:NAME with the access
asked for. The token is printed once, on standard output; the cluster keeps
only a hash of it.`,
		Args: exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			acc, err := checkAccess(access)
			if err != nil {
				return err
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			resp, err := c.Access.CreateToken(cmd.Context(), connect.NewRequest(&batonv1.CreateTokenRequest{
				Name: args[0], Access: acc,
			}))
			if err != nil {
				return err
			}
			m := resp.Msg
			if a.jsonOut() {
				return a.printJSON(tokenJSON{Name: m.GetName(), Principal: m.GetPrincipal(), Access: acc, Token: m.GetToken()})
			}
			if _, err := fmt.Fprintln(a.stdout, m.GetToken()); err != nil {
				return err
			}
			fmt.Fprintf(a.stderr, "token for %s (%s access); it is shown only this once. Use it with:\n  export %s=%s\n",
				m.GetPrincipal(), acc, dial.EnvToken, m.GetToken())
			return nil
		},
	}
	c.Flags().StringVar(&access, "access", "", "read or full (required)")
	_ = c.MarkFlagRequired("access")
	return c
}

func (a *app) aclTokenDelete() *cobra.Command {
	return &cobra.Command{
		Use:   "delete NAME",
		Short: "Delete a bearer token",
		Args:  exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			if _, err := c.Access.DeleteToken(cmd.Context(), connect.NewRequest(&batonv1.DeleteTokenRequest{
				Name: args[0],
			})); err != nil {
				return err
			}
			return a.printDone(subjectPrincipal, "token:"+args[0], "deleted token")
		},
	}
}
