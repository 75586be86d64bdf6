package ocf

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/batoncluster/baton/restype"
)

// MetaData is what an agent's meta-data action says about it (OCF
// resource agent API, "RA meta data"; schema ra-api-1.dtd).
type MetaData struct {
	Name       string
	Version    string // of the agent's meta-data (<version>)
	ShortDesc  string
	LongDesc   string
	Parameters []Parameter
	Actions    []Action
}

// Parameter is one instance parameter of an agent.
type Parameter struct {
	Name     string
	Required bool
	// Unique says the value must differ between resources of the agent
	// (a hint; UniqueGroup names the group of parameters that must be
	// unique together, OCF 1.1).
	Unique      bool
	UniqueGroup string
	Reloadable  bool
	Deprecated  bool
	ShortDesc   string
	LongDesc    string
	// Type is the content type: string, integer, boolean, select, ...
	Type    string
	Default string
	// Options are the values a "select" parameter accepts.
	Options []string
}

// Action is one action the agent advertises.
type Action struct {
	Name     string
	Timeout  time.Duration // advised minimum; 0 if not given
	Interval time.Duration
	Depth    int // OCF_CHECK_LEVEL for monitor
	Role     string
}

// The XML forms.
type (
	xmlAgent struct {
		XMLName    xml.Name       `xml:"resource-agent"`
		Name       string         `xml:"name,attr"`
		VersionA   string         `xml:"version,attr"`
		Version    string         `xml:"version"`
		LongDesc   []xmlDesc      `xml:"longdesc"`
		ShortDesc  []xmlDesc      `xml:"shortdesc"`
		Parameters []xmlParameter `xml:"parameters>parameter"`
		Actions    []xmlAction    `xml:"actions>action"`
	}
	xmlDesc struct {
		Lang string `xml:"lang,attr"`
		Text string `xml:",chardata"`
	}
	xmlParameter struct {
		Name        string     `xml:"name,attr"`
		Required    string     `xml:"required,attr"`
		Unique      string     `xml:"unique,attr"`
		UniqueGroup string     `xml:"unique-group,attr"`
		Reloadable  string     `xml:"reloadable,attr"`
		Deprecated  *struct{}  `xml:"deprecated"`
		LongDesc    []xmlDesc  `xml:"longdesc"`
		ShortDesc   []xmlDesc  `xml:"shortdesc"`
		Content     xmlContent `xml:"content"`
	}
	xmlContent struct {
		Type    string `xml:"type,attr"`
		Default string `xml:"default,attr"`
		Options []struct {
			Value string `xml:"value,attr"`
		} `xml:"option"`
	}
	xmlAction struct {
		Name     string `xml:"name,attr"`
		Timeout  string `xml:"timeout,attr"`
		Interval string `xml:"interval,attr"`
		Depth    string `xml:"depth,attr"`
		Role     string `xml:"role,attr"`
	}
)

// ParseMetaData parses the output of an agent's meta-data action.
func ParseMetaData(b []byte) (*MetaData, error) {
	var x xmlAgent
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = true
	if err := d.Decode(&x); err != nil {
		return nil, fmt.Errorf("ocf: meta-data: %w", err)
	}
	if x.Name == "" {
		return nil, fmt.Errorf("ocf: meta-data: <resource-agent> has no name")
	}
	m := &MetaData{
		Name:      x.Name,
		Version:   strings.TrimSpace(x.Version),
		ShortDesc: desc(x.ShortDesc),
		LongDesc:  desc(x.LongDesc),
	}
	if m.Version == "" {
		m.Version = x.VersionA
	}
	for _, p := range x.Parameters {
		if p.Name == "" {
			return nil, fmt.Errorf("ocf: meta-data of %s: a parameter has no name", x.Name)
		}
		q := Parameter{
			Name:        p.Name,
			Required:    isTrue(p.Required),
			Unique:      isTrue(p.Unique),
			UniqueGroup: p.UniqueGroup,
			Reloadable:  isTrue(p.Reloadable),
			Deprecated:  p.Deprecated != nil,
			ShortDesc:   desc(p.ShortDesc),
			LongDesc:    desc(p.LongDesc),
			Type:        p.Content.Type,
			Default:     p.Content.Default,
		}
		if q.Type == "" {
			q.Type = "string"
		}
		for _, o := range p.Content.Options {
			q.Options = append(q.Options, o.Value)
		}
		m.Parameters = append(m.Parameters, q)
	}
	for _, a := range x.Actions {
		depth, _ := strconv.Atoi(a.Depth)
		m.Actions = append(m.Actions, Action{
			Name:     a.Name,
			Timeout:  parseDuration(a.Timeout),
			Interval: parseDuration(a.Interval),
			Depth:    depth,
			Role:     a.Role,
		})
	}
	return m, nil
}

