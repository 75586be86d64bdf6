package server

import (
	"context"
	"fmt"

	"connectrpc.com/connect"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/explain"
	"github.com/batoncluster/baton/internal/ops"
)

type groupService struct{ *Server }

func groupRef(r *batonv1.GroupRef) ops.GroupRef {
	return ops.GroupRef{Name: r.GetName(), ID: r.GetId()}
}

// groupRef is the group r names, followed through renames: a handle
// opened before SetClusterGroupName carries the old name and the group's
// id, and goes on naming the group (ops.FollowGroup).
func (s *Server) groupRef(r *batonv1.GroupRef) ops.GroupRef {
	return ops.FollowGroup(s.st.View(), groupRef(r))
}

func (s groupService) OpenGroup(_ context.Context, req *connect.Request[batonv1.OpenGroupRequest]) (*connect.Response[batonv1.OpenGroupResponse], error) {
	g, err := s.ops.OpenGroup(req.Msg.Name)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&batonv1.OpenGroupResponse{Name: g.Name, Id: g.ID}), nil
}

func (s groupService) CreateGroup(ctx context.Context, req *connect.Request[batonv1.CreateGroupRequest]) (*connect.Response[batonv1.CreateGroupResponse], error) {
	props, err := toList(req.Msg.Properties)
	if err != nil {
		return nil, err
	}
	var info *ops.GroupInfo
	if i := req.Msg.Info; i != nil {
		info = &ops.GroupInfo{Version: i.Version, GroupType: i.GroupType}
	}
	g, err := s.ops.CreateGroupEx(ctx, req.Msg.Name, req.Msg.PreferredOwners, props, info)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&batonv1.CreateGroupResponse{Group: groupMsg(s.st.View(), g)}), nil
}

func (s groupService) DeleteGroup(ctx context.Context, req *connect.Request[batonv1.DeleteGroupRequest]) (*connect.Response[batonv1.DeleteGroupResponse], error) {
	if err := s.ops.DeleteGroup(ctx, s.groupRef(req.Msg.Group), req.Msg.Force); err != nil {
		return nil, err
	}
	return connect.NewResponse(&batonv1.DeleteGroupResponse{}), nil
}

func (s groupService) ListGroups(_ context.Context, req *connect.Request[batonv1.ListGroupsRequest]) (*connect.Response[batonv1.ListGroupsResponse], error) {
	limit, err := pageSize(req.Msg.PageSize)
	if err != nil {
		return nil, err
	}
	tok, err := parsePageToken(req.Msg.PageToken, "groups", "")
	if err != nil {
		return nil, err
	}
	v := s.st.View()
	groups, more := trim(v.GroupsAfter(tok.Name, fetch(limit)), limit)
	out := &batonv1.ListGroupsResponse{}
	for _, g := range groups {
		out.Groups = append(out.Groups, groupMsg(v, g))
	}
	if more {
		out.NextPageToken = pageToken{List: "groups", Name: groups[len(groups)-1].Name}.String()
	}
	return connect.NewResponse(out), nil
}

func (s groupService) GetGroup(_ context.Context, req *connect.Request[batonv1.GetGroupRequest]) (*connect.Response[batonv1.GetGroupResponse], error) {
	v := s.st.View()
	g, err := ops.LookupGroup(v, ops.FollowGroup(v, groupRef(req.Msg.Group)))
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&batonv1.GetGroupResponse{Group: groupMsg(v, g)}), nil
}

func (s groupService) GetGroupState(_ context.Context, req *connect.Request[batonv1.GetGroupStateRequest]) (*connect.Response[batonv1.GetGroupStateResponse], error) {
	v := s.st.View()
	g, err := ops.LookupGroup(v, ops.FollowGroup(v, groupRef(req.Msg.Group)))
	if err != nil {
		return nil, err
	}
	st := v.GroupState(g)
	out := &batonv1.GetGroupStateResponse{Name: g.Name, State: int32(st), StateName: st.String(), OwnerNode: g.OwnerNode, Revision: v.Rev()}
	for _, name := range v.GroupResourceNames(g) {
		out.ResourcesTotal++
		switch v.ResourceState(name) {
		case wsfc.ClusterResourceOnline:
			out.ResourcesOnline++
		case wsfc.ClusterResourceOffline:
			out.ResourcesOffline++
		}
	}
	return connect.NewResponse(out), nil
}

func (s groupService) SetGroupProperties(ctx context.Context, req *connect.Request[batonv1.SetGroupPropertiesRequest]) (*connect.Response[batonv1.SetGroupPropertiesResponse], error) {
	props, err := toList(req.Msg.Properties)
	if err != nil {
		return nil, err
	}
	g, err := s.ops.SetGroupProperties(ctx, s.groupRef(req.Msg.Group), props)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&batonv1.SetGroupPropertiesResponse{Group: groupMsg(s.st.View(), g)}), nil
}

func (s groupService) SetGroupNodeList(ctx context.Context, req *connect.Request[batonv1.SetGroupNodeListRequest]) (*connect.Response[batonv1.SetGroupNodeListResponse], error) {
	if err := s.ops.SetGroupNodeList(ctx, s.groupRef(req.Msg.Group), req.Msg.Nodes); err != nil {
		return nil, err
	}
	return connect.NewResponse(&batonv1.SetGroupNodeListResponse{}), nil
}

