package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/spf13/cobra"

	"github.com/batoncluster/baton/clusapi"
	"github.com/batoncluster/baton/internal/server"
	"github.com/batoncluster/baton/proplist"
)

// run runs the CLI in-process and returns its exit status and output.
func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestParamsBuffer(t *testing.T) {
	want := proplist.List{
		{Name: "dummy", Values: []proplist.Value{proplist.DWORD(1)}},
		{Name: "Virtual Machine", Values: []proplist.Value{proplist.DWORD(3)}},
	}.Marshal()

	o := opFlags{params: []string{"dummy=dword:1", "Virtual Machine=DWORD:0x3"}}
	got, err := o.buffer()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("--param buffer\n got %x\nwant %x", got, want)
	}

	dir := t.TempDir()
	jsonFile := filepath.Join(dir, "p.json")
	os.WriteFile(jsonFile, []byte(`[{"name":"dummy","type":"dword","value":1},
		{"name":"Virtual Machine","type":"dword","value":3}]`+"\n"), 0o600)
	o = opFlags{paramsFile: jsonFile}
	if got, err = o.buffer(); err != nil || !bytes.Equal(got, want) {
		t.Errorf("--params-file JSON: %x, %v; want %x", got, err, want)
	}

	// Bytes that are not JSON go out as they are, even if malformed: the
	// server judges them (and answers 87).
	raw := append(proplist.List{{Name: "dummy", Values: []proplist.Value{proplist.DWORD(1)}}}.MarshalCompact(), 0xAA)
	rawFile := filepath.Join(dir, "p.bin")
	os.WriteFile(rawFile, raw, 0o600)
	o = opFlags{paramsFile: rawFile}
	if got, err = o.buffer(); err != nil || !bytes.Equal(got, raw) {
		t.Errorf("--params-file raw: %x, %v; want %x", got, err, raw)
	}

	if got, err := (&opFlags{}).buffer(); got != nil || err != nil {
		t.Errorf("no params: %x, %v; want nil, nil", got, err)
	}

	bad := map[string]opFlags{
		"both":          {params: []string{"dummy=dword:1"}, paramsFile: jsonFile},
		"no kind":       {params: []string{"dummy=1"}},
		"no equals":     {params: []string{"dummy"}},
		"out of range":  {params: []string{"dummy=dword:4294967296"}},
		"twice":         {params: []string{"dummy=dword:1", "DUMMY=dword:2"}},
		"missing file":  {paramsFile: filepath.Join(dir, "nope")},
		"JSON not list": {paramsFile: writeFile(t, dir, "obj.json", `{"name":"dummy"}`)},
	}
	for name, o := range bad {
		_, err := o.buffer()
		var ue *usageError
		if !errors.As(err, &ue) {
			t.Errorf("%s: err = %v, want a usage error", name, err)
		}
	}
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestFlagBits(t *testing.T) {
	for _, tt := range []struct {
		o    opFlags
		want uint32
	}{
		{opFlags{}, 0},
		{opFlags{ignoreLocked: true}, 0x1},
		{opFlags{flags: 0x2}, 0x2},
		{opFlags{ignoreLocked: true, flags: 0x2}, 0x3},
		{opFlags{ignoreLocked: true, flags: 0x1}, 0x1},
		{opFlags{forceTerminate: true}, 0x2},
		{opFlags{ignoreLocked: true, forceTerminate: true, flags: 0x80000000}, 0x80000003},
	} {
		if got := tt.o.bits(); got != tt.want {
			t.Errorf("%+v: bits = %#x, want %#x", tt.o, got, tt.want)
		}
	}
}

func TestParseDWORD(t *testing.T) {
	good := map[string]uint32{"0": 0, "2": 2, "010": 10, "0x2": 2, "0X1f": 0x1f, "4294967295": 0xFFFFFFFF, "0xFFFFFFFF": 0xFFFFFFFF}
	for s, want := range good {
		if got, err := parseDWORD(s); err != nil || got != want {
			t.Errorf("parseDWORD(%q) = %d, %v; want %d", s, got, err, want)
		}
	}
	for _, s := range []string{"", "0x", "-1", "4294967296", "0x100000000", "zz", "1.5", "0b1"} {
		if got, err := parseDWORD(s); err == nil {
			t.Errorf("parseDWORD(%q) = %d, want an error", s, got)
		}
	}
}

