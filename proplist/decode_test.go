package proplist

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
)

// put returns a copy of b with the uint32 at off replaced by v.
func put(b []byte, off int, v uint32) []byte {
	b = bytes.Clone(b)
	binary.LittleEndian.PutUint32(b[off:], v)
	return b
}

// one builds a one-property list whose single value entry is (syn, data).
func one(syn uint32, data []byte) []byte {
	w := &wb{}
	return w.u32(1).name("A").entry(syn, data).end().b
}

// nestedDepth builds a list in which property lists nest n levels deep.
func nestedDepth(n int) []byte {
	inner := (&wb{}).u32(1).name("leaf").entry(0x00010002, le32(1)).end().b
	for range n {
		inner = one(0x0001000E, inner)
	}
	return inner
}

func TestUnmarshalMalformed(t *testing.T) {
	tv3 := mustHex(t, tv3Hex)
	tests := []struct {
		name   string
		in     []byte
		offset int
		reason string // substring of DecodeError.Reason
	}{
		{"empty input", nil, 0, "property count"},
		{"short count", []byte{1, 0}, 0, "property count"},
		{"count says 3, 2 present", put(tv3, 0, 3), 144, "unexpected end of data reading NAME entry of property 3"},
		{"count says 3, 2 present, end mark", put(append(bytes.Clone(tv3), 0, 0, 0, 0), 0, 3), 144, "expected NAME entry of property 3"},
		{"count says 1, 2 present", put(tv3, 0, 1), 60, "84 bytes of trailing data"},
		{"huge count", put(tv3, 0, 0xFFFFFFFF), 0, "cannot fit"},
		{"count just too big", put(tv3, 0, 6), 0, "cannot fit"},
		{"first entry not NAME", put(tv3, 4, 0x00010003), 4, "expected NAME entry of property 1"},
		{"unknown format", put(tv3, 44, 0x00010010), 44, "unknown syntax 0x00010010"},
		{"VALUE_LIST format", put(tv3, 44, 0x0001000D), 44, "unknown syntax"},
		{"unknown type", put(tv3, 44, 0x00100002), 44, "unknown syntax"},
		{"user syntax", put(tv3, 44, 0x80008000), 44, "unknown syntax"},
		{"NAME before ENDMARK", put(tv3, 44, 0x00040003), 44, "NAME entry before the ENDMARK"},
		{"name length past end", put(tv3, 8, 1000), 8, "NAME length 1000 runs past the end"},
		{"name length huge", put(tv3, 8, 0xFFFFFFFF), 8, "runs past the end"},
		{"value length past end", put(tv3, 48, 1000), 48, "runs past the end"},
		{"value length huge", put(tv3, 48, 0xFFFFFFFD), 48, "runs past the end"},
		{"DWORD length 8", put(tv3, 48, 8), 48, "LIST_VALUE_DWORD length must be 4, got 8"},
		{"DWORD length 0", put(tv3, 48, 0), 48, "length must be 4, got 0"},
		{"name missing NUL", func() []byte { b := bytes.Clone(tv3); b[42] = 'X'; return b }(), 12, "NAME: string is not NUL-terminated"},
		{"name odd length", put(tv3, 8, 31), 12, "odd length 31"},
		{"name length 0", (&wb{}).u32(1).u32(0x00040003).u32(0).entry(0x00010002, le32(1)).end().b, 12, "not NUL-terminated"},
		{"trailing garbage", append(bytes.Clone(tv3), 1, 0, 0, 0), 144, "4 bytes of trailing data"},
		{"one trailing zero byte", append(bytes.Clone(tv3), 0), 144, "1 bytes of trailing data"},
		{"8 trailing zero bytes", append(bytes.Clone(tv3), 0, 0, 0, 0, 0, 0, 0, 0), 144, "8 bytes of trailing data"},
		{"value list without value", (&wb{}).u32(1).name("ABCDEFGHIJ").end().b, 36, `property "ABCDEFGHIJ" has no values`},
		{"value list without value, short", (&wb{}).u32(1).name("A").end().b, 0, "cannot fit"},
		{"missing ENDMARK", (&wb{}).u32(1).name("A").entry(0x00010002, le32(1)).b, 28, "value or ENDMARK"},
		{"WORD length 4", one(0x0001000B, le32(1)), 20, "LIST_VALUE_WORD length must be 2, got 4"},
		{"LONG length 2", one(0x00010007, []byte{1, 2}), 20, "LIST_VALUE_LONG length must be 4"},
		{"ULARGE length 4", one(0x00010006, le32(1)), 20, "must be 8, got 4"},
		{"LARGE length 12", one(0x0001000A, make([]byte, 12)), 20, "must be 8, got 12"},
		{"FILETIME length 7", one(0x0001000C, make([]byte, 7)), 20, "must be 8, got 7"},
		{"DISK_SIZE length 4", one(0x000C0006, le32(1)), 20, "DISK_SIZE length must be 8"},
		{"RESCLASS length 2", one(0x00020002, []byte{1, 0}), 20, "RESCLASS length must be 4"},
		{"SZ missing NUL", one(0x00010003, []byte{'a', 0, 'b', 0}), 24, "LIST_VALUE_SZ: string is not NUL-terminated"},
		{"SZ empty", one(0x00010003, nil), 24, "not NUL-terminated"},
		{"SZ odd length", one(0x00010003, []byte{'a', 0, 0}), 24, "odd length 3"},
		{"EXPAND_SZ missing NUL", one(0x00010004, []byte{'a', 0}), 24, "not NUL-terminated"},
		{"DISK_GUID missing NUL", one(0x000B0003, []byte{'a', 0}), 24, "DISK_GUID: string is not NUL-terminated"},
		{"MULTI_SZ without extra NUL", one(0x00010005, utf16z("a")), 24, "lacks the extra NUL"},
		{"MULTI_SZ empty", one(0x00010005, nil), 24, "not NUL-terminated"},
		{"MULTI_SZ data after terminator", one(0x00010005, []byte{'a', 0, 0, 0, 0, 0, 'b', 0, 0, 0, 0, 0}), 30, "data after the terminating empty string"},
		{"MULTI_SZ odd length", one(0x00010005, []byte{'a', 0, 0, 0, 0}), 24, "odd length 5"},
		{"nested too deep", nestedDepth(MaxDepth + 1), 16*24 + 16, "nested deeper than 16"},
		{"nested bad inner syntax", one(0x0001000E, put((&wb{}).u32(1).name("B").entry(0x00010002, le32(1)).end().b, 16, 0x00010099)), 24 + 16, "unknown syntax 0x00010099"},
		{"nested trailing data", one(0x0001000E, append((&wb{}).u32(0).b, 1, 0, 0, 0)), 28, "trailing data"},
		{"nested 8 trailing zeros", one(0x0001000E, make([]byte, 12)), 28, "8 bytes of trailing data"},
		{"nested empty data", one(0x0001000E, nil), 24, "property count"},
		{"nested count past its length", one(0x0001000E, le32(1)), 24, "cannot fit"},
		{"missing padding at end", (&wb{}).u32(1).name("ABCDEFGH").u32(0x00010001).u32(3).raw(1, 2, 3).b, 43, "missing 1 padding bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := Unmarshal(tt.in)
			if err == nil {
				t.Fatalf("Unmarshal succeeded: %+v", l)
			}
			if l != nil {
				t.Errorf("Unmarshal returned a list with the error")
			}
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("error %v is not ErrMalformed", err)
			}
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error %T is not a *DecodeError", err)
			}
			if de.Offset != tt.offset {
				t.Errorf("offset = %d, want %d (%v)", de.Offset, tt.offset, err)
			}
			if !strings.Contains(de.Reason, tt.reason) {
				t.Errorf("reason %q does not contain %q", de.Reason, tt.reason)
			}
			if want := "proplist: malformed at byte "; !strings.HasPrefix(err.Error(), want) {
				t.Errorf("Error() = %q, want prefix %q", err.Error(), want)
			}
		})
	}
}

