package ocf

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

const sampleMetaData = `<?xml version="1.0"?>
<!DOCTYPE resource-agent SYSTEM "ra-api-1.dtd">
<resource-agent name="Sample" version="0.9">
<version>1.1</version>
<longdesc lang="de">Ein Beispiel.</longdesc>
<longdesc lang="en">
  A sample agent.
</longdesc>
<shortdesc lang="en">Sample</shortdesc>
<parameters>
<parameter name="config" required="1" unique="1">
<longdesc lang="en">Path of the configuration file.</longdesc>
<shortdesc lang="en">Config file</shortdesc>
<content type="string" default="/etc/sample.conf"/>
</parameter>
<parameter name="port" unique-group="address" reloadable="1">
<shortdesc lang="en">Port</shortdesc>
<content type="integer" default="80"/>
</parameter>
<parameter name="debug" required="0">
<shortdesc lang="en">Debug</shortdesc>
<content type="boolean" default="false"/>
</parameter>
<parameter name="mode">
<deprecated/>
<shortdesc lang="en">Mode</shortdesc>
<content type="select" default="fast"><option value="fast"/><option value="safe"/></content>
</parameter>
<parameter name="bare"/>
</parameters>
<actions>
<action name="start" timeout="20s"/>
<action name="stop" timeout="2m"/>
<action name="monitor" timeout="20" interval="10s" depth="10" role="Promoted"/>
<action name="meta-data" timeout="500ms"/>
<action name="validate-all"/>
</actions>
</resource-agent>
`

func TestParseMetaData(t *testing.T) {
	md, err := ParseMetaData([]byte(sampleMetaData))
	if err != nil {
		t.Fatal(err)
	}
	if md.Name != "Sample" || md.Version != "1.1" || md.ShortDesc != "Sample" || md.LongDesc != "A sample agent." {
		t.Errorf("header = %q %q %q %q", md.Name, md.Version, md.ShortDesc, md.LongDesc)
	}
	want := []Parameter{
		{Name: "config", Required: true, Unique: true, ShortDesc: "Config file", LongDesc: "Path of the configuration file.", Type: "string", Default: "/etc/sample.conf"},
		{Name: "port", UniqueGroup: "address", Reloadable: true, ShortDesc: "Port", Type: "integer", Default: "80"},
		{Name: "debug", ShortDesc: "Debug", Type: "boolean", Default: "false"},
		{Name: "mode", Deprecated: true, ShortDesc: "Mode", Type: "select", Default: "fast", Options: []string{"fast", "safe"}},
		{Name: "bare", Type: "string"},
	}
	if len(md.Parameters) != len(want) {
		t.Fatalf("parameters = %+v", md.Parameters)
	}
	for i, w := range want {
		g := md.Parameters[i]
		if g.Name != w.Name || g.Required != w.Required || g.Unique != w.Unique || g.UniqueGroup != w.UniqueGroup ||
			g.Reloadable != w.Reloadable || g.Deprecated != w.Deprecated || g.ShortDesc != w.ShortDesc ||
			g.LongDesc != w.LongDesc || g.Type != w.Type || g.Default != w.Default || !slices.Equal(g.Options, w.Options) {
			t.Errorf("parameter %d = %+v, want %+v", i, g, w)
		}
	}
	wantActions := []Action{
		{Name: "start", Timeout: 20 * time.Second},
		{Name: "stop", Timeout: 2 * time.Minute},
		{Name: "monitor", Timeout: 20 * time.Second, Interval: 10 * time.Second, Depth: 10, Role: "Promoted"},
		{Name: "meta-data", Timeout: 500 * time.Millisecond},
		{Name: "validate-all"},
	}
	if !slices.Equal(md.Actions, wantActions) {
		t.Errorf("actions = %+v, want %+v", md.Actions, wantActions)
	}
	if _, ok := md.Action("validate-all"); !ok {
		t.Error("Action(validate-all) not found")
	}
	if _, ok := md.Action("reload"); ok {
		t.Error("Action(reload) found")
	}
}

