package server_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"connectrpc.com/connect"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/clustertest"
	"github.com/batoncluster/baton/internal/ops"
)

// walk follows next_page_token from the first page to the last, and
// returns every name in order and the number of pages.
func walk(t *testing.T, page func(token string) ([]string, string, error)) ([]string, int) {
	t.Helper()
	var all []string
	token, pages := "", 0
	for {
		names, next, err := page(token)
		if err != nil {
			t.Fatal(err)
		}
		all, pages = append(all, names...), pages+1
		if next == "" {
			return all, pages
		}
		if pages > 100 {
			t.Fatal("the pages do not end")
		}
		token = next
	}
}

// ListGroups, ListResources (all and a group's), ListOperations and
// ListNodes answer in pages when asked, and everything at once when not.
func TestListsInPages(t *testing.T) {
	n := clustertest.New(t)
	c := conn(t, n.Addr(), "")
	ctx := context.Background()
	e := n.Ops()
	var groups, resources []string
	for i := range 7 {
		g := fmt.Sprintf("G%d", i)
		if _, err := e.CreateGroup(ctx, g, nil, nil); err != nil {
			t.Fatal(err)
		}
		groups = append(groups, g)
	}
	// G0's resources in an order that is not the names'.
	for _, r := range []string{"r5", "r1", "r4", "r2", "r3"} {
		if _, err := e.CreateResource(ctx, r, "G0", "dummy", nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.CreateResource(ctx, "g1r", "G1", "dummy", nil, nil); err != nil {
		t.Fatal(err)
	}
	resources = []string{"g1r", "r1", "r2", "r3", "r4", "r5"}
	for range 3 {
		if _, err := e.OnlineGroup(ctx, ops.GroupRef{Name: "G1"}, "", ops.Request{}); err != nil {
			t.Fatal(err)
		}
		n.AwaitGroup("G1", wsfc.ClusterGroupOnline)
		if _, err := e.OfflineGroup(ctx, ops.GroupRef{Name: "G1"}, ops.Request{}); err != nil {
			t.Fatal(err)
		}
		n.AwaitGroup("G1", wsfc.ClusterGroupOffline)
	}

	listGroups := func(size int32) func(string) ([]string, string, error) {
		return func(token string) ([]string, string, error) {
			r, err := c.Groups.ListGroups(ctx, connect.NewRequest(&batonv1.ListGroupsRequest{PageSize: size, PageToken: token}))
			if err != nil {
				return nil, "", err
			}
			var names []string
			for _, g := range r.Msg.Groups {
				names = append(names, g.Name)
			}
			return names, r.Msg.NextPageToken, nil
		}
	}
	for _, size := range []int32{0, 1, 3, 7, 1000, 5000} {
		got, pages := walk(t, listGroups(size))
		want := 1
		if size > 0 && size < 7 {
			want = (7 + int(size) - 1) / int(size)
		}
		if !slices.Equal(got, groups) || pages != want {
			t.Errorf("ListGroups page_size %d: %v in %d pages, want %v in %d", size, got, pages, groups, want)
		}
	}
	listResources := func(group string) func(string) ([]string, string, error) {
		return func(token string) ([]string, string, error) {
			r, err := c.Resources.ListResources(ctx, connect.NewRequest(&batonv1.ListResourcesRequest{Group: group, PageSize: 2, PageToken: token}))
			if err != nil {
				return nil, "", err
			}
			var names []string
			for _, x := range r.Msg.Resources {
				names = append(names, x.Name)
			}
			return names, r.Msg.NextPageToken, nil
		}
	}
	if got, pages := walk(t, listResources("")); !slices.Equal(got, resources) || pages != 3 {
		t.Errorf("ListResources: %v in %d pages", got, pages)
	}
	if got, _ := walk(t, listResources("G0")); !slices.Equal(got, []string{"r5", "r1", "r4", "r2", "r3"}) {
		t.Errorf("ListResources of G0: %v, want the order of creation", got)
	}
	ops, pages := walk(t, func(token string) ([]string, string, error) {
		r, err := c.Groups.ListOperations(ctx, connect.NewRequest(&batonv1.ListOperationsRequest{Group: &batonv1.GroupRef{Name: "G1"}, PageSize: 4, PageToken: token}))
		if err != nil {
			return nil, "", err
		}
		var kinds []string
		for _, o := range r.Msg.Operations {
			kinds = append(kinds, o.Kind)
		}
		return kinds, r.Msg.NextPageToken, nil
	})
	if len(ops) != 6 || pages != 2 || ops[0] != "OnlineGroup" || ops[5] != "OfflineGroup" {
		t.Errorf("ListOperations of G1: %v in %d pages", ops, pages)
	}
	nodes, _ := walk(t, func(token string) ([]string, string, error) {
		r, err := c.Nodes.ListNodes(ctx, connect.NewRequest(&batonv1.ListNodesRequest{PageSize: 1, PageToken: token}))
		if err != nil {
			return nil, "", err
		}
		var names []string
		for _, x := range r.Msg.Nodes {
			names = append(names, x.Name)
			if len(x.Groups) != 7 {
				t.Errorf("node %s owns %v, want the 7 groups", x.Name, x.Groups)
			}
		}
		return names, r.Msg.NextPageToken, nil
	})
	if len(nodes) != 1 {
		t.Errorf("ListNodes: %v", nodes)
	}

	// A token is good for its own list only; a negative size is refused.
	r, err := c.Groups.ListGroups(ctx, connect.NewRequest(&batonv1.ListGroupsRequest{PageSize: 2}))
	if err != nil {
		t.Fatal(err)
	}
	for what, call := range map[string]func() error{
		"a groups token to ListResources": func() error {
			_, err := c.Resources.ListResources(ctx, connect.NewRequest(&batonv1.ListResourcesRequest{PageSize: 2, PageToken: r.Msg.NextPageToken}))
			return err
		},
		"a token of all resources to G0's": func() error {
			first, err := c.Resources.ListResources(ctx, connect.NewRequest(&batonv1.ListResourcesRequest{PageSize: 2}))
			if err != nil {
				return nil
			}
			_, err = c.Resources.ListResources(ctx, connect.NewRequest(&batonv1.ListResourcesRequest{Group: "G0", PageSize: 2, PageToken: first.Msg.NextPageToken}))
			return err
		},
		"garbage": func() error {
			_, err := c.Groups.ListGroups(ctx, connect.NewRequest(&batonv1.ListGroupsRequest{PageToken: "!!"}))
			return err
		},
		"page_size -1": func() error {
			_, err := c.Groups.ListGroups(ctx, connect.NewRequest(&batonv1.ListGroupsRequest{PageSize: -1}))
			return err
		},
	} {
		if err := call(); err == nil || code(t, err) != wsfc.ERROR_INVALID_PARAMETER {
			t.Errorf("%s: %v, want ERROR_INVALID_PARAMETER", what, err)
		}
	}
}
