package proplist

import (
	"testing"
)

func TestSyntaxStrings(t *testing.T) {
	tests := []struct {
		s      Syntax
		str    string
		format Format
		typ    PropType
		fstr   string
		tstr   string
		value  bool
	}{
		{SyntaxEndmark, "ENDMARK", FormatUnknown, TypeEndmark, "UNKNOWN", "ENDMARK", false},
		{SyntaxName, "NAME", FormatSZ, TypeName, "SZ", "NAME", false},
		{SyntaxDWORD, "LIST_VALUE_DWORD", FormatDWORD, TypeListValue, "DWORD", "LIST_VALUE", true},
		{SyntaxBinary, "LIST_VALUE_BINARY", FormatBinary, TypeListValue, "BINARY", "LIST_VALUE", true},
		{SyntaxLargeInteger, "LIST_VALUE_LARGE_INTEGER", FormatLargeInteger, TypeListValue, "LARGE_INTEGER", "LIST_VALUE", true},
		{SyntaxPropertyList, "LIST_VALUE_PROPERTY_LIST", FormatPropertyList, TypeListValue, "PROPERTY_LIST", "LIST_VALUE", true},
		{SyntaxResClass, "RESCLASS", FormatDWORD, TypeResClass, "DWORD", "RESCLASS", true},
		{SyntaxDiskSize, "DISK_SIZE", FormatULargeInteger, TypeDiskSize, "ULARGE_INTEGER", "DISK_SIZE", true},
		{SyntaxStorageDeviceIDDescriptor, "STORAGE_DEVICE_ID_DESCRIPTOR", FormatBinary, TypeStorageDeviceIDDescriptor, "BINARY", "STORAGE_DEVICE_ID_DESCRIPTOR", true},
		{0x0001000D, "0x0001000D", FormatValueList, TypeListValue, "VALUE_LIST", "LIST_VALUE", false},
		{0x80008000, "0x80008000", FormatUser, TypeUser, "USER", "USER", false},
		{0xFFFF0010, "0xFFFF0010", 0x10, TypeUnknown, "0x0010", "UNKNOWN", false},
		{0x00200002, "0x00200002", FormatDWORD, 0x20, "DWORD", "0x0020", false},
	}
	for _, tt := range tests {
		if got := tt.s.String(); got != tt.str {
			t.Errorf("Syntax(%#x).String() = %q, want %q", uint32(tt.s), got, tt.str)
		}
		if got := tt.s.Format(); got != tt.format {
			t.Errorf("Syntax(%#x).Format() = %d, want %d", uint32(tt.s), got, tt.format)
		}
		if got := tt.s.Type(); got != tt.typ {
			t.Errorf("Syntax(%#x).Type() = %d, want %d", uint32(tt.s), got, tt.typ)
		}
		if got := tt.s.Format().String(); got != tt.fstr {
			t.Errorf("Format(%#x).String() = %q, want %q", uint32(tt.s), got, tt.fstr)
		}
		if got := tt.s.Type().String(); got != tt.tstr {
			t.Errorf("Type(%#x).String() = %q, want %q", uint32(tt.s), got, tt.tstr)
		}
		if got := tt.s.ValueSyntax(); got != tt.value {
			t.Errorf("Syntax(%#x).ValueSyntax() = %v, want %v", uint32(tt.s), got, tt.value)
		}
	}
}

