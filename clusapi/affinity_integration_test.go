package clusapi_test

import (
	"testing"

	"github.com/batoncluster/baton/clusapi"
	"github.com/batoncluster/baton/proplist"
)

// OnlineClusterGroup(Ex) and OnlineClusterResourceEx refuse, with
// ERROR_NODE_CANT_HOST_RESOURCE and nothing changed, to start a group on
// a node that runs another online group of the same AntiAffinityClassNames;
// the ignore-affinity flags go ahead. (Best possible node needs two nodes:
// internal/ops TestOnlineAntiAffinity.)
func TestOnlineAntiAffinityHandles(t *testing.T) {
	a := startAgent(t)
	c := a.client(t)
	ctx := testCtx(t)
	web := proplist.List{{Name: "AntiAffinityClassNames", Values: []proplist.Value{proplist.MultiSZ("web", "db")}}}
	db := proplist.List{{Name: "AntiAffinityClassNames", Values: []proplist.Value{proplist.MultiSZ("db")}}}
	for _, g := range []struct {
		name  string
		props proplist.List
	}{{"Web1", web}, {"Web2", db}, {"Web3", db}} {
		if _, err := c.Groups().Create(ctx, g.name, clusapi.CreateGroupOptions{Properties: g.props}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Resources().Create(ctx, g.name+"-r", g.name, "dummy", clusapi.CreateResourceOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	onlineAndWait(t, c, "Web1")
	t.Setenv("BATON_ADDR", a.Addr)
	hCluster, err := clusapi.OpenCluster("")
	if err != nil {
		t.Fatal(err)
	}
	defer clusapi.CloseCluster(hCluster)
	hGroup := mustOpenGroup(t, hCluster, "Web2")
	defer clusapi.CloseClusterGroup(hGroup)

	unchanged := func(what, group string) {
		t.Helper()
		g, err := c.Groups().Get(ctx, group)
		if err != nil {
			t.Fatal(err)
		}
		if g.PersistentState != 0 || g.State != clusapi.ClusterGroupOffline || g.LastOperationID != "" {
			t.Errorf("%s changed group %s: persistent %d, state %v, last operation %q", what, group, g.PersistentState, g.State, g.LastOperationID)
		}
	}
	if got := clusapi.OnlineClusterGroup(hGroup, nil); got != clusapi.ERROR_NODE_CANT_HOST_RESOURCE {
		t.Errorf("OnlineClusterGroup beside a group sharing class db: %v, want ERROR_NODE_CANT_HOST_RESOURCE", got)
	}
	unchanged("refused OnlineClusterGroup", "Web2")
	if got := clusapi.OnlineClusterGroupEx(hGroup, nil, clusapi.CLUSAPI_GROUP_ONLINE_BEST_POSSIBLE_NODE, nil, 0); got != clusapi.ERROR_NODE_CANT_HOST_RESOURCE {
		t.Errorf("best possible node on one anti-affined node: %v, want ERROR_NODE_CANT_HOST_RESOURCE", got)
	}
	unchanged("refused best-node OnlineClusterGroupEx", "Web2")
	hRes, err := clusapi.OpenClusterResource(hCluster, "Web3-r")
	if err != nil {
		t.Fatal(err)
	}
	defer clusapi.CloseClusterResource(hRes)
	if got := clusapi.OnlineClusterResource(hRes); got != clusapi.ERROR_NODE_CANT_HOST_RESOURCE {
		t.Errorf("OnlineClusterResource beside a group sharing class db: %v, want ERROR_NODE_CANT_HOST_RESOURCE", got)
	}
	unchanged("refused OnlineClusterResource", "Web3")

	got := clusapi.OnlineClusterGroupEx(hGroup, nil, clusapi.CLUSAPI_GROUP_ONLINE_IGNORE_AFFINITY_RULE|clusapi.CLUSAPI_GROUP_ONLINE_SYNCHRONOUS, nil, 0)
	if got != clusapi.ERROR_SUCCESS {
		t.Errorf("synchronous online with IGNORE_AFFINITY_RULE: %v, want 0", got)
	}
	if got := clusapi.OnlineClusterResourceEx(hRes, clusapi.CLUSAPI_RESOURCE_ONLINE_IGNORE_AFFINITY_RULE, nil, 0); got != clusapi.ERROR_IO_PENDING {
		t.Errorf("OnlineClusterResourceEx with IGNORE_AFFINITY_RULE: %v, want ERROR_IO_PENDING", got)
	}
	eventually(t, "Web3-r Online", func() (bool, error) {
		st, err := c.Resources().State(ctx, "Web3-r")
		return err == nil && st.State == clusapi.ClusterResourceOnline, err
	})
}
