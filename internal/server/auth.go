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

// peerCreds is stored in a connection's context for Unix-socket callers.
type peerCreds struct {
	uid, gid uint32
}

// ConnContext records the peer credentials of Unix-socket connections, for
// http.Server.ConnContext.
func ConnContext(ctx context.Context, c net.Conn) context.Context {
	uc, ok := c.(*net.UnixConn)
	if !ok {
		return ctx
	}
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
// socket, else a bearer token. ok is false when the caller is nobody.
func principalOf(ctx context.Context, h http.Header, v store.View) (Principal, bool) {
	if pc, ok := ctx.Value(connKey{}).(peerCreds); ok {
		return unixPrincipal(pc), true
	}
	auth := h.Get("Authorization")
	tok, found := strings.CutPrefix(auth, "Bearer ")
	if !found || tok == "" {
		return Principal{}, false
	}
	sum := hashToken(tok)
	for _, t := range v.Tokens() {
		if subtle.ConstantTimeCompare([]byte(t.SHA256), []byte(sum)) == 1 {
			return Principal{Names: []string{"token:" + t.Name}}, true
		}
	}
	return Principal{}, false
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

// ValidPrincipal checks the form of a principal name in an ACL entry.
func ValidPrincipal(p string) error {
	for _, prefix := range []string{"unix:user:", "unix:group:", "token:"} {
		if rest, ok := strings.CutPrefix(p, prefix); ok && rest != "" {
			return nil
		}
	}
	return fmt.Errorf("principal %q: want unix:user:NAME, unix:group:NAME or token:NAME", p)
}
