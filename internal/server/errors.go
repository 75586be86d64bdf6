package server

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"connectrpc.com/connect"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	grpccodes "google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/store"
)

// codes is the one table from Win32 codes to Connect codes; a code not in it
// maps to FailedPrecondition (the request was understood but the cluster
// is not in a state to do it).
var codes = map[wsfc.Errno]connect.Code{
	wsfc.ERROR_INVALID_FUNCTION:                         connect.CodeUnimplemented,
	wsfc.ERROR_ACCESS_DENIED:                            connect.CodePermissionDenied,
	wsfc.ERROR_INVALID_HANDLE:                           connect.CodeInvalidArgument,
	wsfc.ERROR_INVALID_PARAMETER:                        connect.CodeInvalidArgument,
	wsfc.ERROR_INVALID_NAME:                             connect.CodeInvalidArgument,
	wsfc.WAIT_TIMEOUT:                                   connect.CodeDeadlineExceeded,
	wsfc.ERROR_CLUSTER_PROPERTY_DATA_TYPE_MISMATCH:      connect.CodeInvalidArgument,
	wsfc.ERROR_CLUSTER_PARAMETER_OUT_OF_BOUNDS:          connect.CodeInvalidArgument,
	wsfc.ERROR_GROUP_NOT_FOUND:                          connect.CodeNotFound,
	wsfc.ERROR_GROUP_NOT_AVAILABLE:                      connect.CodeNotFound,
	wsfc.ERROR_RESOURCE_NOT_FOUND:                       connect.CodeNotFound,
	wsfc.ERROR_RESOURCE_NOT_AVAILABLE:                   connect.CodeNotFound,
	wsfc.ERROR_CLUSTER_NODE_NOT_FOUND:                   connect.CodeNotFound,
	wsfc.ERROR_CLUSTER_RESOURCE_TYPE_NOT_FOUND:          connect.CodeNotFound,
	wsfc.ERROR_DEPENDENCY_NOT_FOUND:                     connect.CodeNotFound,
	wsfc.ERROR_OBJECT_ALREADY_EXISTS:                    connect.CodeAlreadyExists,
	wsfc.ERROR_ALREADY_EXISTS:                           connect.CodeAlreadyExists,
	wsfc.ERROR_DEPENDENCY_ALREADY_EXISTS:                connect.CodeAlreadyExists,
	wsfc.ERROR_SHUTDOWN_CLUSTER:                         connect.CodeUnavailable,
	wsfc.ERROR_CLUSTER_SHUTTING_DOWN:                    connect.CodeUnavailable,
	wsfc.RPC_S_SERVER_UNAVAILABLE:                       connect.CodeUnavailable,
	wsfc.ERROR_CLUSTER_NO_QUORUM:                        connect.CodeUnavailable,
	wsfc.ERROR_CLUSTER_DATABASE_UPDATE_CONDITION_FAILED: connect.CodeAborted,
}

// fromConnect is the Win32 code of an error Connect made itself, from its
// Connect code. The request could not be read — malformed protobuf or
// JSON, a negative number for a uint32, invalid UTF-8, a body or message
// over the limit, a bad timeout (InvalidArgument, ResourceExhausted), a
// compression the agent does not take or a unary call with no message or
// two (Unimplemented) — is ERROR_INVALID_PARAMETER, as is a content type
// Connect does not take (HTTP 415, fromHTTPStatus): the procedure exists
// and the caller may call it, but the request is not in a form it takes.
// A procedure that does not exist (HTTP 404, fromHTTPStatus) is
// ERROR_INVALID_FUNCTION, and so is a code not here.
var fromConnect = map[connect.Code]wsfc.Errno{
	connect.CodeInvalidArgument:    wsfc.ERROR_INVALID_PARAMETER,
	connect.CodeResourceExhausted:  wsfc.ERROR_INVALID_PARAMETER,
	connect.CodeOutOfRange:         wsfc.ERROR_INVALID_PARAMETER,
	connect.CodeFailedPrecondition: wsfc.ERROR_INVALID_PARAMETER,
	connect.CodeUnimplemented:      wsfc.ERROR_INVALID_PARAMETER,
	connect.CodePermissionDenied:   wsfc.ERROR_ACCESS_DENIED,
	connect.CodeUnauthenticated:    wsfc.ERROR_ACCESS_DENIED,
	connect.CodeDeadlineExceeded:   wsfc.WAIT_TIMEOUT,
	connect.CodeCanceled:           wsfc.WAIT_TIMEOUT,
	connect.CodeUnavailable:        wsfc.RPC_S_SERVER_UNAVAILABLE,
	connect.CodeAborted:            wsfc.ERROR_CLUSTER_DATABASE_UPDATE_CONDITION_FAILED,
}

// Win32Header carries the Win32 code of an error in HTTP headers too, for
// callers that read neither the detail nor the message.
const Win32Header = "Baton-Win32-Code"

