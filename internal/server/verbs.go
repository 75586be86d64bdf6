package server

import (
	"context"

	"connectrpc.com/connect"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
)

// verbService is VerbService: the verbs of issue 14, item 10 (fail,
// restart, cancel, change group, rename, dependency expressions, possible
// owners). Each
// needs Full access (not in readOnly) but GetResourceDependencyExpression.
type verbService struct{ *Server }

func (s verbService) FailResource(ctx context.Context, req *connect.Request[batonv1.FailResourceRequest]) (*connect.Response[batonv1.FailResourceResponse], error) {
	if err := s.ops.FailResource(ctx, resourceRef(req.Msg.Resource)); err != nil {
		return nil, err
	}
	return connect.NewResponse(&batonv1.FailResourceResponse{}), nil
}

func (s verbService) RestartResource(ctx context.Context, req *connect.Request[batonv1.RestartResourceRequest]) (*connect.Response[batonv1.OperationResult], error) {
	res, err := s.ops.RestartResource(ctx, resourceRef(req.Msg.Resource), req.Msg.Flags, callerOf(ctx).String())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(opResult(res)), nil
}

func (s verbService) CancelGroupOperation(ctx context.Context, req *connect.Request[batonv1.CancelGroupOperationRequest]) (*connect.Response[batonv1.OperationResult], error) {
	res, err := s.ops.CancelGroupOperation(ctx, s.groupRef(req.Msg.Group), req.Msg.Flags, callerOf(ctx).String())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(opResult(res)), nil
}

func (s verbService) ChangeResourceGroup(ctx context.Context, req *connect.Request[batonv1.ChangeResourceGroupRequest]) (*connect.Response[batonv1.ChangeResourceGroupResponse], error) {
	moved, err := s.ops.ChangeResourceGroup(ctx, resourceRef(req.Msg.Resource), s.groupRef(req.Msg.Group), req.Msg.Flags)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&batonv1.ChangeResourceGroupResponse{Resources: moved}), nil
}

func (s verbService) RenameResource(ctx context.Context, req *connect.Request[batonv1.RenameResourceRequest]) (*connect.Response[batonv1.RenameResourceResponse], error) {
	if err := s.ops.RenameResource(ctx, resourceRef(req.Msg.Resource), req.Msg.Name); err != nil {
		return nil, err
	}
	return connect.NewResponse(&batonv1.RenameResourceResponse{}), nil
}

func (s verbService) RenameGroup(ctx context.Context, req *connect.Request[batonv1.RenameGroupRequest]) (*connect.Response[batonv1.RenameGroupResponse], error) {
	if err := s.ops.RenameGroup(ctx, s.groupRef(req.Msg.Group), req.Msg.Name); err != nil {
		return nil, err
	}
	return connect.NewResponse(&batonv1.RenameGroupResponse{}), nil
}

func (s verbService) SetResourceDependencyExpression(ctx context.Context, req *connect.Request[batonv1.SetResourceDependencyExpressionRequest]) (*connect.Response[batonv1.SetResourceDependencyExpressionResponse], error) {
	if err := s.ops.SetDependencyExpression(ctx, resourceRef(req.Msg.Resource), req.Msg.Expression); err != nil {
		return nil, err
	}
	return connect.NewResponse(&batonv1.SetResourceDependencyExpressionResponse{}), nil
}

// GetResourceDependencyExpression needs Read access only (it is in
// readOnly), as [MS-CMRP] ApiGetResourceDependencyExpression.
func (s verbService) GetResourceDependencyExpression(ctx context.Context, req *connect.Request[batonv1.GetResourceDependencyExpressionRequest]) (*connect.Response[batonv1.GetResourceDependencyExpressionResponse], error) {
	expr, err := s.ops.DependencyExpression(resourceRef(req.Msg.Resource))
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&batonv1.GetResourceDependencyExpressionResponse{Expression: expr}), nil
}

// AddResourceNode needs Full access, as [MS-CMRP] ApiAddResourceNode.
func (s verbService) AddResourceNode(ctx context.Context, req *connect.Request[batonv1.AddResourceNodeRequest]) (*connect.Response[batonv1.AddResourceNodeResponse], error) {
	if err := s.ops.AddResourceNode(ctx, resourceRef(req.Msg.Resource), req.Msg.Node); err != nil {
		return nil, err
	}
	return connect.NewResponse(&batonv1.AddResourceNodeResponse{}), nil
}

// RemoveResourceNode needs Full access, as [MS-CMRP] ApiRemoveResourceNode.
func (s verbService) RemoveResourceNode(ctx context.Context, req *connect.Request[batonv1.RemoveResourceNodeRequest]) (*connect.Response[batonv1.RemoveResourceNodeResponse], error) {
	if err := s.ops.RemoveResourceNode(ctx, resourceRef(req.Msg.Resource), req.Msg.Node); err != nil {
		return nil, err
	}
	return connect.NewResponse(&batonv1.RemoveResourceNodeResponse{}), nil
}