func TestJSONShapes(t *testing.T) {
	locked := server.ToConnect(fmt.Errorf("resource %q of group %q is in locked mode (backup); use the ignore-locked flag (0x1) to take the group offline anyway: %w",
		"vm1", "DemoGroup", clusapi.ERROR_CLUSTER_RESOURCE_LOCKED_STATUS))
	lockedErr := apiErr(locked)
	offline, code := "Offline", int32(1)
	for _, tt := range []struct {
		name string
		v    any
		want string
	}{
		{"group state", groupStateJSON{Name: "DemoGroup", State: groupStateName(1), StateCode: 1, OwnerNode: "node1"},
			`{"name":"DemoGroup","state":"Offline","stateCode":1,"ownerNode":"node1"}`},
		{"resource state", resourceStateJSON{Name: "vm1", Group: "DemoGroup", State: resourceStateName(130), StateCode: 130, OwnerNode: "node1", Locked: true, LockedReason: "backup"},
			`{"name":"vm1","group":"DemoGroup","state":"OfflinePending","stateCode":130,"ownerNode":"node1","locked":true,"lockedReason":"backup"}`},
		{"group op", opResult(subjectGroup, "DemoGroup", clusapi.ERROR_IO_PENDING, "op-1"),
			`{"group":"DemoGroup","status":997,"statusName":"ERROR_IO_PENDING","operationId":"op-1"}`},
		{"group op done", opResult(subjectGroup, "DemoGroup", clusapi.ERROR_SUCCESS, ""),
			`{"group":"DemoGroup","status":0,"statusName":"ERROR_SUCCESS"}`},
		{"resource op waited", func() opJSON {
			o := opResult(subjectResource, "vm1", clusapi.ERROR_IO_PENDING, "op-2")
			o.State, o.StateCode = &offline, &code
			return o
		}(), `{"resource":"vm1","status":997,"statusName":"ERROR_IO_PENDING","operationId":"op-2","state":"Offline","stateCode":1}`},
		{"error", errorJSON(lockedErr.Code, lockedErr.Msg),
			`{"error":{"code":5960,"name":"ERROR_CLUSTER_RESOURCE_LOCKED_STATUS","message":"resource \"vm1\" of group \"DemoGroup\" is in locked mode (backup); use the ignore-locked flag (0x1) to take the group offline anyway"}}`},
		{"bare error", errorJSON(apiErr(server.ToConnect(clusapi.ERROR_GROUP_NOT_FOUND)).Code, apiErr(server.ToConnect(clusapi.ERROR_GROUP_NOT_FOUND)).Msg),
			`{"error":{"code":5013,"name":"ERROR_GROUP_NOT_FOUND","message":"ERROR_GROUP_NOT_FOUND"}}`},
	} {
		b, err := marshal(tt.v)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got := strings.TrimSuffix(string(b), "\n"); got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, got, tt.want)
		}
	}
}

