package server_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
	"github.com/batoncluster/baton/api/baton/v1/batonv1connect"
	"github.com/batoncluster/baton/clusapi"
	"github.com/batoncluster/baton/internal/clustertest"
	"github.com/batoncluster/baton/internal/server"
	"github.com/batoncluster/baton/internal/wire"
	"github.com/batoncluster/baton/proplist"
)

// rawBody is a request body sent byte for byte (rawCodec), whatever it
// holds.
type rawBody struct{ b []byte }

// rawCodec sends rawBody as it is and decodes answers as protobuf or
// JSON: a Connect client that sends what a broken or hostile one would,
// and reads the answer as any client does.
type rawCodec struct{ name string }

func (c rawCodec) Name() string { return c.name }

func (c rawCodec) Marshal(m any) ([]byte, error) { return m.(*rawBody).b, nil }

func (c rawCodec) Unmarshal(b []byte, m any) error {
	if c.name == "json" {
		return protojson.Unmarshal(b, m.(proto.Message))
	}
	return proto.Unmarshal(b, m.(proto.Message))
}

// nopDecompressor and nopCompressor are a "compression", x-nop, that the
// agent does not know.
type nopDecompressor struct{ io.Reader }

func (d *nopDecompressor) Close() error            { return nil }
func (d *nopDecompressor) Reset(r io.Reader) error { d.Reader = r; return nil }

type nopCompressor struct{ io.Writer }

func (c *nopCompressor) Close() error      { return nil }
func (c *nopCompressor) Reset(w io.Writer) { c.Writer = w }

func newNopDecompressor() connect.Decompressor { return &nopDecompressor{} }
func newNopCompressor() connect.Compressor     { return &nopCompressor{} }

// authHeader sends an Authorization header on unary and streaming calls.
type authHeader string

func (a authHeader) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		req.Header().Set("Authorization", string(a))
		return next(ctx, req)
	}
}

func (a authHeader) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return func(ctx context.Context, spec connect.Spec) connect.StreamingClientConn {
		conn := next(ctx, spec)
		conn.RequestHeader().Set("Authorization", string(a))
		return conn
	}
}

func (a authHeader) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return next
}

// assertCoded checks that err carries Win32 code want three ways: the
// detail, the Baton-Win32-Code header (or trailer), the start of the
// message; and that clusapi reads it.
func assertCoded(t *testing.T, what string, err error, want clusapi.Errno) {
	t.Helper()
	var ce *connect.Error
	if !errors.As(err, &ce) {
		t.Errorf("%s: %v, want a Connect error", what, err)
		return
	}
	if got := win32(err); got != int64(want) {
		t.Errorf("%s: detail %d, want %d (%v)", what, got, want, err)
	}
	if got := ce.Meta().Get(server.Win32Header); got != fmt.Sprint(uint32(want)) {
		t.Errorf("%s: %s %q, want %d (%v)", what, server.Win32Header, got, want, err)
	}
	if prefix := fmt.Sprintf("%s (%d): ", want.String(), uint32(want)); !strings.HasPrefix(ce.Message(), prefix) {
		t.Errorf("%s: message %q does not start with %q", what, ce.Message(), prefix)
	}
	if got := clusapi.FromConnectError(err).Code; got != want {
		t.Errorf("%s: clusapi reads %v, want %v", what, got, want)
	}
}

// protoString is a protobuf message whose field 1 is the string s, bytes
// as given (invalid UTF-8 included).
func protoString(s string) []byte {
	return protowire.AppendString(protowire.AppendTag(nil, 1, protowire.BytesType), s)
}

