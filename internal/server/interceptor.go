package server

import (
	"context"
	"fmt"
	"time"

	"connectrpc.com/connect"

	"github.com/batoncluster/baton/api/baton/v1/batonv1connect"
	"github.com/batoncluster/baton/clusapi/wsfc"
)

// readOnly lists the procedures Read access may call; every other one
// changes something and needs Full.
var readOnly = map[string]bool{
	batonv1connect.ClusterServiceOpenClusterProcedure:          true,
	batonv1connect.ClusterServiceListResourceTypesProcedure:    true,
	batonv1connect.NodeServiceListNodesProcedure:               true,
	batonv1connect.GroupServiceOpenGroupProcedure:              true,
	batonv1connect.GroupServiceListGroupsProcedure:             true,
	batonv1connect.GroupServiceGetGroupProcedure:               true,
	batonv1connect.GroupServiceGetGroupStateProcedure:          true,
	batonv1connect.GroupServiceGetOperationProcedure:           true,
	batonv1connect.ResourceServiceOpenResourceProcedure:        true,
	batonv1connect.ResourceServiceListResourcesProcedure:       true,
	batonv1connect.ResourceServiceGetResourceProcedure:         true,
	batonv1connect.ResourceServiceGetResourceStateProcedure:    true,
	batonv1connect.AccessServiceListAccessProcedure:            true,
	batonv1connect.EventServiceWatchProcedure:                  true,
	batonv1connect.ClusterServiceDescribeResourceTypeProcedure: true,
	batonv1connect.ClusterServiceGetDatabaseStatusProcedure:    true,
	batonv1connect.GroupServiceExplainGroupProcedure:           true,
	batonv1connect.GroupServiceListOperationsProcedure:         true,
	batonv1connect.JoinServiceListJoinTokensProcedure:          true,
	// Control checks the code's access bits itself (control.go).
	batonv1connect.ControlServiceControlProcedure: true,
	// GetClusterResourceDependencyExpression needs Read, as [MS-CMRP] says.
	batonv1connect.VerbServiceGetResourceDependencyExpressionProcedure: true,
}

type callerKey struct{}

// caller is who is calling, and with which access.
type caller struct {
	Principal
	access string
}

func callerOf(ctx context.Context) caller {
	c, _ := ctx.Value(callerKey{}).(caller)
	return c
}

// guard is the interceptor every call passes: it finds the caller the
// edge admitted (edge.go), runs the handler, and is the one place errors
// become Connect errors.
type guard struct{ s *Server }

// admitted returns the caller the edge admitted for proc; a call that did
// not pass the edge (a handler mounted without it) is refused.
func admitted(ctx context.Context, proc string) error {
	if _, ok := ctx.Value(callerKey{}).(caller); ok || publicProcedures[proc] {
		return nil
	}
	return ToConnect(fmt.Errorf("the call was not authenticated: %w", wsfc.ERROR_ACCESS_DENIED))
}

func (g guard) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (resp connect.AnyResponse, err error) {
		if g.s.observe != nil {
			start := time.Now()
			defer func() { g.s.observe(req.Spec().Procedure, win32Of(err), time.Since(start)) }()
		}
		if err = admitted(ctx, req.Spec().Procedure); err != nil {
			return nil, err
		}
		resp, err = next(ctx, req)
		if err != nil {
			return nil, toConnectErr(err)
		}
		return resp, nil
	}
}

func (g guard) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

func (g guard) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) error {
		if err := admitted(ctx, conn.Spec().Procedure); err != nil {
			return err
		}
		if err := next(ctx, conn); err != nil {
			return toConnectErr(err)
		}
		return nil
	}
}

// toConnectErr is ToConnect for a handler's error: a Win32 code on every
// one, including Connect's own (a stream's message over the size limit,
// one it could not decode) and a context that ended (WAIT_TIMEOUT).
func toConnectErr(err error) error { return ToConnect(err) }
