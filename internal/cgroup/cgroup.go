// Package cgroup gives every resource a cgroup of its own, so that
// everything a resource started — the process a Generic Application runs,
// the daemons an OCF agent forks, a plugin's children, QEMU — can be
// counted, measured and killed as one, whatever became of the process that
// started it (a double fork, a daemon reparented to init).
//
// The layout on a node:
//
//	<hierarchy>/baton/<node>-<hash>/           the node's directory (Node)
//	<hierarchy>/baton/<node>-<hash>/<id>/      one per resource, by resource ID (Group)
//
// <hierarchy> is the cgroup v2 (unified) hierarchy where one is mounted
// and writable — /sys/fs/cgroup on a pure v2 system, /sys/fs/cgroup/unified
// on a v1/v2 hybrid — else the v1 freezer hierarchy. <hash> is the first
// 8 hex digits of the SHA-256 of the node's data directory, so that two
// agents on one machine (test clusters) never share a directory.
//
// A process is put in its resource's cgroup as it starts (Dir.Start):
// with cgroup v2 by clone3's CLONE_INTO_CGROUP, so it is in the cgroup
// before it runs a single instruction and no other process is spawned;
// with v1, or a kernel where clone3 cannot place a process (a probe at
// the first start tells), through a /bin/sh gate that waits until the
// agent has written its pid to cgroup.procs before it execs the program.
// Either way nothing it forks can be born outside the cgroup. A cgroup is
// emptied (Dir.Kill) by cgroup v2's cgroup.kill, which kills every process
// of the subtree at once, or by freezing it (no more forks), sending
// SIGKILL to every process in it and thawing it, until nothing is left.
// Some kernels (6.18) go on killing whatever is cloned into a cgroup once
// cgroup.kill was written there, so a resource's cgroup emptied that way
// is made anew (Group.Kill), as is one found left over (Node.Group).
//
// Where no hierarchy is usable (a container with /sys/fs/cgroup read-only,
// say) Setup logs why and returns a Node whose Version is None: resources
// then run without cgroups, as before, and only the process groups the
// types register are fenced.
package cgroup

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Version is the kind of cgroup hierarchy a directory is in.
type Version int

const (
	// None: no cgroups; nothing is placed or killed.
	None Version = iota
	// V1 is the v1 freezer hierarchy.
	V1
	// V2 is the unified hierarchy.
	V2
)

func (v Version) String() string {
	switch v {
	case V1:
		return "v1 (freezer)"
	case V2:
		return "v2"
	}
	return "none"
}

// Dir is one cgroup: a directory in a cgroup hierarchy. The zero Dir is
// no cgroup: Start just starts, Kill and Procs have nothing to do.
type Dir struct {
	Path    string
	Version Version
}

// ErrNotCgroup: the path is not a directory of a cgroup file system.
var ErrNotCgroup = errors.New("cgroup: not a cgroup directory")

// Open returns the cgroup at path, telling v1 from v2 by its file system.
func Open(path string) (Dir, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		return Dir{}, fmt.Errorf("cgroup: %s: %w", path, err)
	}
	switch st.Type {
	case unix.CGROUP2_SUPER_MAGIC:
		return Dir{Path: path, Version: V2}, nil
	case unix.CGROUP_SUPER_MAGIC:
		return Dir{Path: path, Version: V1}, nil
	}
	return Dir{}, fmt.Errorf("%w: %s", ErrNotCgroup, path)
}

// Valid reports whether d is a cgroup (not the zero Dir).
func (d Dir) Valid() bool { return d.Version != None && d.Path != "" }

func (d Dir) file(name string) string { return filepath.Join(d.Path, name) }

