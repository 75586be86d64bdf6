package agent

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"go.yaml.in/yaml/v3"

	"github.com/batoncluster/baton/internal/config"
)

var update = flag.Bool("update", false, "rewrite docs/configure.md's table of keys")

// sampleValue is a value of each kind of flag the agent has, as the
// command line and as a file would give it.
func sampleValue(t *testing.T, f *pflag.Flag) (arg, yamlValue string) {
	switch f.Value.Type() {
	case "string":
		return "sample-" + f.Name, "sample-" + f.Name
	case "bool":
		if f.DefValue == "true" {
			return "false", "false"
		}
		return "true", "true"
	case "duration":
		return "7s", "7s"
	case "int":
		return "42", "42"
	case "stringSlice":
		return "a.example,b.example", "[a.example, b.example]"
	}
	t.Fatalf("--%s is a %s flag: give the test a sample value of that kind (and make sure a file can set it)", f.Name, f.Value.Type())
	return "", ""
}

// Every flag of `baton agent` has a key in the configuration file that
// sets it exactly as the flag does, and --print-config shows it: a new
// flag of a kind the file cannot carry fails here.
func TestEveryFlagHasAKey(t *testing.T) {
	n := 0
	Command().Flags().VisitAll(func(f *pflag.Flag) {
		if !config.IsKey(f.Name) {
			if f.Name != "config" && f.Name != "print-config" {
				t.Errorf("--%s has no key in the configuration file", f.Name)
			}
			return
		}
		n++
		arg, val := sampleValue(t, f)
		byFlag := Command().Flags()
		if err := byFlag.Parse([]string{"--" + f.Name + "=" + arg}); err != nil {
			t.Fatalf("--%s=%s: %v", f.Name, arg, err)
		}
		byFile := Command().Flags()
		path := filepath.Join(t.TempDir(), "agent.yaml")
		if err := os.WriteFile(path, []byte(f.Name+": "+val+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := config.LoadFile(path, byFile); err != nil {
			t.Fatalf("key %s: %v", f.Name, err)
		}
		got, want := byFile.Lookup(f.Name).Value.String(), byFlag.Lookup(f.Name).Value.String()
		if got != want || got == f.DefValue {
			t.Errorf("key %s: %s: %q; the flag gives %q (default %q)", f.Name, val, got, want, f.DefValue)
		}
		var buf bytes.Buffer
		if err := config.Print(&buf, byFile); err != nil {
			t.Fatal(err)
		}
		var printed map[string]any
		if err := yaml.Unmarshal(buf.Bytes(), &printed); err != nil {
			t.Fatal(err)
		}
		if _, ok := printed[f.Name]; !ok {
			t.Errorf("--print-config does not show %s", f.Name)
		}
	})
	if n < 25 {
		t.Errorf("only %d keys: is the flag set the agent's?", n)
	}
}

// runAgent runs `baton agent ARGS` (with --print-config, it returns
// without starting anything).
// It runs below a root with a persistent flag of its own, as the client's
// --address is: such flags are not the agent's, nor keys of its file.
func runAgent(t *testing.T, args ...string) (string, error) {
	t.Helper()
	root := &cobra.Command{Use: "baton", SilenceUsage: true}
	root.PersistentFlags().String("address", "", "the client's")
	root.AddCommand(Command())
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(append([]string{"agent"}, args...))
	err := root.ExecuteContext(context.Background())
	return out.String(), err
}

func printedConfig(t *testing.T, out string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := yaml.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("--print-config printed no YAML: %v\n%s", err, out)
	}
	return m
}

func TestConfigFilePrecedence(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "agent.yaml")
	body := `name: from-file
data-dir: /var/lib/baton
advertise: 10.0.0.7
etcd-peer-addr: 10.0.0.7:9999
log-level: debug
api-host: [file.example]
`
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := runAgent(t, "--config", path, "--name", "from-flag", "--http-addr", "10.0.0.7:8443",
		"--api-host", "flag.example", "--print-config")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	m := printedConfig(t, out)
	want := map[string]any{
		"name":             "from-flag",      // the flag wins
		"data-dir":         "/var/lib/baton", // the file, where no flag says
		"log-level":        "debug",
		"http-addr":        "10.0.0.7:8443", // the flag, over --advertise's
		"etcd-client-addr": "10.0.0.7:7411", // derived from the file's advertise
		"etcd-peer-addr":   "10.0.0.7:9999", // set one by one in the file: not derived
		"lease-ttl":        "2s",            // the default
		"api-host":         []any{"flag.example"},
	}
	for k, v := range want {
		if g, _ := yaml.Marshal(m[k]); string(g) != mustYAML(v) {
			t.Errorf("%s: %v, want %v", k, m[k], v)
		}
	}
}

func mustYAML(v any) string {
	b, _ := yaml.Marshal(v)
	return string(b)
}

