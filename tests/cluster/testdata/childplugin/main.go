// Command childplugin is a resource-type plugin for tests/cluster: the
// type "Child Test", whose resources each run a shell command line
// (/bin/sh -c CommandLine) as a child of the plugin process, started in
// the resource's cgroup through restype.Config.Cgroup. Offline and
// Terminate kill that one process, not what it forked: a child that
// double-forks leaves something behind for the agent's cgroup to end.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/batoncluster/baton/proplist"
	"github.com/batoncluster/baton/restype"
	"github.com/batoncluster/baton/restype/plugin"
)

func main() {
	plugin.Serve(&restype.Type{
		Name:        "Child Test",
		Description: "Runs a shell command line as a child of the plugin, in the resource's cgroup (tests).",
		Properties: []restype.PropertyInfo{
			{Name: "CommandLine", Kind: "sz", Description: "Run by /bin/sh -c."},
		},
		LooksAliveInterval: 2000,
		IsAliveInterval:    60000,
		Validate: func(l proplist.List) error {
			if _, ok := l.String("CommandLine"); !ok {
				return errors.New("child: CommandLine is required")
			}
			return nil
		},
		New: func(cfg restype.Config) (restype.Resource, error) {
			line, _ := cfg.Properties.String("CommandLine")
			return &child{cfg: cfg, line: line, cg: restype.CgroupOf(cfg)}, nil
		},
	})
}

type child struct {
	cfg  restype.Config
	line string
	cg   restype.Cgroup
}

var _ restype.Terminator = (*child)(nil)

func (c *child) pidFile() string { return filepath.Join(c.cfg.StateDir, "child.pid") }

// running is the child's pid if it runs.
func (c *child) running() (int, bool) {
	b, err := os.ReadFile(c.pidFile())
	if err != nil {
		return 0, false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 1 {
		return 0, false
	}
	return pid, alive(pid)
}

func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	i := strings.LastIndexByte(string(b), ')')
	return i > 0 && i+2 < len(b) && b[i+2] != 'Z' && b[i+2] != 'X'
}

func (c *child) Online(ctx context.Context, req restype.OnlineRequest) error {
	if _, ok := c.running(); ok {
		return nil
	}
	if err := os.MkdirAll(c.cfg.StateDir, 0o700); err != nil {
		return err
	}
	cmd := exec.Command("/bin/sh", "-c", c.line)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := c.cg.Start(cmd); err != nil {
		return fmt.Errorf("child: %w", err)
	}
	go func() { _ = cmd.Wait() }() // reap it
	return os.WriteFile(c.pidFile(), []byte(strconv.Itoa(cmd.Process.Pid)), 0o600)
}

func (c *child) stop(ctx context.Context) error {
	pid, ok := c.running()
	if ok {
		_ = syscall.Kill(pid, syscall.SIGKILL)
		for alive(pid) {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(5 * time.Millisecond):
			}
		}
	}
	_ = os.Remove(c.pidFile())
	return nil
}

func (c *child) Offline(ctx context.Context, req restype.OfflineRequest) error { return c.stop(ctx) }
func (c *child) Terminate(ctx context.Context) error                           { return c.stop(ctx) }

func (c *child) LooksAlive(ctx context.Context) error {
	if _, ok := c.running(); !ok {
		return errors.New("child: not running")
	}
	return nil
}

func (c *child) IsAlive(ctx context.Context) error { return c.LooksAlive(ctx) }
