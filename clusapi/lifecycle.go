package clusapi

import (
	"context"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
)

// Flags of CreateClusterResource (CLUSTER_RESOURCE_CREATE_FLAGS; values
// of the SDK's ClusApi.h).
const (
	CLUSTER_RESOURCE_DEFAULT_MONITOR  uint32 = 0
	CLUSTER_RESOURCE_SEPARATE_MONITOR uint32 = 1
	CLUSTER_RESOURCE_VALID_FLAGS      uint32 = CLUSTER_RESOURCE_SEPARATE_MONITOR
)

// CreateClusterGroup creates an empty, offline group and opens a handle to
// it: ERROR_OBJECT_ALREADY_EXISTS if the name is taken. On failure the
// handle is nil and the error carries the Win32 code.
func CreateClusterGroup(hCluster HCLUSTER, lpszGroupName string) (HGROUP, error) {
	return CreateClusterGroupContext(context.Background(), hCluster, lpszGroupName)
}

// CreateClusterGroupContext is CreateClusterGroup bounded by ctx.
func CreateClusterGroupContext(ctx context.Context, hCluster HCLUSTER, lpszGroupName string) (HGROUP, error) {
	h := (*clusterHandle)(hCluster)
	if !h.valid() {
		return nil, invalidHandle("CreateClusterGroup")
	}
	return createGroup(ctx, h, lpszGroupName, nil)
}

// CreateClusterGroupEx is CreateClusterGroup with group info: the
// group's type (pGroupInfo.GroupType, read back as its GroupType common
// property). A nil pGroupInfo is CreateClusterGroup. A version other than
// CLUSTER_CREATE_GROUP_INFO_VERSION_1, or a group type [MS-CMRP]
// ApiCreateGroupEx reserves (ClusGroupTypeCoreCluster,
// ClusGroupTypeAvailableStorage, ClusGroupTypeSharedVolume,
// ClusGroupTypeStoragePool), answers ERROR_INVALID_PARAMETER and creates
// nothing — [MS-CMRP] names them reserved without a code; 87 is baton's
// choice.
func CreateClusterGroupEx(hCluster HCLUSTER, lpszGroupName string, pGroupInfo *CLUSTER_CREATE_GROUP_INFO) (HGROUP, error) {
	return CreateClusterGroupExContext(context.Background(), hCluster, lpszGroupName, pGroupInfo)
}

// CreateClusterGroupExContext is CreateClusterGroupEx bounded by ctx.
func CreateClusterGroupExContext(ctx context.Context, hCluster HCLUSTER, lpszGroupName string, pGroupInfo *CLUSTER_CREATE_GROUP_INFO) (HGROUP, error) {
	h := (*clusterHandle)(hCluster)
	if !h.valid() {
		return nil, invalidHandle("CreateClusterGroupEx")
	}
	return createGroup(ctx, h, lpszGroupName, pGroupInfo)
}

func createGroup(ctx context.Context, h *clusterHandle, name string, info *CLUSTER_CREATE_GROUP_INFO) (HGROUP, error) {
	ctx, cancel := callCtx(ctx)
	defer cancel()
	g, err := h.c.Groups().Create(ctx, name, CreateGroupOptions{Info: info})
	if err != nil {
		return nil, handleErr(err)
	}
	return &groupHandle{cluster: h, ref: groupRef{name: g.Name, id: g.ID}}, nil
}

// DeleteClusterGroup deletes an empty group: ERROR_SUCCESS, or
// ERROR_DIR_NOT_EMPTY while it has resources (DestroyClusterGroup deletes
// them too). The handle stays to be closed; calls on it answer
// ERROR_GROUP_NOT_AVAILABLE.
func DeleteClusterGroup(hGroup HGROUP) Errno {
	return deleteGroup(context.Background(), hGroup, false)
}

// DestroyClusterGroup deletes a group and its resources. Deliberate
// difference: baton does not take them offline for the caller; a resource
// that is not offline answers ERROR_RESOURCE_ONLINE and nothing is
// deleted.
func DestroyClusterGroup(hGroup HGROUP) Errno {
	return deleteGroup(context.Background(), hGroup, true)
}

// DeleteClusterGroupContext is DeleteClusterGroup (force false) or
// DestroyClusterGroup (force true) bounded by ctx.
func DeleteClusterGroupContext(ctx context.Context, hGroup HGROUP, force bool) Errno {
	return deleteGroup(ctx, hGroup, force)
}

func deleteGroup(ctx context.Context, hGroup HGROUP, force bool) Errno {
	h := (*groupHandle)(hGroup)
	if !h.valid() {
		return ERROR_INVALID_HANDLE
	}
	ctx, cancel := callCtx(ctx)
	defer cancel()
	_, err := unary(ctx, h.cluster.c, "DeleteClusterGroup", h.cluster.c.conn.Groups.DeleteGroup, &batonv1.DeleteGroupRequest{
		Group: h.ref.pb(), Force: force,
	})
	return ErrnoOf(err)
}

