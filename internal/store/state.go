package store

import "github.com/batoncluster/baton/clusapi"

// GroupState derives a group's state from its resources' statuses by the
// WSFC precedence rule (first match wins): any Failed → Failed; any pending
// → Pending; some but not all Online → PartialOnline; all Online → Online;
// otherwise (all offline, or no resources) → Offline.
func (v View) GroupState(g *Group) clusapi.ClusterGroupState {
	var online, pending, failed, total int
	for _, name := range v.GroupResourceNames(g) {
		total++
		switch v.ResourceState(name) {
		case clusapi.ClusterResourceFailed:
			failed++
		case clusapi.ClusterResourceOnlinePending, clusapi.ClusterResourceOfflinePending, clusapi.ClusterResourcePending:
			pending++
		case clusapi.ClusterResourceOnline:
			online++
		}
	}
	switch {
	case failed > 0:
		return clusapi.ClusterGroupFailed
	case pending > 0:
		return clusapi.ClusterGroupPending
	case online > 0 && online < total:
		return clusapi.ClusterGroupPartialOnline
	case total > 0 && online == total:
		return clusapi.ClusterGroupOnline
	}
	return clusapi.ClusterGroupOffline
}

// ResourceState is the resource's last written state; a resource no node
// has reported on yet is Offline.
func (v View) ResourceState(name string) clusapi.ClusterResourceState {
	if st := v.Status(name); st != nil {
		return clusapi.ClusterResourceState(st.State)
	}
	return clusapi.ClusterResourceOffline
}
