package guard

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

// Command is `baton guard --dir DIR`, which the agent starts by itself; it
// is hidden from help.
func Command() *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:    "guard",
		Short:  "Run a node's fence guard (started by the agent)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			// Only an explicit SIGTERM stops it: a SIGINT or SIGHUP meant
			// for the agent's terminal must not take the guard away.
			signal.Ignore(syscall.SIGINT, syscall.SIGHUP)
			ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
			defer stop()
			log := slog.New(slog.NewTextHandler(os.Stderr, nil)).With("pid", os.Getpid())
			l, err := Listen(dir)
			if err != nil {
				return err
			}
			log.Info("guard: running", "dir", dir)
			return Serve(ctx, l, log)
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "", "the node's data directory")
	_ = cmd.MarkFlagRequired("dir")
	return cmd
}
