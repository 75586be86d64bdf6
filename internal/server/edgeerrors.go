package server

// Connect answers some calls itself, before the guard interceptor (and so
// ToConnect) sees them: a body it cannot decode (malformed protobuf or
// JSON, "flags": -1, invalid UTF-8), a message over the size limit, an
// unknown compression, a bad timeout header, and, before that, a content
// type (415) or HTTP method (405) it does not serve. connect-go writes
// these in connect.Handler.ServeHTTP and in the protocol handlers'
// NewConn and Close (handler.go, protocol_connect.go, protocol_grpc.go),
// with no Win32 code. codedWriter, which the edge puts around Connect,
// catches them on their way out and writes them again with their code.

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"connectrpc.com/connect"

	"github.com/batoncluster/baton/clusapi/wsfc"
)

// fromHTTPStatus is the Connect and Win32 code of an answer Connect gave
// with a bare HTTP status and no body. A content type Connect does not
// serve is ERROR_INVALID_PARAMETER: the procedure exists and the caller
// may make the call, but the request's body is not in a form it takes,
// the same fault as a malformed body (the reference's
// ERROR_INVALID_FUNCTION is for a function, there a control code, that
// is not supported at all). A method other than POST, or a streaming call
// over HTTP/1.1, asks for a way of calling that does not exist:
// ERROR_INVALID_FUNCTION.
func fromHTTPStatus(status int) (connect.Code, wsfc.Errno) {
	switch status {
	case http.StatusUnsupportedMediaType, http.StatusBadRequest, http.StatusRequestEntityTooLarge:
		return connect.CodeInvalidArgument, wsfc.ERROR_INVALID_PARAMETER
	case http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusHTTPVersionNotSupported, http.StatusNotImplemented:
		return connect.CodeUnimplemented, wsfc.ERROR_INVALID_FUNCTION
	}
	return connect.CodeInternal, wsfc.ERROR_INVALID_FUNCTION
}

// codedWriter passes a response through once it knows it is not an error
// without a Win32 code. Until the first byte of the body (or a flush) it
// holds the status back; an error status without Baton-Win32-Code, a
// gRPC error in the headers or trailers, or a Connect end-of-stream error
// is held (errors are small) and written again, in the caller's protocol,
// by finish.
type codedWriter struct {
	w     http.ResponseWriter
	r     *http.Request
	s     *Server
	proc  string
	state int
	// status is the status written but not yet passed on (0: none).
	status int
	held   bytes.Buffer
}

const (
	cwUndecided = iota
	cwPassing   // not an uncoded error: everything goes through
	cwHolding   // an uncoded error: held for finish
	cwDone      // written again with its code: Connect's own output is dropped
)

func (c *codedWriter) Header() http.Header { return c.w.Header() }

// Unwrap lets http.ResponseController reach the connection.
func (c *codedWriter) Unwrap() http.ResponseWriter { return c.w }

func (c *codedWriter) WriteHeader(status int) {
	switch {
	case status < 200: // informational: not the answer
		c.w.WriteHeader(status)
	case c.state == cwUndecided:
		c.status = status
		if status != http.StatusOK {
			c.decide(nil)
		}
	case c.state == cwPassing:
		c.w.WriteHeader(status)
	}
}

func (c *codedWriter) Write(b []byte) (int, error) {
	if c.state == cwUndecided {
		c.decide(b)
	}
	switch c.state {
	case cwPassing:
		return c.w.Write(b)
	case cwHolding:
		return c.held.Write(b)
	}
	return len(b), nil
}

func (c *codedWriter) Flush() {
	if c.state == cwUndecided {
		c.decide(nil)
	}
	if c.state != cwHolding {
		if f, ok := c.w.(http.Flusher); ok {
			f.Flush()
		}
	}
}

// decide looks at the answer as it starts: the headers (and trailers
// already set), the status and the first bytes of the body.
func (c *codedWriter) decide(first []byte) {
	h := c.w.Header()
	status := c.status
	if status == 0 {
		status = http.StatusOK
	}
	switch {
	case hasWin32(h):
		c.pass()
	case status != http.StatusOK:
		c.state = cwHolding
	case grpcStatus(h) != "" && grpcStatus(h) != "0":
		c.rewrite(c.grpcError(h))
	case c.connectStreaming() && len(first) > 0 && first[0]&0b10 != 0:
		c.state = cwHolding // an end-of-stream message: an error?
	default:
		c.pass()
	}
}

func (c *codedWriter) pass() {
	c.state = cwPassing
	if c.status != 0 {
		c.w.WriteHeader(c.status)
	}
}

// finish completes the answer once Connect has returned.
func (c *codedWriter) finish() {
	switch c.state {
	case cwUndecided:
		if c.status != 0 || len(c.w.Header()) > 0 {
			c.decide(nil)
		}
	case cwHolding:
		if ce := c.heldError(); ce != nil {
			c.rewrite(ce)
			return
		}
		c.pass() // a coded end of stream, or a clean one
		_, _ = c.w.Write(c.held.Bytes())
	}
}

