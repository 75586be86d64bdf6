// Package depexpr reads and writes resource dependency expressions, the
// strings of SetClusterResourceDependencyExpression and
// GetClusterResourceDependencyExpression: resources in square brackets
// (by name or id), combined with "and" and "or" (either case) and
// parentheses, as ANDs of ORs — Windows supports nothing else.
//
// What Parse accepts is the union of the grammars Microsoft documents
// (the function's page, its 2008 version and [MS-CMRP]
// ApiSetResourceDependencyExpression):
//
//	expression := ""                             (no dependencies)
//	            | resource "or" resource { "or" resource }
//	            | part { "and" part }
//	part       := resource
//	            | "(" resource { "or" resource } ")"
//	            | "(" resource "and" resource { "and" resource } ")"
//	resource   := "[" name-or-id "]"
//
// so "[A] and [B]", "[A] or [B]" and "([A] or [B]) and [C]" are
// expressions, while "[A] or [B] and [C]" (and and or mixed without
// parentheses), "(([A]))" (nested parentheses) and "([A] or [B] and [C])"
// are not. Blanks between tokens do not count; a name is everything
// between "[" and the first "]", blanks included, so a resource whose
// name contains "]" can only be named by its id (ops renders it so).
//
// The package is pure: it knows nothing of which resources exist.
package depexpr

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Expr is an AND of OR terms: a resource with the expression needs at
// least one resource of every term. An empty Expr is no dependency.
type Expr [][]string

// SyntaxError is an expression Parse cannot read: Pos is the byte
// offset where it went wrong.
type SyntaxError struct {
	Expr string
	Pos  int
	Msg  string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("dependency expression %q: %s at offset %d", e.Expr, e.Msg, e.Pos)
}

type tokKind int

const (
	tokEnd tokKind = iota
	tokName
	tokAnd
	tokOr
	tokOpen
	tokClose
)

type token struct {
	kind tokKind
	text string // the name, for tokName
	pos  int
}

func lex(s string) ([]token, error) {
	var out []token
	bad := func(pos int, format string, args ...any) error {
		return &SyntaxError{Expr: s, Pos: pos, Msg: fmt.Sprintf(format, args...)}
	}
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			i++
		case c == '[':
			end := strings.IndexByte(s[i+1:], ']')
			if end < 0 {
				return nil, bad(i, "'[' without ']'")
			}
			if end == 0 {
				return nil, bad(i, "empty resource name")
			}
			out = append(out, token{kind: tokName, text: s[i+1 : i+1+end], pos: i})
			i += end + 2
		case c == '(':
			out = append(out, token{kind: tokOpen, pos: i})
			i++
		case c == ')':
			out = append(out, token{kind: tokClose, pos: i})
			i++
		case c < 0x80 && unicode.IsLetter(rune(c)):
			j := i
			for j < len(s) && s[j] < 0x80 && unicode.IsLetter(rune(s[j])) {
				j++
			}
			switch strings.ToLower(s[i:j]) {
			case "and":
				out = append(out, token{kind: tokAnd, pos: i})
			case "or":
				out = append(out, token{kind: tokOr, pos: i})
			default:
				return nil, bad(i, "%q is neither \"and\" nor \"or\" (resources go in square brackets)", s[i:j])
			}
			i = j
		default:
			r, _ := utf8.DecodeRuneInString(s[i:])
			return nil, bad(i, "unexpected %q", r)
		}
	}
	return append(out, token{kind: tokEnd, pos: len(s)}), nil
}

// Parse reads an expression (see the package doc). The result is
// normalized: a name given twice in one term counts once, and a term
// equal to an earlier one (the same names) is dropped.
func Parse(s string) (Expr, error) {
	toks, err := lex(s)
	if err != nil {
		return nil, err
	}
	p := parser{s: s, toks: toks}
	e, err := p.expression()
	if err != nil {
		return nil, err
	}
	return e.Normalize(), nil
}

type parser struct {
	s    string
	toks []token
	i    int
}

func (p *parser) peek() token { return p.toks[p.i] }
func (p *parser) next() token { t := p.toks[p.i]; p.i++; return t }

