package cli

import (
	"fmt"
	"strings"
	"time"

	"connectrpc.com/connect"
	"github.com/spf13/cobra"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
	"github.com/batoncluster/baton/internal/dial"
)

// aclCommand is `baton acl`: the cluster security descriptor and tokens.
func (a *app) aclCommand() *cobra.Command {
	token := noun("token", "Create, list and delete bearer tokens for TCP callers",
		a.aclTokenCreate(), a.aclTokenList(), a.aclTokenDelete())
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

const principalHelp = `PRINCIPAL is unix:user:NAME, unix:group:NAME or token:NAME:
NAME is 1 to 128 ASCII letters, digits, '.', '_' or '-' (Unix user and group
names also '@', '$' and '+').`

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
	var expires time.Duration
	c := &cobra.Command{
		Use:   "create NAME --access read|full [--expires 720h]",
		Short: "Create a bearer token (principal token:NAME); it is shown once",
		Long: `Create a bearer token for TCP callers, as principal token:NAME with the access
asked for. The token is printed once, on standard output; the cluster keeps
only a hash of it. NAME is 1 to 128 ASCII letters, digits, '.', '_' or '-'.
With --expires the token is refused (ERROR_ACCESS_DENIED) once that much time
has passed; baton acl token list shows when each token expires and when it
was last used.`,
		Args: exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			acc, err := checkAccess(access)
			if err != nil {
				return err
			}
			if expires < 0 || (expires > 0 && expires < time.Second) {
				return usageErrorf("--expires must be 0 (never) or at least 1s, not %s", expires)
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			resp, err := c.Access.CreateToken(cmd.Context(), connect.NewRequest(&batonv1.CreateTokenRequest{
				Name: args[0], Access: acc, ExpiresInSeconds: int64(expires / time.Second),
			}))
			if err != nil {
				return err
			}
			m := resp.Msg
			if a.jsonOut() {
				return a.printJSON(tokenCreatedJSON{tokenJSON: tokenJSON{Name: m.GetName(), Principal: m.GetPrincipal(), Access: acc, Token: m.GetToken()},
					Expires: stamp(m.GetExpiresUnixNano())})
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
	c.Flags().DurationVar(&expires, "expires", 0, "the token is refused after this long, e.g. 720h (0: never)")
	_ = c.MarkFlagRequired("access")
	return c
}

// tokenCreatedJSON answers `acl token create -o json`.
type tokenCreatedJSON struct {
	tokenJSON
	Expires string `json:"expires,omitempty"` // RFC 3339; absent: never
}

// tokenInfoJSON is one token of `acl token list -o json`; times are RFC
// 3339, absent when there is none (never expires, never used).
type tokenInfoJSON struct {
	Name     string `json:"name"`
	Access   string `json:"access"`
	Created  string `json:"created,omitempty"`
	Expires  string `json:"expires,omitempty"`
	Expired  bool   `json:"expired"`
	LastUsed string `json:"lastUsed,omitempty"`
}

// stamp is a time in Unix nanoseconds as RFC 3339 (UTC); "" for 0.
func stamp(ns int64) string {
	if ns == 0 {
		return ""
	}
	return time.Unix(0, ns).UTC().Format(time.RFC3339)
}

// tokenInfos lists the tokens of a ListAccess answer with their access.
func tokenInfos(m *batonv1.ListAccessResponse, now time.Time) []tokenInfoJSON {
	access := map[string]string{}
	for _, e := range m.GetEntries() {
		access[e.GetPrincipal()] = e.GetAccess()
	}
	out := []tokenInfoJSON{}
	for _, t := range m.GetTokenInfo() {
		acc, ok := access["token:"+t.GetName()]
		if !ok {
			acc = "none"
		}
		out = append(out, tokenInfoJSON{Name: t.GetName(), Access: acc, Created: stamp(t.GetCreatedUnixNano()),
			Expires: stamp(t.GetExpiresUnixNano()), LastUsed: stamp(t.GetLastUsedUnixNano()),
			Expired: t.GetExpiresUnixNano() != 0 && now.UnixNano() >= t.GetExpiresUnixNano()})
	}
	return out
}

func (a *app) aclTokenList() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the bearer tokens: access, creation, expiry and last use",
		Long: `List the bearer tokens (never the tokens themselves): their access, when they
were created, when they expire, and when a call last used them (to about a
minute: each node records a token's use at most once a minute).`,
		Args: exactArgs(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			resp, err := c.Access.ListAccess(cmd.Context(), connect.NewRequest(&batonv1.ListAccessRequest{}))
			if err != nil {
				return err
			}
			infos := tokenInfos(resp.Msg, time.Now())
			if a.jsonOut() {
				return a.printJSON(infos)
			}
			orNever := func(s string) string {
				if s == "" {
					return "never"
				}
				return s
			}
			var rows [][]string
			for _, t := range infos {
				exp := orNever(t.Expires)
				if t.Expired {
					exp += " (expired)"
				}
				rows = append(rows, []string{t.Name, t.Access, t.Created, exp, orNever(t.LastUsed)})
			}
			return table(a.stdout, []string{"NAME", "ACCESS", "CREATED", "EXPIRES", "LAST USED"}, rows)
		},
	}
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