// Whatever Connect refuses before any handler runs — a body it cannot
// decode, a compression it does not know — carries its Win32 code in every
// protocol, unary and streaming, like every other error.
func TestConnectsOwnErrorsCarryAWin32Code(t *testing.T) {
	n := clustertest.New(t)
	api := newTCPAPI(t, n.Agent.HTTPAddr())
	full := newToken(t, n, "full", "full", 0)
	ctx := context.Background()
	protocols := []struct {
		name string
		hc   *http.Client
		opts []connect.ClientOption
	}{
		{"connect", api.h1, nil},
		{"grpc", api.h2, []connect.ClientOption{connect.WithGRPC()}},
		{"grpc-web", api.h1, []connect.ClientOption{connect.WithGRPCWeb()}},
	}
	bodies := []struct {
		name  string
		codec string
		proc  string
		body  string
	}{
		{"malformed JSON", "json", batonv1connect.GroupServiceCreateGroupProcedure, `{"name":`},
		{"flags -1", "json", batonv1connect.GroupServiceOfflineGroupProcedure, `{"group":{"name":"G"},"flags":-1}`},
		{"invalid UTF-8 in JSON", "json", batonv1connect.GroupServiceCreateGroupProcedure, "{\"name\":\"\xff\"}"},
		{"a JSON array", "json", batonv1connect.GroupServiceCreateGroupProcedure, `[]`},
		{"invalid UTF-8 in protobuf", "proto", batonv1connect.GroupServiceCreateGroupProcedure, string(protoString("\xff\xfe"))},
		{"malformed protobuf", "proto", batonv1connect.GroupServiceCreateGroupProcedure, "\x0a\xff\xff\xff\xff\x0f"},
		{"empty JSON", "json", batonv1connect.GroupServiceCreateGroupProcedure, ``},
	}
	for _, p := range protocols {
		for _, b := range bodies {
			opts := append([]connect.ClientOption{connect.WithCodec(rawCodec{b.codec}), connect.WithInterceptors(authHeader("Bearer " + full))}, p.opts...)
			c := connect.NewClient[rawBody, batonv1.CreateGroupResponse](p.hc, api.base+b.proc, opts...)
			_, err := c.CallUnary(ctx, connect.NewRequest(&rawBody{[]byte(b.body)}))
			assertCoded(t, p.name+", "+b.name, err, clusapi.ERROR_INVALID_PARAMETER)
		}
		// A compression the agent does not take.
		opts := append([]connect.ClientOption{connect.WithAcceptCompression("x-nop", newNopDecompressor, newNopCompressor),
			connect.WithSendCompression("x-nop"), connect.WithCompressMinBytes(0), connect.WithInterceptors(authHeader("Bearer " + full))}, p.opts...)
		g := batonv1connect.NewGroupServiceClient(p.hc, api.base, opts...)
		_, err := g.CreateGroup(ctx, connect.NewRequest(&batonv1.CreateGroupRequest{Name: "G"}))
		assertCoded(t, p.name+", unknown compression", err, clusapi.ERROR_INVALID_PARAMETER)
		// The streaming call: its body is decoded past the edge, and
		// its own Connect errors are coded too.
		w := connect.NewClient[rawBody, batonv1.Event](p.hc, api.base+batonv1connect.EventServiceWatchProcedure,
			append([]connect.ClientOption{connect.WithCodec(rawCodec{"json"}), connect.WithInterceptors(authHeader("Bearer " + full))}, p.opts...)...)
		s, err := w.CallServerStream(ctx, connect.NewRequest(&rawBody{[]byte(`{"sinceRevision":"x"}`)}))
		if err == nil {
			for s.Receive() {
			}
			err = s.Err()
			s.Close()
		}
		assertCoded(t, p.name+", Watch with a malformed body", err, clusapi.ERROR_INVALID_PARAMETER)
		ws := batonv1connect.NewEventServiceClient(p.hc, api.base, opts...)
		s2, err := ws.Watch(ctx, connect.NewRequest(&batonv1.WatchRequest{}))
		if err == nil {
			for s2.Receive() {
			}
			err = s2.Err()
			s2.Close()
		}
		assertCoded(t, p.name+", Watch with an unknown compression", err, clusapi.ERROR_INVALID_PARAMETER)
	}
	// Nothing of all that was created.
	if len(n.Store().View().Groups()) != 0 {
		t.Errorf("groups were created: %v", n.Store().View().Groups())
	}
}

// httpAnswer is an answer as a plain HTTP client sees it.
type httpAnswer struct {
	status  int
	header  http.Header
	trailer http.Header
	body    []byte
}

func post(t *testing.T, hc *http.Client, url, ctype, token string, body []byte) httpAnswer {
	t.Helper()
	req, err := http.NewRequest("POST", url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return httpAnswer{resp.StatusCode, resp.Header, resp.Trailer, b}
}

// connectJSONCode checks a Connect unary JSON error body: its message
// starts with the code, and its Win32Error detail holds it.
func connectJSONCode(t *testing.T, what string, a httpAnswer, want clusapi.Errno) {
	t.Helper()
	var e struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Details []struct {
			Type  string `json:"type"`
			Value string `json:"value"`
		} `json:"details"`
	}
	if err := json.Unmarshal(a.body, &e); err != nil {
		t.Errorf("%s: body %q is not a Connect error: %v", what, a.body, err)
		return
	}
	if !strings.HasPrefix(e.Message, fmt.Sprintf("%s (%d): ", want.String(), uint32(want))) {
		t.Errorf("%s: message %q", what, e.Message)
	}
	found := false
	for _, d := range e.Details {
		b, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(d.Value, "="))
		var w batonv1.Win32Error
		if d.Type == "baton.v1.Win32Error" && err == nil && proto.Unmarshal(b, &w) == nil && w.Code == uint32(want) {
			found = true
		}
	}
	if !found {
		t.Errorf("%s: no Win32Error detail with %d in %s", what, want, a.body)
	}
}

