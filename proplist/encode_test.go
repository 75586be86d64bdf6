package proplist

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
)

// TestMarshalBytes pins the exact encoding of single properties against a
// hand-built expectation, covering padding of names and values.
func TestMarshalBytes(t *testing.T) {
	tests := []struct {
		name string
		prop Property
		want []byte // one value list, without count and end marks
	}{
		{
			name: "odd-length name padded to 64",
			prop: Property{Name: "IgnorePersistentStateOnStartup", Values: []Value{DWORD(1)}},
			want: func() []byte {
				w := &wb{}
				w.u32(0x00040003).u32(62).raw(utf16z("IgnorePersistentStateOnStartup")...).raw(0, 0)
				return w.u32(0x00010002).u32(4).u32(1).end().b
			}(),
		},
		{
			name: "empty SZ is cbLength 2 plus 2 pad",
			prop: Property{Name: "A", Values: []Value{SZ("")}},
			want: mustHex(t, "03000400"+"04000000"+"41000000"+"03000100"+"02000000"+"00000000"+"00000000"),
		},
		{
			name: "WORD is cbLength 2 padded to 4",
			prop: Property{Name: "A", Values: []Value{Word(0xBEEF)}},
			want: mustHex(t, "03000400"+"04000000"+"41000000"+"0b000100"+"02000000"+"efbe0000"+"00000000"),
		},
		{
			name: "LONG",
			prop: Property{Name: "A", Values: []Value{Long(-2)}},
			want: mustHex(t, "03000400"+"04000000"+"41000000"+"07000100"+"04000000"+"feffffff"+"00000000"),
		},
		{
			name: "ULARGE 8 bytes 4-aligned",
			prop: Property{Name: "AB", Values: []Value{ULarge(0x0102030405060708)}},
			want: mustHex(t, "03000400"+"06000000"+"410042000000"+"0000"+"06000100"+"08000000"+"0807060504030201"+"00000000"),
		},
		{
			name: "LARGE and FILETIME",
			prop: Property{Name: "A", Values: []Value{Large(-1), FileTime(1)}},
			want: mustHex(t, "03000400"+"04000000"+"41000000"+"0a000100"+"08000000"+"ffffffffffffffff"+"0c000100"+"08000000"+"0100000000000000"+"00000000"),
		},
		{
			name: "SZ with odd character count",
			prop: Property{Name: "A", Values: []Value{SZ("ab")}},
			want: mustHex(t, "03000400"+"04000000"+"41000000"+"03000100"+"06000000"+"610062000000"+"0000"+"00000000"),
		},
		{
			name: "MULTI_SZ",
			prop: Property{Name: "A", Values: []Value{MultiSZ("a", "bc")}},
			want: mustHex(t, "03000400"+"04000000"+"41000000"+"05000100"+"0c000000"+"6100000062006300000000000000"+"0000"+"00000000")[:0],
		},
		{
			name: "empty MULTI_SZ is two NULs",
			prop: Property{Name: "A", Values: []Value{MultiSZ()}},
			want: mustHex(t, "03000400"+"04000000"+"41000000"+"05000100"+"04000000"+"00000000"+"00000000"),
		},
		{
			name: "BINARY 3 bytes padded",
			prop: Property{Name: "A", Values: []Value{Binary([]byte{1, 2, 3})}},
			want: mustHex(t, "03000400"+"04000000"+"41000000"+"01000100"+"03000000"+"01020300"+"00000000"),
		},
		{
			name: "surrogate pair in name",
			prop: Property{Name: "😀", Values: []Value{DWORD(0)}},
			want: mustHex(t, "03000400"+"06000000"+"3dd800de0000"+"0000"+"02000100"+"04000000"+"00000000"+"00000000"),
		},
		{
			name: "nested list in the same form as the outer one",
			prop: Property{Name: "A", Values: []Value{Nested(List{{Name: "B", Values: []Value{DWORD(5)}}})}},
			want: mustHex(t, "03000400"+"04000000"+"41000000"+"0e000100"+"20000000"+
				"01000000"+"03000400"+"04000000"+"42000000"+"02000100"+"04000000"+"05000000"+"00000000"+
				"00000000"),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := tt.want
			if len(want) == 0 { // MULTI_SZ: built by hand below
				w := &wb{}
				w.name("A").entry(0x00010005, append(append(utf16z("a"), utf16z("bc")...), 0, 0)).end()
				want = w.b
			}
			compact := append(le32(1), want...)
			if got := (List{tt.prop}).MarshalCompact(); !bytes.Equal(got, compact) {
				t.Errorf("MarshalCompact =\n%x\nwant\n%x", got, compact)
			}
			full := List{tt.prop}.Marshal()
			if tt.prop.Values[0].Syntax != SyntaxPropertyList {
				if wantFull := append(compact, 0, 0, 0, 0); !bytes.Equal(full, wantFull) {
					t.Errorf("Marshal =\n%x\nwant\n%x", full, wantFull)
				}
			}
			for _, in := range [][]byte{compact, full} {
				got, err := Unmarshal(in)
				if err != nil {
					t.Fatalf("Unmarshal: %v", err)
				}
				if !got.Equal(List{tt.prop}) {
					t.Errorf("Unmarshal = %+v, want %+v", got, tt.prop)
				}
			}
		})
	}
}