// ToConnect turns an error into a Connect error carrying its Win32 code
// as a detail, a header and the start of its message. Every error gets
// one: a Win32 code the error wraps; for the cluster database's failures
// one of its own (storeCode); for Connect's own errors one from their
// Connect code (fromConnect); and for anything else, which is a bug,
// ERROR_INVALID_FUNCTION as an Internal error.
func ToConnect(err error) *connect.Error {
	var ce *connect.Error
	if errors.As(err, &ce) {
		return codeConnect(ce)
	}
	var code wsfc.Errno
	if !errors.As(err, &code) {
		cc, sc := storeCode(err)
		return win32Error(cc, sc, err.Error())
	}
	cc, ok := codes[code]
	if !ok {
		cc = connect.CodeFailedPrecondition
	}
	// Messages made with fmt.Errorf("…: %w", code) end in the code's own
	// text, which the prefix below already gives.
	msg := strings.TrimSuffix(err.Error(), ": "+code.Error())
	if msg == code.Error() {
		msg = code.String()
	}
	return win32Error(cc, code, msg)
}

// storeCode classifies an error that carries no Win32 code: a change that
// kept conflicting (store.Update gave up), a database that cannot be
// reached or has no leader, a record or transaction the database or the
// store refuses, a context that ended; else an internal error.
func storeCode(err error) (connect.Code, wsfc.Errno) {
	var ee rpctypes.EtcdError
	switch {
	case errors.Is(err, store.ErrNoQuorum):
		return connect.CodeUnavailable, wsfc.ERROR_CLUSTER_NO_QUORUM
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		return connect.CodeDeadlineExceeded, wsfc.WAIT_TIMEOUT
	case errors.Is(err, store.ErrConflict):
		return connect.CodeAborted, wsfc.ERROR_CLUSTER_DATABASE_UPDATE_CONDITION_FAILED
	case errors.Is(err, store.ErrUnencodable):
		return connect.CodeInvalidArgument, wsfc.ERROR_INVALID_PARAMETER
	case errors.Is(err, store.ErrNewerSchema):
		// A record a newer agent wrote, which this one must not change.
		return connect.CodeFailedPrecondition, wsfc.ERROR_CLUSTER_INCOMPATIBLE_VERSIONS
	case store.TooLarge(err):
		return connect.CodeResourceExhausted, wsfc.ERROR_INVALID_PARAMETER
	case errors.As(err, &ee):
		if c := ee.Code(); c == grpccodes.Unavailable || c == grpccodes.DeadlineExceeded {
			// No leader, a leader lost or changing, a member unhealthy
			// or out of reach: the database cannot decide anything.
			return connect.CodeUnavailable, wsfc.ERROR_CLUSTER_NO_QUORUM
		}
	case status.Code(err) == grpccodes.Unavailable:
		// The etcd client reaches no member.
		return connect.CodeUnavailable, wsfc.ERROR_CLUSTER_NO_QUORUM
	case status.Code(err) == grpccodes.ResourceExhausted:
		// The etcd client's own limit on what it sends: the change is
		// too large to store.
		return connect.CodeResourceExhausted, wsfc.ERROR_INVALID_PARAMETER
	}
	return connect.CodeInternal, wsfc.ERROR_INVALID_FUNCTION
}

// codeConnect gives an error Connect made itself (a request it could not
// read, a size limit) the Win32 code it lacks; one that has it is
// returned as it is.
func codeConnect(ce *connect.Error) *connect.Error {
	if ce.Meta().Get(Win32Header) != "" {
		return ce
	}
	code, ok := fromConnect[ce.Code()]
	if !ok {
		code = wsfc.ERROR_INVALID_FUNCTION
	}
	out := connect.NewError(ce.Code(), fmt.Errorf("%s (%d): %s", code.String(), uint32(code), ce.Message()))
	for k, vs := range ce.Meta() {
		for _, v := range vs {
			out.Meta().Add(k, v)
		}
	}
	for _, d := range ce.Details() {
		out.AddDetail(d)
	}
	addWin32(out, code)
	return out
}

// win32Error is a Connect error with code cc carrying the Win32 code as a
// detail and a header, its message prefixed with the code's name.
func win32Error(cc connect.Code, code wsfc.Errno, msg string) *connect.Error {
	out := connect.NewError(cc, fmt.Errorf("%s (%d): %s", code.String(), uint32(code), msg))
	addWin32(out, code)
	return out
}

func addWin32(out *connect.Error, code wsfc.Errno) {
	if d, derr := connect.NewErrorDetail(&batonv1.Win32Error{Code: uint32(code), Name: code.String()}); derr == nil {
		out.AddDetail(d)
	}
	out.Meta().Set(Win32Header, fmt.Sprint(uint32(code)))
}

// win32Of is the Win32 code err carries to its caller (ToConnect's
// Win32Header); ERROR_SUCCESS for nil.
func win32Of(err error) wsfc.Errno {
	if err == nil {
		return wsfc.ERROR_SUCCESS
	}
	n, perr := strconv.ParseUint(ToConnect(err).Meta().Get(Win32Header), 10, 32)
	if perr != nil {
		return wsfc.ERROR_INVALID_FUNCTION
	}
	return wsfc.Errno(n)
}

// tooLarge is the error of a request over a size limit:
// ERROR_INVALID_PARAMETER, as a ResourceExhausted Connect error (the code
// Connect itself uses for messages over its limit, which clients map to
// 87 as well).
func tooLarge(limit int64) *connect.Error {
	return win32Error(connect.CodeResourceExhausted, wsfc.ERROR_INVALID_PARAMETER,
		fmt.Sprintf("the request is larger than the %d bytes the agent accepts", limit))
}