// walk calls fn for d and every cgroup below it, children first.
func (d Dir) walk(fn func(dir string) error) error {
	var dirs []string
	err := filepath.WalkDir(d.Path, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			// A cgroup removed (the whole of it, or a child meanwhile)
			// holds nothing: a guard whose agent removed the node's
			// cgroup at exit must see it empty, and exit.
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if e.IsDir() {
			dirs = append(dirs, p)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for i := len(dirs) - 1; i >= 0; i-- {
		if err := fn(dirs[i]); err != nil {
			return err
		}
	}
	return nil
}

// Procs lists the processes in d and the cgroups below it (a v1
// cgroup.procs lists thread group IDs: processes too). Zombies are not
// listed: a process leaves its cgroup when it exits.
func (d Dir) Procs() ([]int, error) {
	if !d.Valid() {
		return nil, nil
	}
	if d.Version == V2 {
		// The common case, an empty cgroup, in one read (populated covers
		// the subtree).
		if b, err := os.ReadFile(d.file("cgroup.events")); err == nil && strings.Contains(string(b), "populated 0") {
			return nil, nil
		}
	}
	var out []int
	err := d.walk(func(dir string) error {
		pids, err := readPids(filepath.Join(dir, "cgroup.procs"))
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENODEV) {
			return nil // removed meanwhile
		}
		out = append(out, pids...)
		return err
	})
	return out, err
}

func readPids(path string) ([]int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []int
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if pid, err := strconv.Atoi(strings.TrimSpace(sc.Text())); err == nil && pid > 0 {
			out = append(out, pid)
		}
	}
	return out, sc.Err()
}

// Populated reports whether any process is in d or below it.
func (d Dir) Populated() (bool, error) {
	if !d.Valid() {
		return false, nil
	}
	if d.Version == V2 {
		if b, err := os.ReadFile(d.file("cgroup.events")); err == nil {
			for _, l := range strings.Split(string(b), "\n") {
				if v, ok := strings.CutPrefix(l, "populated "); ok {
					return v != "0", nil
				}
			}
		}
	}
	pids, err := d.Procs()
	return len(pids) > 0, err
}

// killPoll is how often a kill looks again whether the cgroup is empty.
const killPoll = 5 * time.Millisecond

// Kill kills every process in d and below it and returns once none is
// left (or ctx ends): cgroup v2's cgroup.kill where the kernel has it
// (5.14), else freeze, SIGKILL each process, thaw, until empty. Nothing
// forked meanwhile escapes: cgroup.kill and a frozen cgroup allow no
// fork to finish outside the kill. The calling process itself is never
// killed (a v1 cgroup can list it while one of its threads is inside).
func (d Dir) Kill(ctx context.Context) error {
	_, err := d.kill(ctx)
	return err
}

// kill is Kill, and says whether it sent a kill (an empty cgroup gets
// none).
func (d Dir) kill(ctx context.Context) (killed bool, err error) {
	if !d.Valid() {
		return false, nil
	}
	if _, err := os.Stat(d.Path); errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	self := os.Getpid()
	for {
		pids, err := d.Procs()
		if err != nil {
			return killed, fmt.Errorf("cgroup: %s: %w", d.Path, err)
		}
		if len(pids) == 0 || (len(pids) == 1 && pids[0] == self) {
			return killed, nil
		}
		killed = true
		if err := d.killOnce(ctx, self); err != nil {
			return killed, err
		}
		t := time.NewTimer(killPoll)
		select {
		case <-ctx.Done():
			t.Stop()
			left, _ := d.Procs()
			return killed, fmt.Errorf("cgroup: %s: %d process(es) left: %w", d.Path, len(left), ctx.Err())
		case <-t.C:
		}
	}
}

