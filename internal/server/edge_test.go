package server_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
	"github.com/batoncluster/baton/api/baton/v1/batonv1connect"
	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/clustertest"
	"github.com/batoncluster/baton/internal/config"
	"github.com/batoncluster/baton/internal/server"
	"github.com/batoncluster/baton/internal/store"
)

// tcpAPI is an agent's TCP API as any caller reaches it, whether it
// serves plain HTTP or TLS (found out by trying a handshake; the
// certificate is not checked: an attacker's client would not either).
type tcpAPI struct {
	addr string // host:port to dial
	tls  bool
	base string       // http(s)://addr
	h1   *http.Client // HTTP/1.1 only
	h2   *http.Client // HTTP/2 (h2c when plain)
}

func newTCPAPI(t *testing.T, addr string) *tcpAPI {
	t.Helper()
	if host, port, err := net.SplitHostPort(addr); err == nil {
		if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
			addr = net.JoinHostPort("127.0.0.1", port)
		}
	}
	a := &tcpAPI{addr: addr}
	d := &net.Dialer{Timeout: 2 * time.Second}
	if c, err := tls.DialWithDialer(d, "tcp", addr, &tls.Config{InsecureSkipVerify: true}); err == nil {
		c.Close()
		a.tls = true
	}
	scheme := "http"
	if a.tls {
		scheme = "https"
	}
	a.base = scheme + "://" + addr
	mk := func(h2 bool) *http.Client {
		tr := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, Protocols: new(http.Protocols)}
		switch {
		case !h2:
			tr.Protocols.SetHTTP1(true)
		case a.tls:
			tr.Protocols.SetHTTP2(true)
		default:
			tr.Protocols.SetUnencryptedHTTP2(true)
		}
		t.Cleanup(tr.CloseIdleConnections)
		return &http.Client{Transport: tr, Timeout: 20 * time.Second}
	}
	a.h1, a.h2 = mk(false), mk(true)
	return a
}

// dial opens a raw connection to the API (TLS when it serves TLS).
func (a *tcpAPI) dial(t *testing.T) net.Conn {
	t.Helper()
	d := &net.Dialer{Timeout: 5 * time.Second}
	var c net.Conn
	var err error
	if a.tls {
		c, err = tls.DialWithDialer(d, "tcp", a.addr, &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"http/1.1"}})
	} else {
		c, err = d.Dial("tcp", a.addr)
	}
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func newToken(t *testing.T, n *clustertest.Node, name, access string, ttl int64) string {
	t.Helper()
	root := conn(t, n.Addr(), "")
	resp, err := root.Access.CreateToken(context.Background(), connect.NewRequest(&batonv1.CreateTokenRequest{Name: name, Access: access, ExpiresInSeconds: ttl}))
	if err != nil {
		t.Fatal(err)
	}
	return resp.Msg.Token
}

// bearerAuth makes a client send an Authorization header as given.
func bearerAuth(value string) connect.ClientOption {
	return connect.WithInterceptors(connect.UnaryInterceptorFunc(func(next connect.UnaryFunc) connect.UnaryFunc {
		return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
			if value != "" {
				req.Header().Set("Authorization", value)
			}
			return next(ctx, req)
		}
	}))
}

// win32 is the Win32 code a call's error carries in its detail, or -1.
func win32(err error) int64 {
	var ce *connect.Error
	if !errors.As(err, &ce) {
		return -1
	}
	for _, d := range ce.Details() {
		if v, derr := d.Value(); derr == nil {
			if w, ok := v.(*batonv1.Win32Error); ok {
				return int64(w.GetCode())
			}
		}
	}
	return -1
}

