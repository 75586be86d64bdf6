package plugin

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"

	goplugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	sdk "github.com/batoncluster/baton/restype/plugin"
	"github.com/batoncluster/baton/restype/plugin/pluginv1"
)

// exitWait is how long a call that lost its connection waits to learn
// whether the plugin process exited.
const exitWait = 500 * time.Millisecond

// proc is one plugin program and its running process, started again
// when a lifecycle call finds it dead.
type proc struct {
	path string
	name string // file name, for messages
	log  *slog.Logger
	o    Options

	mu       sync.Mutex // guards the fields below
	gen      *generation
	starting *attempt // the start in progress, or nil
	closed   bool
	gens     int // generations started

	wg sync.WaitGroup // start and Changes goroutines
}

// generation is one run of the plugin process.
type generation struct {
	n      int
	client *goplugin.Client
	rpc    pluginv1.ResourceTypeClient
	cancel context.CancelFunc // ends the Changes stream
	// socketDir is Options.SocketDir: the process's socket, there, is
	// removed when it stops.
	socketDir string

	mu  sync.Mutex // guards res
	res map[uint64]*resource
}

func (g *generation) add(h uint64, r *resource) {
	g.mu.Lock()
	g.res[h] = r
	g.mu.Unlock()
}

func (g *generation) remove(h uint64) {
	g.mu.Lock()
	delete(g.res, h)
	g.mu.Unlock()
}

func (g *generation) lookup(h uint64) *resource {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.res[h]
}

// stop ends the generation's process (if it still runs) and its stream.
func (g *generation) stop() {
	g.cancel()
	g.client.Kill()
	// A process that was killed leaves its socket behind.
	if a := g.client.ReattachConfig(); a != nil && a.Addr != nil && a.Addr.Network() == "unix" && g.socketDir != "" &&
		filepath.Dir(a.Addr.String()) == g.socketDir {
		_ = os.Remove(a.Addr.String())
	}
}

// attempt is one start of the process; done closes when it ends.
type attempt struct {
	done chan struct{}
	gen  *generation
	err  error
}

func newProc(path string, log *slog.Logger, o Options) *proc {
	name := filepath.Base(path)
	return &proc{path: path, name: name, log: log.With(slog.String("plugin", name)), o: o}
}

// conn returns the running process. If it is not running, start says
// whether to start it (lifecycle calls) or fail with ErrPluginExited
// (health checks). Waiting for a start ends with ctx.
func (p *proc) conn(ctx context.Context, start bool) (*generation, error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, fmt.Errorf("plugin %s: %w", p.name, ErrClosed)
	}
	if g := p.gen; g != nil && !g.client.Exited() {
		p.mu.Unlock()
		return g, nil
	}
	if !start {
		p.mu.Unlock()
		return nil, fmt.Errorf("plugin %s: %w", p.name, ErrPluginExited)
	}
	a := p.starting
	if a == nil {
		a = &attempt{done: make(chan struct{})}
		p.starting = a
		p.wg.Add(1)
		go p.start(a)
	}
	p.mu.Unlock()
	select {
	case <-a.done:
		return a.gen, a.err
	case <-ctx.Done():
		return nil, fmt.Errorf("plugin %s: waiting for the plugin to start: %w", p.name, ctx.Err())
	}
}

// start runs one attempt: it launches the process and makes it current.
func (p *proc) start(a *attempt) {
	defer p.wg.Done()
	g, err := p.launch()
	var old *generation
	p.mu.Lock()
	p.starting = nil
	if err == nil && p.closed {
		err = fmt.Errorf("plugin %s: %w", p.name, ErrClosed)
	} else if err == nil {
		old, p.gen = p.gen, g
	}
	a.gen, a.err = g, err
	p.mu.Unlock()
	if err != nil && g != nil {
		g.stop()
		a.gen = nil
	}
	if old != nil {
		old.stop() // exited already: this reaps what is left of it
	}
	close(a.done)
}

// command is the plugin's process; with Options.SocketDir the plugin
// makes its socket there (go-plugin's server reads the variable).
func (p *proc) command() *exec.Cmd {
	cmd := exec.Command(p.path)
	if p.o.SocketDir != "" {
		cmd.Env = append(os.Environ(), goplugin.EnvUnixSocketDir+"="+p.o.SocketDir)
	}
	return cmd
}

