package cli

import (
	"fmt"

	"connectrpc.com/connect"
	"github.com/spf13/cobra"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
	"github.com/batoncluster/baton/clusapi"
)

// typeCommand is `baton type`: the resource types the cluster knows.
func (a *app) typeCommand() *cobra.Command {
	return noun("type", "Show resource types", a.typeList(), a.typeShow())
}

// typeOf is a type as DescribeResourceType answers it ('type show' calls
// it directly: package clusapi has no face for an OCF agent's
// parameters), in the shape ListResourceTypes gives.
func typeOf(t *batonv1.ResourceType) clusapi.ResourceType {
	out := clusapi.ResourceType{Name: t.GetName(), Description: t.GetDescription(), OfflineParameter: t.GetOfflineParameter()}
	for _, p := range t.GetProperties() {
		out.Properties = append(out.Properties, clusapi.PropertyInfo{
			Name: p.GetName(), Kind: p.GetKind(), Default: p.GetDefault(), Description: p.GetDescription(),
		})
	}
	return out
}

func (a *app) typeList() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List resource types: name, description and the input-buffer parameter offline reads",
		Args:  exactArgs(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := a.cluster()
			if err != nil {
				return err
			}
			types, err := c.ListResourceTypes(cmd.Context())
			if err != nil {
				return err
			}
			if a.jsonOut() {
				out := []typeJSON{}
				for _, t := range types {
					out = append(out, toTypeJSON(t))
				}
				return a.printJSON(out)
			}
			var rows [][]string
			for _, t := range types {
				rows = append(rows, []string{t.Name, orDash(t.OfflineParameter), t.Description})
			}
			return table(a.stdout, []string{"NAME", "OFFLINE PARAMETER", "DESCRIPTION"}, rows)
		},
	}
}

func (a *app) typeShow() *cobra.Command {
	var variant string
	c := &cobra.Command{
		Use:   "show NAME [--agent PROVIDER/AGENT]",
		Short: "Show a resource type and its private properties (OCF: an agent's parameters with --agent)",
		Args:  exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := a.client()
			if err != nil {
				return err
			}
			resp, err := cl.Cluster.DescribeResourceType(cmd.Context(), connect.NewRequest(&batonv1.DescribeResourceTypeRequest{Name: args[0], Variant: variant}))
			if err != nil {
				return err
			}
			j := toTypeJSON(typeOf(resp.Msg))
			if a.jsonOut() {
				return a.printJSON(j)
			}
			offline := "-"
			if j.OfflineParameter != "" {
				offline = fmt.Sprintf("%s (a DWORD in the offline input buffer, e.g. --param '%s=dword:1')", j.OfflineParameter, j.OfflineParameter)
			}
			if err := block(a.stdout, []kv{
				{"name", j.Name},
				{"description", j.Description},
				{"offline parameter", offline},
			}); err != nil {
				return err
			}
			if len(j.Properties) == 0 {
				_, err := fmt.Fprintln(a.stdout, "properties: (none)")
				return err
			}
			fmt.Fprintln(a.stdout, "properties:")
			var rows [][]string
			for _, p := range j.Properties {
				rows = append(rows, []string{"  " + p.Name, p.Kind, orDash(p.Default), p.Description})
			}
			return table(a.stdout, []string{"  NAME", "KIND", "DEFAULT", "DESCRIPTION"}, rows)
		},
	}
	c.Flags().StringVar(&variant, "agent", "", "for OCF: show this agent's parameters (PROVIDER/AGENT, e.g. heartbeat/Dummy)")
	return c
}