func TestResourceJSON(t *testing.T) {
	r := &clusapi.Resource{
		Name: "vm1", ID: "id1", Group: "DemoGroup", Type: "dummy", State: 3, OwnerNode: "node1",
		PrivateProperties: proplist.List{{Name: "OnlineDelayMs", Values: []proplist.Value{proplist.DWORD(5)}}},
		Status:            proplist.List{{Name: "LastOfflineAction", Values: []proplist.Value{proplist.SZ("Save")}}},
	}
	j := toResourceJSON(r)
	b, _ := marshal(j)
	want := `{"name":"vm1","id":"id1","group":"DemoGroup","type":"dummy","state":"Offline","stateCode":3,"ownerNode":"node1",` +
		`"locked":false,"lockedReason":"","persistentState":0,"dependsOn":[],` +
		`"properties":[{"name":"OnlineDelayMs","type":"dword","value":5}],"commonProperties":[],` +
		`"status":[{"name":"LastOfflineAction","type":"sz","value":"Save"}],"restarts":[]}`
	if got := strings.TrimSpace(string(b)); got != want {
		t.Errorf("resource JSON\n got %s\nwant %s", got, want)
	}

	g := &clusapi.Group{Name: "DemoGroup", ID: "g1", State: 0, OwnerNode: "node1", PersistentState: 1}
	gj := toGroupJSON(g, []clusapi.Resource{*r})
	b, _ = marshal(gj)
	want = `{"name":"DemoGroup","id":"g1","state":"Online","stateCode":0,"ownerNode":"node1","preferredOwners":[],"persistentState":1,` +
		`"resources":[{"name":"vm1","type":"dummy","state":"Offline","stateCode":3,"locked":false,"restarts":[]}],"properties":[],"failovers":[],` +
		`"statusInformation":0}`
	if got := strings.TrimSpace(string(b)); got != want {
		t.Errorf("group JSON\n got %s\nwant %s", got, want)
	}

	// Restarts within RestartPeriod, StatusInformation and a queued move.
	t0 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	r.Restarts, r.RestartCountExpires = []time.Time{t0}, t0.Add(15*time.Minute)
	j = toResourceJSON(r)
	b, _ = marshal(j)
	if want := `"restarts":["2025-03-01T12:00:00Z"],"restartCountExpires":"2025-03-01T12:15:00Z"}`; !strings.HasSuffix(strings.TrimSpace(string(b)), want) {
		t.Errorf("resource JSON with a restart\n got %s\nwant it to end %s", b, want)
	}
	g.StatusInformation = clusapi.CLUSGRP_STATUS_WAITING_IN_QUEUE_FOR_MOVE
	g.QueuedMove = &clusapi.QueuedMove{OperationID: "op-9", To: "node2", Blocker: "node \"node2\" is paused", Code: 5070, Since: t0}
	gj = toGroupJSON(g, []clusapi.Resource{*r})
	b, _ = marshal(gj)
	want = `{"name":"DemoGroup","id":"g1","state":"Online","stateCode":0,"ownerNode":"node1","preferredOwners":[],"persistentState":1,` +
		`"resources":[{"name":"vm1","type":"dummy","state":"Offline","stateCode":3,"locked":false,"restarts":["2025-03-01T12:00:00Z"],"restartCountExpires":"2025-03-01T12:15:00Z"}],` +
		`"properties":[],"failovers":[],"statusInformation":4,` +
		`"queuedMove":{"operationId":"op-9","to":"node2","blocker":"node \"node2\" is paused","code":5070,"codeName":"ERROR_CLUSTER_NODE_PAUSED","since":"2025-03-01T12:00:00Z"}}`
	if got := strings.TrimSpace(string(b)); got != want {
		t.Errorf("queued group JSON\n got %s\nwant %s", got, want)
	}
}

func TestGroupStatusText(t *testing.T) {
	for bits, want := range map[uint64]string{
		0:       "0x0",
		0x4:     "0x4 (WAITING_IN_QUEUE_FOR_MOVE)",
		0x5:     "0x5 (LOCKED_MODE, WAITING_IN_QUEUE_FOR_MOVE)",
		0x10004: "0x10004 (WAITING_IN_QUEUE_FOR_MOVE, 0x10000)",
	} {
		if got := groupStatusText(bits); got != want {
			t.Errorf("groupStatusText(%#x) = %q, want %q", bits, got, want)
		}
	}
}

// An operation record with the outcome of a failed move: from, to, the
// Win32 code with its name, the detail and the recovery.
func TestOperationJSON(t *testing.T) {
	t0 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	op := &clusapi.OperationRecord{ID: "op-1", Kind: "MoveGroup", Group: "G", Flags: 2, Caller: "root",
		Created: t0, Finished: t0.Add(1500 * time.Millisecond), Outcome: "failed",
		From: "node1", To: "node2", Error: clusapi.ERROR_RESOURCE_FAILED,
		Detail: `resource "gate" failed on node2; operation op-2 (ReturnToSource) takes the group to node1`, Recovery: "op-2"}
	j := toOperationJSON(op)
	b, _ := marshal(j)
	want := `{"id":"op-1","kind":"MoveGroup","flags":2,"caller":"root","created":"2025-03-01T12:00:00Z","finished":"2025-03-01T12:00:01.5Z","duration":"1.5s",` +
		`"outcome":"failed","from":"node1","to":"node2","error":5038,"errorName":"ERROR_RESOURCE_FAILED",` +
		`"detail":"resource \"gate\" failed on node2; operation op-2 (ReturnToSource) takes the group to node1","recovery":"op-2"}`
	if got := strings.TrimSpace(string(b)); got != want {
		t.Errorf("operation JSON\n got %s\nwant %s", got, want)
	}
	if j.nodes() != "node1 → node2" || j.outcome() != "failed (5038)" {
		t.Errorf("nodes %q, outcome %q", j.nodes(), j.outcome())
	}
	// An operation that succeeded has none of it.
	b, _ = marshal(toOperationJSON(&clusapi.OperationRecord{ID: "op-3", Kind: "OnlineGroup", Created: t0, Outcome: "succeeded"}))
	if got := string(b); strings.Contains(got, "error") || strings.Contains(got, "detail") || strings.Contains(got, "recovery") || strings.Contains(got, "from") {
		t.Errorf("a plain operation: %s", got)
	}
}

