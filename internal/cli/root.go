// Package cli is baton's command-line client: `baton <noun> <verb> …`
// over the agent's Connect API, one file per noun (group.go, resource.go,
// node.go, type.go, acl.go, cluster.go).
//
// Every command prints aligned text by default and one JSON value per call
// with -o json (the shapes are the external contract of DESIGN §4; see
// output.go). Run decides the exit status in one place:
//
//	0  the call answered ERROR_SUCCESS (0) or ERROR_IO_PENDING (997), or,
//	   with --wait, the group or resource reached the state asked for
//	1  the API answered a Win32 error (its name and code on standard
//	   error; with -o json also {"error":{…}} on standard output), or a
//	   --wait ended in another state or timed out
//	2  a usage error: unknown command or flag, bad arguments, a bad
//	   --param, --flags or --prop value
//
// Commands written elsewhere (the agent) are added to the tree by passing
// them to Run.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"connectrpc.com/connect"
	"github.com/spf13/cobra"

	"github.com/batoncluster/baton/clusapi"
	"github.com/batoncluster/baton/internal/dial"
)

// Exit statuses of Run.
const (
	ExitOK    = 0 // the call succeeded (0 or 997, or the wait reached its goal)
	ExitError = 1 // the API answered an error, or a wait did not reach its goal
	ExitUsage = 2 // the command line is wrong
)

// DefaultTimeout bounds each API call unless --timeout says otherwise.
const DefaultTimeout = 30 * time.Second

// ExitCoder is implemented by errors that choose their own exit status.
// Commands added to the tree by the caller of Run (the agent) may return
// one; any other error they return exits with ExitError.
type ExitCoder interface {
	error
	ExitCode() int
}

// Run runs the baton command line: args are the arguments without the
// program name. extra commands (for example the agent's) are added to the
// root of the tree. Run returns the exit status; it never calls os.Exit.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer, extra ...*cobra.Command) int {
	a := &app{stdout: stdout, stderr: stderr}
	root := a.tree(extra)
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	defer a.close()
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return ExitOK
	}
	if cmd == nil {
		cmd = root
	}
	return a.report(cmd, err)
}

// app is one invocation: the global flags, the writers and the connection.
type app struct {
	stdout, stderr io.Writer

	addr    string
	token   string
	ca      string
	output  string
	timeout time.Duration

	conn *dial.Conn      // for the admin calls listed at client
	api  *clusapi.Client // for every other call
}

// jsonOut reports whether -o json was asked for.
func (a *app) jsonOut() bool { return a.output == "json" }

// client connects (lazily; dial.New does no I/O) to the agent with the
// generated Connect clients. Every command goes through package clusapi
// (cluster) but these, which call baton's own admin services, with no
// Windows cluster API function behind them, and stay raw for a reason:
//
//   - cluster backup and restore (backup.go): they stream the database
//     snapshot in chunks with a header and trailer, a file format of the
//     agent's, not a call a client library user makes.
//   - cluster join-token create|list|delete (jointoken.go): the secrets
//     that admit new nodes, an agent-administration matter.
//   - group why (groupwhy.go): ExplainGroup, baton's account in words of
//     why a group is in its state, made for an operator to read.
//   - type show (type.go): DescribeResourceType, whose variant names an
//     OCF agent's parameters, baton's own.
//   - cluster status (status.go): GetDatabaseStatus (the database
//     members' health) and the quarantined records OpenCluster answers,
//     which clusapi's ClusterInfo does not carry, read together with the
//     lists of nodes, groups and resources as one screen.
//
// Nothing else uses client.
func (a *app) client() (*dial.Conn, error) {
	if a.conn != nil {
		return a.conn, nil
	}
	c, err := dial.New(a.addr, dial.Options{Token: a.token, CA: a.ca, Timeout: a.timeout})
	if err != nil {
		return nil, usageErr(err)
	}
	a.conn = c
	return c, nil
}

