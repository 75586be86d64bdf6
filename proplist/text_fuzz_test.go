package proplist

import (
	"testing"
)

// FuzzParseParam checks that ParseParam never panics and that what it
// accepts validates and survives FormatParam and Marshal.
func FuzzParseParam(f *testing.F) {
	for _, s := range []string{
		"Virtual Machine=dword:1", "X=long:-0x80000000", "X=multi_sz:a;b", "X=binary:0x0a",
		"X=sz:a=b:c", "X=syntax:0x000C0006:5", `X=property_list:[{"name":"a","type":"word","value":1}]`,
		"X=ularge:0xffffffffffffffff", "X=foo:1", "=", "X=dword:",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParseParam(s)
		if err != nil {
			return
		}
		l := List{p}
		if err := l.Validate(); err != nil {
			t.Fatalf("ParseParam(%q) does not validate: %v", s, err)
		}
		p2, err := ParseParam(FormatParam(p))
		if err != nil || !p2.Equal(p) {
			t.Fatalf("FormatParam round trip of %q: %v (%q)", s, err, FormatParam(p))
		}
		if l2, err := Unmarshal(l.Marshal()); err != nil || !l2.Equal(l) {
			t.Fatalf("binary round trip of %q: %v", s, err)
		}
	})
}

// FuzzParseJSON checks that ParseJSON never panics and that what it accepts
// validates and survives MarshalJSON and Marshal.
// jsonSeeds start the JSON fuzz tests.
var jsonSeeds = []string{
	`[{"name":"Virtual Machine","type":"dword","value":1}]`,
	`[{"name":"M","values":[{"type":"expand_sz","value":"%T%"},{"type":"expanded_sz","value":"C:"}]}]`,
	`[{"name":"N","type":"property_list","value":[{"name":"B","type":"binary","value":"0a"}]}]`,
	`[{"name":"X","type":"multi_sz","value":["a","b"]}]`,
	`[{"name":"U","type":"ularge","value":18446744073709551615}]`,
	`[{"name":"L","type":"long","value":-5}]`,
	`[]`, `null`, `{}`,
}

func FuzzParseJSON(f *testing.F) {
	for _, s := range jsonSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := ParseJSON(b)
		if err != nil {
			return
		}
		if err := l.Validate(); err != nil {
			t.Fatalf("ParseJSON(%s) does not validate: %v", b, err)
		}
		js, err := l.MarshalJSON()
		if err != nil {
			t.Fatalf("MarshalJSON: %v", err)
		}
		if l2, err := ParseJSON(js); err != nil || !l2.Equal(l) {
			t.Fatalf("JSON round trip of %s: %v", b, err)
		}
		if l2, err := Unmarshal(l.Marshal()); err != nil || !l2.Equal(l) {
			t.Fatalf("binary round trip of %s: %v", b, err)
		}
	})
}
