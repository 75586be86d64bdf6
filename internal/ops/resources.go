package ops

import (
	"context"
	"slices"
	"time"

	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/store"
	"github.com/batoncluster/baton/proplist"
)

// ResourceRef names a resource; ID, when set, must still match.
type ResourceRef struct{ Name, ID string }

func LookupResource(v store.View, ref ResourceRef) (*store.Resource, error) {
	r := v.Resource(ref.Name)
	if ref.ID != "" && (r == nil || r.ID != ref.ID) {
		// A handle follows its resource, not its name: one opened before
		// a rename (SetClusterResourceName) finds it by id.
		if byID := resourceByID(v, ref.ID); byID != nil {
			return byID, nil
		}
	}
	switch {
	case r == nil && ref.ID != "":
		return nil, fail(wsfc.ERROR_RESOURCE_NOT_AVAILABLE, "resource %q was deleted after it was opened", ref.Name)
	case r == nil:
		return nil, fail(wsfc.ERROR_RESOURCE_NOT_FOUND, "resource %q not found", ref.Name)
	case ref.ID != "" && r.ID != ref.ID:
		return nil, fail(wsfc.ERROR_RESOURCE_NOT_AVAILABLE, "resource %q was deleted and created again after it was opened", ref.Name)
	}
	return r, nil
}

// resourceByID is the resource whose id is id, or nil: a look at every
// resource, made only for a handle whose name no longer names its
// resource.
func resourceByID(v store.View, id string) *store.Resource {
	for _, r := range v.Resources() {
		if r.ID == id {
			return r
		}
	}
	return nil
}

// OpenResource resolves a resource name to the id handles carry.
func (e *Engine) OpenResource(name string) (*store.Resource, error) {
	return LookupResource(e.st.View(), ResourceRef{Name: name})
}

