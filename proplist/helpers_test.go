package proplist

import (
	"encoding/binary"
	"encoding/hex"
	"testing"
	"unicode/utf16"
)

// Test vectors of the property-list byte format ([MS-CMRP] 2.2.3.10).
const (
	// tv3Hex is TV3: "Virtual Machine" = DWORD 1 and "Virtual Machine
	// Configuration" = DWORD 1, no trailing list end mark, 144 bytes.
	tv3Hex = "0200000003000400200000005600690072007400750061006c0020004d0061006300680069006e006500000002000100040000000100000000000000030004003c0000005600690072007400750061006c0020004d0061006300680069006e006500200043006f006e00660069006700750072006100740069006f006e00000002000100040000000100000000000000"
	// tv3SingleHex is the single-entry variant ("Virtual Machine" = 1), 60 bytes.
	tv3SingleHex = "0100000003000400200000005600690072007400750061006c0020004d0061006300680069006e006500000002000100040000000100000000000000"
)

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("bad hex in test: %v", err)
	}
	return b
}

func vmList(action uint32) List {
	return List{
		{Name: "Virtual Machine", Values: []Value{DWORD(action)}},
		{Name: "Virtual Machine Configuration", Values: []Value{DWORD(action)}},
	}
}

// wb is a hand-rolled writer for building expected and malformed inputs
// independently of the encoder under test.
type wb struct{ b []byte }

func (w *wb) u32(v uint32) *wb {
	w.b = binary.LittleEndian.AppendUint32(w.b, v)
	return w
}

func (w *wb) raw(b ...byte) *wb {
	w.b = append(w.b, b...)
	return w
}

// entry writes syntax, cbLength = len(data), data and zero padding.
func (w *wb) entry(syn uint32, data []byte) *wb {
	w.u32(syn).u32(uint32(len(data)))
	w.b = append(w.b, data...)
	for len(w.b)%4 != 0 {
		w.b = append(w.b, 0)
	}
	return w
}

func (w *wb) name(s string) *wb { return w.entry(0x00040003, utf16z(s)) }

func (w *wb) end() *wb { return w.u32(0) }

// utf16z returns s as UTF-16LE followed by a NUL.
func utf16z(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = binary.LittleEndian.AppendUint16(b, u)
	}
	return append(b, 0, 0)
}

func le32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }

// richList holds every value syntax of the reference table, multi-valued
// and nested properties, and names and strings that need padding.
func richList() List {
	return List{
		{Name: "IgnorePersistentStateOnStartup", Values: []Value{DWORD(1)}},
		{Name: "Long", Values: []Value{Long(-2147483648)}},
		{Name: "Word", Values: []Value{Word(0xBEEF)}},
		{Name: "SZ", Values: []Value{SZ("hello, world")}},
		{Name: "EmptySZ", Values: []Value{SZ("")}},
		{Name: "Path", Values: []Value{ExpandSZ(`%SystemRoot%\x`), ExpandedSZ(`C:\Windows\x`)}},
		{Name: "Multi", Values: []Value{MultiSZ("node1", "node2", "ä€😀")}},
		{Name: "EmptyMulti", Values: []Value{MultiSZ()}},
		{Name: "Bin3", Values: []Value{Binary([]byte{1, 2, 3})}},
		{Name: "Bin0", Values: []Value{Binary(nil)}},
		{Name: "SD", Values: []Value{SecurityDescriptor([]byte{1, 0, 4, 0x80, 0, 0, 0, 0})}},
		{Name: "ULarge", Values: []Value{ULarge(1<<64 - 1)}},
		{Name: "Large", Values: []Value{Large(-1 << 63)}},
		{Name: "FileTime", Values: []Value{FileTime(133485408000000000)}},
		{Name: "Nested", Values: []Value{Nested(List{
			{Name: "Inner", Values: []Value{DWORD(7), SZ("x")}},
			{Name: "Deeper", Values: []Value{Nested(List{{Name: "Leaf", Values: []Value{Word(1)}}})}},
		})}},
		{Name: "EmptyNested", Values: []Value{Nested(nil)}},
		{Name: "", Values: []Value{DWORD(0)}},
		{Name: "Disk", Values: []Value{
			{Syntax: SyntaxResClass, Uint: 1},
			{Syntax: SyntaxDiskSignature, Uint: 0x12345678},
			{Syntax: SyntaxSCSIAddress, Uint: 0x01000203},
			{Syntax: SyntaxDiskNumber, Uint: 3},
			{Syntax: SyntaxPartitionInfo, Bytes: []byte{1, 2, 3, 4, 5}},
			{Syntax: SyntaxFTSetInfo, Bytes: []byte{9}},
			{Syntax: SyntaxDiskSerialNumber, Str: "WD-123"},
			{Syntax: SyntaxDiskGUID, Str: "{6f1c2d3e-0000-0000-0000-000000000000}"},
			{Syntax: SyntaxDiskSize, Uint: 1 << 40},
			{Syntax: SyntaxPartitionInfoEx, Bytes: []byte{1, 2}},
			{Syntax: SyntaxPartitionInfoEx2, Bytes: []byte{1, 2, 3, 4}},
			{Syntax: SyntaxStorageDeviceIDDescriptor, Bytes: []byte{0xff}},
		}},
	}
}
