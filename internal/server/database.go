package server

import (
	"context"
	"fmt"

	"connectrpc.com/connect"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
	"github.com/batoncluster/baton/internal/etcdmember"
)

// GetDatabaseStatus asks each database member for its sizes and alarms.
func (s clusterService) GetDatabaseStatus(ctx context.Context, _ *connect.Request[batonv1.GetDatabaseStatusRequest]) (*connect.Response[batonv1.GetDatabaseStatusResponse], error) {
	ms, err := etcdmember.Statuses(ctx, s.st.Client())
	if err != nil {
		return nil, fmt.Errorf("database status: %w", err)
	}
	out := &batonv1.GetDatabaseStatusResponse{WarnPercent: etcdmember.WarnPercent}
	if n := s.st.View().Node(s.node); n != nil {
		out.Role = n.DatabaseRole
	}
	for _, m := range ms {
		dm := &batonv1.DatabaseMember{Name: m.Name, Endpoint: m.Endpoint, Id: m.ID, Leader: m.Leader, Learner: m.Learner,
			SizeBytes: m.Size, SizeInUseBytes: m.InUse, QuotaBytes: m.Quota, Revision: m.Revision, RaftIndex: m.RaftIndex, Alarms: m.Alarms}
		if m.Err != nil {
			dm.Error = m.Err.Error()
		}
		out.Members = append(out.Members, dm)
	}
	return connect.NewResponse(out), nil
}