// desc picks the English description (or the first), trimmed.
func desc(ds []xmlDesc) string {
	if len(ds) == 0 {
		return ""
	}
	d := ds[0]
	for _, x := range ds {
		if x.Lang == "en" {
			d = x
			break
		}
	}
	return strings.TrimSpace(d.Text)
}

// isTrue reads a boolean attribute or value the way Pacemaker does.
func isTrue(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "true", "yes", "y", "on":
		return true
	}
	return false
}

func isFalse(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "0", "false", "no", "n", "off":
		return true
	}
	return false
}

// parseDuration reads an action timeout or interval: a number of
// seconds, or a number with a unit (ms, s, m, min, h). It answers 0 for
// anything else.
func parseDuration(s string) time.Duration {
	s = strings.TrimSpace(strings.ToLower(s))
	if s == "" {
		return 0
	}
	i := strings.IndexFunc(s, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	num, unit := s, "s"
	if i >= 0 {
		num, unit = s[:i], strings.TrimSpace(s[i:])
	}
	n, err := strconv.ParseFloat(num, 64)
	if err != nil || n < 0 {
		return 0
	}
	mult := map[string]time.Duration{
		"ms": time.Millisecond, "msec": time.Millisecond,
		"s": time.Second, "sec": time.Second,
		"m": time.Minute, "min": time.Minute,
		"h": time.Hour, "hr": time.Hour,
	}[unit]
	return time.Duration(n * float64(mult))
}

// Parameter returns the parameter called name.
func (m *MetaData) Parameter(name string) (Parameter, bool) {
	for _, p := range m.Parameters {
		if p.Name == name {
			return p, true
		}
	}
	return Parameter{}, false
}

// Action returns the first action called name.
func (m *MetaData) Action(name string) (Action, bool) {
	for _, a := range m.Actions {
		if a.Name == name {
			return a, true
		}
	}
	return Action{}, false
}

// Validate checks instance parameters against the meta-data: every name
// must be a parameter of the agent, every required parameter must be
// given, and integer, boolean and select values must be well formed.
func (m *MetaData) Validate(params map[string]string) error {
	names := make([]string, 0, len(params))
	for n := range params {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		p, ok := m.Parameter(n)
		if !ok {
			return fmt.Errorf("ocf: agent %s has no parameter %q (it has: %s)", m.Name, n, strings.Join(m.parameterNames(), ", "))
		}
		v := params[n]
		switch p.Type {
		case "integer":
			if _, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err != nil && v != "" {
				return fmt.Errorf("ocf: parameter %s of agent %s must be an integer, not %q", n, m.Name, v)
			}
		case "boolean":
			if v != "" && !isTrue(v) && !isFalse(v) {
				return fmt.Errorf("ocf: parameter %s of agent %s must be a boolean (true/false, yes/no, 1/0, on/off), not %q", n, m.Name, v)
			}
		case "select":
			if len(p.Options) > 0 && !slices.Contains(p.Options, v) {
				return fmt.Errorf("ocf: parameter %s of agent %s must be one of %s, not %q", n, m.Name, strings.Join(p.Options, ", "), v)
			}
		}
	}
	for _, p := range m.Parameters {
		if _, ok := params[p.Name]; p.Required && !ok {
			return fmt.Errorf("ocf: agent %s requires parameter %s (%s)", m.Name, p.Name, p.ShortDesc)
		}
	}
	return nil
}

func (m *MetaData) parameterNames() []string {
	out := make([]string, len(m.Parameters))
	for i, p := range m.Parameters {
		out[i] = p.Name
	}
	return out
}

// PropertyInfos describes the agent's parameters as private properties of
// an OCF resource (all sz), for `baton type show OCF --agent P/A`.
func (m *MetaData) PropertyInfos() []restype.PropertyInfo {
	out := make([]restype.PropertyInfo, 0, len(m.Parameters))
	for _, p := range m.Parameters {
		var flags []string
		if p.Required {
			flags = append(flags, "required")
		}
		if p.Unique {
			flags = append(flags, "unique")
		}
		if p.Deprecated {
			flags = append(flags, "deprecated")
		}
		if p.Type != "string" {
			flags = append(flags, p.Type)
		}
		d := p.ShortDesc
		if len(flags) > 0 {
			d = "[" + strings.Join(flags, ", ") + "] " + d
		}
		out = append(out, restype.PropertyInfo{Name: p.Name, Kind: "sz", Default: p.Default, Description: d})
	}
	return out
}

// metaDataTimeout bounds a meta-data action when its caller gives no
// deadline.
const metaDataTimeout = 10 * time.Second

// cache holds parsed meta-data by agent path, while the file is unchanged.
var cache struct {
	mu sync.Mutex // guards m
	m  map[string]cached
}

type cached struct {
	ver agentVersion
	md  *MetaData
}

// agentVersion tells one version of an agent file from another: its
// meta-data, and a resource's validation, hold while it is unchanged.
type agentVersion struct {
	mod  time.Time
	size int64
	ino  uint64
}

func versionOf(fi os.FileInfo) agentVersion {
	v := agentVersion{mod: fi.ModTime(), size: fi.Size()}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		v.ino = st.Ino
	}
	return v
}

