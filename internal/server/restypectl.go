package server

import (
	"fmt"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/ops"
	"github.com/batoncluster/baton/proplist"
	"github.com/batoncluster/baton/restype"
)

// resourceType answers the resource type codes (ClusterResourceTypeControl)
// from what the agent's registry knows of a type: its description, its
// default poll intervals and the private properties it documents for its
// resources. The types are built in or plugins, so their common
// properties are baton's to keep: a set or validate accepts the current
// values only, as for the kept ("fixed") properties of groups.
func (s controlService) resourceType(m *batonv1.ControlRequest) ([]byte, error) {
	t, ok := s.types.Lookup(m.Name)
	if !ok {
		return nil, fmt.Errorf("resource type %q is not known (see 'baton type list'): %w", m.Name, wsfc.ERROR_CLUSTER_RESOURCE_TYPE_NOT_FOUND)
	}
	rw, ro := typeCommon(t)
	switch function(m.Code) {
	case wsfc.CLCTL_GET_CHARACTERISTICS:
		return dwordBytes(wsfc.CLUS_CHAR_UNKNOWN), nil
	case wsfc.CLCTL_GET_FLAGS:
		return dwordBytes(0), nil
	case wsfc.CLCTL_ENUM_COMMON_PROPERTIES:
		var names []string
		for _, p := range rw {
			names = append(names, p.Name)
		}
		return multiSZBytes(names), nil
	case wsfc.CLCTL_GET_COMMON_PROPERTIES:
		return rw.Marshal(), nil
	case wsfc.CLCTL_GET_RO_COMMON_PROPERTIES:
		return ro.Marshal(), nil
	case wsfc.CLCTL_SET_COMMON_PROPERTIES, wsfc.CLCTL_VALIDATE_COMMON_PROPERTIES:
		l, err := inList(m.InBuffer)
		if err != nil {
			return nil, err
		}
		return nil, keptOnly(t.Name, rw, l)
	case wsfc.CLCTL_GET_COMMON_RESOURCE_PROPERTY_FMTS:
		return ops.ResourceCommonFormats().Marshal(), nil
	case wsfc.CLCTL_GET_PRIVATE_RESOURCE_PROPERTY_FMTS:
		var l proplist.List
		for _, p := range t.Properties {
			l = append(l, proplist.Property{Name: p.Name, Values: []proplist.Value{proplist.Word(uint16(kindFormat[p.Kind]))}})
		}
		return l.Marshal(), nil
	}
	return noPrivate(m)
}

// typeCommon is a type's read-write and read-only common properties.
func typeCommon(t *restype.Type) (rw, ro proplist.List) {
	rw = proplist.List{
		{Name: "Description", Values: []proplist.Value{proplist.SZ(t.Description)}},
		{Name: "LooksAlivePollInterval", Values: []proplist.Value{proplist.DWORD(t.LooksAliveInterval)}},
		{Name: "IsAlivePollInterval", Values: []proplist.Value{proplist.DWORD(t.IsAliveInterval)}},
	}
	ro = proplist.List{{Name: "Name", Values: []proplist.Value{proplist.SZ(t.Name)}}}
	return rw, ro
}

// keptOnly accepts a set of kept properties to their current values.
func keptOnly(typ string, current, l proplist.List) error {
	if err := l.Validate(); err != nil {
		return fmt.Errorf("resource type %s properties: %v: %w", typ, err, wsfc.ERROR_INVALID_PARAMETER)
	}
	for _, p := range l {
		i := -1
		for j, c := range current {
			if c.Name == p.Name {
				i = j
			}
		}
		switch {
		case i < 0:
			return fmt.Errorf("%q is not a common property of resource type %s that can be set: %w", p.Name, typ, wsfc.ERROR_INVALID_PARAMETER)
		case !p.Equal(current[i]):
			return fmt.Errorf("resource type %s keeps %s itself (it is built in or a plugin): only its current value is accepted: %w", typ, p.Name, wsfc.ERROR_INVALID_PARAMETER)
		}
	}
	return nil
}

// kindFormat is the CLUSPROP_FORMAT_* of a restype.PropertyInfo kind.
var kindFormat = map[string]proplist.Format{
	"binary": proplist.FormatBinary, "dword": proplist.FormatDWORD, "sz": proplist.FormatSZ,
	"expand_sz": proplist.FormatExpandSZ, "multi_sz": proplist.FormatMultiSZ, "ularge": proplist.FormatULargeInteger,
	"long": proplist.FormatLong, "large": proplist.FormatLargeInteger, "word": proplist.FormatWord,
	"filetime": proplist.FormatFileTime,
}
