package server

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"connectrpc.com/connect"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	grpccodes "google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/batoncluster/baton/clusapi"
	"github.com/batoncluster/baton/internal/store"
)

// Every error leaves with a Win32 code: the database's failures with
// codes of their own, anything unforeseen as ERROR_INVALID_FUNCTION, never
// a bare Internal error.
func TestToConnectGivesEveryErrorACode(t *testing.T) {
	coded := ToConnect(fmt.Errorf("group %q not found: %w", "G", clusapi.ERROR_GROUP_NOT_FOUND))
	tests := []struct {
		name string
		err  error
		cc   connect.Code
		want clusapi.Errno
	}{
		{"a Win32 code", fmt.Errorf("x: %w", clusapi.ERROR_CLUSTER_RESOURCE_LOCKED_STATUS), connect.CodeFailedPrecondition, clusapi.ERROR_CLUSTER_RESOURCE_LOCKED_STATUS},
		{"a conflict that outlasted the retries", fmt.Errorf("store: update: %w after 20 attempts", store.ErrConflict), connect.CodeAborted, clusapi.ERROR_CLUSTER_DATABASE_UPDATE_CONDITION_FAILED},
		{"no leader", fmt.Errorf("store: commit: %w", rpctypes.ErrNoLeader), connect.CodeUnavailable, clusapi.ERROR_CLUSTER_NO_QUORUM},
		{"request timed out", fmt.Errorf("store: commit: %w", rpctypes.ErrTimeout), connect.CodeUnavailable, clusapi.ERROR_CLUSTER_NO_QUORUM},
		{"leader lost", fmt.Errorf("store: commit: %w", rpctypes.ErrTimeoutDueToLeaderFail), connect.CodeUnavailable, clusapi.ERROR_CLUSTER_NO_QUORUM},
		{"no member reachable", fmt.Errorf("store: commit: %w", status.Error(grpccodes.Unavailable, "connection refused")), connect.CodeUnavailable, clusapi.ERROR_CLUSTER_NO_QUORUM},
		{"a transaction too large for etcd", fmt.Errorf("store: commit: %w", rpctypes.ErrRequestTooLarge), connect.CodeResourceExhausted, clusapi.ERROR_INVALID_PARAMETER},
		{"too many operations", fmt.Errorf("store: commit: %w", rpctypes.ErrTooManyOps), connect.CodeResourceExhausted, clusapi.ERROR_INVALID_PARAMETER},
		{"a message too large for the client", fmt.Errorf("store: commit: %w", status.Error(grpccodes.ResourceExhausted, "trying to send message larger than max")), connect.CodeResourceExhausted, clusapi.ERROR_INVALID_PARAMETER},
		{"a record the store cannot read back", fmt.Errorf("%w: /baton/v1/resources/R: bad", store.ErrUnencodable), connect.CodeInvalidArgument, clusapi.ERROR_INVALID_PARAMETER},
		{"a database without a leader", fmt.Errorf("store: sync: %w", store.ErrNoQuorum), connect.CodeUnavailable, clusapi.ERROR_CLUSTER_NO_QUORUM},
		{"a record of a newer schema version", fmt.Errorf("%w: /baton/v1/groups/G is of schema version 3", store.ErrNewerSchema), connect.CodeFailedPrecondition, clusapi.ERROR_CLUSTER_INCOMPATIBLE_VERSIONS},
		{"a context that ended", fmt.Errorf("store: sync: %w", context.DeadlineExceeded), connect.CodeDeadlineExceeded, clusapi.WAIT_TIMEOUT},
		{"a database out of space", fmt.Errorf("store: commit: %w", rpctypes.ErrNoSpace), connect.CodeInternal, clusapi.ERROR_INVALID_FUNCTION},
		{"anything else", errors.New("something unforeseen"), connect.CodeInternal, clusapi.ERROR_INVALID_FUNCTION},
		{"Connect's own", connect.NewError(connect.CodeInvalidArgument, errors.New("unmarshal message")), connect.CodeInvalidArgument, clusapi.ERROR_INVALID_PARAMETER},
		{"Connect's own, over the limit", connect.NewError(connect.CodeResourceExhausted, errors.New("message too large")), connect.CodeResourceExhausted, clusapi.ERROR_INVALID_PARAMETER},
		{"already coded", coded, connect.CodeNotFound, clusapi.ERROR_GROUP_NOT_FOUND},
	}
	for _, tt := range tests {
		ce := ToConnect(tt.err)
		if ce.Code() != tt.cc {
			t.Errorf("%s: Connect code %v, want %v", tt.name, ce.Code(), tt.cc)
		}
		if got := ce.Meta().Get(Win32Header); got != fmt.Sprint(uint32(tt.want)) {
			t.Errorf("%s: %s %q, want %d", tt.name, Win32Header, got, tt.want)
		}
		if got := clusapi.FromConnectError(ce); got.Code != tt.want {
			t.Errorf("%s: detail says %v, want %v", tt.name, got.Code, tt.want)
		}
		if prefix := fmt.Sprintf("%s (%d): ", tt.want.String(), uint32(tt.want)); len(ce.Message()) < len(prefix) || ce.Message()[:len(prefix)] != prefix {
			t.Errorf("%s: message %q does not start with %q", tt.name, ce.Message(), prefix)
		}
	}
	if ToConnect(coded) != coded {
		t.Error("an error that has its code is made again")
	}
}
