package clusapi

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"connectrpc.com/connect"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
	"github.com/batoncluster/baton/internal/dial"
)

// APIError is an error answered by the cluster (or by this package on its
// behalf, for a closed handle or an unreachable agent): the Win32 code and
// the server's explanation.
//
// errors.Is(err, ERROR_GROUP_NOT_FOUND) matches it by code, and
//
//	var code clusapi.Errno
//	errors.As(err, &code)
//
// extracts the code.
type APIError struct {
	Code    Errno  // the Win32 code, never ERROR_SUCCESS
	Message string // what was wrong, in words; may be empty

	// cause is, for a call the agent did not answer with a Win32 code,
	// the failure underneath (a refused connection, a certificate not
	// from the cluster CA, ...); nil for an answered error.
	cause error
}

// Error returns the code's name and value and the message, for example
// `ERROR_GROUP_NOT_FOUND (5013): group "x" not found`.
func (e *APIError) Error() string {
	if e.Message == "" {
		return e.Code.Error()
	}
	return e.Code.Error() + ": " + e.Message
}

// Unwrap returns the Code, so that errors.Is and errors.As see the Errno,
// and, for a call the agent did not answer with a Win32 code (the
// transport failed: RPC_S_SERVER_UNAVAILABLE, RPC_S_CALL_FAILED; or
// something else answered), the failure underneath, so that errors.Is and
// errors.As see that too (for example a *net.OpError, or
// context.DeadlineExceeded for a call that ran out of time).
func (e *APIError) Unwrap() []error {
	if e.cause == nil {
		return []error{e.Code}
	}
	return []error{e.Code, e.cause}
}

// GroupStateError reports that a group operation finished, but the group
// did not end in the state the operation asked for (an offline that ended
// Failed, an online superseded by an offline, ...).
type GroupStateError struct {
	Group string
	Want  ClusterGroupState // Offline for an offline, Online for an online
	Got   ClusterGroupState // the state the group settled in
	// Code is the Win32 code that describes the outcome:
	// ERROR_RESOURCE_FAILED when the group failed, ERROR_GROUP_NOT_ONLINE
	// when an online ended Offline or PartialOnline, ERROR_INVALID_STATE
	// when an offline ended (partly) Online.
	Code Errno
}

// Error says which state the group is in instead of the one asked for.
func (e *GroupStateError) Error() string {
	return fmt.Sprintf("group %q is %s, not %s: %v", e.Group, e.Got, e.Want, e.Code)
}

// Unwrap returns the Code.
func (e *GroupStateError) Unwrap() error { return e.Code }

// ResourceStateError reports that a resource operation finished, but the
// resource did not end in the state the operation asked for.
type ResourceStateError struct {
	Resource string
	Want     ClusterResourceState // Offline for an offline, Online for an online
	Got      ClusterResourceState // the state the resource settled in
	// Code is ERROR_RESOURCE_FAILED when the resource failed,
	// ERROR_RESOURCE_NOT_ONLINE when an online ended Offline, and
	// ERROR_INVALID_STATE when an offline ended Online.
	Code Errno
}

// Error says which state the resource is in instead of the one asked for.
func (e *ResourceStateError) Error() string {
	return fmt.Sprintf("resource %q is %s, not %s: %v", e.Resource, e.Got, e.Want, e.Code)
}

// Unwrap returns the Code.
func (e *ResourceStateError) Unwrap() error { return e.Code }

// ErrnoOf returns the Win32 code of err: ERROR_SUCCESS for nil, the Errno
// err wraps, or ERROR_INVALID_FUNCTION for an error without one. It plays
// the part of GetLastError() in code ported from Windows:
//
//	hGroup, err := clusapi.OpenClusterGroup(hCluster, "DemoGroup")
//	if hGroup == nil {
//		code := clusapi.ErrnoOf(err)
//		...
//	}
func ErrnoOf(err error) Errno {
	if err == nil {
		return ERROR_SUCCESS
	}
	var code Errno
	if errors.As(err, &code) {
		return code
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return RPC_S_SERVER_UNAVAILABLE
	}
	return ERROR_INVALID_FUNCTION
}

// FromConnectError reads the Win32 code and message out of an error of
// the generated Connect clients (api/baton/v1/batonv1connect), for code
// that calls them directly. nil gives nil.
func FromConnectError(err error) *APIError {
	if err == nil {
		return nil
	}
	var ae *APIError
	if errors.As(err, &ae) {
		return ae
	}
	return callError(context.Background(), "", err).(*APIError)
}

// Win32 is the error's code; a nil *APIError is ERROR_SUCCESS.
func (e *APIError) Win32() Errno {
	if e == nil {
		return ERROR_SUCCESS
	}
	return e.Code
}

// apiErr makes an error answered by this package itself.
func apiErr(code Errno, format string, args ...any) *APIError {
	return &APIError{Code: code, Message: fmt.Sprintf(format, args...)}
}

// callError turns the error of a Connect call into the error this package
// returns: the caller's own context error when ctx ended (wrapped, so
// errors.Is(err, context.Canceled) holds), else an *APIError carrying the
// Win32 code the server attached, or one derived from the transport error.
func callError(ctx context.Context, call string, err error) error {
	return sentCallError(ctx, call, err, false)
}