// cluster makes (lazily; clusapi.New does no I/O) the client library's
// Client for the agent, from the same flags as client.
func (a *app) cluster() (*clusapi.Client, error) {
	if a.api != nil {
		return a.api, nil
	}
	c, err := clusapi.New(a.addr, clusapi.WithToken(a.token), clusapi.WithCA(a.ca), clusapi.WithTimeout(a.timeout),
		clusapi.WithPageSize(int(listPageSize)))
	if err != nil {
		// The address, token or CA given cannot be used: New's message is
		// dial's, as when client refuses them.
		var ae *clusapi.APIError
		if errors.As(err, &ae) {
			return nil, usageErr(errors.New(ae.Message))
		}
		return nil, usageErr(err)
	}
	a.api = c
	return c, nil
}

func (a *app) close() {
	if a.conn != nil {
		a.conn.Close()
	}
	if a.api != nil {
		a.api.Close()
	}
}

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "baton",
		Short: "Failover clustering for Linux with the semantics of the Windows cluster API",
		Long: `baton manages a failover cluster: groups of resources that are online on
one node at a time, taken offline and brought online with the flags and
input buffers of the Windows cluster API (OfflineClusterGroupEx, ...).

The agent is picked by --address, else $BATON_ADDR, else the local agent's
socket. Over TCP (https), authenticate with --token or $BATON_TOKEN; the
agent's certificate must come from the cluster CA given by --ca or $BATON_CA
(its PEM file, or its sha256: hash), else the local agent's CA.`,
		SilenceErrors: true,
		SilenceUsage:  true,
		PersistentPreRunE: func(*cobra.Command, []string) error {
			switch a.output {
			case "text", "json":
				return nil
			}
			return usageErrorf("-o/--output must be text or json, not %q", a.output)
		},
	}
	pf := root.PersistentFlags()
	pf.StringVar(&a.addr, "address", "", "agent address: unix:///path/baton.sock or https://host:port (default $"+dial.EnvAddr+", else "+dial.DefaultSocket()+")")
	pf.StringVar(&a.token, "token", "", "bearer token for TCP: sent over https, or http to a loopback address (default $"+dial.EnvToken+")")
	pf.StringVar(&a.ca, "ca", "", "the cluster CA an https agent's certificate must come from: a PEM file or sha256:HASH (default $"+dial.EnvCA+", else "+dial.DefaultCAFile()+" if it exists, else the system's roots)")
	pf.StringVarP(&a.output, "output", "o", "text", "output format: text or json")
	pf.DurationVar(&a.timeout, "timeout", DefaultTimeout, "time limit of each API call")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageErr(err) })
	root.AddCommand(
		completeWith(a.groupCommand(), a.groupNames),
		completeWith(a.resourceCommand(), a.resourceNames),
		completeWith(a.nodeCommand(), a.nodeNames),
		a.typeCommand(),
		a.aclCommand(),
		a.clusterCommand(),
		a.eventsCommand(),
		a.versionCommand(),
	)
	return root
}

// noun makes a command that only groups verbs: run bare it prints its
// help; with an unknown verb it is a usage error.
func noun(use, short string, verbs ...*cobra.Command) *cobra.Command {
	c := &cobra.Command{
		Use:   use,
		Short: short,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
				if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
					msg += "; did you mean " + strings.Join(s, " or ") + "?"
				}
				return usageErrorf("%s", msg)
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
		// Suggest verbs within two edits, as cobra does for the root.
		SuggestionsMinimumDistance: 2,
	}
	c.AddCommand(verbs...)
	return c
}

// Argument validators that produce usage errors.

func exactArgs(names ...string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != len(names) {
			if len(names) == 0 {
				return usageErrorf("%q takes no arguments, got %q", cmd.CommandPath(), args)
			}
			return usageErrorf("%q needs %s, got %d argument(s)", cmd.CommandPath(), strings.Join(names, " "), len(args))
		}
		return nil
	}
}