type exitErr struct{ code int }

func (e exitErr) Error() string { return "exit" }
func (e exitErr) ExitCode() int { return e.code }

func TestExitCode(t *testing.T) {
	for _, tt := range []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, ExitOK},
		{"usage", usageErrorf("bad"), ExitUsage},
		{"wrapped usage", &runError{err: usageErrorf("bad")}, ExitUsage},
		{"api error", &apiError{Code: clusapi.ERROR_GROUP_NOT_FOUND}, ExitError},
		{"connect error", server.ToConnect(clusapi.ERROR_INVALID_PARAMETER), ExitError},
		{"wrapped connect error", fmt.Errorf("x: %w", server.ToConnect(clusapi.ERROR_ACCESS_DENIED)), ExitError},
		{"unreachable", connect.NewError(connect.CodeUnavailable, errors.New("dial unix: no such file")), ExitError},
		{"wait", &waitError{kind: "group", name: "G", want: "Offline", got: "Failed"}, ExitError},
		{"run error", &runError{err: errors.New("boom")}, ExitError},
		{"exit coder", exitErr{3}, 3},
		{"cobra error", errors.New(`unknown command "x" for "baton"`), ExitUsage},
	} {
		if got := exitCode(tt.err); got != tt.want {
			t.Errorf("%s: exitCode = %d, want %d", tt.name, got, tt.want)
		}
	}
}

func TestAPIErrorCodes(t *testing.T) {
	for _, code := range []clusapi.Errno{
		clusapi.ERROR_INVALID_PARAMETER, clusapi.ERROR_ACCESS_DENIED, clusapi.ERROR_GROUP_NOT_FOUND,
		clusapi.ERROR_CLUSTER_RESOURCE_LOCKED_STATUS, clusapi.ERROR_INVALID_STATE,
	} {
		e := apiErr(fmt.Errorf("call: %w", server.ToConnect(fmt.Errorf("detail: %w", code))))
		if e.Code != code {
			t.Errorf("%v: code %v", code, e.Code)
		}
		if want := "detail"; e.Msg != want {
			t.Errorf("%v: message %q, want %q", code, e.Msg, want)
		}
	}
	e := apiErr(connect.NewError(connect.CodeUnavailable, errors.New("dial unix /x: connect: no such file or directory")))
	if e.Code != clusapi.RPC_S_SERVER_UNAVAILABLE {
		t.Errorf("unreachable: code %v", e.Code)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"bogus"},
		{"group", "bogus"},
		{"group", "offline"},
		{"group", "offline", "a", "b"},
		{"group", "offline", "G", "--bogus"},
		{"group", "offline", "G", "--flags", "zz"},
		{"group", "offline", "G", "--wait=soon"},
		{"group", "offline", "G", "--param", "dummy"},
		{"group", "offline", "G", "--param", "dummy=dword:1", "--params-file", "x"},
		{"group", "set", "G"},
		{"resource", "create", "r"},
		{"resource", "depend", "r"},
		{"resource", "offline", "r", "--param", "x=nokind:1"},
		{"acl", "grant", "unix:user:bob", "--access", "write"},
		{"acl", "token", "create", "ci"},
		{"-o", "yaml", "group", "list"},
		{"--address", "ftp://x", "group", "list"},
	} {
		code, stdout, stderr := run(t, args...)
		if code != ExitUsage {
			t.Errorf("%q: exit %d, want %d (stdout %q, stderr %q)", args, code, ExitUsage, stdout, stderr)
			continue
		}
		if !strings.Contains(stderr, "--help' for usage") {
			t.Errorf("%q: no help hint in %q", args, stderr)
		}
	}

	if _, _, stderr := run(t, "group", "ofline", "G"); !strings.Contains(stderr, "did you mean offline") {
		t.Errorf("no suggestion in %q", stderr)
	}

	code, stdout, _ := run(t, "-o", "json", "group", "offline", "G", "--flags", "zz")
	if code != ExitUsage || !strings.HasPrefix(stdout, `{"error":{"code":87,"name":"ERROR_INVALID_PARAMETER","message":`) {
		t.Errorf("JSON usage error: exit %d, stdout %q", code, stdout)
	}

	for _, args := range [][]string{{}, {"--help"}, {"group"}, {"group", "offline", "--help"}} {
		code, stdout, stderr := run(t, args...)
		if code != ExitOK || !strings.Contains(stdout, "Usage:") {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want help", args, code, stdout, stderr)
		}
	}
}

