// Package procstat reads what baton needs from /proc/PID/stat: a process's
// state and the time it started, which together tell a live process from
// a zombie and the process a pid file names from a later one that reused
// its number.
package procstat

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Stat is fields 3 (state) and 22 (starttime, in clock ticks since boot)
// of /proc/PID/stat.
type Stat struct {
	State      byte
	StartTicks uint64
}

// Read reads /proc/PID/stat.
func Read(pid int) (Stat, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return Stat{}, err
	}
	// The command name (field 2) is in parentheses and may hold spaces
	// and parentheses itself: the fields that follow start after the
	// last ')'.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return Stat{}, fmt.Errorf("procstat: malformed /proc/%d/stat", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	const state, starttime = 3, 22 // field numbers, from 1
	if len(f) <= starttime-state {
		return Stat{}, fmt.Errorf("procstat: malformed /proc/%d/stat", pid)
	}
	ticks, err := strconv.ParseUint(f[starttime-state], 10, 64)
	if err != nil || len(f[0]) != 1 {
		return Stat{}, fmt.Errorf("procstat: malformed /proc/%d/stat", pid)
	}
	return Stat{State: f[0][0], StartTicks: ticks}, nil
}
