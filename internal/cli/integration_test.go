package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// batonBin is the baton binary built by TestMain for the integration
// test, or "" when it could not be built (buildErr says why).
var (
	batonBin string
	buildErr error
)

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "baton-cli-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if !testing.Short() {
		bin := filepath.Join(dir, "baton")
		out, err := exec.Command("go", "build", "-o", bin, "github.com/batoncluster/baton/cmd/baton").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build ./cmd/baton: %v\n%s", err, out)
		} else {
			batonBin = bin
		}
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// startAgent runs `baton agent -dev` in a temporary directory and returns
// the address of its Unix socket. Cleanup stops it with SIGTERM.
func startAgent(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test: needs a real agent")
	}
	if batonBin == "" {
		t.Fatalf("no baton binary: %v", buildErr)
	}
	tmp := t.TempDir()
	data := filepath.Join(tmp, "d")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	httpAddr := l.Addr().String()
	l.Close()

	var logs bytes.Buffer
	cmd := exec.Command(batonBin, "agent", "-dev", "--data-dir", data, "--http-addr", httpAddr, "--default-socket=")
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
			t.Errorf("agent did not stop within 15s of SIGTERM")
		}
		if t.Failed() {
			t.Logf("agent output:\n%s", logs.String())
		}
	})

	addr := "unix://" + filepath.Join(data, "baton.sock")
	deadline := time.Now().Add(60 * time.Second)
	for {
		if _, err := os.Stat(filepath.Join(data, "baton.sock")); err == nil {
			if code, _, _ := run(t, "--address", addr, "cluster", "info"); code == 0 {
				return addr
			}
		}
		select {
		case err := <-exited:
			t.Fatalf("agent exited: %v\n%s", err, logs.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("agent socket did not answer within 60s\n%s", logs.String())
		}
	}
}

// cli runs one command against the agent and checks its exit status.
func cli(t *testing.T, addr string, wantCode int, args ...string) string {
	t.Helper()
	code, stdout, stderr := run(t, append([]string{"--address", addr}, args...)...)
	if code != wantCode {
		t.Fatalf("baton %s: exit %d, want %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, wantCode, stdout, stderr)
	}
	return stdout
}

// decode unmarshals one JSON answer.
func decode[T any](t *testing.T, s string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("bad JSON %q: %v", s, err)
	}
	return v
}

func keys(m map[string]any) string { return fmt.Sprint(len(m), " keys") }