// killOnce sends the kill once.
func (d Dir) killOnce(ctx context.Context, self int) error {
	if d.Version == V2 {
		err := writeFile(d.file("cgroup.kill"), "1")
		if err == nil || errors.Is(err, fs.ErrNotExist) && d.gone() {
			return nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("cgroup: kill %s: %w", d.Path, err)
		}
		// No cgroup.kill (before Linux 5.14): freeze and kill.
	}
	if err := d.freeze(ctx, true); err != nil {
		return err
	}
	defer func() { _ = d.freeze(context.Background(), false) }()
	pids, err := d.Procs()
	if err != nil {
		return fmt.Errorf("cgroup: %s: %w", d.Path, err)
	}
	for _, pid := range pids {
		if pid != self {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	return nil
}

// writeFile writes val to an existing cgroup file (never creating one).
func writeFile(path, val string) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, err = f.WriteString(val)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func (d Dir) gone() bool {
	_, err := os.Stat(d.Path)
	return errors.Is(err, fs.ErrNotExist)
}

// freezeWait bounds waiting for a cgroup to report frozen: a task in an
// uninterruptible sleep (D state) delays it.
const freezeWait = time.Second

// freeze freezes (or thaws) d and what is below it, and when freezing
// waits (at most freezeWait) until the kernel says it is frozen.
func (d Dir) freeze(ctx context.Context, on bool) error {
	var file, val, done string
	switch d.Version {
	case V2:
		file, val, done = "cgroup.freeze", "0", "frozen 1"
		if on {
			val = "1"
		}
	default:
		file, val, done = "freezer.state", "THAWED", "FROZEN"
		if on {
			val = "FROZEN"
		}
	}
	if err := writeFile(d.file(file), val); err != nil {
		return fmt.Errorf("cgroup: freeze %s: %w", d.Path, err)
	}
	if !on {
		return nil
	}
	check := d.file(file)
	if d.Version == V2 {
		check = d.file("cgroup.events")
	}
	deadline := time.Now().Add(freezeWait)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		if b, err := os.ReadFile(check); err == nil && strings.Contains(string(b), done) {
			return nil
		}
		time.Sleep(time.Millisecond)
	}
	return nil // kill what is there anyway; the loop in Kill tries again
}

// renew replaces d, empty, by a new cgroup of the same path. Some kernels
// (seen on 6.18) kill every process cloned into a v2 cgroup, or into one
// below it, once cgroup.kill was written there — for good; a cgroup made
// afterwards, even below the killed one, is not affected.
func (d Dir) renew() error {
	err := d.walk(func(dir string) error { return syscall.Rmdir(dir) })
	if err != nil && !errors.Is(err, syscall.ENOENT) {
		return fmt.Errorf("cgroup: renewing %s: %w", d.Path, err)
	}
	if err := os.Mkdir(d.Path, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("cgroup: renewing %s: %w", d.Path, err)
	}
	return nil
}

// Remove removes d and the cgroups below it if they are empty; a cgroup
// that still has processes stays (EBUSY is not an error).
func (d Dir) Remove() error {
	if !d.Valid() {
		return nil
	}
	err := d.walk(func(dir string) error {
		if err := syscall.Rmdir(dir); err != nil && !errors.Is(err, syscall.ENOENT) && !errors.Is(err, syscall.EBUSY) {
			return err
		}
		return nil
	})
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// Usage is what a cgroup's processes use.
type Usage struct {
	Processes int
	// MemoryBytes is memory.current (v2, when the memory controller is
	// enabled for baton's cgroups), else the resident memory of the
	// processes added up (shared pages count once per process); 0 when
	// no process runs.
	MemoryBytes uint64
}

var pageSize = uint64(os.Getpagesize())

// Usage reads the processes and memory of d.
func (d Dir) Usage() (Usage, error) {
	if !d.Valid() {
		return Usage{}, nil
	}
	pids, err := d.Procs()
	if err != nil {
		return Usage{}, err
	}
	u := Usage{Processes: len(pids)}
	if len(pids) == 0 {
		// Nothing runs: nothing to count (memory.current may still hold
		// page cache charged to the cgroup, which no process uses). One
		// file read, not two, for each report of a resource not running.
		return u, nil
	}
	if b, err := os.ReadFile(d.file("memory.current")); err == nil {
		if v, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64); err == nil {
			u.MemoryBytes = v
			return u, nil
		}
	}
	for _, pid := range pids {
		u.MemoryBytes += rss(pid)
	}
	return u, nil
}

// rss is a process's resident memory (/proc/PID/statm, field 2).
func rss(pid int) uint64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	n, _ := strconv.ParseUint(f[1], 10, 64)
	return n * pageSize
}

// CgroupPath is d's directory (restype.Cgroup).
func (d Dir) CgroupPath() string { return d.Path }
