package genericapp

import (
	"errors"
	"slices"
	"testing"
)

func TestSplitCommandLine(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"   \t\n", nil},
		{"/usr/bin/python3 -m http.server 8080", []string{"/usr/bin/python3", "-m", "http.server", "8080"}},
		{"  a   b\tc\nd ", []string{"a", "b", "c", "d"}},
		{`a 'b c' d`, []string{"a", "b c", "d"}},
		{`'it''s'`, []string{"its"}},
		{`'a "b" \c $d'`, []string{`a "b" \c $d`}},
		{`"a 'b' c"`, []string{"a 'b' c"}},
		{`"a \"b\" \\ \$x \` + "`" + `y \n"`, []string{"a \"b\" \\ $x `y \\n"}},
		{`a\ b c\\d \'e`, []string{"a b", `c\d`, "'e"}},
		{"a\\\nb", []string{"ab"}},
		{`x'y'"z"w`, []string{"xyzw"}},
		{`'' "" a`, []string{"", "", "a"}},
		{`--opt='|&;<>()$'`, []string{"--opt=|&;<>()$"}},
		{`a\|b \$HOME`, []string{"a|b", "$HOME"}},
		{"*.txt ~ a=b", []string{"*.txt", "~", "a=b"}},
		{"héllo wörld", []string{"héllo", "wörld"}},
	}
	for _, tc := range tests {
		got, err := SplitCommandLine(tc.in)
		if err != nil {
			t.Errorf("SplitCommandLine(%q): %v", tc.in, err)
			continue
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("SplitCommandLine(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestSplitCommandLineErrors(t *testing.T) {
	tests := []struct {
		in    string
		shell bool // want ErrShellSyntax
	}{
		{`a 'b`, false},
		{`a "b`, false},
		{`a "b\"`, false},
		{`a\`, false},
		{"a | b", true},
		{"a > log", true},
		{"a 2>&1", true},
		{"a; b", true},
		{"a && b", true},
		{"echo $HOME", true},
		{"echo `id`", true},
		{"(a)", true},
	}
	for _, tc := range tests {
		_, err := SplitCommandLine(tc.in)
		if err == nil {
			t.Errorf("SplitCommandLine(%q) accepted", tc.in)
			continue
		}
		if got := errors.Is(err, ErrShellSyntax); got != tc.shell {
			t.Errorf("SplitCommandLine(%q) = %v; ErrShellSyntax %v, want %v", tc.in, err, got, tc.shell)
		}
	}
}

// FuzzSplitCommandLine checks that splitting never panics and that words
// quoted with '…' come back unchanged.
func FuzzSplitCommandLine(f *testing.F) {
	for _, s := range []string{"a b", `'a' "b"`, `a\ b`, `"\$"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = SplitCommandLine(s)
		if slices.Contains([]byte(s), '\'') {
			return
		}
		got, err := SplitCommandLine("'" + s + "' x")
		if err != nil || len(got) != 2 || got[0] != s {
			t.Fatalf("quoted %q split to %q, %v", s, got, err)
		}
	})
}