// CreateClusterResource creates an offline resource of type
// lpszResourceType in the group and opens a handle to it.
// ERROR_OBJECT_ALREADY_EXISTS if the name is taken;
// ERROR_CLUSTER_RESOURCE_TYPE_NOT_FOUND for an unknown type;
// ERROR_INVALID_PARAMETER for flags other than
// CLUSTER_RESOURCE_DEFAULT_MONITOR and CLUSTER_RESOURCE_SEPARATE_MONITOR.
// CLUSTER_RESOURCE_SEPARATE_MONITOR changes nothing: every baton resource
// already runs in its own process and cgroup, apart from the others.
func CreateClusterResource(hGroup HGROUP, lpszResourceName, lpszResourceType string, dwFlags uint32) (HRESOURCE, error) {
	return CreateClusterResourceContext(context.Background(), hGroup, lpszResourceName, lpszResourceType, dwFlags)
}

// CreateClusterResourceContext is CreateClusterResource bounded by ctx.
func CreateClusterResourceContext(ctx context.Context, hGroup HGROUP, lpszResourceName, lpszResourceType string, dwFlags uint32) (HRESOURCE, error) {
	h := (*groupHandle)(hGroup)
	if !h.valid() {
		return nil, invalidHandle("CreateClusterResource")
	}
	if dwFlags&^CLUSTER_RESOURCE_VALID_FLAGS != 0 {
		return nil, apiErr(ERROR_INVALID_PARAMETER, "CreateClusterResource: dwFlags %#x", dwFlags)
	}
	ctx, cancel := callCtx(ctx)
	defer cancel()
	// The group must still be the one the handle was opened on.
	if _, err := h.cluster.c.getGroup(ctx, h.ref); err != nil {
		return nil, handleErr(err)
	}
	r, err := h.cluster.c.Resources().Create(ctx, lpszResourceName, h.ref.name, lpszResourceType, CreateResourceOptions{})
	if err != nil {
		return nil, handleErr(err)
	}
	return &resourceHandle{cluster: h.cluster, ref: resourceRef{name: r.Name, id: r.ID}}, nil
}

// DeleteClusterResource deletes a resource that is offline (or failed)
// and that nothing depends on: ERROR_INVALID_STATE if it is not offline
// (as Windows Server 2012 and later answer), ERROR_DEPENDENT_RESOURCE_EXISTS
// if another resource depends on it.
func DeleteClusterResource(hResource HRESOURCE) Errno {
	return DeleteClusterResourceContext(context.Background(), hResource)
}

// DeleteClusterResourceContext is DeleteClusterResource bounded by ctx.
func DeleteClusterResourceContext(ctx context.Context, hResource HRESOURCE) Errno {
	h := (*resourceHandle)(hResource)
	if !h.valid() {
		return ERROR_INVALID_HANDLE
	}
	ctx, cancel := callCtx(ctx)
	defer cancel()
	_, err := unary(ctx, h.cluster.c, "DeleteClusterResource", h.cluster.c.conn.Resources.DeleteResource, &batonv1.DeleteResourceRequest{
		Resource: h.ref.pb(),
	})
	return ErrnoOf(err)
}

// AddClusterResourceDependency makes hResource depend on hDependsOn.
// ERROR_INVALID_PARAMETER if they are the same resource or in different
// groups; ERROR_CIRCULAR_DEPENDENCY if hDependsOn already depends on
// hResource; ERROR_DEPENDENCY_ALREADY_EXISTS if the dependency is there;
// ERROR_RESOURCE_ONLINE if hResource is online and hDependsOn is not.
func AddClusterResourceDependency(hResource, hDependsOn HRESOURCE) Errno {
	return changeDependency(context.Background(), hResource, hDependsOn, true)
}

// RemoveClusterResourceDependency removes the dependency of hResource on
// hDependsOn: ERROR_DEPENDENCY_NOT_FOUND if there is none.
func RemoveClusterResourceDependency(hResource, hDependsOn HRESOURCE) Errno {
	return changeDependency(context.Background(), hResource, hDependsOn, false)
}

// ChangeClusterResourceDependencyContext is AddClusterResourceDependency
// (add true) or RemoveClusterResourceDependency (add false) bounded by ctx.
func ChangeClusterResourceDependencyContext(ctx context.Context, hResource, hDependsOn HRESOURCE, add bool) Errno {
	return changeDependency(ctx, hResource, hDependsOn, add)
}

func changeDependency(ctx context.Context, hResource, hDependsOn HRESOURCE, add bool) Errno {
	h, d := (*resourceHandle)(hResource), (*resourceHandle)(hDependsOn)
	if !h.valid() || !d.valid() || h.cluster.id != d.cluster.id {
		return ERROR_INVALID_HANDLE
	}
	ctx, cancel := callCtx(ctx)
	defer cancel()
	// The provider must still be the resource its handle was opened on.
	if _, err := h.cluster.c.getResource(ctx, d.ref); err != nil {
		return ErrnoOf(err)
	}
	c := h.cluster.c
	var err error
	if add {
		_, err = unary(ctx, c, "AddClusterResourceDependency", c.conn.Resources.AddDependency, &batonv1.AddDependencyRequest{
			Resource: h.ref.pb(), DependsOn: d.ref.name,
		})
	} else {
		_, err = unary(ctx, c, "RemoveClusterResourceDependency", c.conn.Resources.RemoveDependency, &batonv1.RemoveDependencyRequest{
			Resource: h.ref.pb(), DependsOn: d.ref.name,
		})
	}
	return ErrnoOf(err)
}