func (s groupService) OnlineGroup(ctx context.Context, req *connect.Request[batonv1.OnlineGroupRequest]) (*connect.Response[batonv1.OperationResult], error) {
	m := req.Msg
	if err := checkFlagsFirst("OnlineClusterGroupEx", m.Flags, wsfc.ValidGroupOnlineFlags); err != nil {
		return nil, err
	}
	buf, size, err := inBuffer(m.InBuffer, m.InBufferSize, m.Params)
	if err != nil {
		return nil, err
	}
	if m.Flags&wsfc.CLUSAPI_GROUP_ONLINE_SYNCHRONOUS != 0 {
		liftDeadlines(ctx)
	}
	res, err := s.ops.OnlineGroup(ctx, s.groupRef(m.Group), m.Node, ops.Request{Flags: m.Flags, InBuffer: buf, Size: size, Caller: callerOf(ctx).String()})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(opResult(res)), nil
}

func (s groupService) OfflineGroup(ctx context.Context, req *connect.Request[batonv1.OfflineGroupRequest]) (*connect.Response[batonv1.OperationResult], error) {
	m := req.Msg
	if err := checkFlagsFirst("OfflineClusterGroupEx", m.Flags, wsfc.ValidGroupOfflineFlags); err != nil {
		return nil, err
	}
	buf, size, err := inBuffer(m.InBuffer, m.InBufferSize, m.Params)
	if err != nil {
		return nil, err
	}
	res, err := s.ops.OfflineGroup(ctx, s.groupRef(m.Group), ops.Request{Flags: m.Flags, InBuffer: buf, Size: size, Caller: callerOf(ctx).String()})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(opResult(res)), nil
}

func (s groupService) ExplainGroup(_ context.Context, req *connect.Request[batonv1.ExplainGroupRequest]) (*connect.Response[batonv1.ExplainGroupResponse], error) {
	v := s.st.View()
	g, err := ops.LookupGroup(v, ops.FollowGroup(v, groupRef(req.Msg.Group)))
	if err != nil {
		return nil, err
	}
	e := explain.Group(v, g, timeNow())
	out := &batonv1.ExplainGroupResponse{Name: e.Group, State: int32(e.State), StateName: e.State.String(), OwnerNode: e.Owner, Summary: e.Summary}
	for _, r := range e.Reasons {
		out.Reasons = append(out.Reasons, &batonv1.Reason{Resource: r.Resource, Code: r.Code, Text: r.Text})
	}
	return connect.NewResponse(out), nil
}

func (s groupService) ListOperations(_ context.Context, req *connect.Request[batonv1.ListOperationsRequest]) (*connect.Response[batonv1.ListOperationsResponse], error) {
	v := s.st.View()
	g, err := ops.LookupGroup(v, ops.FollowGroup(v, groupRef(req.Msg.Group)))
	if err != nil {
		return nil, err
	}
	limit, err := pageSize(req.Msg.PageSize)
	if err != nil {
		return nil, err
	}
	tok, err := parsePageToken(req.Msg.PageToken, "operations", g.Name)
	if err != nil {
		return nil, err
	}
	list, more := trim(v.GroupOperations(g.Name, tok.cursor(), fetch(limit)), limit)
	out := &batonv1.ListOperationsResponse{}
	for _, op := range list {
		out.Operations = append(out.Operations, operationMsg(op))
	}
	if more {
		c := list[len(list)-1].Cursor()
		out.NextPageToken = pageToken{List: "operations", Scope: g.Name, Name: c.Name, Seq: c.Seq}.String()
	}
	return connect.NewResponse(out), nil
}

func (s groupService) MoveGroup(ctx context.Context, req *connect.Request[batonv1.MoveGroupRequest]) (*connect.Response[batonv1.OperationResult], error) {
	m := req.Msg
	if err := checkFlagsFirst("MoveClusterGroupEx", m.Flags, wsfc.ValidGroupMoveFlags); err != nil {
		return nil, err
	}
	buf, size, err := inBuffer(m.InBuffer, m.InBufferSize, m.Params)
	if err != nil {
		return nil, err
	}
	res, err := s.ops.MoveGroup(ctx, s.groupRef(m.Group), m.Node, ops.Request{Flags: m.Flags, InBuffer: buf, Size: size, Caller: callerOf(ctx).String()})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(opResult(res)), nil
}

func (s groupService) GetOperation(_ context.Context, req *connect.Request[batonv1.GetOperationRequest]) (*connect.Response[batonv1.Operation], error) {
	op := s.st.View().Operation(req.Msg.Id)
	if op == nil {
		return nil, fmt.Errorf("operation %q not found: %w", req.Msg.Id, wsfc.ERROR_INVALID_PARAMETER)
	}
	return connect.NewResponse(operationMsg(op)), nil
}

// checkFlagsFirst keeps the seed's check order when the typed params form
// is used too: flags are judged before the buffer is built from params.
func checkFlagsFirst(call string, flags, valid uint32) error {
	if flags&^valid != 0 {
		return fmt.Errorf("%s: flags 0x%x has bits 0x%x that are not defined for this call (valid: 0x%x): %w", call, flags, flags&^valid, valid, wsfc.ERROR_INVALID_PARAMETER)
	}
	return nil
}
