package server

import (
	"context"

	"connectrpc.com/connect"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/ops"
	"github.com/batoncluster/baton/internal/store"
)

type resourceService struct{ *Server }

func resourceRef(r *batonv1.ResourceRef) ops.ResourceRef {
	return ops.ResourceRef{Name: r.GetName(), ID: r.GetId()}
}

func (s resourceService) OpenResource(_ context.Context, req *connect.Request[batonv1.OpenResourceRequest]) (*connect.Response[batonv1.OpenResourceResponse], error) {
	r, err := s.ops.OpenResource(req.Msg.Name)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&batonv1.OpenResourceResponse{Name: r.Name, Id: r.ID}), nil
}

func (s resourceService) CreateResource(ctx context.Context, req *connect.Request[batonv1.CreateResourceRequest]) (*connect.Response[batonv1.CreateResourceResponse], error) {
	m := req.Msg
	props, err := toList(m.Properties)
	if err != nil {
		return nil, err
	}
	r, err := s.ops.CreateResource(ctx, m.Name, m.Group, m.Type, m.DependsOn, props)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&batonv1.CreateResourceResponse{Resource: resourceMsg(s.st.View(), r)}), nil
}

func (s resourceService) DeleteResource(ctx context.Context, req *connect.Request[batonv1.DeleteResourceRequest]) (*connect.Response[batonv1.DeleteResourceResponse], error) {
	if err := s.ops.DeleteResource(ctx, resourceRef(req.Msg.Resource)); err != nil {
		return nil, err
	}
	return connect.NewResponse(&batonv1.DeleteResourceResponse{}), nil
}

func (s resourceService) ListResources(_ context.Context, req *connect.Request[batonv1.ListResourcesRequest]) (*connect.Response[batonv1.ListResourcesResponse], error) {
	limit, err := pageSize(req.Msg.PageSize)
	if err != nil {
		return nil, err
	}
	v := s.st.View()
	var g *store.Group
	if req.Msg.Group != "" {
		if g, err = ops.LookupGroup(v, ops.GroupRef{Name: req.Msg.Group}); err != nil {
			return nil, err
		}
	}
	tok, err := parsePageToken(req.Msg.PageToken, "resources", req.Msg.Group)
	if err != nil {
		return nil, err
	}
	var list []*store.Resource
	if g != nil {
		list = v.GroupResourcesAfter(g, tok.cursor(), fetch(limit))
	} else {
		list = v.ResourcesAfter(tok.Name, fetch(limit))
	}
	list, more := trim(list, limit)
	out := &batonv1.ListResourcesResponse{}
	for _, r := range list {
		out.Resources = append(out.Resources, resourceMsg(v, r))
	}
	if more {
		next := pageToken{List: "resources", Scope: req.Msg.Group, Name: list[len(list)-1].Name}
		if g != nil {
			next.Seq = list[len(list)-1].Cursor().Seq
		}
		out.NextPageToken = next.String()
	}
	return connect.NewResponse(out), nil
}

func (s resourceService) GetResource(_ context.Context, req *connect.Request[batonv1.GetResourceRequest]) (*connect.Response[batonv1.GetResourceResponse], error) {
	v := s.st.View()
	r, err := ops.LookupResource(v, resourceRef(req.Msg.Resource))
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&batonv1.GetResourceResponse{Resource: resourceMsg(v, r)}), nil
}

func (s resourceService) GetResourceState(_ context.Context, req *connect.Request[batonv1.GetResourceStateRequest]) (*connect.Response[batonv1.GetResourceStateResponse], error) {
	v := s.st.View()
	r, err := ops.LookupResource(v, resourceRef(req.Msg.Resource))
	if err != nil {
		return nil, err
	}
	m := resourceMsg(v, r)
	return connect.NewResponse(&batonv1.GetResourceStateResponse{Name: m.Name, State: m.State, StateName: m.StateName,
		OwnerNode: m.OwnerNode, Group: m.Group, Locked: m.Locked, LockedReason: m.LockedReason}), nil
}

func (s resourceService) SetResourceProperties(ctx context.Context, req *connect.Request[batonv1.SetResourcePropertiesRequest]) (*connect.Response[batonv1.SetResourcePropertiesResponse], error) {
	props, err := toList(req.Msg.Properties)
	if err != nil {
		return nil, err
	}
	r, err := s.ops.SetResourceProperties(ctx, resourceRef(req.Msg.Resource), props)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&batonv1.SetResourcePropertiesResponse{Resource: resourceMsg(s.st.View(), r)}), nil
}

func (s resourceService) AddDependency(ctx context.Context, req *connect.Request[batonv1.AddDependencyRequest]) (*connect.Response[batonv1.AddDependencyResponse], error) {
	if err := s.ops.AddDependency(ctx, resourceRef(req.Msg.Resource), req.Msg.DependsOn); err != nil {
		return nil, err
	}
	return connect.NewResponse(&batonv1.AddDependencyResponse{}), nil
}

func (s resourceService) RemoveDependency(ctx context.Context, req *connect.Request[batonv1.RemoveDependencyRequest]) (*connect.Response[batonv1.RemoveDependencyResponse], error) {
	if err := s.ops.RemoveDependency(ctx, resourceRef(req.Msg.Resource), req.Msg.DependsOn); err != nil {
		return nil, err
	}
	return connect.NewResponse(&batonv1.RemoveDependencyResponse{}), nil
}

func (s resourceService) OnlineResource(ctx context.Context, req *connect.Request[batonv1.OnlineResourceRequest]) (*connect.Response[batonv1.OperationResult], error) {
	m := req.Msg
	if err := checkFlagsFirst("OnlineClusterResourceEx", m.Flags, wsfc.ValidResourceOnlineFlags); err != nil {
		return nil, err
	}
	buf, size, err := inBuffer(m.InBuffer, m.InBufferSize, m.Params)
	if err != nil {
		return nil, err
	}
	res, err := s.ops.OnlineResource(ctx, resourceRef(m.Resource), ops.Request{Flags: m.Flags, InBuffer: buf, Size: size, Caller: callerOf(ctx).String()})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(opResult(res)), nil
}

func (s resourceService) OfflineResource(ctx context.Context, req *connect.Request[batonv1.OfflineResourceRequest]) (*connect.Response[batonv1.OperationResult], error) {
	m := req.Msg
	if err := checkFlagsFirst("OfflineClusterResourceEx", m.Flags, wsfc.ValidResourceOfflineFlags); err != nil {
		return nil, err
	}
	buf, size, err := inBuffer(m.InBuffer, m.InBufferSize, m.Params)
	if err != nil {
		return nil, err
	}
	res, err := s.ops.OfflineResource(ctx, resourceRef(m.Resource), ops.Request{Flags: m.Flags, InBuffer: buf, Size: size, Caller: callerOf(ctx).String()})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(opResult(res)), nil
}
