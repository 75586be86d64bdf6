package store

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/batoncluster/baton/clusapi/wsfc"
)

// view builds a view holding group G with one resource per given state.
func view(t *testing.T, states ...wsfc.ClusterResourceState) (View, *Group) {
	t.Helper()
	g := &Group{Name: "G"}
	var changes []change
	for i, s := range states {
		name := string(rune('a' + i))
		r, _ := json.Marshal(&Resource{Name: name, Group: "G"})
		changes = append(changes, change{key: ResourceKey(name), value: r, rev: 1, crev: int64(i + 1)})
		b, _ := json.Marshal(&Status{Resource: name, State: int32(s)})
		changes = append(changes, change{key: StatusKey(name), value: b, rev: 1})
	}
	b, _ := json.Marshal(g)
	changes = append(changes, change{key: GroupKey("G"), value: b, rev: 1})
	v := View{c: newCache().apply(1, changes)}
	return v, v.Group("G")
}

func TestGroupStatePrecedence(t *testing.T) {
	const (
		on   = wsfc.ClusterResourceOnline
		off  = wsfc.ClusterResourceOffline
		fail = wsfc.ClusterResourceFailed
		onP  = wsfc.ClusterResourceOnlinePending
		offP = wsfc.ClusterResourceOfflinePending
	)
	cases := []struct {
		states []wsfc.ClusterResourceState
		want   wsfc.ClusterGroupState
	}{
		{nil, wsfc.ClusterGroupOffline},
		{[]wsfc.ClusterResourceState{off, off}, wsfc.ClusterGroupOffline},
		{[]wsfc.ClusterResourceState{on, on}, wsfc.ClusterGroupOnline},
		{[]wsfc.ClusterResourceState{on, off}, wsfc.ClusterGroupPartialOnline},
		{[]wsfc.ClusterResourceState{on, onP}, wsfc.ClusterGroupPending},
		{[]wsfc.ClusterResourceState{off, offP}, wsfc.ClusterGroupPending},
		{[]wsfc.ClusterResourceState{on, onP, fail}, wsfc.ClusterGroupFailed},
		{[]wsfc.ClusterResourceState{fail, on}, wsfc.ClusterGroupFailed},
		{[]wsfc.ClusterResourceState{offP, on, off}, wsfc.ClusterGroupPending},
	}
	for _, c := range cases {
		v, g := view(t, c.states...)
		if got := v.GroupState(g); got != c.want {
			t.Errorf("%v: GroupState = %v, want %v", c.states, got, c.want)
		}
	}
}

func TestApplyIsCopyOnWrite(t *testing.T) {
	v1, _ := view(t, wsfc.ClusterResourceOnline)
	b, _ := json.Marshal(&Status{Resource: "a", State: int32(wsfc.ClusterResourceOffline)})
	c2 := v1.c.apply(2, []change{{key: StatusKey("a"), value: b, rev: 2}, {key: "/elsewhere/x", value: []byte("{")}})
	if v1.ResourceState("a") != wsfc.ClusterResourceOnline {
		t.Error("applying a change altered an older view")
	}
	v2 := View{c: c2}
	if v2.ResourceState("a") != wsfc.ClusterResourceOffline || v2.Status("a").Rev != 2 || v2.Rev() != 2 {
		t.Errorf("new view: state %v rev %d", v2.ResourceState("a"), v2.Status("a").Rev)
	}
	c3 := c2.apply(3, []change{{key: StatusKey("a"), rev: 3, deleted: true}})
	if (View{c: c3}).Status("a") != nil {
		t.Error("a delete left the record")
	}
}

