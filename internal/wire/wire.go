// Package wire converts property lists between the public API's protobuf
// messages and package proplist, for the server, the Go client and the CLI
// alike. It depends on nothing but the two.
package wire

import (
	"encoding/binary"
	"fmt"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
	"github.com/batoncluster/baton/proplist"
)

// FromList converts a property list to its protobuf form; nil stays nil,
// so an absent list is not sent.
func FromList(l proplist.List) *batonv1.PropertyList {
	if l == nil {
		return nil
	}
	out := &batonv1.PropertyList{}
	for _, p := range l {
		pp := &batonv1.Property{Name: p.Name}
		for _, v := range p.Values {
			pp.Values = append(pp.Values, fromValue(v))
		}
		out.Properties = append(out.Properties, pp)
	}
	return out
}

func fromValue(v proplist.Value) *batonv1.Value {
	switch v.Syntax {
	case proplist.SyntaxDWORD:
		return &batonv1.Value{Kind: &batonv1.Value_Dword{Dword: uint32(v.Uint)}}
	case proplist.SyntaxLong:
		return &batonv1.Value{Kind: &batonv1.Value_Long{Long: int32(v.Int)}}
	case proplist.SyntaxWord:
		return &batonv1.Value{Kind: &batonv1.Value_Word{Word: uint32(v.Uint)}}
	case proplist.SyntaxSZ:
		return &batonv1.Value{Kind: &batonv1.Value_Sz{Sz: v.Str}}
	case proplist.SyntaxExpandSZ:
		return &batonv1.Value{Kind: &batonv1.Value_ExpandSz{ExpandSz: v.Str}}
	case proplist.SyntaxMultiSZ:
		return &batonv1.Value{Kind: &batonv1.Value_MultiSz{MultiSz: &batonv1.StringList{Values: v.Strs}}}
	case proplist.SyntaxBinary:
		return &batonv1.Value{Kind: &batonv1.Value_Binary{Binary: v.Bytes}}
	case proplist.SyntaxULargeInteger:
		return &batonv1.Value{Kind: &batonv1.Value_Ularge{Ularge: v.Uint}}
	case proplist.SyntaxLargeInteger:
		return &batonv1.Value{Kind: &batonv1.Value_Large{Large: v.Int}}
	case proplist.SyntaxFileTime:
		return &batonv1.Value{Kind: &batonv1.Value_Filetime{Filetime: v.Uint}}
	case proplist.SyntaxPropertyList:
		return &batonv1.Value{Kind: &batonv1.Value_PropertyList{PropertyList: FromList(v.List)}}
	}
	// Any other syntax travels as the data of its value entry, laid out
	// as the binary codec lays it out (a DISK_GUID as a NUL-terminated
	// UTF-16 string, a DISK_SIGNATURE as 4 little-endian bytes …).
	return &batonv1.Value{Kind: &batonv1.Value_Raw{Raw: &batonv1.RawValue{Syntax: uint32(v.Syntax), Data: rawData(v)}}}
}

// rawData returns the data of v's value entry in the binary form, or nil
// for a value the codec would leave out (List.Validate says why).
func rawData(v proplist.Value) []byte {
	// A one-property list with an empty name: the count (4), the NAME
	// entry (8 + 4), then v's entry: syntax, length, data.
	const at = 4 + 12
	b := proplist.List{{Values: []proplist.Value{v}}}.MarshalCompact()
	if len(b) < at+8 {
		return nil
	}
	n := binary.LittleEndian.Uint32(b[at+4:])
	return b[at+8 : at+8+int(n)]
}

// rawValue decodes the data of a value entry of syntax s the way the
// binary codec does, so that raw values follow the codec's rules exactly.
func rawValue(s proplist.Syntax, data []byte) (proplist.Value, error) {
	b := binary.LittleEndian.AppendUint32(nil, 1)
	b = binary.LittleEndian.AppendUint32(b, uint32(proplist.SyntaxName))
	b = binary.LittleEndian.AppendUint32(b, 2)
	b = append(b, 0, 0, 0, 0) // the empty name and its padding
	b = binary.LittleEndian.AppendUint32(b, uint32(s))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(data)))
	b = append(b, data...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	b = binary.LittleEndian.AppendUint32(b, uint32(proplist.SyntaxEndmark))
	l, err := proplist.Unmarshal(b)
	if err != nil {
		return proplist.Value{}, err
	}
	return l[0].Values[0], nil
}

// ToList converts the protobuf form back; a value with no kind set, or a
// raw value of a syntax the codec refuses, is an error (servers answer it
// with ERROR_INVALID_PARAMETER).
func ToList(pl *batonv1.PropertyList) (proplist.List, error) {
	if pl == nil {
		return nil, nil
	}
	var out proplist.List
	for _, p := range pl.Properties {
		if p.Name == "" {
			return nil, errorf("a property has no name")
		}
		if len(p.Values) == 0 {
			return nil, errorf("property %q has no value", p.Name)
		}
		prop := proplist.Property{Name: p.Name}
		for _, v := range p.Values {
			pv, err := toValue(p.Name, v)
			if err != nil {
				return nil, err
			}
			prop.Values = append(prop.Values, pv)
		}
		out = append(out, prop)
	}
	return out, nil
}

func toValue(name string, v *batonv1.Value) (proplist.Value, error) {
	switch k := v.GetKind().(type) {
	case *batonv1.Value_Dword:
		return proplist.DWORD(k.Dword), nil
	case *batonv1.Value_Long:
		return proplist.Long(k.Long), nil
	case *batonv1.Value_Word:
		if k.Word > 0xFFFF {
			return proplist.Value{}, errorf("property %q: WORD value %d is over 65535", name, k.Word)
		}
		return proplist.Word(uint16(k.Word)), nil
	case *batonv1.Value_Sz:
		return proplist.SZ(k.Sz), nil
	case *batonv1.Value_ExpandSz:
		return proplist.ExpandSZ(k.ExpandSz), nil
	case *batonv1.Value_MultiSz:
		return proplist.MultiSZ(k.MultiSz.GetValues()...), nil
	case *batonv1.Value_Binary:
		return proplist.Binary(k.Binary), nil
	case *batonv1.Value_Ularge:
		return proplist.ULarge(k.Ularge), nil
	case *batonv1.Value_Large:
		return proplist.Large(k.Large), nil
	case *batonv1.Value_Filetime:
		return proplist.FileTime(k.Filetime), nil
	case *batonv1.Value_PropertyList:
		l, err := ToList(k.PropertyList)
		if err != nil {
			return proplist.Value{}, err
		}
		return proplist.Nested(l), nil
	case *batonv1.Value_Raw:
		if uint64(len(k.Raw.Data)) > 0xFFFFFFFF-3 {
			return proplist.Value{}, errorf("property %q: raw value of %d bytes is too long", name, len(k.Raw.Data))
		}
		// The codec decides which syntaxes exist and what their data is.
		val, err := rawValue(proplist.Syntax(k.Raw.Syntax), k.Raw.Data)
		if err != nil {
			return proplist.Value{}, errorf("property %q: raw value: %v", name, err)
		}
		return val, nil
	}
	return proplist.Value{}, errorf("property %q: a value has no type", name)
}

func errorf(format string, args ...any) error { return fmt.Errorf("wire: "+format, args...) }
