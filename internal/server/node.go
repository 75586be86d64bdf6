package server

import (
	"context"

	"connectrpc.com/connect"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
)

type nodeService struct{ *Server }

func (s nodeService) ListNodes(context.Context, *connect.Request[batonv1.ListNodesRequest]) (*connect.Response[batonv1.ListNodesResponse], error) {
	v := s.st.View()
	out := &batonv1.ListNodesResponse{}
	for _, n := range v.Nodes() {
		st := v.NodeState(n.Name)
		m := &batonv1.Node{Name: n.Name, State: int32(st), StateName: st.String(),
			Address: n.Address, StartedUnixNano: n.Started.UnixNano()}
		for _, g := range v.Groups() {
			if g.OwnerNode == n.Name {
				m.Groups = append(m.Groups, g.Name)
			}
		}
		out.Nodes = append(out.Nodes, m)
	}
	return connect.NewResponse(out), nil
}