// A batch is applied key by key: a record that does not decode is
// quarantined — absent, no stale version left — and the rest of the batch
// is applied; rewriting it takes it out of quarantine.
func TestApplyQuarantinesBadRecordsOnly(t *testing.T) {
	v1, _ := view(t, wsfc.ClusterResourceOnline)
	good, _ := json.Marshal(&Group{Name: "H"})
	off, _ := json.Marshal(&Status{Resource: "a", State: int32(wsfc.ClusterResourceOffline)})
	c2 := v1.c.apply(2, []change{
		{key: StatusKey("a"), value: []byte(`{"resource":"a","props":[{"name":"x","type":"sz","value":1}]}`), rev: 2},
		{key: GroupKey("H"), value: good, rev: 2},
		{key: GroupKey("G"), value: []byte("{not json"), rev: 2},
		{key: NodeKey("n"), value: nil, rev: 2}, // an empty value is a bad record, not a deletion
	})
	v2 := View{c: c2}
	if v2.Group("H") == nil {
		t.Error("a good record written with bad ones was dropped")
	}
	if v2.Status("a") != nil || v2.Group("G") != nil {
		t.Error("a record that does not decode left an older version readable")
	}
	var keys []string
	for _, b := range v2.Quarantined() {
		keys = append(keys, b.Key)
		if b.Rev != 2 || b.Err == "" {
			t.Errorf("quarantined %+v", b)
		}
	}
	if want := []string{GroupKey("G"), NodeKey("n"), StatusKey("a")}; !slices.Equal(keys, want) {
		t.Errorf("quarantined %v, want %v", keys, want)
	}
	if !v2.IsQuarantined(GroupKey("G")) || v2.IsQuarantined(GroupKey("H")) {
		t.Error("IsQuarantined is wrong")
	}
	if len(v1.Quarantined()) != 0 || v1.Status("a") == nil {
		t.Error("quarantine altered an older view")
	}
	v3 := View{c: c2.apply(3, []change{{key: StatusKey("a"), value: off, rev: 3}, {key: GroupKey("G"), rev: 3, deleted: true}})}
	if v3.ResourceState("a") != wsfc.ClusterResourceOffline || v3.IsQuarantined(StatusKey("a")) || v3.IsQuarantined(GroupKey("G")) {
		t.Error("a rewritten or deleted record stayed in quarantine")
	}
	if len(v3.Quarantined()) != 1 {
		t.Errorf("quarantined %v, want only the node", v3.Quarantined())
	}
}

// A resource whose record turns unreadable stays among its group's
// resources (its status still counts), until it is deleted; rewritten, it
// is there once.
func TestQuarantinedResourceStaysInItsGroup(t *testing.T) {
	v1, g := view(t, wsfc.ClusterResourceOnline, wsfc.ClusterResourceOnline)
	bad := []byte(`{"name":"a","group":"G","private":[{"name":"x","type":"sz","value":1}]}`)
	v2 := View{c: v1.c.apply(2, []change{{key: ResourceKey("a"), value: bad, rev: 2, crev: 1}})}
	if v2.Resource("a") != nil || !v2.IsQuarantined(ResourceKey("a")) {
		t.Fatal("the bad record is readable")
	}
	if got := v2.GroupResourceNames(g); !slices.Equal(got, []string{"a", "b"}) || v2.GroupState(g) != wsfc.ClusterGroupOnline {
		t.Errorf("resources %v, state %v; want a b, Online", got, v2.GroupState(g))
	}
	// Not even JSON: the group its last version named.
	v3 := View{c: v2.c.apply(3, []change{{key: ResourceKey("b"), value: []byte("{"), rev: 3, crev: 2}})}
	if got := v3.GroupResourceNames(g); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("resources %v, want a b", got)
	}
	good, _ := json.Marshal(&Resource{Name: "a", Group: "G"})
	v4 := View{c: v3.c.apply(4, []change{{key: ResourceKey("a"), value: good, rev: 4, crev: 1}, {key: ResourceKey("b"), rev: 4, deleted: true}})}
	if got := v4.GroupResourceNames(g); !slices.Equal(got, []string{"a"}) || len(v4.Quarantined()) != 0 {
		t.Errorf("resources %v, quarantined %v; want a, none", got, v4.Quarantined())
	}
}
