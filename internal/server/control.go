package server

import (
	"context"
	"encoding/binary"
	"fmt"
	"unicode/utf16"

	"connectrpc.com/connect"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/ops"
	"github.com/batoncluster/baton/internal/store"
	"github.com/batoncluster/baton/proplist"
)

// controlService answers the control codes (ClusterGroupControl and its
// kin): the property codes of groups, resources and nodes, their names,
// ids, flags and characteristics, and a resource's type. Outputs are in
// Windows' formats: property lists as Windows writes them (with the
// trailing end mark), strings as NUL-terminated UTF-16LE, name lists as
// MULTI_SZ, numbers as little-endian DWORDs.
type controlService struct{ *Server }

func (s controlService) Control(ctx context.Context, req *connect.Request[batonv1.ControlRequest]) (*connect.Response[batonv1.ControlResponse], error) {
	m := req.Msg
	if wsfc.CLUSCTL_GET_CONTROL_OBJECT(m.Code) != m.Object {
		return nil, fmt.Errorf("control code %#08x is not for object type %d: %w", m.Code, m.Object, wsfc.ERROR_INVALID_FUNCTION)
	}
	// The edge lets Read callers in (the call is in readOnly); a code that
	// changes something needs Full, as the handle's access decides on
	// Windows.
	if wsfc.CLUSCTL_GET_ACCESS_MODE(m.Code)&wsfc.CLUS_ACCESS_WRITE != 0 && callerOf(ctx).access != store.AccessFull {
		p := callerOf(ctx).Principal
		return nil, fmt.Errorf("%s has Read access; control code %#08x needs Full (baton acl grant %s --access full): %w", p, m.Code, p, wsfc.ERROR_ACCESS_DENIED)
	}
	v := s.st.View()
	if m.HostNode != "" && v.Node(m.HostNode) == nil {
		return nil, fmt.Errorf("host node %q not found: %w", m.HostNode, wsfc.ERROR_CLUSTER_NODE_NOT_FOUND)
	}
	var out []byte
	var err error
	switch m.Object {
	case wsfc.CLUS_OBJECT_GROUP:
		out, err = s.group(ctx, v, m)
	case wsfc.CLUS_OBJECT_RESOURCE:
		out, err = s.resource(ctx, v, m)
	case wsfc.CLUS_OBJECT_NODE:
		out, err = s.node(v, m)
	case wsfc.CLUS_OBJECT_CLUSTER:
		out, err = s.cluster(v, m)
	case wsfc.CLUS_OBJECT_RESOURCE_TYPE:
		out, err = s.resourceType(m)
	default:
		err = fmt.Errorf("control codes of object type %d are not supported: %w", m.Object, wsfc.ERROR_INVALID_FUNCTION)
	}
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&batonv1.ControlResponse{Out: out}), nil
}

// function is the code without its object byte, for the switches below
// (CLUSCTL_GET_CONTROL_FUNCTION would drop the modify and global bits too).
func function(code uint32) uint32 {
	return code &^ (wsfc.CLUSCTL_OBJECT_MASK << wsfc.CLUSCTL_OBJECT_SHIFT)
}

func unsupported(code uint32) error {
	return fmt.Errorf("control code %#08x is not supported: %w", code, wsfc.ERROR_INVALID_FUNCTION)
}

func (s controlService) group(ctx context.Context, v store.View, m *batonv1.ControlRequest) ([]byte, error) {
	ref := ops.FollowGroup(v, ops.GroupRef{Name: m.Name, ID: m.Id})
	g, err := ops.LookupGroup(v, ref)
	if err != nil {
		return nil, err
	}
	switch function(m.Code) {
	case wsfc.CLCTL_GET_CHARACTERISTICS:
		return dwordBytes(wsfc.CLUS_CHAR_UNKNOWN), nil
	case wsfc.CLCTL_GET_FLAGS:
		return dwordBytes(0), nil // baton has no core group
	case wsfc.CLCTL_GET_NAME:
		return szBytes(g.Name), nil
	case wsfc.CLCTL_GET_ID:
		return szBytes(g.ID), nil
	case wsfc.CLCTL_ENUM_COMMON_PROPERTIES:
		return multiSZBytes(ops.GroupCommonNames()), nil
	case wsfc.CLCTL_GET_COMMON_PROPERTIES:
		rw, _ := ops.GroupCommon(v, g)
		return rw.Marshal(), nil
	case wsfc.CLCTL_GET_RO_COMMON_PROPERTIES:
		_, ro := ops.GroupCommon(v, g)
		return ro.Marshal(), nil
	case wsfc.CLCTL_SET_COMMON_PROPERTIES, wsfc.CLCTL_VALIDATE_COMMON_PROPERTIES:
		l, err := inList(m.InBuffer)
		if err != nil {
			return nil, err
		}
		return nil, s.ops.SetGroupCommon(ctx, ref, l, function(m.Code) == wsfc.CLCTL_VALIDATE_COMMON_PROPERTIES)
	}
	return noPrivate(m)
}