// What Connect answers with a bare HTTP status — a content type it does
// not take (415), a procedure that does not exist (404), a method other
// than POST (405) — carries a Win32 code too, over HTTPS as curl sees it:
// the header, and a Connect error body with the code in its message and
// detail.
func TestBareHTTPErrorsCarryAWin32Code(t *testing.T) {
	n := clustertest.New(t)
	api := newTCPAPI(t, n.Agent.HTTPAddr())
	full := newToken(t, n, "full", "full", 0)
	create := api.base + batonv1connect.GroupServiceCreateGroupProcedure
	for _, c := range []struct {
		name   string
		url    string
		ctype  string
		status int
		want   clusapi.Errno
	}{
		// 87: the procedure exists and may be called; the body is not
		// in a form it takes, like a malformed one.
		{"text/plain", create, "text/plain", http.StatusUnsupportedMediaType, clusapi.ERROR_INVALID_PARAMETER},
		{"no content type", create, "", http.StatusUnsupportedMediaType, clusapi.ERROR_INVALID_PARAMETER},
		{"application/xml", create, "application/xml", http.StatusUnsupportedMediaType, clusapi.ERROR_INVALID_PARAMETER},
		{"malformed JSON, as curl sends it", create, "application/json", http.StatusBadRequest, clusapi.ERROR_INVALID_PARAMETER},
		// 1: no such function.
		{"an unknown procedure", api.base + "/baton.v1.GroupService/Nope", "application/json", http.StatusNotFound, clusapi.ERROR_INVALID_FUNCTION},
	} {
		a := post(t, api.h1, c.url, c.ctype, full, []byte(`{"name":`))
		if a.status != c.status || a.header.Get(server.Win32Header) != fmt.Sprint(uint32(c.want)) {
			t.Errorf("%s: %d, %s=%q, want %d and %d (%s)", c.name, a.status, server.Win32Header, a.header.Get(server.Win32Header), c.status, c.want, a.body)
			continue
		}
		connectJSONCode(t, c.name, a, c.want)
	}
	// GET on a procedure that only takes POST.
	req, _ := http.NewRequest("GET", api.base+batonv1connect.GroupServiceListGroupsProcedure, nil)
	req.Header.Set("Authorization", "Bearer "+full)
	resp, err := api.h1.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get(server.Win32Header) != "1" {
		t.Errorf("GET: %s, %s=%q, want 405 and 1", resp.Status, server.Win32Header, resp.Header.Get(server.Win32Header))
	}
	// A gRPC content type the agent does not take gets a gRPC answer.
	env := binary.BigEndian.AppendUint32([]byte{0}, 2)
	env = append(env, "{}"...)
	a := post(t, api.h2, create, "application/grpc+xml", full, env)
	code := a.header.Get(server.Win32Header) + a.trailer.Get(server.Win32Header)
	status := a.header.Get("Grpc-Status") + a.trailer.Get("Grpc-Status")
	if code != "87" || status != "3" {
		t.Errorf("application/grpc+xml: %d, %s=%q, grpc-status %q, want 87 and 3", a.status, server.Win32Header, code, status)
	}
	// And an answer that is not an error goes through untouched.
	a = post(t, api.h1, create, "application/json", full, []byte(`{"name":"G"}`))
	if a.status != http.StatusOK || a.header.Get(server.Win32Header) != "" || !bytes.Contains(a.body, []byte(`"name":"G"`)) {
		t.Errorf("a good call: %d %q %s", a.status, a.header.Get(server.Win32Header), a.body)
	}
}

// A change too large for the database (its etcd client refuses to send
// the transaction) is a store failure with a code, 87, and changes
// nothing.
func TestStoreRefusalCarriesAWin32Code(t *testing.T) {
	n := clustertest.New(t)
	api := newTCPAPI(t, n.Agent.HTTPAddr())
	full := newToken(t, n, "full", "full", 0)
	ctx := context.Background()
	g := batonv1connect.NewGroupServiceClient(api.h1, api.base, bearerAuth("Bearer "+full))
	if _, err := g.CreateGroup(ctx, connect.NewRequest(&batonv1.CreateGroupRequest{Name: "G"})); err != nil {
		t.Fatal(err)
	}
	before := n.Store().View().Group("G").Rev
	// Under the request limit, but twice that as hex in the record.
	big := proplist.List{{Name: "b", Values: []proplist.Value{proplist.Binary(make([]byte, server.MaxRequestBytes-200))}}}
	r := batonv1connect.NewResourceServiceClient(api.h1, api.base, bearerAuth("Bearer "+full))
	_, err := r.CreateResource(ctx, connect.NewRequest(&batonv1.CreateResourceRequest{Name: "R", Group: "G", Type: "dummy", Properties: wire.FromList(big)}))
	assertCoded(t, "a record over etcd's limit", err, clusapi.ERROR_INVALID_PARAMETER)
	if err := n.Store().Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if v := n.Store().View(); v.Group("G").Rev != before || v.Resource("R") != nil || v.Status("R") != nil {
		t.Errorf("the refused change wrote something (group G at rev %d → %d)", before, v.Group("G").Rev)
	}
}

