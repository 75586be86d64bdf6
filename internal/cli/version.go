package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/batoncluster/baton/internal/version"
)

// versionCommand is `baton version`: this build's version and commit. It
// asks no agent.
func (a *app) versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print baton's version and commit (-o json: {\"version\",\"commit\",\"go\"})",
		Args:  exactArgs(),
		RunE: func(*cobra.Command, []string) error {
			v := version.Get()
			if a.jsonOut() {
				return a.printJSON(v)
			}
			_, err := fmt.Fprintln(a.stdout, v.String())
			return err
		},
	}
}