// Every protocol gets the refusal of an unauthenticated call with its
// Win32 code in the detail (and the header where the protocol has one).
func TestRefusedInEveryProtocol(t *testing.T) {
	n := clustertest.New(t)
	api := newTCPAPI(t, n.Agent.HTTPAddr())
	ctx := context.Background()
	cases := []struct {
		name string
		hc   *http.Client
		opts []connect.ClientOption
	}{
		{"connect+proto", api.h1, nil},
		{"connect+json", api.h1, []connect.ClientOption{connect.WithProtoJSON()}},
		{"grpc-web", api.h1, []connect.ClientOption{connect.WithGRPCWeb()}},
		{"grpc", api.h2, []connect.ClientOption{connect.WithGRPC()}},
	}
	for _, c := range cases {
		groups := batonv1connect.NewGroupServiceClient(c.hc, api.base, c.opts...)
		_, err := groups.ListGroups(ctx, connect.NewRequest(&batonv1.ListGroupsRequest{}))
		if got := win32(err); got != 5 {
			t.Errorf("%s: ListGroups without a token: %v (Win32 %d), want 5", c.name, err, got)
		}
		if got := code(t, err); got != wsfc.ERROR_ACCESS_DENIED {
			t.Errorf("%s: clusapi code %v", c.name, got)
		}
		// The handle check comes first, as before.
		req := connect.NewRequest(&batonv1.ListGroupsRequest{})
		req.Header().Set("Baton-Cluster-Id", "0123")
		_, err = groups.ListGroups(ctx, req)
		if got := win32(err); got != 6 {
			t.Errorf("%s: a handle to another cluster: %v, want 6", c.name, err)
		}
	}
}

// The bearer scheme is case-insensitive (RFC 9110), and a Read token may
// read but never change anything, whatever the protocol.
func TestBearerSchemeAndMatrixOverTCP(t *testing.T) {
	n := clustertest.New(t)
	api := newTCPAPI(t, n.Agent.HTTPAddr())
	ctx := context.Background()
	reader := newToken(t, n, "reader", "read", 0)
	writer := newToken(t, n, "writer", "full", 0)
	for _, auth := range []string{"Bearer " + reader, "bearer " + reader, "BEARER   " + reader, "bEaReR " + reader} {
		g := batonv1connect.NewGroupServiceClient(api.h1, api.base, bearerAuth(auth))
		if _, err := g.ListGroups(ctx, connect.NewRequest(&batonv1.ListGroupsRequest{})); err != nil {
			t.Errorf("Authorization %q: %v", strings.Replace(auth, reader, "TOKEN", 1), err)
		}
	}
	for _, auth := range []string{"Basic " + reader, reader, "Bearer", "Bearer " + reader + "x", "Token " + reader, "Bearer\t" + reader} {
		g := batonv1connect.NewGroupServiceClient(api.h1, api.base, bearerAuth(auth))
		_, err := g.ListGroups(ctx, connect.NewRequest(&batonv1.ListGroupsRequest{}))
		if got := win32(err); got != 5 {
			t.Errorf("Authorization %q: %v, want 5", strings.Replace(auth, reader, "TOKEN", 1), err)
		}
	}
	for _, opts := range [][]connect.ClientOption{nil, {connect.WithGRPCWeb()}} {
		rg := batonv1connect.NewGroupServiceClient(api.h1, api.base, append(opts, bearerAuth("bearer "+reader))...)
		_, err := rg.CreateGroup(ctx, connect.NewRequest(&batonv1.CreateGroupRequest{Name: "G"}))
		if got := win32(err); got != 5 {
			t.Errorf("Read creating a group: %v, want 5", err)
		}
		ra := batonv1connect.NewAccessServiceClient(api.h1, api.base, append(opts, bearerAuth("bearer "+reader))...)
		_, err = ra.GrantAccess(ctx, connect.NewRequest(&batonv1.GrantAccessRequest{Principal: "token:reader", Access: "full"}))
		if got := win32(err); got != 5 {
			t.Errorf("Read granting itself Full: %v, want 5", err)
		}
		_, err = ra.CreateToken(ctx, connect.NewRequest(&batonv1.CreateTokenRequest{Name: "mine", Access: "full"}))
		if got := win32(err); got != 5 {
			t.Errorf("Read making a Full token: %v, want 5", err)
		}
	}
	wg := batonv1connect.NewGroupServiceClient(api.h2, api.base, connect.WithGRPC(), bearerAuth("BEARER "+writer))
	if _, err := wg.CreateGroup(ctx, connect.NewRequest(&batonv1.CreateGroupRequest{Name: "G"})); err != nil {
		t.Errorf("Full over gRPC: %v", err)
	}
}

