package clusapi

import (
	"context"

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
}

// Token is a bearer token made by Access.CreateToken.
type Token struct {
	Name      string
	Token     string // the secret; the cluster keeps only a hash of it
	Principal string // "token:NAME", the principal it authenticates as
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
	resp, err := unary(ctx, a.c, "CreateToken", a.c.conn.Access.CreateToken,
		&batonv1.CreateTokenRequest{Name: name, Access: string(level)})
	if err != nil {
		return nil, err
	}
	return &Token{Name: resp.GetName(), Token: resp.GetToken(), Principal: resp.GetPrincipal()}, nil
}

// DeleteToken deletes the token called name (and its access).
func (a Access) DeleteToken(ctx context.Context, name string) error {
	_, err := unary(ctx, a.c, "DeleteToken", a.c.conn.Access.DeleteToken,
		&batonv1.DeleteTokenRequest{Name: name})
	return err
}
