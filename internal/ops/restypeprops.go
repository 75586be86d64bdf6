package ops

import "github.com/batoncluster/baton/proplist"

// ResourceCommonFormats is the format list of the resource common
// properties CLUSCTL_RESOURCE_ENUM_COMMON_PROPERTIES names (the read-write
// ones): each name with its CLUSPROP_FORMAT_* as a LIST_VALUE_WORD, what
// CLUSCTL_RESOURCE_TYPE_GET_COMMON_RESOURCE_PROPERTY_FMTS answers.
func ResourceCommonFormats() proplist.List {
	var l proplist.List
	for _, p := range resourceProps {
		if p.kind == rw || p.kind == fixed {
			l = append(l, proplist.Property{Name: p.name, Values: []proplist.Value{proplist.Word(uint16(p.syntax.Format()))}})
		}
	}
	return l
}