func TestParseMetaDataErrors(t *testing.T) {
	for _, in := range []string{
		"",
		"not xml",
		"<resource-agent>",
		`<resource-agent name="x"><parameters><parameter name="a"></parameters></resource-agent>`,
		`<other name="x"/>`,
		`<resource-agent/>`,
		`<resource-agent name="x"><parameters><parameter/></parameters></resource-agent>`,
	} {
		if md, err := ParseMetaData([]byte(in)); err == nil {
			t.Errorf("ParseMetaData(%q) = %+v, want an error", in, md)
		}
	}
}

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"20s": 20 * time.Second, "20": 20 * time.Second, " 5 s ": 5 * time.Second, "2m": 2 * time.Minute,
		"1min": time.Minute, "500ms": 500 * time.Millisecond, "1h": time.Hour, "1.5s": 1500 * time.Millisecond,
		"": 0, "soon": 0, "5 fortnights": 0, "-1s": 0,
	} {
		if got := parseDuration(in); got != want {
			t.Errorf("parseDuration(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestMetaDataValidate(t *testing.T) {
	md, err := ParseMetaData([]byte(sampleMetaData))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		params map[string]string
		want   string // "" for valid, else a word the error contains
	}{
		{map[string]string{"config": "/x"}, ""},
		{map[string]string{"config": "/x", "port": "8080", "debug": "yes", "mode": "safe", "bare": "anything"}, ""},
		{map[string]string{"config": "/x", "debug": "OFF", "port": ""}, ""},
		{map[string]string{}, "requires parameter config"},
		{map[string]string{"port": "1"}, "requires parameter config"},
		{map[string]string{"config": "/x", "nope": "1"}, `no parameter "nope"`},
		{map[string]string{"config": "/x", "Config": "1"}, `no parameter "Config"`},
		{map[string]string{"config": "/x", "port": "eighty"}, "integer"},
		{map[string]string{"config": "/x", "debug": "maybe"}, "boolean"},
		{map[string]string{"config": "/x", "mode": "turbo"}, "one of fast, safe"},
	}
	for _, tc := range tests {
		err := md.Validate(tc.params)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("Validate(%v) = %v", tc.params, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("Validate(%v) = %v, want an error with %q", tc.params, err, tc.want)
		}
	}
}

func TestPropertyInfos(t *testing.T) {
	md, err := ParseMetaData([]byte(sampleMetaData))
	if err != nil {
		t.Fatal(err)
	}
	infos := md.PropertyInfos()
	if len(infos) != 5 {
		t.Fatalf("PropertyInfos = %+v", infos)
	}
	c := infos[0]
	if c.Name != "config" || c.Kind != "sz" || c.Default != "/etc/sample.conf" || c.Description != "[required, unique] Config file" {
		t.Errorf("config = %+v", c)
	}
	if d := infos[1].Description; d != "[integer] Port" {
		t.Errorf("port description = %q", d)
	}
	if d := infos[3].Description; d != "[deprecated, select] Mode" {
		t.Errorf("mode description = %q", d)
	}
}

// TestDescribeRealAgents reads the meta-data of installed heartbeat agents.
func TestDescribeRealAgents(t *testing.T) {
	NeedAgents(t)
	md, err := Describe("heartbeat", "Dummy")
	if err != nil {
		t.Fatal(err)
	}
	if md.Name != "Dummy" {
		t.Errorf("Name = %q", md.Name)
	}
	state, ok := md.Parameter("state")
	if !ok || !state.Unique || state.Required || state.Type != "string" || state.ShortDesc != "State file" {
		t.Errorf("Dummy state parameter = %+v, %v", state, ok)
	}
	if _, ok := md.Parameter("fake"); !ok {
		t.Error("Dummy has no parameter fake")
	}
	for _, a := range []string{"start", "stop", "monitor", "meta-data", "validate-all"} {
		if _, ok := md.Action(a); !ok {
			t.Errorf("Dummy has no action %s", a)
		}
	}
	if a, _ := md.Action("start"); a.Timeout != 20*time.Second {
		t.Errorf("Dummy start timeout = %v, want 20s", a.Timeout)
	}
	again, err := Describe("heartbeat", "Dummy")
	if err != nil || again != md {
		t.Errorf("second Describe = %p, %v; want the cached %p", again, err, md)
	}

	md, err = Describe("heartbeat", "anything")
	if err != nil {
		t.Fatal(err)
	}
	if p, ok := md.Parameter("binfile"); !ok || !p.Required {
		t.Errorf("anything binfile = %+v, %v; want required", p, ok)
	}
	if err := md.Validate(map[string]string{"cmdline_options": "x"}); err == nil || !strings.Contains(err.Error(), "binfile") {
		t.Errorf("Validate without binfile = %v", err)
	}

	for _, bad := range [][2]string{{"heartbeat", "NoSuchAgent"}, {"no-such-provider", "Dummy"}} {
		if _, err := Describe(bad[0], bad[1]); !errors.Is(err, ErrNotInstalled) {
			t.Errorf("Describe(%s/%s) = %v, want ErrNotInstalled", bad[0], bad[1], err)
		}
	}
	for _, bad := range [][2]string{{"heartbeat", "../heartbeat/Dummy"}, {"..", "Dummy"}, {"heartbeat", ""}} {
		if _, err := Describe(bad[0], bad[1]); err == nil || errors.Is(err, ErrNotInstalled) {
			t.Errorf("Describe(%q, %q) = %v, want an invalid-name error", bad[0], bad[1], err)
		}
	}

	agents, err := Agents()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{"heartbeat/Dummy", "heartbeat/anything"} {
		if !slices.Contains(agents, a) {
			t.Errorf("Agents() lacks %s", a)
		}
	}
}

// TestDescribeMissingRoot names the package to install.
func TestDescribeMissingRoot(t *testing.T) {
	old := ocfRoot
	ocfRoot = t.TempDir() + "/nowhere"
	defer func() { ocfRoot = old }()
	_, err := Describe("heartbeat", "Dummy")
	if !errors.Is(err, ErrNotInstalled) || !strings.Contains(err.Error(), "resource-agents") {
		t.Errorf("Describe = %v, want ErrNotInstalled naming resource-agents", err)
	}
	if _, err := Agents(); !errors.Is(err, ErrNotInstalled) {
		t.Errorf("Agents = %v, want ErrNotInstalled", err)
	}
}
