//go:build linux

package chaos

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// GuardPID is the process id of the node's fence guard (`baton guard
// --dir DIR`, a process of its own session), 0 if none runs.
func (n *Node) GuardPID() int {
	return findProc(func(pid int, args []string) bool {
		for i := 0; i+2 < len(args); i++ {
			if args[i] == "guard" && args[i+1] == "--dir" && args[i+2] == n.Dir {
				return true
			}
		}
		return false
	})
}

// ChildPID is the process id of a child of the node's agent whose program
// is named name (a resource-type plugin), 0 if none runs.
func (n *Node) ChildPID(name string) int {
	agent := n.PID()
	if agent == 0 {
		return 0
	}
	return findProc(func(pid int, args []string) bool {
		return len(args) > 0 && filepath.Base(args[0]) == name && parentOf(pid) == agent
	})
}

// findProc is the first live process (not a zombie) whose command line
// match accepts.
func findProc(match func(pid int, args []string) bool) int {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || len(b) == 0 {
			continue
		}
		args := strings.Split(string(bytes.TrimRight(b, "\x00")), "\x00")
		if match(pid, args) && !zombie(pid) {
			return pid
		}
	}
	return 0
}

// parentOf reads a process's parent id from /proc/PID/stat.
func parentOf(pid int) int {
	f := statFields(pid)
	if len(f) < 2 {
		return 0
	}
	ppid, _ := strconv.Atoi(f[1])
	return ppid
}

func zombie(pid int) bool {
	f := statFields(pid)
	return len(f) < 1 || f[0] == "Z" || f[0] == "X"
}

// statFields are the fields of /proc/PID/stat after the command name:
// state, ppid, …
func statFields(pid int) []string {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return nil
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return nil
	}
	return strings.Fields(string(b[i+1:]))
}

// Alive reports whether process pid runs (and is not a zombie).
func Alive(pid int) bool { return pid > 0 && !zombie(pid) }