// A write while the database has no quorum answers ERROR_CLUSTER_NO_QUORUM
// (5925), with its header, over HTTPS.
func TestNoQuorumCarriesAWin32Code(t *testing.T) {
	n1 := clustertest.New(t)
	n2 := clustertest.Join(t, n1, "node2") // the second member of two
	api := newTCPAPI(t, n1.Agent.HTTPAddr())
	full := newToken(t, n1, "full", "full", 0)
	g := batonv1connect.NewGroupServiceClient(api.h1, api.base, bearerAuth("Bearer "+full))
	ctx := context.Background()
	if _, err := g.CreateGroup(ctx, connect.NewRequest(&batonv1.CreateGroupRequest{Name: "G"})); err != nil {
		t.Fatal(err)
	}
	n2.Agent.Close()
	start := time.Now()
	_, err := g.CreateGroup(ctx, connect.NewRequest(&batonv1.CreateGroupRequest{Name: "H"}))
	t.Logf("answered after %v: %v", time.Since(start).Round(time.Millisecond), err)
	assertCoded(t, "a write without quorum", err, clusapi.ERROR_CLUSTER_NO_QUORUM)

	// Once the member left has no leader, the etcd client retries reads
	// and writes for as long as their context lasts: the calls still
	// answer 5925, within the store's bound, not when the client gives
	// up (they hung for the HTTP client's 20 s before the bound).
	endpoint := n1.Store().Client().Endpoints()[0]
	leaderless := time.Now().Add(15 * time.Second)
	for {
		sctx, cancel := context.WithTimeout(ctx, time.Second)
		st, err := n1.Store().Client().Status(sctx, endpoint)
		cancel()
		if err == nil && st.Leader == 0 {
			break
		}
		if time.Now().After(leaderless) {
			t.Fatalf("the member left still has a leader after 15 s: %v %v", st, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, c := range []struct{ what, name string }{
		{"a write without a leader", "H2"},
		{"a refusal without a leader (confirmed by a linearizable read)", "G"},
	} {
		start := time.Now()
		_, err := g.CreateGroup(ctx, connect.NewRequest(&batonv1.CreateGroupRequest{Name: c.name}))
		t.Logf("%s answered after %v: %v", c.what, time.Since(start).Round(time.Millisecond), err)
		assertCoded(t, c.what, err, clusapi.ERROR_CLUSTER_NO_QUORUM)
	}
}

// A record over gRPC's default message size (2 MiB) but within etcd's
// request limit is stored: the database clients send up to that limit.
func TestLargeRecordIsStored(t *testing.T) {
	n := clustertest.New(t)
	api := newTCPAPI(t, n.Agent.HTTPAddr())
	full := newToken(t, n, "full", "full", 0)
	ctx := context.Background()
	g := batonv1connect.NewGroupServiceClient(api.h1, api.base, bearerAuth("Bearer "+full))
	if _, err := g.CreateGroup(ctx, connect.NewRequest(&batonv1.CreateGroupRequest{Name: "G"})); err != nil {
		t.Fatal(err)
	}
	blob := make([]byte, 1536<<10) // 3 MiB as hex in the record
	for i := range blob {
		blob[i] = byte(i * 7)
	}
	big := proplist.List{{Name: "b", Values: []proplist.Value{proplist.Binary(blob)}}}
	r := batonv1connect.NewResourceServiceClient(api.h1, api.base, bearerAuth("Bearer "+full))
	if _, err := r.CreateResource(ctx, connect.NewRequest(&batonv1.CreateResourceRequest{Name: "R", Group: "G", Type: "dummy", Properties: wire.FromList(big)})); err != nil {
		t.Fatalf("a 1.5 MiB property: %v", err)
	}
	if err := n.Store().Sync(ctx); err != nil {
		t.Fatal(err)
	}
	res := n.Store().View().Resource("R")
	if res == nil || !res.Private.Equal(big) {
		t.Fatalf("the 1.5 MiB property did not read back equal")
	}
}
