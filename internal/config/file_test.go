package config

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
	"go.yaml.in/yaml/v3"
)

// testFlags is a flag set of every kind the agent uses.
type testFlags struct {
	fs      *pflag.FlagSet
	name    string
	dev     bool
	ttl     time.Duration
	max     int
	hosts   []string
	token   string
	cfgFile string
}

func newTestFlags() *testFlags {
	t := &testFlags{fs: pflag.NewFlagSet("agent", pflag.ContinueOnError)}
	t.fs.StringVar(&t.name, "name", "host", "node name")
	t.fs.BoolVar(&t.dev, "dev", false, "dev")
	t.fs.DurationVar(&t.ttl, "lease-ttl", 2*time.Second, "lease")
	t.fs.IntVar(&t.max, "max-connections", 0, "max")
	t.fs.StringSliceVar(&t.hosts, "api-host", nil, "hosts")
	t.fs.StringVar(&t.token, "join-token", "", "token")
	t.fs.StringVar(&t.cfgFile, "config", "", "file")
	_ = t.fs.SetAnnotation("join-token", SecretAnnotation, []string{"true"})
	return t
}

func writeFile(t *testing.T, body string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "agent.yaml")
	if err := os.WriteFile(p, []byte(body), mode); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadFileSetsEveryKind(t *testing.T) {
	tf := newTestFlags()
	p := writeFile(t, `# a comment
name: n1
dev: true
lease-ttl: 3s
max-connections: 100
api-host: [a.example, "b.example"]
join-token: baton-join:v1:x
`, 0o600)
	if err := LoadFile(p, tf.fs); err != nil {
		t.Fatal(err)
	}
	if tf.name != "n1" || !tf.dev || tf.ttl != 3*time.Second || tf.max != 100 ||
		strings.Join(tf.hosts, ",") != "a.example,b.example" || tf.token != "baton-join:v1:x" {
		t.Errorf("got %+v", tf)
	}
	for _, name := range []string{"name", "dev", "lease-ttl", "max-connections", "api-host", "join-token"} {
		if !tf.fs.Changed(name) {
			t.Errorf("%s set by the file is not Changed", name)
		}
	}
}

func TestCommandLineWinsOverFile(t *testing.T) {
	tf := newTestFlags()
	if err := tf.fs.Parse([]string{"--name", "from-flag", "--api-host", "flag.example"}); err != nil {
		t.Fatal(err)
	}
	p := writeFile(t, "name: from-file\napi-host: [file.example]\nmax-connections: 7\n", 0o644)
	if err := LoadFile(p, tf.fs); err != nil {
		t.Fatal(err)
	}
	if tf.name != "from-flag" || strings.Join(tf.hosts, ",") != "flag.example" || tf.max != 7 {
		t.Errorf("name %q, api-host %q, max-connections %d: want the flags' name and hosts, the file's max", tf.name, tf.hosts, tf.max)
	}
	if tf.ttl != 2*time.Second {
		t.Errorf("lease-ttl %v: want the default", tf.ttl)
	}
}