func (p *parser) fail(t token, format string, args ...any) error {
	return &SyntaxError{Expr: p.s, Pos: t.pos, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) expression() (Expr, error) {
	if p.peek().kind == tokEnd {
		return nil, nil
	}
	var e Expr
	// The first part decides: a bare resource followed by "or" makes the
	// whole expression one OR term.
	if p.peek().kind == tokName && p.toks[p.i+1].kind == tokOr {
		names, err := p.list(tokOr)
		if err != nil {
			return nil, err
		}
		if t := p.peek(); t.kind != tokEnd {
			return nil, p.fail(t, "\"and\" after an \"or\" needs parentheses around the \"or\"")
		}
		return Expr{names}, nil
	}
	for {
		terms, err := p.part()
		if err != nil {
			return nil, err
		}
		e = append(e, terms...)
		switch t := p.next(); t.kind {
		case tokEnd:
			return e, nil
		case tokAnd:
		case tokOr:
			return nil, p.fail(t, "\"or\" after an \"and\" needs parentheses around the \"or\"")
		default:
			return nil, p.fail(t, "expected \"and\" or the end")
		}
	}
}

// part is a resource, or a parenthesized OR (one term) or AND (one term
// per resource).
func (p *parser) part() (Expr, error) {
	switch t := p.next(); t.kind {
	case tokName:
		return Expr{{t.text}}, nil
	case tokOpen:
		first := p.peek()
		if first.kind != tokName {
			return nil, p.fail(first, "expected a resource in square brackets after '('")
		}
		op := p.toks[p.i+1].kind
		if op != tokAnd {
			op = tokOr
		}
		names, err := p.list(op)
		if err != nil {
			return nil, err
		}
		if t := p.next(); t.kind != tokClose {
			if t.kind == tokAnd || t.kind == tokOr {
				return nil, p.fail(t, "\"and\" and \"or\" mixed inside parentheses")
			}
			return nil, p.fail(t, "expected ')'")
		}
		if op == tokOr {
			return Expr{names}, nil
		}
		var e Expr
		for _, n := range names {
			e = append(e, []string{n})
		}
		return e, nil
	default:
		return nil, p.fail(t, "expected a resource in square brackets or '('")
	}
}

// list reads resource { op resource }.
func (p *parser) list(op tokKind) ([]string, error) {
	var names []string
	for {
		t := p.next()
		if t.kind != tokName {
			return nil, p.fail(t, "expected a resource in square brackets")
		}
		names = append(names, t.text)
		if p.peek().kind != op {
			return names, nil
		}
		p.next()
	}
}

// Normalize drops repeated names within a term and terms equal (as
// sets) to an earlier one; it returns nil for no terms.
func (e Expr) Normalize() Expr {
	var out Expr
	for _, term := range e {
		var t []string
		for _, n := range term {
			if !slices.Contains(t, n) {
				t = append(t, n)
			}
		}
		if len(t) == 0 || slices.ContainsFunc(out, func(o []string) bool { return sameSet(o, t) }) {
			continue
		}
		out = append(out, t)
	}
	return out
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, n := range a {
		if !slices.Contains(b, n) {
			return false
		}
	}
	return true
}

// String writes the expression in the syntax Parse reads: terms joined
// by " and ", a term of several resources as "([A] or [B])" — without
// the parentheses when it is the only term — and "" for none.
func (e Expr) String() string {
	var b strings.Builder
	for i, term := range e {
		if i > 0 {
			b.WriteString(" and ")
		}
		paren := len(term) > 1 && len(e) > 1
		if paren {
			b.WriteByte('(')
		}
		for j, n := range term {
			if j > 0 {
				b.WriteString(" or ")
			}
			b.WriteByte('[')
			b.WriteString(n)
			b.WriteByte(']')
		}
		if paren {
			b.WriteByte(')')
		}
	}
	return b.String()
}

// Names are the resources the expression names, each once, in the order
// they first appear.
func (e Expr) Names() []string {
	var out []string
	for _, term := range e {
		for _, n := range term {
			if !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
	}
	return out
}

// Plain reports whether the expression is an AND of resources (every
// term one resource): what a list of names says as well.
func (e Expr) Plain() bool {
	for _, term := range e {
		if len(term) != 1 {
			return false
		}
	}
	return true
}

// And is the expression of a plain list of names: all of them.
func And(names []string) Expr {
	if len(names) == 0 {
		return nil
	}
	e := make(Expr, len(names))
	for i, n := range names {
		e[i] = []string{n}
	}
	return e
}

// Satisfied reports whether every term has a resource for which online
// is true. An empty expression is satisfied.
func (e Expr) Satisfied(online func(name string) bool) bool {
	for _, term := range e {
		if !slices.ContainsFunc(term, online) {
			return false
		}
	}
	return true
}

// Rename returns the expression with old called new.
func (e Expr) Rename(old, new string) Expr {
	out := make(Expr, len(e))
	for i, term := range e {
		out[i] = slices.Clone(term)
		for j, n := range out[i] {
			if n == old {
				out[i][j] = new
			}
		}
	}
	return out.Normalize()
}

// Without returns the expression with name removed from every term; a
// term that named only it is dropped, so "([A] or [B]) and [C]" without
// B is "[A] and [C]".
func (e Expr) Without(name string) Expr {
	out := make(Expr, 0, len(e))
	for _, term := range e {
		out = append(out, slices.DeleteFunc(slices.Clone(term), func(n string) bool { return n == name }))
	}
	return out.Normalize()
}

// Clone returns a deep copy.
func (e Expr) Clone() Expr {
	if e == nil {
		return nil
	}
	out := make(Expr, len(e))
	for i, term := range e {
		out[i] = slices.Clone(term)
	}
	return out
}
