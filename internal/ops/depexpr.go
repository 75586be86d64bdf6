package ops

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/depexpr"
	"github.com/batoncluster/baton/internal/store"
)

// SetDependencyExpression is SetClusterResourceDependencyExpression
// ([MS-CMRP] ApiSetResourceDependencyExpression): the resource's
// dependencies become the expression's (package depexpr), replacing all
// it had; "" clears them. Resources are named by name or id; the record
// keeps names (store.Resource.SetDependencies).
//
// Refusals, each changing nothing: a syntax error ERROR_INVALID_PARAMETER;
// a name that is no resource ERROR_RESOURCE_NOT_FOUND; the resource itself
// or one of another group ERROR_INVALID_PARAMETER, as
// AddClusterResourceDependency; a resource that depends on this one,
// directly or not, ERROR_CIRCULAR_DEPENDENCY; and, as AddDependency
// decides it, ERROR_RESOURCE_ONLINE when the resource is Online and the
// expression is not satisfied by the resources Online now (an Online
// resource keeps what it runs on).
func (e *Engine) SetDependencyExpression(ctx context.Context, ref ResourceRef, expr string) error {
	parsed, err := depexpr.Parse(expr)
	if err != nil {
		var se *depexpr.SyntaxError
		if errors.As(err, &se) {
			return fail(wsfc.ERROR_INVALID_PARAMETER, "%v", err)
		}
		return err
	}
	_, err = e.st.Update(ctx, func(v store.View, t *store.Txn) error {
		r, err := LookupResource(v, ref)
		if err != nil {
			return err
		}
		resolved := make(depexpr.Expr, len(parsed))
		for i, term := range parsed {
			for _, n := range term {
				p := v.Resource(n)
				if p == nil {
					p = resourceByID(v, n)
				}
				if p == nil {
					return fail(wsfc.ERROR_RESOURCE_NOT_FOUND, "dependency expression: resource %q not found", n)
				}
				resolved[i] = append(resolved[i], p.Name)
			}
		}
		resolved = resolved.Normalize()
		for _, p := range resolved.Names() {
			if err := checkProvider(v, r.Name, r.Group, p); err != nil {
				return err
			}
			if dependsOn(v, p, r.Name) {
				return fail(wsfc.ERROR_CIRCULAR_DEPENDENCY, "%q already depends on %q (directly or not): that would be a cycle", p, r.Name)
			}
		}
		if v.ResourceState(r.Name) == wsfc.ClusterResourceOnline && !resolved.Satisfied(func(p string) bool {
			return v.ResourceState(p) == wsfc.ClusterResourceOnline
		}) {
			return fail(wsfc.ERROR_RESOURCE_ONLINE, "%q is online and its new dependencies %q are not: bring them online first, or take %q offline", r.Name, resolved.String(), r.Name)
		}
		n := r.Clone()
		n.SetDependencies(resolved)
		if slices.Equal(n.DependsOn, r.DependsOn) && n.Dependencies().String() == r.Dependencies().String() {
			return nil // as it is: nothing to write
		}
		t.PutResource(n)
		return nil
	})
	return err
}

// DependencyExpression is GetClusterResourceDependencyExpression: the
// resource's dependencies in the syntax SetDependencyExpression reads,
// by name — "[A] and [B]" for a plain list, "" for none — and by id for a
// resource whose name holds "]", which the syntax cannot quote: what this
// answers, SetDependencyExpression reads back.
func (e *Engine) DependencyExpression(ref ResourceRef) (string, error) {
	v := e.st.View()
	r, err := LookupResource(v, ref)
	if err != nil {
		return "", err
	}
	expr := r.Dependencies()
	for _, name := range expr.Names() {
		if p := v.Resource(name); p != nil && p.ID != "" && strings.Contains(name, "]") {
			expr = expr.Rename(name, p.ID)
		}
	}
	return expr.String(), nil
}

// onlineWithout reports whether r's dependencies are satisfied by the
// resources Online in v, those in gone not counted.
func onlineWithout(v store.View, r *store.Resource, gone map[string]bool) bool {
	return r.Dependencies().Satisfied(func(p string) bool {
		return !gone[p] && v.ResourceState(p) == wsfc.ClusterResourceOnline
	})
}

// offlineDependents returns the resources that must go offline with r:
// those whose dependencies are no longer satisfied once r, and every
// other resource returned, is not Online, counting only the resources
// Online now: with AND dependencies every dependent, directly or not;
// with an "or", not one that another Online resource of the term still
// satisfies.
func offlineDependents(v store.View, r *store.Resource) []*store.Resource {
	var out []*store.Resource
	gone := map[string]bool{r.Name: true}
	queue := []*store.Resource{r}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		for _, d := range v.Dependents(cur) {
			if gone[d.Name] || onlineWithout(v, d, gone) {
				// A dependent still satisfied now is looked at again
				// when another of its providers goes.
				continue
			}
			gone[d.Name] = true
			out = append(out, d)
			queue = append(queue, d)
		}
	}
	return out
}
