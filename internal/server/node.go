package server

import (
	"context"

	"connectrpc.com/connect"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
	"github.com/batoncluster/baton/internal/ops"
	"github.com/batoncluster/baton/internal/store"
)

type nodeService struct{ *Server }

func nodeMsg(v store.View, n *store.Node) *batonv1.Node {
	st := v.NodeState(n.Name)
	m := &batonv1.Node{Name: n.Name, State: int32(st), StateName: st.String(),
		Address: n.Address, StartedUnixNano: n.Started.UnixNano()}
	m.DrainStatus, m.DrainDetail = ops.DrainStatus(v, n.Name)
	m.DatabaseRole = n.DatabaseRole
	m.Groups = v.GroupsOwnedBy(n.Name)
	return m
}

func (s nodeService) PauseNode(ctx context.Context, req *connect.Request[batonv1.PauseNodeRequest]) (*connect.Response[batonv1.PauseNodeResponse], error) {
	n, err := s.ops.PauseNodeEx(ctx, req.Msg.Name, req.Msg.Drain, req.Msg.Flags, req.Msg.DrainTarget)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&batonv1.PauseNodeResponse{Node: nodeMsg(s.st.View(), n)}), nil
}

func (s nodeService) ResumeNode(ctx context.Context, req *connect.Request[batonv1.ResumeNodeRequest]) (*connect.Response[batonv1.ResumeNodeResponse], error) {
	n, err := s.ops.ResumeNode(ctx, req.Msg.Name)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&batonv1.ResumeNodeResponse{Node: nodeMsg(s.st.View(), n)}), nil
}

func (s nodeService) ListNodes(_ context.Context, req *connect.Request[batonv1.ListNodesRequest]) (*connect.Response[batonv1.ListNodesResponse], error) {
	limit, err := pageSize(req.Msg.PageSize)
	if err != nil {
		return nil, err
	}
	tok, err := parsePageToken(req.Msg.PageToken, "nodes", "")
	if err != nil {
		return nil, err
	}
	v := s.st.View()
	nodes, more := trim(v.NodesAfter(tok.Name, fetch(limit)), limit)
	out := &batonv1.ListNodesResponse{}
	for _, n := range nodes {
		out.Nodes = append(out.Nodes, nodeMsg(v, n))
	}
	if more {
		out.NextPageToken = pageToken{List: "nodes", Name: nodes[len(nodes)-1].Name}.String()
	}
	return connect.NewResponse(out), nil
}
