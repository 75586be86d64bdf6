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
	out := connect.NewError(cc, fmt.Errorf("%s (%d): %s", code.String(), uint32(code), msg))
	if d, derr := connect.NewErrorDetail(&batonv1.Win32Error{Code: uint32(code), Name: code.String()}); derr == nil {
		out.AddDetail(d)
	}
	out.Meta().Set(Win32Header, fmt.Sprint(uint32(code)))
	return out
}
