package proplist

import (
	"encoding/binary"
	"math"
	"unicode/utf16"
)

// Marshal encodes l the way Windows emits property lists: the property
// count, the value lists, and a trailing 4-byte zero end mark after the last
// value list (see MarshalCompact for the form without it). Nested
// PROPERTY_LIST values are encoded in the same form.
//
// Marshal never fails and its output always decodes with Unmarshal. Data
// that cannot be represented (Validate reports it) is normalized: strings
// and names end at their first NUL, invalid UTF-8 becomes U+FFFD, numbers
// are truncated to the width of their format, empty MULTI_SZ strings are
// left out, values with a syntax that is not a value syntax, values nested
// deeper than MaxDepth and values whose data exceeds 4 GiB are left out,
// and a property left without values is left out.
func (l List) Marshal() []byte {
	return appendList(nil, l, true, 0)
}

// MarshalCompact encodes l without the trailing list end mark, as os-win
// and the MSCS samples do. Otherwise it behaves like Marshal.
func (l List) MarshalCompact() []byte {
	return appendList(nil, l, false, 0)
}

func appendList(dst []byte, l List, endMark bool, depth int) []byte {
	countAt := len(dst)
	dst = binary.LittleEndian.AppendUint32(dst, 0)
	var n uint32
	for _, p := range l {
		start := len(dst)
		dst = appendEntryHeader(dst, SyntaxName)
		dst = appendSZ(dst, p.Name)
		wrote := false
		for _, v := range p.Values {
			var ok bool
			dst, ok = appendValue(dst, v, endMark, depth)
			wrote = wrote || ok
		}
		if !wrote {
			dst = dst[:start]
			continue
		}
		dst = binary.LittleEndian.AppendUint32(dst, uint32(SyntaxEndmark))
		n++
	}
	binary.LittleEndian.PutUint32(dst[countAt:], n)
	if endMark {
		dst = binary.LittleEndian.AppendUint32(dst, 0)
	}
	return dst
}

// appendEntryHeader appends a syntax and a zero length placeholder;
// finishEntry fills in the length and pads the data.
func appendEntryHeader(dst []byte, s Syntax) []byte {
	dst = binary.LittleEndian.AppendUint32(dst, uint32(s))
	return binary.LittleEndian.AppendUint32(dst, 0)
}

// finishEntry sets the length of the entry whose header starts at hdr and
// pads it to 4 bytes. It reports false if the data is too long.
func finishEntry(dst []byte, hdr int) ([]byte, bool) {
	n := len(dst) - hdr - 8
	if uint64(n) > math.MaxUint32-3 {
		return dst, false
	}
	binary.LittleEndian.PutUint32(dst[hdr+4:], uint32(n))
	for (len(dst)-hdr)%4 != 0 {
		dst = append(dst, 0)
	}
	return dst, true
}

// appendSZ appends a complete NUL-terminated string entry body (the header
// is already there): the UTF-16LE text up to the first NUL, the NUL, the
// length and the padding.
func appendSZ(dst []byte, s string) []byte {
	hdr := len(dst) - 8
	dst = appendUTF16(dst, s)
	dst = append(dst, 0, 0)
	dst, _ = finishEntry(dst, hdr)
	return dst
}

// appendUTF16 appends s as UTF-16LE up to its first NUL.
func appendUTF16(dst []byte, s string) []byte {
	for _, r := range s {
		if r == 0 {
			break
		}
		if r1, r2 := utf16.EncodeRune(r); r1 != '\uFFFD' {
			dst = binary.LittleEndian.AppendUint16(dst, uint16(r1))
			dst = binary.LittleEndian.AppendUint16(dst, uint16(r2))
		} else {
			dst = binary.LittleEndian.AppendUint16(dst, uint16(r))
		}
	}
	return dst
}

// appendValue appends one value entry. It reports false, leaving dst as it
// was, for values that are left out.
func appendValue(dst []byte, v Value, endMark bool, depth int) ([]byte, bool) {
	if !v.Syntax.ValueSyntax() {
		return dst, false
	}
	if v.Syntax.Format() == FormatPropertyList && depth >= MaxDepth {
		return dst, false
	}
	hdr := len(dst)
	dst = appendEntryHeader(dst, v.Syntax)
	le := binary.LittleEndian
	switch v.Syntax.Format() {
	case FormatDWORD:
		dst = le.AppendUint32(dst, uint32(v.Uint))
	case FormatWord:
		dst = le.AppendUint16(dst, uint16(v.Uint))
	case FormatULargeInteger, FormatFileTime:
		dst = le.AppendUint64(dst, v.Uint)
	case FormatLong:
		dst = le.AppendUint32(dst, uint32(int32(v.Int)))
	case FormatLargeInteger:
		dst = le.AppendUint64(dst, uint64(v.Int))
	case FormatSZ, FormatExpandSZ, FormatExpandedSZ:
		dst = appendUTF16(dst, v.Str)
		dst = append(dst, 0, 0)
	case FormatMultiSZ:
		for _, s := range v.Strs {
			n := len(dst)
			dst = appendUTF16(dst, s)
			if len(dst) > n {
				dst = append(dst, 0, 0)
			}
		}
		// The empty string that ends the MULTI_SZ. An empty MULTI_SZ gets
		// two NULs, so that readers scanning for a double NUL stay inside
		// the data.
		dst = append(dst, 0, 0)
		if len(dst)-hdr == 10 {
			dst = append(dst, 0, 0)
		}
	case FormatBinary, FormatSecurityDescriptor:
		dst = append(dst, v.Bytes...)
	case FormatPropertyList:
		dst = appendList(dst, v.List, endMark, depth+1)
	default:
		return dst[:hdr], false
	}
	dst, ok := finishEntry(dst, hdr)
	if !ok {
		return dst[:hdr], false
	}
	return dst, true
}
