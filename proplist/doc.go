// Package proplist encodes and decodes Windows Server Failover Clustering
// property lists (the CLUSPROP_* format of clusapi.h and [MS-CMRP]
// PROPERTY_LIST), byte-compatible with Windows.
//
// # Binary format
//
// All fields are little-endian and 4-byte aligned relative to the start of
// the list:
//
//	list       = uint32 count, count × value-list [, uint32 0]
//	value-list = NAME entry, one or more value entries, uint32 ENDMARK (0)
//	entry      = uint32 syntax, uint32 cbLength, cbLength data bytes, zero padding to 4
//
// A syntax is (type << 16) | format, for example 0x00040003 for NAME and
// 0x00010002 for LIST_VALUE_DWORD. cbLength never counts the padding.
// Names and strings are UTF-16LE with the terminating NUL counted in
// cbLength; a MULTI_SZ is a sequence of NUL-terminated strings followed by
// an extra NUL. DWORD and LONG data is 4 bytes, WORD 2 (padded to 4),
// ULARGE_INTEGER, LARGE_INTEGER and FILETIME 8 (aligned to 4 only). The
// data of a PROPERTY_LIST value is itself a list. A property (value list)
// may have several values; Windows, for instance, returns an EXPAND_SZ
// property as an EXPAND_SZ value followed by an EXPANDED_SZ value.
//
// Windows ends the lists it produces with one extra 4-byte zero after the
// last value list; the specification does not mention it and os-win and the
// MSCS samples do not send it. Marshal writes it, MarshalCompact does not,
// and Unmarshal accepts both.
//
// # Strictness
//
// Unmarshal rejects, with a *DecodeError matching ErrMalformed, anything
// structurally wrong: truncation, lengths running past the end, counts that
// do not match, syntaxes outside the CLUSPROP_SYNTAX table, wrong sizes of
// fixed-size values, strings without a terminating NUL or with an odd
// length, value lists without values, nesting deeper than MaxDepth, and
// trailing bytes other than the optional 4-byte end mark. It ignores the
// contents of padding bytes (Windows zeroes them; other producers may not,
// and they carry no data) and whatever follows the first NUL of a string.
// It never panics and allocates no more than a small multiple of the input
// size.
//
// Marshal never fails and always produces something Unmarshal accepts; use
// List.Validate to find data it would have to normalize or leave out.
//
// # Text and JSON forms
//
// ParseParam and FormatParam convert a property to and from the
// "NAME=KIND:VALUE" form used on command lines, for example
// "Virtual Machine=dword:1". List implements json.Marshaler and
// json.Unmarshaler with an array of {"name","type","value"} objects (see
// ParseJSON).
package proplist
