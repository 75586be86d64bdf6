package store_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/batoncluster/baton/internal/store"
)

// A resource's possible owners: absent means every node (a record of
// before them reads and writes unchanged); an explicit list, even an
// empty one, survives encoding and Clone.
func TestPossibleOwnersRecord(t *testing.T) {
	old := `{"name":"R","id":"1","group":"G","type":"Dummy","common":{"restartAction":0,"restartThreshold":0,"restartPeriod":0,"restartDelay":0,"retryPeriodOnFailure":0,"pendingTimeout":0,"looksAlivePollInterval":0,"isAlivePollInterval":0},"private":null}`
	var r store.Resource
	if err := json.Unmarshal([]byte(old), &r); err != nil {
		t.Fatal(err)
	}
	if r.PossibleOwners != nil || !r.CanRunOn("anything") {
		t.Fatalf("a record without possibleOwners: %v", r.PossibleOwners)
	}
	b, _ := json.Marshal(&r)
	if strings.Contains(string(b), "possibleOwners") {
		t.Errorf("written back with possibleOwners: %s", b)
	}
	for _, nodes := range [][]string{nil, {}, {"n1", "n2"}} {
		var w store.Resource
		w.SetPossibleOwners(nodes)
		b, _ := json.Marshal(&w)
		var back store.Resource
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		c := back.Clone()
		if back.PossibleOwners == nil || c.PossibleOwners == nil || !slices.Equal(*c.PossibleOwners, *back.PossibleOwners) || len(*c.PossibleOwners) != len(nodes) {
			t.Errorf("%q: read back %s as %v, cloned %v", nodes, b, back.PossibleOwners, c.PossibleOwners)
		}
		(*c.PossibleOwners) = append(*c.PossibleOwners, "x")
		if len(*back.PossibleOwners) != len(nodes) {
			t.Errorf("Clone shares the list")
		}
		if back.CanRunOn("n3") || back.CanRunOn("n1") != (len(nodes) > 0) {
			t.Errorf("%q: CanRunOn wrong", nodes)
		}
	}
}
