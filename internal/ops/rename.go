package ops

import (
	"context"
	"maps"
	"slices"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/store"
)

// checkNewName validates the new name of a renamed group or resource as
// [MS-CMRP] ApiSetGroupName and ApiSetResourceName do: ERROR_INVALID_NAME
// (123) for an empty one, and — baton's rule, the one checkName makes at
// creation — for one baton cannot store (over 255 characters, '/',
// control characters).
func checkNewName(kind, name string) error {
	if err := checkName(kind, name); err != nil {
		return fail(wsfc.ERROR_INVALID_NAME, "%s", err.Error())
	}
	return nil
}

// RenameResource is SetClusterResourceName ([MS-CMRP] ApiSetResourceName):
// in one transaction the resource's record and its status move to the new
// name (its id, configuration, state, state sequence, persistent state and
// restarts kept), and the resources that depend on it name it anew.
// Nothing is stopped or started: the node that hosts it renames its
// instance (host.rename), which runs on. The resource comes last in its
// group's order (the order is the records' creation).
//
// Operation records keep the name the resource had when they were made
// (they are history). Codes, the first that applies: ERROR_INVALID_NAME
// (123) for an empty name or one baton cannot store;
// ERROR_RESOURCE_NOT_FOUND / ERROR_RESOURCE_NOT_AVAILABLE; ERROR_SUCCESS,
// changing nothing, for its own name; ERROR_ALREADY_EXISTS (183) for the
// name or id of another resource; ERROR_GROUP_NOT_AVAILABLE while its
// group is being deleted; ERROR_INVALID_STATE (baton's choice: Windows
// renames at any time) while the resource is in a pending state or its
// group is moving or being written in several transactions. A refusal
// changes nothing.
func (e *Engine) RenameResource(ctx context.Context, ref ResourceRef, name string) error {
	if err := checkNewName("resource", name); err != nil {
		return err
	}
	_, _, err := store.Decide(ctx, e.st, func(v store.View, t *store.Txn) (struct{}, error) {
		return struct{}{}, decideRenameResource(v, t, ref, name)
	})
	return err
}

func decideRenameResource(v store.View, t *store.Txn, ref ResourceRef, name string) error {
	r, err := LookupResource(v, ref)
	if err != nil {
		return err
	}
	if r.Name == name {
		return nil
	}
	if v.Resource(name) != nil {
		return fail(wsfc.ERROR_ALREADY_EXISTS, "a resource called %q exists already", name)
	}
	for _, o := range v.Resources() {
		if o.ID == name {
			return fail(wsfc.ERROR_ALREADY_EXISTS, "%q is the id of resource %q", name, o.Name)
		}
	}
	g, err := LookupGroup(v, GroupRef{Name: r.Group})
	if err != nil {
		return err
	}
	if err := renamable(g); err != nil {
		return err
	}
	st := v.Status(r.Name)
	if s := v.ResourceState(r.Name); s.IsPending() {
		return fail(wsfc.ERROR_INVALID_STATE, "resource %q is %s: rename it once it settles", r.Name, s)
	}
	n := r.Clone()
	n.Name, n.Rev = name, 0
	t.Delete(store.ResourceKey(r.Name), r.Rev)
	t.PutResource(n)
	if st != nil {
		ns := st.Clone()
		ns.Resource, ns.Rev = name, 0
		t.Delete(store.StatusKey(r.Name), st.Rev)
		t.PutStatus(ns)
	}
	for _, d := range v.GroupResources(g) {
		if d.Name == r.Name || !slices.Contains(d.DependsOn, r.Name) {
			continue
		}
		d = d.Clone()
		d.SetDependencies(d.Dependencies().Rename(r.Name, name))
		t.PutResource(d)
	}
	return nil
}

// renamable refuses a rename in g, or of g, while g changes hands or is
// written a transaction at a time: the host taking it over, or the
// writer, works by name.
func renamable(g *store.Group) error {
	switch {
	case g.MoveTo != "":
		return fail(wsfc.ERROR_INVALID_STATE, "group %q is moving to %s", g.Name, g.MoveTo)
	case g.Writing != "":
		return fail(wsfc.ERROR_INVALID_STATE, "group %q is being changed by operation %s", g.Name, g.Writing)
	}
	return nil
}

