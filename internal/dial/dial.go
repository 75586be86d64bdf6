// Package dial connects clients to a baton agent: it resolves the address
// (BATON_ADDR, --address, or the local agent's default socket), makes the
// HTTP client for it (Unix socket or TCP), and builds the Connect clients
// of every API service with the caller's bearer token attached.
//
// What a client trusts, and where its token goes:
//
//	address            the agent is checked by              bearer token
//	unix:///path       its socket's path (the fallback      never sent: the agent knows
//	                   /tmp/baton-UID must be the           the caller from its socket
//	                   caller's own, mode 0700)             credentials
//	https://host:port  its certificate: from the cluster    sent
//	                   CA (Options.CA, $BATON_CA, the
//	                   local agent's ca.crt) or, with
//	                   none of them, the system's roots
//	http://host:port   nothing                              only to a loopback address;
//	                                                        refused (New) for any other
package dial

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"connectrpc.com/connect"

	"github.com/batoncluster/baton/api/baton/v1/batonv1connect"
)

// EnvAddr names the environment variable that picks the agent.
const EnvAddr = "BATON_ADDR"

// EnvToken names the environment variable holding a bearer token.
const EnvToken = "BATON_TOKEN"

// ClusterIDHeader carries the id of the cluster a handle was opened on;
// the agent refuses a request meant for another cluster.
const ClusterIDHeader = "Baton-Cluster-Id"

// AccessHeader, set to AccessRead, asks the agent to treat the call as one
// of Read access whatever the caller's own access: the calls of a handle
// opened with Read access by a caller that has Full (OpenClusterEx and its
// kin). It never raises a caller's access.
const AccessHeader = "Baton-Access"

// AccessRead is AccessHeader's one value.
const AccessRead = "read"

// DefaultSocket is where the local agent's socket is linked, so clients
// find it with no configuration: /run/baton/baton.sock for root, else
// $XDG_RUNTIME_DIR/baton/baton.sock, else /tmp/baton-UID/baton.sock.
func DefaultSocket() string {
	if euid() == 0 {
		return "/run/baton/baton.sock"
	}
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" {
		return filepath.Join(d, "baton", "baton.sock")
	}
	return filepath.Join(fallbackDir(), "baton.sock")
}

// Resolve picks the address: explicit, else $BATON_ADDR, else the default
// socket.
func Resolve(addr string) string {
	if addr != "" {
		return addr
	}
	if a := os.Getenv(EnvAddr); a != "" {
		return a
	}
	return "unix://" + DefaultSocket()
}

// Conn is a connection to one agent: the Connect clients of every service.
type Conn struct {
	Addr      string
	Cluster   batonv1connect.ClusterServiceClient
	Groups    batonv1connect.GroupServiceClient
	Resources batonv1connect.ResourceServiceClient
	Nodes     batonv1connect.NodeServiceClient
	Access    batonv1connect.AccessServiceClient
	Events    batonv1connect.EventServiceClient
	Join      batonv1connect.JoinServiceClient
	Admin     batonv1connect.AdminServiceClient
	Control   batonv1connect.ControlServiceClient
	Verbs     batonv1connect.VerbServiceClient

	mu        sync.Mutex // guards clusterID and readOnly
	clusterID string
	readOnly  bool
	http      *http.Client
}

// ErrTokenInClear refuses a bearer token that would cross a network in
// clear: with an http:// address that is not a loopback one.
var ErrTokenInClear = errors.New("dial: a bearer token is sent only over https, or over http to a loopback address")

// Options tune a connection.
type Options struct {
	// Token is the bearer token for TCP; "" means $BATON_TOKEN. It is
	// never sent over a Unix socket, nor over http to another host than a
	// loopback one (New refuses that).
	Token string
	// CA is the cluster CA an https agent's certificate must come from: a
	// PEM file, or a pin "sha256:<64 hex digits>" of the CA's public key.
	// "" means $BATON_CA, else DefaultCAFile if it exists, else the
	// system's trusted roots.
	CA string
	// Timeout bounds each call that has no deadline of its own (0: none).
	Timeout time.Duration
}