// noPrivate answers the private-property codes of an object that has no
// private properties in baton (groups, nodes, the cluster): empty lists,
// and a set or validate of anything but an empty list refused.
func noPrivate(m *batonv1.ControlRequest) ([]byte, error) {
	switch function(m.Code) {
	case wsfc.CLCTL_ENUM_PRIVATE_PROPERTIES:
		return multiSZBytes(nil), nil
	case wsfc.CLCTL_GET_PRIVATE_PROPERTIES, wsfc.CLCTL_GET_RO_PRIVATE_PROPERTIES:
		return proplist.List(nil).Marshal(), nil
	case wsfc.CLCTL_SET_PRIVATE_PROPERTIES, wsfc.CLCTL_VALIDATE_PRIVATE_PROPERTIES:
		l, err := inList(m.InBuffer)
		if err != nil {
			return nil, err
		}
		if len(l) > 0 {
			return nil, fmt.Errorf("baton keeps no private properties of object type %d (%q): %w", m.Object, l[0].Name, wsfc.ERROR_INVALID_PARAMETER)
		}
		return nil, nil
	}
	return nil, unsupported(m.Code)
}

func (s controlService) resource(ctx context.Context, v store.View, m *batonv1.ControlRequest) ([]byte, error) {
	ref := ops.ResourceRef{Name: m.Name, ID: m.Id}
	r, err := ops.LookupResource(v, ref)
	if err != nil {
		return nil, err
	}
	fn := function(m.Code)
	switch fn {
	case wsfc.CLCTL_GET_CHARACTERISTICS:
		return dwordBytes(wsfc.CLUS_CHAR_UNKNOWN), nil
	case wsfc.CLCTL_GET_FLAGS:
		return dwordBytes(0), nil
	case wsfc.CLCTL_GET_NAME:
		return szBytes(r.Name), nil
	case wsfc.CLCTL_GET_ID:
		return szBytes(r.ID), nil
	case wsfc.CLCTL_GET_RESOURCE_TYPE:
		return szBytes(r.Type), nil
	case wsfc.CLCTL_ENUM_COMMON_PROPERTIES:
		return multiSZBytes(ops.ResourceCommonNames()), nil
	case wsfc.CLCTL_GET_COMMON_PROPERTIES:
		rw, _ := ops.ResourceCommon(v, r)
		return rw.Marshal(), nil
	case wsfc.CLCTL_GET_RO_COMMON_PROPERTIES:
		_, ro := ops.ResourceCommon(v, r)
		return ro.Marshal(), nil
	case wsfc.CLCTL_SET_COMMON_PROPERTIES, wsfc.CLCTL_VALIDATE_COMMON_PROPERTIES:
		l, err := inList(m.InBuffer)
		if err != nil {
			return nil, err
		}
		return nil, s.ops.SetResourceCommon(ctx, ref, l, fn == wsfc.CLCTL_VALIDATE_COMMON_PROPERTIES)
	case wsfc.CLCTL_ENUM_PRIVATE_PROPERTIES:
		var names []string
		for _, p := range r.Private {
			names = append(names, p.Name)
		}
		return multiSZBytes(names), nil
	case wsfc.CLCTL_GET_PRIVATE_PROPERTIES:
		return r.Private.Marshal(), nil
	case wsfc.CLCTL_GET_RO_PRIVATE_PROPERTIES:
		return proplist.List(nil).Marshal(), nil
	case wsfc.CLCTL_SET_PRIVATE_PROPERTIES, wsfc.CLCTL_VALIDATE_PRIVATE_PROPERTIES:
		l, err := inList(m.InBuffer)
		if err != nil {
			return nil, err
		}
		return nil, s.ops.SetResourcePrivate(ctx, ref, l, fn == wsfc.CLCTL_VALIDATE_PRIVATE_PROPERTIES)
	}
	return nil, unsupported(m.Code)
}

