// Package ocf is the "OCF" resource type: it runs an OCF resource agent,
// one of the scripts Pacemaker uses (Debian's resource-agents package
// installs them in /usr/lib/ocf/resource.d/PROVIDER/AGENT).
//
// The private properties Provider (default "heartbeat") and Agent pick the
// agent; every other private property is an instance parameter, passed to
// the agent as OCF_RESKEY_<name>. Type.Validate checks them against the
// agent's meta-data: unknown names and missing required parameters are
// refused.
//
// How the resource's calls map to agent actions:
//
//	Online      validate-all (if advertised; once per configuration and
//	            agent file), start, monitor (if advertised)
//	Offline     stop, with OCF_RESKEY_CRM_meta_baton_offline_action set to
//	            the input buffer's "OCF" DWORD when it has one
//	Terminate   stop, with OCF_RESKEY_CRM_meta_baton_offline_action=3
//	LooksAlive  monitor with OCF_CHECK_LEVEL=0
//	IsAlive     monitor with OCF_CHECK_LEVEL=10
//
// An unexpected exit code is an *ExitError that names the code and its
// recovery class (soft, hard, fatal: Pacemaker's reading of the code) and
// matches ErrSoft, ErrHard or ErrFatal, and ErrNotRunning for exit 7. The
// last action's outcome is reported in status properties. Each resource
// has its own HA_RSCTMP under its state directory, emptied after a reboot
// as /run would be, so agents' state files never collide.
package ocf

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/batoncluster/baton/proplist"
	"github.com/batoncluster/baton/restype"
)

// TypeName is the name of the type, and of the input-buffer DWORD its
// Offline passes to the agent's stop action.
const TypeName = "OCF"

// Private properties the type reads itself; every other one is an agent
// parameter.
const (
	PropProvider = "Provider"
	PropAgent    = "Agent"
)

// DefaultProvider is the provider when Provider is not set.
const DefaultProvider = "heartbeat"

// Status property names.
const (
	StatusAgent          = "Agent"          // PROVIDER/AGENT
	StatusLastAction     = "LastAction"     // start, stop, monitor, ...
	StatusLastExitCode   = "LastExitCode"   // when the agent exited
	StatusLastResult     = "LastResult"     // OCF_SUCCESS, OCF_NOT_RUNNING, timeout, ...
	StatusLastRecovery   = "LastRecovery"   // none, soft, hard, fatal
	StatusLastExitReason = "LastExitReason" // the agent's ocf-exit-reason
)

// OfflineActionVar is the environment variable that carries the input
// buffer's "OCF" DWORD to the stop action.
const OfflineActionVar = "OCF_RESKEY_CRM_meta_baton_offline_action"

// Monitor depths (OCF_CHECK_LEVEL) of the health checks.
const (
	LooksAliveDepth = 0
	IsAliveDepth    = 10
)

// Default poll intervals, also passed to monitors as
// OCF_RESKEY_CRM_meta_interval.
const (
	looksAliveInterval = 10000
	isAliveInterval    = 60000
)

// defaultActionTimeout bounds an action whose caller gives no deadline
// and whose agent advertises no timeout for it.
const defaultActionTimeout = 20 * time.Second

// Type returns the OCF resource type.
func Type() *restype.Type {
	return &restype.Type{
		Name:        TypeName,
		Description: "Runs an OCF resource agent (the scripts Pacemaker uses): start, stop, monitor.",
		Properties: []restype.PropertyInfo{
			{Name: PropProvider, Kind: "sz", Default: DefaultProvider, Description: "Agent provider: the directory under /usr/lib/ocf/resource.d."},
			{Name: PropAgent, Kind: "sz", Description: "Required. Agent name, e.g. Dummy, anything, IPaddr2."},
			{Name: "<parameter>", Kind: "sz", Description: "An agent parameter, passed as OCF_RESKEY_<name>; see the agent's meta-data. DWORDs are passed in decimal."},
		},
		OfflineParameter:   TypeName,
		LooksAliveInterval: looksAliveInterval,
		IsAliveInterval:    isAliveInterval,
		Validate:           validate,
		Describe:           describeVariant,
		New:                New,
	}
}

// describeVariant lists the parameters of one agent, "provider/agent" (a bare
// agent name means the default provider): `baton type show OCF --agent`.
func describeVariant(_ context.Context, variant string) ([]restype.PropertyInfo, error) {
	provider, agent, ok := strings.Cut(variant, "/")
	if !ok {
		provider, agent = DefaultProvider, variant
	}
	md, err := Describe(provider, agent)
	if err != nil {
		return nil, err
	}
	return md.PropertyInfos(), nil
}