func minArgs(n int, names string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < n {
			return usageErrorf("%q needs %s", cmd.CommandPath(), names)
		}
		return nil
	}
}

// Errors and their exit statuses.

// usageError is a command line that cannot be run: exit status 2.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usageErr(err error) error { return &usageError{err: err} }

func usageErrorf(format string, args ...any) error {
	return &usageError{err: fmt.Errorf(format, args...)}
}

// apiError is a Win32 error answered by the API (or found by the client
// in what the API answered, like an unknown resource type name).
type apiError struct {
	Code clusapi.Errno
	Msg  string
}

func (e *apiError) Error() string {
	if e.Msg == "" {
		return fmt.Sprintf("%s (%d)", e.Code.String(), uint32(e.Code))
	}
	return fmt.Sprintf("%s (%d): %s", e.Code.String(), uint32(e.Code), e.Msg)
}

// Unwrap lets errors.Is match the clusapi sentinel.
func (e *apiError) Unwrap() error { return e.Code }

// apiErr turns an error of a clusapi call or a Connect call into an
// *apiError with the Win32 code the server attached (or the one the
// failure implies).
func apiErr(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	var ce *clusapi.APIError
	if !errors.As(err, &ce) {
		var code clusapi.Errno
		if errors.As(err, &code) || isContextErr(err) {
			// clusapi's own: a call cut short by the end of its context
			// (RPC_S_CALL_FAILED once it was sent).
			return &apiError{Code: clusapi.ErrnoOf(err), Msg: err.Error()}
		}
	}
	e := clusapi.FromConnectError(err)
	return &apiError{Code: e.Code, Msg: e.Message}
}

// isAPIErr reports whether err is an answer of the API, or a call that
// got none: an error of a Connect call or of package clusapi.
func isAPIErr(err error) bool {
	var (
		ae   *apiError
		ce   *connect.Error
		cae  *clusapi.APIError
		code clusapi.Errno
	)
	return errors.As(err, &ae) || errors.As(err, &ce) || errors.As(err, &cae) || errors.As(err, &code) || isContextErr(err)
}

func isContextErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// runError marks an error returned while a command ran (so not a usage
// error) that has no Win32 code of its own.
type runError struct{ err error }

func (e *runError) Error() string { return e.err.Error() }
func (e *runError) Unwrap() error { return e.err }

// classifyTree wraps the validators and run functions of every command so
// that Run can tell usage errors (bad arguments, found before running) from
// errors of the run itself, also for commands it did not write.
func classifyTree(c *cobra.Command) {
	if args := c.Args; args != nil {
		c.Args = func(cmd *cobra.Command, a []string) error {
			if err := args(cmd, a); err != nil {
				var ue *usageError
				if errors.As(err, &ue) {
					return err
				}
				return usageErr(err)
			}
			return nil
		}
	}
	wrap := func(f func(*cobra.Command, []string) error) func(*cobra.Command, []string) error {
		if f == nil {
			return nil
		}
		return func(cmd *cobra.Command, a []string) error {
			err := f(cmd, a)
			if err == nil || classified(err) {
				return err
			}
			return &runError{err: err}
		}
	}
	c.PersistentPreRunE = wrap(c.PersistentPreRunE)
	c.PreRunE = wrap(c.PreRunE)
	c.RunE = wrap(c.RunE)
	for _, sub := range c.Commands() {
		classifyTree(sub)
	}
}

func classified(err error) bool {
	var (
		ue *usageError
		we *waitError
		ec ExitCoder
	)
	return errors.As(err, &ue) || isAPIErr(err) || errors.As(err, &we) || errors.As(err, &ec)
}

// exitCode is the one place that maps an error to an exit status.
func exitCode(err error) int {
	var (
		ue *usageError
		ec ExitCoder
		re *runError
		we *waitError
	)
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &ue):
		return ExitUsage
	case errors.As(err, &ec):
		return ec.ExitCode()
	case isAPIErr(err), errors.As(err, &we), errors.As(err, &re):
		return ExitError
	}
	// Anything else comes from cobra before a command ran: an unknown
	// command, a missing required flag.
	return ExitUsage
}

