package store

import "github.com/batoncluster/baton/clusapi/wsfc"

// GroupState derives a group's state from its resources' statuses by the
// WSFC precedence rule (first match wins): any Failed → Failed; any pending
// → Pending; some but not all Online → PartialOnline; all Online → Online;
// otherwise (all offline, or no resources) → Offline.
func (v View) GroupState(g *Group) wsfc.ClusterGroupState {
	var online, pending, failed, total int
	for _, name := range v.GroupResourceNames(g) {
		total++
		switch v.ResourceState(name) {
		case wsfc.ClusterResourceFailed:
			failed++
		case wsfc.ClusterResourceOnlinePending, wsfc.ClusterResourceOfflinePending, wsfc.ClusterResourcePending:
			pending++
		case wsfc.ClusterResourceOnline:
			online++
		}
	}
	switch {
	case failed > 0:
		return wsfc.ClusterGroupFailed
	case pending > 0:
		return wsfc.ClusterGroupPending
	case online > 0 && online < total:
		return wsfc.ClusterGroupPartialOnline
	case total > 0 && online == total:
		return wsfc.ClusterGroupOnline
	}
	return wsfc.ClusterGroupOffline
}

// ResourceState is the resource's last written state; a resource no node
// has reported on yet is Offline.
func (v View) ResourceState(name string) wsfc.ClusterResourceState {
	if st := v.Status(name); st != nil {
		return wsfc.ClusterResourceState(st.State)
	}
	return wsfc.ClusterResourceOffline
}