// validate checks the properties and the parameters against the agent's
// meta-data; the agent must be installed where this runs.
func validate(l proplist.List) error {
	s, err := parse(l)
	if err != nil {
		return err
	}
	md, err := Describe(s.provider, s.agent)
	if err != nil {
		return err
	}
	return md.Validate(s.params)
}

// settings are the parsed private properties.
type settings struct {
	provider, agent string
	params          map[string]string
	// env is the agent's environment for the resource with these
	// settings (agentEnv), built once when a resource takes them; nil
	// for settings only validated.
	env []string
}

// same reports whether s and o configure the agent alike.
func (s settings) same(o settings) bool {
	return s.provider == o.provider && s.agent == o.agent && maps.Equal(s.params, o.params)
}

func (s settings) agentName() string { return s.provider + "/" + s.agent }

// paramEnv is the parameters as OCF_RESKEY_ variables, sorted.
func (s settings) paramEnv() []string {
	out := make([]string, 0, len(s.params))
	for k, v := range s.params {
		out = append(out, "OCF_RESKEY_"+k+"="+v)
	}
	sort.Strings(out)
	return out
}

// parse reads the private properties. It checks their form, not the
// agent's meta-data.
func parse(props proplist.List) (settings, error) {
	s := settings{provider: DefaultProvider, params: map[string]string{}}
	seen := map[string]bool{}
	for _, p := range props {
		if seen[p.Name] {
			return s, fmt.Errorf("ocf: property %s is given twice", p.Name)
		}
		seen[p.Name] = true
		if len(p.Values) == 0 {
			return s, fmt.Errorf("ocf: property %s has no value", p.Name)
		}
		v, err := text(p)
		if err != nil {
			return s, err
		}
		switch p.Name {
		case PropProvider, PropAgent:
			if f := p.Values[0].Syntax.Format(); f != proplist.FormatSZ && f != proplist.FormatExpandSZ && f != proplist.FormatExpandedSZ {
				return s, fmt.Errorf("ocf: property %s must be a string (sz), not %v", p.Name, p.Values[0].Syntax)
			}
			if p.Name == PropProvider {
				s.provider = v
			} else {
				s.agent = v
			}
		default:
			if !envName(p.Name) {
				return s, fmt.Errorf("ocf: parameter name %q is not usable in OCF_RESKEY_<name> (letters, digits and _, not starting with a digit)", p.Name)
			}
			if len(p.Name) >= 9 && p.Name[:9] == "CRM_meta_" {
				return s, fmt.Errorf("ocf: parameter name %q: CRM_meta_ names are reserved for meta attributes", p.Name)
			}
			s.params[p.Name] = v
		}
	}
	if _, ok := props.Get(PropAgent); !ok {
		return s, fmt.Errorf("ocf: property %s is required (e.g. Dummy, anything)", PropAgent)
	}
	if _, err := agentPath(ocfRoot, s.provider, s.agent); err != nil {
		return s, err
	}
	return s, nil
}

// text is a property's value as the agent sees it.
func text(p proplist.Property) (string, error) {
	v := p.Values[0]
	switch v.Syntax.Format() {
	case proplist.FormatSZ, proplist.FormatExpandSZ, proplist.FormatExpandedSZ:
		if len(v.Str) > 0 && containsNUL(v.Str) {
			return "", fmt.Errorf("ocf: property %s contains a NUL character", p.Name)
		}
		return v.Str, nil
	case proplist.FormatDWORD, proplist.FormatWord, proplist.FormatULargeInteger:
		return strconv.FormatUint(v.Uint, 10), nil
	case proplist.FormatLong, proplist.FormatLargeInteger:
		return strconv.FormatInt(v.Int, 10), nil
	}
	return "", fmt.Errorf("ocf: property %s must be a string (sz) or a number, not %v", p.Name, v.Syntax)
}

func containsNUL(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			return true
		}
	}
	return false
}

