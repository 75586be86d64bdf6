package wire

import (
	"testing"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
	"github.com/batoncluster/baton/proplist"
)

func TestRoundTrip(t *testing.T) {
	l := proplist.List{
		{Name: "dword", Values: []proplist.Value{proplist.DWORD(7)}},
		{Name: "long", Values: []proplist.Value{proplist.Long(-7)}},
		{Name: "word", Values: []proplist.Value{proplist.Word(65535)}},
		{Name: "sz", Values: []proplist.Value{proplist.SZ("héllo")}},
		{Name: "expand", Values: []proplist.Value{proplist.ExpandSZ("%HOME%")}},
		{Name: "multi", Values: []proplist.Value{proplist.MultiSZ("a", "b")}},
		{Name: "binary", Values: []proplist.Value{proplist.Binary([]byte{1, 2, 3})}},
		{Name: "ularge", Values: []proplist.Value{proplist.ULarge(1 << 40)}},
		{Name: "large", Values: []proplist.Value{proplist.Large(-1 << 40)}},
		{Name: "filetime", Values: []proplist.Value{proplist.FileTime(133000000000000000)}},
		{Name: "nested", Values: []proplist.Value{proplist.Nested(proplist.List{{Name: "x", Values: []proplist.Value{proplist.DWORD(1)}}})}},
		{Name: "signature", Values: []proplist.Value{{Syntax: proplist.SyntaxDiskSignature, Uint: 0xdeadbeef}}},
		{Name: "size", Values: []proplist.Value{{Syntax: proplist.SyntaxDiskSize, Uint: 1 << 33}}},
		{Name: "two", Values: []proplist.Value{proplist.DWORD(1), proplist.DWORD(2)}},
		// Syntaxes without a kind of their own travel raw, in the
		// codec's layout, whatever their format.
		{Name: "expanded", Values: []proplist.Value{proplist.ExpandSZ("%T%"), proplist.ExpandedSZ("C:\\Temp")}},
		{Name: "guid", Values: []proplist.Value{{Syntax: proplist.SyntaxDiskGUID, Str: "{0fe0-é}"}}},
		{Name: "serial", Values: []proplist.Value{{Syntax: proplist.SyntaxDiskSerialNumber, Str: ""}}},
		{Name: "resclass", Values: []proplist.Value{{Syntax: proplist.SyntaxResClass, Uint: 1}}},
		{Name: "partition", Values: []proplist.Value{{Syntax: proplist.SyntaxPartitionInfo, Bytes: []byte{1, 2, 3}}}},
		{Name: "scsi", Values: []proplist.Value{{Syntax: proplist.SyntaxSCSIAddress, Uint: 0x01020304}}},
	}
	back, err := ToList(FromList(l))
	if err != nil {
		t.Fatal(err)
	}
	if !back.Equal(l) {
		t.Errorf("ToList(FromList(l)) = %v, want %v", back, l)
	}
	sd := proplist.List{{Name: "sd", Values: []proplist.Value{proplist.SecurityDescriptor([]byte{1, 0, 4, 0x80})}}}
	if back, err := ToList(FromList(sd)); err != nil || !back.Equal(sd) {
		t.Errorf("security descriptor: %v, %v", back, err)
	}
	if got := FromList(nil); got != nil {
		t.Errorf("FromList(nil) = %v, want nil", got)
	}
	for name, bad := range map[string]*batonv1.PropertyList{
		"value without a kind":     {Properties: []*batonv1.Property{{Name: "x", Values: []*batonv1.Value{{}}}}},
		"property without a value": {Properties: []*batonv1.Property{{Name: "x"}}},
		"property without a name":  {Properties: []*batonv1.Property{{Values: []*batonv1.Value{{Kind: &batonv1.Value_Dword{Dword: 1}}}}}},
		"word over 65535":          {Properties: []*batonv1.Property{{Name: "x", Values: []*batonv1.Value{{Kind: &batonv1.Value_Word{Word: 70000}}}}}},
		"raw of an unknown syntax": {Properties: []*batonv1.Property{{Name: "x", Values: []*batonv1.Value{{Kind: &batonv1.Value_Raw{Raw: &batonv1.RawValue{Syntax: 0x12345678, Data: []byte{1}}}}}}}},
		"raw DWORD of 3 bytes":     {Properties: []*batonv1.Property{{Name: "x", Values: []*batonv1.Value{{Kind: &batonv1.Value_Raw{Raw: &batonv1.RawValue{Syntax: uint32(proplist.SyntaxDiskSignature), Data: []byte{1, 2, 3}}}}}}}},
		"raw SZ without its NUL":   {Properties: []*batonv1.Property{{Name: "x", Values: []*batonv1.Value{{Kind: &batonv1.Value_Raw{Raw: &batonv1.RawValue{Syntax: uint32(proplist.SyntaxDiskGUID), Data: []byte{'a', 0}}}}}}}},
		"raw SZ of odd length":     {Properties: []*batonv1.Property{{Name: "x", Values: []*batonv1.Value{{Kind: &batonv1.Value_Raw{Raw: &batonv1.RawValue{Syntax: uint32(proplist.SyntaxExpandedSZ), Data: []byte{'a', 0, 0}}}}}}}},
		"raw ENDMARK":              {Properties: []*batonv1.Property{{Name: "x", Values: []*batonv1.Value{{Kind: &batonv1.Value_Raw{Raw: &batonv1.RawValue{Syntax: 0, Data: nil}}}}}}},
	} {
		if _, err := ToList(bad); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