// rawPost sends a POST with a body of size bytes (Content-Length, or
// chunked when chunked is set) and reads the answer while the body is
// still being sent. It returns the answer and how many body bytes the
// connection had taken when the answer came.
func rawPost(t *testing.T, api *tcpAPI, path string, headers map[string]string, size int64, chunked bool) (*http.Response, int64, time.Duration) {
	t.Helper()
	c := api.dial(t)
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	var hdr strings.Builder
	fmt.Fprintf(&hdr, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n", path, api.addr)
	for k, v := range headers {
		fmt.Fprintf(&hdr, "%s: %s\r\n", k, v)
	}
	if chunked {
		hdr.WriteString("Transfer-Encoding: chunked\r\n\r\n")
	} else {
		fmt.Fprintf(&hdr, "Content-Length: %d\r\n\r\n", size)
	}
	start := time.Now()
	if _, err := io.WriteString(c, hdr.String()); err != nil {
		t.Fatal(err)
	}
	var sent atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		chunk := bytes.Repeat([]byte("a"), 64<<10)
		for sent.Load() < size {
			b := chunk
			if chunked {
				b = append(fmt.Appendf(nil, "%x\r\n", len(chunk)), append(chunk, "\r\n"...)...)
			}
			if _, err := c.Write(b); err != nil {
				return
			}
			sent.Add(int64(len(chunk)))
		}
	}()
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	took := time.Since(start)
	n := sent.Load()
	if err != nil {
		t.Fatalf("no answer after %v (%d bytes sent): %v", took, n, err)
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	resp.Body = io.NopCloser(bytes.NewReader(body))
	c.Close()
	<-done
	return resp, n, took
}

// An unauthenticated request is refused from its headers: its 64 MB body
// is not read (the answer comes while the caller has sent no more than
// the sockets' buffers hold).
func TestRefusedBeforeTheBodyIsRead(t *testing.T) {
	n := clustertest.New(t)
	api := newTCPAPI(t, n.Agent.HTTPAddr())
	reader := newToken(t, n, "reader", "read", 0)
	const size = 64 << 20
	for _, c := range []struct {
		name    string
		headers map[string]string
		chunked bool
	}{
		{"no token", nil, false},
		{"no token, chunked", nil, true},
		{"no token, gzip", map[string]string{"Content-Encoding": "gzip"}, false},
		{"forged token", map[string]string{"Authorization": "Bearer baton_forged"}, false},
		{"read token on a Full call", map[string]string{"Authorization": "Bearer " + reader}, false},
	} {
		resp, sent, took := rawPost(t, api, "/baton.v1.GroupService/CreateGroup", c.headers, size, c.chunked)
		if resp.StatusCode != http.StatusForbidden || resp.Header.Get(server.Win32Header) != "5" {
			body, _ := io.ReadAll(resp.Body)
			t.Errorf("%s: %s, %s=%q, %s; want 403 and 5", c.name, resp.Status, server.Win32Header, resp.Header.Get(server.Win32Header), body)
		}
		if sent > 32<<20 || took > 5*time.Second {
			t.Errorf("%s: answered after %v and %d MB of the body", c.name, took, sent>>20)
		}
		t.Logf("%s: %s after %v, %d KB of the body sent", c.name, resp.Status, took.Round(time.Millisecond), sent>>10)
	}
}

// A request over the size limit gets ERROR_INVALID_PARAMETER, before its
// body is read when it says its length, else when the limit is reached;
// a small gzip body that decompresses past the limit too.
func TestOversizedRequests(t *testing.T) {
	n := clustertest.New(t)
	api := newTCPAPI(t, n.Agent.HTTPAddr())
	writer := newToken(t, n, "writer", "full", 0)
	auth := map[string]string{"Authorization": "Bearer " + writer}

	resp, sent, _ := rawPost(t, api, "/baton.v1.GroupService/CreateGroup", auth, 64<<20, false)
	if resp.StatusCode == http.StatusOK || resp.Header.Get(server.Win32Header) != "87" {
		t.Errorf("64 MB with Content-Length: %s, %s=%q; want 87", resp.Status, server.Win32Header, resp.Header.Get(server.Win32Header))
	}
	if sent > 32<<20 {
		t.Errorf("64 MB with Content-Length: %d MB read before the answer", sent>>20)
	}
	resp, _, _ = rawPost(t, api, "/baton.v1.GroupService/CreateGroup", auth, 16<<20, true)
	if resp.StatusCode == http.StatusOK {
		t.Errorf("16 MB chunked: %s", resp.Status)
	}

	ctx := context.Background()
	big := strings.Repeat("a", 8<<20)
	for _, c := range []struct {
		name string
		hc   *http.Client
		opts []connect.ClientOption
	}{
		{"connect", api.h1, nil},
		{"connect+gzip", api.h1, []connect.ClientOption{connect.WithSendGzip()}},
		{"grpc+gzip", api.h2, []connect.ClientOption{connect.WithGRPC(), connect.WithSendGzip()}},
		{"grpc-web+gzip", api.h1, []connect.ClientOption{connect.WithGRPCWeb(), connect.WithSendGzip()}},
	} {
		g := batonv1connect.NewGroupServiceClient(c.hc, api.base, append(c.opts, bearerAuth("Bearer "+writer))...)
		_, err := g.CreateGroup(ctx, connect.NewRequest(&batonv1.CreateGroupRequest{Name: big}))
		if got := code(t, err); got != wsfc.ERROR_INVALID_PARAMETER {
			t.Errorf("%s: an 8 MB name: %v (%v), want 87", c.name, got, err)
		}
	}

	// A gzip bomb: 100 kB that decompress to 100 MB.
	var bomb bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&bomb, gzip.BestCompression)
	zeros := make([]byte, 1<<20)
	for range 100 {
		_, _ = zw.Write(zeros)
	}
	_ = zw.Close()
	req, _ := http.NewRequest("POST", api.base+"/baton.v1.GroupService/CreateGroup", bytes.NewReader(bomb.Bytes()))
	req.Header.Set("Content-Type", "application/proto")
	req.Header.Set("Content-Encoding", "gzip")
	req.Header.Set("Authorization", "Bearer "+writer)
	hr, err := api.h1.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(hr.Body)
	hr.Body.Close()
	if hr.StatusCode == http.StatusOK || !strings.Contains(string(body), "resource_exhausted") {
		t.Errorf("a gzip bomb of %d kB: %s %s", bomb.Len()>>10, hr.Status, body)
	}
	// The agent still answers.
	g := batonv1connect.NewGroupServiceClient(api.h1, api.base, bearerAuth("Bearer "+writer))
	if _, err := g.CreateGroup(ctx, connect.NewRequest(&batonv1.CreateGroupRequest{Name: "G"})); err != nil {
		t.Fatal(err)
	}
}

