package server

import (
	"errors"
	"fmt"
	"strings"

	"connectrpc.com/connect"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
	"github.com/batoncluster/baton/clusapi"
)

// codes is the one table from Win32 codes to Connect codes; a code not in it
// maps to FailedPrecondition (the request was understood but the cluster
// is not in a state to do it).
var codes = map[clusapi.Errno]connect.Code{
	clusapi.ERROR_ACCESS_DENIED:                       connect.CodePermissionDenied,
	clusapi.ERROR_INVALID_HANDLE:                      connect.CodeInvalidArgument,
	clusapi.ERROR_INVALID_PARAMETER:                   connect.CodeInvalidArgument,
	clusapi.ERROR_CLUSTER_PROPERTY_DATA_TYPE_MISMATCH: connect.CodeInvalidArgument,
	clusapi.ERROR_CLUSTER_PARAMETER_OUT_OF_BOUNDS:     connect.CodeInvalidArgument,
	clusapi.ERROR_GROUP_NOT_FOUND:                     connect.CodeNotFound,
	clusapi.ERROR_GROUP_NOT_AVAILABLE:                 connect.CodeNotFound,
	clusapi.ERROR_RESOURCE_NOT_FOUND:                  connect.CodeNotFound,
	clusapi.ERROR_RESOURCE_NOT_AVAILABLE:              connect.CodeNotFound,
	clusapi.ERROR_CLUSTER_NODE_NOT_FOUND:              connect.CodeNotFound,
	clusapi.ERROR_CLUSTER_RESOURCE_TYPE_NOT_FOUND:     connect.CodeNotFound,
	clusapi.ERROR_DEPENDENCY_NOT_FOUND:                connect.CodeNotFound,
	clusapi.ERROR_OBJECT_ALREADY_EXISTS:               connect.CodeAlreadyExists,
	clusapi.ERROR_DEPENDENCY_ALREADY_EXISTS:           connect.CodeAlreadyExists,
	clusapi.ERROR_SHUTDOWN_CLUSTER:                    connect.CodeUnavailable,
	clusapi.ERROR_CLUSTER_SHUTTING_DOWN:               connect.CodeUnavailable,
	clusapi.RPC_S_SERVER_UNAVAILABLE:                  connect.CodeUnavailable,
}

// Win32Header carries the Win32 code of an error in HTTP headers too, for
// callers that read neither the detail nor the message.
const Win32Header = "Baton-Win32-Code"

// ToConnect turns an error into a Connect error carrying its Win32 code
// as a detail (and a header). Errors without a code are internal.
func ToConnect(err error) *connect.Error {
	var ce *connect.Error
	if errors.As(err, &ce) {
		return ce
	}
	var code clusapi.Errno
	if !errors.As(err, &code) {
		return connect.NewError(connect.CodeInternal, err)
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

// win32Error is a Connect error with code cc carrying the Win32 code as a
// detail and a header, its message prefixed with the code's name.
func win32Error(cc connect.Code, code clusapi.Errno, msg string) *connect.Error {
	out := connect.NewError(cc, fmt.Errorf("%s (%d): %s", code.String(), uint32(code), msg))
	addWin32(out, code)
	return out
}

func addWin32(out *connect.Error, code clusapi.Errno) {
	if d, derr := connect.NewErrorDetail(&batonv1.Win32Error{Code: uint32(code), Name: code.String()}); derr == nil {
		out.AddDetail(d)
	}
	out.Meta().Set(Win32Header, fmt.Sprint(uint32(code)))
}

// tooLarge is the error of a request over a size limit:
// ERROR_INVALID_PARAMETER, as a ResourceExhausted Connect error (the code
// Connect itself uses for messages over its limit, which clients map to
// 87 as well).
func tooLarge(limit int64) *connect.Error {
	return win32Error(connect.CodeResourceExhausted, clusapi.ERROR_INVALID_PARAMETER,
		fmt.Sprintf("the request is larger than the %d bytes the agent accepts", limit))
}
