package ops

import (
	"slices"

	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/store"
	"github.com/batoncluster/baton/proplist"
)

// The common-property tables of groups, resources and nodes: what the
// control codes (CLUSCTL_*_GET_COMMON_PROPERTIES and its kin) read and
// write. Names, types, ranges and defaults are those of the reference
// (§8.1, §8.2); names it does not list are the SDK's CLUSREG_NAME_*.
//
// A property is one of three kinds:
//
//   - rw: clients set it (SET_COMMON_PROPERTIES), within its range;
//   - fixed: read-write on Windows, but baton keeps it itself (a group's
//     Name changes by rename, its PersistentState by online and offline):
//     it is listed with the read-write ones, so that a list read with
//     GET_COMMON_PROPERTIES can be written back unchanged, and a set
//     accepts its current value only;
//   - ro: read-only, listed by GET_RO_COMMON_PROPERTIES only.
//
// Every refusal — a name not in the table, a read-only property, a type
// other than the property's, more than one value, a value out of range or
// a fixed property changed — answers ERROR_INVALID_PARAMETER and the list
// changes nothing, as Windows' property-table check does (the reference
// gives no code of its own for these; the CLUSCTL_*_SET_COMMON_PROPERTIES
// pages list ERROR_INVALID_PARAMETER).

type propKind int

const (
	rw propKind = iota
	fixed
	ro
)

// prop is one common property of objects seen as T.
type prop[T any] struct {
	name   string
	syntax proplist.Syntax
	kind   propKind
	get    func(T) proplist.Value
	set    func(T, proplist.Value) // rw only
	ok     func(proplist.Value) bool
	rule   string // the allowed values, for the error message
}

// groupObj is a group as its property table sees it.
type groupObj struct {
	v store.View
	g *store.Group
}

// resourceObj is a resource as its property table sees it.
type resourceObj struct {
	v store.View
	r *store.Resource
}

// nodeObj is a node as its property table sees it.
type nodeObj struct {
	v store.View
	n *store.Node
}

func dwordOf(v proplist.Value) uint32 { return uint32(v.Uint) }

func dwordIn(ok func(uint32) bool) func(proplist.Value) bool {
	if ok == nil {
		return nil
	}
	return func(v proplist.Value) bool { return ok(dwordOf(v)) }
}

// rwDword is a read-write DWORD property stored in the field f points to.
func rwDword[T any](name string, f func(T) *uint32, ok func(uint32) bool, rule string) prop[T] {
	return prop[T]{name: name, syntax: proplist.SyntaxDWORD, kind: rw,
		get: func(o T) proplist.Value { return proplist.DWORD(*f(o)) },
		set: func(o T, v proplist.Value) { *f(o) = dwordOf(v) },
		ok:  dwordIn(ok), rule: rule}
}

// rwSZ is a read-write string property stored in the field f points to.
func rwSZ[T any](name string, f func(T) *string) prop[T] {
	return prop[T]{name: name, syntax: proplist.SyntaxSZ, kind: rw,
		get: func(o T) proplist.Value { return proplist.SZ(*f(o)) },
		set: func(o T, v proplist.Value) { *f(o) = v.Str }}
}

func fixedProp[T any](name string, s proplist.Syntax, get func(T) proplist.Value) prop[T] {
	return prop[T]{name: name, syntax: s, kind: fixed, get: get}
}

func roProp[T any](name string, s proplist.Syntax, get func(T) proplist.Value) prop[T] {
	return prop[T]{name: name, syntax: s, kind: ro, get: get}
}

func pol(o *groupObj) *store.GroupPolicy { return &o.g.Policy }