// TestUnmarshalEveryPrefix decodes every prefix of valid encodings. Only
// the whole encoding and, for Marshal output, the encoding without its
// trailing end mark may decode.
func TestUnmarshalEveryPrefix(t *testing.T) {
	for _, l := range []List{richList(), vmList(1), {}} {
		for _, enc := range []struct {
			b       []byte
			endMark bool
		}{{l.Marshal(), true}, {l.MarshalCompact(), false}} {
			b := enc.b
			for n := 0; n <= len(b); n++ {
				got, err := Unmarshal(b[:n])
				if n == len(b) || (enc.endMark && n == len(b)-4) {
					if err != nil || !got.Equal(l) {
						t.Errorf("prefix %d/%d: %v", n, len(b), err)
					}
					continue
				}
				var de *DecodeError
				if !errors.As(err, &de) || !errors.Is(err, ErrMalformed) {
					t.Fatalf("prefix %d/%d: error %v, want a *DecodeError", n, len(b), err)
				}
				if de.Offset < 0 || de.Offset > n {
					t.Errorf("prefix %d/%d: offset %d outside the input", n, len(b), de.Offset)
				}
			}
		}
	}
}

// TestUnmarshalLenient covers what Unmarshal deliberately accepts.
func TestUnmarshalLenient(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want List
	}{
		{
			name: "non-zero padding is ignored",
			in: (&wb{}).u32(1).u32(0x00040003).u32(6).raw('A', 0, 'B', 0, 0, 0, 0xEE, 0xEE).
				u32(0x0001000B).u32(2).raw(0xEF, 0xBE, 0xFF, 0xFF).end().b,
			want: List{{Name: "AB", Values: []Value{Word(0xBEEF)}}},
		},
		{
			name: "string ends at first NUL",
			in:   one(0x00010003, []byte{'a', 0, 0, 0, 'b', 0, 0, 0}),
			want: List{{Name: "A", Values: []Value{SZ("a")}}},
		},
		{
			name: "string with extra NUL from even-rounded buffer",
			in:   one(0x00010003, []byte{'a', 0, 0, 0, 0, 0, 0, 0}),
			want: List{{Name: "A", Values: []Value{SZ("a")}}},
		},
		{
			name: "MULTI_SZ of a single NUL is empty",
			in:   one(0x00010005, []byte{0, 0}),
			want: List{{Name: "A", Values: []Value{MultiSZ()}}},
		},
		{
			name: "MULTI_SZ with extra NULs",
			in:   one(0x00010005, []byte{'a', 0, 0, 0, 0, 0, 0, 0}),
			want: List{{Name: "A", Values: []Value{MultiSZ("a")}}},
		},
		{
			name: "unpaired surrogate becomes U+FFFD",
			in:   one(0x00010003, []byte{0x00, 0xD8, 'a', 0, 0, 0}),
			want: List{{Name: "A", Values: []Value{SZ("\uFFFDa")}}},
		},
		{
			name: "zero properties",
			in:   le32(0),
			want: List{},
		},
		{
			name: "zero properties with end mark",
			in:   make([]byte, 8),
			want: List{},
		},
		{
			name: "nested list with end mark",
			in:   one(0x0001000E, make([]byte, 8)),
			want: List{{Name: "A", Values: []Value{Nested(List{})}}},
		},
		{
			name: "duplicate names are kept",
			in:   (&wb{}).u32(2).name("A").entry(0x00010002, le32(1)).end().name("A").entry(0x00010002, le32(2)).end().b,
			want: List{{Name: "A", Values: []Value{DWORD(1)}}, {Name: "A", Values: []Value{DWORD(2)}}},
		},
		{
			name: "exactly MaxDepth levels",
			in:   nestedDepth(MaxDepth),
			want: func() List {
				l := List{{Name: "leaf", Values: []Value{DWORD(1)}}}
				for range MaxDepth {
					l = List{{Name: "A", Values: []Value{Nested(l)}}}
				}
				return l
			}(),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Unmarshal(tt.in)
			if err != nil {
				t.Fatalf("Unmarshal: %v", err)
			}
			if !got.Equal(tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
			if err := got.Validate(); err != nil {
				t.Errorf("decoded list does not validate: %v", err)
			}
		})
	}
}

// TestUnmarshalDoesNotAlias checks that decoded binary data does not share
// memory with the input.
func TestUnmarshalDoesNotAlias(t *testing.T) {
	in := one(0x00010001, []byte{1, 2, 3, 4})
	l, err := Unmarshal(in)
	if err != nil {
		t.Fatal(err)
	}
	in[20] = 99
	if l[0].Values[0].Bytes[0] != 1 {
		t.Error("decoded Bytes alias the input")
	}
}
