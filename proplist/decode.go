package proplist

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"unicode/utf16"
)

// ErrMalformed is matched (with errors.Is) by every error Unmarshal returns.
var ErrMalformed = errors.New("proplist: malformed property list")

// DecodeError describes why Unmarshal rejected its input. Offset is the byte
// offset, from the start of the outermost buffer, of the field at fault.
type DecodeError struct {
	Offset int
	Reason string
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("proplist: malformed at byte %d: %s", e.Offset, e.Reason)
}

// Unwrap returns ErrMalformed, so errors.Is(err, ErrMalformed) holds.
func (e *DecodeError) Unwrap() error { return ErrMalformed }

// MaxDepth is how deeply LIST_VALUE_PROPERTY_LIST values may nest: a
// top-level list is at depth 0, a list nested in one of its values at depth
// 1, and so on. Unmarshal rejects deeper lists and Marshal omits values that
// would be deeper.
const MaxDepth = 16

// minValueListSize is the smallest possible value list: a NAME entry with
// an empty name (8 + 2 + 2 padding), a zero-length BINARY value (8) and the
// ENDMARK (4). It bounds the property count a buffer can hold.
const minValueListSize = 12 + 8 + 4

// Unmarshal decodes a property list. It accepts the list with or without
// the 4-byte zero end mark that Windows appends after the last value list;
// any other trailing data is an error. Every error is a *DecodeError.
//
// Validation is strict about structure (counts, lengths, syntaxes, string
// terminators, fixed sizes) but the contents of padding bytes are ignored:
// Windows writes zeros there, other producers may not, and they carry no
// information. A string ends at its first NUL; the rest of its cbLength
// bytes is ignored. A MULTI_SZ ends at its first empty string; anything but
// NUL characters after that is an error.
func Unmarshal(b []byte) (List, error) {
	d := decoder{b: b}
	l, err := d.list(0, len(b), 0)
	if err != nil {
		return nil, err
	}
	return l, nil
}

type decoder struct {
	b []byte
}

func malformed(off int, format string, args ...any) error {
	return &DecodeError{Offset: off, Reason: fmt.Sprintf(format, args...)}
}

// u32 reads the little-endian uint32 at off, which must end by end.
func (d *decoder) u32(off, end int, what string) (uint32, error) {
	if end-off < 4 {
		return 0, malformed(off, "unexpected end of data reading %s (need 4 bytes, have %d)", what, end-off)
	}
	return binary.LittleEndian.Uint32(d.b[off:]), nil
}

// list decodes the property list occupying b[start:end].
func (d *decoder) list(start, end, depth int) (List, error) {
	n, err := d.u32(start, end, "property count")
	if err != nil {
		return nil, err
	}
	off := start + 4
	if uint64(n)*minValueListSize > uint64(end-off) {
		return nil, malformed(start, "property count %d cannot fit in the remaining %d bytes", n, end-off)
	}
	l := make(List, 0, n)
	for i := range int(n) {
		var p Property
		p, off, err = d.valueList(off, end, depth, i)
		if err != nil {
			return nil, err
		}
		l = append(l, p)
	}
	switch rest := d.b[off:end]; {
	case len(rest) == 0:
	case len(rest) == 4 && bytes.Equal(rest, []byte{0, 0, 0, 0}):
	default:
		return nil, malformed(off, "%d bytes of trailing data after %d properties (only an optional 4-byte zero end mark may follow)", len(rest), n)
	}
	return l, nil
}

// entry reads the header of a syntax/length/data entry at off and checks
// that its data and padding lie within end. It returns the data and the
// offset of the next entry.
func (d *decoder) entry(off, end int, what string) (cb int, data []byte, next int, err error) {
	n, err := d.u32(off+4, end, what+" length")
	if err != nil {
		return 0, nil, 0, err
	}
	dataOff := off + 8
	left := uint64(end - dataOff)
	if uint64(n) > left {
		return 0, nil, 0, malformed(off+4, "%s length %d runs past the end of the data (%d bytes left)", what, n, left)
	}
	padded := (uint64(n) + 3) &^ 3
	if padded > left {
		return 0, nil, 0, malformed(dataOff+int(n), "%s: missing %d padding bytes before the end of the data", what, padded-uint64(n))
	}
	return int(n), d.b[dataOff : dataOff+int(n)], dataOff + int(padded), nil
}

