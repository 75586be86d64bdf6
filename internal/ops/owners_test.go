package ops_test

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/clustertest"
	"github.com/batoncluster/baton/internal/ops"
	"github.com/batoncluster/baton/internal/store"
)

// AddResourceNode and RemoveResourceNode ([MS-CMRP] ApiAddResourceNode,
// ApiRemoveResourceNode): every refusal answers its code and changes no
// record; from the default (every node) Add answers
// ERROR_OBJECT_ALREADY_EXISTS and Remove makes an explicit list of the
// other nodes (here none); an empty list takes the node back with Add.
func TestResourcePossibleOwners(t *testing.T) {
	n := clustertest.New(t)
	ctx := context.Background()
	e := n.Ops()
	me := n.Store().View().Nodes()[0].Name
	if _, err := e.CreateGroup(ctx, "G", nil, nil); err != nil {
		t.Fatal(err)
	}
	for _, r := range []string{"on", "off"} {
		if _, err := e.CreateResource(ctx, r, "G", "dummy", nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.OnlineResource(ctx, ops.ResourceRef{Name: "on"}, ops.Request{}); err != nil {
		t.Fatal(err)
	}
	n.AwaitResource("on", wsfc.ClusterResourceOnline)
	offID := n.Store().View().Resource("off").ID
	owners := func(name string) []string {
		v := n.Store().View()
		return ops.PossibleOwners(v, v.Resource(name))
	}
	if got := owners("off"); !slices.Equal(got, []string{me}) {
		t.Fatalf("default possible owners %v, want [%s]", got, me)
	}

	before := resourceRevs(n.Store().View())
	type call struct {
		what string
		add  bool
		ref  ops.ResourceRef
		node string
		want wsfc.Errno
	}
	refusals := []call{
		{"add: already possible (every node)", true, ops.ResourceRef{Name: "off"}, me, wsfc.ERROR_OBJECT_ALREADY_EXISTS},
		{"add: no such node", true, ops.ResourceRef{Name: "off"}, "nosuch", wsfc.ERROR_CLUSTER_NODE_NOT_FOUND},
		{"add: no such resource", true, ops.ResourceRef{Name: "nosuch"}, me, wsfc.ERROR_RESOURCE_NOT_FOUND},
		{"add: deleted resource", true, ops.ResourceRef{Name: "off", ID: "gone"}, me, wsfc.ERROR_RESOURCE_NOT_AVAILABLE},
		{"remove: no such node", false, ops.ResourceRef{Name: "off"}, "nosuch", wsfc.ERROR_CLUSTER_NODE_NOT_FOUND},
		{"remove: deleted resource", false, ops.ResourceRef{Name: "off", ID: "gone"}, me, wsfc.ERROR_RESOURCE_NOT_AVAILABLE},
		{"remove: the owner of an Online resource", false, ops.ResourceRef{Name: "on"}, me, wsfc.ERROR_INVALID_STATE},
	}
	do := func(c call) error {
		if c.add {
			return e.AddResourceNode(ctx, c.ref, c.node)
		}
		return e.RemoveResourceNode(ctx, c.ref, c.node)
	}
	for _, c := range refusals {
		if err := do(c); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.what, err, c.want)
		}
	}
	if after := resourceRevs(n.Store().View()); !maps.Equal(before, after) {
		t.Errorf("a refusal changed records:\nbefore %v\nafter  %v", before, after)
	}

	// Remove from the default: an explicit, empty list.
	if err := e.RemoveResourceNode(ctx, ops.ResourceRef{Name: "off", ID: offID}, me); err != nil {
		t.Fatalf("remove: %v", err)
	}
	if r := n.Store().View().Resource("off"); r.PossibleOwners == nil || len(*r.PossibleOwners) != 0 {
		t.Fatalf("after remove: %v, want an explicit empty list", r.PossibleOwners)
	}
	// The host may still write the status of "off" after the change:
	// only the records of resources and groups count here.
	records := func() map[string]int64 {
		m := resourceRevs(n.Store().View())
		maps.DeleteFunc(m, func(k string, _ int64) bool { return k[0] == 's' })
		return m
	}
	before = records()
	for _, c := range []call{
		{"remove: not a possible owner (empty list)", false, ops.ResourceRef{Name: "off"}, me, wsfc.ERROR_CLUSTER_NODE_NOT_FOUND},
		{"add: no such node (empty list)", true, ops.ResourceRef{Name: "off"}, "nosuch", wsfc.ERROR_CLUSTER_NODE_NOT_FOUND},
	} {
		if err := do(c); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.what, err, c.want)
		}
	}
	if after := records(); !maps.Equal(before, after) {
		t.Errorf("a refusal changed records:\nbefore %v\nafter  %v", before, after)
	}
	// Online with no possible owner: it ends Offline, saying why (the
	// host writes that at once, no other call of its returning).
	if _, err := e.OnlineResource(ctx, ops.ResourceRef{Name: "off"}, ops.Request{}); err != nil {
		t.Fatal(err)
	}
	n.Await(func(v store.View) bool {
		st := v.Status("off")
		return st.State == int32(wsfc.ClusterResourceOffline) && strings.Contains(st.LastError, "not a possible owner")
	}, "off Offline, not a possible owner")
	if err := e.AddResourceNode(ctx, ops.ResourceRef{Name: "off"}, me); err != nil {
		t.Fatalf("add back: %v", err)
	}
	if got := owners("off"); !slices.Equal(got, []string{me}) {
		t.Errorf("after add: %v", got)
	}
	if err := e.AddResourceNode(ctx, ops.ResourceRef{Name: "off"}, me); !errors.Is(err, wsfc.ERROR_OBJECT_ALREADY_EXISTS) {
		t.Errorf("add again: %v, want ERROR_OBJECT_ALREADY_EXISTS", err)
	}
	if r := n.Store().View().Resource("on"); r.PossibleOwners != nil {
		t.Errorf("the other resource got a list: %v", *r.PossibleOwners)
	}
}
