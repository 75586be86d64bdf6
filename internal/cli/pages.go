package cli

import (
	"context"

	"connectrpc.com/connect"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
	"github.com/batoncluster/baton/internal/dial"
)

// listPageSize is how many items a list command asks the agent for at a
// time: a cluster of 10,000 groups is listed in 20 calls, none of them
// big, rather than in one answer of everything.
var listPageSize int32 = 500

// allPages calls page with each page token, from the first page (""),
// until an answer gives no next one, and returns every item in order.
func allPages[T any](page func(token string) ([]T, string, error)) ([]T, error) {
	var out []T
	token := ""
	for {
		items, next, err := page(token)
		if err != nil {
			return nil, err
		}
		out = append(out, items...)
		if next == "" {
			return out, nil
		}
		token = next
	}
}

func listGroups(ctx context.Context, c *dial.Conn) ([]*batonv1.Group, error) {
	return allPages(func(token string) ([]*batonv1.Group, string, error) {
		r, err := c.Groups.ListGroups(ctx, connect.NewRequest(&batonv1.ListGroupsRequest{PageSize: listPageSize, PageToken: token}))
		if err != nil {
			return nil, "", err
		}
		return r.Msg.GetGroups(), r.Msg.GetNextPageToken(), nil
	})
}

// listResources lists the resources of group ("": of every group).
func listResources(ctx context.Context, c *dial.Conn, group string) ([]*batonv1.Resource, error) {
	return allPages(func(token string) ([]*batonv1.Resource, string, error) {
		r, err := c.Resources.ListResources(ctx, connect.NewRequest(&batonv1.ListResourcesRequest{Group: group, PageSize: listPageSize, PageToken: token}))
		if err != nil {
			return nil, "", err
		}
		return r.Msg.GetResources(), r.Msg.GetNextPageToken(), nil
	})
}

func listNodes(ctx context.Context, c *dial.Conn) ([]*batonv1.Node, error) {
	return allPages(func(token string) ([]*batonv1.Node, string, error) {
		r, err := c.Nodes.ListNodes(ctx, connect.NewRequest(&batonv1.ListNodesRequest{PageSize: listPageSize, PageToken: token}))
		if err != nil {
			return nil, "", err
		}
		return r.Msg.GetNodes(), r.Msg.GetNextPageToken(), nil
	})
}