func (s controlService) node(v store.View, m *batonv1.ControlRequest) ([]byte, error) {
	n := v.Node(m.Name)
	if n == nil {
		return nil, fmt.Errorf("node %q not found: %w", m.Name, wsfc.ERROR_CLUSTER_NODE_NOT_FOUND)
	}
	switch function(m.Code) {
	case wsfc.CLCTL_GET_CHARACTERISTICS:
		return dwordBytes(wsfc.CLUS_CHAR_UNKNOWN), nil
	case wsfc.CLCTL_GET_FLAGS:
		return dwordBytes(0), nil
	case wsfc.CLCTL_GET_NAME, wsfc.CLCTL_GET_ID: // a node's id is its name
		return szBytes(n.Name), nil
	case wsfc.CLCTL_ENUM_COMMON_PROPERTIES:
		return multiSZBytes(ops.NodeCommonNames()), nil
	case wsfc.CLCTL_GET_COMMON_PROPERTIES:
		rw, _ := ops.NodeCommon(v, n)
		return rw.Marshal(), nil
	case wsfc.CLCTL_GET_RO_COMMON_PROPERTIES:
		_, ro := ops.NodeCommon(v, n)
		return ro.Marshal(), nil
	case wsfc.CLCTL_SET_COMMON_PROPERTIES, wsfc.CLCTL_VALIDATE_COMMON_PROPERTIES:
		l, err := inList(m.InBuffer)
		if err != nil {
			return nil, err
		}
		return nil, s.ops.SetNodeCommon(n.Name, l)
	}
	return noPrivate(m)
}

// cluster answers the cluster's codes. baton has no cluster common
// properties yet: their lists are empty.
func (s controlService) cluster(v store.View, m *batonv1.ControlRequest) ([]byte, error) {
	switch function(m.Code) {
	case wsfc.CLCTL_GET_FQDN:
		name := ""
		if c := v.Cluster(); c != nil {
			name = c.Name
		}
		return szBytes(name), nil
	case wsfc.CLCTL_ENUM_COMMON_PROPERTIES:
		return multiSZBytes(nil), nil
	case wsfc.CLCTL_GET_COMMON_PROPERTIES, wsfc.CLCTL_GET_RO_COMMON_PROPERTIES:
		return proplist.List(nil).Marshal(), nil
	case wsfc.CLCTL_SET_COMMON_PROPERTIES, wsfc.CLCTL_VALIDATE_COMMON_PROPERTIES:
		l, err := inList(m.InBuffer)
		if err != nil {
			return nil, err
		}
		if len(l) > 0 {
			return nil, fmt.Errorf("cluster common property %q is not known: %w", l[0].Name, wsfc.ERROR_INVALID_PARAMETER)
		}
		return nil, nil
	}
	return noPrivate(m)
}

// inList decodes a control code's input property list; one that does not
// decode answers ERROR_INVALID_PARAMETER (an empty buffer included: the
// SET pages document RPC_X_BAD_STUB_DATA for a NULL buffer, a code baton
// does not have).
func inList(b []byte) (proplist.List, error) {
	l, err := proplist.Unmarshal(b)
	if err != nil {
		return nil, fmt.Errorf("input property list: %v: %w", err, wsfc.ERROR_INVALID_PARAMETER)
	}
	return l, nil
}

func dwordBytes(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }

// szBytes is s as a NUL-terminated UTF-16LE string.
func szBytes(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = binary.LittleEndian.AppendUint16(b, u)
	}
	return append(b, 0, 0)
}

// multiSZBytes is names as NUL-terminated UTF-16LE strings and one more NUL.
func multiSZBytes(names []string) []byte {
	var b []byte
	for _, n := range names {
		b = append(b, szBytes(n)...)
	}
	return append(b, 0, 0)
}
