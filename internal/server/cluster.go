package server

import (
	"context"
	"fmt"

	"connectrpc.com/connect"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
	"github.com/batoncluster/baton/clusapi"
)

type clusterService struct{ *Server }

func (s clusterService) OpenCluster(ctx context.Context, _ *connect.Request[batonv1.OpenClusterRequest]) (*connect.Response[batonv1.OpenClusterResponse], error) {
	c := s.st.View().Cluster()
	if c == nil {
		return nil, fmt.Errorf("the cluster is still forming: %w", clusapi.ERROR_CLUSTER_NODE_NOT_READY)
	}
	who := callerOf(ctx)
	return connect.NewResponse(&batonv1.OpenClusterResponse{
		ClusterName: c.Name, ClusterId: c.ID, NodeName: s.node,
		Principal: who.String(), Access: who.access,
	}), nil
}

func (s clusterService) ListResourceTypes(context.Context, *connect.Request[batonv1.ListResourceTypesRequest]) (*connect.Response[batonv1.ListResourceTypesResponse], error) {
	out := &batonv1.ListResourceTypesResponse{}
	for _, t := range s.types.Types() {
		rt := &batonv1.ResourceType{Name: t.Name, Description: t.Description, OfflineParameter: t.OfflineParameter}
		for _, p := range t.Properties {
			rt.Properties = append(rt.Properties, &batonv1.PropertyInfo{Name: p.Name, Kind: p.Kind, Default: p.Default, Description: p.Description})
		}
		out.Types = append(out.Types, rt)
	}
	return connect.NewResponse(out), nil
}
