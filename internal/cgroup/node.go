package cgroup

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// TopDir is the directory under a hierarchy's root that holds every
// node's directory.
const TopDir = "baton"

// Options say where Setup makes the node's directory.
type Options struct {
	// Node is the node's name and DataDir its data directory: the
	// directory is TopDir/<Node>-<first 8 hex digits of SHA-256(DataDir)>.
	Node, DataDir string
	// Version, if not None, is the only kind of hierarchy tried.
	Version Version
	// Mountinfo lists the mounts ("": /proc/self/mountinfo).
	Mountinfo string
	Log       *slog.Logger
}

// Node is a node's cgroup directory, under which each resource it hosts
// has its own (Group). A Node whose Version is None places nothing.
type Node struct {
	Dir
	log *slog.Logger

	mu     sync.Mutex // guards groups
	groups map[string]*Group
}

// DirName is the node directory's name for a node and its data directory.
func DirName(node, dataDir string) string {
	if abs, err := filepath.Abs(dataDir); err == nil {
		dataDir = abs
	}
	sum := sha256.Sum256([]byte(dataDir))
	name := strings.Map(func(r rune) rune {
		if r == '/' || r == 0 || r == '\n' {
			return '_'
		}
		return r
	}, node)
	return name + "-" + hex.EncodeToString(sum[:4])
}

// Setup makes the node's directory in the best usable hierarchy: the v2
// one, else the v1 freezer. Where neither is usable it logs why and
// returns a Node whose Version is None.
func Setup(o Options) *Node {
	log := o.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	n := &Node{log: log, groups: map[string]*Group{}}
	mounts, err := readMounts(o.Mountinfo)
	if err != nil {
		log.Warn("cgroups: cannot list mounts; resources run without cgroups of their own", "err", err)
		return n
	}
	var why []string
	for _, m := range mounts {
		if o.Version != None && m.version != o.Version {
			continue
		}
		dir := filepath.Join(m.path, TopDir, DirName(o.Node, o.DataDir))
		if err := prepare(m, dir); err != nil {
			why = append(why, fmt.Sprintf("%s: %v", m.path, err))
			continue
		}
		n.Dir = Dir{Path: dir, Version: m.version}
		log.Info("cgroups: each resource's processes run in a cgroup of their own", "dir", dir, "version", m.version.String(),
			"memory", memoryNote(dir))
		return n
	}
	if len(why) == 0 {
		why = append(why, "no cgroup v2 or v1 freezer hierarchy is mounted")
	}
	log.Warn("cgroups: none usable; resources run without cgroups of their own: daemons forked by OCF agents and processes of plugins are not fenced, and an offline cannot end what a resource left behind (docs/fencing.md)",
		"tried", strings.Join(why, "; "))
	return n
}

// memoryNote says where the memory a resource uses is read from.
func memoryNote(dir string) string {
	if b, err := os.ReadFile(filepath.Join(dir, "cgroup.subtree_control")); err == nil && slices.Contains(strings.Fields(string(b)), "memory") {
		return "memory.current"
	}
	return "resident memory of the processes (no memory controller here)"
}

// mount is one usable cgroup hierarchy.
type mount struct {
	path    string
	version Version
}

// readMounts lists the cgroup v2 mounts (the one at /sys/fs/cgroup
// first) and then the v1 freezer ones.
func readMounts(mountinfo string) ([]mount, error) {
	if mountinfo == "" {
		mountinfo = "/proc/self/mountinfo"
	}
	f, err := os.Open(mountinfo)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var v2, v1 []mount
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		pre, post, ok := strings.Cut(sc.Text(), " - ")
		if !ok {
			continue
		}
		a, b := strings.Fields(pre), strings.Fields(post)
		if len(a) < 5 || len(b) < 3 {
			continue
		}
		path := unescape(a[4])
		switch {
		case b[0] == "cgroup2":
			v2 = append(v2, mount{path, V2})
		case b[0] == "cgroup" && slices.Contains(strings.Split(b[2], ","), "freezer"):
			v1 = append(v1, mount{path, V1})
		}
	}
	slices.SortStableFunc(v2, func(x, y mount) int {
		return boolInt(y.path == "/sys/fs/cgroup") - boolInt(x.path == "/sys/fs/cgroup")
	})
	return append(v2, v1...), sc.Err()
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// unescape undoes mountinfo's octal escapes (\040 for a space).
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// prepare makes dir in hierarchy m, checks that cgroups can be made in
// it, and in v2 enables the memory controller along the way where the
// hierarchy offers it.
func prepare(m mount, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	probe := filepath.Join(dir, fmt.Sprintf(".probe-%d", os.Getpid()))
	if err := os.Mkdir(probe, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
		return err
	}
	if err := os.Remove(probe); err != nil {
		return err
	}
	if m.version == V2 {
		if _, err := os.Stat(filepath.Join(dir, "cgroup.kill")); err != nil {
			if _, err := os.Stat(filepath.Join(dir, "cgroup.freeze")); err != nil {
				return errors.New("neither cgroup.kill nor cgroup.freeze (Linux 5.2 or later is needed)")
			}
		}
		for _, p := range []string{m.path, filepath.Join(m.path, TopDir), dir} {
			enableMemory(p)
		}
	} else if _, err := os.Stat(filepath.Join(dir, "freezer.state")); err != nil {
		return fmt.Errorf("not a freezer cgroup: %w", err)
	}
	return nil
}

