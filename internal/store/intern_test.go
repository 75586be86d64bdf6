package store

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/batoncluster/baton/proplist"
)

// Statuses decoded by the cache share equal short property values, and
// read exactly as they were written; a clone may be changed without
// touching the records that share them.
func TestDecodedStatusesShareEqualProperties(t *testing.T) {
	long := strings.Repeat("p", internStrMax+1)
	mk := func(res string) []byte {
		b, err := json.Marshal(&Status{Resource: res, Node: "n1", Props: proplist.List{
			{Name: "Onlines", Values: []proplist.Value{proplist.DWORD(0)}},
			{Name: "Cgroup", Values: []proplist.Value{proplist.SZ(long + res)}},
			{Name: "Multi", Values: []proplist.Value{proplist.DWORD(1), proplist.DWORD(2)}},
		}})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	a, err := decode[Status](change{key: "a", value: mk("a"), rev: 1})
	if err != nil {
		t.Fatal(err)
	}
	b, err := decode[Status](change{key: "b", value: mk("b"), rev: 2})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []*Status{a, b} {
		want := proplist.List{
			{Name: "Onlines", Values: []proplist.Value{proplist.DWORD(0)}},
			{Name: "Cgroup", Values: []proplist.Value{proplist.SZ(long + s.Resource)}},
			{Name: "Multi", Values: []proplist.Value{proplist.DWORD(1), proplist.DWORD(2)}},
		}
		if !s.Props.Equal(want) {
			t.Fatalf("%s: props %v, want %v", s.Resource, s.Props, want)
		}
	}
	if &a.Props[0].Values[0] != &b.Props[0].Values[0] {
		t.Error("equal short values are not shared")
	}
	if &a.Props[1].Values[0] == &b.Props[1].Values[0] || &a.Props[2].Values[0] == &b.Props[2].Values[0] {
		t.Error("different values are shared")
	}
	c := a.Clone()
	c.Props[0].Values[0] = proplist.DWORD(7)
	if b.Props[0].Values[0].Uint != 0 {
		t.Error("changing a clone changed another record")
	}
}

// Statuses whose properties are the same JSON share one decoded list
// (decodeProps): it reads as decoding gives it, a clone gets its own, and
// a different list, or one too long to keep, is decoded for itself.
func TestDecodedStatusesShareEqualLists(t *testing.T) {
	mk := func(res string, props proplist.List) *Status {
		b, err := json.Marshal(&Status{Resource: res, Node: "n1", Props: props})
		if err != nil {
			t.Fatal(err)
		}
		s, err := decode[Status](change{key: res, value: b, rev: 1})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	same := proplist.List{
		{Name: "Onlines", Values: []proplist.Value{proplist.DWORD(1)}},
		{Name: "LastOfflineAction", Values: []proplist.Value{proplist.SZ("Shutdown")}},
		{Name: "Multi", Values: []proplist.Value{proplist.DWORD(1), proplist.DWORD(2)}},
	}
	a, b := mk("a", same), mk("b", same)
	other := mk("c", proplist.List{{Name: "Onlines", Values: []proplist.Value{proplist.DWORD(2)}}})
	long := proplist.List{{Name: "Path", Values: []proplist.Value{proplist.SZ(strings.Repeat("p", sharedListMax))}}}
	d, e := mk("d", long), mk("e", long)
	for _, s := range []*Status{a, b} {
		if !s.Props.Equal(same) {
			t.Fatalf("%s: props %v, want %v", s.Resource, s.Props, same)
		}
	}
	if &a.Props[0] != &b.Props[0] {
		t.Error("statuses with the same properties do not share the list")
	}
	if &other.Props[0] == &a.Props[0] || &d.Props[0] == &e.Props[0] {
		t.Error("a different list, or one too long to keep, is shared")
	}
	if !d.Props.Equal(long) || !other.Props.Equal(proplist.List{{Name: "Onlines", Values: []proplist.Value{proplist.DWORD(2)}}}) {
		t.Error("a list decoded for itself reads wrong")
	}
	c := a.Clone()
	c.Props[0].Values[0] = proplist.DWORD(7)
	c.Props[2].Values[1] = proplist.DWORD(9)
	if !b.Props.Equal(same) || c.propsShared {
		t.Error("changing a clone changed the shared list")
	}
}
