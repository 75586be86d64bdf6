package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/batoncluster/baton/clusapi"
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
			c, err := a.cluster()
			if err != nil {
				return err
			}
			acl, err := c.Access().List(cmd.Context())
			if err != nil {
				return err
			}
			entries := aclEntries(acl)
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
func aclEntries(m *clusapi.AccessList) []aclEntryJSON {
	tokens := map[string]bool{}
	for _, t := range m.Tokens {
		tokens["token:"+t] = true
	}
	out := []aclEntryJSON{}
	seen := map[string]bool{}
	for _, e := range m.Entries {
		out = append(out, aclEntryJSON{Principal: e.Principal, Access: string(e.Access), Token: tokens[e.Principal]})
		seen[e.Principal] = true
	}
	for _, t := range m.Tokens {
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
			c, err := a.cluster()
			if err != nil {
				return err
			}
			if err := c.Access().Grant(cmd.Context(), args[0], clusapi.AccessLevel(acc)); err != nil {
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
			c, err := a.cluster()
			if err != nil {
				return err
			}
			if err := c.Access().Revoke(cmd.Context(), args[0]); err != nil {
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
			c, err := a.cluster()
			if err != nil {
				return err
			}
			m, err := c.Access().CreateTokenEx(cmd.Context(), args[0], clusapi.AccessLevel(acc), clusapi.TokenOptions{ExpiresIn: expires})
			if err != nil {
				return err
			}
			if a.jsonOut() {
				return a.printJSON(tokenCreatedJSON{tokenJSON: tokenJSON{Name: m.Name, Principal: m.Principal, Access: acc, Token: m.Token},
					Expires: timeJSON(m.Expires)})
			}
			if _, err := fmt.Fprintln(a.stdout, m.Token); err != nil {
				return err
			}
			fmt.Fprintf(a.stderr, "token for %s (%s access); it is shown only this once. Use it with:\n  export %s=%s\n",
				m.Principal, acc, dial.EnvToken, m.Token)
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

// tokenInfos lists the tokens of an access list with their access.
func tokenInfos(m *clusapi.AccessList, now time.Time) []tokenInfoJSON {
	access := map[string]string{}
	for _, e := range m.Entries {
		access[e.Principal] = string(e.Access)
	}
	out := []tokenInfoJSON{}
	for _, t := range m.TokenInfo {
		acc, ok := access["token:"+t.Name]
		if !ok {
			acc = "none"
		}
		out = append(out, tokenInfoJSON{Name: t.Name, Access: acc, Created: timeJSON(t.Created),
			Expires: timeJSON(t.Expires), LastUsed: timeJSON(t.LastUsed),
			Expired: !t.Expires.IsZero() && !now.Before(t.Expires)})
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
			c, err := a.cluster()
			if err != nil {
				return err
			}
			acl, err := c.Access().List(cmd.Context())
			if err != nil {
				return err
			}
			infos := tokenInfos(acl, time.Now())
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
			c, err := a.cluster()
			if err != nil {
				return err
			}
			if err := c.Access().DeleteToken(cmd.Context(), args[0]); err != nil {
				return err
			}
			return a.printDone(subjectPrincipal, "token:"+args[0], "deleted token")
		},
	}
}
