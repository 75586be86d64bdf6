package proplist

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

var (
	_ json.Marshaler   = List(nil)
	_ json.Unmarshaler = (*List)(nil)
)

// MarshalJSON encodes l in the JSON form (see ParseJSON).
// A property with exactly one value is written with "type" and "value",
// others with "values". It fails for lists that do not validate (see
// Validate), so that what it writes always reads back equal: a record
// holding a list cannot be stored in a form its reader would refuse.
func (l List) MarshalJSON() ([]byte, error) {
	if err := l.Validate(); err != nil {
		return nil, fmt.Errorf("proplist: JSON: %w", err)
	}
	b, err := appendJSONList(make([]byte, 0, 64*len(l)), l, 0)
	if err != nil {
		return nil, fmt.Errorf("proplist: JSON: %w", err)
	}
	return b, nil
}

// UnmarshalJSON decodes the JSON form (see ParseJSON). As
// is conventional, JSON null leaves l unchanged.
func (l *List) UnmarshalJSON(b []byte) error {
	if string(bytes.TrimSpace(b)) == "null" {
		return nil
	}
	nl, err := ParseJSON(b)
	if err != nil {
		return err
	}
	*l = nl
	return nil
}

// ParseJSON decodes a property list in the JSON form. The input must be a
// JSON array; unknown object keys are errors.
//
// The JSON form of a List is an array with one object per property:
//
//	[{"name":"Virtual Machine","type":"dword","value":1},
//	 {"name":"X","type":"multi_sz","value":["a","b"]},
//	 {"name":"B","type":"binary","value":"0a0b"},
//	 {"name":"N","type":"property_list","value":[...]},
//	 {"name":"M","values":[{"type":"expand_sz","value":"%TEMP%"},{"type":"expanded_sz","value":"C:\\Temp"}]}]
//
// "type" is Value.Kind. Numbers (dword, word, long, ularge, large, filetime
// and the other numeric syntaxes) are JSON numbers, written and read without
// going through float64; on input a string holding a number in the text
// form (decimal or 0x hex) is accepted as well. Strings are JSON strings,
// MULTI_SZ values arrays of strings, binary data lower-case hex strings, and
// nested property lists arrays in this same form.
//
// Only the array form is accepted; "type" may be in any case.
func ParseJSON(b []byte) (List, error) {
	return parseJSONList(b, 0)
}

func parseJSONList(b []byte, depth int) (List, error) {
	if json.Valid(b) {
		if l, ok := fastListFromJSON(b, depth); ok {
			return l, nil
		}
	}
	l, err := listFromJSON(b, depth)
	if err != nil {
		return nil, fmt.Errorf("proplist: JSON: %w", err)
	}
	return l, nil
}

// decodeStrict decodes one JSON value into dst, rejecting unknown fields.
func decodeStrict(raw []byte, dst any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	return dec.Decode(dst)
}

// jsonKind describes the kind of a JSON value for error messages.
func jsonKind(raw []byte) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '[':
		return "an array"
	case '{':
		return "an object"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

