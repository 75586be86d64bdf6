package proplist

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzUnmarshal checks that Unmarshal never panics, that every error is a
// *DecodeError within the input, and that anything it decodes validates,
// re-encodes (in both forms and as JSON) to an equal list, and has a
// canonical encoding.
func FuzzUnmarshal(f *testing.F) {
	tv3 := mustHex(f, tv3Hex)
	single := mustHex(f, tv3SingleHex)
	seeds := [][]byte{
		tv3,
		append(bytes.Clone(tv3), 0, 0, 0, 0),
		single,
		append(bytes.Clone(single), 0, 0, 0, 0),
		richList().Marshal(),
		richList().MarshalCompact(),
		vmList(4).Marshal(),
		le32(0),
		make([]byte, 8),
		nil,
		put(tv3, 0, 3),
		put(tv3, 44, 0x0001000E),
		nestedDepth(MaxDepth),
		nestedDepth(MaxDepth + 1),
		one(0x00010005, []byte{'a', 0, 0, 0, 0, 0, 'b', 0, 0, 0, 0, 0}),
		one(0x00010003, []byte{0x00, 0xD8, 'a', 0, 0, 0}),
		one(0x0001000E, make([]byte, 8)),
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := Unmarshal(b)
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) || !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v (%T) is not a *DecodeError matching ErrMalformed", err, err)
			}
			if de.Offset < 0 || de.Offset > len(b) {
				t.Fatalf("offset %d outside input of %d bytes", de.Offset, len(b))
			}
			if l != nil {
				t.Fatal("list returned with an error")
			}
			return
		}
		if err := l.Validate(); err != nil {
			t.Fatalf("decoded list does not validate: %v", err)
		}
		full := l.Marshal()
		for _, enc := range [][]byte{full, l.MarshalCompact()} {
			l2, err := Unmarshal(enc)
			if err != nil {
				t.Fatalf("re-encoded list does not decode: %v\ninput %x\nencoded %x", err, b, enc)
			}
			if !l2.Equal(l) {
				t.Fatalf("re-encoded list differs\n got %+v\nwant %+v", l2, l)
			}
			if again := l2.Marshal(); !bytes.Equal(again, full) {
				t.Fatalf("encoding is not canonical:\n%x\n%x", again, full)
			}
		}
		js, err := l.MarshalJSON()
		if err != nil {
			t.Fatalf("MarshalJSON: %v", err)
		}
		l3, err := ParseJSON(js)
		if err != nil {
			t.Fatalf("ParseJSON(MarshalJSON()): %v\n%s", err, js)
		}
		if !l3.Equal(l) {
			t.Fatalf("JSON round trip differs:\n%s", js)
		}
	})
}