// groupProps is the group table, in the order GET_COMMON_PROPERTIES lists it.
var groupProps = []prop[*groupObj]{
	fixedProp("Name", proplist.SyntaxSZ, func(o *groupObj) proplist.Value { return proplist.SZ(o.g.Name) }),
	rwSZ("Description", func(o *groupObj) *string { return &pol(o).Description }),
	fixedProp("PersistentState", proplist.SyntaxDWORD, func(o *groupObj) proplist.Value { return proplist.DWORD(o.g.PersistentState) }),
	rwDword("FailoverThreshold", func(o *groupObj) *uint32 { return &pol(o).FailoverThreshold }, nil, ""),
	rwDword("FailoverPeriod", func(o *groupObj) *uint32 { return &pol(o).FailoverPeriod }, atMost(1193), "0 to 1193 (hours)"),
	rwDword("AutoFailbackType", func(o *groupObj) *uint32 { return &pol(o).AutoFailbackType }, atMost(1), "0 (prevent) or 1 (allow)"),
	rwDword("FailbackWindowStart", func(o *groupObj) *uint32 { return &pol(o).FailbackWindowStart }, hourOrNone, "0 to 23, or 0xFFFFFFFF"),
	rwDword("FailbackWindowEnd", func(o *groupObj) *uint32 { return &pol(o).FailbackWindowEnd }, hourOrNone, "0 to 23, or 0xFFFFFFFF"),
	{name: "DefaultOwner", syntax: proplist.SyntaxDWORD, kind: rw,
		get: func(o *groupObj) proplist.Value {
			if p := pol(o).DefaultOwner; p != nil {
				return proplist.DWORD(*p)
			}
			return proplist.DWORD(0xFFFFFFFF)
		},
		set: func(o *groupObj, v proplist.Value) {
			if n := dwordOf(v); n != 0xFFFFFFFF {
				pol(o).DefaultOwner = &n
			} else {
				pol(o).DefaultOwner = nil
			}
		},
		ok: dwordIn(func(n uint32) bool { return n <= 512 || n == 0xFFFFFFFF }), rule: "a node number up to 512, or 0xFFFFFFFF (-1) for none"},
	{name: "AntiAffinityClassNames", syntax: proplist.SyntaxMultiSZ, kind: rw,
		get: func(o *groupObj) proplist.Value { return proplist.MultiSZ(pol(o).AntiAffinityClassNames...) },
		set: func(o *groupObj, v proplist.Value) { pol(o).AntiAffinityClassNames = slices.Clone(v.Strs) }},
	rwDword("Priority", func(o *groupObj) *uint32 { return &pol(o).Priority }, oneOf(0, 1000, 2000, 3000), "0, 1000, 2000 or 3000"),
	rwDword("ColdStartSetting", func(o *groupObj) *uint32 { return &pol(o).ColdStartSetting }, atMost(2), "0 (always), 1 (do not start) or 2 (allowed)"),
	rwDword("GroupStartDelay", func(o *groupObj) *uint32 { return &pol(o).GroupStartDelay }, atMost(1800000), "0 to 1800000 (ms)"),
	rwDword("ResiliencyPeriod", func(o *groupObj) *uint32 { return &pol(o).ResiliencyPeriod }, nil, ""),
	fixedProp("GroupType", proplist.SyntaxDWORD, func(o *groupObj) proplist.Value { return proplist.DWORD(o.g.Type()) }),
	roProp("StatusInformation", proplist.SyntaxULargeInteger, func(o *groupObj) proplist.Value {
		return proplist.ULarge(GroupStatusInformation(o.v, o.g))
	}),
}

func common(o *resourceObj) *store.ResourceCommon { return &o.r.Common }

// resourceProps is the resource table, in the order GET_COMMON_PROPERTIES
// lists it.
var resourceProps = []prop[*resourceObj]{
	fixedProp("Name", proplist.SyntaxSZ, func(o *resourceObj) proplist.Value { return proplist.SZ(o.r.Name) }),
	rwSZ("Description", func(o *resourceObj) *string { return &common(o).Description }),
	fixedProp("PersistentState", proplist.SyntaxDWORD, func(o *resourceObj) proplist.Value {
		if st := o.v.Status(o.r.Name); st != nil {
			return proplist.DWORD(st.Persistent)
		}
		return proplist.DWORD(0)
	}),
	rwDword("RestartAction", func(o *resourceObj) *uint32 { return &common(o).RestartAction }, atMost(2), "0, 1 or 2"),
	rwDword("RestartThreshold", func(o *resourceObj) *uint32 { return &common(o).RestartThreshold }, nil, ""),
	rwDword("RestartPeriod", func(o *resourceObj) *uint32 { return &common(o).RestartPeriod }, nil, ""),
	rwDword("RestartDelay", func(o *resourceObj) *uint32 { return &common(o).RestartDelay }, nil, ""),
	rwDword("RetryPeriodOnFailure", func(o *resourceObj) *uint32 { return &common(o).RetryPeriodOnFailure }, nil, ""),
	rwDword("PendingTimeout", func(o *resourceObj) *uint32 { return &common(o).PendingTimeout }, atLeast(10), "at least 10 (ms)"),
	rwDword("LooksAlivePollInterval", func(o *resourceObj) *uint32 { return &common(o).LooksAlivePollInterval }, pollInterval, "at least 10 (ms), or 0xFFFFFFFF for the type's value"),
	rwDword("IsAlivePollInterval", func(o *resourceObj) *uint32 { return &common(o).IsAlivePollInterval }, pollInterval, "at least 10 (ms), or 0xFFFFFFFF for the type's value"),
	{name: "DeadlockTimeout", syntax: proplist.SyntaxDWORD, kind: rw,
		get: func(o *resourceObj) proplist.Value {
			if t := common(o).DeadlockTimeout; t != 0 {
				return proplist.DWORD(t)
			}
			return proplist.DWORD(defaultDeadlockTimeout)
		},
		set: func(o *resourceObj, v proplist.Value) { common(o).DeadlockTimeout = dwordOf(v) },
		ok:  dwordIn(atLeast(1000)), rule: "at least 1000 (ms)"},
	roProp("Type", proplist.SyntaxSZ, func(o *resourceObj) proplist.Value { return proplist.SZ(o.r.Type) }),
	roProp("StatusInformation", proplist.SyntaxULargeInteger, func(o *resourceObj) proplist.Value {
		var bits uint64
		if st := o.v.Status(o.r.Name); st != nil && st.Locked {
			bits |= wsfc.CLUSRES_STATUS_LOCKED_MODE
		}
		return proplist.ULarge(bits)
	}),
}