func listFromJSON(b []byte, depth int) (List, error) {
	if k := jsonKind(b); k != "an array" {
		if !json.Valid(b) {
			var v any
			return nil, json.Unmarshal(b, &v) // the syntax error
		}
		return nil, fmt.Errorf("want an array of properties, got %s", k)
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(b, &raws); err != nil {
		return nil, err
	}
	l := make(List, 0, len(raws))
	for i, raw := range raws {
		p, err := propertyFromJSON(raw, depth)
		if err != nil {
			if p.Name != "" {
				return nil, fmt.Errorf("property %d (%q): %w", i+1, p.Name, err)
			}
			return nil, fmt.Errorf("property %d: %w", i+1, err)
		}
		l = append(l, p)
	}
	return l, nil
}

// propertyFromJSON decodes one property object. On error the returned
// property carries the name, if known, for the message.
func propertyFromJSON(raw []byte, depth int) (Property, error) {
	if k := jsonKind(raw); k != "an object" {
		return Property{}, fmt.Errorf("want an object with \"name\" and \"type\"/\"value\" or \"values\", got %s", k)
	}
	var in struct {
		Name   *string           `json:"name"`
		Type   *string           `json:"type"`
		Value  json.RawMessage   `json:"value"`
		Values []json.RawMessage `json:"values"`
	}
	if err := decodeStrict(raw, &in); err != nil {
		var named struct {
			Name string `json:"name"`
		}
		_ = json.Unmarshal(raw, &named) // for the error message only
		return Property{Name: named.Name}, err
	}
	if in.Name == nil {
		return Property{}, errors.New("missing \"name\"")
	}
	p := Property{Name: *in.Name}
	if msg := checkString(p.Name); msg != "" {
		return p, errors.New("name " + msg)
	}
	single := in.Type != nil || in.Value != nil
	switch {
	case single && in.Values != nil:
		return p, errors.New("has both \"type\"/\"value\" and \"values\"")
	case single:
		if in.Type == nil {
			return p, errors.New("missing \"type\"")
		}
		if in.Value == nil {
			return p, errors.New("missing \"value\"")
		}
		v, err := valueFromJSON(*in.Type, in.Value, depth)
		if err != nil {
			return p, err
		}
		p.Values = []Value{v}
	case len(in.Values) == 0:
		return p, errors.New("no values (want \"type\" and \"value\", or a non-empty \"values\" array)")
	default:
		for j, raw := range in.Values {
			if k := jsonKind(raw); k != "an object" {
				return p, fmt.Errorf("value %d: want an object with \"type\" and \"value\", got %s", j+1, k)
			}
			var jv struct {
				Type  *string         `json:"type"`
				Value json.RawMessage `json:"value"`
			}
			if err := decodeStrict(raw, &jv); err != nil {
				return p, fmt.Errorf("value %d: %w", j+1, err)
			}
			if jv.Type == nil {
				return p, fmt.Errorf("value %d: missing \"type\"", j+1)
			}
			if jv.Value == nil {
				return p, fmt.Errorf("value %d: missing \"value\"", j+1)
			}
			v, err := valueFromJSON(*jv.Type, jv.Value, depth)
			if err != nil {
				return p, fmt.Errorf("value %d: %w", j+1, err)
			}
			p.Values = append(p.Values, v)
		}
	}
	return p, nil
}

// valueFromJSON decodes the "value" of the given "type".
func valueFromJSON(typ string, raw json.RawMessage, depth int) (Value, error) {
	var syn Syntax
	k := strings.ToLower(typ)
	if code, ok := strings.CutPrefix(k, "syntax:"); ok {
		n, err := parseUint(code, 32)
		if err != nil || !Syntax(n).ValueSyntax() {
			return Value{}, fmt.Errorf("unknown type %q (want %s)", typ, kindList)
		}
		syn = Syntax(n)
	} else if syn, ok = kindSyntax[k]; !ok {
		return Value{}, fmt.Errorf("unknown type %q (want %s)", typ, kindList)
	}
	kind := Value{Syntax: syn}.Kind()
	got := jsonKind(raw)
	switch syn.Format().field() {
	case fieldUint, fieldInt:
		var x any
		if err := decodeStrict(raw, &x); err != nil {
			return Value{}, err
		}
		switch x := x.(type) {
		case json.Number:
			return parseText(syn, x.String())
		case string:
			return parseText(syn, x)
		}
		return Value{}, fmt.Errorf("%s value: want a number, got %s", kind, got)
	case fieldStr, fieldBytes:
		var s string
		if got != "a string" || json.Unmarshal(raw, &s) != nil {
			return Value{}, fmt.Errorf("%s value: want a string, got %s", kind, got)
		}
		return parseText(syn, s)
	case fieldStrs:
		var strs []string
		if got != "an array" || json.Unmarshal(raw, &strs) != nil {
			return Value{}, fmt.Errorf("%s value: want an array of strings", kind)
		}
		for i, s := range strs {
			if s == "" {
				return Value{}, fmt.Errorf("%s string %d is empty (an empty string ends a MULTI_SZ)", kind, i+1)
			}
			if msg := checkString(s); msg != "" {
				return Value{}, fmt.Errorf("%s string %d %s", kind, i+1, msg)
			}
		}
		return Value{Syntax: syn, Strs: strs}, nil
	case fieldList:
		if depth >= MaxDepth {
			return Value{}, fmt.Errorf("property lists nested deeper than %d levels", MaxDepth)
		}
		if got != "an array" {
			return Value{}, fmt.Errorf("%s value: want an array of properties, got %s", kind, got)
		}
		l, err := listFromJSON(raw, depth+1)
		if err != nil {
			return Value{}, fmt.Errorf("%s: %w", kind, err)
		}
		return Value{Syntax: syn, List: l}, nil
	}
	return Value{}, fmt.Errorf("type %q has no JSON form", typ)
}
