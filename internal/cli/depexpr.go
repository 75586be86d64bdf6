package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

// depExprJSON answers `resource dependency-expression`: the expression
// in effect (after a set, as the agent reads it back).
type depExprJSON struct {
	Resource   string `json:"resource"`
	Expression string `json:"expression"`
	Status     uint32 `json:"status"`
	StatusName string `json:"statusName"`
}

func (a *app) resourceDependencyExpression() *cobra.Command {
	return &cobra.Command{
		Use:   "dependency-expression NAME [EXPR]",
		Short: "Print or set a resource's dependencies as an expression with and/or (Get/SetClusterResourceDependencyExpression)",
		Long: `Without EXPR, print the resource's dependencies as an expression: resources
in square brackets joined by "and" and "or" ("[A] and [B]" for
dependencies added with 'baton resource depend', nothing for none).

With EXPR, replace every dependency of the resource with it; '' clears
them. ANDs of ORs, as Windows has them:

  baton resource dependency-expression app '[ip-a] or [ip-b]'
  baton resource dependency-expression app '([ip-a] or [ip-b]) and [disk]'

The resource comes online once each "or" has a resource online, and an
offline of one of them takes it offline only if none other is online
(docs/dependencies.md). Bad syntax, the resource itself or one of another
group answer ERROR_INVALID_PARAMETER (87), an unknown name
ERROR_RESOURCE_NOT_FOUND (5007), a cycle ERROR_CIRCULAR_DEPENDENCY (1059),
an online resource whose new dependencies are not online
ERROR_RESOURCE_ONLINE (5019); nothing changes then.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) < 1 || len(args) > 2 {
				return usageErr(fmt.Errorf("want NAME [EXPR], got %d arguments", len(args)))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.cluster()
			if err != nil {
				return err
			}
			ctx, name := cmd.Context(), args[0]
			if len(args) == 2 {
				if err := c.Resources().SetDependencyExpression(ctx, name, args[1]); err != nil {
					return err
				}
			}
			expr, err := c.Resources().DependencyExpression(ctx, name)
			if err != nil {
				return err
			}
			if a.jsonOut() {
				return a.printJSON(depExprJSON{Resource: name, Expression: expr, StatusName: "ERROR_SUCCESS"})
			}
			_, err = fmt.Fprintln(a.stdout, expr)
			return err
		},
	}
}
