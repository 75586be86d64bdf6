// Package plugin loads third-party resource types: programs named
// baton-restype-* in the agent's plugin directory, each serving one type
// through hashicorp/go-plugin over gRPC (the SDK side is package
// restype/plugin). Discover starts them, asks each for its description and
// returns restype.Type values whose resources are proxies: every call goes
// to the plugin process.
//
// A plugin can never take the agent down, only fail its own resources:
//
//	call                      deadline                    plugin process dead
//	Online, Offline,          the host's ctx (pending     started again; the resource
//	Terminate                 timeout)                    is reopened in it; the call runs
//	LooksAlive, IsAlive       ctx, capped HealthTimeout   error (resource goes Failed)
//	New (Open), Validate,     CallTimeout                 started again
//	Reconfigure, Status and   CallTimeout                 properties kept for the reopen;
//	LockedMode refresh                                    last reported values kept
//
// A crash in the middle of a call fails that call (ErrPluginExited). A
// hung plugin fails the call when its deadline passes; the process is
// left running for its other resources. Status and LockedMode never call
// the plugin: they return what the plugin last reported, refreshed after
// each lifecycle call and Reconfigure and whenever a resource calls
// Config.Changed in the plugin (streamed back by Changes). So the host's
// loop, which calls them and New and Reconfigure, waits at most
// CallTimeout on a plugin.
package plugin

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/batoncluster/baton/proplist"
	"github.com/batoncluster/baton/restype"
	sdk "github.com/batoncluster/baton/restype/plugin"
	"github.com/batoncluster/baton/restype/plugin/pluginv1"
)

// Errors callers may branch on.
var (
	// ErrPluginExited: the plugin process is not running (it crashed, or
	// exited during the call).
	ErrPluginExited = errors.New("plugin: plugin process exited")
	// ErrPluginRestarted: the plugin process was started again since the
	// resource was opened, so the resource's state in it is gone; the
	// next online opens it again.
	ErrPluginRestarted = errors.New("plugin: plugin process restarted since the resource was opened")
	// ErrClosed: the plugin was closed (the agent is stopping).
	ErrClosed = errors.New("plugin: closed")
)

// Options are the time limits for plugins; zero fields take the defaults.
type Options struct {
	// StartTimeout bounds starting a plugin process and its handshake
	// (default 10 s).
	StartTimeout time.Duration
	// CallTimeout bounds calls made without a deadline from the host:
	// Describe, Validate, Open (a resource's New), Reconfigure, Close, and
	// the Status and LockedMode refreshes (default 5 s).
	CallTimeout time.Duration
	// HealthTimeout caps LooksAlive and IsAlive (default 30 s).
	HealthTimeout time.Duration
	// SocketDir holds a directory per plugin process for its Unix socket
	// (go-plugin's UnixSocketConfig.TempDir), removed when the process
	// ends; empty: the system's temporary directory. An agent gives its
	// data directory's, which it clears at start: sockets of processes
	// killed with it are not left behind in /tmp.
	SocketDir string
}

func (o Options) withDefaults() Options {
	o.StartTimeout = cmp.Or(o.StartTimeout, 10*time.Second)
	o.CallTimeout = cmp.Or(o.CallTimeout, 5*time.Second)
	o.HealthTimeout = cmp.Or(o.HealthTimeout, 30*time.Second)
	return o
}

// Discover is DiscoverWith with the default Options.
func Discover(dir string, log *slog.Logger) ([]*restype.Type, []io.Closer, error) {
	return DiscoverWith(dir, log, Options{})
}

// DiscoverWith starts every executable file in dir whose name starts with
// baton-restype- (in name order), asks it for its type and returns the
// types, and one Closer per running plugin that stops it (closers[i]
// serves types[i]); the caller closes them all when it stops, whatever
// the error, after the last call to the types' resources.
//
// A plugin that cannot be started or described, or whose type name
// another plugin took already, is stopped and left out; the error joins
// one error per such plugin while the types of the others are returned:
// the caller decides whether that is fatal. A dir that cannot be read, or
// that a user other than root and the agent's could change (it or a
// directory above it is theirs or writable by group or others), is an
// error and nothing is started.
func DiscoverWith(dir string, log *slog.Logger, o Options) ([]*restype.Type, []io.Closer, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	o = o.withDefaults()
	paths, errs, err := candidates(dir)
	if err != nil {
		return nil, nil, err
	}
	for _, err := range errs {
		log.Warn("resource type plugin not loaded", slog.Any("err", err))
	}
	var (
		types   []*restype.Type
		closers []io.Closer
		names   = map[string]string{}
	)
	for _, path := range paths {
		p := newProc(path, log, o)
		t, err := p.describe()
		if err == nil {
			if other, dup := names[t.Name]; dup {
				err = fmt.Errorf("plugin %s: type %q is served by %s already", p.name, t.Name, other)
			}
		}
		if err != nil {
			p.Close()
			log.Warn("resource type plugin not loaded", slog.String("plugin", path), slog.Any("err", err))
			errs = append(errs, err)
			continue
		}
		names[t.Name] = p.name
		log.Info("resource type plugin loaded", slog.String("plugin", path), slog.String("type", t.Name))
		types = append(types, t)
		closers = append(closers, p)
	}
	return types, closers, errors.Join(errs...)
}

