package ops

// A resource's possible owners ([MS-CMRP] 3.1.4.2.24 ApiAddResourceNode,
// 3.1.4.2.25 ApiRemoveResourceNode): the nodes that may host it. By
// default every node of the cluster, whenever it joined
// (store.Resource.PossibleOwners nil); the first RemoveResourceNode makes
// an explicit list of the nodes of the cluster then, minus that one, and
// an explicit list may become empty (no node may run the resource). Nodes
// that join later are not added to explicit lists; an evicted node is
// taken out of them (as out of the groups' preferred owners), so a node
// admitted again under its name is not a possible owner until added.
//
// Enforcement: automatic placement prefers the nodes that are possible
// owners of every resource of a group (Group.PossibleOwners of package
// placement, built by PlacementView), and the host never brings a
// resource online on a node that is not one of its possible owners (it
// stays Offline there, with LastError saying why). A client's move or
// online to a named node is not refused for this: the group may be hosted
// there, those resources staying Offline, as the spec allows.

import (
	"context"
	"errors"
	"slices"

	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/store"
)

// AddResourceNode is AddClusterResourceNode: node becomes a possible owner
// of the resource. Refusals, each changing nothing: no such resource
// ERROR_RESOURCE_NOT_FOUND (ERROR_RESOURCE_NOT_AVAILABLE for a handle's
// resource that is gone); node not a node of the cluster
// ERROR_CLUSTER_NODE_NOT_FOUND; node already a possible owner — which
// every node is while the resource has no explicit list —
// ERROR_OBJECT_ALREADY_EXISTS.
func (e *Engine) AddResourceNode(ctx context.Context, ref ResourceRef, node string) error {
	_, err := e.st.Update(ctx, func(v store.View, t *store.Txn) error {
		r, err := LookupResource(v, ref)
		if err != nil {
			return err
		}
		if v.Node(node) == nil {
			return fail(wsfc.ERROR_CLUSTER_NODE_NOT_FOUND, "node %q not found", node)
		}
		if r.CanRunOn(node) {
			return fail(wsfc.ERROR_OBJECT_ALREADY_EXISTS, "node %q is already a possible owner of %q", node, r.Name)
		}
		n := r.Clone()
		n.SetPossibleOwners(append(slices.Clone(*r.PossibleOwners), node))
		t.PutResource(n)
		return nil
	})
	return err
}

// RemoveResourceNode is RemoveClusterResourceNode: node stops being a
// possible owner of the resource; from the default (every node), the
// resource gets an explicit list of the cluster's nodes but this one.
// Refusals, each changing nothing: no such resource as AddResourceNode;
// node not a node of the cluster, or not a possible owner (of an explicit
// list, empty or not) ERROR_CLUSTER_NODE_NOT_FOUND; node the owner of the
// resource's group while the resource is Online, OnlinePending or
// OfflinePending ERROR_INVALID_STATE.
func (e *Engine) RemoveResourceNode(ctx context.Context, ref ResourceRef, node string) error {
	_, err := e.st.Update(ctx, func(v store.View, t *store.Txn) error {
		r, err := LookupResource(v, ref)
		if err != nil {
			return err
		}
		if v.Node(node) == nil {
			return fail(wsfc.ERROR_CLUSTER_NODE_NOT_FOUND, "node %q not found", node)
		}
		if !r.CanRunOn(node) {
			return fail(wsfc.ERROR_CLUSTER_NODE_NOT_FOUND, "node %q is not a possible owner of %q", node, r.Name)
		}
		if g := v.Group(r.Group); g != nil && g.OwnerNode == node {
			switch s := v.ResourceState(r.Name); s {
			case wsfc.ClusterResourceOnline, wsfc.ClusterResourceOnlinePending, wsfc.ClusterResourceOfflinePending:
				return fail(wsfc.ERROR_INVALID_STATE, "%q is %s on %q: take it offline first", r.Name, s, node)
			}
		}
		owners := PossibleOwners(v, r)
		n := r.Clone()
		n.SetPossibleOwners(slices.DeleteFunc(owners, func(o string) bool { return o == node }))
		t.PutResource(n)
		return nil
	})
	return err
}

// PossibleOwners lists r's possible owners: its explicit list, or, by
// default, every node of the cluster by name.
func PossibleOwners(v store.View, r *store.Resource) []string {
	if r.PossibleOwners != nil {
		return slices.Clone(*r.PossibleOwners)
	}
	var all []string
	for _, n := range v.Nodes() {
		all = append(all, n.Name)
	}
	return all
}

// groupPossibleOwners is placement.Group.PossibleOwners for g: the nodes
// that are possible owners of every resource of g, in the order of the
// first explicit list; nil when no resource has an explicit list.
func groupPossibleOwners(v store.View, g *store.Group) []string {
	var out []string
	explicit := false
	for _, r := range v.GroupResources(g) {
		if r.PossibleOwners == nil {
			continue
		}
		if !explicit {
			explicit, out = true, append([]string{}, *r.PossibleOwners...)
			continue
		}
		out = slices.DeleteFunc(out, func(n string) bool { return !r.CanRunOn(n) })
	}
	return out
}

// resourcesNaming lists the resources whose explicit possible owners name
// node.
func resourcesNaming(v store.View, node string) []string {
	var out []string
	for _, r := range v.Resources() {
		if r.PossibleOwners != nil && slices.Contains(*r.PossibleOwners, node) {
			out = append(out, r.Name)
		}
	}
	return out
}

// forgetOwner takes an evicted node out of the resources' explicit
// possible owners, a batch per transaction.
func (e *Engine) forgetOwner(ctx context.Context, name string) error {
	var errs []error
	store.Batches(resourcesNaming(e.st.View(), name), forgetBatch, func(batch []string) error {
		_, err := e.st.Update(ctx, func(v store.View, t *store.Txn) error {
			for _, rname := range batch {
				r := v.Resource(rname)
				if r == nil || r.PossibleOwners == nil || !slices.Contains(*r.PossibleOwners, name) {
					continue
				}
				n := r.Clone()
				n.SetPossibleOwners(slices.DeleteFunc(slices.Clone(*r.PossibleOwners), func(o string) bool { return o == name }))
				t.PutResource(n)
			}
			return nil
		})
		return err
	}, func(_ []string, err error) { errs = append(errs, err) })
	return errors.Join(errs...)
}