// RenameGroup is SetClusterGroupName ([MS-CMRP] ApiSetGroupName): in one
// transaction the group's record moves to the new name (its id, owner,
// persistent state and policy kept) and everything that names it follows
// — its resources' records, its claim (same node, same lease), its
// operation records, the drain lists of nodes. Nothing is stopped or
// started, Online or not: the owner's host refiles its instances under the
// new name (host.regroup) and finds the claim under it.
//
// Codes, the first that applies: ERROR_INVALID_NAME (123) for an empty
// name or one baton cannot store; ERROR_GROUP_NOT_FOUND /
// ERROR_GROUP_NOT_AVAILABLE; ERROR_SUCCESS, changing nothing, for its own
// name; ERROR_ALREADY_EXISTS (183) for the name or id of another group;
// ERROR_INVALID_STATE (baton's choice: Windows renames an online group
// too, and so does baton, but not one in the middle of a change) while the
// group moves, waits in the move queue (cancel it first), is written in
// several transactions, or a resource of it is pending. A refusal changes
// nothing. A group too big for one transaction cannot be renamed (the
// database refuses the change).
func (e *Engine) RenameGroup(ctx context.Context, ref GroupRef, name string) error {
	if err := checkNewName("group", name); err != nil {
		return err
	}
	_, _, err := store.Decide(ctx, e.st, func(v store.View, t *store.Txn) (struct{}, error) {
		return struct{}{}, decideRenameGroup(v, t, ref, name)
	})
	return err
}

func decideRenameGroup(v store.View, t *store.Txn, ref GroupRef, name string) error {
	g, err := LookupGroup(v, ref)
	if err != nil {
		return err
	}
	if g.Name == name {
		return nil
	}
	if v.Group(name) != nil {
		return fail(wsfc.ERROR_ALREADY_EXISTS, "a group called %q exists already", name)
	}
	for _, o := range v.Groups() {
		if o.ID == name {
			return fail(wsfc.ERROR_ALREADY_EXISTS, "%q is the id of group %q", name, o.Name)
		}
	}
	if err := renamable(g); err != nil {
		return err
	}
	if c := v.Claim(name); c != nil {
		// A claim left by a deleted group of that name, under a lease
		// that still lives: it goes with the lease.
		return fail(wsfc.ERROR_INVALID_STATE, "a claim on %q (node %s) has not lapsed yet", name, c.Node)
	}
	if g.QueuedMove.Op != "" {
		return fail(wsfc.ERROR_INVALID_STATE, "a move of group %q waits in the queue (operation %s): cancel it first", g.Name, g.QueuedMove.Op)
	}
	resources := v.GroupResources(g)
	for _, r := range resources {
		if s := v.ResourceState(r.Name); s.IsPending() {
			return fail(wsfc.ERROR_INVALID_STATE, "resource %q of group %q is %s: rename the group once it settles", r.Name, g.Name, s)
		}
	}
	old := g.Name
	n := g.Clone()
	n.Name, n.Rev = name, 0
	t.Delete(store.GroupKey(old), g.Rev) // first: the old membership stamp goes with it
	t.PutGroup(n)
	for _, r := range resources {
		r = r.Clone()
		r.Group = name
		t.PutResource(r)
	}
	if c := v.Claim(old); c != nil {
		t.Delete(store.ClaimKey(old), c.Rev)
		t.PutClaim(&store.Claim{Group: name, Node: c.Node, Lease: c.Lease}, clientv3.LeaseID(c.Lease))
	}
	for _, op := range v.GroupOperations(old, store.Cursor{}, 0) {
		op := *op
		op.Group = name
		t.PutOperation(&op)
	}
	for _, node := range v.Nodes() {
		if !slices.Contains(node.DrainGroups, old) {
			continue
		}
		nn := *node
		nn.DrainGroups = slices.Clone(node.DrainGroups)
		for i, d := range nn.DrainGroups {
			if d == old {
				nn.DrainGroups[i] = name
			}
		}
		if at, ok := node.DrainStayed[old]; ok {
			nn.DrainStayed = maps.Clone(node.DrainStayed)
			delete(nn.DrainStayed, old)
			nn.DrainStayed[name] = at
		}
		t.PutNode(&nn)
	}
	return nil
}
