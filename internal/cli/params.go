package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/batoncluster/baton/proplist"
)

// opFlags are the flags of every state change (online, offline): the
// dwFlags bits and the input buffer of the clusapi Ex calls, and --wait.
type opFlags struct {
	ignoreLocked   bool        // --ignore-locked: bit 0x1
	forceTerminate bool        // --force-terminate (resource offline): bit 0x2
	flags          uint32Value // --flags N, OR-ed in unvalidated
	params         []string    // --param NAME=KIND:VALUE
	paramsFile     string      // --params-file FILE
	wait           waitFlag    // --wait[=DURATION]
}

// Flag bits the named flags set; the same value in every Ex call that has
// them (CLUSAPI_*_IGNORE_RESOURCE_STATUS and
// CLUSAPI_RESOURCE_OFFLINE_FORCE_WITH_TERMINATION).
const (
	bitIgnoreLocked   uint32 = 0x1
	bitForceTerminate uint32 = 0x2
)

// addOpFlags registers the flags shared by the online and offline verbs.
func (o *opFlags) addOpFlags(c *cobra.Command) {
	f := c.Flags()
	f.BoolVar(&o.ignoreLocked, "ignore-locked", false, "go ahead even if a resource is in locked mode (flag 0x1)")
	f.Var(&o.flags, "flags", "raw flag bits, decimal or 0x hex, OR-ed with the others and sent unvalidated")
	f.StringArrayVar(&o.params, "param", nil, "input-buffer property 'NAME=KIND:VALUE' (NAME is a resource type, e.g. 'dummy=dword:1'); repeatable")
	f.StringVar(&o.paramsFile, "params-file", "", "input buffer from FILE: a property list in JSON form, or raw property-list bytes")
	o.wait.add(c)
}

// bits is the dwFlags value: the named flags OR-ed with --flags.
func (o *opFlags) bits() uint32 {
	b := uint32(o.flags)
	if o.ignoreLocked {
		b |= bitIgnoreLocked
	}
	if o.forceTerminate {
		b |= bitForceTerminate
	}
	return b
}

// buffer is the input buffer (lpInBuffer) the flags ask for, nil for none.
// Errors are usage errors.
func (o *opFlags) buffer() ([]byte, error) {
	switch {
	case len(o.params) > 0 && o.paramsFile != "":
		return nil, usageErrorf("give either --param or --params-file, not both")
	case len(o.params) > 0:
		l, err := proplist.ParseParams(o.params)
		if err != nil {
			return nil, usageErr(err)
		}
		return l.Marshal(), nil
	case o.paramsFile != "":
		data, err := os.ReadFile(o.paramsFile)
		if err != nil {
			return nil, usageErrorf("--params-file: %w", err)
		}
		return paramsFileBuffer(data)
	}
	return nil, nil
}

// paramsFileBuffer turns the contents of a --params-file into an input
// buffer: the JSON form of a property list is encoded; anything that is not
// JSON is taken as property-list bytes and sent as is (a buffer captured on
// Windows), for the server to judge.
func paramsFileBuffer(data []byte) ([]byte, error) {
	if trimmed := bytes.TrimSpace(data); len(trimmed) > 0 && json.Valid(trimmed) {
		l, err := proplist.ParseJSON(trimmed)
		if err != nil {
			return nil, usageErrorf("--params-file: %w", err)
		}
		return l.Marshal(), nil
	}
	return data, nil
}

// parseProps parses --prop NAME=KIND:VALUE arguments into the property
// list of a create or set call (nil for none).
func parseProps(props []string) (proplist.List, error) {
	if len(props) == 0 {
		return nil, nil
	}
	l, err := proplist.ParseParams(props)
	if err != nil {
		return nil, usageErr(err)
	}
	return l, nil
}

const propUsage = "property 'NAME=KIND:VALUE', e.g. 'OnlineDelayMs=dword:500'; repeatable"

// uint32Value is a pflag.Value for a DWORD given in decimal or 0x hex.
type uint32Value uint32

func (v *uint32Value) String() string {
	if *v == 0 {
		return "0"
	}
	return fmt.Sprintf("0x%x", uint32(*v))
}

// Set parses decimal or 0x hex (a leading zero is decimal, not octal).
func (v *uint32Value) Set(s string) error {
	n, err := parseDWORD(s)
	if err != nil {
		return err
	}
	*v = uint32Value(n)
	return nil
}

func (v *uint32Value) Type() string { return "N" }

func parseDWORD(s string) (uint32, error) {
	t := strings.TrimSpace(s)
	base := 10
	if h, ok := strings.CutPrefix(strings.ToLower(t), "0x"); ok {
		t, base = h, 16
	}
	n, err := strconv.ParseUint(t, base, 32)
	if err != nil || t == "" {
		return 0, fmt.Errorf("%q is not a 32-bit number (decimal or 0x hex)", s)
	}
	return uint32(n), nil
}

// waitFlag is --wait[=DURATION]: given bare it means DefaultWait; 0 means
// no time limit.
type waitFlag struct {
	set bool
	d   time.Duration
}

// DefaultWait is how long --wait waits when given without a value.
const DefaultWait = 5 * time.Minute

func (w *waitFlag) add(c *cobra.Command) {
	c.Flags().Var(w, "wait", "wait until the state is reached, showing progress; limit the wait with --wait=DURATION (0: no limit)")
	c.Flags().Lookup("wait").NoOptDefVal = DefaultWait.String()
}

func (w *waitFlag) String() string {
	if !w.set {
		return ""
	}
	return w.d.String()
}

func (w *waitFlag) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("%q is not a duration (like 30s or 5m)", s)
	}
	if d < 0 {
		return fmt.Errorf("%q is negative", s)
	}
	w.set, w.d = true, d
	return nil
}

func (w *waitFlag) Type() string { return "duration" }
