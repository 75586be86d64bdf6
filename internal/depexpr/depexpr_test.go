package depexpr

import (
	"errors"
	"reflect"
	"testing"
)

func TestParse(t *testing.T) {
	good := []struct {
		in   string
		want Expr
		out  string // String() of the result
	}{
		{"", nil, ""},
		{"   ", nil, ""},
		{"[A]", Expr{{"A"}}, "[A]"},
		{"[A] and [B]", Expr{{"A"}, {"B"}}, "[A] and [B]"},
		{"[A] AND [B] And [C]", Expr{{"A"}, {"B"}, {"C"}}, "[A] and [B] and [C]"},
		{"[A] or [B]", Expr{{"A", "B"}}, "[A] or [B]"},
		{"[A] OR [B] or [C]", Expr{{"A", "B", "C"}}, "[A] or [B] or [C]"},
		{"([A] or [B])", Expr{{"A", "B"}}, "[A] or [B]"},
		{"([A] or [B]) and [C]", Expr{{"A", "B"}, {"C"}}, "([A] or [B]) and [C]"},
		{"[C] and ([A] or [B])", Expr{{"C"}, {"A", "B"}}, "[C] and ([A] or [B])"},
		{"([a] or [b]) and ([c] or [d])", Expr{{"a", "b"}, {"c", "d"}}, "([a] or [b]) and ([c] or [d])"},
		{"([A])", Expr{{"A"}}, "[A]"},
		{"([A] and [B]) and [C]", Expr{{"A"}, {"B"}, {"C"}}, "[A] and [B] and [C]"}, // the 2008 page's grammar
		{"[A]and[B]", Expr{{"A"}, {"B"}}, "[A] and [B]"},
		{"\t( [A]\nor [B] )\r\nand [C] ", Expr{{"A", "B"}, {"C"}}, "([A] or [B]) and [C]"},
		{"[IP Address (1)] or [ip-2]", Expr{{"IP Address (1)", "ip-2"}}, "[IP Address (1)] or [ip-2]"},
		{"[ a b ]", Expr{{" a b "}}, "[ a b ]"},
		{"[a904e1b7-95dd-47f0-9b2e-f1007d92699b] or [x]", Expr{{"a904e1b7-95dd-47f0-9b2e-f1007d92699b", "x"}}, "[a904e1b7-95dd-47f0-9b2e-f1007d92699b] or [x]"},
		// Normalized: repeats within a term, and equal terms.
		{"[A] and [A]", Expr{{"A"}}, "[A]"},
		{"([A] or [A]) and [B]", Expr{{"A"}, {"B"}}, "[A] and [B]"},
		{"([A] or [B]) and ([B] or [A])", Expr{{"A", "B"}}, "[A] or [B]"},
		{"([A] or [B]) and ([A] or [C])", Expr{{"A", "B"}, {"A", "C"}}, "([A] or [B]) and ([A] or [C])"},
		{"[Ä] or [日本]", Expr{{"Ä", "日本"}}, "[Ä] or [日本]"},
	}
	for _, c := range good {
		got, err := Parse(c.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.in, err)
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("Parse(%q) = %#v, want %#v", c.in, got, c.want)
		}
		if s := got.String(); s != c.out {
			t.Errorf("Parse(%q).String() = %q, want %q", c.in, s, c.out)
		}
		// Round trip: what String writes reads back the same.
		again, err := Parse(got.String())
		if err != nil || !reflect.DeepEqual(again, got) {
			t.Errorf("round trip of %q: %#v %v, want %#v", got.String(), again, err, got)
		}
	}
	bad := []string{
		"A",
		"[A",
		"[]",
		"[A] and",
		"and [A]",
		"[A] or",
		"[A] [B]",
		"[A] or [B] and [C]",
		"[A] and [B] or [C]",
		"([A] or [B] and [C])",
		"([A] and [B] or [C])",
		"(([A]))",
		"(([A] or [B]) and [C])",
		"()",
		"([A]",
		"[A])",
		"([A] or [B]",
		"[A] xor [B]",
		"[A] && [B]",
		"[A] || [B]",
		"[A] andor [B]",
		"[A], [B]",
		"[A] or ([B] or [C])",
		"[A] and not [B]",
		"[A] \u00e9t [B]",
		")",
		"[A] and ()",
	}
	for _, in := range bad {
		got, err := Parse(in)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Parse(%q) = %#v, %v; want a SyntaxError", in, got, err)
		}
	}
}

func TestExprOperations(t *testing.T) {
	e, err := Parse("([A] or [B]) and [C] and ([B] or [D])")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := e.Names(), []string{"A", "B", "C", "D"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Names = %v, want %v", got, want)
	}
	if e.Plain() {
		t.Error("an expression with an or is not plain")
	}
	if !And([]string{"A", "B"}).Plain() || And(nil) != nil {
		t.Error("And")
	}
	on := func(names ...string) func(string) bool {
		return func(n string) bool {
			for _, m := range names {
				if m == n {
					return true
				}
			}
			return false
		}
	}
	for _, c := range []struct {
		online []string
		want   bool
	}{
		{[]string{"B", "C"}, true},
		{[]string{"A", "C", "D"}, true},
		{[]string{"A", "C"}, false},
		{[]string{"A", "B", "D"}, false},
		{nil, false},
	} {
		if got := e.Satisfied(on(c.online...)); got != c.want {
			t.Errorf("Satisfied with %v online = %v, want %v", c.online, got, c.want)
		}
	}
	if !Expr(nil).Satisfied(on()) {
		t.Error("no expression is satisfied")
	}
	if got := e.Without("B").String(); got != "[A] and [C] and [D]" {
		t.Errorf("Without(B) = %q", got)
	}
	if got := e.Without("C").Without("A").Without("D").String(); got != "[B]" {
		t.Errorf("Without(C, A, D) = %q", got)
	}
	if got := e.Rename("B", "A").String(); got != "[A] and [C] and ([A] or [D])" {
		t.Errorf("Rename(B, A) = %q", got)
	}
	c := e.Clone()
	c[0][0] = "X"
	if e[0][0] != "A" {
		t.Error("Clone shares the terms")
	}
}
