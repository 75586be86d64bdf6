package clusapi

import (
	"errors"
	"testing"

	"connectrpc.com/connect"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
)

// FromConnectError finds the Win32 code wherever the agent put it — the
// detail, the header, the start of the message — and gives every error an
// Errno, even one that carries no code at all.
func TestFromConnectErrorAlwaysHasACode(t *testing.T) {
	withDetail := connect.NewError(connect.CodeInvalidArgument, errors.New("ERROR_INVALID_PARAMETER (87): bad flags"))
	d, err := connect.NewErrorDetail(&batonv1.Win32Error{Code: 87, Name: "ERROR_INVALID_PARAMETER"})
	if err != nil {
		t.Fatal(err)
	}
	withDetail.AddDetail(d)
	withHeader := connect.NewError(connect.CodeAborted, errors.New("conflicting change"))
	withHeader.Meta().Set("Baton-Win32-Code", "5986")
	tests := []struct {
		name string
		err  error
		want Errno
		msg  string
	}{
		{"detail", withDetail, ERROR_INVALID_PARAMETER, "bad flags"},
		{"header only", withHeader, ERROR_CLUSTER_DATABASE_UPDATE_CONDITION_FAILED, "conflicting change"},
		{"message only", connect.NewError(connect.CodeUnavailable, errors.New("ERROR_CLUSTER_NO_QUORUM (5925): no leader")), ERROR_CLUSTER_NO_QUORUM, "no leader"},
		{"a name that does not match its number", connect.NewError(connect.CodeInternal, errors.New("ERROR_ACCESS_DENIED (87): x")), ERROR_INVALID_FUNCTION, "ERROR_ACCESS_DENIED (87): x"},
		{"bare invalid argument", connect.NewError(connect.CodeInvalidArgument, errors.New("unmarshal message")), ERROR_INVALID_PARAMETER, "unmarshal message"},
		{"bare aborted", connect.NewError(connect.CodeAborted, errors.New("x")), ERROR_CLUSTER_DATABASE_UPDATE_CONDITION_FAILED, "x"},
		{"bare internal", connect.NewError(connect.CodeInternal, errors.New("x")), ERROR_INVALID_FUNCTION, "x"},
		{"bare unknown (a bare HTTP 415)", connect.NewError(connect.CodeUnknown, nil), ERROR_INVALID_FUNCTION, "unknown"},
		{"not a Connect error", errors.New("dial tcp: refused"), RPC_S_SERVER_UNAVAILABLE, "dial tcp: refused"},
	}
	for _, tt := range tests {
		got := FromConnectError(tt.err)
		if got.Code != tt.want || got.Message != tt.msg {
			t.Errorf("%s: %v (code %d, message %q), want %d, %q", tt.name, got, uint32(got.Code), got.Message, uint32(tt.want), tt.msg)
		}
		if !errors.Is(got, tt.want) {
			t.Errorf("%s: errors.Is(%v, %v) is false", tt.name, got, tt.want)
		}
	}
	if FromConnectError(nil) != nil {
		t.Error("FromConnectError(nil) is not nil")
	}
}
