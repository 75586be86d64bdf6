package clusapi_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/batoncluster/baton/clusapi"
)

// AddClusterResourceNode and RemoveClusterResourceNode against a real
// agent (one node): the enumeration of possible owners follows them;
// the codes of [MS-CMRP] ApiAddResourceNode/ApiRemoveResourceNode; a
// resource whose list leaves the node out comes online there as Offline,
// its LastError saying why; Read access and NULL handles are refused.
func TestResourceNodesAgainstAgent(t *testing.T) {
	a := startAgent(t)
	c := a.client(t)
	ctx := testCtx(t)
	hCluster := mustCluster(t, a.Addr)
	if _, err := clusapi.CreateClusterGroup(hCluster, "G"); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"R", "S"} {
		if _, err := c.Resources().Create(ctx, name, "G", "dummy", clusapi.CreateResourceOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	nodes, err := c.ListNodes(ctx)
	if err != nil || len(nodes) != 1 {
		t.Fatalf("nodes %v, %v", nodes, err)
	}
	node := nodes[0].Name
	hNode, err := clusapi.OpenClusterNode(hCluster, node)
	if err != nil {
		t.Fatal(err)
	}
	defer clusapi.CloseClusterNode(hNode)
	hR, err := clusapi.OpenClusterResource(hCluster, "R")
	if err != nil {
		t.Fatal(err)
	}
	defer clusapi.CloseClusterResource(hR)
	hS, err := clusapi.OpenClusterResource(hCluster, "S")
	if err != nil {
		t.Fatal(err)
	}
	defer clusapi.CloseClusterResource(hS)
	owners := func(h clusapi.HRESOURCE) []string {
		t.Helper()
		e, err := clusapi.ClusterResourceOpenEnum(h, clusapi.CLUSTER_RESOURCE_ENUM_NODES)
		if err != nil {
			t.Fatal(err)
		}
		defer clusapi.ClusterResourceCloseEnum(e)
		_, names := enumNames(t, func(i uint32, cch *uint32) (uint32, string, clusapi.Errno) {
			return clusapi.ClusterResourceEnum(e, i, cch)
		})
		return names
	}
	if got := owners(hR); !slices.Equal(got, []string{node}) {
		t.Errorf("default possible owners %v, want [%s]", got, node)
	}
	if got := clusapi.AddClusterResourceNode(hR, hNode); got != clusapi.ERROR_OBJECT_ALREADY_EXISTS {
		t.Errorf("add to the default: %v, want ERROR_OBJECT_ALREADY_EXISTS", got)
	}
	if got := clusapi.AddClusterResourceNode(nil, hNode); got != clusapi.ERROR_INVALID_HANDLE {
		t.Errorf("NULL resource: %v", got)
	}
	if got := clusapi.RemoveClusterResourceNode(hR, nil); got != clusapi.ERROR_INVALID_HANDLE {
		t.Errorf("NULL node: %v", got)
	}

	// S Online on its node: that node cannot be removed.
	if got := clusapi.OnlineClusterResource(hS); got != clusapi.ERROR_SUCCESS && got != clusapi.ERROR_IO_PENDING {
		t.Fatalf("OnlineClusterResource(S): %v", got)
	}
	eventually(t, "S Online", func() (bool, error) {
		r, err := c.Resources().Get(ctx, "S")
		return err == nil && r.State == clusapi.ClusterResourceOnline, err
	})
	if got := clusapi.RemoveClusterResourceNode(hS, hNode); got != clusapi.ERROR_INVALID_STATE {
		t.Errorf("remove the owner of an Online resource: %v, want ERROR_INVALID_STATE", got)
	}
	if r, _ := c.Resources().Get(ctx, "S"); r == nil || r.PossibleOwnersExplicit {
		t.Errorf("the refusal changed S: %+v", r)
	}

	t.Run("read access", func(t *testing.T) {
		hc := readOnlyCluster(t, a, c)
		h, err := clusapi.OpenClusterResource(hc, "R")
		if err != nil {
			t.Fatal(err)
		}
		defer clusapi.CloseClusterResource(h)
		hn, err := clusapi.OpenClusterNode(hc, node)
		if err != nil {
			t.Fatal(err)
		}
		defer clusapi.CloseClusterNode(hn)
		if got := clusapi.RemoveClusterResourceNode(h, hn); got != clusapi.ERROR_ACCESS_DENIED {
			t.Errorf("remove with Read access: %v, want ERROR_ACCESS_DENIED", got)
		}
		if got := owners(h); !slices.Equal(got, []string{node}) {
			t.Errorf("enumeration with Read access: %v", got)
		}
	})

	// R: remove the only node — an explicit, empty list.
	if got := clusapi.RemoveClusterResourceNode(hR, hNode); got != clusapi.ERROR_SUCCESS {
		t.Fatalf("remove: %v", got)
	}
	if got := owners(hR); len(got) != 0 {
		t.Errorf("after remove: %v, want none", got)
	}
	if r, err := c.Resources().Get(ctx, "R"); err != nil || !r.PossibleOwnersExplicit || len(r.PossibleOwners) != 0 {
		t.Errorf("Resource R: %+v, %v", r, err)
	}
	if got := clusapi.RemoveClusterResourceNode(hR, hNode); got != clusapi.ERROR_CLUSTER_NODE_NOT_FOUND {
		t.Errorf("remove again: %v, want ERROR_CLUSTER_NODE_NOT_FOUND", got)
	}
	// Brought online on a node that is not a possible owner: Offline.
	if got := clusapi.OnlineClusterResource(hR); got != clusapi.ERROR_SUCCESS && got != clusapi.ERROR_IO_PENDING {
		t.Fatalf("OnlineClusterResource(R): %v", got)
	}
	eventually(t, "R Offline with a LastError", func() (bool, error) {
		r, err := c.Resources().Get(ctx, "R")
		return err == nil && r.State == clusapi.ClusterResourceOffline && strings.Contains(r.LastError, "not a possible owner"), err
	})
	if got := clusapi.AddClusterResourceNode(hR, hNode); got != clusapi.ERROR_SUCCESS {
		t.Fatalf("add: %v", got)
	}
	if got := owners(hR); !slices.Equal(got, []string{node}) {
		t.Errorf("after add: %v", got)
	}
	if got := clusapi.AddClusterResourceNode(hR, hNode); got != clusapi.ERROR_OBJECT_ALREADY_EXISTS {
		t.Errorf("add again: %v, want ERROR_OBJECT_ALREADY_EXISTS", got)
	}
	if err := c.Resources().Delete(ctx, "R"); err == nil {
		if got := clusapi.AddClusterResourceNode(hR, hNode); got != clusapi.ERROR_RESOURCE_NOT_AVAILABLE {
			t.Errorf("deleted resource: %v, want ERROR_RESOURCE_NOT_AVAILABLE", got)
		}
	}
}
