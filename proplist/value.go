package proplist

import (
	"bytes"
	"slices"
)

// Value is one value entry of a property.
//
// Which field holds the data depends on Syntax.Format(); the other fields
// are ignored by Marshal, Equal, Text and the JSON encoder.
type Value struct {
	Syntax Syntax
	Uint   uint64   // DWORD, WORD, ULARGE_INTEGER, FILETIME (and other DWORD/ULARGE-format syntaxes)
	Int    int64    // LONG, LARGE_INTEGER
	Str    string   // SZ, EXPAND_SZ, EXPANDED_SZ (and SZ-format syntaxes such as DISK_GUID)
	Strs   []string // MULTI_SZ
	Bytes  []byte   // BINARY, SECURITY_DESCRIPTOR and other binary-format syntaxes
	List   List     // PROPERTY_LIST (nested)
}

// DWORD returns a LIST_VALUE_DWORD value.
func DWORD(v uint32) Value { return Value{Syntax: SyntaxDWORD, Uint: uint64(v)} }

// Long returns a LIST_VALUE_LONG value.
func Long(v int32) Value { return Value{Syntax: SyntaxLong, Int: int64(v)} }

// Word returns a LIST_VALUE_WORD value.
func Word(v uint16) Value { return Value{Syntax: SyntaxWord, Uint: uint64(v)} }

// SZ returns a LIST_VALUE_SZ value.
func SZ(s string) Value { return Value{Syntax: SyntaxSZ, Str: s} }

// ExpandSZ returns a LIST_VALUE_EXPAND_SZ value (a string with unexpanded
// %VAR% references).
func ExpandSZ(s string) Value { return Value{Syntax: SyntaxExpandSZ, Str: s} }

// ExpandedSZ returns a LIST_VALUE_EXPANDED_SZ value. Servers send these;
// clients must not.
func ExpandedSZ(s string) Value { return Value{Syntax: SyntaxExpandedSZ, Str: s} }

// MultiSZ returns a LIST_VALUE_MULTI_SZ value. The strings must be non-empty
// (an empty string terminates a MULTI_SZ).
func MultiSZ(s ...string) Value {
	return Value{Syntax: SyntaxMultiSZ, Strs: slices.Clone(s)}
}

// Binary returns a LIST_VALUE_BINARY value. b is not copied.
func Binary(b []byte) Value { return Value{Syntax: SyntaxBinary, Bytes: b} }

// SecurityDescriptor returns a LIST_VALUE_SECURITY_DESCRIPTOR value holding
// a self-relative security descriptor. sd is not copied or checked.
func SecurityDescriptor(sd []byte) Value {
	return Value{Syntax: SyntaxSecurityDescriptor, Bytes: sd}
}

// ULarge returns a LIST_VALUE_ULARGE_INTEGER value.
func ULarge(v uint64) Value { return Value{Syntax: SyntaxULargeInteger, Uint: v} }

// Large returns a LIST_VALUE_LARGE_INTEGER value.
func Large(v int64) Value { return Value{Syntax: SyntaxLargeInteger, Int: v} }

// FileTime returns a LIST_VALUE_FILETIME value (100 ns intervals since
// 1601-01-01 UTC).
func FileTime(v uint64) Value { return Value{Syntax: SyntaxFileTime, Uint: v} }

// Nested returns a LIST_VALUE_PROPERTY_LIST value. l is not copied.
func Nested(l List) Value { return Value{Syntax: SyntaxPropertyList, List: l} }

