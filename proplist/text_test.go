package proplist

import (
	"strings"
	"testing"
)

func TestParseParam(t *testing.T) {
	tests := []struct {
		in   string
		want Value
		name string // expected name; "Virtual Machine" if empty
	}{
		{in: "Virtual Machine=dword:1", want: DWORD(1)},
		{in: "Virtual Machine=DWORD:0xFFFFFFFF", want: DWORD(0xFFFFFFFF)},
		{in: "Virtual Machine=dword:4294967295", want: DWORD(4294967295)},
		{in: "Virtual Machine=dword:010", want: DWORD(10)},
		{in: "Virtual Machine=word:65535", want: Word(65535)},
		{in: "Virtual Machine=word:0xffff", want: Word(0xffff)},
		{in: "Virtual Machine=long:-2147483648", want: Long(-2147483648)},
		{in: "Virtual Machine=long:2147483647", want: Long(2147483647)},
		{in: "Virtual Machine=long:-0x10", want: Long(-16)},
		{in: "Virtual Machine=long:+5", want: Long(5)},
		{in: "Virtual Machine=ularge:18446744073709551615", want: ULarge(18446744073709551615)},
		{in: "Virtual Machine=large:-9223372036854775808", want: Large(-9223372036854775808)},
		{in: "Virtual Machine=large:0x7fffffffffffffff", want: Large(0x7fffffffffffffff)},
		{in: "Virtual Machine=filetime:133485408000000000", want: FileTime(133485408000000000)},
		{in: "Virtual Machine=sz:a=b:c", want: SZ("a=b:c")},
		{in: "Virtual Machine=sz:", want: SZ("")},
		{in: "Virtual Machine=sz: spaced ", want: SZ(" spaced ")},
		{in: "Virtual Machine=expand_sz:%SystemRoot%", want: ExpandSZ("%SystemRoot%")},
		{in: "Virtual Machine=expanded_sz:C:\\", want: ExpandedSZ("C:\\")},
		{in: "Virtual Machine=multi_sz:a;b;c d", want: MultiSZ("a", "b", "c d")},
		{in: "Virtual Machine=multi_sz:", want: MultiSZ()},
		{in: "Virtual Machine=binary:0a0B", want: Binary([]byte{0x0a, 0x0b})},
		{in: "Virtual Machine=binary:0x0a0b", want: Binary([]byte{0x0a, 0x0b})},
		{in: "Virtual Machine=binary:", want: Binary(nil)},
		{in: "Virtual Machine=security_descriptor:01000480", want: SecurityDescriptor([]byte{1, 0, 4, 0x80})},
		{in: `Virtual Machine=property_list:[{"name":"x","type":"dword","value":2}]`, want: Nested(List{{Name: "x", Values: []Value{DWORD(2)}}})},
		{in: "Virtual Machine=syntax:0x000C0006:1024", want: Value{Syntax: SyntaxDiskSize, Uint: 1024}},
		{in: "Virtual Machine=syntax:0x000b0003:{guid}", want: Value{Syntax: SyntaxDiskGUID, Str: "{guid}"}},
		{in: "Virtual Machine=syntax:0x00010002:7", want: DWORD(7)},
		{in: " spaced name =dword:1", want: DWORD(1), name: " spaced name "},
	}
	for _, tt := range tests {
		p, err := ParseParam(tt.in)
		if err != nil {
			t.Errorf("ParseParam(%q): %v", tt.in, err)
			continue
		}
		name := tt.name
		if name == "" {
			name = "Virtual Machine"
		}
		want := Property{Name: name, Values: []Value{tt.want}}
		if !p.Equal(want) {
			t.Errorf("ParseParam(%q) = %+v, want %+v", tt.in, p, want)
		}
	}
}