// heldError is the held answer's error with its Win32 code, or nil if it
// is not an error that lacks one.
func (c *codedWriter) heldError() *connect.Error {
	body := c.held.Bytes()
	if c.status == 0 || c.status == http.StatusOK {
		// A Connect end of stream: 5-byte prefix, then JSON.
		var end struct {
			Error    *wireError          `json:"error"`
			Metadata map[string][]string `json:"metadata"`
		}
		if len(body) < 5 || body[0]&1 != 0 || int(binary.BigEndian.Uint32(body[1:5])) != len(body)-5 ||
			json.Unmarshal(body[5:], &end) != nil || end.Error == nil || hasWin32(end.Metadata) {
			return nil
		}
		return end.Error.coded()
	}
	var we wireError
	if strings.HasPrefix(c.w.Header().Get("Content-Type"), "application/json") && json.Unmarshal(body, &we) == nil && we.Code != "" {
		return we.coded()
	}
	cc, code := fromHTTPStatus(c.status)
	msg := strings.TrimSpace(string(body))
	if msg == "" || len(msg) > 200 {
		msg = http.StatusText(c.status)
	}
	if c.status == http.StatusUnsupportedMediaType {
		msg = fmt.Sprintf("content type %q is not one the API takes (%s)", c.r.Header.Get("Content-Type"), c.w.Header().Get("Accept-Post"))
	}
	return win32Error(cc, code, msg)
}

// wireError is the JSON form of a Connect error.
type wireError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *wireError) coded() *connect.Error {
	var cc connect.Code
	if cc.UnmarshalText([]byte(e.Code)) != nil {
		cc = connect.CodeUnknown
	}
	return codeConnect(connect.NewError(cc, fmt.Errorf("%s", e.Message)))
}

// grpcError reads the error of a gRPC or gRPC-Web answer from its
// headers (trailers-only) or trailers, and gives it its Win32 code.
func (c *codedWriter) grpcError(h http.Header) *connect.Error {
	n, err := strconv.Atoi(grpcStatus(h))
	cc := connect.Code(n)
	if err != nil || n < 1 || n > 16 {
		cc = connect.CodeUnknown
	}
	msg := headerValue(h, "Grpc-Message")
	if m, err := url.PathUnescape(msg); err == nil {
		msg = m
	}
	return codeConnect(connect.NewError(cc, fmt.Errorf("%s", msg)))
}

// rewrite drops what Connect wrote for the error and writes ce in the
// caller's protocol instead. A Connect unary answer keeps the HTTP status
// Connect chose (415 stays 415).
func (c *codedWriter) rewrite(ce *connect.Error) {
	c.state = cwDone
	if c.s.observe != nil && procedures[c.proc] {
		c.s.observe(c.proc, win32Of(ce), 0)
	}
	h := c.w.Header()
	for k := range h {
		if strings.HasPrefix(k, http.TrailerPrefix) || strings.HasPrefix(strings.ToLower(k), "grpc-") {
			delete(h, k)
		}
	}
	for _, k := range []string{"Trailer", "Content-Length", "Content-Encoding", "Connect-Content-Encoding"} {
		h.Del(k)
	}
	if !c.connectUnary() || c.status == 0 || c.status == http.StatusOK {
		_ = errorWriter.Write(c.w, c.r, ce)
		return
	}
	// Connect's unary error form, with the status it had.
	rec := &recorder{h: http.Header{}}
	_ = errorWriter.Write(rec, c.r, ce)
	for k, vs := range rec.h {
		h[k] = vs
	}
	c.w.WriteHeader(c.status)
	_, _ = c.w.Write(rec.body.Bytes())
}

// connectUnary reports whether the caller speaks, or may be taken to
// speak, the Connect protocol's unary form: anything but gRPC, gRPC-Web
// and Connect streaming.
func (c *codedWriter) connectUnary() bool {
	ct := strings.ToLower(c.r.Header.Get("Content-Type"))
	return !strings.HasPrefix(ct, "application/grpc") && !strings.HasPrefix(ct, "application/connect+")
}

func (c *codedWriter) connectStreaming() bool {
	return strings.HasPrefix(strings.ToLower(c.r.Header.Get("Content-Type")), "application/connect+")
}

// recorder keeps what an error writer writes.
type recorder struct {
	h    http.Header
	body bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.h }
func (r *recorder) WriteHeader(int)             {}
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }

// grpcStatus is the grpc-status of an answer, as a header (trailers-only)
// or a trailer already set; "" for none.
func grpcStatus(h http.Header) string { return headerValue(h, "Grpc-Status") }

// headerValue finds name among h's headers and the trailers set in it
// (http.TrailerPrefix), in any case.
func headerValue(h http.Header, name string) string {
	if v := h.Get(name); v != "" {
		return v
	}
	for k, vs := range h {
		if len(vs) > 0 && strings.HasPrefix(k, http.TrailerPrefix) && strings.EqualFold(k[len(http.TrailerPrefix):], name) {
			return vs[0]
		}
	}
	return ""
}

func hasWin32(h http.Header) bool {
	if headerValue(h, Win32Header) != "" {
		return true
	}
	for k, vs := range h { // JSON metadata keeps the case it was sent in
		if strings.EqualFold(k, Win32Header) && len(vs) > 0 {
			return true
		}
	}
	return false
}