// /metrics needs Read access (a token, or peer credentials on the socket)
// unless --metrics-public.
func TestMetricsNeedRead(t *testing.T) {
	n := clustertest.New(t)
	api := newTCPAPI(t, n.Agent.HTTPAddr())
	reader := newToken(t, n, "reader", "read", 0)
	get := func(hc *http.Client, url, auth string) (int, string) {
		req, _ := http.NewRequest("GET", url, nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get(server.Win32Header) + " " + string(b)
	}
	if st, body := get(api.h1, api.base+"/metrics", ""); st != http.StatusUnauthorized || !strings.HasPrefix(body, "5 ") {
		t.Errorf("/metrics without a token: %d %.200s", st, body)
	}
	if st, body := get(api.h1, api.base+"/metrics", "Bearer baton_forged"); st != http.StatusForbidden {
		t.Errorf("/metrics with a forged token: %d %.200s", st, body)
	}
	if st, body := get(api.h1, api.base+"/metrics", "bearer "+reader); st != http.StatusOK || !strings.Contains(body, "baton_") {
		t.Errorf("/metrics with a Read token: %d %.200s", st, body)
	}
	sock := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", strings.TrimPrefix(n.Addr(), "unix://"))
	}}}
	if st, body := get(sock, "http://agent/metrics", ""); st != http.StatusOK {
		t.Errorf("/metrics over the socket as root: %d %.200s", st, body)
	}

	pub := clustertest.NewWith(t, func(c *config.Config) { c.MetricsPublic = true })
	papi := newTCPAPI(t, pub.Agent.HTTPAddr())
	if st, body := get(papi.h1, papi.base+"/metrics", ""); st != http.StatusOK {
		t.Errorf("--metrics-public: %d %.200s", st, body)
	}
}