func TestConfigFileErrors(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "agent.yaml")
	if err := os.WriteFile(path, []byte("data-dir: /tmp/x\nhttp_addr: 1.2.3.4:7410\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := runAgent(t, "--config", path, "--print-config")
	if err == nil || !strings.Contains(err.Error(), path+`:2: unknown key "http_addr"`) {
		t.Errorf("err = %v, want the unknown key with its file and line", err)
	}
	if err := os.WriteFile(path, []byte("data-dir: /tmp/x\naddress: unix:///x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := runAgent(t, "--config", path, "--print-config"); err == nil || !strings.Contains(err.Error(), `unknown key "address"`) {
		t.Errorf("err = %v, want the client's --address refused as a key", err)
	}
	_, err = runAgent(t, "--config", filepath.Join(dir, "missing.yaml"))
	if err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("err = %v, want the missing file named", err)
	}
	// Validation stays config.Validate's, whichever way a value came.
	if err := os.WriteFile(path, []byte("data-dir: /tmp/x\nlease-ttl: 1500ms\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := runAgent(t, "--config", path, "--print-config")
	if err == nil || !strings.Contains(err.Error(), "--lease-ttl 1.5s: whole seconds") {
		t.Errorf("err = %v, want Validate's error", err)
	}
	if !strings.Contains(out, "lease-ttl: 1.5s") {
		t.Errorf("an invalid configuration is still printed (to see what is wrong):\n%s", out)
	}
}

func TestPrintConfigRedactsAndReadsBack(t *testing.T) {
	out, err := runAgent(t, "--name", "n4", "--data-dir", "/var/lib/baton", "--join", "10.0.0.1",
		"--join-token", "baton-join:v1:sha256:abcd:id.very-secret", "--print-config")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if strings.Contains(out, "very-secret") {
		t.Errorf("the join token is printed:\n%s", out)
	}
	m := printedConfig(t, out)
	if m["join-token"] != config.Redacted || m["join"] != "10.0.0.1" || m["name"] != "n4" {
		t.Errorf("printed %v", m)
	}
	var keys int
	Command().Flags().VisitAll(func(f *pflag.Flag) {
		if config.IsKey(f.Name) {
			keys++
			if _, ok := m[f.Name]; !ok {
				t.Errorf("%s not printed", f.Name)
			}
		}
	})
	if len(m) != keys {
		t.Errorf("printed %d keys, the agent has %d", len(m), keys)
	}

	// What -dev prints is a file that starts the same configuration.
	out, err = runAgent(t, "--dev", "--name", "n1", "--print-config")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	path := filepath.Join(t.TempDir(), "agent.yaml")
	if err := os.WriteFile(path, []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	again, err := runAgent(t, "--config", path, "--print-config")
	if err != nil || again != out {
		t.Errorf("printed configuration read back: %v\n%s\nthen:\n%s", err, out, again)
	}
}

// docs/configure.md's table of keys is generated from the flag set
// (go test ./internal/agent -run TestConfigureDoc -update rewrites it).
func TestConfigureDoc(t *testing.T) {
	const path = "../../docs/configure.md"
	const begin, end = "<!-- keys: generated by go test ./internal/agent -run TestConfigureDoc -update -->\n", "<!-- end of keys -->\n"
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(doc)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i < 0 || j < i {
		t.Fatalf("%s has no %q … %q section", path, strings.TrimSpace(begin), strings.TrimSpace(end))
	}
	table := config.KeysTable(Command().Flags())
	fresh := s[:i+len(begin)] + table + s[j:]
	if fresh == s {
		return
	}
	if *update {
		if err := os.WriteFile(path, []byte(fresh), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("%s's table of keys is stale: run go test ./internal/agent -run TestConfigureDoc -update\nwant:\n%s", path, table)
}

// The configuration file the package installs loads and passes the
// checks, forms no cluster until the operator says how, and every key its
// comments suggest is a key (uncommented, they all load).
func TestPackagedConfigFile(t *testing.T) {
	const path = "../../packaging/agent.yaml"
	out, err := runAgent(t, "--config", path, "--print-config")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	m := printedConfig(t, out)
	if m["data-dir"] != "/var/lib/baton" || m["initial-cluster"] != "" || m["join"] != "" || m["advertise"] != "" {
		t.Errorf("packaged configuration: %v", m)
	}
	body, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var uncommented []string
	for _, line := range strings.Split(string(body), "\n") {
		if k, v, ok := strings.Cut(strings.TrimPrefix(line, "#"), ": "); ok && line != "" && line[0] == '#' &&
			!strings.ContainsAny(k, " ") && k != "" {
			uncommented = append(uncommented, k+": "+v)
		}
	}
	if len(uncommented) < 10 {
		t.Fatalf("only %d commented keys found: %q", len(uncommented), uncommented)
	}
	all := filepath.Join(t.TempDir(), "agent.yaml")
	if err := os.WriteFile(all, []byte(string(body)+strings.Join(uncommented, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := config.LoadFile(all, Command().Flags()); err != nil {
		t.Errorf("the packaged file's commented keys: %v", err)
	}
}

// A start that does not end when the agent is told to stop is given up
// after a grace period, so that the process can exit.
func TestStartOrAbandon(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	release := make(chan struct{})
	defer close(release)
	stuck := func() (*Agent, error) { <-release; return nil, nil }
	errc := make(chan error, 1)
	go func() { _, err := startOrAbandon(ctx, 50*time.Millisecond, stuck); errc <- err }()
	select {
	case err := <-errc:
		t.Fatalf("returned before the stop: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	cancel()
	select {
	case err := <-errc:
		if err == nil || !strings.Contains(err.Error(), "still starting") {
			t.Errorf("err = %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("not abandoned")
	}
	// A start that ends, even after the stop, is waited for.
	ctx2, cancel2 := context.WithCancel(context.Background())
	cancel2()
	a := &Agent{}
	if got, err := startOrAbandon(ctx2, time.Minute, func() (*Agent, error) {
		time.Sleep(20 * time.Millisecond)
		return a, nil
	}); got != a || err != nil {
		t.Errorf("got %p, %v", got, err)
	}
}