func TestMarshalNestedWithEndMark(t *testing.T) {
	l := List{{Name: "A", Values: []Value{Nested(List{{Name: "B", Values: []Value{DWORD(5)}}})}}}
	b := l.Marshal()
	// count, name entry (12), nested entry header at 16, nested data of 32
	// bytes plus its own 4-byte end mark, outer ENDMARK, outer end mark.
	if n := binary.LittleEndian.Uint32(b[20:]); n != 36 {
		t.Errorf("nested cbLength = %d, want 36", n)
	}
	if len(b) != 4+12+8+36+4+4 {
		t.Errorf("len = %d", len(b))
	}
}

func TestRoundTrip(t *testing.T) {
	rich := richList()
	tests := []struct {
		name string
		list List
	}{
		{"empty", List{}},
		{"nil", nil},
		{"rich", rich},
		{"TV3", vmList(4)},
	}
	for _, p := range rich {
		tests = append(tests, struct {
			name string
			list List
		}{"property " + p.Name, List{p}})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.list.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			for _, enc := range []struct {
				name string
				b    []byte
			}{{"Marshal", tt.list.Marshal()}, {"MarshalCompact", tt.list.MarshalCompact()}} {
				if len(enc.b)%4 != 0 {
					t.Errorf("%s: length %d is not a multiple of 4", enc.name, len(enc.b))
				}
				got, err := Unmarshal(enc.b)
				if err != nil {
					t.Fatalf("%s: Unmarshal: %v", enc.name, err)
				}
				if !got.Equal(tt.list) {
					t.Errorf("%s: round trip\n got %+v\nwant %+v", enc.name, got, tt.list)
				}
				if again := got.Marshal(); !bytes.Equal(again, tt.list.Marshal()) {
					t.Errorf("%s: re-Marshal differs", enc.name)
				}
			}
		})
	}
}

func TestMarshalEmpty(t *testing.T) {
	if got := (List{}).Marshal(); !bytes.Equal(got, make([]byte, 8)) {
		t.Errorf("Marshal() = %x, want 8 zero bytes", got)
	}
	if got := List(nil).MarshalCompact(); !bytes.Equal(got, make([]byte, 4)) {
		t.Errorf("MarshalCompact() = %x, want 4 zero bytes", got)
	}
}

