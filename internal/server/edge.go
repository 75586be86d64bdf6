package server

// The HTTP edge: what every request passes before Connect reads a byte of
// its body. The Host header, the cluster handle, the caller and its access
// are all in the headers, so a caller who may not make a call is refused
// before its body is read, let alone gunzipped and decoded; a body over
// the limit is refused (or cut off) while it is being read.

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/batoncluster/baton/api/baton/v1/batonv1connect"
	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/dial"
	"github.com/batoncluster/baton/internal/store"
)

// MaxRequestBytes bounds a request's body, as sent and once decompressed
// (joinMaxBytes bounds that of Join, callable without credentials).
// The largest legitimate requests carry property lists (a resource's or
// group's, or an operation's in_buffer) that end up in one etcd
// transaction, with the record that keeps them (JSON, byte buffers in
// base64: 4/3 of their size) and the records the change touches besides;
// etcd refuses requests over 8 MiB (etcdmember), so a call with more than
// 4 MiB could not be stored anyway.
const MaxRequestBytes = 4 << 20

// streaming are the procedures whose answer lasts as long as the caller
// wants: once the caller is admitted, they run without read or write
// deadlines (a stream's connection still closes when it has been idle).
var streaming = map[string]bool{
	batonv1connect.EventServiceWatchProcedure: true,
	// A backup lasts as long as its snapshot takes to send.
	batonv1connect.AdminServiceBackupProcedure: true,
}

// procedures are every procedure of the API, so that metrics are labelled
// only with real ones, never with whatever path a caller sent.
var procedures = func() map[string]bool {
	out := map[string]bool{}
	protoregistry.GlobalFiles.RangeFilesByPackage("baton.v1", func(f protoreflect.FileDescriptor) bool {
		for i := range f.Services().Len() {
			svc := f.Services().Get(i)
			for j := range svc.Methods().Len() {
				out["/"+string(svc.FullName())+"/"+string(svc.Methods().Get(j).Name())] = true
			}
		}
		return true
	})
	return out
}()

// edge wraps a service's Connect handler: Host, handle, caller and access
// first, then the body limits, then Connect, whose own errors get their
// Win32 code on the way out (codedWriter).
func (s *Server) edge(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proc := r.URL.Path
		if err := s.checkHost(r); err != nil {
			s.refuse(w, r, proc, ToConnect(err))
			return
		}
		ctx := r.Context()
		limit := int64(MaxRequestBytes)
		if publicProcedures[proc] {
			limit = joinMaxBytes // the one public procedure is Join
		} else {
			c, err := s.admit(ctx, proc, r.Header)
			if err != nil {
				s.refuse(w, r, proc, ToConnect(err))
				return
			}
			ctx = context.WithValue(ctx, callerKey{}, c)
		}
		if r.ContentLength > limit {
			s.refuse(w, r, proc, tooLarge(limit))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		rc := http.NewResponseController(w)
		if streaming[proc] {
			_ = rc.SetReadDeadline(time.Time{})
			_ = rc.SetWriteDeadline(time.Time{})
		}
		ctx = context.WithValue(ctx, deadlinesKey{}, rc)
		// Connect's own answers (a body it cannot decode, a content type
		// it does not take …) get their Win32 code on the way out.
		cw := &codedWriter{w: w, r: r, s: s, proc: proc}
		next.ServeHTTP(cw, r.WithContext(ctx))
		cw.finish()
	})
}

// deadlinesKey is the context key of an admitted call's
// http.ResponseController (liftDeadlines).
type deadlinesKey struct{}

// liftDeadlines lets a call that waits for its operation (a synchronous
// online) answer however long that takes. The agent's read and write
// timeouts (30 s each, docs/security.md) are against slow clients, not
// slow operations; the caller bounds its own wait with its context, and a
// caller that goes away ends the call's context.
func liftDeadlines(ctx context.Context) {
	if rc, ok := ctx.Value(deadlinesKey{}).(*http.ResponseController); ok {
		_ = rc.SetReadDeadline(time.Time{})
		_ = rc.SetWriteDeadline(time.Time{})
	}
}