// New makes a connection to addr (see Resolve); it does no network I/O.
// Addresses: unix:///path/to.sock, http://host:port, https://host:port.
func New(addr string, opts Options) (*Conn, error) {
	addr = Resolve(addr)
	u, err := url.Parse(addr)
	if err != nil {
		return nil, fmt.Errorf("dial: bad address %q: %w", addr, err)
	}
	token := opts.Token
	if token == "" {
		token = os.Getenv(EnvToken)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	var rt http.RoundTripper = tr
	base := addr
	switch u.Scheme {
	case "unix":
		path := u.Path
		if path == "" {
			path = u.Opaque
		}
		if path == "" {
			return nil, fmt.Errorf("dial: address %q names no socket path", addr)
		}
		tr.DialContext = func(ctx context.Context, _, _ string) (net.Conn, error) {
			if err := checkSocketPath(path); err != nil {
				return nil, err
			}
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		}
		tr.Proxy = nil
		base = "http://baton"
		// Whoever owns the socket would receive it; the agent knows the
		// caller from the socket's peer credentials.
		token = ""
	case "http":
		base = strings.TrimRight(addr, "/")
		rt = httpsOnly{next: tr, host: u.Host}
		if token != "" {
			if !loopbackName(u.Hostname()) {
				return nil, fmt.Errorf("%w: refusing to send it to %s; use https://%s", ErrTokenInClear, addr, u.Host)
			}
			// Nor through a proxy, and only to where the name led.
			tr.Proxy = nil
			tr.DialContext = dialLoopback
		}
	case "https":
		base = strings.TrimRight(addr, "/")
		t, err := clientTrust(opts.CA, u.Hostname())
		if err != nil {
			return nil, err
		}
		tr.TLSClientConfig = t.config // used by a proxied connection
		tr.DialTLSContext = t.dialTLS
		tr.ForceAttemptHTTP2 = true
	default:
		return nil, fmt.Errorf("dial: address %q: scheme must be unix, http or https", addr)
	}
	c := &Conn{Addr: addr, http: &http.Client{Transport: rt}}
	icpt := connect.WithInterceptors(c.headers(token, opts.Timeout))
	c.Cluster = batonv1connect.NewClusterServiceClient(c.http, base, icpt)
	c.Groups = batonv1connect.NewGroupServiceClient(c.http, base, icpt)
	c.Resources = batonv1connect.NewResourceServiceClient(c.http, base, icpt)
	c.Nodes = batonv1connect.NewNodeServiceClient(c.http, base, icpt)
	c.Access = batonv1connect.NewAccessServiceClient(c.http, base, icpt)
	c.Join = batonv1connect.NewJoinServiceClient(c.http, base, icpt)
	c.Control = batonv1connect.NewControlServiceClient(c.http, base, icpt)
	c.Verbs = batonv1connect.NewVerbServiceClient(c.http, base, icpt)
	// A backup streams (streamHeaders): the per-call timeout does not
	// bound it, its caller's context does.
	c.Admin = batonv1connect.NewAdminServiceClient(c.http, base, icpt, connect.WithInterceptors(c.streamHeaders(token)))
	c.Events = batonv1connect.NewEventServiceClient(c.http, base, icpt, connect.WithInterceptors(c.streamHeaders(token)))
	return c, nil
}

// ErrHTTPSOnly is an http:// address whose agent serves https only.
var ErrHTTPSOnly = errors.New("dial: the agent serves https only")

// httpsOnly turns the answer of a TLS listener to plain HTTP (Go's
// "400 Client sent an HTTP request to an HTTPS server", HTTP/1.0 with no
// headers) into ErrHTTPSOnly, which says what to do; other answers pass.
type httpsOnly struct {
	next http.RoundTripper
	host string
}

func (h httpsOnly) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := h.next.RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusBadRequest || resp.ProtoMajor != 1 || resp.ProtoMinor != 0 ||
		resp.Header.Get("Content-Type") != "" {
		return resp, err
	}
	body := resp.Body
	peek, _ := io.ReadAll(io.LimitReader(body, 128))
	if strings.Contains(string(peek), "HTTPS server") {
		body.Close()
		return nil, fmt.Errorf("%w: use https://%s", ErrHTTPSOnly, h.host)
	}
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(peek), body), body}
	return resp, nil
}

// loopbackName reports whether host (an address's host, without port or
// brackets) is a loopback IP or localhost.
func loopbackName(host string) bool {
	if ip := net.ParseIP(host); ip != nil {
		return ip.IsLoopback()
	}
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	return h == "localhost" || strings.HasSuffix(h, ".localhost")
}

// dialLoopback dials like the default transport, then refuses a peer that
// is not a loopback address (a name such as localhost resolved elsewhere).
func dialLoopback(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	if ta, ok := c.RemoteAddr().(*net.TCPAddr); !ok || !ta.IP.IsLoopback() {
		c.Close()
		return nil, fmt.Errorf("%w: %s is at %v, not a loopback address", ErrTokenInClear, addr, c.RemoteAddr())
	}
	return c, nil
}

// SetClusterID pins the connection to one cluster (from OpenCluster).
func (c *Conn) SetClusterID(id string) {
	c.mu.Lock()
	c.clusterID = id
	c.mu.Unlock()
}

// SetReadOnly makes every unary call of the connection carry AccessHeader:
// the agent treats it as a call of Read access.
func (c *Conn) SetReadOnly() {
	c.mu.Lock()
	c.readOnly = true
	c.mu.Unlock()
}

// Close releases idle connections.
func (c *Conn) Close() { c.http.CloseIdleConnections() }

func (c *Conn) headers(token string, timeout time.Duration) connect.UnaryInterceptorFunc {
	return func(next connect.UnaryFunc) connect.UnaryFunc {
		return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
			if token != "" {
				req.Header().Set("Authorization", "Bearer "+token)
			}
			c.mu.Lock()
			id, readOnly := c.clusterID, c.readOnly
			c.mu.Unlock()
			if id != "" {
				req.Header().Set(ClusterIDHeader, id)
			}
			if readOnly {
				req.Header().Set(AccessHeader, AccessRead)
			}
			if _, ok := ctx.Deadline(); !ok && timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, timeout)
				defer cancel()
			}
			return next(ctx, req)
		}
	}
}

// streamHeaders attaches the token and cluster id to streaming calls too.
func (c *Conn) streamHeaders(token string) connect.Interceptor {
	return streamInterceptor{c: c, token: token}
}

type streamInterceptor struct {
	c     *Conn
	token string
}

func (s streamInterceptor) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc { return next }

func (s streamInterceptor) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return func(ctx context.Context, spec connect.Spec) connect.StreamingClientConn {
		conn := next(ctx, spec)
		if s.token != "" {
			conn.RequestHeader().Set("Authorization", "Bearer "+s.token)
		}
		s.c.mu.Lock()
		id := s.c.clusterID
		s.c.mu.Unlock()
		if id != "" {
			conn.RequestHeader().Set(ClusterIDHeader, id)
		}
		return conn
	}
}

func (s streamInterceptor) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return next
}
