// Command baton is failover clustering for Linux: `baton agent` runs a node,
// every other subcommand is the client.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/batoncluster/baton/internal/agent"
	"github.com/batoncluster/baton/internal/cli"
	"github.com/batoncluster/baton/internal/guard"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, agent.LongDevFlag(os.Args[1:]), os.Stdout, os.Stderr, agent.Command(), guard.Command())
	stop()
	os.Exit(code)
}