// admit runs the checks every call passes before its body is read: the
// handle names this cluster, the caller is someone, and has the access the
// procedure needs.
func (s *Server) admit(ctx context.Context, proc string, h http.Header) (caller, error) {
	v := s.st.View()
	if id := h.Get(dial.ClusterIDHeader); id != "" {
		if c := v.Cluster(); c == nil || c.ID != id {
			return caller{}, fmt.Errorf("the handle was opened on another cluster (%s): %w", id, wsfc.ERROR_INVALID_HANDLE)
		}
	}
	now := timeNow()
	p, tok, err := principalOf(ctx, h, v, now)
	if err != nil {
		return caller{}, err
	}
	access := accessOf(p, v.Security())
	if access == store.AccessFull && h.Get(dial.AccessHeader) == dial.AccessRead {
		access = store.AccessRead // a handle opened with Read access (OpenClusterEx)
	}
	switch {
	case access == "":
		return caller{}, fmt.Errorf("%s has no access to this cluster (an administrator can run: baton acl grant %s --access read|full): %w", p, p, wsfc.ERROR_ACCESS_DENIED)
	case access != store.AccessFull && !readOnly[proc]:
		return caller{}, fmt.Errorf("%s has Read access; this call needs Full (baton acl grant %s --access full): %w", p, p, wsfc.ERROR_ACCESS_DENIED)
	}
	if tok != nil {
		s.used.touch(tok.Name, now)
	}
	return caller{Principal: p, access: access}, nil
}

var errorWriter = connect.NewErrorWriter()

// refuse answers a call the edge turned away, in the caller's protocol
// (Connect, gRPC or gRPC-Web), without reading its body.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, proc string, err *connect.Error) {
	if s.observe != nil && procedures[proc] {
		s.observe(proc, win32Of(err), 0)
	}
	_ = errorWriter.Write(w, r, err)
}

// checkHost refuses a TCP request whose Host header is none of the names
// the agent answers to (Config.Hosts), so that a web page whose DNS name
// was rebound to the agent's address cannot call it from a browser. Any
// port, any loopback address and Unix-socket requests pass.
func (s *Server) checkHost(r *http.Request) error {
	if s.hosts == nil || viaSocket(r.Context()) {
		return nil
	}
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.ToLower(strings.Trim(host, "[]")), ".")
	if ip := net.ParseIP(host); ip != nil {
		if ip.IsLoopback() || s.hosts[ip.String()] {
			return nil
		}
	} else if s.hosts[host] {
		return nil
	}
	return fmt.Errorf("this agent does not answer to the name %.80q in the Host header (known names: its address, its node name, localhost; more with --api-host): %w", r.Host, wsfc.ERROR_ACCESS_DENIED)
}

// CheckHost wraps a handler that is not part of the API (the dashboard)
// with the Host check.
func (s *Server) CheckHost(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := s.checkHost(r); err != nil {
			plainError(w, http.StatusMisdirectedRequest, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// RequireRead wraps a handler that is not part of the API (/metrics) with
// the Host check and the API's authentication: the caller needs Read
// access, by peer credentials on the Unix socket or by a bearer token.
func (s *Server) RequireRead(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := s.checkHost(r); err != nil {
			plainError(w, http.StatusMisdirectedRequest, err)
			return
		}
		// Any read-only procedure stands for "needs Read".
		if _, err := s.admit(r.Context(), batonv1connect.ClusterServiceOpenClusterProcedure, r.Header); err != nil {
			status := http.StatusForbidden
			if _, ok := bearer(r.Header); !ok && !viaSocket(r.Context()) {
				status = http.StatusUnauthorized
				w.Header().Set("WWW-Authenticate", `Bearer realm="baton"`)
			}
			plainError(w, status, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// plainError answers a request that is not an API call with text, and the
// Win32 code in the Baton-Win32-Code header.
func plainError(w http.ResponseWriter, status int, err error) {
	ce := ToConnect(err)
	w.Header().Set(Win32Header, ce.Meta().Get(Win32Header))
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	fmt.Fprintln(w, ce.Message())
}

// AllowHosts sets the names TCP requests may give in their Host header,
// besides loopback addresses (any port); nil allows any. Call it before
// serving.
func (s *Server) AllowHosts(hosts []string) {
	if hosts == nil {
		s.hosts = nil
		return
	}
	s.hosts = map[string]bool{}
	for _, h := range hosts {
		h = strings.TrimSuffix(strings.ToLower(strings.Trim(h, "[]")), ".")
		if ip := net.ParseIP(h); ip != nil {
			h = ip.String()
		}
		s.hosts[h] = true
	}
}
