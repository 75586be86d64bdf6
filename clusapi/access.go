package clusapi

import (
	"context"
	"time"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
)

// AccessLevel is a level of access in the cluster security descriptor.
type AccessLevel string

// Access levels. Full access ("All" in WSFC) is needed for every call that
// changes something; Read access for the rest.
const (
	AccessRead AccessLevel = "read"
	AccessFull AccessLevel = "full"
)

// AccessEntry grants one principal a level of access. Principals are
// "unix:user:NAME", "unix:group:NAME" and "token:NAME".
type AccessEntry struct {
	Principal string
	Access    AccessLevel
}

// AccessList is the cluster security descriptor.
type AccessList struct {
	Entries []AccessEntry
	Tokens  []string // the names of the bearer tokens
	// TokenInfo are the same tokens with their times, in the same order.
	TokenInfo []TokenInfo
}

// TokenInfo describes a bearer token (never the secret). A token's access
// is the entry of its principal, "token:NAME", in AccessList.Entries.
type TokenInfo struct {
	Name    string
	Created time.Time
	Expires time.Time // zero: it never expires
	// LastUsed is when a call last authenticated with it, to about a
	// minute (each node records a token's use at most once a minute);
	// zero: never.
	LastUsed time.Time
}

// Token is a bearer token made by Access.CreateToken.
type Token struct {
	Name      string
	Token     string    // the secret; the cluster keeps only a hash of it
	Principal string    // "token:NAME", the principal it authenticates as
	Expires   time.Time // zero: it never expires
}

// TokenOptions are the optional settings of a new token
// (Access.CreateTokenEx).
type TokenOptions struct {
	// ExpiresIn is how long after its creation the token is refused
	// (ERROR_ACCESS_DENIED), in whole seconds; 0: never. A negative
	// value, or one under a second, answers ERROR_INVALID_PARAMETER
	// without a call.
	ExpiresIn time.Duration
}

// Access reads and edits the cluster security descriptor.
type Access struct{ c *Client }

// Access returns the calls that read and edit the cluster security
// descriptor.
func (c *Client) Access() Access { return Access{c} }

// List returns the access entries and the names of the tokens.
func (a Access) List(ctx context.Context) (*AccessList, error) {
	resp, err := unary(ctx, a.c, "ListAccess", a.c.conn.Access.ListAccess, &batonv1.ListAccessRequest{})
	if err != nil {
		return nil, err
	}
	out := &AccessList{Tokens: resp.GetTokens()}
	for _, e := range resp.GetEntries() {
		out.Entries = append(out.Entries, AccessEntry{Principal: e.GetPrincipal(), Access: AccessLevel(e.GetAccess())})
	}
	for _, t := range resp.GetTokenInfo() {
		out.TokenInfo = append(out.TokenInfo, TokenInfo{Name: t.GetName(), Created: unixNano(t.GetCreatedUnixNano()),
			Expires: unixNano(t.GetExpiresUnixNano()), LastUsed: unixNano(t.GetLastUsedUnixNano())})
	}
	return out, nil
}

// Grant gives principal the access level (replacing what it had).
func (a Access) Grant(ctx context.Context, principal string, level AccessLevel) error {
	_, err := unary(ctx, a.c, "GrantAccess", a.c.conn.Access.GrantAccess,
		&batonv1.GrantAccessRequest{Principal: principal, Access: string(level)})
	return err
}

// Revoke removes principal's entry.
func (a Access) Revoke(ctx context.Context, principal string) error {
	_, err := unary(ctx, a.c, "RevokeAccess", a.c.conn.Access.RevokeAccess,
		&batonv1.RevokeAccessRequest{Principal: principal})
	return err
}

// CreateToken makes a bearer token called name for TCP callers and grants
// it the access level. The secret is in the answer only.
func (a Access) CreateToken(ctx context.Context, name string, level AccessLevel) (*Token, error) {
	return a.CreateTokenEx(ctx, name, level, TokenOptions{})
}

// CreateTokenEx is CreateToken with options: a token that expires.
func (a Access) CreateTokenEx(ctx context.Context, name string, level AccessLevel, opts TokenOptions) (*Token, error) {
	if opts.ExpiresIn < 0 || (opts.ExpiresIn > 0 && opts.ExpiresIn < time.Second) {
		return nil, apiErr(ERROR_INVALID_PARAMETER, "CreateToken: ExpiresIn must be 0 (never) or at least 1s, not %s", opts.ExpiresIn)
	}
	resp, err := unary(ctx, a.c, "CreateToken", a.c.conn.Access.CreateToken,
		&batonv1.CreateTokenRequest{Name: name, Access: string(level), ExpiresInSeconds: int64(opts.ExpiresIn / time.Second)})
	if err != nil {
		return nil, err
	}
	return &Token{Name: resp.GetName(), Token: resp.GetToken(), Principal: resp.GetPrincipal(),
		Expires: unixNano(resp.GetExpiresUnixNano())}, nil
}

// DeleteToken deletes the token called name (and its access).
func (a Access) DeleteToken(ctx context.Context, name string) error {
	_, err := unary(ctx, a.c, "DeleteToken", a.c.conn.Access.DeleteToken,
		&batonv1.DeleteTokenRequest{Name: name})
	return err
}