// Equal reports whether v and o have the same syntax and the same data. Only
// the field that holds data for the syntax's format is compared (nil and
// empty slices are equal); for syntaxes Unmarshal does not accept, all
// fields are compared.
func (v Value) Equal(o Value) bool {
	if v.Syntax != o.Syntax {
		return false
	}
	f := v.Syntax.Format().field()
	if !v.Syntax.ValueSyntax() {
		f = fieldNone
	}
	switch f {
	case fieldUint:
		return v.Uint == o.Uint
	case fieldInt:
		return v.Int == o.Int
	case fieldStr:
		return v.Str == o.Str
	case fieldStrs:
		return slices.Equal(v.Strs, o.Strs)
	case fieldBytes:
		return bytes.Equal(v.Bytes, o.Bytes)
	case fieldList:
		return v.List.Equal(o.List)
	}
	return v.Uint == o.Uint && v.Int == o.Int && v.Str == o.Str &&
		slices.Equal(v.Strs, o.Strs) && bytes.Equal(v.Bytes, o.Bytes) &&
		v.List.Equal(o.List)
}

// Clone returns a deep copy of v.
func (v Value) Clone() Value {
	v.Strs = slices.Clone(v.Strs)
	v.Bytes = bytes.Clone(v.Bytes)
	v.List = v.List.Clone()
	return v
}

// Property is a named value list (one or more values: multi-valued
// properties are allowed).
type Property struct {
	Name   string
	Values []Value
}

// Equal reports whether p and o have the same name and equal values in the
// same order.
func (p Property) Equal(o Property) bool {
	return p.Name == o.Name && slices.EqualFunc(p.Values, o.Values, Value.Equal)
}

// Clone returns a deep copy of p.
func (p Property) Clone() Property {
	if p.Values != nil {
		vs := make([]Value, len(p.Values))
		for i, v := range p.Values {
			vs[i] = v.Clone()
		}
		p.Values = vs
	}
	return p
}

// List is a property list, in order.
type List []Property

// Get returns the first property whose name is exactly name.
func (l List) Get(name string) (Property, bool) {
	for _, p := range l {
		if p.Name == name {
			return p, true
		}
	}
	return Property{}, false
}

// first returns the first value of the first property called name.
func (l List) first(name string) (Value, bool) {
	p, ok := l.Get(name)
	if !ok || len(p.Values) == 0 {
		return Value{}, false
	}
	return p.Values[0], true
}

// DWORD returns the first value of the property called name if its format
// is DWORD.
func (l List) DWORD(name string) (uint32, bool) {
	v, ok := l.first(name)
	if !ok || v.Syntax.Format() != FormatDWORD {
		return 0, false
	}
	return uint32(v.Uint), true
}

// String returns the first value of the property called name if its format
// is SZ, EXPAND_SZ or EXPANDED_SZ.
func (l List) String(name string) (string, bool) {
	v, ok := l.first(name)
	if !ok || v.Syntax.Format().field() != fieldStr {
		return "", false
	}
	return v.Str, true
}

// Set returns a list in which the property called name has the values v: the
// first property of that name is replaced in place (later ones with the same
// name are removed), or a new property is appended. Set with no values is
// Delete. l itself is not modified; the values are not deep-copied.
func (l List) Set(name string, v ...Value) List {
	if len(v) == 0 {
		return l.Delete(name)
	}
	p := Property{Name: name, Values: slices.Clone(v)}
	out := make(List, 0, len(l)+1)
	done := false
	for _, q := range l {
		if q.Name != name {
			out = append(out, q)
		} else if !done {
			out = append(out, p)
			done = true
		}
	}
	if !done {
		out = append(out, p)
	}
	return out
}

// Delete returns a list without the properties called name. l itself is not
// modified.
func (l List) Delete(name string) List {
	out := make(List, 0, len(l))
	for _, q := range l {
		if q.Name != name {
			out = append(out, q)
		}
	}
	return out
}

// Equal reports whether l and o hold equal properties in the same order
// (names compared exactly, values with Value.Equal). A nil and an empty list
// are equal.
func (l List) Equal(o List) bool {
	return slices.EqualFunc(l, o, Property.Equal)
}

// Clone returns a deep copy of l.
func (l List) Clone() List {
	if l == nil {
		return nil
	}
	out := make(List, len(l))
	for i, p := range l {
		out[i] = p.Clone()
	}
	return out
}
