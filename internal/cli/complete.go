package cli

import (
	"context"
	"time"

	"github.com/spf13/cobra"
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
	c, err := a.cluster()
	if err != nil {
		return nil, err
	}
	groups, err := c.Groups().List(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, g := range groups {
		out = append(out, g.Name)
	}
	return out, nil
}

func (a *app) resourceNames(ctx context.Context) ([]string, error) {
	c, err := a.cluster()
	if err != nil {
		return nil, err
	}
	resources, err := c.Resources().List(ctx, "")
	if err != nil {
		return nil, err
	}
	var out []string
	for _, r := range resources {
		out = append(out, r.Name)
	}
	return out, nil
}

func (a *app) nodeNames(ctx context.Context) ([]string, error) {
	c, err := a.cluster()
	if err != nil {
		return nil, err
	}
	nodes, err := c.ListNodes(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, n := range nodes {
		out = append(out, n.Name)
	}
	return out, nil
}