func TestAgentIntegration(t *testing.T) {
	addr := startAgent(t)

	cli(t, addr, 0, "group", "create", "DemoGroup")
	cli(t, addr, 0, "resource", "create", "r1", "--group", "DemoGroup", "--type", "dummy",
		"--prop", "OnlineDelayMs=dword:100", "--prop", "OfflineDelayMs=dword:100")
	cli(t, addr, 0, "resource", "create", "r2", "--group", "DemoGroup", "--type", "dummy",
		"--depends-on", "r1", "--prop", "OfflineDelayMs=dword:100")
	cli(t, addr, 0, "resource", "create", "r3", "--group", "DemoGroup", "--type", "dummy")

	// Online --wait: the answer and the final state in one object.
	op := decode[opJSON](t, cli(t, addr, 0, "-o", "json", "group", "online", "DemoGroup", "--wait=60s"))
	if op.Group != "DemoGroup" || op.Status != 997 || op.StatusName != "ERROR_IO_PENDING" || op.OperationID == "" ||
		op.State == nil || *op.State != "Online" || *op.StateCode != 0 {
		t.Errorf("online --wait: %+v", op)
	}

	// The state query shape, exactly.
	out := cli(t, addr, 0, "-o", "json", "group", "state", "DemoGroup")
	st := decode[map[string]any](t, out)
	if len(st) != 4 || st["name"] != "DemoGroup" || st["state"] != "Online" || st["stateCode"] != 0.0 || st["ownerNode"] == "" {
		t.Errorf("group state -o json = %s (%s)", out, keys(st))
	}
	if !strings.HasPrefix(out, `{"name":"DemoGroup","state":"Online","stateCode":0,"ownerNode":"`) {
		t.Errorf("group state -o json = %s", out)
	}
	rs := decode[map[string]any](t, cli(t, addr, 0, "-o", "json", "resource", "state", "r2"))
	if len(rs) != 7 || rs["group"] != "DemoGroup" || rs["state"] != "Online" || rs["stateCode"] != 2.0 || rs["locked"] != false {
		t.Errorf("resource state -o json = %v", rs)
	}

	// Undefined flag bits: the server answers 87.
	out = cli(t, addr, 1, "-o", "json", "group", "offline", "DemoGroup", "--flags", "0x2")
	if e := decode[errJSON](t, out); e.Error.Code != 87 || e.Error.Name != "ERROR_INVALID_PARAMETER" || e.Error.Message == "" {
		t.Errorf("--flags 0x2: %s", out)
	}
	// A malformed raw input buffer: 87 as well.
	bad := filepath.Join(t.TempDir(), "bad.bin")
	os.WriteFile(bad, []byte{1, 0, 0, 0, 0xff}, 0o600)
	if e := decode[errJSON](t, cli(t, addr, 1, "-o", "json", "group", "offline", "DemoGroup", "--params-file", bad)); e.Error.Code != 87 {
		t.Errorf("malformed buffer: %+v", e)
	}

	// Offline with "save" for the dummy type, waited for.
	op = decode[opJSON](t, cli(t, addr, 0, "-o", "json", "group", "offline", "DemoGroup", "--param", "dummy=dword:1", "--wait=60s"))
	if op.Status != 997 || op.State == nil || *op.State != "Offline" || *op.StateCode != 1 {
		t.Errorf("offline --wait: %+v", op)
	}
	res := decode[resourceJSON](t, cli(t, addr, 0, "-o", "json", "resource", "show", "r1"))
	if v, ok := res.Status.String("LastOfflineAction"); !ok || v != "Save" {
		t.Errorf("r1 status after offline with dummy=1: %v", res.Status)
	}
	if res.Group != "DemoGroup" || res.Type != "dummy" || res.State != "Offline" || res.StateCode != 3 {
		t.Errorf("resource show: %+v", res)
	}
	if d, ok := res.Properties.DWORD("OnlineDelayMs"); !ok || d != 100 {
		t.Errorf("resource show properties: %v", res.Properties)
	}
	r2 := decode[resourceJSON](t, cli(t, addr, 0, "-o", "json", "resource", "show", "r2"))
	if len(r2.DependsOn) != 1 || r2.DependsOn[0] != "r1" {
		t.Errorf("r2 dependsOn %v", r2.DependsOn)
	}
	// Offline again: already offline, ERROR_SUCCESS.
	op = decode[opJSON](t, cli(t, addr, 0, "-o", "json", "group", "offline", "DemoGroup"))
	if op.Status != 0 || op.StatusName != "ERROR_SUCCESS" {
		t.Errorf("second offline: %+v", op)
	}

	g := decode[groupJSON](t, cli(t, addr, 0, "-o", "json", "group", "show", "DemoGroup"))
	if g.Name != "DemoGroup" || g.State != "Offline" || len(g.Resources) != 3 || g.PersistentState != 0 {
		t.Errorf("group show: %+v", g)
	}
	if gs := decode[[]groupJSON](t, cli(t, addr, 0, "-o", "json", "group", "list")); len(gs) != 1 || len(gs[0].Resources) != 3 {
		t.Errorf("group list: %+v", gs)
	}

	// Locked mode: refused without --ignore-locked, with a hint.
	cli(t, addr, 0, "group", "create", "LockGroup")
	cli(t, addr, 0, "resource", "create", "lk", "--group", "LockGroup", "--type", "dummy",
		"--prop", "Locked=dword:1", "--prop", "LockedReason=sz:backup")
	cli(t, addr, 0, "group", "online", "LockGroup", "--wait=60s")
	waitLocked(t, addr, "lk")
	out = cli(t, addr, 1, "-o", "json", "group", "offline", "LockGroup")
	if e := decode[errJSON](t, out); e.Error.Code != 5960 || e.Error.Name != "ERROR_CLUSTER_RESOURCE_LOCKED_STATUS" {
		t.Errorf("locked offline: %s", out)
	}
	code, _, stderr := run(t, "--address", addr, "group", "offline", "LockGroup")
	if code != 1 || !strings.HasPrefix(stderr, "baton: ERROR_CLUSTER_RESOURCE_LOCKED_STATUS (5960): ") || !strings.Contains(stderr, "use --ignore-locked") {
		t.Errorf("locked offline text: exit %d, stderr %q", code, stderr)
	}
	cli(t, addr, 1, "resource", "offline", "lk")
	op = decode[opJSON](t, cli(t, addr, 0, "-o", "json", "group", "offline", "LockGroup", "--ignore-locked", "--wait=60s"))
	if op.State == nil || *op.State != "Offline" {
		t.Errorf("offline --ignore-locked: %+v", op)
	}

	// Resource-level operations with --wait.
	op = decode[opJSON](t, cli(t, addr, 0, "-o", "json", "resource", "online", "r3", "--wait=60s"))
	if op.Resource != "r3" || op.State == nil || *op.State != "Online" || *op.StateCode != 2 {
		t.Errorf("resource online --wait: %+v", op)
	}
	op = decode[opJSON](t, cli(t, addr, 0, "-o", "json", "resource", "offline", "r3", "--param", "dummy=dword:0", "--wait=60s"))
	if op.State == nil || *op.State != "Offline" {
		t.Errorf("resource offline --wait: %+v", op)
	}
	if res := decode[resourceJSON](t, cli(t, addr, 0, "-o", "json", "resource", "show", "r3")); res.Status == nil {
		t.Errorf("r3 has no status")
	} else if v, _ := res.Status.String("LastOfflineAction"); v != "TurnOff" {
		t.Errorf("r3 LastOfflineAction %q, want TurnOff", v)
	}

	// Unknown names.
	if e := decode[errJSON](t, cli(t, addr, 1, "-o", "json", "group", "state", "NoSuchGroup")); e.Error.Code != 5013 || e.Error.Name != "ERROR_GROUP_NOT_FOUND" {
		t.Errorf("unknown group: %+v", e)
	}
	if e := decode[errJSON](t, cli(t, addr, 1, "-o", "json", "group", "offline", "NoSuchGroup")); e.Error.Code != 5013 {
		t.Errorf("offline unknown group: %+v", e)
	}
	if e := decode[errJSON](t, cli(t, addr, 1, "-o", "json", "resource", "state", "nope")); e.Error.Code != 5007 {
		t.Errorf("unknown resource: %+v", e)
	}
	if e := decode[errJSON](t, cli(t, addr, 1, "-o", "json", "type", "show", "nope")); e.Error.Code != 5078 {
		t.Errorf("unknown type: %+v", e)
	}

	// Dependencies, properties, preferred owners.
	cli(t, addr, 0, "resource", "depend", "r3", "--on", "r1")
	cli(t, addr, 0, "resource", "depend", "r3", "--on", "r1", "--remove")
	if r := decode[resourceJSON](t, cli(t, addr, 0, "-o", "json", "resource", "set", "r3", "--prop", "OnlineDelayMs=dword:7")); len(r.Properties) == 0 {
		t.Errorf("resource set: %+v", r)
	}
	cli(t, addr, 0, "group", "set", "DemoGroup", "--prop", "Priority=dword:3000")
	nodes := decode[[]nodeJSON](t, cli(t, addr, 0, "-o", "json", "node", "list"))
	if len(nodes) != 1 || nodes[0].State != "Up" {
		t.Fatalf("node list: %+v", nodes)
	}
	cli(t, addr, 0, "group", "nodes", "DemoGroup", nodes[0].Name)
	if g := decode[groupJSON](t, cli(t, addr, 0, "-o", "json", "group", "show", "DemoGroup")); len(g.PreferredOwners) != 1 {
		t.Errorf("preferred owners: %v", g.PreferredOwners)
	}

	// The other nouns answer.
	types := decode[[]typeJSON](t, cli(t, addr, 0, "-o", "json", "type", "list"))
	found := false
	for _, ty := range types {
		if ty.Name == "dummy" && ty.OfflineParameter == "dummy" && len(ty.Properties) > 0 {
			found = true
		}
	}
	if !found {
		t.Errorf("type list has no dummy: %+v", types)
	}
	info := decode[clusterJSON](t, cli(t, addr, 0, "-o", "json", "cluster", "info"))
	if info.Access != "full" || info.ClusterID == "" {
		t.Errorf("cluster info: %+v", info)
	}
	cli(t, addr, 0, "-o", "json", "acl", "list")
	tok := decode[tokenJSON](t, cli(t, addr, 0, "-o", "json", "acl", "token", "create", "ci", "--access", "read"))
	if tok.Token == "" || tok.Principal != "token:ci" {
		t.Errorf("token create: %+v", tok)
	}
	cli(t, addr, 0, "acl", "token", "delete", "ci")

	// Text output of every listing works.
	for _, args := range [][]string{
		{"group", "list"}, {"group", "show", "DemoGroup"}, {"group", "state", "DemoGroup"},
		{"resource", "list"}, {"resource", "list", "--group", "DemoGroup"}, {"resource", "show", "r1"},
		{"type", "list"}, {"type", "show", "dummy"}, {"node", "list"}, {"acl", "list"}, {"cluster", "info"},
	} {
		if out := cli(t, addr, 0, args...); out == "" {
			t.Errorf("%q printed nothing", args)
		}
	}

	// Deleting: a group with resources needs --force.
	cli(t, addr, 1, "group", "delete", "LockGroup")
	cli(t, addr, 0, "group", "delete", "LockGroup", "--force")
	cli(t, addr, 0, "resource", "delete", "r2")
}

// waitLocked waits until the resource reports locked mode.
func waitLocked(t *testing.T, addr, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for ctx.Err() == nil {
		rs := decode[resourceStateJSON](t, cli(t, addr, 0, "-o", "json", "resource", "state", name))
		if rs.Locked {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("resource %s never reported locked mode", name)
}