func TestLoadFileErrors(t *testing.T) {
	cases := []struct {
		name, body string
		want       []string
	}{
		{"unknown key", "name: n1\n\nbogus: 1\n", []string{"agent.yaml:3:", `unknown key "bogus"`}},
		{"dashes", "--name: n1\n", []string{"agent.yaml:1:", `unknown key "--name"`, "keys have no dashes: name"}},
		{"flag only", "config: /etc/x.yaml\n", []string{"agent.yaml:1:", `"config" is a command-line flag only`}},
		{"twice", "name: a\nname: b\n", []string{"agent.yaml:2:", `key "name" given twice (first on line 1)`}},
		{"list for one value", "name: [a, b]\n", []string{"agent.yaml:1:", "name takes one value, not a list"}},
		{"mapping value", "name:\n  x: 1\n", []string{"agent.yaml:2:", "name takes a value, not a mapping"}},
		{"nested list", "api-host: [[a]]\n", []string{"agent.yaml:1:", "api-host: each item must be one value"}},
		{"bad duration", "lease-ttl: 2\n", []string{"agent.yaml:1:", "lease-ttl: invalid value \"2\"", "missing unit"}},
		{"bad bool", "dev: yes\n", []string{"agent.yaml:1:", `dev: invalid value "yes"`}},
		{"bad int", "max-connections: lots\n", []string{"agent.yaml:1:", "max-connections: invalid value"}},
		{"not a mapping", "- name\n", []string{"agent.yaml:1:", "want a mapping"}},
		{"bad yaml", "name: [\n", []string{"agent.yaml", "yaml:"}},
		{"every error at once", "a: 1\nb: 2\n", []string{`unknown key "a"`, `unknown key "b"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := LoadFile(writeFile(t, tc.body, 0o600), newTestFlags().fs)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

func TestEmptyFileAndEmptyValues(t *testing.T) {
	for _, body := range []string{"", "# only comments\n", "---\n"} {
		if err := LoadFile(writeFile(t, body, 0o600), newTestFlags().fs); err != nil {
			t.Errorf("%q: %v", body, err)
		}
	}
	tf := newTestFlags()
	_ = tf.fs.Set("api-host", "x")
	tf.fs.Lookup("api-host").Changed = false // as if it were a default
	if err := LoadFile(writeFile(t, "name:\napi-host:\n", 0o600), tf.fs); err != nil {
		t.Fatal(err)
	}
	if tf.name != "" || len(tf.hosts) != 0 {
		t.Errorf("`key:` with no value: name %q, api-host %q; want both empty", tf.name, tf.hosts)
	}
}

func TestSecretNeedsAPrivateFile(t *testing.T) {
	p := writeFile(t, "join-token: baton-join:v1:x\n", 0o644)
	err := LoadFile(p, newTestFlags().fs)
	if err == nil || !strings.Contains(err.Error(), "join-token is a secret") || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("err = %v, want the secret refused in a file others can read", err)
	}
	if err := LoadFile(writeFile(t, "name: n1\n", 0o644), newTestFlags().fs); err != nil {
		t.Errorf("a file without secrets may be readable: %v", err)
	}
}

func TestPrint(t *testing.T) {
	tf := newTestFlags()
	if err := tf.fs.Parse([]string{"--join-token", "baton-join:v1:secret", "--api-host", "a,b", "--name", "yes"}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Print(&buf, tf.fs); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if strings.Contains(out, "secret") && !strings.Contains(out, Redacted) {
		t.Errorf("the join token is shown:\n%s", out)
	}
	if strings.Contains(out, "baton-join") || strings.Contains(out, "config:") {
		t.Errorf("secret or non-key printed:\n%s", out)
	}
	var got map[string]any
	if err := yaml.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("not YAML: %v\n%s", err, out)
	}
	want := map[string]any{"name": "yes", "dev": false, "lease-ttl": "2s", "max-connections": 0,
		"api-host": []any{"a", "b"}, "join-token": Redacted}
	for k, v := range want {
		if g := got[k]; !equalYAML(g, v) {
			t.Errorf("%s: %#v, want %#v", k, g, v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("keys %v, want %v", got, want)
	}
	// What it prints (bar the redacted secret) reads back to the same.
	tf.fs.Lookup("join-token").Value.Set("")
	buf.Reset()
	_ = Print(&buf, tf.fs)
	again := newTestFlags()
	if err := LoadFile(writeFile(t, buf.String(), 0o600), again.fs); err != nil {
		t.Fatalf("printed configuration does not load: %v\n%s", err, buf.String())
	}
	var buf2 bytes.Buffer
	_ = Print(&buf2, again.fs)
	if buf2.String() != buf.String() {
		t.Errorf("round trip changed the configuration:\n%s\nthen:\n%s", buf.String(), buf2.String())
	}
}

func equalYAML(a, b any) bool {
	as, _ := yaml.Marshal(a)
	bs, _ := yaml.Marshal(b)
	return bytes.Equal(as, bs)
}

func TestKeysTable(t *testing.T) {
	tf := newTestFlags()
	_ = tf.fs.SetAnnotation("name", DocDefaultAnnotation, []string{"the host name"})
	table := KeysTable(tf.fs)
	for _, w := range []string{
		"| `name` | `--name` (string) | the host name | node name |",
		"| `lease-ttl` | `--lease-ttl` (duration) | `2s` | lease |",
		"| `api-host` | `--api-host` (list) | — | hosts |",
		"| `join-token` | `--join-token` (string) | — | token (a secret",
	} {
		if !strings.Contains(table, w) {
			t.Errorf("table lacks %q:\n%s", w, table)
		}
	}
	if strings.Contains(table, "`config`") {
		t.Errorf("config is not a key:\n%s", table)
	}
}