func TestParseParamErrors(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"Virtual Machine", `proplist: bad parameter "Virtual Machine": missing '='`},
		{"=dword:1", "empty property name"},
		{"X=1", `missing KIND: before the value (want NAME=KIND:VALUE, for example "X=dword:1")`},
		{"X=foo:1", `proplist: bad parameter "X=foo:1": unknown kind "foo" (want dword, long, word, sz, expand_sz, multi_sz, binary, ularge, large, filetime`},
		{"X=dword:", `invalid dword ""`},
		{"X=dword:-1", "invalid dword"},
		{"X=dword:4294967296", "from 0 to 4294967295"},
		{"X=dword:0x100000000", "invalid dword"},
		{"X=dword:1_000", "invalid dword"},
		{"X=dword:0o17", "invalid dword"},
		{"X=dword: 1", "invalid dword"},
		{"X=dword:0x", "invalid dword"},
		{"X=dword:1.5", "invalid dword"},
		{"X=word:65536", "from 0 to 65535"},
		{"X=long:2147483648", "invalid long \"2147483648\" (want a decimal or 0x-prefixed hex number from -2147483648 to 2147483647)"},
		{"X=long:-2147483649", "invalid long"},
		{"X=long:0xFFFFFFFF", "invalid long"},
		{"X=long:--1", "invalid long"},
		{"X=long:-", "invalid long"},
		{"X=large:9223372036854775808", "invalid large"},
		{"X=ularge:18446744073709551616", "invalid ularge"},
		{"X=filetime:-1", "invalid filetime"},
		{"X=binary:abc", "invalid binary"},
		{"X=binary:zz", "invalid binary"},
		{"X=multi_sz:a;;b", "multi_sz string 2 is empty"},
		{"X=multi_sz:a;", "multi_sz string 2 is empty"},
		{"X=sz:a\x00b", "contains a NUL"},
		{"X\x00=sz:a", "name contains a NUL"},
		{"X=sz:\xff", "not valid UTF-8"},
		{"X=property_list:{}", "invalid property_list: JSON: want an array"},
		{"X=syntax:0x00010002", "missing ':' after the syntax number"},
		{"X=syntax:zz:1", `invalid syntax number "zz"`},
		{"X=syntax:0x00040003:a", "syntax NAME is not a value syntax"},
		{"X=syntax:0x00010010:1", "is not a value syntax"},
	}
	for _, tt := range tests {
		_, err := ParseParam(tt.in)
		if err == nil {
			t.Errorf("ParseParam(%q) succeeded", tt.in)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "proplist: bad parameter ") {
			t.Errorf("ParseParam(%q) = %q, want it to contain %q", tt.in, err, tt.want)
		}
	}
}