// defaultDeadlockTimeout is DeadlockTimeout's default (reference §8.2).
const defaultDeadlockTimeout = 300000

// nodeProps is the node table. baton keeps no node description, and a
// node's vote is its database role: NodeWeight is 1 for a database member
// and 0 for a client or with an external database.
var nodeProps = []prop[*nodeObj]{
	fixedProp("Description", proplist.SyntaxSZ, func(*nodeObj) proplist.Value { return proplist.SZ("") }),
	fixedProp("NodeWeight", proplist.SyntaxDWORD, func(o *nodeObj) proplist.Value {
		if o.n.DatabaseRole == "member" {
			return proplist.DWORD(1)
		}
		return proplist.DWORD(0)
	}),
	roProp("NodeName", proplist.SyntaxSZ, func(o *nodeObj) proplist.Value { return proplist.SZ(o.n.Name) }),
	roProp("NodeDrainStatus", proplist.SyntaxDWORD, func(o *nodeObj) proplist.Value {
		st, _ := DrainStatus(o.v, o.n.Name)
		return proplist.DWORD(drainStatusCodes[st])
	}),
}

var drainStatusCodes = map[string]uint32{
	"":            wsfc.NodeDrainStatusNotInitiated,
	"in progress": wsfc.NodeDrainStatusInProgress,
	"completed":   wsfc.NodeDrainStatusCompleted,
	"failed":      wsfc.NodeDrainStatusFailed,
}

// render lists the properties of table of the kinds given, in table order.
func render[T any](table []prop[T], o T, kinds ...propKind) proplist.List {
	var l proplist.List
	for _, p := range table {
		if slices.Contains(kinds, p.kind) {
			l = append(l, proplist.Property{Name: p.name, Values: []proplist.Value{p.get(o)}})
		}
	}
	return l
}

// propNames lists the names of the properties of table of the kinds given.
func propNames[T any](table []prop[T], kinds ...propKind) []string {
	var out []string
	for _, p := range table {
		if slices.Contains(kinds, p.kind) {
			out = append(out, p.name)
		}
	}
	return out
}

// apply sets the properties of l on o, all or none (o is a copy the
// caller writes back only on success). With rwOnly, a fixed property is
// refused like a read-only one (the idiomatic calls, which never list
// them).
func apply[T any](what string, table []prop[T], o T, l proplist.List, rwOnly bool) error {
	if err := l.Validate(); err != nil {
		return fail(wsfc.ERROR_INVALID_PARAMETER, "%s properties: %v", what, err)
	}
	for _, p := range l {
		i := slices.IndexFunc(table, func(d prop[T]) bool { return d.name == p.Name })
		if i < 0 {
			return fail(wsfc.ERROR_INVALID_PARAMETER, "%s common property %q is not known (settable: %v)", what, p.Name, propNames(table, rw))
		}
		d := table[i]
		if d.kind == ro || d.kind == fixed && rwOnly {
			return fail(wsfc.ERROR_INVALID_PARAMETER, "%s common property %s is read-only", what, p.Name)
		}
		if len(p.Values) != 1 || p.Values[0].Syntax != d.syntax {
			return fail(wsfc.ERROR_INVALID_PARAMETER, "%s common property %s takes one value of syntax %#08x", what, p.Name, uint32(d.syntax))
		}
		v := p.Values[0]
		if d.ok != nil && !d.ok(v) {
			return fail(wsfc.ERROR_INVALID_PARAMETER, "%s common property %s: %d is out of range (%s)", what, p.Name, v.Uint, d.rule)
		}
		if d.kind == fixed {
			if !d.get(o).Equal(v) {
				return fail(wsfc.ERROR_INVALID_PARAMETER, "%s common property %s is kept by baton: only its current value may be written", what, p.Name)
			}
			continue
		}
		d.set(o, v)
	}
	return nil
}
