package proplist

import (
	"bytes"
	"encoding/binary"
	"testing"
)

func TestReferenceVectors(t *testing.T) {
	tests := []struct {
		name    string
		hex     string
		wantLen int
		list    List
	}{
		{"TV3", tv3Hex, 144, vmList(1)},
		{"single entry", tv3SingleHex, 60, List{{Name: "Virtual Machine", Values: []Value{DWORD(1)}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vec := mustHex(t, tt.hex)
			if len(vec) != tt.wantLen {
				t.Fatalf("vector is %d bytes, want %d", len(vec), tt.wantLen)
			}
			withMark := append(bytes.Clone(vec), 0, 0, 0, 0)

			if got := tt.list.MarshalCompact(); !bytes.Equal(got, vec) {
				t.Errorf("MarshalCompact =\n%x\nwant\n%x", got, vec)
			}
			if got := tt.list.Marshal(); !bytes.Equal(got, withMark) {
				t.Errorf("Marshal =\n%x\nwant\n%x", got, withMark)
			}
			for _, in := range [][]byte{vec, withMark} {
				got, err := Unmarshal(in)
				if err != nil {
					t.Fatalf("Unmarshal(%d bytes): %v", len(in), err)
				}
				if !got.Equal(tt.list) {
					t.Errorf("Unmarshal(%d bytes) = %+v, want %+v", len(in), got, tt.list)
				}
				for _, p := range tt.list {
					if v, ok := got.DWORD(p.Name); !ok || v != 1 {
						t.Errorf("DWORD(%q) = %d, %v; want 1, true", p.Name, v, ok)
					}
				}
			}
		})
	}
}

// TestReferenceVectorSubstitution substitutes the value DWORDs at byte
// offsets 52 and 136, as §4.4 describes, for the other VM_RESDLL_CONTEXT
// values (0 turn off, 2 shutdown, 3 forced shutdown, 4 live migration).
func TestReferenceVectorSubstitution(t *testing.T) {
	for _, action := range []uint32{0, 1, 2, 3, 4} {
		vec := mustHex(t, tv3Hex)
		binary.LittleEndian.PutUint32(vec[52:], action)
		binary.LittleEndian.PutUint32(vec[136:], action)
		if got := vmList(action).MarshalCompact(); !bytes.Equal(got, vec) {
			t.Errorf("action %d: MarshalCompact =\n%x\nwant\n%x", action, got, vec)
		}
		l, err := Unmarshal(vec)
		if err != nil {
			t.Fatalf("action %d: %v", action, err)
		}
		if !l.Equal(vmList(action)) {
			t.Errorf("action %d: decoded %+v", action, l)
		}

		single := mustHex(t, tv3SingleHex)
		binary.LittleEndian.PutUint32(single[52:], action)
		want := List{{Name: "Virtual Machine", Values: []Value{DWORD(action)}}}
		if got := want.MarshalCompact(); !bytes.Equal(got, single) {
			t.Errorf("action %d single: MarshalCompact =\n%x\nwant\n%x", action, got, single)
		}
	}
}