// TestMarshalNormalizes checks that Marshal output for lists Validate
// rejects still decodes, with the documented normalization.
func TestMarshalNormalizes(t *testing.T) {
	deep := List{{Name: "leaf", Values: []Value{DWORD(1)}}}
	for range MaxDepth {
		deep = List{{Name: "n", Values: []Value{Nested(deep)}}}
	}
	tooDeep := List{{Name: "top", Values: []Value{Nested(deep)}}}
	// Marshal leaves out the value that would be at depth 17, and with it
	// the property at depth 16 that held it, leaving an empty list there.
	var cut List
	for range MaxDepth - 1 {
		cut = List{{Name: "n", Values: []Value{Nested(cut)}}}
	}
	cut = List{{Name: "top", Values: []Value{Nested(cut)}}}

	tests := []struct {
		name    string
		in      List
		want    List
		wantErr string // substring of the Validate error
	}{
		{
			name:    "no values",
			in:      List{{Name: "A"}, {Name: "B", Values: []Value{DWORD(1)}}},
			want:    List{{Name: "B", Values: []Value{DWORD(1)}}},
			wantErr: `property 1 ("A"): no values`,
		},
		{
			name:    "unknown syntax",
			in:      List{{Name: "A", Values: []Value{{Syntax: 0x00010010, Bytes: []byte{1}}, DWORD(2)}}},
			want:    List{{Name: "A", Values: []Value{DWORD(2)}}},
			wantErr: "not a value syntax",
		},
		{
			name:    "only structural syntaxes",
			in:      List{{Name: "A", Values: []Value{{Syntax: SyntaxName}, {Syntax: SyntaxEndmark}}}},
			want:    List{},
			wantErr: "not a value syntax",
		},
		{
			name:    "NUL in string and name",
			in:      List{{Name: "A\x00B", Values: []Value{SZ("x\x00y")}}},
			want:    List{{Name: "A", Values: []Value{SZ("x")}}},
			wantErr: "name contains a NUL",
		},
		{
			name:    "invalid UTF-8",
			in:      List{{Name: "A", Values: []Value{SZ("a\xffb")}}},
			want:    List{{Name: "A", Values: []Value{SZ("a\uFFFDb")}}},
			wantErr: "not valid UTF-8",
		},
		{
			name:    "DWORD out of range",
			in:      List{{Name: "A", Values: []Value{{Syntax: SyntaxDWORD, Uint: 1<<32 + 5}}}},
			want:    List{{Name: "A", Values: []Value{DWORD(5)}}},
			wantErr: "out of range",
		},
		{
			name:    "WORD out of range",
			in:      List{{Name: "A", Values: []Value{{Syntax: SyntaxWord, Uint: 0x10001}}}},
			want:    List{{Name: "A", Values: []Value{Word(1)}}},
			wantErr: "out of range",
		},
		{
			name:    "LONG out of range",
			in:      List{{Name: "A", Values: []Value{{Syntax: SyntaxLong, Int: 1 << 31}}}},
			want:    List{{Name: "A", Values: []Value{Long(-1 << 31)}}},
			wantErr: "out of range",
		},
		{
			name:    "empty MULTI_SZ string",
			in:      List{{Name: "A", Values: []Value{MultiSZ("a", "", "b")}}},
			want:    List{{Name: "A", Values: []Value{MultiSZ("a", "b")}}},
			wantErr: "MULTI_SZ string 2 is empty",
		},
		{
			name:    "too deep",
			in:      tooDeep,
			want:    cut,
			wantErr: "nested deeper than 16",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.in.Validate()
			if err == nil || !errors.Is(err, ErrInvalid) || !contains(err.Error(), tt.wantErr) {
				t.Errorf("Validate() = %v, want ErrInvalid containing %q", err, tt.wantErr)
			}
			for _, b := range [][]byte{tt.in.Marshal(), tt.in.MarshalCompact()} {
				got, err := Unmarshal(b)
				if err != nil {
					t.Fatalf("Unmarshal(Marshal()) = %v", err)
				}
				if !got.Equal(tt.want) {
					t.Errorf("decoded %+v, want %+v", got, tt.want)
				}
			}
		})
	}
	// Exactly MaxDepth levels are fine.
	if err := deep.Validate(); err != nil {
		t.Errorf("Validate(depth %d) = %v", MaxDepth, err)
	}
	if got, err := Unmarshal(deep.Marshal()); err != nil || !got.Equal(deep) {
		t.Errorf("depth %d round trip: %v", MaxDepth, err)
	}
}

func contains(s, sub string) bool { return bytes.Contains([]byte(s), []byte(sub)) }