func TestFormatParamRoundTrip(t *testing.T) {
	tests := []struct {
		prop Property
		text string
	}{
		{Property{Name: "Virtual Machine", Values: []Value{DWORD(1)}}, "Virtual Machine=dword:1"},
		{Property{Name: "L", Values: []Value{Long(-5)}}, "L=long:-5"},
		{Property{Name: "W", Values: []Value{Word(9)}}, "W=word:9"},
		{Property{Name: "U", Values: []Value{ULarge(1 << 63)}}, "U=ularge:9223372036854775808"},
		{Property{Name: "G", Values: []Value{Large(-1)}}, "G=large:-1"},
		{Property{Name: "F", Values: []Value{FileTime(12)}}, "F=filetime:12"},
		{Property{Name: "S", Values: []Value{SZ("a=b:c")}}, "S=sz:a=b:c"},
		{Property{Name: "S", Values: []Value{SZ("")}}, "S=sz:"},
		{Property{Name: "E", Values: []Value{ExpandSZ("%X%")}}, "E=expand_sz:%X%"},
		{Property{Name: "D", Values: []Value{ExpandedSZ("x")}}, "D=expanded_sz:x"},
		{Property{Name: "M", Values: []Value{MultiSZ("a", "b")}}, "M=multi_sz:a;b"},
		{Property{Name: "M", Values: []Value{MultiSZ()}}, "M=multi_sz:"},
		{Property{Name: "B", Values: []Value{Binary([]byte{0xde, 0xad})}}, "B=binary:dead"},
		{Property{Name: "SD", Values: []Value{SecurityDescriptor([]byte{1})}}, "SD=security_descriptor:01"},
		{Property{Name: "N", Values: []Value{Nested(List{{Name: "x", Values: []Value{DWORD(2)}}})}}, `N=property_list:[{"name":"x","type":"dword","value":2}]`},
		{Property{Name: "Size", Values: []Value{{Syntax: SyntaxDiskSize, Uint: 5}}}, "Size=syntax:0x000C0006:5"},
		{Property{Name: "P", Values: []Value{{Syntax: SyntaxPartitionInfo, Bytes: []byte{1}}}}, "P=syntax:0x00080001:01"},
		{Property{Name: "GUID", Values: []Value{{Syntax: SyntaxDiskGUID, Str: "{x}"}}}, "GUID=syntax:0x000B0003:{x}"},
	}
	for _, tt := range tests {
		if got := FormatParam(tt.prop); got != tt.text {
			t.Errorf("FormatParam(%+v) = %q, want %q", tt.prop, got, tt.text)
		}
		p, err := ParseParam(tt.text)
		if err != nil {
			t.Errorf("ParseParam(%q): %v", tt.text, err)
			continue
		}
		if !p.Equal(tt.prop) {
			t.Errorf("ParseParam(FormatParam(p)) = %+v, want %+v", p, tt.prop)
		}
	}
}

func TestFormatParamMultiValued(t *testing.T) {
	p := Property{Name: "Path", Values: []Value{ExpandSZ("%T%"), ExpandedSZ("C:")}}
	if got, want := FormatParam(p), "Path=expand_sz:%T%, expanded_sz:C:"; got != want {
		t.Errorf("FormatParam = %q, want %q", got, want)
	}
}

func TestParseParams(t *testing.T) {
	l, err := ParseParams([]string{"Virtual Machine=dword:1", "Virtual Machine Configuration=dword:1"})
	if err != nil {
		t.Fatal(err)
	}
	if !l.Equal(vmList(1)) {
		t.Errorf("ParseParams = %+v", l)
	}
	if l, err := ParseParams(nil); err != nil || len(l) != 0 {
		t.Errorf("ParseParams(nil) = %v, %v", l, err)
	}
	errs := []struct {
		in   []string
		want string
	}{
		{[]string{"A=dword:1", "A=dword:2"}, `proplist: bad parameter "A=dword:2": property "A" given twice`},
		{[]string{"A=dword:1", "a=sz:x"}, `property "a" given twice`},
		{[]string{"A=dword:1", "B=nope:x"}, `bad parameter "B=nope:x": unknown kind "nope"`},
	}
	for _, tt := range errs {
		if _, err := ParseParams(tt.in); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseParams(%q) = %v, want error containing %q", tt.in, err, tt.want)
		}
	}
}

func TestKindAndText(t *testing.T) {
	tests := []struct {
		v          Value
		kind, text string
	}{
		{DWORD(1), "dword", "1"},
		{Value{Syntax: SyntaxResClass, Uint: 1}, "syntax:0x00020002", "1"},
		{Value{Syntax: 0x00010010, Bytes: []byte{1}}, "syntax:0x00010010", "01"},
		{Value{Syntax: SyntaxEndmark}, "syntax:0x00000000", ""},
	}
	for _, tt := range tests {
		if got := tt.v.Kind(); got != tt.kind {
			t.Errorf("%v.Kind() = %q, want %q", tt.v.Syntax, got, tt.kind)
		}
		if got := tt.v.Text(); got != tt.text {
			t.Errorf("%v.Text() = %q, want %q", tt.v.Syntax, got, tt.text)
		}
	}
}
