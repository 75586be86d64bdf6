// Package dial connects clients to a baton agent: it resolves the address
// (BATON_ADDR, --address, or the local agent's default socket), makes the
// HTTP client for it (Unix socket or TCP), and builds the Connect clients
// of every API service with the caller's bearer token attached.
package dial

import (
	"context"
	"fmt"
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

// DefaultSocket is where the local agent's socket is linked, so clients
// find it with no configuration: /run/baton/baton.sock for root, else
// $XDG_RUNTIME_DIR/baton/baton.sock, else /tmp/baton-UID/baton.sock.
func DefaultSocket() string {
	if os.Geteuid() == 0 {
		return "/run/baton/baton.sock"
	}
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" {
		return filepath.Join(d, "baton", "baton.sock")
	}
	return filepath.Join(os.TempDir(), fmt.Sprintf("baton-%d", os.Geteuid()), "baton.sock")
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

	mu        sync.Mutex // guards clusterID
	clusterID string
	http      *http.Client
}

// Options tune a connection.
type Options struct {
	// Token is the bearer token for TCP; "" means $BATON_TOKEN.
	Token string
	// Timeout bounds each call that has no deadline of its own (0: none).
	Timeout time.Duration
}

// New makes a connection to addr (see Resolve); it does no I/O.
// Addresses: unix:///path/to.sock, http://host:port, https://host:port.
func New(addr string, opts Options) (*Conn, error) {
	addr = Resolve(addr)
	u, err := url.Parse(addr)
	if err != nil {
		return nil, fmt.Errorf("dial: bad address %q: %w", addr, err)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
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
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		}
		base = "http://baton"
	case "http", "https":
		base = strings.TrimRight(addr, "/")
	default:
		return nil, fmt.Errorf("dial: address %q: scheme must be unix, http or https", addr)
	}
	token := opts.Token
	if token == "" {
		token = os.Getenv(EnvToken)
	}
	c := &Conn{Addr: addr, http: &http.Client{Transport: tr}}
	icpt := connect.WithInterceptors(c.headers(token, opts.Timeout))
	c.Cluster = batonv1connect.NewClusterServiceClient(c.http, base, icpt)
	c.Groups = batonv1connect.NewGroupServiceClient(c.http, base, icpt)
	c.Resources = batonv1connect.NewResourceServiceClient(c.http, base, icpt)
	c.Nodes = batonv1connect.NewNodeServiceClient(c.http, base, icpt)
	c.Access = batonv1connect.NewAccessServiceClient(c.http, base, icpt)
	c.Join = batonv1connect.NewJoinServiceClient(c.http, base, icpt)
	c.Events = batonv1connect.NewEventServiceClient(c.http, base, icpt, connect.WithInterceptors(c.streamHeaders(token)))
	return c, nil
}

// SetClusterID pins the connection to one cluster (from OpenCluster).
func (c *Conn) SetClusterID(id string) {
	c.mu.Lock()
	c.clusterID = id
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
			id := c.clusterID
			c.mu.Unlock()
			if id != "" {
				req.Header().Set(ClusterIDHeader, id)
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
