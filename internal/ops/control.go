package ops

import (
	"context"

	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/store"
	"github.com/batoncluster/baton/proplist"
)

// The property side of the control codes (CLUSCTL_*): read a group's,
// resource's or node's common properties, and validate or set them.

// GroupCommon returns the group's common properties: the read-write ones
// (with those baton keeps itself) and the read-only ones.
func GroupCommon(v store.View, g *store.Group) (rwList, roList proplist.List) {
	o := &groupObj{v: v, g: g}
	return render(groupProps, o, rw, fixed), render(groupProps, o, ro)
}

// GroupCommonNames are the names CLUSCTL_GROUP_ENUM_COMMON_PROPERTIES
// lists: the read-write ones.
func GroupCommonNames() []string { return propNames(groupProps, rw, fixed) }

// ResourceCommon returns the resource's read-write and read-only common
// properties.
func ResourceCommon(v store.View, r *store.Resource) (rwList, roList proplist.List) {
	o := &resourceObj{v: v, r: r}
	return render(resourceProps, o, rw, fixed), render(resourceProps, o, ro)
}

// ResourceCommonNames are the names of the read-write resource common
// properties.
func ResourceCommonNames() []string { return propNames(resourceProps, rw, fixed) }

// NodeCommon returns the node's read-write and read-only common
// properties.
func NodeCommon(v store.View, n *store.Node) (rwList, roList proplist.List) {
	o := &nodeObj{v: v, n: n}
	return render(nodeProps, o, rw, fixed), render(nodeProps, o, ro)
}

// NodeCommonNames are the names of the read-write node common properties.
func NodeCommonNames() []string { return propNames(nodeProps, rw, fixed) }

// SetGroupCommon sets the group common properties of l, all or none
// (CLUSCTL_GROUP_SET_COMMON_PROPERTIES); with validateOnly it only checks
// them (..._VALIDATE_COMMON_PROPERTIES). Every refusal is
// ERROR_INVALID_PARAMETER (see proptable.go).
func (e *Engine) SetGroupCommon(ctx context.Context, ref GroupRef, l proplist.List, validateOnly bool) error {
	check := func(v store.View, t *store.Txn) error {
		g, err := LookupGroup(v, ref)
		if err != nil {
			return err
		}
		g = g.Clone()
		if err := apply("group", groupProps, &groupObj{v: v, g: g}, l, false); err != nil {
			return err
		}
		if t != nil {
			t.PutGroup(g)
		}
		return nil
	}
	if validateOnly {
		return check(e.st.View(), nil)
	}
	_, err := e.st.Update(ctx, check)
	return err
}

// SetResourceCommon sets resource common properties, all or none
// (CLUSCTL_RESOURCE_SET_COMMON_PROPERTIES), or with validateOnly checks
// them. Like SetResourceProperties it returns once the hosting node has
// applied them.
func (e *Engine) SetResourceCommon(ctx context.Context, ref ResourceRef, l proplist.List, validateOnly bool) error {
	return e.updateResource(ctx, ref, validateOnly, func(v store.View, r *store.Resource) error {
		return apply("resource", resourceProps, &resourceObj{v: v, r: r}, l, false)
	})
}

// SetResourcePrivate sets resource private properties, all or none, as
// the resource type validates them (CLUSCTL_RESOURCE_SET_PRIVATE_PROPERTIES),
// or with validateOnly checks them. A list that is not well formed, or
// that the type refuses, answers ERROR_INVALID_PARAMETER.
func (e *Engine) SetResourcePrivate(ctx context.Context, ref ResourceRef, l proplist.List, validateOnly bool) error {
	if err := l.Validate(); err != nil {
		return fail(wsfc.ERROR_INVALID_PARAMETER, "resource private properties: %v", err)
	}
	return e.updateResource(ctx, ref, validateOnly, func(_ store.View, r *store.Resource) error {
		for _, p := range l {
			r.Private = r.Private.Set(p.Name, p.Values...)
		}
		if rt, ok := e.types.Lookup(r.Type); ok {
			return validatePrivate(rt.Validate, r.Private)
		}
		return nil
	})
}

// updateResource changes a copy of the resource with change and writes
// it, or with validateOnly only checks that change accepts it.
func (e *Engine) updateResource(ctx context.Context, ref ResourceRef, validateOnly bool, change func(store.View, *store.Resource) error) error {
	// check returns the resource's name: a handle opened before a rename
	// names it as it was called then.
	check := func(v store.View, t *store.Txn) (string, error) {
		r, err := LookupResource(v, ref)
		if err != nil {
			return "", err
		}
		r = r.Clone()
		if err := change(v, r); err != nil {
			return "", err
		}
		if t != nil {
			t.PutResource(r)
		}
		return r.Name, nil
	}
	if validateOnly {
		_, err := check(e.st.View(), nil)
		return err
	}
	name, rev, err := store.Decide(ctx, e.st, check)
	if err != nil {
		return err
	}
	e.waitApplied(ctx, name, rev)
	return nil
}

// SetNodeCommon checks node common properties
// (CLUSCTL_NODE_SET_COMMON_PROPERTIES and ..._VALIDATE_...): baton keeps
// every one of them itself, so a list succeeds only when it writes their
// current values, and nothing is stored.
func (e *Engine) SetNodeCommon(name string, l proplist.List) error {
	v := e.st.View()
	n := v.Node(name)
	if n == nil {
		return fail(wsfc.ERROR_CLUSTER_NODE_NOT_FOUND, "node %q not found", name)
	}
	return apply("node", nodeProps, &nodeObj{v: v, n: n}, l, false)
}
