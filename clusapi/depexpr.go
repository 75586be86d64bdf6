package clusapi

import (
	"context"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
)

// SetClusterResourceDependencyExpression replaces every dependency of
// hResource with a dependency expression ([MS-CMRP]
// ApiSetResourceDependencyExpression): resources in square brackets, by
// name or id, joined by "and" and "or" (either case) as ANDs of ORs —
// "[A] and [B]", "[A] or [B]", "([A] or [B]) and [C]" — and "" for no
// dependencies. The grammar accepted is the union of those of the
// function's page and [MS-CMRP]: an "or" of resources alone, or parts
// joined by "and", each a resource or a parenthesized "or" (or "and") of
// resources; "and" and "or" mixed without parentheses, and nested
// parentheses, are refused. A name is what is between "[" and the first
// "]", blanks included.
//
// What it means: hResource comes online once every "or" term has a
// resource Online, and stays online while that holds. An online of it,
// or of its group, brings every resource the expression names online
// first (as Windows brings up a group's providers in dependency order);
// one of an "or" that fails does not fail hResource while another of the
// term is Online or still coming online — only when none of a term can
// come online does hResource fail (as with an AND dependency). When a
// resource it depends on is taken offline, hResource goes offline first
// only if the expression is no longer satisfied by the resources still
// Online: with "[A] or [B]" and both Online, an offline of A leaves it
// Online, and an offline of B then takes it offline. A group's offline
// still takes dependents offline before any of their providers.
// AddClusterResourceDependency adds an AND term to an expression;
// RemoveClusterResourceDependency takes the resource out of every term.
//
// Codes, each refusal changing nothing: ERROR_INVALID_PARAMETER for an
// expression that does not parse, for hResource itself or a resource of
// another group (as AddClusterResourceDependency);
// ERROR_RESOURCE_NOT_FOUND for a name or id that is no resource;
// ERROR_CIRCULAR_DEPENDENCY when a resource named depends on hResource,
// directly or not; ERROR_RESOURCE_ONLINE when hResource is Online and the
// resources Online now do not satisfy the expression (bring them online
// first), as AddClusterResourceDependency decides; ERROR_ACCESS_DENIED
// for a caller with Read access; ERROR_INVALID_HANDLE for a NULL handle.
func SetClusterResourceDependencyExpression(hResource HRESOURCE, lpszDependencyExpression string) Errno {
	return SetClusterResourceDependencyExpressionContext(context.Background(), hResource, lpszDependencyExpression)
}

// SetClusterResourceDependencyExpressionContext is
// SetClusterResourceDependencyExpression bounded by ctx.
func SetClusterResourceDependencyExpressionContext(ctx context.Context, hResource HRESOURCE, lpszDependencyExpression string) Errno {
	h := (*resourceHandle)(hResource)
	if !h.valid() {
		return ERROR_INVALID_HANDLE
	}
	ctx, cancel := callCtx(ctx)
	defer cancel()
	_, err := unary(ctx, h.cluster.c, "SetClusterResourceDependencyExpression", h.cluster.c.conn.Verbs.SetResourceDependencyExpression,
		&batonv1.SetResourceDependencyExpressionRequest{Resource: h.ref.pb(), Expression: lpszDependencyExpression})
	return ErrnoOf(err)
}

// GetClusterResourceDependencyExpression returns hResource's dependencies
// as an expression that SetClusterResourceDependencyExpression reads
// back, by name: "([A] or [B]) and [C]", "[A] and [B]" for dependencies
// added one by one, "" for none (Read access suffices). The name-buffer
// protocol is GetClusterInformation's: if lpcchDependencyExpression is
// non-nil, it is the buffer's capacity in UTF-16 characters with the NUL;
// an expression that does not fit answers ERROR_MORE_DATA with the length
// needed (without the NUL) and no expression, and on success it is set to
// the expression's length.
func GetClusterResourceDependencyExpression(hResource HRESOURCE, lpcchDependencyExpression *uint32) (lpszDependencyExpression string, status Errno) {
	return GetClusterResourceDependencyExpressionContext(context.Background(), hResource, lpcchDependencyExpression)
}

// GetClusterResourceDependencyExpressionContext is
// GetClusterResourceDependencyExpression bounded by ctx.
func GetClusterResourceDependencyExpressionContext(ctx context.Context, hResource HRESOURCE, lpcchDependencyExpression *uint32) (lpszDependencyExpression string, status Errno) {
	h := (*resourceHandle)(hResource)
	if !h.valid() {
		return "", ERROR_INVALID_HANDLE
	}
	ctx, cancel := callCtx(ctx)
	defer cancel()
	resp, err := unary(ctx, h.cluster.c, "GetClusterResourceDependencyExpression", h.cluster.c.conn.Verbs.GetResourceDependencyExpression,
		&batonv1.GetResourceDependencyExpressionRequest{Resource: h.ref.pb()})
	if err != nil {
		return "", ErrnoOf(err)
	}
	expr := resp.GetExpression()
	if st := fitName(expr, lpcchDependencyExpression); st != ERROR_SUCCESS {
		return "", st
	}
	return expr, ERROR_SUCCESS
}

// SetDependencyExpression sets the dependencies of the resource called
// name (SetClusterResourceDependencyExpression).
func (r Resources) SetDependencyExpression(ctx context.Context, name, expr string) error {
	_, err := unary(ctx, r.c, "SetResourceDependencyExpression", r.c.conn.Verbs.SetResourceDependencyExpression,
		&batonv1.SetResourceDependencyExpressionRequest{Resource: resourceRef{name: name}.pb(), Expression: expr})
	return err
}

// DependencyExpression returns the dependencies of the resource called
// name as an expression (GetClusterResourceDependencyExpression).
func (r Resources) DependencyExpression(ctx context.Context, name string) (string, error) {
	resp, err := unary(ctx, r.c, "GetResourceDependencyExpression", r.c.conn.Verbs.GetResourceDependencyExpression,
		&batonv1.GetResourceDependencyExpressionRequest{Resource: resourceRef{name: name}.pb()})
	if err != nil {
		return "", err
	}
	return resp.GetExpression(), nil
}
