package agent

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/batoncluster/baton/internal/config"
	"github.com/batoncluster/baton/internal/dial"
)

// Command is `baton agent`: it runs a node until interrupted.
func Command() *cobra.Command {
	cfg := config.Defaults()
	var (
		advertise   string
		configFile  string
		printConfig bool
	)
	cmd := &cobra.Command{
		Use:   "agent",
		Short: "Run a cluster node (-dev: a complete one-node cluster, nothing to set up)",
		Long: `Run a cluster node: the cluster database (embedded etcd), the resource host
and the API on a Unix socket and on TCP.

  baton agent -dev                      a one-node cluster in a temporary directory
  baton agent -dev --data-dir DIR       the same, kept in DIR across restarts
  baton agent --config FILE             settings from a YAML file (docs/configure.md);
                                        flags given as well win over it
  baton agent --config FILE --print-config
                                        show what the agent would run with, and check it

SIGINT or SIGTERM stops the agent: it takes what it hosts offline (dependents
first, persistent state kept), so the groups fail over to other nodes or come
back online when it starts again. With --stop-resources-on-exit=false it
leaves processes and VMs running instead; an agent back within its lease
reattaches them, otherwise the node's fence guard kills them before another
node may start them (docs/fencing.md).

Under systemd (baton.service, Type=notify: docs/install.md) the agent tells
systemd it is ready once its API serves, and feeds the unit's watchdog
while it holds a valid lease or is trying to join the cluster again.

` + MemoryLimitHelp,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			// systemd's notification socket is the agent's alone: the
			// fence guard and resource processes must not inherit it.
			sd := takeNotifier()
			// The agent's own flags: not the client's (--address, -o …)
			// that the root command's persistent flags add.
			flags := cmd.LocalFlags()
			if configFile != "" {
				if err := config.LoadFile(configFile, flags); err != nil {
					return fmt.Errorf("agent: %w", err)
				}
			}
			if advertise != "" {
				ip := advertise
				set := cfg
				set.Advertise(ip)
				if !cmd.Flags().Changed("http-addr") {
					cfg.HTTPAddr = set.HTTPAddr
				}
				if !cmd.Flags().Changed("etcd-client-addr") {
					cfg.EtcdClientAddr = set.EtcdClientAddr
				}
				if !cmd.Flags().Changed("etcd-peer-addr") {
					cfg.EtcdPeerAddr = set.EtcdPeerAddr
				}
			}
			if cfg.Dev && advertise == "" {
				if !cmd.Flags().Changed("etcd-client-addr") {
					cfg.EtcdClientAddr = "auto"
				}
				if !cmd.Flags().Changed("etcd-peer-addr") {
					cfg.EtcdPeerAddr = "auto"
				}
				if !cmd.Flags().Changed("default-socket") {
					cfg.DefaultSocket = dial.DefaultSocket()
				}
			}
			if printConfig {
				if err := config.Print(cmd.OutOrStdout(), flags); err != nil {
					return err
				}
			}
			if err := cfg.Validate(); err != nil {
				return fmt.Errorf("agent: %w", err)
			}
			if printConfig {
				return nil
			}
			if exe, err := os.Executable(); err == nil {
				cfg.GuardExec = exe
			}
			log := newLogger(cfg)
			setMemoryLimit(log)
			ctx := cmd.Context()
			a, err := startOrAbandon(ctx, abandonStart, func() (*Agent, error) {
				return Start(ctx, cfg, cmd.OutOrStdout(), log)
			})
			if err != nil {
				return err
			}
			sctx, stop := context.WithCancel(ctx)
			defer stop()
			go func() {
				select {
				case <-a.Evicted():
					stop()
				case <-sctx.Done():
				}
			}()
			a.serveSystemd(sctx, sd)
			fmt.Fprintln(cmd.OutOrStdout(), "baton agent: stopping")
			a.Close()
			select {
			case <-a.Evicted():
				// Exit status 0: systemd (Restart=on-failure) leaves an
				// evicted node stopped.
				fmt.Fprintln(cmd.OutOrStdout(), "baton agent: this node was evicted from the cluster; to bring the machine back, empty its data directory and join with a join token")
			default:
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&configFile, "config", "", "read settings from this YAML file (keys: the flags' names, as in /etc/baton/agent.yaml); flags given here win over it")
	f.BoolVar(&printConfig, "print-config", false, "print the effective configuration (file, flags and what derives from them; secrets redacted) as YAML, check it, and exit")
	// Both -dev and --dev work: the README's command uses one dash.
	f.BoolVar(&cfg.Dev, "dev", false, "run a complete one-node development cluster")
	f.StringVar(&cfg.Name, "name", cfg.Name, "this node's name")
	f.StringVar(&cfg.DataDir, "data-dir", "", "where the node keeps its data (default with -dev: a temporary directory)")
	f.StringVar(&cfg.HTTPAddr, "http-addr", cfg.HTTPAddr, "TCP address of the API (port 0: any free port)")
	f.StringVar(&cfg.EtcdClientAddr, "etcd-client-addr", cfg.EtcdClientAddr, "embedded etcd client address (-dev: a free port)")
	f.StringVar(&cfg.EtcdPeerAddr, "etcd-peer-addr", cfg.EtcdPeerAddr, "embedded etcd peer address (-dev: a free port)")
	f.StringVar(&advertise, "advertise", "", "this node's IP address: the API listens on IP:7410, the embedded database on IP:7411 (clients) and IP:7412 (peers), unless set one by one")
	f.StringVar(&cfg.InitialCluster, "initial-cluster", "", "the database members of a forming cluster: name=IP,name=IP,… (this node among them)")
	f.StringVar(&cfg.Join, "join", "", "join an existing cluster through the API of any of its nodes, IP[:7410] (with --join-token): as a database member while there are fewer than 3 (5 from 9 nodes on), else as a client")
	f.StringSliceVar(&cfg.EtcdEndpoints, "etcd-endpoints", nil, "use this existing etcd cluster (client URLs) instead of an embedded member")
	f.StringVar(&cfg.ClusterName, "cluster-name", cfg.ClusterName, "the cluster's name, when it forms")
	f.StringVar(&cfg.LogFormat, "log-format", cfg.LogFormat, "log format: text or json")
	f.StringVar(&cfg.LogLevel, "log-level", cfg.LogLevel, "log level: debug, info, warn or error")
	f.DurationVar(&cfg.LeaseTTL, "lease-ttl", cfg.LeaseTTL, "how long the node's lease outlives its last renewal (whole seconds)")
	f.DurationVar(&cfg.RenewInterval, "lease-renew-interval", cfg.RenewInterval, "time between lease renewals")
	f.DurationVar(&cfg.FenceMargin, "fence-margin", cfg.FenceMargin, "stop hosted resources this long before the lease could expire without a renewal")
	f.StringVar(&cfg.PluginDir, "plugin-dir", "", "load resource-type plugins (executables named baton-restype-*) from this directory")
	f.StringVar(&cfg.Watchdog, "watchdog", "", "have the fence guard arm and feed this watchdog device (/dev/watchdog), so that a dead guard or a frozen machine resets before its lease can expire (docs/fencing.md); off by default")
	f.DurationVar(&cfg.WatchdogTimeout, "watchdog-timeout", cfg.WatchdogTimeout, "with --watchdog: the device's timeout, whole seconds, less than --fence-margin")
	f.BoolVar(&cfg.StopResourcesOnExit, "stop-resources-on-exit", cfg.StopResourcesOnExit, "take hosted resources offline when the agent stops; their groups fail over, or come back with the agent (=false: leave processes and VMs running for an agent back within its lease; the fence guard kills them otherwise)")
	f.StringVar(&cfg.DefaultSocket, "default-socket", "", "link this path to the agent's socket so clients find it (-dev: the CLI's default socket, /run/baton/baton.sock as root; \"\" for none)")
	f.StringVar(&cfg.ClusterSecretFile, "cluster-secret-file", "", "with --initial-cluster: a file (mode 0600) holding the secret all forming nodes share; the cluster CA derives from it")
	f.StringVar(&cfg.JoinToken, "join-token", "", "with --join: a token from 'baton cluster join-token create' (pins the cluster CA, proves the right to join)")
	f.StringVar(&cfg.EtcdCACert, "etcd-cacert", "", "with --etcd-endpoints: CA certificate (PEM) of the etcd servers")
	f.StringVar(&cfg.EtcdCert, "etcd-cert", "", "with --etcd-endpoints: client certificate (PEM)")
	f.StringVar(&cfg.EtcdKey, "etcd-key", "", "with --etcd-endpoints: client key (PEM)")
	f.StringVar(&cfg.TLSCert, "tls-cert", "", "an extra certificate (PEM) for the TCP API and dashboard, served to clients that ask for one of its names")
	f.StringVar(&cfg.TLSKey, "tls-key", "", "the key (PEM) of --tls-cert")
	f.StringSliceVar(&cfg.APIHosts, "api-host", nil, "another name the TCP API answers to (Host header), besides the node's name and addresses")
	f.BoolVar(&cfg.MetricsPublic, "metrics-public", false, "serve /metrics without a token (by default it needs Read access)")
	f.IntVar(&cfg.MaxConns, "max-connections", 0, "most open TCP API connections (0: automatic, below the descriptor limit)")
	_ = f.SetAnnotation("join-token", config.SecretAnnotation, []string{"true"})
	_ = f.SetAnnotation("name", config.DocDefaultAnnotation, []string{"the host name (node1 if it is not a valid node name)"})
	return cmd
}

// abandonStart is how long a start may go on after the agent was told to
// stop (SIGTERM: systemd's start timeout, or an operator).
const abandonStart = 15 * time.Second

// startOrAbandon runs start, and gives up on it if ctx ends and it has not
// returned within grace: the process then exits with start unfinished, as
// after a kill, which a node survives. Every part of a start honours ctx;
// this covers one that does not, so that a stop — and systemd's restart
// after a start timeout — is never stuck behind it.
func startOrAbandon(ctx context.Context, grace time.Duration, start func() (*Agent, error)) (*Agent, error) {
	type result struct {
		a   *Agent
		err error
	}
	done := make(chan result, 1)
	go func() { // left behind only when abandoned, as the process exits
		a, err := start()
		done <- result{a, err}
	}()
	select {
	case r := <-done:
		return r.a, r.err
	case <-ctx.Done():
	}
	select {
	case r := <-done:
		return r.a, r.err
	case <-time.After(grace):
		return nil, fmt.Errorf("agent: still starting %v after being told to stop: exiting with the start unfinished", grace)
	}
}

func newLogger(cfg config.Config) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: lvl}
	var h slog.Handler = slog.NewTextHandler(os.Stderr, opts)
	if cfg.LogFormat == "json" {
		h = slog.NewJSONHandler(os.Stderr, opts)
	}
	return slog.New(h).With("node", cfg.Name)
}

// LongDevFlag lets `baton agent -dev` work as documented: flag parsing
// would read a single-dash -dev as the shorthands -d -e -v.
func LongDevFlag(args []string) []string {
	if len(args) == 0 || args[0] != "agent" {
		return args
	}
	out := append([]string(nil), args...)
	for i, a := range out {
		if a == "--" {
			break
		}
		if a == "-dev" {
			out[i] = "--dev"
		}
	}
	return out
}
