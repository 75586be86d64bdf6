package proplist

import (
	"encoding/json"
	"fmt"
	"strconv"
	"testing"
	"time"
)

// The JSON form as MarshalJSON wrote it before it appended bytes itself
// (appendJSONList): through encoding/json, from these structs. The tests
// hold the new encoder to the same bytes.

type jsonSingle struct {
	Name  string          `json:"name"`
	Type  string          `json:"type"`
	Value json.RawMessage `json:"value"`
}

type jsonValue struct {
	Type  string          `json:"type"`
	Value json.RawMessage `json:"value"`
}

type jsonMulti struct {
	Name   string      `json:"name"`
	Values []jsonValue `json:"values"`
}

func jsonList(l List, depth int) ([]any, error) {
	out := make([]any, 0, len(l))
	for i, p := range l {
		vs := make([]jsonValue, 0, len(p.Values))
		for _, v := range p.Values {
			raw, err := jsonValueOf(v, depth)
			if err != nil {
				return nil, fmt.Errorf("property %d (%q): %w", i+1, p.Name, err)
			}
			vs = append(vs, jsonValue{Type: v.Kind(), Value: raw})
		}
		if len(vs) == 1 {
			out = append(out, jsonSingle{Name: p.Name, Type: vs[0].Type, Value: vs[0].Value})
		} else {
			out = append(out, jsonMulti{Name: p.Name, Values: vs})
		}
	}
	return out, nil
}

func jsonValueOf(v Value, depth int) (json.RawMessage, error) {
	if !v.Syntax.ValueSyntax() {
		return nil, fmt.Errorf("syntax %s is not a value syntax", v.Syntax)
	}
	switch v.Syntax.Format().field() {
	case fieldUint:
		return json.RawMessage(strconv.FormatUint(v.Uint, 10)), nil
	case fieldInt:
		return json.RawMessage(strconv.FormatInt(v.Int, 10)), nil
	case fieldStr:
		return json.Marshal(v.Str)
	case fieldStrs:
		strs := v.Strs
		if strs == nil {
			strs = []string{}
		}
		return json.Marshal(strs)
	case fieldBytes:
		return json.Marshal(v.Text())
	case fieldList:
		if depth >= MaxDepth {
			return nil, fmt.Errorf("property lists nested deeper than %d levels", MaxDepth)
		}
		inner, err := jsonList(v.List, depth+1)
		if err != nil {
			return nil, fmt.Errorf("property_list: %w", err)
		}
		return json.Marshal(inner)
	}
	return nil, fmt.Errorf("syntax %s has no JSON form", v.Syntax)
}

// MarshalJSON writes, byte for byte, what the encoder through
// encoding/json wrote (once encoding/json has compacted and escaped it, as
// it does for every Marshaler in a record).
func TestMarshalJSONAsBefore(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	g := newGenList(seed)
	lists := []List{richList(), vmList(1), deep(MaxDepth, DWORD(1)), {},
		{{Name: "<&>\u2028\"\\\x01\t", Values: []Value{SZ("a<b>&\u2029\x1f\"\\"), MultiSZ("x\ny", "é")}}}}
	deadline := time.Now().Add(2 * time.Second)
	for i := 0; i < 1000 && time.Now().Before(deadline); i++ {
		lists = append(lists, g.top())
	}
	checked := 0
	for i, l := range lists {
		if l.Validate() != nil {
			continue
		}
		raw, err := jsonList(l, 0)
		if err != nil {
			t.Fatal(err)
		}
		want, err := json.Marshal(struct{ P any }{raw})
		if err != nil {
			t.Fatal(err)
		}
		got, err := json.Marshal(struct{ P List }{l})
		if err != nil {
			t.Fatalf("list %d: %v", i, err)
		}
		if string(got) != string(want) {
			t.Fatalf("list %d:\n got %.300s\nwant %.300s", i, got, want)
		}
		checked++
	}
	if checked < 10 {
		t.Fatalf("only %d lists checked", checked)
	}
}
