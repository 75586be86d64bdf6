package ops

import (
	"context"
	"slices"

	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/store"
	"github.com/batoncluster/baton/proplist"
)

// GroupRef names a group; ID, when set, is the id the caller opened it
// with, so a group deleted (or re-created) since is told apart.
type GroupRef struct{ Name, ID string }

// LookupGroup resolves ref in v: ERROR_GROUP_NOT_FOUND for an unknown name,
// ERROR_GROUP_NOT_AVAILABLE when the group the handle was opened on is gone.
func LookupGroup(v store.View, ref GroupRef) (*store.Group, error) {
	g, err := lookupGroup(v, ref)
	if err == nil && !g.Deleting.IsZero() {
		return nil, fail(wsfc.ERROR_GROUP_NOT_AVAILABLE, "group %q is being deleted", ref.Name)
	}
	return g, err
}

// FollowGroup is ref with the group's current name when ref's name no
// longer names the group of ref's id because it was renamed
// (SetClusterGroupName): a handle follows its group, not its name. ref as
// it is otherwise (no id, or no group of that id any more).
func FollowGroup(v store.View, ref GroupRef) GroupRef {
	if ref.ID == "" {
		return ref
	}
	if g := v.Group(ref.Name); g != nil && g.ID == ref.ID {
		return ref
	}
	for _, g := range v.Groups() {
		if g.ID == ref.ID {
			return GroupRef{Name: g.Name, ID: ref.ID}
		}
	}
	return ref
}

// lookupGroup is LookupGroup that also finds a group being deleted.
func lookupGroup(v store.View, ref GroupRef) (*store.Group, error) {
	g := v.Group(ref.Name)
	switch {
	case g == nil && ref.ID != "":
		return nil, fail(wsfc.ERROR_GROUP_NOT_AVAILABLE, "group %q was deleted after it was opened", ref.Name)
	case g == nil:
		return nil, fail(wsfc.ERROR_GROUP_NOT_FOUND, "group %q not found", ref.Name)
	case ref.ID != "" && g.ID != ref.ID:
		return nil, fail(wsfc.ERROR_GROUP_NOT_AVAILABLE, "group %q was deleted and created again after it was opened", ref.Name)
	}
	return g, nil
}

// OpenGroup resolves a group name to the id handles carry.
func (e *Engine) OpenGroup(name string) (*store.Group, error) {
	return LookupGroup(e.st.View(), GroupRef{Name: name})
}

// CreateGroup creates an empty, offline group owned by its first preferred
// owner that is a node, else by the local node.
func (e *Engine) CreateGroup(ctx context.Context, name string, preferred []string, props proplist.List) (*store.Group, error) {
	return e.CreateGroupEx(ctx, name, preferred, props, nil)
}

// GroupInfo is CreateClusterGroupEx's CLUSTER_CREATE_GROUP_INFO.
type GroupInfo struct {
	Version   uint32
	GroupType uint32
}

