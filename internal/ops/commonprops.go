package ops

import (
	"slices"

	"github.com/batoncluster/baton/clusapi"
	"github.com/batoncluster/baton/internal/store"
	"github.com/batoncluster/baton/proplist"
)

// dwordProp is one DWORD common property: where it lives and what it allows.
type dwordProp[T any] struct {
	name  string
	field func(*T) *uint32
	ok    func(uint32) bool // nil: any value
	rule  string            // the allowed values, for the error message
}

var resourceDwords = []dwordProp[store.ResourceCommon]{
	{"RestartAction", func(c *store.ResourceCommon) *uint32 { return &c.RestartAction }, atMost(2), "0, 1 or 2"},
	{"RestartThreshold", func(c *store.ResourceCommon) *uint32 { return &c.RestartThreshold }, nil, ""},
	{"RestartPeriod", func(c *store.ResourceCommon) *uint32 { return &c.RestartPeriod }, nil, ""},
	{"RestartDelay", func(c *store.ResourceCommon) *uint32 { return &c.RestartDelay }, nil, ""},
	{"RetryPeriodOnFailure", func(c *store.ResourceCommon) *uint32 { return &c.RetryPeriodOnFailure }, nil, ""},
	{"PendingTimeout", func(c *store.ResourceCommon) *uint32 { return &c.PendingTimeout }, atLeast(10), "at least 10 (ms)"},
	{"LooksAlivePollInterval", func(c *store.ResourceCommon) *uint32 { return &c.LooksAlivePollInterval }, pollInterval, "at least 10 (ms), or 0xFFFFFFFF for the type's value"},
	{"IsAlivePollInterval", func(c *store.ResourceCommon) *uint32 { return &c.IsAlivePollInterval }, pollInterval, "at least 10 (ms), or 0xFFFFFFFF for the type's value"},
}

var groupDwords = []dwordProp[store.GroupPolicy]{
	{"FailoverThreshold", func(p *store.GroupPolicy) *uint32 { return &p.FailoverThreshold }, nil, ""},
	{"FailoverPeriod", func(p *store.GroupPolicy) *uint32 { return &p.FailoverPeriod }, atMost(1193), "0 to 1193 (hours)"},
	{"AutoFailbackType", func(p *store.GroupPolicy) *uint32 { return &p.AutoFailbackType }, atMost(1), "0 (prevent) or 1 (allow)"},
	{"FailbackWindowStart", func(p *store.GroupPolicy) *uint32 { return &p.FailbackWindowStart }, hourOrNone, "0 to 23, or 0xFFFFFFFF"},
	{"FailbackWindowEnd", func(p *store.GroupPolicy) *uint32 { return &p.FailbackWindowEnd }, hourOrNone, "0 to 23, or 0xFFFFFFFF"},
	{"Priority", func(p *store.GroupPolicy) *uint32 { return &p.Priority }, oneOf(0, 1000, 2000, 3000), "0, 1000, 2000 or 3000"},
}

func atMost(n uint32) func(uint32) bool  { return func(v uint32) bool { return v <= n } }
func atLeast(n uint32) func(uint32) bool { return func(v uint32) bool { return v >= n } }
func oneOf(vs ...uint32) func(uint32) bool {
	return func(v uint32) bool { return slices.Contains(vs, v) }
}
func pollInterval(v uint32) bool { return v >= 10 }
func hourOrNone(v uint32) bool   { return v <= 23 || v == 0xFFFFFFFF }

// applyDwords sets the properties of l that are common DWORD properties in
// table on dst, and returns the rest. A wrong kind answers
// ERROR_CLUSTER_PROPERTY_DATA_TYPE_MISMATCH, a value out of range
// ERROR_CLUSTER_PARAMETER_OUT_OF_BOUNDS.
func applyDwords[T any](table []dwordProp[T], dst *T, l proplist.List) (rest proplist.List, err error) {
	for _, p := range l {
		i := slices.IndexFunc(table, func(d dwordProp[T]) bool { return d.name == p.Name })
		if i < 0 {
			rest = append(rest, p)
			continue
		}
		d := table[i]
		v, err := singleDword(p)
		if err != nil {
			return nil, err
		}
		if d.ok != nil && !d.ok(v) {
			return nil, fail(clusapi.ERROR_CLUSTER_PARAMETER_OUT_OF_BOUNDS, "property %s: %d is out of range (%s)", p.Name, v, d.rule)
		}
		*d.field(dst) = v
	}
	return rest, nil
}

func singleDword(p proplist.Property) (uint32, error) {
	if len(p.Values) != 1 || p.Values[0].Syntax != proplist.SyntaxDWORD {
		return 0, fail(clusapi.ERROR_CLUSTER_PROPERTY_DATA_TYPE_MISMATCH, "property %s takes one DWORD value", p.Name)
	}
	return uint32(p.Values[0].Uint), nil
}

// applyGroupProps sets group common properties from l; any other name is
// an error, since groups have no private properties.
func applyGroupProps(pol *store.GroupPolicy, l proplist.List) error {
	rest, err := applyDwords(groupDwords, pol, l)
	if err != nil {
		return err
	}
	for _, p := range rest {
		if p.Name != "AntiAffinityClassNames" {
			return fail(clusapi.ERROR_INVALID_PARAMETER, "group property %q is not known (settable: FailoverThreshold, FailoverPeriod, AutoFailbackType, FailbackWindowStart, FailbackWindowEnd, Priority, AntiAffinityClassNames)", p.Name)
		}
		if len(p.Values) != 1 || p.Values[0].Syntax != proplist.SyntaxMultiSZ {
			return fail(clusapi.ERROR_CLUSTER_PROPERTY_DATA_TYPE_MISMATCH, "property AntiAffinityClassNames takes one MULTI_SZ value")
		}
		pol.AntiAffinityClassNames = slices.Clone(p.Values[0].Strs)
	}
	return nil
}

// GroupProperties renders a group's common properties as a property list.
func GroupProperties(pol store.GroupPolicy) proplist.List {
	var l proplist.List
	for _, d := range groupDwords {
		l = append(l, proplist.Property{Name: d.name, Values: []proplist.Value{proplist.DWORD(*d.field(&pol))}})
	}
	return append(l, proplist.Property{Name: "AntiAffinityClassNames", Values: []proplist.Value{proplist.MultiSZ(pol.AntiAffinityClassNames...)}})
}

// ResourceCommonProperties renders a resource's common properties.
func ResourceCommonProperties(c store.ResourceCommon) proplist.List {
	var l proplist.List
	for _, d := range resourceDwords {
		l = append(l, proplist.Property{Name: d.name, Values: []proplist.Value{proplist.DWORD(*d.field(&c))}})
	}
	return l
}