// candidates lists the plugin programs in dir, and an error for each one
// refused because someone other than the agent's user or root could have
// changed it: the agent runs plugins with its own privileges. A directory
// that others could change (checkTree) is an error and nothing is listed.
func candidates(dir string) ([]string, []error, error) {
	if err := checkTree(dir); err != nil {
		return nil, nil, fmt.Errorf("plugin: plugin directory refused: %w", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("plugin: reading plugin directory: %w", err)
	}
	var (
		out  []string
		errs []error
	)
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), sdk.FilePrefix) {
			continue
		}
		path := filepath.Join(dir, e.Name())
		fi, err := os.Stat(path) // follows symbolic links
		if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
			continue
		}
		if err := checkOwner(fi); err != nil {
			errs = append(errs, fmt.Errorf("plugin %s: %w", e.Name(), err))
			continue
		}
		if e.Type()&fs.ModeSymlink != 0 {
			// The program it leads to must be out of others' reach too.
			target, err := filepath.EvalSymlinks(path)
			if err == nil {
				err = checkTree(filepath.Dir(target))
			}
			if err != nil {
				errs = append(errs, fmt.Errorf("plugin %s: %w", e.Name(), err))
				continue
			}
		}
		out = append(out, path)
	}
	sort.Strings(out)
	return out, errs, nil
}

// checkOwner refuses a file writable by group or others, or owned by
// another user than the agent's or root.
func checkOwner(fi os.FileInfo) error {
	if fi.Mode().Perm()&0o022 != 0 {
		return fmt.Errorf("refused: writable by group or others (mode %v)", fi.Mode().Perm())
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Uid != 0 && int(st.Uid) != os.Geteuid() {
		return fmt.Errorf("refused: owned by uid %d, neither root nor the agent's user", st.Uid)
	}
	return nil
}

// checkTree refuses dir unless it and every directory above it up to /
// are owned by root or the agent's user and writable by nobody else, as
// sshd's StrictModes: whoever can write one of them can put another
// program in a plugin's place. Above dir, a root-owned directory with the
// sticky bit (/tmp) is accepted: others can neither rename nor remove what
// they do not own in it. Symbolic links on the way are followed, and both
// the path as written and the one it leads to are checked.
func checkTree(dir string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	resolved, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return err
	}
	if err := checkChain(abs); err != nil {
		return err
	}
	if resolved != abs {
		return checkChain(resolved)
	}
	return nil
}

// checkChain checks path and its parents (see checkTree); a symbolic link
// on the way is left to its parent (which decides who may replace it) and
// to the check of the resolved path.
func checkChain(path string) error {
	for p, first := path, true; ; p, first = filepath.Dir(p), false {
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			if err := checkDir(p, fi, first); err != nil {
				return err
			}
		}
		if p == filepath.Dir(p) {
			return nil
		}
	}
}

// checkDir checks one directory of a chain; self is the plugin directory
// itself (never accepted writable by others, sticky or not).
func checkDir(p string, fi os.FileInfo, self bool) error {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fmt.Errorf("%s: owner unknown", p)
	}
	if st.Uid != 0 && int(st.Uid) != os.Geteuid() {
		return fmt.Errorf("%s is owned by uid %d, neither root nor the agent's user", p, st.Uid)
	}
	perm := fi.Mode().Perm()
	sticky := fi.Mode()&fs.ModeSticky != 0 && st.Uid == 0
	if perm&0o022 != 0 && (self || !sticky) {
		return fmt.Errorf("%s is writable by group or others (mode %v)", p, perm)
	}
	return nil
}

// describe starts the plugin and makes its type.
func (p *proc) describe() (*restype.Type, error) {
	ctx, cancel := context.WithTimeout(context.Background(), p.o.StartTimeout+p.o.CallTimeout)
	defer cancel()
	g, err := p.conn(ctx, true)
	if err != nil {
		return nil, err
	}
	cctx, ccancel := context.WithTimeout(ctx, p.o.CallTimeout)
	defer ccancel()
	d, err := g.rpc.Describe(cctx, &pluginv1.DescribeRequest{})
	if err != nil {
		return nil, p.callErr(cctx, g, "describe", err)
	}
	if d.Name == "" {
		return nil, fmt.Errorf("plugin %s: the type has no name", p.name)
	}
	t := &restype.Type{
		Name:               d.Name,
		Description:        d.Description,
		OfflineParameter:   d.OfflineParameter,
		LooksAliveInterval: d.LooksAliveIntervalMs,
		IsAliveInterval:    d.IsAliveIntervalMs,
		New:                p.newResource,
	}
	for _, pi := range d.Properties {
		t.Properties = append(t.Properties, restype.PropertyInfo{
			Name: pi.Name, Kind: pi.Kind, Default: pi.DefaultValue, Description: pi.Description,
		})
	}
	if d.Validates {
		t.Validate = p.validate
	}
	return t, nil
}

// validate is the type's Validate: the plugin checks the properties
// within CallTimeout, started again if it is not running.
func (p *proc) validate(l proplist.List) error {
	ctx, cancel := context.WithTimeout(context.Background(), p.o.CallTimeout)
	defer cancel()
	g, err := p.conn(ctx, true)
	if err != nil {
		return err
	}
	_, err = g.rpc.Validate(ctx, &pluginv1.ValidateRequest{Properties: l.Marshal()})
	return p.callErr(ctx, g, "validate", err)
}
