package clusapi

import "context"

// CanResourceBeDependent reports whether the resource of hResource can
// depend on the resource of hResourceDependent: both are members of one
// group, and hResourceDependent does not depend on hResource, directly or
// through others (dependency expressions count every resource they name).
// A resource cannot depend on itself. Like the Windows function it
// returns FALSE for anything it cannot tell — an invalid handle, handles
// of two clusters, a resource deleted since, a call that failed.
func CanResourceBeDependent(hResource, hResourceDependent HRESOURCE) bool {
	return CanResourceBeDependentContext(context.Background(), hResource, hResourceDependent)
}

// CanResourceBeDependentContext is CanResourceBeDependent bounded by ctx.
func CanResourceBeDependentContext(ctx context.Context, hResource, hResourceDependent HRESOURCE) bool {
	h, d := (*resourceHandle)(hResource), (*resourceHandle)(hResourceDependent)
	if !h.valid() || !d.valid() || h.cluster.id != d.cluster.id {
		return false
	}
	ctx, cancel := callCtx(ctx)
	defer cancel()
	c := h.cluster.c
	r, err := c.getResource(ctx, h.ref)
	if err != nil {
		return false
	}
	p, err := c.getResource(ctx, d.ref)
	if err != nil || p.Group != r.Group || p.ID == r.ID {
		return false
	}
	// Walk what the would-be provider depends on: reaching r is a cycle.
	seen := map[string]bool{p.Name: true}
	work := p.DependsOn
	for len(work) > 0 {
		name := work[0]
		work = work[1:]
		if name == r.Name {
			return false
		}
		if seen[name] {
			continue
		}
		seen[name] = true
		q, err := c.getResource(ctx, resourceRef{name: name})
		if err != nil {
			return false
		}
		work = append(work, q.DependsOn...)
	}
	return true
}
