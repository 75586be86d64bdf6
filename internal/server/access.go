package server

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"time"

	"connectrpc.com/connect"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/store"
)

type accessService struct{ *Server }

// maxTokenTTL is the longest expiry a token may be given, in seconds.
const maxTokenTTL = 10 * 366 * 24 * 3600

func checkAccessLevel(a string) error {
	if a != store.AccessRead && a != store.AccessFull {
		return fmt.Errorf("access %q: want read or full: %w", a, wsfc.ERROR_INVALID_PARAMETER)
	}
	return nil
}

func (s accessService) ListAccess(context.Context, *connect.Request[batonv1.ListAccessRequest]) (*connect.Response[batonv1.ListAccessResponse], error) {
	v := s.st.View()
	out := &batonv1.ListAccessResponse{}
	if sd := v.Security(); sd != nil {
		for _, p := range sortedPrincipals(sd.Entries) {
			out.Entries = append(out.Entries, &batonv1.AccessEntry{Principal: p, Access: sd.Entries[p]})
		}
	}
	for _, t := range v.Tokens() {
		out.Tokens = append(out.Tokens, t.Name)
		out.TokenInfo = append(out.TokenInfo, &batonv1.TokenInfo{Name: t.Name, CreatedUnixNano: unixNano(t.Created),
			ExpiresUnixNano: unixNano(t.Expires), LastUsedUnixNano: unixNano(t.LastUsed)})
	}
	return connect.NewResponse(out), nil
}

func (s accessService) GrantAccess(ctx context.Context, req *connect.Request[batonv1.GrantAccessRequest]) (*connect.Response[batonv1.GrantAccessResponse], error) {
	if err := ValidPrincipal(req.Msg.Principal); err != nil {
		return nil, fmt.Errorf("%v: %w", err, wsfc.ERROR_INVALID_PARAMETER)
	}
	if err := checkAccessLevel(req.Msg.Access); err != nil {
		return nil, err
	}
	err := s.setEntry(ctx, req.Msg.Principal, req.Msg.Access)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&batonv1.GrantAccessResponse{}), nil
}

func (s accessService) RevokeAccess(ctx context.Context, req *connect.Request[batonv1.RevokeAccessRequest]) (*connect.Response[batonv1.RevokeAccessResponse], error) {
	if err := s.setEntry(ctx, req.Msg.Principal, ""); err != nil {
		return nil, err
	}
	return connect.NewResponse(&batonv1.RevokeAccessResponse{}), nil
}

// setEntry grants access to a principal ("" revokes it).
func (s accessService) setEntry(ctx context.Context, principal, access string) error {
	_, err := s.st.Update(ctx, func(v store.View, t *store.Txn) error {
		sd := &store.Security{Entries: map[string]string{}}
		if cur := v.Security(); cur != nil {
			sd = cur.Clone()
		}
		if access == "" {
			if _, ok := sd.Entries[principal]; !ok {
				return fmt.Errorf("%s has no entry in the security descriptor: %w", principal, wsfc.ERROR_INVALID_PARAMETER)
			}
			delete(sd.Entries, principal)
		} else {
			sd.Entries[principal] = access
		}
		t.PutSecurity(sd)
		return nil
	})
	return err
}

func (s accessService) CreateToken(ctx context.Context, req *connect.Request[batonv1.CreateTokenRequest]) (*connect.Response[batonv1.CreateTokenResponse], error) {
	name := req.Msg.Name
	if err := ValidTokenName(name); err != nil {
		return nil, fmt.Errorf("%v: %w", err, wsfc.ERROR_INVALID_PARAMETER)
	}
	if err := checkAccessLevel(req.Msg.Access); err != nil {
		return nil, err
	}
	ttl := req.Msg.ExpiresInSeconds
	if ttl < 0 || ttl > maxTokenTTL {
		return nil, fmt.Errorf("expires in %d seconds: want 0 (never) to %d (ten years): %w", ttl, maxTokenTTL, wsfc.ERROR_INVALID_PARAMETER)
	}
	created := timeNow()
	var expires time.Time
	if ttl > 0 {
		expires = created.Add(time.Duration(ttl) * time.Second)
	}
	var secret [32]byte
	_, _ = rand.Read(secret[:])
	tok := "baton_" + base64.RawURLEncoding.EncodeToString(secret[:])
	principal := "token:" + name
	_, err := s.st.Update(ctx, func(v store.View, t *store.Txn) error {
		if v.Token(name) != nil {
			return fmt.Errorf("token %q exists already (delete it first): %w", name, wsfc.ERROR_OBJECT_ALREADY_EXISTS)
		}
		sd := &store.Security{Entries: map[string]string{}}
		if cur := v.Security(); cur != nil {
			sd = cur.Clone()
		}
		sd.Entries[principal] = req.Msg.Access
		t.PutSecurity(sd)
		t.PutToken(&store.Token{Name: name, SHA256: hashToken(tok), Created: created, Expires: expires})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&batonv1.CreateTokenResponse{Name: name, Token: tok, Principal: principal, ExpiresUnixNano: unixNano(expires)}), nil
}

func (s accessService) DeleteToken(ctx context.Context, req *connect.Request[batonv1.DeleteTokenRequest]) (*connect.Response[batonv1.DeleteTokenResponse], error) {
	name := req.Msg.Name
	_, err := s.st.Update(ctx, func(v store.View, t *store.Txn) error {
		tk := v.Token(name)
		if tk == nil {
			return fmt.Errorf("token %q not found: %w", name, wsfc.ERROR_INVALID_PARAMETER)
		}
		t.Delete(store.TokenKey(name), tk.Rev)
		if cur := v.Security(); cur != nil {
			if _, ok := cur.Entries["token:"+name]; ok {
				sd := cur.Clone()
				delete(sd.Entries, "token:"+name)
				t.PutSecurity(sd)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&batonv1.DeleteTokenResponse{}), nil
}
