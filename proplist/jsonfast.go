package proplist

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// fastListFromJSON decodes b, which json.Valid accepted, when it has the
// shape MarshalJSON writes: an array of objects with exactly the keys
// "name" and "type"/"value" or "name" and "values", in that order, every
// number a plain JSON number. It is what every record the cluster
// database holds looks like, and every node decodes every record written:
// the general decoder (listFromJSON: encoding/json with unknown fields
// refused, in several passes) took 35 µs and 155 allocations for one
// resource's status; this one about a tenth of that. ok is false for
// anything else — other key orders or cases, escaped keys, unknown or
// duplicate keys, numbers as strings, values the type refuses — which the
// general decoder then decodes or refuses with its message; what this one
// accepts, the general one decodes to an equal list (FuzzFastJSON), and
// it accepts everything MarshalJSON writes
// (TestFastJSONTakesWhatMarshalJSONWrites).
func fastListFromJSON(b []byte, depth int) (l List, ok bool) {
	s := scanner{b: b}
	if !s.expect('[') {
		return nil, false
	}
	if s.peek() == ']' {
		s.i++
		return List{}, s.end()
	}
	for {
		p, ok := s.property(depth)
		if !ok {
			return nil, false
		}
		l = append(l, p)
		switch s.next() {
		case ',':
			continue
		case ']':
			return l, s.end()
		}
		return nil, false
	}
}

// scanner walks valid JSON.
type scanner struct {
	b []byte
	i int
}

func (s *scanner) ws() {
	for s.i < len(s.b) && (s.b[s.i] == ' ' || s.b[s.i] == '\t' || s.b[s.i] == '\n' || s.b[s.i] == '\r') {
		s.i++
	}
}

// peek is the next byte after white space (0 at the end).
func (s *scanner) peek() byte {
	s.ws()
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

// next takes the next byte after white space.
func (s *scanner) next() byte {
	c := s.peek()
	if c != 0 {
		s.i++
	}
	return c
}

func (s *scanner) expect(c byte) bool { return s.next() == c }

// end reports whether nothing but white space is left.
func (s *scanner) end() bool { s.ws(); return s.i == len(s.b) }

// key takes `"k":` and returns k, which must be plain ASCII without
// escapes (keys MarshalJSON writes).
func (s *scanner) key() (string, bool) {
	raw, ok := s.str()
	if !ok || bytes.IndexByte(raw, '\\') >= 0 || !s.expect(':') {
		return "", false
	}
	return string(raw), true
}

// str takes a string and returns what is between its quotes, escapes
// left as they are.
func (s *scanner) str() ([]byte, bool) {
	if s.next() != '"' {
		return nil, false
	}
	start := s.i
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case '\\':
			s.i += 2
		case '"':
			s.i++
			return s.b[start : s.i-1], true
		default:
			s.i++
		}
	}
	return nil, false
}

// text takes a string and returns it decoded: as is when it has no
// escapes and is valid UTF-8 (what encoding/json would give), else
// through encoding/json.
func (s *scanner) text() (string, bool) {
	s.ws()
	start := s.i
	raw, ok := s.str()
	if !ok {
		return "", false
	}
	if bytes.IndexByte(raw, '\\') < 0 && utf8.Valid(raw) {
		return string(raw), true
	}
	var out string
	if json.Unmarshal(s.b[start:s.i], &out) != nil {
		return "", false
	}
	return out, true
}

// value takes any JSON value and returns its bytes.
func (s *scanner) value() ([]byte, bool) {
	s.ws()
	start, nest := s.i, 0
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			if _, ok := s.str(); !ok {
				return nil, false
			}
			if nest == 0 {
				return s.b[start:s.i], true
			}
			continue
		case c == '[' || c == '{':
			nest++
		case c == ']' || c == '}':
			if nest == 0 { // the end of what holds a number or literal
				return s.b[start:s.i], s.i > start
			}
			if nest--; nest == 0 {
				s.i++
				return s.b[start:s.i], true
			}
		case nest == 0 && (c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r'):
			return s.b[start:s.i], s.i > start
		}
		s.i++
	}
	return s.b[start:s.i], nest == 0 && s.i > start
}

// property takes one property object in MarshalJSON's shape.
func (s *scanner) property(depth int) (Property, bool) {
	if !s.expect('{') {
		return Property{}, false
	}
	if k, ok := s.key(); !ok || k != "name" {
		return Property{}, false
	}
	name, ok := s.text()
	if !ok || checkString(name) != "" || !s.expect(',') {
		return Property{}, false
	}
	p := Property{Name: name}
	k, ok := s.key()
	switch {
	case !ok:
		return Property{}, false
	case k == "type":
		v, ok := s.typedValue(depth)
		if !ok {
			return Property{}, false
		}
		p.Values = []Value{v}
	case k == "values":
		if !s.expect('[') {
			return Property{}, false
		}
		for {
			if !s.expect('{') {
				return Property{}, false
			}
			if k, ok := s.key(); !ok || k != "type" {
				return Property{}, false
			}
			v, ok := s.typedValue(depth)
			if !ok || !s.expect('}') {
				return Property{}, false
			}
			p.Values = append(p.Values, v)
			if c := s.next(); c == ']' {
				break
			} else if c != ',' {
				return Property{}, false
			}
		}
	default:
		return Property{}, false
	}
	if !s.expect('}') {
		return Property{}, false
	}
	return p, true
}