// CreateGroupEx is CreateGroup with CreateClusterGroupEx's group info
// (nil: none): its version must be CLUSTER_CREATE_GROUP_INFO_VERSION_1 and
// its type not one of those [MS-CMRP] reserves (ERROR_INVALID_PARAMETER
// otherwise); the type is kept as the group's GroupType.
func (e *Engine) CreateGroupEx(ctx context.Context, name string, preferred []string, props proplist.List, info *GroupInfo) (*store.Group, error) {
	if err := checkName("group", name); err != nil {
		return nil, err
	}
	var groupType *uint32
	if info != nil {
		switch {
		case info.Version != wsfc.CLUSTER_CREATE_GROUP_INFO_VERSION_1:
			return nil, fail(wsfc.ERROR_INVALID_PARAMETER, "group info version %d: want CLUSTER_CREATE_GROUP_INFO_VERSION_1 (1)", info.Version)
		case wsfc.ReservedGroupType(info.GroupType):
			return nil, fail(wsfc.ERROR_INVALID_PARAMETER, "group type %d is reserved for the cluster's own groups", info.GroupType)
		}
		t := info.GroupType
		groupType = &t
	}
	pol := store.DefaultGroupPolicy()
	if err := applyGroupProps(&pol, props); err != nil {
		return nil, err
	}
	_, err := e.st.Update(ctx, func(v store.View, t *store.Txn) error {
		if v.Group(name) != nil {
			return fail(wsfc.ERROR_OBJECT_ALREADY_EXISTS, "group %q already exists", name)
		}
		owner := e.node
		for _, n := range preferred {
			if v.Node(n) == nil {
				return fail(wsfc.ERROR_CLUSTER_NODE_NOT_FOUND, "preferred owner %q is not a node of this cluster", n)
			}
		}
		if len(preferred) > 0 {
			owner = preferred[0]
		}
		t.PutGroup(&store.Group{Name: name, ID: newID(), PreferredOwners: slices.Clone(preferred), GroupType: groupType, OwnerNode: owner, Policy: pol})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return e.st.View().Group(name), nil
}

// DeleteGroup deletes an empty group; with force, its resources too, which
// must then all be offline or failed. A forced delete too big for one
// transaction marks the group Deleting and deletes its resources a chunk
// at a time, the group last (deleteTail); a delete of a group that is
// Deleting finishes it.
func (e *Engine) DeleteGroup(ctx context.Context, ref GroupRef, force bool) error {
	_, err := e.st.Update(ctx, func(v store.View, t *store.Txn) error {
		return e.decideDelete(v, t, ref, force, false)
	})
	if !store.TooLarge(err) {
		return err
	}
	_, err = e.st.Update(ctx, func(v store.View, t *store.Txn) error {
		return e.decideDelete(v, t, ref, force, true)
	})
	if err != nil {
		return err
	}
	return e.deleteTail(ctx, ref.Name)
}

// decideDelete checks a delete and records it in t: the whole of it, or
// (split) only that the group is being deleted, its resources read
// without comparing them.
func (e *Engine) decideDelete(v store.View, t *store.Txn, ref GroupRef, force, split bool) error {
	g, err := lookupGroup(v, ref)
	if err != nil {
		return err
	}
	bulk := v
	if split {
		bulk = v.Unrecorded()
	}
	resources := bulk.GroupResources(g)
	if len(resources) > 0 && !force {
		return fail(wsfc.ERROR_DIR_NOT_EMPTY, "group %q still has %d resources (delete them first, or use force)", g.Name, len(resources))
	}
	for _, r := range resources {
		if s := bulk.ResourceState(r.Name); s != wsfc.ClusterResourceOffline && s != wsfc.ClusterResourceFailed {
			return fail(wsfc.ERROR_RESOURCE_ONLINE, "resource %q of group %q is %s; take the group offline first", r.Name, g.Name, s)
		}
	}
	if split {
		if g.Deleting.IsZero() {
			ng := g.Clone()
			ng.Deleting = e.now()
			t.PutGroup(ng)
		}
		return nil
	}
	for _, r := range resources {
		t.Delete(store.ResourceKey(r.Name), r.Rev)
		if st := v.Status(r.Name); st != nil {
			t.Delete(store.StatusKey(r.Name), st.Rev)
		}
	}
	t.Delete(store.GroupKey(g.Name), g.Rev)
	return nil
}

// deleteTail deletes the resources of a group that is Deleting, a chunk
// per transaction, each only if it is offline or failed, and the group
// with the last.
func (e *Engine) deleteTail(ctx context.Context, group string) error {
	for {
		n := e.chunkSize()
		done, _, err := store.Decide(ctx, e.st, func(v store.View, t *store.Txn) (bool, error) {
			g := v.Group(group)
			if g == nil || g.Deleting.IsZero() {
				return true, nil
			}
			// Which resources are left need not be compared: none can
			// come while the group is Deleting (CreateResource refuses
			// it, comparing the group record this reads).
			rs := v.Unrecorded().GroupResources(g)
			last := len(rs) <= n
			for _, r := range rs[:min(n, len(rs))] {
				st := v.Status(r.Name)
				if s := wsfc.ClusterResourceState(stateOf(st)); s != wsfc.ClusterResourceOffline && s != wsfc.ClusterResourceFailed {
					return false, fail(wsfc.ERROR_RESOURCE_ONLINE, "resource %q of group %q, which is being deleted, is %s", r.Name, group, s)
				}
				t.Delete(store.ResourceKey(r.Name), r.Rev)
				if st != nil {
					t.Delete(store.StatusKey(r.Name), st.Rev)
				}
			}
			if last {
				t.Delete(store.GroupKey(g.Name), g.Rev)
			}
			return last, nil
		})
		switch {
		case store.TooLarge(err):
			if !e.shrink(n) {
				return errTooBig(group, err)
			}
		case err != nil:
			return err
		case done:
			return nil
		}
	}
}

// SetGroupProperties sets group common properties.
func (e *Engine) SetGroupProperties(ctx context.Context, ref GroupRef, props proplist.List) (*store.Group, error) {
	_, err := e.st.Update(ctx, func(v store.View, t *store.Txn) error {
		g, err := LookupGroup(v, ref)
		if err != nil {
			return err
		}
		g = g.Clone()
		if err := applyGroupProps(&g.Policy, props); err != nil {
			return err
		}
		t.PutGroup(g)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return e.st.View().Group(ref.Name), nil
}

// SetGroupNodeList sets the group's ordered preferred owners.
func (e *Engine) SetGroupNodeList(ctx context.Context, ref GroupRef, nodes []string) error {
	_, err := e.st.Update(ctx, func(v store.View, t *store.Txn) error {
		g, err := LookupGroup(v, ref)
		if err != nil {
			return err
		}
		for i, n := range nodes {
			if v.Node(n) == nil {
				return fail(wsfc.ERROR_CLUSTER_NODE_NOT_FOUND, "node %q not found", n)
			}
			if slices.Contains(nodes[:i], n) {
				return fail(wsfc.ERROR_INVALID_PARAMETER, "node %q is listed twice", n)
			}
		}
		g = g.Clone()
		g.PreferredOwners = slices.Clone(nodes)
		t.PutGroup(g)
		return nil
	})
	return err
}