// envName reports whether s can follow OCF_RESKEY_ in a variable name.
func envName(s string) bool {
	if s == "" || (s[0] >= '0' && s[0] <= '9') {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// instanceName is the resource name as OCF_RESOURCE_INSTANCE: agents put
// it unquoted into file names and commands, so every character other
// than letters, digits, '-', '_' and '.' becomes '_' (the characters a
// Pacemaker resource ID may use).
func instanceName(name string) string {
	b := []byte(name)
	for i, c := range b {
		if !(c == '-' || c == '_' || c == '.' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			b[i] = '_'
		}
	}
	return string(b)
}

// outcome is the last action's outcome, for the status properties.
type outcome struct {
	action   string
	code     Code
	exited   bool // code is valid
	result   string
	recovery Recovery
	reason   string
}

// resource is one OCF resource.
type resource struct {
	name     string
	root     string // the OCF root
	instance string // OCF_RESOURCE_INSTANCE
	rscTmp   string // HA_RSCTMP
	log      *slog.Logger
	changed  func()
	cgroup   restype.Cgroup // every action runs in the resource's cgroup

	mu sync.Mutex // guards the fields below
	s  settings   // the configured properties
	// active is what the last successful start used, for the monitors
	// and the stop that follow; nil when not started by this instance.
	active *settings
	last   outcome
	// validated is what the last successful validation (meta-data and
	// validate-all) was of: the settings and the agent file's version. An
	// online with the same ones does not validate again.
	validated *validation
}

type validation struct {
	s   settings
	ver agentVersion
}

var (
	_ restype.Resource       = (*resource)(nil)
	_ restype.Terminator     = (*resource)(nil)
	_ restype.StatusReporter = (*resource)(nil)
	_ restype.Reconfigurer   = (*resource)(nil)
)

// New makes a resource from cfg. It does not need the agent to be
// installed: a missing agent fails the online.
func New(cfg restype.Config) (restype.Resource, error) {
	s, err := parse(cfg.Properties)
	if err != nil {
		return nil, err
	}
	if cfg.StateDir == "" {
		return nil, errors.New("ocf: the resource has no state directory")
	}
	rscTmp, err := prepareRscTmp(cfg.StateDir)
	if err != nil {
		return nil, fmt.Errorf("ocf: %w", err)
	}
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	r := &resource{
		name:     cfg.Name,
		root:     ocfRoot,
		instance: instanceName(cfg.Name),
		rscTmp:   rscTmp,
		log:      log,
		changed:  cfg.Changed,
		cgroup:   restype.CgroupOf(cfg),
	}
	r.s = r.withEnv(s)
	return r, nil
}

// withEnv is s with the agent's environment for r built.
func (r *resource) withEnv(s settings) settings {
	s.env = agentEnv(r.root, s.provider, s.agent, r.instance, r.rscTmp, s.paramEnv())
	return s
}

// RscTmpDir is the name of the resource's HA_RSCTMP in its state directory.
const RscTmpDir = "rsctmp"

// prepareRscTmp makes the resource's HA_RSCTMP. HA_RSCTMP is meant to be
// emptied at boot (it defaults to /run/resource-agents): agents keep
// "it is running" markers there. The state directory survives reboots,
// so the boot ID is recorded next to it and a new one empties it.
func prepareRscTmp(stateDir string) (string, error) {
	dir := filepath.Join(stateDir, RscTmpDir)
	idFile := filepath.Join(stateDir, "boot_id")
	boot, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return "", err
	}
	if old, err := os.ReadFile(idFile); err != nil || string(old) != string(boot) {
		if err := os.RemoveAll(dir); err != nil {
			return "", err
		}
		if err := os.MkdirAll(stateDir, 0o700); err != nil {
			return "", err
		}
		if err := os.WriteFile(idFile, boot, 0o600); err != nil {
			return "", err
		}
	}
	return dir, os.MkdirAll(dir, 0o700)
}

// expectations: which exit codes are success for an action.
func okOnly(c Code) bool { return c == CodeSuccess }

func stopped(c Code) bool { return c == CodeSuccess || c == CodeNotRunning }

func running(c Code) bool {
	return c == CodeSuccess || c == CodeRunningPromoted || c == CodeDegraded || c == CodeDegradedPromoted
}

// act runs one action with settings s and records its outcome; an exit
// code expect refuses is an *ExitError.
func (r *resource) act(ctx context.Context, s settings, action string, expect func(Code) bool, env ...string) error {
	return r.actIn(ctx, lifecycleSlots, s, action, expect, env...)
}

// actIn is act in one of sl's slots, taken before the action's own
// timeout starts.
func (r *resource) actIn(ctx context.Context, sl slots, s settings, action string, expect func(Code) bool, env ...string) error {
	cctx := ctx
	var timeout time.Duration
	_, hasDeadline := ctx.Deadline()
	if !hasDeadline {
		// Before the slot: describe may run meta-data, in a slot of its own.
		timeout = defaultActionTimeout
		if md, err := describe(ctx, r.root, s.provider, s.agent); err == nil {
			if a, ok := md.Action(action); ok && a.Timeout > 0 {
				timeout = a.Timeout
			}
		}
	}
	if err := sl.take(ctx, s.agentName()+" "+action); err != nil {
		return err
	}
	defer sl.give()
	if !hasDeadline {
		var cancel context.CancelFunc
		cctx, cancel = context.WithTimeoutCause(ctx, timeout, ErrTimeout)
		defer cancel()
	}
	if err := os.MkdirAll(r.rscTmp, 0o700); err != nil {
		return fmt.Errorf("ocf: %w", err)
	}
	inv := invocation{
		root: r.root, provider: s.provider, agent: s.agent, action: action,
		instance: r.instance, rscTmp: r.rscTmp,
		base:    s.env,
		env:     env,
		timeout: timeout,
		cgroup:  r.cgroup,
	}
	start := time.Now()
	res, err := inv.run(cctx)
	o := outcome{action: action}
	switch {
	case err != nil && ctx.Err() == nil && errors.Is(context.Cause(cctx), ErrTimeout):
		err = fmt.Errorf("%w: %s %s killed after %v", ErrTimeout, s.agentName(), action, timeout)
		o.result, o.recovery = "timeout", RecoverySoft
	case err != nil && ctx.Err() != nil:
		o.result = "cancelled"
	case errors.Is(err, ErrNotInstalled):
		o.result, o.recovery = "not installed", RecoveryHard
	case err != nil:
		o.result, o.recovery = "error", RecoverySoft
	default:
		o.code, o.exited, o.result, o.reason = res.code, true, res.code.String(), res.reason
		if !expect(res.code) {
			o.recovery = res.code.Recovery()
			err = res.exitError(s.agentName(), action)
		}
	}
	r.record(o)
	lvl := slog.LevelInfo
	if action == "monitor" && err == nil {
		lvl = slog.LevelDebug
	}
	attrs := []any{slog.String("agent", s.agentName()), slog.String("action", action),
		slog.String("result", o.result), slog.Duration("took", time.Since(start))}
	if err != nil {
		attrs = append(attrs, slog.Any("err", err), slog.String("stderr", lastLines(res.stderr, 10)))
	}
	r.log.Log(ctx, lvl, "ocf action", attrs...)
	return err
}

// record keeps the outcome and tells the host if it changed.
func (r *resource) record(o outcome) {
	r.mu.Lock()
	same := r.last == o
	r.last = o
	r.mu.Unlock()
	if !same && r.changed != nil {
		r.changed()
	}
}

// settings returns the configured settings; current returns the ones the
// resource was started with if any, else the configured ones.
func (r *resource) settings() settings {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.s
}

func (r *resource) current() settings {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.currentLocked()
}

func (r *resource) currentLocked() settings {
	if r.active != nil {
		return *r.active
	}
	return r.s
}

func (r *resource) setActive(s *settings) {
	r.mu.Lock()
	r.active = s
	r.mu.Unlock()
}

func monitorEnv(depth, intervalMs int) []string {
	return []string{"OCF_CHECK_LEVEL=" + strconv.Itoa(depth), "OCF_RESKEY_CRM_meta_interval=" + strconv.Itoa(intervalMs)}
}

// Online checks the parameters against the agent's meta-data and runs
// validate-all if the agent has it — once for a given configuration and
// agent file, not at every online — then start, and a monitor that must
// find the resource running (if the agent has a monitor). After a failed
// start it runs stop, so nothing is left half started.
func (r *resource) Online(ctx context.Context, req restype.OnlineRequest) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s := r.settings()
	md, ver, err := describeVersion(ctx, r.root, s.provider, s.agent)
	if err != nil {
		r.record(outcome{action: "meta-data", result: "error", recovery: RecoveryHard})
		return err
	}
	if !r.isValidated(s, ver) {
		if err := md.Validate(s.params); err != nil {
			r.record(outcome{action: "meta-data", result: "invalid parameters", recovery: RecoveryFatal})
			return err
		}
		if _, ok := md.Action("validate-all"); ok {
			if err := r.act(ctx, s, "validate-all", okOnly); err != nil {
				return err
			}
		}
		r.setValidated(s, ver)
	}
	if err := r.act(ctx, s, "start", okOnly); err != nil {
		var exit *ExitError
		if errors.As(err, &exit) {
			if serr := r.act(ctx, s, "stop", stopped); serr != nil {
				r.log.WarnContext(ctx, "ocf stop after a failed start failed", slog.Any("err", serr))
			}
			r.record(outcome{action: "start", code: exit.Code, exited: true, result: exit.Code.String(), recovery: exit.Recovery(), reason: exit.Reason})
		}
		return err
	}
	r.setActive(&s)
	if _, ok := md.Action("monitor"); !ok {
		return nil // nothing to check with: the start's word is all there is
	}
	if err := r.act(ctx, s, "monitor", running, monitorEnv(LooksAliveDepth, looksAliveInterval)...); err != nil {
		return fmt.Errorf("ocf: start succeeded, but: %w", err)
	}
	return nil
}

