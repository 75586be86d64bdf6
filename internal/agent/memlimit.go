package agent

import (
	"bufio"
	"bytes"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
)

// MemoryLimitHelp documents setMemoryLimit for `baton agent --help`.
const MemoryLimitHelp = `Unless GOMEMLIMIT is set in its environment, the agent sets Go's soft
memory limit to a quarter of the machine's memory, or to three quarters of
its cgroup's memory.max when that is less: past it the garbage collector
works harder rather than let the heap grow (GOMEMLIMIT=off: no limit).
Unless GOGC is set, the collector runs when the heap has grown by half
since the last collection (GOGC=50), not doubled (Go's 100): the agent's
heap is mostly the cluster database's cache, live for good, and it then
grows to about 1.5 times that rather than twice.`

// GCPercent is the agent's GOGC unless its environment sets one (see
// MemoryLimitHelp). bench/scale TestMemory, 25,000 resources in-process:
// resident memory 241 MB at Go's 100 and 196 MB at 50, for 4 % more CPU
// while it filled (57.2 and 59.5 s for 30,000 calls).
const GCPercent = 50

// setMemoryLimit sets Go's soft memory limit (runtime/debug.SetMemoryLimit)
// when the environment has no GOMEMLIMIT: the lesser of a quarter of the
// machine's memory and three quarters of the cgroup's limit; and the
// collector's GOGC to GCPercent when the environment has none. It returns
// the limit set, 0 if none.
func setMemoryLimit(log *slog.Logger) int64 {
	if _, ok := os.LookupEnv("GOGC"); !ok {
		debug.SetGCPercent(GCPercent)
	}
	if _, ok := os.LookupEnv("GOMEMLIMIT"); ok {
		return 0
	}
	limit := memoryLimit(machineMemory(), cgroupMemory())
	if limit <= 0 {
		return 0
	}
	debug.SetMemoryLimit(limit)
	log.Debug("memory limit set", "bytes", limit)
	return limit
}

// memoryLimit is the default soft limit for a machine of total bytes in
// a cgroup limited to cgroup bytes (0: unknown or unlimited).
func memoryLimit(total, cgroup int64) int64 {
	limit := total / 4
	if cgroup > 0 && (limit == 0 || cgroup/4*3 < limit) {
		limit = cgroup / 4 * 3
	}
	return limit
}

// machineMemory is MemTotal from /proc/meminfo, in bytes; 0 if unknown.
func machineMemory() int64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				return 0
			}
			return kb * 1024
		}
	}
	return 0
}

// cgroupMemory is the smallest memory limit of the process's cgroup and
// its ancestors (cgroup v2 memory.max; v1 memory.limit_in_bytes), in
// bytes; 0 if none.
func cgroupMemory() int64 {
	var best int64
	note := func(file string) {
		b, err := os.ReadFile(file)
		if err != nil {
			return
		}
		v, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
		// "max", or v1's "unlimited" (a page-rounded huge number).
		if err != nil || v <= 0 || v >= math.MaxInt64/2 {
			return
		}
		if best == 0 || v < best {
			best = v
		}
	}
	b, _ := os.ReadFile("/proc/self/cgroup")
	for _, line := range strings.Split(string(b), "\n") {
		// v2: "0::/path"; v1: "N:memory:/path" (or "N:cpu,memory:/path").
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		dir, file := "/sys/fs/cgroup", "memory.max"
		if parts[1] != "" {
			if !strings.Contains(","+parts[1]+",", ",memory,") {
				continue
			}
			dir, file = "/sys/fs/cgroup/memory", "memory.limit_in_bytes"
		}
		for p := filepath.Clean(parts[2]); ; p = filepath.Dir(p) {
			note(filepath.Join(dir, p, file))
			if p == "/" || p == "." {
				break
			}
		}
	}
	return best
}