// CreateResource creates an offline resource in a group.
func (e *Engine) CreateResource(ctx context.Context, name, group, typ string, dependsOn []string, props proplist.List) (*store.Resource, error) {
	if err := checkName("resource", name); err != nil {
		return nil, err
	}
	rt, ok := e.types.Lookup(typ)
	if !ok {
		return nil, fail(wsfc.ERROR_CLUSTER_RESOURCE_TYPE_NOT_FOUND, "resource type %q is not known (see 'baton type list')", typ)
	}
	common := store.DefaultResourceCommon()
	private, err := applyResourceCommon(&common, props)
	if err != nil {
		return nil, err
	}
	if err := validatePrivate(rt.Validate, private); err != nil {
		return nil, err
	}
	_, err = e.st.Update(ctx, func(v store.View, t *store.Txn) error {
		g := v.Group(group)
		if g == nil {
			return fail(wsfc.ERROR_GROUP_NOT_FOUND, "group %q not found", group)
		}
		if !g.Deleting.IsZero() {
			return fail(wsfc.ERROR_GROUP_NOT_AVAILABLE, "group %q is being deleted", group)
		}
		if v.Resource(name) != nil {
			return fail(wsfc.ERROR_OBJECT_ALREADY_EXISTS, "resource %q already exists", name)
		}
		for i, d := range dependsOn {
			if err := checkProvider(v, name, group, d); err != nil {
				return err
			}
			if slices.Contains(dependsOn[:i], d) {
				return fail(wsfc.ERROR_DEPENDENCY_ALREADY_EXISTS, "dependency on %q is given twice", d)
			}
		}
		// The group record stays as it is: a resource belongs to the
		// group its record names, and PutResource writes the group's
		// membership stamp (O(1) bytes, whatever the group's size).
		r := &store.Resource{Name: name, ID: newID(), Group: group, Type: typ,
			DependsOn: slices.Clone(dependsOn), Common: common, Private: private}
		t.PutResource(r)
		t.PutStatus(&store.Status{Resource: name, State: int32(wsfc.ClusterResourceOffline), Updated: e.now()})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return e.st.View().Resource(name), nil
}

func validatePrivate(validate func(proplist.List) error, l proplist.List) error {
	if validate == nil {
		return nil
	}
	if err := validate(l); err != nil {
		return fail(wsfc.ERROR_INVALID_PARAMETER, "%v", err)
	}
	return nil
}

// checkProvider checks that resource name in group may depend on provider:
// a resource of the same group other than itself, else
// ERROR_INVALID_PARAMETER, as the AddClusterResourceDependency page says.
func checkProvider(v store.View, name, group, provider string) error {
	p := v.Resource(provider)
	switch {
	case p == nil:
		return fail(wsfc.ERROR_RESOURCE_NOT_FOUND, "dependency %q: resource not found", provider)
	case provider == name:
		return fail(wsfc.ERROR_INVALID_PARAMETER, "resource %q cannot depend on itself", name)
	case p.Group != group:
		return fail(wsfc.ERROR_INVALID_PARAMETER, "resource %q is in group %q; dependencies must be in the same group (%q)", provider, p.Group, group)
	}
	return nil
}

// DeleteResource deletes an offline or failed resource nothing depends on.
func (e *Engine) DeleteResource(ctx context.Context, ref ResourceRef) error {
	_, err := e.st.Update(ctx, func(v store.View, t *store.Txn) error {
		r, err := LookupResource(v, ref)
		if err != nil {
			return err
		}
		if s := v.ResourceState(r.Name); s != wsfc.ClusterResourceOffline && s != wsfc.ClusterResourceFailed {
			// ERROR_INVALID_STATE, as DeleteClusterResource answers from
			// Windows Server 2012 on (ERROR_RESOURCE_ONLINE before).
			return fail(wsfc.ERROR_INVALID_STATE, "resource %q is %s; take it offline first", r.Name, s)
		}
		if deps := v.Dependents(r); len(deps) > 0 {
			return fail(wsfc.ERROR_DEPENDENT_RESOURCE_EXISTS, "resource %q is a dependency of %q", r.Name, deps[0].Name)
		}
		// The deletion writes the group's membership stamp (Txn.Delete).
		t.Delete(store.ResourceKey(r.Name), r.Rev)
		if st := v.Status(r.Name); st != nil {
			t.Delete(store.StatusKey(r.Name), st.Rev)
		}
		return nil
	})
	return err
}

// SetResourceProperties sets common properties (by their WSFC names) and
// private properties (every other name) in one change. When the resource's
// group is hosted by a node that is up, it returns once that node has
// applied them, so a locked mode set here is in force for the next call.
func (e *Engine) SetResourceProperties(ctx context.Context, ref ResourceRef, props proplist.List) (*store.Resource, error) {
	// name is the resource's: a handle opened before a rename names it
	// as it was called then.
	name, rev, err := store.Decide(ctx, e.st, func(v store.View, t *store.Txn) (string, error) {
		r, err := LookupResource(v, ref)
		if err != nil {
			return "", err
		}
		r = r.Clone()
		private, err := applyResourceCommon(&r.Common, props)
		if err != nil {
			return "", err
		}
		for _, p := range private {
			r.Private = r.Private.Set(p.Name, p.Values...)
		}
		rt, ok := e.types.Lookup(r.Type)
		if ok {
			if err := validatePrivate(rt.Validate, r.Private); err != nil {
				return "", err
			}
		}
		t.PutResource(r)
		return r.Name, nil
	})
	if err != nil {
		return nil, err
	}
	e.waitApplied(ctx, name, rev)
	return e.st.View().Resource(name), nil
}

// applyWait bounds how long a property change waits for its host.
const applyWait = 10 * time.Second

// waitApplied waits (bounded) until the hosting node reports it applied the
// resource record at rev. A group whose owner is not up has nobody to wait for.
func (e *Engine) waitApplied(ctx context.Context, name string, rev int64) {
	ctx, cancel := context.WithTimeout(ctx, applyWait)
	defer cancel()
	sub := e.st.Subscribe()
	defer sub.Close()
	for {
		v := e.st.View()
		r := v.Resource(name)
		if r == nil {
			return
		}
		g := v.Group(r.Group)
		if v.NodeState(g.OwnerNode) == wsfc.ClusterNodeDown {
			return
		}
		if st := v.Status(name); st != nil && st.ConfigRev >= rev {
			return
		}
		select {
		case <-sub.C():
			sub.Take()
		case <-ctx.Done():
			return
		}
	}
}

// AddDependency makes resource depend on provider (same group, no cycles).
func (e *Engine) AddDependency(ctx context.Context, ref ResourceRef, provider string) error {
	_, err := e.st.Update(ctx, func(v store.View, t *store.Txn) error {
		r, err := LookupResource(v, ref)
		if err != nil {
			return err
		}
		if err := checkProvider(v, r.Name, r.Group, provider); err != nil {
			return err
		}
		if slices.Contains(r.DependsOn, provider) {
			return fail(wsfc.ERROR_DEPENDENCY_ALREADY_EXISTS, "%q already depends on %q", r.Name, provider)
		}
		if dependsOn(v, provider, r.Name) {
			return fail(wsfc.ERROR_CIRCULAR_DEPENDENCY, "%q already depends on %q (directly or not): that would be a cycle", provider, r.Name)
		}
		if v.ResourceState(r.Name) == wsfc.ClusterResourceOnline && v.ResourceState(provider) != wsfc.ClusterResourceOnline {
			return fail(wsfc.ERROR_RESOURCE_ONLINE, "%q is online and %q is not: bring %q online first, or take %q offline", r.Name, provider, provider, r.Name)
		}
		r = r.Clone()
		// One more AND term: an expression with an "or" keeps its terms.
		r.SetDependencies(append(r.Dependencies().Clone(), []string{provider}))
		t.PutResource(r)
		return nil
	})
	return err
}

// RemoveDependency removes a dependency, from every term of a
// dependency expression that names it.
func (e *Engine) RemoveDependency(ctx context.Context, ref ResourceRef, provider string) error {
	_, err := e.st.Update(ctx, func(v store.View, t *store.Txn) error {
		r, err := LookupResource(v, ref)
		if err != nil {
			return err
		}
		if !slices.Contains(r.DependsOn, provider) {
			return fail(wsfc.ERROR_DEPENDENCY_NOT_FOUND, "%q does not depend on %q", r.Name, provider)
		}
		r = r.Clone()
		// Out of every term: "([A] or [B]) and [C]" without B is
		// "[A] and [C]".
		r.SetDependencies(r.Dependencies().Without(provider))
		t.PutResource(r)
		return nil
	})
	return err
}

// dependsOn reports whether a depends on b, directly or through others.
func dependsOn(v store.View, a, b string) bool {
	seen := map[string]bool{}
	var walk func(string) bool
	walk = func(n string) bool {
		if seen[n] {
			return false
		}
		seen[n] = true
		r := v.Resource(n)
		if r == nil {
			return false
		}
		for _, d := range r.DependsOn {
			if d == b || walk(d) {
				return true
			}
		}
		return false
	}
	return walk(a)
}