// TestSyntaxValues pins every syntax constant to the reference table
// (wsfc.md §4.1) and checks that (type << 16) | format holds.
func TestSyntaxValues(t *testing.T) {
	tests := []struct {
		s    Syntax
		want uint32
		typ  PropType
		f    Format
	}{
		{SyntaxEndmark, 0x00000000, TypeEndmark, FormatUnknown},
		{SyntaxName, 0x00040003, TypeName, FormatSZ},
		{SyntaxResClass, 0x00020002, TypeResClass, FormatDWORD},
		{SyntaxBinary, 0x00010001, TypeListValue, FormatBinary},
		{SyntaxDWORD, 0x00010002, TypeListValue, FormatDWORD},
		{SyntaxSZ, 0x00010003, TypeListValue, FormatSZ},
		{SyntaxExpandSZ, 0x00010004, TypeListValue, FormatExpandSZ},
		{SyntaxMultiSZ, 0x00010005, TypeListValue, FormatMultiSZ},
		{SyntaxULargeInteger, 0x00010006, TypeListValue, FormatULargeInteger},
		{SyntaxLong, 0x00010007, TypeListValue, FormatLong},
		{SyntaxExpandedSZ, 0x00010008, TypeListValue, FormatExpandedSZ},
		{SyntaxSecurityDescriptor, 0x00010009, TypeListValue, FormatSecurityDescriptor},
		{SyntaxLargeInteger, 0x0001000A, TypeListValue, FormatLargeInteger},
		{SyntaxWord, 0x0001000B, TypeListValue, FormatWord},
		{SyntaxFileTime, 0x0001000C, TypeListValue, FormatFileTime},
		{SyntaxPropertyList, 0x0001000E, TypeListValue, FormatPropertyList},
		{SyntaxDiskSignature, 0x00050002, TypeSignature, FormatDWORD},
		{SyntaxSCSIAddress, 0x00060002, TypeSCSIAddress, FormatDWORD},
		{SyntaxDiskNumber, 0x00070002, TypeDiskNumber, FormatDWORD},
		{SyntaxPartitionInfo, 0x00080001, TypePartitionInfo, FormatBinary},
		{SyntaxFTSetInfo, 0x00090001, TypeFTSetInfo, FormatBinary},
		{SyntaxDiskSerialNumber, 0x000A0003, TypeDiskSerialNumber, FormatSZ},
		{SyntaxDiskGUID, 0x000B0003, TypeDiskGUID, FormatSZ},
		{SyntaxDiskSize, 0x000C0006, TypeDiskSize, FormatULargeInteger},
		{SyntaxPartitionInfoEx, 0x000D0001, TypePartitionInfoEx, FormatBinary},
		{SyntaxPartitionInfoEx2, 0x000E0001, TypePartitionInfoEx2, FormatBinary},
		{SyntaxStorageDeviceIDDescriptor, 0x000F0001, TypeStorageDeviceIDDescriptor, FormatBinary},
	}
	if len(tests) != len(syntaxes) {
		t.Errorf("table has %d syntaxes, package knows %d", len(tests), len(syntaxes))
	}
	for _, tt := range tests {
		if uint32(tt.s) != tt.want || uint32(tt.typ)<<16|uint32(tt.f) != tt.want {
			t.Errorf("%s = %#08x, type %d format %d; want %#08x", tt.s, uint32(tt.s), tt.typ, tt.f, tt.want)
		}
	}
}

