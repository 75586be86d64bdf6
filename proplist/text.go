package proplist

import (
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Kind returns the name of v's syntax in the text and JSON forms: "dword",
// "long", "word", "ularge", "large", "filetime", "sz", "expand_sz",
// "expanded_sz", "multi_sz", "binary", "security_descriptor" or
// "property_list" for the LIST_VALUE syntaxes, and "syntax:0xSSSSSSSS" for
// the others (for example "syntax:0x000C0006" for DISK_SIZE).
func (v Value) Kind() string {
	if info, ok := syntaxes[v.Syntax]; ok && info.kind != "" {
		return info.kind
	}
	return fmt.Sprintf("syntax:0x%08X", uint32(v.Syntax))
}

// Text returns the value part of the text form: decimal numbers, strings
// as they are, MULTI_SZ strings joined with ';', binary data as lower-case
// hex, and nested property lists as JSON.
func (v Value) Text() string {
	switch v.Syntax.Format().field() {
	case fieldUint:
		return strconv.FormatUint(v.Uint, 10)
	case fieldInt:
		return strconv.FormatInt(v.Int, 10)
	case fieldStr:
		return v.Str
	case fieldStrs:
		return strings.Join(v.Strs, ";")
	case fieldList:
		b, err := v.List.MarshalJSON()
		if err != nil {
			return ""
		}
		return string(b)
	}
	return hex.EncodeToString(v.Bytes)
}

// FormatParam returns the text form "NAME=KIND:VALUE" of p, the inverse of
// ParseParam for single-valued properties. The values of a multi-valued
// property are listed as "NAME=KIND:VALUE, KIND:VALUE", which ParseParam
// does not accept.
func FormatParam(p Property) string {
	var b strings.Builder
	b.WriteString(p.Name)
	b.WriteByte('=')
	for i, v := range p.Values {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(v.Kind())
		b.WriteByte(':')
		b.WriteString(v.Text())
	}
	return b.String()
}

const kindList = "dword, long, word, sz, expand_sz, multi_sz, binary, ularge, large, filetime, " +
	"expanded_sz, security_descriptor, property_list or syntax:0xSSSSSSSS"

// ParseParam parses the text form of a single-valued property,
// "NAME=KIND:VALUE", for example "Virtual Machine=dword:1".
//
// NAME is everything before the first '=' (names may contain spaces but
// not '='); KIND is everything between that and the next ':' (case does not
// matter); VALUE is the rest, taken literally. Kinds:
//
//	dword, word, ularge, filetime  unsigned number, decimal or 0x hex, range-checked
//	long, large                    signed number, decimal or 0x hex, optional sign, range-checked
//	sz, expand_sz, expanded_sz     the text itself (may be empty)
//	multi_sz                       strings separated by ';' (empty VALUE: no strings)
//	binary, security_descriptor    hex digits, optional 0x prefix
//	property_list                  a nested list in the JSON form
//	syntax:0xSSSSSSSS:VALUE        any other value syntax, VALUE as for its format
func ParseParam(s string) (Property, error) {
	name, rest, ok := strings.Cut(s, "=")
	if !ok {
		return Property{}, badParam(s, "missing '=' (want NAME=KIND:VALUE, for example \"Virtual Machine=dword:1\")")
	}
	if name == "" {
		return Property{}, badParam(s, "empty property name")
	}
	if msg := checkString(name); msg != "" {
		return Property{}, badParam(s, "property name "+msg)
	}
	kind, text, ok := strings.Cut(rest, ":")
	if !ok {
		return Property{}, badParam(s, fmt.Sprintf("missing KIND: before the value (want NAME=KIND:VALUE, for example \"%s=dword:%s\")", name, rest))
	}
	v, err := parseValue(kind, text)
	if err != nil {
		return Property{}, badParam(s, err.Error())
	}
	return Property{Name: name, Values: []Value{v}}, nil
}

// ParseParams parses each string with ParseParam and returns the
// properties in order. A name given twice (compared case-insensitively, as
// Windows does) is an error.
func ParseParams(ss []string) (List, error) {
	l := make(List, 0, len(ss))
	for _, s := range ss {
		p, err := ParseParam(s)
		if err != nil {
			return nil, err
		}
		for _, q := range l {
			if strings.EqualFold(q.Name, p.Name) {
				return nil, badParam(s, fmt.Sprintf("property %q given twice", p.Name))
			}
		}
		l = append(l, p)
	}
	return l, nil
}

func badParam(s, msg string) error {
	return fmt.Errorf("proplist: bad parameter %q: %s", s, msg)
}

// parseValue parses VALUE text of the given kind.
func parseValue(kind, text string) (Value, error) {
	k := strings.ToLower(kind)
	var syn Syntax
	if k == "syntax" {
		code, rest, ok := strings.Cut(text, ":")
		if !ok {
			return Value{}, errors.New("missing ':' after the syntax number (want syntax:0xSSSSSSSS:VALUE)")
		}
		n, err := parseUint(code, 32)
		if err != nil {
			return Value{}, fmt.Errorf("invalid syntax number %q", code)
		}
		syn, text = Syntax(n), rest
		if !syn.ValueSyntax() {
			return Value{}, fmt.Errorf("syntax %s is not a value syntax", syn)
		}
	} else {
		var ok bool
		if syn, ok = kindSyntax[k]; !ok {
			return Value{}, fmt.Errorf("unknown kind %q (want %s)", kind, kindList)
		}
	}
	return parseText(syn, text)
}

// parseText parses the text of a value with a known value syntax.
func parseText(syn Syntax, text string) (Value, error) {
	v := Value{Syntax: syn}
	what := Value{Syntax: syn}.Kind()
	var err error
	switch f := syn.Format(); f {
	case FormatDWORD, FormatWord, FormatULargeInteger, FormatFileTime:
		bits := 64
		switch f {
		case FormatDWORD:
			bits = 32
		case FormatWord:
			bits = 16
		}
		if v.Uint, err = parseUint(text, bits); err != nil {
			return Value{}, fmt.Errorf("invalid %s %q (want a decimal or 0x-prefixed hex number from 0 to %d)", what, text, uint64(math.MaxUint64)>>(64-bits))
		}
	case FormatLong, FormatLargeInteger:
		bits := 64
		if f == FormatLong {
			bits = 32
		}
		if v.Int, err = parseInt(text, bits); err != nil {
			return Value{}, fmt.Errorf("invalid %s %q (want a decimal or 0x-prefixed hex number from %d to %d)", what, text, int64(-1)<<(bits-1), int64(uint64(1)<<(bits-1)-1))
		}
	case FormatSZ, FormatExpandSZ, FormatExpandedSZ:
		if msg := checkString(text); msg != "" {
			return Value{}, fmt.Errorf("%s value %s", what, msg)
		}
		v.Str = text
	case FormatMultiSZ:
		if text == "" {
			break
		}
		v.Strs = strings.Split(text, ";")
		for i, s := range v.Strs {
			if s == "" {
				return Value{}, fmt.Errorf("multi_sz string %d is empty (strings are separated by ';' and cannot be empty)", i+1)
			}
			if msg := checkString(s); msg != "" {
				return Value{}, fmt.Errorf("multi_sz string %d %s", i+1, msg)
			}
		}
	case FormatBinary, FormatSecurityDescriptor:
		h := text
		if len(h) >= 2 && h[0] == '0' && (h[1] == 'x' || h[1] == 'X') {
			h = h[2:]
		}
		if v.Bytes, err = hex.DecodeString(h); err != nil {
			return Value{}, fmt.Errorf("invalid %s %q (want an even number of hex digits, optional 0x prefix)", what, text)
		}
	case FormatPropertyList:
		if v.List, err = parseJSONList([]byte(text), 1); err != nil {
			return Value{}, fmt.Errorf("invalid property_list: %s", strings.TrimPrefix(err.Error(), "proplist: "))
		}
	default:
		return Value{}, fmt.Errorf("syntax %s has no text form", syn)
	}
	return v, nil
}

// parseUint parses a decimal or 0x-prefixed hex number of at most bits bits.
func parseUint(s string, bits int) (uint64, error) {
	if h, ok := cutHexPrefix(s); ok {
		return strconv.ParseUint(h, 16, bits)
	}
	return strconv.ParseUint(s, 10, bits)
}

// parseInt parses an optionally signed decimal or 0x-prefixed hex number
// that fits in a signed integer of bits bits.
func parseInt(s string, bits int) (int64, error) {
	neg := false
	m := s
	if len(m) > 0 && (m[0] == '-' || m[0] == '+') {
		neg = m[0] == '-'
		m = m[1:]
	}
	if len(m) > 0 && (m[0] == '-' || m[0] == '+') {
		return 0, strconv.ErrSyntax
	}
	mag, err := parseUint(m, 64)
	if err != nil {
		return 0, err
	}
	limit := uint64(1) << (bits - 1) // |min|
	if neg {
		if mag > limit {
			return 0, strconv.ErrRange
		}
		return int64(-mag), nil
	}
	if mag >= limit {
		return 0, strconv.ErrRange
	}
	return int64(mag), nil
}

func cutHexPrefix(s string) (string, bool) {
	if len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		return s[2:], true
	}
	return s, false
}
