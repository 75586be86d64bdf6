package cli

import (
	"context"
	"time"

	"connectrpc.com/connect"
	"github.com/spf13/cobra"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
)

// completeWith makes every verb of noun complete its first argument with
// the names list returns (shell completion: `baton completion bash`).
func completeWith(noun *cobra.Command, list func(ctx context.Context) ([]string, error)) *cobra.Command {
	for _, verb := range noun.Commands() {
		if verb.ValidArgsFunction != nil {
			continue
		}
		verb.ValidArgsFunction = func(cmd *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			names, err := list(ctx)
			if err != nil {
				return nil, cobra.ShellCompDirectiveError
			}
			return names, cobra.ShellCompDirectiveNoFileComp
		}
	}
	return noun
}

func (a *app) groupNames(ctx context.Context) ([]string, error) {
	c, err := a.client()
	if err != nil {
		return nil, err
	}
	resp, err := c.Groups.ListGroups(ctx, connect.NewRequest(&batonv1.ListGroupsRequest{}))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, g := range resp.Msg.Groups {
		out = append(out, g.Name)
	}
	return out, nil
}

func (a *app) resourceNames(ctx context.Context) ([]string, error) {
	c, err := a.client()
	if err != nil {
		return nil, err
	}
	resp, err := c.Resources.ListResources(ctx, connect.NewRequest(&batonv1.ListResourcesRequest{}))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, r := range resp.Msg.Resources {
		out = append(out, r.Name)
	}
	return out, nil
}

func (a *app) nodeNames(ctx context.Context) ([]string, error) {
	c, err := a.client()
	if err != nil {
		return nil, err
	}
	resp, err := c.Nodes.ListNodes(ctx, connect.NewRequest(&batonv1.ListNodesRequest{}))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, n := range resp.Msg.Nodes {
		out = append(out, n.Name)
	}
	return out, nil
}