// report prints err (text on standard error; with -o json also the JSON
// error object on standard output) and returns the exit status.
func (a *app) report(cmd *cobra.Command, err error) int {
	code := exitCode(err)
	var we *waitError
	switch {
	case code == ExitUsage:
		if a.jsonOut() {
			a.printJSON(errorJSON(clusapi.ERROR_INVALID_PARAMETER, err.Error()))
		}
		fmt.Fprintf(a.stderr, "baton: %v\n", err)
		fmt.Fprintf(a.stderr, "Run '%s --help' for usage.\n", cmd.CommandPath())
	case errors.As(err, &we):
		// The result, with the final state, is already on standard output.
		fmt.Fprintf(a.stderr, "baton: %v\n", err)
		if h := we.hint(); h != "" {
			fmt.Fprintf(a.stderr, "hint: %s\n", h)
		}
	case isAPIErr(err):
		e := apiErr(err)
		if a.jsonOut() {
			a.printJSON(errorJSON(e.Code, e.Msg))
		}
		fmt.Fprintf(a.stderr, "baton: %v\n", e)
		if h := a.hint(err, e.Code); h != "" {
			fmt.Fprintf(a.stderr, "hint: %s\n", h)
		}
	default:
		fmt.Fprintf(a.stderr, "baton: %v\n", err)
	}
	return code
}

// hint says what to do next about an API error, or "".
func (a *app) hint(err error, code clusapi.Errno) string {
	var ce *dial.CertError
	switch {
	case errors.As(err, &ce):
		return "give the cluster CA with --ca FILE (a node's DATA/ca.crt) or --ca sha256:HASH (its agent's ca: line), or set $" + dial.EnvCA
	case errors.Is(err, dial.ErrHTTPSOnly):
		return "over https the agent is verified against the cluster CA: add --ca FILE (a node's DATA/ca.crt) or --ca sha256:HASH, or set $" + dial.EnvCA
	case errors.Is(err, dial.ErrUnsafeSocketDir):
		return "another user may have made this directory to receive your calls: do not use it; set XDG_RUNTIME_DIR, or " + dial.EnvAddr + " to the agent's socket"
	}
	switch code {
	case clusapi.ERROR_CLUSTER_RESOURCE_LOCKED_STATUS:
		return "a resource is in locked mode; use --ignore-locked to go ahead anyway"
	case clusapi.ERROR_ACCESS_DENIED:
		return "this needs Full access: ask an administrator to run 'baton acl grant PRINCIPAL --access full' ('baton cluster info' shows who you are)"
	case clusapi.RPC_S_SERVER_UNAVAILABLE:
		return fmt.Sprintf("no agent answers at %s: start one with 'baton agent -dev' or set %s", dial.Resolve(a.addr), dial.EnvAddr)
	case clusapi.RPC_S_CALL_FAILED:
		return "the call reached the agent but its answer was lost: it may or may not have taken effect; look at the state before trying again"
	case clusapi.ERROR_GROUP_NOT_FOUND, clusapi.ERROR_GROUP_NOT_AVAILABLE:
		return "'baton group list' shows the groups"
	case clusapi.ERROR_RESOURCE_NOT_FOUND, clusapi.ERROR_RESOURCE_NOT_AVAILABLE:
		return "'baton resource list' shows the resources"
	case clusapi.ERROR_CLUSTER_RESOURCE_TYPE_NOT_FOUND:
		return "'baton type list' shows the resource types"
	case clusapi.ERROR_CLUSTER_NODE_NOT_FOUND:
		return "'baton node list' shows the nodes"
	case clusapi.ERROR_DIR_NOT_EMPTY:
		return "the group still has resources: delete them first, or use --force"
	}
	return ""
}
