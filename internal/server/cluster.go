package server

import (
	"context"
	"fmt"

	"connectrpc.com/connect"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/version"
	"github.com/batoncluster/baton/restype"
)

type clusterService struct{ *Server }

func (s clusterService) OpenCluster(ctx context.Context, _ *connect.Request[batonv1.OpenClusterRequest]) (*connect.Response[batonv1.OpenClusterResponse], error) {
	c := s.st.View().Cluster()
	if c == nil {
		return nil, fmt.Errorf("the cluster is still forming: %w", wsfc.ERROR_CLUSTER_NODE_NOT_READY)
	}
	who := callerOf(ctx)
	out := &batonv1.OpenClusterResponse{
		ClusterName: c.Name, ClusterId: c.ID, NodeName: s.node,
		Principal: who.String(), Access: who.access, BatonVersion: version.Get().Version,
	}
	for _, b := range s.st.View().Quarantined() {
		out.Quarantined = append(out.Quarantined, &batonv1.QuarantinedRecord{Key: b.Key, Revision: b.Rev, Error: b.Err})
	}
	return connect.NewResponse(out), nil
}

func (s clusterService) DescribeResourceType(ctx context.Context, req *connect.Request[batonv1.DescribeResourceTypeRequest]) (*connect.Response[batonv1.ResourceType], error) {
	t, ok := s.types.Lookup(req.Msg.Name)
	if !ok {
		return nil, fmt.Errorf("resource type %q is not known (see 'baton type list'): %w", req.Msg.Name, wsfc.ERROR_CLUSTER_RESOURCE_TYPE_NOT_FOUND)
	}
	out := typeMsg(t)
	if req.Msg.Variant != "" {
		if t.Describe == nil {
			return nil, fmt.Errorf("resource type %q has no variants: %w", t.Name, wsfc.ERROR_INVALID_PARAMETER)
		}
		props, err := t.Describe(ctx, req.Msg.Variant)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %v: %w", t.Name, req.Msg.Variant, err, wsfc.ERROR_CLUSTER_RESOURCE_TYPE_NOT_FOUND)
		}
		out.Properties = nil
		for _, p := range props {
			out.Properties = append(out.Properties, &batonv1.PropertyInfo{Name: p.Name, Kind: p.Kind, Default: p.Default, Description: p.Description})
		}
	}
	return connect.NewResponse(out), nil
}

func typeMsg(t *restype.Type) *batonv1.ResourceType {
	rt := &batonv1.ResourceType{Name: t.Name, Description: t.Description, OfflineParameter: t.OfflineParameter}
	for _, p := range t.Properties {
		rt.Properties = append(rt.Properties, &batonv1.PropertyInfo{Name: p.Name, Kind: p.Kind, Default: p.Default, Description: p.Description})
	}
	return rt
}

func (s clusterService) ListResourceTypes(context.Context, *connect.Request[batonv1.ListResourceTypesRequest]) (*connect.Response[batonv1.ListResourceTypesResponse], error) {
	out := &batonv1.ListResourceTypesResponse{}
	for _, t := range s.types.Types() {
		out.Types = append(out.Types, typeMsg(t))
	}
	return connect.NewResponse(out), nil
}

func (s clusterService) SetClusterName(ctx context.Context, req *connect.Request[batonv1.SetClusterNameRequest]) (*connect.Response[batonv1.SetClusterNameResponse], error) {
	if err := s.ops.SetClusterName(ctx, req.Msg.Name); err != nil {
		return nil, err
	}
	return connect.NewResponse(&batonv1.SetClusterNameResponse{}), nil
}
