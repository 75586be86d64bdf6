package ops

import (
	"context"
	"slices"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/store"
)

// ChangeResourceGroupFlags are the flags ChangeClusterResourceGroupEx
// takes. CLUSAPI_CHANGE_RESOURCE_GROUP_FORCE_MOVE_TO_CSV (0x1) is the only
// one Windows defines, and it is about cluster shared volumes, which baton
// has none of: it answers ERROR_INVALID_PARAMETER like any unknown bit.
const ChangeResourceGroupFlags = 0

// ChangeResourceGroup is ChangeClusterResourceGroup(Ex) ([MS-CMRP]
// ApiChangeResourceGroup): it moves the resource and every resource of its
// dependency tree — all those joined to it by dependencies, either way,
// which are all in its group — into group to, in one transaction, and
// returns the names moved (the resource first, then in its old group's
// order).
//
// Nothing is stopped or started: the two groups must be owned by the same
// node "regardless of the resource's state" (the ChangeClusterResourceGroup
// page), and that node's host takes the moved resources over as they are
// (their state sequence incremented, as [MS-CMRP] 3.1.4.1.26 requires).
// When one of them is Online, the transaction also gives the group to the
// owner's claim under the lease of the claim it runs under, so that the
// node never runs a resource of a group it does not hold.
//
// Codes, the first that applies: ERROR_INVALID_PARAMETER for a flag other
// than 0; ERROR_RESOURCE_NOT_FOUND / ERROR_RESOURCE_NOT_AVAILABLE,
// ERROR_GROUP_NOT_FOUND / ERROR_GROUP_NOT_AVAILABLE for objects gone (or
// being deleted); ERROR_ALREADY_EXISTS when the resource is in the group
// already (the spec's code); ERROR_HOST_NODE_NOT_GROUP_OWNER when the two groups have
// different owners; ERROR_INVALID_STATE (baton's choice) while either
// group is moving or being written in several transactions, or a resource
// of the tree is in a pending state or its group's claim is not the one it
// runs under. A refusal changes nothing.
func (e *Engine) ChangeResourceGroup(ctx context.Context, ref ResourceRef, to GroupRef, flags uint64) ([]string, error) {
	if flags&^ChangeResourceGroupFlags != 0 {
		return nil, fail(wsfc.ERROR_INVALID_PARAMETER, "flags 0x%X: ChangeClusterResourceGroupEx takes 0 (CLUSAPI_CHANGE_RESOURCE_GROUP_FORCE_MOVE_TO_CSV is for cluster shared volumes, which baton has none of)", flags)
	}
	moved, _, err := store.Decide(ctx, e.st, func(v store.View, t *store.Txn) ([]string, error) {
		return decideChangeGroup(v, t, ref, to)
	})
	return moved, err
}

func decideChangeGroup(v store.View, t *store.Txn, ref ResourceRef, to GroupRef) ([]string, error) {
	r, err := LookupResource(v, ref)
	if err != nil {
		return nil, err
	}
	dst, err := LookupGroup(v, to)
	if err != nil {
		return nil, err
	}
	if r.Group == dst.Name {
		// [MS-CMRP] 3.1.4.1.26: "the server MUST fail this method if the
		// resource is already a member of the group ... ERROR_ALREADY_EXISTS"
		// (183, winerror.h; the reference does not list it).
		return nil, fail(wsfc.ERROR_ALREADY_EXISTS, "resource %q is in group %q already", r.Name, dst.Name)
	}
	src, err := LookupGroup(v, GroupRef{Name: r.Group})
	if err != nil {
		return nil, err
	}
	if src.OwnerNode != dst.OwnerNode {
		return nil, fail(wsfc.ERROR_HOST_NODE_NOT_GROUP_OWNER, "group %q is owned by %s and group %q by %s: a resource changes group only between groups of one owner (move one of them first)", src.Name, src.OwnerNode, dst.Name, dst.OwnerNode)
	}
	for _, g := range []*store.Group{src, dst} {
		switch {
		case g.MoveTo != "":
			return nil, fail(wsfc.ERROR_INVALID_STATE, "group %q is moving to %s", g.Name, g.MoveTo)
		case g.Writing != "":
			return nil, fail(wsfc.ERROR_INVALID_STATE, "group %q is being changed by operation %s", g.Name, g.Writing)
		}
	}
	tree := dependencyTree(v.GroupResources(src), r.Name)
	online := false
	for _, name := range tree {
		s := v.ResourceState(name)
		if s.IsPending() {
			return nil, fail(wsfc.ERROR_INVALID_STATE, "resource %q (of %q's dependency tree) is %s: wait until it settles", name, r.Name, s)
		}
		// An Online one runs; a Failed one was stopped when it failed
		// (and a node that fences stops everything it hosts, claimed or
		// not), so only Online ones need the claim to go with them.
		if s == wsfc.ClusterResourceOnline {
			online = true
		}
	}
	if online {
		if err := moveClaim(v, t, src, dst); err != nil {
			return nil, err
		}
	}
	for _, name := range tree {
		m := v.Resource(name).Clone()
		m.Group = dst.Name
		t.PutResource(m)
		// "The resource state sequence number MUST be monotonically
		// incremented when the resource is transferred to another group"
		// ([MS-CMRP] 3.1.4.1.26); its state stays as it is.
		if st := v.Status(name); st != nil {
			st = st.Clone()
			st.Seq++
			t.PutStatus(st)
		}
	}
	return tree, nil
}

// moveClaim makes sure dst is claimed by its owner under the lease src is
// claimed under, since Online resources move from src to dst: it
// writes dst's claim if there is none. An Online resource in src
// while src has no claim of its owner's (the owner restarted, its old
// lease not yet lapsed) waits for the owner to sort it out.
func moveClaim(v store.View, t *store.Txn, src, dst *store.Group) error {
	sc := v.Claim(src.Name)
	if sc == nil || sc.Node != src.OwnerNode {
		return fail(wsfc.ERROR_INVALID_STATE, "group %q has an Online resource and no claim of its owner %s", src.Name, src.OwnerNode)
	}
	dc := v.Claim(dst.Name)
	switch {
	case dc == nil:
		t.PutClaim(&store.Claim{Group: dst.Name, Node: sc.Node, Lease: sc.Lease}, clientv3.LeaseID(sc.Lease))
	case dc.Node != sc.Node || dc.Lease != sc.Lease:
		return fail(wsfc.ERROR_INVALID_STATE, "group %q is claimed by %s under another lease than group %q", dst.Name, dc.Node, src.Name)
	}
	return nil
}

// dependencyTree returns the names of the resources joined to root by
// dependencies, either way, among resources (a group's, in its order):
// root first, then the others in the group's order.
func dependencyTree(resources []*store.Resource, root string) []string {
	edges := map[string][]string{}
	for _, r := range resources {
		for _, p := range r.DependsOn {
			edges[r.Name] = append(edges[r.Name], p)
			edges[p] = append(edges[p], r.Name)
		}
	}
	in := map[string]bool{root: true}
	work := []string{root}
	for len(work) > 0 {
		n := work[len(work)-1]
		work = work[:len(work)-1]
		for _, m := range edges[n] {
			if !in[m] {
				in[m] = true
				work = append(work, m)
			}
		}
	}
	out := []string{root}
	for _, r := range resources {
		if r.Name != root && in[r.Name] {
			out = append(out, r.Name)
		}
	}
	return slices.Clip(out)
}