// launch starts the process and connects to it.
func (p *proc) launch() (*generation, error) {
	p.mu.Lock()
	p.gens++
	n := p.gens
	p.mu.Unlock()
	log := p.log.With(slog.Int("run", n))
	client := goplugin.NewClient(&goplugin.ClientConfig{
		HandshakeConfig:  sdk.Handshake,
		Plugins:          goplugin.PluginSet{sdk.PluginName: &sdk.GRPCPlugin{}},
		Cmd:              p.command(),
		AllowedProtocols: []goplugin.Protocol{goplugin.ProtocolGRPC},
		StartTimeout:     p.o.StartTimeout,
		Logger:           newHCLogger(log, p.name),
		SyncStdout:       &lineWriter{log: log, stream: "stdout"},
		SyncStderr:       &lineWriter{log: log, stream: "stderr"},
	})
	cp, err := client.Client()
	if err != nil {
		client.Kill()
		return nil, fmt.Errorf("plugin %s: starting: %w", p.name, err)
	}
	raw, err := cp.Dispense(sdk.PluginName)
	if err != nil {
		client.Kill()
		return nil, fmt.Errorf("plugin %s: %w", p.name, err)
	}
	rpc, ok := raw.(pluginv1.ResourceTypeClient)
	if !ok {
		client.Kill()
		return nil, fmt.Errorf("plugin %s: unexpected client %T", p.name, raw)
	}
	ctx, cancel := context.WithCancel(context.Background())
	g := &generation{n: n, client: client, rpc: rpc, cancel: cancel, res: map[uint64]*resource{}, socketDir: p.o.SocketDir}
	ready := make(chan struct{})
	p.wg.Add(1)
	go p.watchChanges(ctx, g, ready)
	// No resource is opened before the plugin's Changes stream is live, so
	// no change is lost. A plugin built before the SDK sent the stream's
	// header would never say so: after changesReadyWait it goes on.
	select {
	case <-ready:
	case <-time.After(changesReadyWait):
		log.Warn("resource type plugin did not confirm its change stream; changes reported before it does may be missed")
	}
	if n > 1 {
		log.Warn("resource type plugin started again")
	} else {
		log.Debug("resource type plugin started")
	}
	return g, nil
}

// changesReadyWait bounds how long starting a plugin waits for its Changes
// stream to be registered.
const changesReadyWait = 5 * time.Second

// watchChanges follows the plugin's Changes stream: a resource that
// reported a change is refreshed and the host told.
// ready is closed once the plugin has registered the stream (its header
// arrived) or the stream failed.
func (p *proc) watchChanges(ctx context.Context, g *generation, ready chan<- struct{}) {
	defer p.wg.Done()
	stream, err := g.rpc.Changes(ctx, &pluginv1.ChangesRequest{})
	if err != nil {
		close(ready)
		return
	}
	_, err = stream.Header()
	close(ready)
	if err != nil {
		return
	}
	for {
		c, err := stream.Recv()
		if err != nil {
			return // the process ended or the generation was stopped
		}
		if r := g.lookup(c.Handle); r != nil {
			r.refresh(ctx, g, c.Handle)
			if r.changed != nil {
				r.changed()
			}
		}
	}
}

// Close stops the plugin process; later calls fail with ErrClosed.
func (p *proc) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	a := p.starting
	p.mu.Unlock()
	if a != nil {
		<-a.done // it sees closed and stops what it started
	}
	p.mu.Lock()
	g := p.gen
	p.gen = nil
	p.mu.Unlock()
	if g != nil {
		g.stop()
	}
	p.wg.Wait()
	return nil
}

// callErr turns the error of a call to generation g into the error the
// caller returns: the type's own message for a failure of its code, the
// context's error when ctx ended, ErrPluginExited when the process died.
func (p *proc) callErr(ctx context.Context, g *generation, op string, err error) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return fmt.Errorf("plugin %s: %s: %w", p.name, op, ctx.Err())
	}
	st, _ := status.FromError(err)
	switch st.Code() {
	case codes.Unknown, codes.InvalidArgument:
		return errors.New(st.Message()) // the type's own error
	case codes.DeadlineExceeded:
		// gRPC's timer for ctx's deadline may fire before ctx's own.
		return fmt.Errorf("plugin %s: %s: %w", p.name, op, context.DeadlineExceeded)
	case codes.Unavailable, codes.Canceled:
		if waitExited(ctx, g) {
			return fmt.Errorf("plugin %s: %s: %w", p.name, op, ErrPluginExited)
		}
	}
	return fmt.Errorf("plugin %s: %s: %s: %s", p.name, op, st.Code(), st.Message())
}

// waitExited reports whether g's process exits within exitWait.
func waitExited(ctx context.Context, g *generation) bool {
	t := time.NewTimer(exitWait)
	defer t.Stop()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for !g.client.Exited() {
		select {
		case <-tick.C:
		case <-t.C:
			return false
		case <-ctx.Done():
			return g.client.Exited()
		}
	}
	return true
}
