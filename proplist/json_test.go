package proplist

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestMarshalJSON(t *testing.T) {
	tests := []struct {
		name string
		list List
		want string
	}{
		{"nil", nil, `[]`},
		{"empty", List{}, `[]`},
		{"vm", vmList(1), `[{"name":"Virtual Machine","type":"dword","value":1},{"name":"Virtual Machine Configuration","type":"dword","value":1}]`},
		{"kinds", List{
			{Name: "X", Values: []Value{MultiSZ("a", "b")}},
			{Name: "Y", Values: []Value{MultiSZ()}},
			{Name: "B", Values: []Value{Binary([]byte{0x0a, 0x0b})}},
			{Name: "U", Values: []Value{ULarge(18446744073709551615)}},
			{Name: "L", Values: []Value{Large(-9223372036854775808)}},
			{Name: "S", Values: []Value{SZ("q\"<")}},
			{Name: "D", Values: []Value{{Syntax: SyntaxDiskSize, Uint: 3}}},
		}, `[{"name":"X","type":"multi_sz","value":["a","b"]},{"name":"Y","type":"multi_sz","value":[]},` +
			`{"name":"B","type":"binary","value":"0a0b"},{"name":"U","type":"ularge","value":18446744073709551615},` +
			`{"name":"L","type":"large","value":-9223372036854775808},{"name":"S","type":"sz","value":"q\"\u003c"},` +
			`{"name":"D","type":"syntax:0x000C0006","value":3}]`},
		{"nested and multi-valued", List{
			{Name: "N", Values: []Value{Nested(List{{Name: "I", Values: []Value{Word(2)}}})}},
			{Name: "M", Values: []Value{ExpandSZ("%T%"), ExpandedSZ("C:")}},
		}, `[{"name":"N","type":"property_list","value":[{"name":"I","type":"word","value":2}]},` +
			`{"name":"M","values":[{"type":"expand_sz","value":"%T%"},{"type":"expanded_sz","value":"C:"}]}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.list)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.want {
				t.Errorf("got  %s\nwant %s", b, tt.want)
			}
			got, err := ParseJSON(b)
			if err != nil {
				t.Fatalf("ParseJSON: %v", err)
			}
			if !got.Equal(tt.list) {
				t.Errorf("round trip %+v, want %+v", got, tt.list)
			}
		})
	}
}

func TestJSONRoundTripRich(t *testing.T) {
	l := richList()
	b, err := json.MarshalIndent(l, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	var got List
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if !got.Equal(l) {
		t.Errorf("round trip differs:\n%s", b)
	}
	// Inside another structure, too.
	type wrapper struct {
		Props List `json:"props"`
	}
	b, err = json.Marshal(wrapper{l})
	if err != nil {
		t.Fatal(err)
	}
	var w wrapper
	if err := json.Unmarshal(b, &w); err != nil || !w.Props.Equal(l) {
		t.Errorf("wrapped round trip: %v", err)
	}
	// null leaves the list alone.
	w.Props = vmList(1)
	if err := json.Unmarshal([]byte(`{"props":null}`), &w); err != nil || !w.Props.Equal(vmList(1)) {
		t.Errorf("null: %v, %+v", err, w.Props)
	}
}

func TestParseJSONInput(t *testing.T) {
	tests := []struct {
		in   string
		want List
	}{
		{`[]`, List{}},
		{` [ {"name":"A","type":"dword","value":1} ] `, List{{Name: "A", Values: []Value{DWORD(1)}}}},
		{`[{"name":"A","type":"DWORD","value":"0x10"}]`, List{{Name: "A", Values: []Value{DWORD(16)}}}},
		{`[{"name":"A","type":"ularge","value":18446744073709551615}]`, List{{Name: "A", Values: []Value{ULarge(18446744073709551615)}}}},
		{`[{"name":"A","type":"filetime","value":"133485408000000000"}]`, List{{Name: "A", Values: []Value{FileTime(133485408000000000)}}}},
		{`[{"name":"A","type":"long","value":-1}]`, List{{Name: "A", Values: []Value{Long(-1)}}}},
		{`[{"name":"A","type":"binary","value":"0x0A"}]`, List{{Name: "A", Values: []Value{Binary([]byte{10})}}}},
		{`[{"name":"A","type":"syntax:0x000b0003","value":"{g}"}]`, List{{Name: "A", Values: []Value{{Syntax: SyntaxDiskGUID, Str: "{g}"}}}}},
		{`[{"name":"A","values":[{"type":"sz","value":"x"}]}]`, List{{Name: "A", Values: []Value{SZ("x")}}}},
		{`[{"value":1,"type":"dword","name":"A"}]`, List{{Name: "A", Values: []Value{DWORD(1)}}}},
	}
	for _, tt := range tests {
		got, err := ParseJSON([]byte(tt.in))
		if err != nil {
			t.Errorf("ParseJSON(%s): %v", tt.in, err)
			continue
		}
		if !got.Equal(tt.want) {
			t.Errorf("ParseJSON(%s) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func TestParseJSONErrors(t *testing.T) {
	deep := `[{"name":"leaf","type":"dword","value":1}]`
	for range MaxDepth + 1 {
		deep = `[{"name":"n","type":"property_list","value":` + deep + `}]`
	}
	tests := []struct {
		in   string
		want string
	}{
		{``, "proplist: JSON: unexpected end of JSON input"},
		{`[`, "unexpected end"},
		{`null`, "want an array of properties, got null"},
		{`{"name":"A","type":"dword","value":1}`, "want an array of properties, got an object"},
		{`[1]`, "property 1: want an object"},
		{`[{"type":"dword","value":1}]`, `property 1: missing "name"`},
		{`[{"name":"A","type":"dword"}]`, `property 1 ("A"): missing "value"`},
		{`[{"name":"A","value":1}]`, `missing "type"`},
		{`[{"name":"A"}]`, "no values"},
		{`[{"name":"A","values":[]}]`, "no values"},
		{`[{"name":"A","type":"dword","value":1,"values":[{"type":"dword","value":1}]}]`, "both"},
		{`[{"name":"A","type":"dword","value":1,"extra":2}]`, `property 1 ("A"): json: unknown field "extra"`},
		{`[{"name":"A","type":"foo","value":1}]`, `unknown type "foo" (want dword, long, word`},
		{`[{"name":"A","type":"syntax:0x00040003","value":"x"}]`, `unknown type "syntax:0x00040003"`},
		{`[{"name":"A","type":"dword","value":1.5}]`, `invalid dword "1.5"`},
		{`[{"name":"A","type":"dword","value":1e3}]`, `invalid dword "1e3"`},
		{`[{"name":"A","type":"dword","value":-1}]`, `invalid dword "-1"`},
		{`[{"name":"A","type":"dword","value":4294967296}]`, "invalid dword"},
		{`[{"name":"A","type":"word","value":65536}]`, "invalid word"},
		{`[{"name":"A","type":"long","value":2147483648}]`, "invalid long"},
		{`[{"name":"A","type":"dword","value":true}]`, "dword value: want a number, got a boolean"},
		{`[{"name":"A","type":"dword","value":null}]`, "want a number, got null"},
		{`[{"name":"A","type":"sz","value":1}]`, "sz value: want a string, got a number"},
		{`[{"name":"A","type":"sz","value":"a\u0000"}]`, "contains a NUL"},
		{`[{"name":"A\u0000","type":"sz","value":"a"}]`, "name contains a NUL"},
		{`[{"name":"A","type":"binary","value":"abc"}]`, "invalid binary"},
		{`[{"name":"A","type":"multi_sz","value":"a"}]`, "want an array of strings"},
		{`[{"name":"A","type":"multi_sz","value":[1]}]`, "want an array of strings"},
		{`[{"name":"A","type":"multi_sz","value":["a",""]}]`, "multi_sz string 2 is empty"},
		{`[{"name":"A","type":"property_list","value":{}}]`, "want an array of properties, got an object"},
		{`[{"name":"A","type":"property_list","value":[{"name":"B","type":"dword","value":"x"}]}]`, `property 1 ("A"): property_list: property 1 ("B"): invalid dword "x"`},
		{`[{"name":"A","values":[1]}]`, "value 1: want an object"},
		{`[{"name":"A","values":[{"type":"dword"}]}]`, `value 1: missing "value"`},
		{`[{"name":"A","values":[{"value":1}]}]`, `value 1: missing "type"`},
		{`[{"name":"A","values":[{"type":"dword","value":1,"x":1}]}]`, `value 1: json: unknown field "x"`},
		{`[{"name":"A","values":[{"type":"dword","value":1},{"type":"dword","value":-1}]}]`, `value 2: invalid dword`},
		{deep, "nested deeper than 16"},
	}
	for _, tt := range tests {
		_, err := ParseJSON([]byte(tt.in))
		if err == nil {
			t.Errorf("ParseJSON(%s) succeeded", tt.in)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "proplist: JSON: ") {
			t.Errorf("ParseJSON(%s) = %q, want it to contain %q", tt.in, err, tt.want)
		}
		var l List
		if err := json.Unmarshal([]byte(tt.in), &l); err == nil && tt.in != "null" {
			t.Errorf("json.Unmarshal(%s) succeeded", tt.in)
		}
	}
}

func TestMarshalJSONErrors(t *testing.T) {
	deep := List{{Name: "leaf", Values: []Value{DWORD(1)}}}
	for range MaxDepth + 1 {
		deep = List{{Name: "n", Values: []Value{Nested(deep)}}}
	}
	tests := []struct {
		name string
		list List
		want string
	}{
		{"structural syntax", List{{Name: "A", Values: []Value{{Syntax: SyntaxName}}}}, "not a value syntax"},
		{"unknown syntax", List{{Name: "A", Values: []Value{{Syntax: 0x00010010}}}}, "not a value syntax"},
		{"too deep", deep, "nested deeper than 16"},
		// Whatever ParseJSON would refuse or read back differently.
		{"no values", List{{Name: "E"}}, `property 1 ("E"): no values`},
		{"NUL in a name", List{{Name: "a\x00b", Values: []Value{DWORD(1)}}}, "name contains a NUL"},
		{"NUL in an sz", List{{Name: "A", Values: []Value{SZ("a\x00b")}}}, "LIST_VALUE_SZ contains a NUL"},
		{"NUL in an expand_sz", List{{Name: "A", Values: []Value{ExpandSZ("\x00")}}}, "contains a NUL"},
		{"empty multi_sz string", List{{Name: "A", Values: []Value{MultiSZ("a", "")}}}, "MULTI_SZ string 2 is empty"},
		{"NUL in a multi_sz string", List{{Name: "A", Values: []Value{MultiSZ("a\x00")}}}, "MULTI_SZ string 1 contains a NUL"},
		{"invalid UTF-8", List{{Name: "A", Values: []Value{SZ("\xff")}}}, "not valid UTF-8"},
		{"DWORD out of range", List{{Name: "A", Values: []Value{{Syntax: SyntaxDWORD, Uint: 1 << 32}}}}, "out of range"},
		{"nested problem", List{{Name: "N", Values: []Value{DWORD(1), Nested(List{{Name: "I", Values: []Value{SZ("\x00")}}})}}},
			`property 1 ("N"): value 2: property 1 ("I"): LIST_VALUE_SZ contains a NUL`},
	}
	for _, tt := range tests {
		if _, err := json.Marshal(tt.list); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: json.Marshal error %v, want %q", tt.name, err, tt.want)
		}
	}
}
