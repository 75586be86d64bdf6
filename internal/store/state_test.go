package store

import (
	"encoding/json"
	"testing"

	"github.com/batoncluster/baton/clusapi"
)

// view builds a view holding group G with one resource per given state.
func view(t *testing.T, states ...clusapi.ClusterResourceState) (View, *Group) {
	t.Helper()
	g := &Group{Name: "G"}
	var changes []change
	for i, s := range states {
		name := string(rune('a' + i))
		g.Resources = append(g.Resources, name)
		b, _ := json.Marshal(&Status{Resource: name, State: int32(s)})
		changes = append(changes, change{key: StatusKey(name), value: b, rev: 1})
	}
	b, _ := json.Marshal(g)
	changes = append(changes, change{key: GroupKey("G"), value: b, rev: 1})
	c, err := newCache().apply(1, changes)
	if err != nil {
		t.Fatal(err)
	}
	v := View{c: c}
	return v, v.Group("G")
}

func TestGroupStatePrecedence(t *testing.T) {
	const (
		on   = clusapi.ClusterResourceOnline
		off  = clusapi.ClusterResourceOffline
		fail = clusapi.ClusterResourceFailed
		onP  = clusapi.ClusterResourceOnlinePending
		offP = clusapi.ClusterResourceOfflinePending
	)
	cases := []struct {
		states []clusapi.ClusterResourceState
		want   clusapi.ClusterGroupState
	}{
		{nil, clusapi.ClusterGroupOffline},
		{[]clusapi.ClusterResourceState{off, off}, clusapi.ClusterGroupOffline},
		{[]clusapi.ClusterResourceState{on, on}, clusapi.ClusterGroupOnline},
		{[]clusapi.ClusterResourceState{on, off}, clusapi.ClusterGroupPartialOnline},
		{[]clusapi.ClusterResourceState{on, onP}, clusapi.ClusterGroupPending},
		{[]clusapi.ClusterResourceState{off, offP}, clusapi.ClusterGroupPending},
		{[]clusapi.ClusterResourceState{on, onP, fail}, clusapi.ClusterGroupFailed},
		{[]clusapi.ClusterResourceState{fail, on}, clusapi.ClusterGroupFailed},
		{[]clusapi.ClusterResourceState{offP, on, off}, clusapi.ClusterGroupPending},
	}
	for _, c := range cases {
		v, g := view(t, c.states...)
		if got := v.GroupState(g); got != c.want {
			t.Errorf("%v: GroupState = %v, want %v", c.states, got, c.want)
		}
	}
}

func TestApplyIsCopyOnWrite(t *testing.T) {
	v1, _ := view(t, clusapi.ClusterResourceOnline)
	b, _ := json.Marshal(&Status{Resource: "a", State: int32(clusapi.ClusterResourceOffline)})
	c2, err := v1.c.apply(2, []change{{key: StatusKey("a"), value: b, rev: 2}, {key: "/elsewhere/x", value: []byte("{")}})
	if err != nil {
		t.Fatal(err)
	}
	if v1.ResourceState("a") != clusapi.ClusterResourceOnline {
		t.Error("applying a change altered an older view")
	}
	v2 := View{c: c2}
	if v2.ResourceState("a") != clusapi.ClusterResourceOffline || v2.Status("a").Rev != 2 || v2.Rev() != 2 {
		t.Errorf("new view: state %v rev %d", v2.ResourceState("a"), v2.Status("a").Rev)
	}
	c3, err := c2.apply(3, []change{{key: StatusKey("a"), value: nil, rev: 3}})
	if err != nil {
		t.Fatal(err)
	}
	if (View{c: c3}).Status("a") != nil {
		t.Error("a delete left the record")
	}
	if _, err := c2.apply(4, []change{{key: GroupKey("bad"), value: []byte("{not json"), rev: 4}}); err == nil {
		t.Error("a record that does not decode was accepted")
	}
}