// Bound to all addresses, the agent refuses Host headers that are none of
// its names (DNS rebinding); loopback, its name, localhost and --api-host
// pass, with any port.
func TestHostHeaderOnNonLoopbackBind(t *testing.T) {
	n := clustertest.NewWith(t, func(c *config.Config) {
		c.HTTPAddr = "0.0.0.0:0"
		c.APIHosts = []string{"baton.example.org"}
	})
	api := newTCPAPI(t, n.Agent.HTTPAddr())
	reader := newToken(t, n, "reader", "read", 0)
	_, port, _ := net.SplitHostPort(api.addr)
	do := func(method, path, host, ctype, body string) (int, string) {
		req, _ := http.NewRequest(method, api.base+path, strings.NewReader(body))
		req.Host = host
		req.Header.Set("Authorization", "Bearer "+reader)
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		resp, err := api.h1.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		return resp.StatusCode, resp.Header.Get(server.Win32Header)
	}
	for _, host := range []string{"evil.example", "evil.example:" + port, "10.9.8.7", "node1.evil.example"} {
		if st, w := do("GET", "/ui/", host, "", ""); st != http.StatusMisdirectedRequest || w != "5" {
			t.Errorf("Host %s, /ui/: %d %s", host, st, w)
		}
		if st, _ := do("GET", "/metrics", host, "", ""); st != http.StatusMisdirectedRequest {
			t.Errorf("Host %s, /metrics: %d", host, st)
		}
		if st, w := do("POST", "/baton.v1.GroupService/ListGroups", host, "application/json", "{}"); st != http.StatusForbidden || w != "5" {
			t.Errorf("Host %s, ListGroups: %d %s", host, st, w)
		}
	}
	for _, host := range []string{"127.0.0.1:" + port, "localhost", "LOCALHOST:" + port, "node1", "baton.example.org:443", "[::1]:" + port} {
		if st, _ := do("GET", "/ui/", host, "", ""); st != http.StatusOK {
			t.Errorf("Host %s, /ui/: %d", host, st)
		}
		if st, w := do("POST", "/baton.v1.GroupService/ListGroups", host, "application/json", "{}"); st != http.StatusOK {
			t.Errorf("Host %s, ListGroups: %d %s", host, st, w)
		}
	}
	// On loopback (every other test) any Host passes.
	l := clustertest.New(t)
	lapi := newTCPAPI(t, l.Agent.HTTPAddr())
	req, _ := http.NewRequest("GET", lapi.base+"/ui/", nil)
	req.Host = "anything.example"
	resp, err := lapi.h1.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("loopback bind, Host anything.example: %s", resp.Status)
	}
}