// sentCallError is callError for a call whose request was sent (the
// whole of it written to the connection) when sent is true. Then a
// failure that carries no answer from the cluster — the connection lost,
// the caller's context ended while waiting — leaves the outcome unknown:
// RPC_S_CALL_FAILED, never a code that reads as a refusal. Before the
// request was sent, such failures are RPC_S_SERVER_UNAVAILABLE: nothing
// reached the cluster, nothing changed.
func sentCallError(ctx context.Context, call string, err error, sent bool) error {
	if cerr := ctx.Err(); cerr != nil {
		if sent {
			return fmt.Errorf("clusapi: %s: %w after the request was sent; whether it took effect is unknown: %w", call, cerr, RPC_S_CALL_FAILED)
		}
		return fmt.Errorf("clusapi: %s: %w", call, cerr)
	}
	lost := RPC_S_SERVER_UNAVAILABLE
	if sent {
		lost = RPC_S_CALL_FAILED
	}
	// The client's own refusals of the agent (its certificate, the
	// socket's directory) are transport failures, told in their own words.
	var certErr *dial.CertError
	var dirErr *dial.SocketDirError
	switch {
	case errors.As(err, &certErr):
		return &APIError{Code: RPC_S_SERVER_UNAVAILABLE, Message: prefixed(call, certErr.Error()), cause: err}
	case errors.As(err, &dirErr):
		return &APIError{Code: RPC_S_SERVER_UNAVAILABLE, Message: prefixed(call, dirErr.Error()), cause: err}
	}
	var ce *connect.Error
	if !errors.As(err, &ce) {
		return &APIError{Code: lost, Message: prefixed(call, err.Error()), cause: err}
	}
	for _, d := range ce.Details() {
		v, derr := d.Value()
		if derr != nil {
			continue
		}
		if w, ok := v.(*batonv1.Win32Error); ok {
			return answered(Errno(w.GetCode()), ce.Message(), sent)
		}
	}
	// No detail (a proxy may drop them): the code in the header, or at
	// the start of the message, as the agent puts it on every error.
	if code, ok := headerCode(ce); ok {
		return answered(code, ce.Message(), sent)
	}
	if code, ok := messageCode(ce.Message()); ok {
		return answered(code, ce.Message(), sent)
	}
	// No Win32 code at all: the agent did not answer, or something
	// between it and us (a proxy, a wrong address) answered instead.
	code := connectErrno(ce.Code())
	if code == RPC_S_SERVER_UNAVAILABLE {
		code = lost
	}
	msg := ce.Message()
	if msg == "" {
		msg = ce.Code().String()
	}
	return &APIError{Code: code, Message: prefixed(call, msg), cause: err}
}

// answered is the error of a call the agent answered with code. The agent
// answers WAIT_TIMEOUT when its context ended during the call (the
// caller's deadline, which Connect passes on, or the caller gone): a
// change it was making may or may not be done, so for a sent call that is
// RPC_S_CALL_FAILED, outcome unknown, not a refusal.
func answered(code Errno, msg string, sent bool) *APIError {
	msg = trimCode(code, msg)
	if code == WAIT_TIMEOUT && sent {
		return &APIError{Code: RPC_S_CALL_FAILED, Message: "the agent stopped waiting (WAIT_TIMEOUT: " + msg + "); whether the call took effect is unknown"}
	}
	return &APIError{Code: code, Message: msg}
}

// connectErrno is the Win32 code of a Connect error that carries none.
func connectErrno(c connect.Code) Errno {
	switch c {
	case connect.CodeUnavailable, connect.CodeDeadlineExceeded, connect.CodeCanceled:
		return RPC_S_SERVER_UNAVAILABLE
	case connect.CodePermissionDenied, connect.CodeUnauthenticated:
		return ERROR_ACCESS_DENIED
	case connect.CodeInvalidArgument, connect.CodeResourceExhausted, connect.CodeOutOfRange:
		// ResourceExhausted: a message over the size limit of one side.
		return ERROR_INVALID_PARAMETER
	case connect.CodeAborted:
		return ERROR_CLUSTER_DATABASE_UPDATE_CONDITION_FAILED
	}
	return ERROR_INVALID_FUNCTION
}

// win32Header is the header the agent puts every error's Win32 code in
// (server.Win32Header).
const win32Header = "Baton-Win32-Code"

// headerCode reads the Win32 code of the Baton-Win32-Code header (or
// trailer).
func headerCode(ce *connect.Error) (Errno, bool) {
	v := ce.Meta().Get(win32Header)
	if v == "" {
		return 0, false
	}
	n, err := strconv.ParseUint(v, 10, 32)
	if err != nil || n == 0 {
		return 0, false
	}
	return Errno(n), true
}

// messageCode reads the code at the start of an agent's message:
// "NAME (N): …" or "NAME (N)", the name matching the number.
func messageCode(msg string) (Errno, bool) {
	name, rest, ok := strings.Cut(msg, " (")
	if !ok {
		return 0, false
	}
	num, _, ok := strings.Cut(rest, ")")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseUint(num, 10, 32)
	if err != nil || n == 0 || Errno(n).String() != name {
		return 0, false
	}
	return Errno(n), true
}

func prefixed(call, msg string) string {
	if call == "" {
		return msg
	}
	return call + ": " + msg
}

// trimCode removes the "NAME (N): " prefix the server puts in front of its
// messages (and a ": NAME (N)" suffix), since APIError.Error adds it back.
func trimCode(code Errno, msg string) string {
	prefix := fmt.Sprintf("%s (%d)", code.String(), uint32(code))
	rest, ok := strings.CutPrefix(msg, prefix)
	if !ok {
		return msg
	}
	rest = strings.TrimPrefix(rest, ": ")
	// Servers that wrap the code with %w repeat it at the end.
	rest = strings.TrimSuffix(rest, ": "+code.Error())
	if rest == code.String() || rest == code.Error() {
		return ""
	}
	return rest
}
