package store

import (
	"slices"
	"testing"

	"github.com/batoncluster/baton/clusapi/wsfc"
)

func TestNewView(t *testing.T) {
	v := NewView(
		&Cluster{Name: "c"},
		&Node{Name: "n1"}, &Alive{Node: "n1"}, &Node{Name: "n2"},
		&Group{Name: "G", OwnerNode: "n1"},
		&Resource{Name: "b", Group: "G"}, &Resource{Name: "a", Group: "G", DependsOn: []string{"b"}},
		&Status{Resource: "a", State: int32(wsfc.ClusterResourceOnline)},
		&Status{Resource: "b", State: int32(wsfc.ClusterResourceOffline)},
	)
	if v.Rev() != 9 || v.Cluster().Name != "c" {
		t.Errorf("rev %d, cluster %+v", v.Rev(), v.Cluster())
	}
	if got := v.NodeState("n1"); got != wsfc.ClusterNodeUp {
		t.Errorf("n1 with an alive record: %v, want Up", got)
	}
	if got := v.NodeState("n2"); got != wsfc.ClusterNodeDown {
		t.Errorf("n2 without one: %v, want Down", got)
	}
	g := v.Group("G")
	if got := v.GroupResourceNames(g); !slices.Equal(got, []string{"b", "a"}) {
		t.Errorf("group resources %v, want in the order given", got)
	}
	if got := v.GroupState(g); got != wsfc.ClusterGroupPartialOnline {
		t.Errorf("group state %v", got)
	}
	if d := v.Dependents(v.Resource("b")); len(d) != 1 || d[0].Name != "a" {
		t.Errorf("dependents of b: %v", d)
	}
	if got := v.GroupsOwnedBy("n1"); !slices.Equal(got, []string{"G"}) {
		t.Errorf("owned by n1: %v", got)
	}
}

func TestNewViewRefusesOthers(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("NewView of a string did not panic")
		}
	}()
	NewView("G")
}
