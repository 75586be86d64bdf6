package proplist

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// genList makes random property lists for property tests: every syntax
// (and some that are not value syntaxes), strings with NULs, empty
// strings and invalid UTF-8, numbers out of range, odd-length data, deep
// nesting and, rarely, many properties. About half of them validate.
type genList struct {
	r      *rand.Rand
	budget *int // values left to make in the current list
}

func newGenList(seed uint64) genList {
	return genList{r: rand.New(rand.NewPCG(seed, 0x5eed)), budget: new(int)}
}

// top makes one list of at most about 6,000 values.
func (g genList) top() List {
	*g.budget = 200
	if g.r.IntN(40) == 0 {
		*g.budget = 6000
	}
	return g.list(0)
}

var genSyntaxes = func() []Syntax {
	var out []Syntax
	for s := range syntaxes {
		out = append(out, s) // ENDMARK, NAME and RESCLASS included
	}
	return append(out, 0x00010010, 0x0001000D, 0x80008000)
}()

func (g genList) str() string {
	pieces := []string{"", "a", "Virtual Machine", "é", "日本", "😀", "\x00", "a\x00b", "\xff", "%TEMP%", ";", "\"", "\uFFFD", "\u2028"}
	var b strings.Builder
	for range g.r.IntN(4) {
		b.WriteString(pieces[g.r.IntN(len(pieces))])
	}
	if g.r.IntN(50) == 0 {
		b.WriteString(strings.Repeat("x", g.r.IntN(70000)))
	}
	return b.String()
}

// cleanStr is a string that validates: no NUL, valid UTF-8.
func (g genList) cleanStr() string {
	for {
		if s := g.str(); checkString(s) == "" {
			return s
		}
	}
}

func (g genList) list(depth int) List {
	n := g.r.IntN(4)
	switch {
	case g.r.IntN(20) == 0:
		n = 0
	case depth == 0 && *g.budget > 1000:
		n = 1000 + g.r.IntN(4000) // huge counts
	}
	l := make(List, 0, n)
	for range n {
		l = append(l, g.property(depth))
	}
	return l
}

func (g genList) property(depth int) Property {
	p := Property{Name: g.cleanStr()}
	if g.r.IntN(20) == 0 {
		p.Name = g.str()
	}
	nv := 1
	switch g.r.IntN(10) {
	case 0:
		nv = 0
	case 1:
		nv = 2 + g.r.IntN(3)
	}
	for range nv {
		p.Values = append(p.Values, g.value(depth))
	}
	return p
}

func (g genList) value(depth int) Value {
	*g.budget--
	s := genSyntaxes[g.r.IntN(len(genSyntaxes))]
	if g.r.IntN(3) == 0 && *g.budget > 0 {
		s = SyntaxPropertyList // nest often, to reach MaxDepth
	}
	v := Value{Syntax: s}
	bad := g.r.IntN(8) == 0 // out of range, NUL, empty string …
	switch s.Format().field() {
	case fieldUint:
		v.Uint = g.r.Uint64N(1 << 16)
		if bad || g.r.IntN(4) == 0 {
			v.Uint = g.r.Uint64()
		}
	case fieldInt:
		v.Int = int64(int32(g.r.Uint32()))
		if bad || g.r.IntN(4) == 0 {
			v.Int = int64(g.r.Uint64())
		}
	case fieldStr:
		v.Str = g.cleanStr()
		if bad {
			v.Str = g.str()
		}
	case fieldStrs:
		for range g.r.IntN(4) {
			s := g.cleanStr()
			if !bad && s == "" {
				s = "x"
			}
			if bad {
				s = g.str()
			}
			v.Strs = append(v.Strs, s)
		}
	case fieldBytes:
		v.Bytes = make([]byte, g.r.IntN(12)) // odd lengths too
		for i := range v.Bytes {
			v.Bytes[i] = byte(g.r.Uint32())
		}
	case fieldList:
		if depth <= MaxDepth+1 && *g.budget > 0 {
			v.List = g.list(depth + 1)
		}
	}
	return v
}

// deep returns a list nested exactly n levels deep.
func deep(n int, leaf Value) List {
	l := List{{Name: "leaf", Values: []Value{leaf}}}
	for range n {
		l = List{{Name: "n", Values: []Value{Nested(l)}}}
	}
	return l
}

// TestValidateIsRoundTrip: a list validates exactly when it comes back
// equal from both encodings, binary and JSON (the store's). The lists
// that do not validate come back different (or not at all) from the
// binary encoding, and the JSON encoding refuses them.
func TestValidateIsRoundTrip(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	g := newGenList(seed)
	lists := []List{
		deep(MaxDepth, DWORD(1)), deep(MaxDepth+1, DWORD(1)),
		{{Name: "A", Values: []Value{SZ("a\x00b")}}},
		{{Name: "A", Values: []Value{MultiSZ("a", "")}}},
		{{Name: "a\x00", Values: []Value{DWORD(1)}}},
	}
	valid := 0
	deadline := time.Now().Add(2 * time.Second)
	for i := 0; i < 1000 && time.Now().Before(deadline); i++ {
		lists = append(lists, g.top())
	}
	for i, l := range lists {
		verr := l.Validate()
		bin, binErr := Unmarshal(l.Marshal())
		if binErr != nil {
			t.Fatalf("list %d: Marshal output does not decode: %v", i, binErr)
		}
		js, jsErr := json.Marshal(l)
		if verr == nil {
			valid++
			if !bin.Equal(l) {
				t.Fatalf("list %d validates but the binary encoding does not read back equal", i)
			}
			if compact, err := Unmarshal(l.MarshalCompact()); err != nil || !compact.Equal(l) {
				t.Fatalf("list %d validates but MarshalCompact does not read back equal: %v", i, err)
			}
			if jsErr != nil {
				t.Fatalf("list %d validates but MarshalJSON fails: %v", i, jsErr)
			}
			var back List
			if err := json.Unmarshal(js, &back); err != nil || !back.Equal(l) {
				t.Fatalf("list %d validates but its JSON does not read back equal: %v\n%.300s", i, err, js)
			}
			continue
		}
		if !errors.Is(verr, ErrInvalid) {
			t.Fatalf("list %d: Validate error %v is not ErrInvalid", i, verr)
		}
		if bin.Equal(l) {
			t.Fatalf("list %d does not validate (%v) but its binary encoding reads back equal", i, verr)
		}
		if jsErr == nil {
			t.Fatalf("list %d does not validate (%v) but MarshalJSON accepts it", i, verr)
		}
		// Without the check, the JSON form would not read back equal either.
		if raw, err := jsonList(l, 0); err == nil {
			b, _ := json.Marshal(raw)
			if back, err := ParseJSON(b); err == nil && back.Equal(l) {
				t.Fatalf("list %d does not validate (%v) but its unchecked JSON reads back equal", i, verr)
			}
		}
	}
	t.Logf("%d lists, %d valid", len(lists), valid)
	if valid < len(lists)/5 || valid > len(lists)*4/5 {
		t.Errorf("the generator is lopsided: %d of %d lists valid", valid, len(lists))
	}
}
