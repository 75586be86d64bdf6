package server

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os/user"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/store"
)

// Principal is who a caller is: its names, as the security descriptor
// lists them, most specific first.
type Principal struct {
	Names []string // e.g. unix:user:alice, unix:group:wheel; token:ci
	Root  bool     // uid 0 over the Unix socket: always Full
}

// String is the principal's main name, recorded with operations.
func (p Principal) String() string {
	if len(p.Names) == 0 {
		return "anonymous"
	}
	return p.Names[0]
}

type connKey struct{}

// socketKey marks the context of a connection on the Unix socket.
type socketKey struct{}

// viaSocket reports whether the request came over the Unix socket.
func viaSocket(ctx context.Context) bool { return ctx.Value(socketKey{}) != nil }

// peerCreds is stored in a connection's context for Unix-socket callers.
type peerCreds struct {
	uid, gid uint32
}

// ConnContext records the peer credentials of Unix-socket connections, for
// http.Server.ConnContext.
func ConnContext(ctx context.Context, c net.Conn) context.Context {
	// Under a connection limit or TLS, the accepted connection is inside.
	for range 4 {
		inner, ok := c.(interface{ NetConn() net.Conn })
		if !ok {
			break
		}
		c = inner.NetConn()
	}
	uc, ok := c.(*net.UnixConn)
	if !ok {
		return ctx
	}
	ctx = context.WithValue(ctx, socketKey{}, true)
	raw, err := uc.SyscallConn()
	if err != nil {
		return ctx
	}
	var cred *syscall.Ucred
	var serr error
	if err := raw.Control(func(fd uintptr) {
		cred, serr = syscall.GetsockoptUcred(int(fd), syscall.SOL_SOCKET, syscall.SO_PEERCRED)
	}); err != nil || serr != nil || cred == nil {
		return ctx
	}
	return context.WithValue(ctx, connKey{}, peerCreds{uid: cred.Uid, gid: cred.Gid})
}

// principalOf authenticates a request: peer credentials on the Unix
// socket, else a bearer token. The error (ERROR_ACCESS_DENIED) says why
// the caller is nobody; tok is the token the caller used, if any.
func principalOf(ctx context.Context, h http.Header, v store.View, now time.Time) (p Principal, tok *store.Token, err error) {
	if pc, ok := ctx.Value(connKey{}).(peerCreds); ok {
		return unixPrincipal(pc), nil, nil
	}
	secret, ok := bearer(h)
	if !ok {
		return Principal{}, nil, fmt.Errorf("no credentials: connect over the agent's Unix socket, or send a bearer token (baton acl token create): %w", wsfc.ERROR_ACCESS_DENIED)
	}
	sum := hashToken(secret)
	for _, t := range v.Tokens() {
		if subtle.ConstantTimeCompare([]byte(t.SHA256), []byte(sum)) == 1 {
			if t.Expired(now) {
				return Principal{}, nil, fmt.Errorf("token %s expired at %s (baton acl token create makes a new one): %w", t.Name, t.Expires.UTC().Format(time.RFC3339), wsfc.ERROR_ACCESS_DENIED)
			}
			return Principal{Names: []string{"token:" + t.Name}}, t, nil
		}
	}
	return Principal{}, nil, fmt.Errorf("the bearer token is not one of this cluster's: %w", wsfc.ERROR_ACCESS_DENIED)
}

// bearer is the token of an "Authorization: Bearer TOKEN" header; the
// scheme is case-insensitive (RFC 9110, section 11.1).
func bearer(h http.Header) (string, bool) {
	scheme, tok, ok := strings.Cut(strings.TrimSpace(h.Get("Authorization")), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	return tok, tok != ""
}

func unixPrincipal(pc peerCreds) Principal {
	p := Principal{Root: pc.uid == 0}
	uname := strconv.FormatUint(uint64(pc.uid), 10)
	u, err := user.LookupId(uname)
	if err == nil {
		uname = u.Username
	}
	p.Names = append(p.Names, "unix:user:"+uname)
	gids := []string{strconv.FormatUint(uint64(pc.gid), 10)}
	if u != nil {
		if more, err := u.GroupIds(); err == nil {
			gids = append(gids, more...)
		}
	}
	seen := map[string]bool{}
	for _, gid := range gids {
		if seen[gid] {
			continue
		}
		seen[gid] = true
		name := gid
		if g, err := user.LookupGroupId(gid); err == nil {
			name = g.Name
		}
		p.Names = append(p.Names, "unix:group:"+name)
	}
	return p
}

// accessOf is the highest access the descriptor grants any of p's names.
func accessOf(p Principal, sd *store.Security) string {
	if p.Root {
		return store.AccessFull
	}
	best := ""
	if sd == nil {
		return best
	}
	for _, n := range p.Names {
		switch sd.Entries[n] {
		case store.AccessFull:
			return store.AccessFull
		case store.AccessRead:
			best = store.AccessRead
		}
	}
	return best
}

func hashToken(tok string) string {
	s := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(s[:])
}

// maxNameLen bounds the NAME of a principal or token.
const maxNameLen = 128

// nameChar reports whether c may appear in a principal's or token's NAME:
// ASCII letters, digits and . _ - and, for Unix user and group names
// (which directory services extend), @ $ and +.
func nameChar(c rune, unix bool) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '.', c == '_', c == '-':
		return true
	case unix && (c == '@' || c == '$' || c == '+'):
		return true
	}
	return false
}

func validName(kind, name string, unix bool) error {
	if name == "" || len(name) > maxNameLen {
		return fmt.Errorf("%s name of %d bytes: want 1 to %d", kind, len(name), maxNameLen)
	}
	for _, c := range name {
		if !nameChar(c, unix) {
			allowed := "letters, digits, '.', '_', '-'"
			if unix {
				allowed += ", '@', '$', '+'"
			}
			return fmt.Errorf("%s name %.40q: %q is not allowed (%s)", kind, name, c, allowed)
		}
	}
	return nil
}

// ValidTokenName checks the NAME of a token: 1 to 128 ASCII letters,
// digits, '.', '_' or '-'.
func ValidTokenName(name string) error { return validName("token", name, false) }

// ValidPrincipal checks the form of a principal name in an ACL entry:
// unix:user:NAME or unix:group:NAME (NAME also allows '@', '$', '+'), or
// token:NAME (as ValidTokenName).
func ValidPrincipal(p string) error {
	if rest, ok := strings.CutPrefix(p, "token:"); ok {
		return ValidTokenName(rest)
	}
	for _, prefix := range []string{"unix:user:", "unix:group:"} {
		if rest, ok := strings.CutPrefix(p, prefix); ok {
			return validName(strings.TrimSuffix(prefix[len("unix:"):], ":"), rest, true)
		}
	}
	return fmt.Errorf("principal %.60q: want unix:user:NAME, unix:group:NAME or token:NAME", p)
}