// isValidated reports whether s was validated against this version of
// the agent file already.
func (r *resource) isValidated(s settings, ver agentVersion) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	v := r.validated
	return v != nil && v.ver.mod.Equal(ver.mod) && v.ver.size == ver.size && v.ver.ino == ver.ino && v.s.same(s)
}

func (r *resource) setValidated(s settings, ver agentVersion) {
	r.mu.Lock()
	r.validated = &validation{s: s, ver: ver}
	r.mu.Unlock()
}

// offlineAction reads the "OCF" DWORD from the input buffer; ok is false
// when there is none.
func offlineAction(params proplist.List) (v uint32, ok bool, err error) {
	p, found := params.Get(TypeName)
	if !found {
		return 0, false, nil
	}
	if len(p.Values) == 0 {
		return 0, false, fmt.Errorf("ocf: input buffer property %s has no value", TypeName)
	}
	v, ok = params.DWORD(TypeName)
	if !ok {
		return 0, false, fmt.Errorf("ocf: input buffer property %s must be a DWORD, not %v", TypeName, p.Values[0].Syntax)
	}
	return v, true, nil
}

// Offline runs stop, passing the input buffer's "OCF" DWORD as
// OCF_RESKEY_CRM_meta_baton_offline_action. Exit 0 or 7 is success.
func (r *resource) Offline(ctx context.Context, req restype.OfflineRequest) error {
	action, ok, err := offlineAction(req.Params)
	if err != nil {
		r.log.InfoContext(ctx, "ocf offline rejected", slog.Any("err", err))
		return err
	}
	var env []string
	if ok {
		env = append(env, OfflineActionVar+"="+strconv.FormatUint(uint64(action), 10))
	}
	if err := r.act(ctx, r.current(), "stop", stopped, env...); err != nil {
		return err
	}
	r.setActive(nil)
	return nil
}