func TestListAccessors(t *testing.T) {
	l := List{
		{Name: "A", Values: []Value{DWORD(7), SZ("second")}},
		{Name: "S", Values: []Value{SZ("str")}},
		{Name: "E", Values: []Value{ExpandSZ("%X%"), ExpandedSZ("x")}},
		{Name: "W", Values: []Value{Word(3)}},
		{Name: "R", Values: []Value{{Syntax: SyntaxResClass, Uint: 1}}},
		{Name: "G", Values: []Value{{Syntax: SyntaxDiskGUID, Str: "{g}"}}},
		{Name: "A", Values: []Value{DWORD(8)}},
		{Name: "Empty"},
	}
	dwords := []struct {
		name string
		want uint32
		ok   bool
	}{
		{"A", 7, true}, {"R", 1, true}, {"S", 0, false}, {"W", 0, false},
		{"a", 0, false}, {"missing", 0, false}, {"Empty", 0, false},
	}
	for _, tt := range dwords {
		if got, ok := l.DWORD(tt.name); got != tt.want || ok != tt.ok {
			t.Errorf("DWORD(%q) = %d, %v; want %d, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
	strs := []struct {
		name string
		want string
		ok   bool
	}{
		{"S", "str", true}, {"E", "%X%", true}, {"G", "{g}", true}, {"A", "", false}, {"missing", "", false},
	}
	for _, tt := range strs {
		if got, ok := l.String(tt.name); got != tt.want || ok != tt.ok {
			t.Errorf("String(%q) = %q, %v; want %q, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
	if p, ok := l.Get("A"); !ok || !p.Equal(l[0]) {
		t.Errorf("Get(A) = %+v, %v", p, ok)
	}
	if _, ok := l.Get("a"); ok {
		t.Error("Get is not exact")
	}
}

func TestListSetDelete(t *testing.T) {
	base := List{
		{Name: "A", Values: []Value{DWORD(1)}},
		{Name: "B", Values: []Value{DWORD(2)}},
		{Name: "A", Values: []Value{DWORD(3)}},
	}
	orig := base.Clone()
	tests := []struct {
		name string
		got  List
		want List
	}{
		{"replace keeps position and drops duplicates", base.Set("A", SZ("x"), SZ("y")), List{
			{Name: "A", Values: []Value{SZ("x"), SZ("y")}},
			{Name: "B", Values: []Value{DWORD(2)}},
		}},
		{"append", base.Set("C", Word(4)), List{
			{Name: "A", Values: []Value{DWORD(1)}},
			{Name: "B", Values: []Value{DWORD(2)}},
			{Name: "A", Values: []Value{DWORD(3)}},
			{Name: "C", Values: []Value{Word(4)}},
		}},
		{"set on nil", List(nil).Set("X", DWORD(1)), List{{Name: "X", Values: []Value{DWORD(1)}}}},
		{"set without values deletes", base.Set("A"), List{{Name: "B", Values: []Value{DWORD(2)}}}},
		{"delete all of a name", base.Delete("A"), List{{Name: "B", Values: []Value{DWORD(2)}}}},
		{"delete missing", base.Delete("Z"), base},
	}
	for _, tt := range tests {
		if !tt.got.Equal(tt.want) {
			t.Errorf("%s: got %+v, want %+v", tt.name, tt.got, tt.want)
		}
	}
	if !base.Equal(orig) {
		t.Errorf("Set/Delete modified the receiver: %+v", base)
	}
}

func TestEqualAndClone(t *testing.T) {
	tests := []struct {
		name string
		a, b Value
		want bool
	}{
		{"same dword", DWORD(1), DWORD(1), true},
		{"different dword", DWORD(1), DWORD(2), false},
		{"different syntax", DWORD(1), Value{Syntax: SyntaxDiskNumber, Uint: 1}, false},
		{"unused fields ignored", DWORD(1), Value{Syntax: SyntaxDWORD, Uint: 1, Str: "x"}, true},
		{"nil and empty bytes", Binary(nil), Binary([]byte{}), true},
		{"bytes differ", Binary([]byte{1}), Binary([]byte{2}), false},
		{"nil and empty strs", MultiSZ(), Value{Syntax: SyntaxMultiSZ, Strs: []string{}}, true},
		{"strs differ", MultiSZ("a"), MultiSZ("a", "b"), false},
		{"long", Long(-1), Long(-1), true},
		{"nested", Nested(vmList(1)), Nested(vmList(1)), true},
		{"nested differ", Nested(vmList(1)), Nested(vmList(2)), false},
		{"unknown syntax compares all", Value{Syntax: 0x10, Str: "a"}, Value{Syntax: 0x10, Str: "b"}, false},
	}
	for _, tt := range tests {
		if got := tt.a.Equal(tt.b); got != tt.want {
			t.Errorf("%s: Equal = %v, want %v", tt.name, got, tt.want)
		}
	}

	l := richList()
	c := l.Clone()
	if !c.Equal(l) {
		t.Fatal("Clone not Equal")
	}
	c[8].Values[0].Bytes[0] = 99                // Bin3
	c[6].Values[0].Strs[0] = "changed"          // Multi
	c[14].Values[0].List[0].Values[0].Uint = 99 // Nested
	c[0].Name = "changed"
	if !l.Equal(richList()) {
		t.Error("modifying the clone changed the original")
	}
	if (List{}).Equal(List{{Name: "A", Values: []Value{DWORD(1)}}}) {
		t.Error("lists of different length are Equal")
	}
	if !List(nil).Equal(List{}) {
		t.Error("nil and empty lists differ")
	}
}