// Describe runs the meta-data action of the agent PROVIDER/AGENT under
// the OCF root and parses it. Results are cached while the agent file is
// unchanged.
func Describe(provider, agent string) (*MetaData, error) {
	return describe(context.Background(), ocfRoot, provider, agent)
}

func describe(ctx context.Context, root, provider, agent string) (*MetaData, error) {
	md, _, err := describeVersion(ctx, root, provider, agent)
	return md, err
}

// describeVersion is describe, and says which version of the agent file
// the meta-data is of.
func describeVersion(ctx context.Context, root, provider, agent string) (*MetaData, agentVersion, error) {
	path, err := agentPath(root, provider, agent)
	if err != nil {
		return nil, agentVersion{}, err
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, agentVersion{}, notInstalled(root, provider, agent, err)
	}
	ver := versionOf(fi)
	cache.mu.Lock()
	c, ok := cache.m[path]
	cache.mu.Unlock()
	if ok && c.ver.mod.Equal(ver.mod) && c.ver.size == ver.size && c.ver.ino == ver.ino {
		return c.md, ver, nil
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, metaDataTimeout)
		defer cancel()
	}
	inv := invocation{root: root, provider: provider, agent: agent, action: "meta-data"}
	if err := lifecycleSlots.take(ctx, provider+"/"+agent+" meta-data"); err != nil {
		return nil, agentVersion{}, err
	}
	res, err := inv.run(ctx)
	lifecycleSlots.give()
	if err != nil {
		return nil, agentVersion{}, err
	}
	if res.code != CodeSuccess {
		return nil, agentVersion{}, res.exitError(provider+"/"+agent, "meta-data")
	}
	md, err := ParseMetaData(res.stdout)
	if err != nil {
		return nil, agentVersion{}, fmt.Errorf("ocf: %s/%s: %w", provider, agent, err)
	}
	cache.mu.Lock()
	if cache.m == nil {
		cache.m = map[string]cached{}
	}
	cache.m[path] = cached{ver: ver, md: md}
	cache.mu.Unlock()
	return md, ver, nil
}

// Agents lists the installed agents as PROVIDER/AGENT, sorted.
func Agents() ([]string, error) {
	providers, err := os.ReadDir(ocfRoot + "/resource.d")
	if err != nil {
		return nil, fmt.Errorf("%w: %v (install the resource-agents package)", ErrNotInstalled, err)
	}
	var out []string
	for _, p := range providers {
		ents, err := os.ReadDir(ocfRoot + "/resource.d/" + p.Name())
		if err != nil {
			continue // not a directory
		}
		for _, e := range ents {
			if fi, err := os.Stat(ocfRoot + "/resource.d/" + p.Name() + "/" + e.Name()); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
				out = append(out, p.Name()+"/"+e.Name())
			}
		}
	}
	sort.Strings(out)
	return out, nil
}