// Terminate runs stop at once with the offline action 3 (immediate): an
// OCF agent has no other way to stop.
func (r *resource) Terminate(ctx context.Context) error {
	if err := r.act(ctx, r.current(), "stop", stopped, OfflineActionVar+"=3"); err != nil {
		return err
	}
	r.setActive(nil)
	return nil
}

// LooksAlive runs monitor with OCF_CHECK_LEVEL=0.
func (r *resource) LooksAlive(ctx context.Context) error {
	return r.actIn(ctx, healthSlots, r.current(), "monitor", running, monitorEnv(LooksAliveDepth, looksAliveInterval)...)
}

// IsAlive runs monitor with OCF_CHECK_LEVEL=10.
func (r *resource) IsAlive(ctx context.Context) error {
	return r.actIn(ctx, healthSlots, r.current(), "monitor", running, monitorEnv(IsAliveDepth, isAliveInterval)...)
}

// Status reports the agent and the last action's outcome.
func (r *resource) Status() proplist.List {
	r.mu.Lock()
	o, agent := r.last, r.currentLocked().agentName()
	r.mu.Unlock()
	l := proplist.List{{Name: StatusAgent, Values: []proplist.Value{proplist.SZ(agent)}}}
	if o.action == "" {
		return l
	}
	l = append(l, proplist.Property{Name: StatusLastAction, Values: []proplist.Value{proplist.SZ(o.action)}})
	if o.exited {
		l = append(l, proplist.Property{Name: StatusLastExitCode, Values: []proplist.Value{proplist.DWORD(uint32(o.code))}})
	}
	l = append(l,
		proplist.Property{Name: StatusLastResult, Values: []proplist.Value{proplist.SZ(o.result)}},
		proplist.Property{Name: StatusLastRecovery, Values: []proplist.Value{proplist.SZ(o.recovery.String())}},
	)
	if o.reason != "" {
		l = append(l, proplist.Property{Name: StatusLastExitReason, Values: []proplist.Value{proplist.SZ(o.reason)}})
	}
	return l
}

// Reconfigure takes new private properties; on error the old ones stay.
// A started resource keeps using the ones it was started with (for its
// monitors and its stop) until its next start.
func (r *resource) Reconfigure(props proplist.List) error {
	s, err := parse(props)
	if err != nil {
		return err
	}
	s = r.withEnv(s)
	r.mu.Lock()
	r.s = s
	r.mu.Unlock()
	return nil
}