// typedValue takes `"TYPE","value":VALUE` (the "type" key taken).
func (s *scanner) typedValue(depth int) (Value, bool) {
	typ, ok := s.text()
	if !ok || !s.expect(',') {
		return Value{}, false
	}
	if k, ok := s.key(); !ok || k != "value" {
		return Value{}, false
	}
	var syn Syntax
	k := strings.ToLower(typ)
	if code, isCode := strings.CutPrefix(k, "syntax:"); isCode {
		n, err := parseUint(code, 32)
		if err != nil || !Syntax(n).ValueSyntax() {
			return Value{}, false
		}
		syn = Syntax(n)
	} else if syn, ok = kindSyntax[k]; !ok {
		return Value{}, false
	}
	switch syn.Format().field() {
	case fieldUint, fieldInt:
		raw, ok := s.value()
		if !ok || len(raw) == 0 || !(raw[0] == '-' || raw[0] >= '0' && raw[0] <= '9') {
			return Value{}, false
		}
		v, err := parseText(syn, string(raw))
		return v, err == nil
	case fieldStr, fieldBytes:
		if s.peek() != '"' {
			return Value{}, false
		}
		text, ok := s.text()
		if !ok {
			return Value{}, false
		}
		v, err := parseText(syn, text)
		return v, err == nil
	case fieldStrs:
		if !s.expect('[') {
			return Value{}, false
		}
		strs := []string{} // as encoding/json decodes []
		if s.peek() == ']' {
			s.i++
			return Value{Syntax: syn, Strs: strs}, true
		}
		for {
			t, ok := s.text()
			if !ok || t == "" || checkString(t) != "" {
				return Value{}, false
			}
			strs = append(strs, t)
			if c := s.next(); c == ']' {
				return Value{Syntax: syn, Strs: strs}, true
			} else if c != ',' {
				return Value{}, false
			}
		}
	case fieldList:
		if depth >= MaxDepth || s.peek() != '[' {
			return Value{}, false
		}
		raw, ok := s.value()
		if !ok {
			return Value{}, false
		}
		l, ok := fastListFromJSON(raw, depth+1)
		if !ok {
			return Value{}, false
		}
		return Value{Syntax: syn, List: l}, true
	}
	return Value{}, false
}

// appendJSONList appends l in the JSON form (see ParseJSON) — the shape
// fastListFromJSON reads — without building it in values for
// encoding/json first. l has been validated.
func appendJSONList(b []byte, l List, depth int) ([]byte, error) {
	b = append(b, '[')
	for i, p := range l {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"name":`...)
		b = appendJSONString(b, p.Name)
		var err error
		if len(p.Values) == 1 {
			b, err = appendJSONTyped(append(b, ','), p.Values[0], depth)
		} else {
			b = append(b, `,"values":[`...)
			for j, v := range p.Values {
				if j > 0 {
					b = append(b, ',')
				}
				if b, err = appendJSONTyped(append(b, '{'), v, depth); err != nil {
					break
				}
				b = append(b, '}')
			}
			b = append(b, ']')
		}
		if err != nil {
			return nil, fmt.Errorf("property %d (%q): %w", i+1, p.Name, err)
		}
		b = append(b, '}')
	}
	return append(b, ']'), nil
}

// appendJSONTyped appends `"type":KIND,"value":VALUE`.
func appendJSONTyped(b []byte, v Value, depth int) ([]byte, error) {
	if !v.Syntax.ValueSyntax() {
		return nil, fmt.Errorf("syntax %s is not a value syntax", v.Syntax)
	}
	b = append(b, `"type":`...)
	b = appendJSONString(b, v.Kind())
	b = append(b, `,"value":`...)
	switch v.Syntax.Format().field() {
	case fieldUint:
		return strconv.AppendUint(b, v.Uint, 10), nil
	case fieldInt:
		return strconv.AppendInt(b, v.Int, 10), nil
	case fieldStr:
		return appendJSONString(b, v.Str), nil
	case fieldStrs:
		b = append(b, '[')
		for i, s := range v.Strs {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, s)
		}
		return append(b, ']'), nil
	case fieldBytes:
		return appendJSONString(b, v.Text()), nil
	case fieldList:
		if depth >= MaxDepth {
			return nil, fmt.Errorf("property lists nested deeper than %d levels", MaxDepth)
		}
		b, err := appendJSONList(b, v.List, depth+1)
		if err != nil {
			return nil, fmt.Errorf("property_list: %w", err)
		}
		return b, nil
	}
	return nil, fmt.Errorf("syntax %s has no JSON form", v.Syntax)
}

// appendJSONString appends s, valid UTF-8 (validated lists only), as a
// JSON string. encoding/json, which calls MarshalJSON for a record,
// escapes <, > and & and U+2028/U+2029 afterwards as it does everywhere.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
