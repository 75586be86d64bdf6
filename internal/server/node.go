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
	for _, g := range v.Groups() {
		if g.OwnerNode == n.Name {
			m.Groups = append(m.Groups, g.Name)
		}
	}
	return m
}

func (s nodeService) PauseNode(ctx context.Context, req *connect.Request[batonv1.PauseNodeRequest]) (*connect.Response[batonv1.PauseNodeResponse], error) {
	n, err := s.ops.PauseNode(ctx, req.Msg.Name, req.Msg.Drain)
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

func (s nodeService) ListNodes(context.Context, *connect.Request[batonv1.ListNodesRequest]) (*connect.Response[batonv1.ListNodesResponse], error) {
	v := s.st.View()
	out := &batonv1.ListNodesResponse{}
	for _, n := range v.Nodes() {
		out.Nodes = append(out.Nodes, nodeMsg(v, n))
	}
	return connect.NewResponse(out), nil
}
