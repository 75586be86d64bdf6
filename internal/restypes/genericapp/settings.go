package genericapp

import (
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/batoncluster/baton/proplist"
)

// settings are the parsed private properties.
type settings struct {
	commandLine string
	argv        []string
	dir         string
	env         []string // K=V entries added to the agent's environment
	stopSignal  syscall.Signal
	stopTimeout time.Duration
	ready       []string // ReadyCommand, split; nil: none
	readyPort   uint16   // 0: none
	check       []string // CheckCommand, split; nil: none
}

// signals are the StopSignal names accepted, without the SIG prefix.
var signals = map[string]syscall.Signal{
	"HUP": syscall.SIGHUP, "INT": syscall.SIGINT, "QUIT": syscall.SIGQUIT,
	"ABRT": syscall.SIGABRT, "KILL": syscall.SIGKILL, "USR1": syscall.SIGUSR1,
	"USR2": syscall.SIGUSR2, "ALRM": syscall.SIGALRM, "TERM": syscall.SIGTERM,
	"WINCH": syscall.SIGWINCH, "PWR": syscall.SIGPWR,
}

// signalName is the SIGxxx name of sig, or its number.
func signalName(sig syscall.Signal) string {
	for n, s := range signals {
		if s == sig {
			return "SIG" + n
		}
	}
	return strconv.Itoa(int(sig))
}

// parseSignal reads "SIGTERM", "term" or "15".
func parseSignal(s string) (syscall.Signal, error) {
	u := strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(s)), "SIG")
	if sig, ok := signals[u]; ok {
		return sig, nil
	}
	if n, err := strconv.Atoi(u); err == nil && n >= 1 && n <= 64 {
		return syscall.Signal(n), nil
	}
	names := make([]string, 0, len(signals))
	for n := range signals {
		names = append(names, "SIG"+n)
	}
	sort.Strings(names)
	return 0, fmt.Errorf("genericapp: property %s: unknown signal %q (want one of %s, or a number 1-64)", PropStopSignal, s, strings.Join(names, ", "))
}

// known are the private properties the type reads.
var known = []string{PropCommandLine, PropCurrentDirectory, PropEnvironment, PropStopSignal,
	PropStopTimeoutMs, PropReadyCommand, PropReadyPort, PropCheckCommand}

// parse reads and checks the private properties. Unknown names are an
// error, so that a misspelt property does not go unnoticed.
func parse(props proplist.List) (settings, error) {
	s := settings{stopSignal: syscall.SIGTERM, stopTimeout: DefaultStopTimeoutMs * time.Millisecond}
	for _, p := range props {
		if !slices.Contains(known, p.Name) {
			return s, fmt.Errorf("genericapp: unknown property %q (known: %s)", p.Name, strings.Join(known, ", "))
		}
		if len(p.Values) == 0 {
			return s, fmt.Errorf("genericapp: property %s has no value", p.Name)
		}
	}
	str := func(name string) (string, bool, error) {
		p, ok := props.Get(name)
		if !ok {
			return "", false, nil
		}
		v, ok := props.String(name)
		if !ok {
			return "", false, fmt.Errorf("genericapp: property %s must be a string (sz), not %v", name, p.Values[0].Syntax)
		}
		return v, true, nil
	}
	dword := func(name string) (uint32, bool, error) {
		p, ok := props.Get(name)
		if !ok {
			return 0, false, nil
		}
		v, ok := props.DWORD(name)
		if !ok {
			return 0, false, fmt.Errorf("genericapp: property %s must be a DWORD, not %v", name, p.Values[0].Syntax)
		}
		return v, true, nil
	}
	words := func(name string) ([]string, error) {
		v, ok, err := str(name)
		if err != nil || !ok {
			return nil, err
		}
		w, err := SplitCommandLine(v)
		if err != nil {
			return nil, fmt.Errorf("%w (property %s)", err, name)
		}
		if len(w) == 0 || w[0] == "" {
			return nil, fmt.Errorf("genericapp: property %s names no program", name)
		}
		return w, nil
	}

	var err error
	var ok bool
	if s.commandLine, ok, err = str(PropCommandLine); err != nil {
		return s, err
	} else if !ok {
		return s, fmt.Errorf("genericapp: property %s is required", PropCommandLine)
	}
	if s.argv, err = words(PropCommandLine); err != nil {
		return s, err
	}
	if s.dir, _, err = str(PropCurrentDirectory); err != nil {
		return s, err
	}
	if s.dir != "" && !filepath.IsAbs(s.dir) {
		return s, fmt.Errorf("genericapp: property %s must be an absolute path, not %q", PropCurrentDirectory, s.dir)
	}
	if p, ok := props.Get(PropEnvironment); ok {
		v := p.Values[0]
		if v.Syntax.Format() != proplist.FormatMultiSZ {
			return s, fmt.Errorf("genericapp: property %s must be a multi_sz of K=V strings, not %v", PropEnvironment, v.Syntax)
		}
		for _, e := range v.Strs {
			k, _, found := strings.Cut(e, "=")
			if !found || k == "" || strings.ContainsRune(k, 0) {
				return s, fmt.Errorf("genericapp: property %s: entry %q is not NAME=VALUE", PropEnvironment, e)
			}
			s.env = append(s.env, e)
		}
	}
	if v, ok, err := str(PropStopSignal); err != nil {
		return s, err
	} else if ok {
		if s.stopSignal, err = parseSignal(v); err != nil {
			return s, err
		}
	}
	if v, ok, err := dword(PropStopTimeoutMs); err != nil {
		return s, err
	} else if ok {
		s.stopTimeout = time.Duration(v) * time.Millisecond
	}
	if s.ready, err = words(PropReadyCommand); err != nil {
		return s, err
	}
	if v, ok, err := dword(PropReadyPort); err != nil {
		return s, err
	} else if ok {
		if v == 0 || v > 65535 {
			return s, fmt.Errorf("genericapp: property %s must be a TCP port from 1 to 65535, not %d", PropReadyPort, v)
		}
		s.readyPort = uint16(v)
	}
	if s.check, err = words(PropCheckCommand); err != nil {
		return s, err
	}
	return s, nil
}
