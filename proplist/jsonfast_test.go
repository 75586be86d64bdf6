package proplist

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// checkFast fails t if the fast decoder accepts b and the general one
// does not, or decodes it to something else.
func checkFast(t *testing.T, b []byte) (taken bool) {
	t.Helper()
	if !json.Valid(b) {
		return false
	}
	fast, ok := fastListFromJSON(b, 0)
	if !ok {
		return false
	}
	slow, err := listFromJSON(b, 0)
	if err != nil {
		t.Fatalf("the fast decoder accepts what the general one refuses (%v):\n%.400s", err, b)
	}
	if !fast.Equal(slow) || len(fast) != len(slow) {
		t.Fatalf("the decoders disagree on\n%.400s\nfast %v\nslow %v", b, fast, slow)
	}
	return true
}

// Every list that validates is written by MarshalJSON in the shape the
// fast decoder takes, and read back equal; random lists that do not
// validate have no JSON form at all.
func TestFastJSONTakesWhatMarshalJSONWrites(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	g := newGenList(seed)
	lists := []List{richList(), vmList(1), deep(MaxDepth, DWORD(1)), {}}
	deadline := time.Now().Add(2 * time.Second)
	for i := 0; i < 1000 && time.Now().Before(deadline); i++ {
		lists = append(lists, g.top())
	}
	taken := 0
	for i, l := range lists {
		if l.Validate() != nil {
			continue
		}
		js, err := json.Marshal(l)
		if err != nil {
			t.Fatalf("list %d: %v", i, err)
		}
		if !checkFast(t, js) {
			t.Fatalf("list %d: the fast decoder does not take MarshalJSON's output:\n%.400s", i, js)
		}
		taken++
	}
	if taken < 10 {
		t.Fatalf("only %d lists validated", taken)
	}
}

// Shapes MarshalJSON does not write go to the general decoder, which
// decodes or refuses them with its messages.
func TestFastJSONLeavesOtherShapes(t *testing.T) {
	for _, s := range []string{
		`[{"type":"dword","value":1,"name":"A"}]`,           // other key order
		`[{"Name":"A","type":"dword","value":1}]`,           // other key case
		`[{"name":"A","type":"dword","value":"7"}]`,         // a number as a string
		`[{"name":"A","type":"dword","value":1,"x":2}]`,     // an unknown key
		`[{"name":"A","type":"dword","value":1.5}]`,         // not an integer
		`[{"name":"A","type":"dword","value":4294967296}]`,  // out of range
		`[{"name":"A","values":[]}]`,                        // no values
		`[{"name":"A","type":"multi_sz","value":["a",""]}]`, // an empty string
		`[{"name":"A\u0000","type":"dword","value":1}]`,     // NUL in a name
		`[{"name":"A","type":"sz","value":null}]`,
		`[{"name":"A","type":"dword","value":1}] x`,
	} {
		if json.Valid([]byte(s)) {
			if _, ok := fastListFromJSON([]byte(s), 0); ok {
				t.Errorf("the fast decoder took %s", s)
			}
		}
		checkFast(t, []byte(s))
	}
	// Escapes and white space in the shape it takes are decoded as
	// encoding/json decodes them.
	for _, s := range []string{
		` [ { "name" : "A\u00e9\"" , "type" : "sz" , "value" : "x\ny\\" } ] `,
		`[{"name":"B","values":[{"type":"dword","value":1},{"type":"expand_sz","value":"%T%"}]}]`,
		`[{"name":"N","type":"property_list","value":[{"name":"C","type":"binary","value":"0aff"}]}]`,
		"[{\"name\":\"\xff\",\"type\":\"sz\",\"value\":\"\xfe\"}]", // invalid UTF-8: the general decoder's U+FFFD
	} {
		if !checkFast(t, []byte(s)) && !strings.Contains(s, "\xff") {
			t.Errorf("the fast decoder did not take %s", s)
		}
	}
}

// FuzzFastJSON: whatever the fast decoder accepts, the general one
// decodes to an equal list.
func FuzzFastJSON(f *testing.F) {
	for _, s := range jsonSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) { checkFast(t, b) })
}