// enableMemory enables the memory controller for p's children if p's
// parent gave it to p; failing is fine (usage then counts resident
// memory).
func enableMemory(p string) {
	b, err := os.ReadFile(filepath.Join(p, "cgroup.controllers"))
	if err != nil || !slices.Contains(strings.Fields(string(b)), "memory") {
		return
	}
	if b, err := os.ReadFile(filepath.Join(p, "cgroup.subtree_control")); err == nil && slices.Contains(strings.Fields(string(b)), "memory") {
		return
	}
	_ = writeFile(filepath.Join(p, "cgroup.subtree_control"), "+memory")
}

// Group is one resource's cgroup on its node.
type Group struct {
	Dir
	ID, Resource, ResourceGroup string
	node                        *Node

	mu       sync.Mutex // guards reported
	reported *Usage     // what Report last returned
}

// Group makes (or finds) the cgroup of resource ID id, named resource in
// group. It returns nil when the node has no cgroups.
func (n *Node) Group(id, resource, group string) (*Group, error) {
	if n == nil || !n.Valid() {
		return nil, nil
	}
	if id == "" || strings.ContainsAny(id, "/\x00") || id == "." || id == ".." {
		return nil, fmt.Errorf("cgroup: invalid resource id %q", id)
	}
	dir := filepath.Join(n.Path, id)
	d := Dir{Path: dir, Version: n.Version}
	if err := os.Mkdir(dir, 0o755); errors.Is(err, os.ErrExist) {
		// Left by an earlier instance or agent, and perhaps killed by the
		// fence guard since: a fresh one if nothing runs in it (renew).
		if populated, perr := d.Populated(); perr == nil && !populated && d.Version == V2 {
			if err := d.renew(); err != nil {
				return nil, err
			}
			untaint(dir)
		}
	} else if err != nil {
		return nil, fmt.Errorf("cgroup: %w", err)
	} else {
		untaint(dir)
	}
	g := &Group{Dir: d, ID: id, Resource: resource, ResourceGroup: group, node: n}
	n.mu.Lock()
	n.groups[id] = g
	n.mu.Unlock()
	return g, nil
}

// Groups are the resources' cgroups made and not released, by resource
// name.
func (n *Node) Groups() []*Group {
	if n == nil {
		return nil
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	out := make([]*Group, 0, len(n.groups))
	for _, g := range n.groups {
		out = append(out, g)
	}
	slices.SortFunc(out, func(a, b *Group) int { return strings.Compare(a.Resource, b.Resource) })
	return out
}

// Kill kills every process in g (Dir.Kill) and, where a v2 cgroup.kill
// was written, makes the cgroup anew (Dir.renew), so that the resource's
// next start can still be cloned into it; one that cannot be made anew is
// started into through the gate from then on (Dir.Start).
func (g *Group) Kill(ctx context.Context) error {
	killed, err := g.Dir.kill(ctx)
	if err != nil || !killed || g.Version != V2 {
		return err
	}
	if err := g.renew(); err != nil {
		taint(g.Path)
		return err
	}
	untaint(g.Path)
	return nil
}

// Release forgets g (the node no longer hosts its resource) and removes
// its directory if it is empty.
func (g *Group) Release() {
	if g == nil {
		return
	}
	g.node.mu.Lock()
	if g.node.groups[g.ID] == g {
		delete(g.node.groups, g.ID)
	}
	g.node.mu.Unlock()
	_ = g.Remove()
}

// Report is the usage to report now: the last one reported, unless the
// number of processes changed or memory moved by a tenth or more, so
// that a record holding it is not rewritten for every page.
func (g *Group) Report() (Usage, error) {
	u, err := g.Usage()
	if err != nil {
		return Usage{}, err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.reported != nil && !moved(*g.reported, u) {
		return *g.reported, nil
	}
	g.reported = &u
	return u, nil
}

// Moved reports whether Report would now give another usage than it last
// did.
func (g *Group) Moved() bool {
	u, err := g.Usage()
	if err != nil {
		return false
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.reported == nil || moved(*g.reported, u)
}

// moved: another number of processes, or memory a tenth (and a MiB) away.
func moved(old, now Usage) bool {
	if old.Processes != now.Processes {
		return true
	}
	d := int64(now.MemoryBytes) - int64(old.MemoryBytes)
	if d < 0 {
		d = -d
	}
	return d >= 1<<20 && uint64(d)*10 >= old.MemoryBytes
}