// A token with an expiry is refused (5) once it has passed; its last use
// is recorded, at most once a minute.
func TestTokenExpiryAndLastUse(t *testing.T) {
	n := clustertest.New(t)
	api := newTCPAPI(t, n.Agent.HTTPAddr())
	ctx := context.Background()
	short := newToken(t, n, "short", "read", 1)
	long := newToken(t, n, "long", "read", 3600)
	call := func(tok string) error {
		g := batonv1connect.NewGroupServiceClient(api.h1, api.base, bearerAuth("Bearer "+tok))
		_, err := g.ListGroups(ctx, connect.NewRequest(&batonv1.ListGroupsRequest{}))
		return err
	}
	if err := call(short); err != nil {
		t.Fatalf("a token before its expiry: %v", err)
	}
	time.Sleep(1100 * time.Millisecond)
	err := call(short)
	if got := win32(err); got != 5 || !strings.Contains(err.Error(), "expired") {
		t.Errorf("an expired token: %v, want 5 (expired)", err)
	}
	if err := call(long); err != nil {
		t.Errorf("a token an hour from its expiry: %v", err)
	}

	tok := func(name string) *store.Token {
		if k := n.Store().View().Token(name); k != nil {
			return k
		}
		t.Fatalf("no token %s", name)
		return nil
	}
	n.Await(func(v store.View) bool { k := v.Token("long"); return k != nil && !k.LastUsed.IsZero() }, "token long's last use recorded")
	if lu := tok("long").LastUsed; time.Since(lu) > time.Minute {
		t.Errorf("last used %v", lu)
	}
	rev := tok("long").Rev
	for range 20 {
		if err := call(long); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(300 * time.Millisecond)
	if got := tok("long").Rev; got != rev {
		t.Errorf("20 more calls within the minute wrote the token again (rev %d → %d)", rev, got)
	}
	root := conn(t, n.Addr(), "")
	la, err := root.Access.ListAccess(ctx, connect.NewRequest(&batonv1.ListAccessRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	infos := map[string]*batonv1.TokenInfo{}
	for _, ti := range la.Msg.TokenInfo {
		infos[ti.Name] = ti
	}
	if ti := infos["long"]; ti == nil || ti.ExpiresUnixNano == 0 || ti.LastUsedUnixNano == 0 || ti.CreatedUnixNano == 0 {
		t.Errorf("ListAccess token long: %v", ti)
	}
	if ti := infos["short"]; ti == nil || ti.ExpiresUnixNano == 0 {
		t.Errorf("ListAccess token short: %v", ti)
	}
	_, err = root.Access.CreateToken(ctx, connect.NewRequest(&batonv1.CreateTokenRequest{Name: "neg", Access: "read", ExpiresInSeconds: -1}))
	if got := code(t, err); got != wsfc.ERROR_INVALID_PARAMETER {
		t.Errorf("a negative expiry: %v, want 87", got)
	}
}

// Token names and principals are checked (length, characters): 87, and
// nothing changes.
func TestNamesAreValidated(t *testing.T) {
	n := clustertest.New(t)
	ctx := context.Background()
	root := conn(t, n.Addr(), "")
	before, err := root.Access.ListAccess(ctx, connect.NewRequest(&batonv1.ListAccessRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"", strings.Repeat("a", 129), "a\nb", "a b", "tab\t", "nul\x00", "ü", "a:b", "a/b", strings.Repeat("x", 100000)} {
		_, err := root.Access.CreateToken(ctx, connect.NewRequest(&batonv1.CreateTokenRequest{Name: name, Access: "read"}))
		if got := code(t, err); got != wsfc.ERROR_INVALID_PARAMETER {
			t.Errorf("token name %.40q: %v, want 87", name, got)
		}
	}
	for _, p := range []string{"unix:user:", "unix:user:" + strings.Repeat("a", 1<<20), "unix:user:al\nice", "unix:group:wh eel",
		"unix:user:a\x1bb", "token:a@b", "token:" + strings.Repeat("t", 129), "alice", "unix:host:x"} {
		_, err := root.Access.GrantAccess(ctx, connect.NewRequest(&batonv1.GrantAccessRequest{Principal: p, Access: "read"}))
		if got := code(t, err); got != wsfc.ERROR_INVALID_PARAMETER {
			t.Errorf("principal %.40q: %v, want 87", p, got)
		}
	}
	after, err := root.Access.ListAccess(ctx, connect.NewRequest(&batonv1.ListAccessRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	if len(after.Msg.Entries) != len(before.Msg.Entries) || len(after.Msg.Tokens) != len(before.Msg.Tokens) {
		t.Errorf("refused names changed the descriptor: %v → %v", before.Msg, after.Msg)
	}
	for _, ok := range []string{"unix:user:alice", "unix:user:svc-backup.2", "unix:group:domain-users@ad.example", "unix:user:host$", "token:" + strings.Repeat("t", 128)} {
		if _, err := root.Access.GrantAccess(ctx, connect.NewRequest(&batonv1.GrantAccessRequest{Principal: ok, Access: "read"})); err != nil {
			t.Errorf("principal %.40q: %v", ok, err)
		}
	}
	if _, err := root.Access.CreateToken(ctx, connect.NewRequest(&batonv1.CreateTokenRequest{Name: "ci_deploy-2.0", Access: "read"})); err != nil {
		t.Errorf("token ci_deploy-2.0: %v", err)
	}
}

// Join, the one procedure callable without credentials, reaches its
// handler without a token, with a body of at most 64 KiB.
func TestPublicJoinHasASmallBody(t *testing.T) {
	n := clustertest.New(t)
	api := newTCPAPI(t, n.Agent.HTTPAddr())
	post := func(body string) (int, string, string) {
		req, _ := http.NewRequest("POST", api.base+batonv1connect.JoinServiceJoinProcedure, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := api.h1.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get(server.Win32Header), string(b)
	}
	if _, w, body := post(`{"nodeName":"n2"}`); w != "87" || !strings.Contains(body, "certificate request") {
		t.Errorf("Join without a token: %s %s, want its handler's 87 about the certificate request", w, body)
	}
	big := `{"nodeName":"n2","description":"` + strings.Repeat("a", 70<<10) + `"}`
	if st, w, body := post(big); w != "87" || !strings.Contains(body, "larger than") || st == http.StatusOK {
		t.Errorf("Join with 70 KiB: %d %s %.200s, want 87 (too large)", st, w, body)
	}
	// Even an empty Join reaches the handler: no credentials asked.
	if _, w, _ := post(`{}`); w == "5" {
		t.Error("Join refused for want of credentials")
	}
}
