package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"connectrpc.com/connect"

	"github.com/batoncluster/baton/api/baton/v1/batonv1connect"
	"github.com/batoncluster/baton/clusapi"
	"github.com/batoncluster/baton/internal/dial"
	"github.com/batoncluster/baton/internal/store"
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
	batonv1connect.GroupServiceExplainGroupProcedure:           true,
	batonv1connect.GroupServiceListOperationsProcedure:         true,
	batonv1connect.JoinServiceListJoinTokensProcedure:          true,
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

// guard is the interceptor every call passes: handle, then access, then
// the handler; and the one place errors become Connect errors.
type guard struct{ s *Server }

// admit runs the checks every call passes before its handler: the handle
// names this cluster, the caller is someone, and has the access the
// procedure needs. It returns the context the handler runs with.
func (g guard) admit(ctx context.Context, proc string, h http.Header) (context.Context, error) {
	v := g.s.st.View()
	if id := h.Get(dial.ClusterIDHeader); id != "" {
		if c := v.Cluster(); c == nil || c.ID != id {
			return nil, ToConnect(fmt.Errorf("the handle was opened on another cluster (%s): %w", id, clusapi.ERROR_INVALID_HANDLE))
		}
	}
	p, ok := principalOf(ctx, h, v)
	if !ok && publicProcedures[proc] {
		return context.WithValue(ctx, callerKey{}, caller{}), nil
	}
	if !ok {
		return nil, ToConnect(fmt.Errorf("no credentials: connect over the agent's Unix socket, or send a bearer token (baton acl token create): %w", clusapi.ERROR_ACCESS_DENIED))
	}
	access := accessOf(p, v.Security())
	switch {
	case access == "":
		return nil, ToConnect(fmt.Errorf("%s has no access to this cluster (an administrator can run: baton acl grant %s --access read|full): %w", p, p, clusapi.ERROR_ACCESS_DENIED))
	case access != store.AccessFull && !readOnly[proc]:
		return nil, ToConnect(fmt.Errorf("%s has Read access; this call needs Full (baton acl grant %s --access full): %w", p, p, clusapi.ERROR_ACCESS_DENIED))
	}
	return context.WithValue(ctx, callerKey{}, caller{Principal: p, access: access}), nil
}

func (g guard) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (resp connect.AnyResponse, err error) {
		if g.s.observe != nil {
			start := time.Now()
			defer func() { g.s.observe(req.Spec().Procedure, clusapi.FromConnectError(err).Win32(), time.Since(start)) }()
		}
		ctx, err = g.admit(ctx, req.Spec().Procedure, req.Header())
		if err != nil {
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
		ctx, err := g.admit(ctx, conn.Spec().Procedure, conn.RequestHeader())
		if err != nil {
			return err
		}
		if err := next(ctx, conn); err != nil {
			return toConnectErr(err)
		}
		return nil
	}
}

func toConnectErr(err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return connect.NewError(connect.CodeDeadlineExceeded, err)
	}
	return ToConnect(err)
}