// valueList decodes the NAME entry, the value entries and the ENDMARK of
// property number i, starting at off.
func (d *decoder) valueList(off, end, depth, i int) (Property, int, error) {
	syn, err := d.u32(off, end, fmt.Sprintf("NAME entry of property %d", i+1))
	if err != nil {
		return Property{}, 0, err
	}
	if Syntax(syn) != SyntaxName {
		return Property{}, 0, malformed(off, "expected NAME entry of property %d, found syntax %s", i+1, Syntax(syn))
	}
	_, data, next, err := d.entry(off, end, "NAME")
	if err != nil {
		return Property{}, 0, err
	}
	name, err := decodeSZ(data, off+8, "NAME")
	if err != nil {
		return Property{}, 0, err
	}
	p := Property{Name: name}
	off = next
	for {
		syn, err := d.u32(off, end, fmt.Sprintf("value or ENDMARK of property %q", name))
		if err != nil {
			return Property{}, 0, err
		}
		s := Syntax(syn)
		switch {
		case s == SyntaxEndmark:
			if len(p.Values) == 0 {
				return Property{}, 0, malformed(off, "property %q has no values", name)
			}
			return p, off + 4, nil
		case s == SyntaxName:
			return Property{}, 0, malformed(off, "NAME entry before the ENDMARK of property %q", name)
		case !s.ValueSyntax():
			return Property{}, 0, malformed(off, "unknown syntax %s (type %s, format %s) in property %q", s, s.Type(), s.Format(), name)
		}
		v, n, err := d.value(off, end, depth, s)
		if err != nil {
			return Property{}, 0, err
		}
		p.Values = append(p.Values, v)
		off = n
	}
}

// value decodes the value entry with syntax s at off.
func (d *decoder) value(off, end, depth int, s Syntax) (Value, int, error) {
	cb, data, next, err := d.entry(off, end, s.String())
	if err != nil {
		return Value{}, 0, err
	}
	f := s.Format()
	if want := f.fixedSize(); want >= 0 && cb != want {
		return Value{}, 0, malformed(off+4, "%s length must be %d, got %d", s, want, cb)
	}
	dataOff := off + 8
	v := Value{Syntax: s}
	switch f {
	case FormatDWORD:
		v.Uint = uint64(binary.LittleEndian.Uint32(data))
	case FormatWord:
		v.Uint = uint64(binary.LittleEndian.Uint16(data))
	case FormatULargeInteger, FormatFileTime:
		v.Uint = binary.LittleEndian.Uint64(data)
	case FormatLong:
		v.Int = int64(int32(binary.LittleEndian.Uint32(data)))
	case FormatLargeInteger:
		v.Int = int64(binary.LittleEndian.Uint64(data))
	case FormatSZ, FormatExpandSZ, FormatExpandedSZ:
		v.Str, err = decodeSZ(data, dataOff, s.String())
	case FormatMultiSZ:
		v.Strs, err = decodeMultiSZ(data, dataOff)
	case FormatBinary, FormatSecurityDescriptor:
		v.Bytes = bytes.Clone(data)
	case FormatPropertyList:
		if depth >= MaxDepth {
			return Value{}, 0, malformed(off, "property lists nested deeper than %d levels", MaxDepth)
		}
		v.List, err = d.list(dataOff, dataOff+cb, depth+1)
	default:
		// Unreachable: every syntax accepted by ValueSyntax has a format
		// handled above.
		return Value{}, 0, malformed(off, "unsupported format %s", f)
	}
	if err != nil {
		return Value{}, 0, err
	}
	return v, next, nil
}

// utf16Units checks that data is a whole number of UTF-16 code units ending
// in NUL and returns the units.
func utf16Units(data []byte, off int, what string) ([]uint16, error) {
	if len(data)%2 != 0 {
		return nil, malformed(off, "%s: odd length %d for UTF-16 data", what, len(data))
	}
	if len(data) == 0 || data[len(data)-2] != 0 || data[len(data)-1] != 0 {
		return nil, malformed(off, "%s: string is not NUL-terminated", what)
	}
	u := make([]uint16, len(data)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(data[2*i:])
	}
	return u, nil
}

// decodeSZ decodes a NUL-terminated UTF-16LE string; the string ends at
// its first NUL. Unpaired surrogates become U+FFFD.
func decodeSZ(data []byte, off int, what string) (string, error) {
	u, err := utf16Units(data, off, what)
	if err != nil {
		return "", err
	}
	for i, c := range u {
		if c == 0 {
			u = u[:i]
			break
		}
	}
	return string(utf16.Decode(u)), nil
}

// decodeMultiSZ decodes a MULTI_SZ: NUL-terminated strings ended by an
// empty string (an extra NUL). Only NUL characters may follow that.
func decodeMultiSZ(data []byte, off int) ([]string, error) {
	u, err := utf16Units(data, off, "MULTI_SZ")
	if err != nil {
		return nil, err
	}
	var out []string
	i := 0
	for {
		j := i
		for j < len(u) && u[j] != 0 {
			j++
		}
		if j == len(u) {
			// Cannot happen on the first pass (u ends in NUL), so the
			// final string was terminated but no extra NUL followed.
			return nil, malformed(off, "MULTI_SZ lacks the extra NUL after its last string")
		}
		if j == i {
			break // empty string: end of the MULTI_SZ
		}
		out = append(out, string(utf16.Decode(u[i:j])))
		i = j + 1
	}
	for k := i + 1; k < len(u); k++ {
		if u[k] != 0 {
			return nil, malformed(off+2*k, "MULTI_SZ: data after the terminating empty string")
		}
	}
	return out, nil
}