func TestExtraCommands(t *testing.T) {
	var ran bool
	agent := func(err error) *cobra.Command {
		return &cobra.Command{Use: "agent", RunE: func(*cobra.Command, []string) error { ran = true; return err }}
	}
	var out, errb bytes.Buffer
	if code := Run(context.Background(), []string{"agent"}, &out, &errb, agent(nil)); code != 0 || !ran {
		t.Errorf("agent: exit %d, ran %v", code, ran)
	}
	if code := Run(context.Background(), []string{"agent"}, &out, &errb, agent(errors.New("port in use"))); code != ExitError {
		t.Errorf("agent error: exit %d, want %d", code, ExitError)
	}
	if code := Run(context.Background(), []string{"agent"}, &out, &errb, agent(exitErr{4})); code != 4 {
		t.Errorf("agent ExitCoder: exit %d, want 4", code)
	}
	if code := Run(context.Background(), []string{"agent", "--nope"}, &out, &errb, agent(nil)); code != ExitUsage {
		t.Errorf("agent bad flag: exit %d, want %d", code, ExitUsage)
	}
}

func TestProgress(t *testing.T) {
	var b bytes.Buffer
	p := &progress{w: &b}
	p.show("DemoGroup: Pending — resources offline 1 of 3")
	p.show("DemoGroup: Offline")
	p.show("DemoGroup: Offline")
	p.clear()
	want := "\rDemoGroup: Pending — resources offline 1 of 3" +
		"\rDemoGroup: Offline" + strings.Repeat(" ", 27) +
		"\r" + strings.Repeat(" ", 18) + "\r"
	if b.String() != want {
		t.Errorf("progress output\n got %q\nwant %q", b.String(), want)
	}
	if isTerminal(&b) {
		t.Error("a buffer is not a terminal")
	}
}

func TestObserved(t *testing.T) {
	off := clusapi.ClusterGroupOffline
	for _, tt := range []struct {
		state       clusapi.ClusterGroupState
		want        clusapi.ClusterGroupState
		done, stuck bool
	}{
		{clusapi.ClusterGroupPending, off, false, false},
		{clusapi.ClusterGroupOffline, off, true, false},
		{clusapi.ClusterGroupFailed, off, false, true},
		{clusapi.ClusterGroupPartialOnline, off, false, true},
		{clusapi.ClusterGroupOnline, off, false, true},
		{clusapi.ClusterGroupOnline, clusapi.ClusterGroupOnline, true, false},
		{clusapi.ClusterGroupOffline, clusapi.ClusterGroupOnline, false, true},
	} {
		o := groupObserved(clusapi.GroupStatus{Name: "G", State: tt.state, ResourcesTotal: 3, ResourcesOffline: 2}, tt.want, "offline")
		if o.done != tt.done || o.stuck != tt.stuck {
			t.Errorf("%v waiting for %v: done %v stuck %v", tt.state, tt.want, o.done, o.stuck)
		}
	}
	// A group without resources is done either way, as clusapi's Wait
	// has it.
	if o := groupObserved(clusapi.GroupStatus{Name: "E", State: off}, clusapi.ClusterGroupOnline, "online"); !o.done || o.stuck {
		t.Errorf("an empty group waiting for Online: done %v stuck %v", o.done, o.stuck)
	}
	o := groupObserved(clusapi.GroupStatus{Name: "DemoGroup", State: 4, ResourcesTotal: 3, ResourcesOffline: 2}, off, "offline")
	if want := "DemoGroup: Pending — resources offline 2 of 3"; o.line != want {
		t.Errorf("line %q, want %q", o.line, want)
	}
	for st, stuck := range map[clusapi.ClusterResourceState]bool{
		clusapi.ClusterResourceOnlinePending: false, clusapi.ClusterResourceOfflinePending: false,
		clusapi.ClusterResourceFailed: true, clusapi.ClusterResourceOffline: true, clusapi.ClusterResourceOnline: false,
	} {
		o := resourceObserved(clusapi.ResourceStatus{Name: "r", State: st}, clusapi.ClusterResourceOnline)
		if o.stuck != stuck || o.done != (st == clusapi.ClusterResourceOnline) {
			t.Errorf("resource %v: done %v stuck %v", st, o.done, o.stuck)
		}
	}
}
