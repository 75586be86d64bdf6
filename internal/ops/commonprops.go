package ops

import (
	"slices"

	"github.com/batoncluster/baton/internal/store"
	"github.com/batoncluster/baton/proplist"
)

// The idiomatic calls (CreateGroup, SetGroupProperties, CreateResource,
// SetResourceProperties) set common properties through the tables of
// proptable.go, read-write ones only.

func atMost(n uint32) func(uint32) bool  { return func(v uint32) bool { return v <= n } }
func atLeast(n uint32) func(uint32) bool { return func(v uint32) bool { return v >= n } }
func oneOf(vs ...uint32) func(uint32) bool {
	return func(v uint32) bool { return slices.Contains(vs, v) }
}
func pollInterval(v uint32) bool { return v >= 10 }
func hourOrNone(v uint32) bool   { return v <= 23 || v == 0xFFFFFFFF }

// applyGroupProps sets group common properties from l; any other name is
// an error, since groups have no private properties. Every refusal is
// ERROR_INVALID_PARAMETER.
func applyGroupProps(pol *store.GroupPolicy, l proplist.List) error {
	o := &groupObj{g: &store.Group{Policy: *pol}}
	o.g.Policy.AntiAffinityClassNames = slices.Clone(pol.AntiAffinityClassNames)
	if err := apply("group", groupProps, o, l, true); err != nil {
		return err
	}
	*pol = o.g.Policy
	return nil
}

// isResourceCommon says whether the idiomatic calls take name as a
// resource common property: the read-write DWORD ones. Every other name
// is a private property there (a resource type may have a private
// Description); the control codes set the others.
func isResourceCommon(name string) bool {
	i := slices.IndexFunc(resourceProps, func(p prop[*resourceObj]) bool { return p.name == name })
	return i >= 0 && resourceProps[i].kind == rw && resourceProps[i].syntax == proplist.SyntaxDWORD
}

// applyResourceCommon sets the resource common properties of l on c and
// returns the rest, the private properties.
func applyResourceCommon(c *store.ResourceCommon, l proplist.List) (private proplist.List, err error) {
	var commons proplist.List
	for _, p := range l {
		if isResourceCommon(p.Name) {
			commons = append(commons, p)
		} else {
			private = append(private, p)
		}
	}
	o := &resourceObj{r: &store.Resource{Common: *c}}
	if err := apply("resource", resourceProps, o, commons, true); err != nil {
		return nil, err
	}
	*c = o.r.Common
	return private, nil
}

// GroupProperties renders a group's read-write common properties (those
// of its policy) as a property list.
func GroupProperties(pol store.GroupPolicy) proplist.List {
	o := &groupObj{g: &store.Group{Policy: pol}}
	return render(groupProps, o, rw)
}

// ResourceCommonProperties renders a resource's read-write DWORD common
// properties, the ones the idiomatic calls set.
func ResourceCommonProperties(c store.ResourceCommon) proplist.List {
	o := &resourceObj{r: &store.Resource{Common: c}}
	var l proplist.List
	for _, p := range render(resourceProps, o, rw) {
		if isResourceCommon(p.Name) {
			l = append(l, p)
		}
	}
	return l
}
