package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/batoncluster/baton/clusapi"
)

type stateJSON struct {
	Name      string `json:"name"`
	State     string `json:"state"`
	StateCode int    `json:"stateCode"`
	OwnerNode string `json:"ownerNode"`
}

type opJSON struct {
	Group      string `json:"group"`
	Status     int    `json:"status"`
	StatusName string `json:"statusName"`
}

type errJSON struct {
	Error struct {
		Code    int    `json:"code"`
		Name    string `json:"name"`
		Message string `json:"message"`
	} `json:"error"`
}

func createDemoGroup(a *agent) {
	a.must("group", "create", "DemoGroup")
	a.must("resource", "create", "r1", "--group", "DemoGroup", "--type", "dummy", "--prop", "OfflineDelayMs=dword:200")
	a.must("resource", "create", "r2", "--group", "DemoGroup", "--type", "dummy", "--depends-on", "r1")
	a.must("resource", "create", "r3", "--group", "DemoGroup", "--type", "dummy")
	a.must("group", "online", "DemoGroup", "--wait=30s")
}

// The seed scenario through the CLI, with the exact codes and JSON shapes.
func TestSeedThroughCLI(t *testing.T) {
	a := startAgent(t, t.TempDir())
	createDemoGroup(a)
	var st stateJSON
	a.jsonOf(&st, "group", "state", "DemoGroup")
	if st != (stateJSON{Name: "DemoGroup", State: "Online", StateCode: 0, OwnerNode: st.OwnerNode}) || st.OwnerNode == "" {
		t.Fatalf("state = %+v", st)
	}

	// Bad input: the documented code, a non-zero exit, nothing changed.
	for _, c := range []struct {
		args []string
		code int
	}{
		{[]string{"group", "offline", "DemoGroup", "--flags", "0x2"}, 87},
		{[]string{"group", "offline", "NoSuchGroup"}, 5013},
	} {
		var e errJSON
		a.jsonOf(&e, c.args...)
		if e.Error.Code != c.code {
			t.Errorf("baton %v: error %+v, want code %d", c.args, e.Error, c.code)
		}
		_, stderr, exit := a.baton(c.args...)
		if exit == 0 || !strings.Contains(stderr, e.Error.Name) {
			t.Errorf("baton %v: exit %d, stderr %q: want non-zero and the Win32 name", c.args, exit, stderr)
		}
	}
	// Locked mode: 5960 and the group stays Online.
	a.must("resource", "set", "r3", "--prop", "Locked=dword:1", "--prop", "LockedReason=sz:backup running")
	var e errJSON
	a.jsonOf(&e, "group", "offline", "DemoGroup")
	if e.Error.Code != 5960 || e.Error.Name != "ERROR_CLUSTER_RESOURCE_LOCKED_STATUS" {
		t.Fatalf("offline of a locked group: %+v", e.Error)
	}
	a.jsonOf(&st, "group", "state", "DemoGroup")
	if st.State != "Online" {
		t.Fatalf("after a rejected offline the group is %s", st.State)
	}

	// The seed call: ignore locked mode, tell the resources to save.
	var op opJSON
	a.jsonOf(&op, "group", "offline", "DemoGroup", "--ignore-locked", "--param", "dummy=dword:1")
	if op != (opJSON{Group: "DemoGroup", Status: 997, StatusName: "ERROR_IO_PENDING"}) {
		t.Fatalf("offline = %+v", op)
	}
	a.jsonOf(&st, "group", "state", "DemoGroup")
	if st.State != "Pending" && st.State != "Offline" {
		t.Fatalf("right after 997 the group reads %s", st.State)
	}
	deadline := time.Now().Add(20 * time.Second)
	for st.State != "Offline" && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		a.jsonOf(&st, "group", "state", "DemoGroup")
	}
	if st.State != "Offline" || st.StateCode != 1 {
		t.Fatalf("group never reached Offline: %+v", st)
	}
	var res struct {
		Status []struct {
			Name  string `json:"name"`
			Value any    `json:"value"`
		} `json:"status"`
		Locked       bool   `json:"locked"`
		LockedReason string `json:"lockedReason"`
	}
	a.jsonOf(&res, "resource", "show", "r3")
	found := false
	for _, p := range res.Status {
		if p.Name == "LastOfflineAction" && p.Value == "Save" {
			found = true
		}
	}
	if !found || !res.Locked || res.LockedReason != "backup running" {
		t.Errorf("resource show r3: %+v; want LastOfflineAction Save, locked with its reason", res)
	}
	// Offline again: 0.
	a.jsonOf(&op, "group", "offline", "DemoGroup")
	if op.Status != 0 {
		t.Errorf("offline of an offline group: %+v, want status 0", op)
	}
}

// The seed page's program, through the Go client's clusapi names.
func TestSeedThroughClusapi(t *testing.T) {
	a := startAgent(t, t.TempDir())
	createDemoGroup(a)
	t.Setenv("BATON_ADDR", a.addr)
	hCluster, err := clusapi.OpenCluster("")
	if err != nil {
		t.Fatal(err)
	}
	defer clusapi.CloseCluster(hCluster)
	if _, err := clusapi.OpenClusterGroup(hCluster, "NoSuchGroup"); clusapi.ErrnoOf(err) != clusapi.ERROR_GROUP_NOT_FOUND {
		t.Errorf("OpenClusterGroup of a missing group: %v", err)
	}
	hGroup, err := clusapi.OpenClusterGroup(hCluster, "DemoGroup")
	if err != nil {
		t.Fatal(err)
	}
	if got := clusapi.OfflineClusterGroupEx(hGroup, 0x2, nil, 0); got != clusapi.ERROR_INVALID_PARAMETER {
		t.Errorf("flags 0x2: %v", got)
	}
	buf := []byte{1, 2, 3}
	if got := clusapi.OfflineClusterGroupEx(hGroup, 0, buf, 4); got != clusapi.ERROR_INVALID_PARAMETER {
		t.Errorf("cbInBufferSize mismatch: %v", got)
	}
	errno := clusapi.OfflineClusterGroupEx(hGroup, clusapi.CLUSAPI_GROUP_OFFLINE_IGNORE_RESOURCE_STATUS, nil, 0)
	if errno != clusapi.ERROR_IO_PENDING {
		t.Fatalf("OfflineClusterGroupEx = %v, want ERROR_IO_PENDING", errno)
	}
	// WaitForGroupToGoOffline, as the seed writes it.
	for {
		state, node, err := clusapi.GetClusterGroupState(hGroup)
		if err != nil {
			t.Fatal(err)
		}
		if state == clusapi.ClusterGroupFailed || state == clusapi.ClusterGroupPartialOnline || state == clusapi.ClusterGroupOnline {
			t.Fatalf("group went %v while going offline", state)
		}
		if state == clusapi.ClusterGroupOffline {
			if node == "" {
				t.Error("GetClusterGroupState gave no owner node")
			}
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !clusapi.CloseClusterGroup(hGroup) {
		t.Error("CloseClusterGroup returned false")
	}
	if got := clusapi.OfflineClusterGroupEx(hGroup, 0, nil, 0); got != clusapi.ERROR_INVALID_HANDLE {
		t.Errorf("call on a closed handle: %v, want ERROR_INVALID_HANDLE", got)
	}
}

// The seed call over plain HTTP with JSON, and access control over TCP.
func TestSeedThroughHTTPJSON(t *testing.T) {
	a := startAgent(t, t.TempDir())
	createDemoGroup(a)
	var full, read struct {
		Token string `json:"token"`
	}
	a.jsonOf(&full, "acl", "token", "create", "ops", "--access", "full")
	a.jsonOf(&read, "acl", "token", "create", "viewer", "--access", "read")

	offline := `{"group":{"name":"DemoGroup"},"flags":1,"params":{"properties":[{"name":"dummy","values":[{"dword":1}]}]}}`
	for _, c := range []struct {
		name, token string
	}{{"no token", ""}, {"read token", read.Token}, {"forged token", "baton_forged"}} {
		status, body, hdr := a.post("/baton.v1.GroupService/OfflineGroup", c.token, offline)
		if status == 200 || hdr.Get("Baton-Win32-Code") != "5" || !strings.Contains(body["message"].(string), "ERROR_ACCESS_DENIED (5)") {
			t.Errorf("%s: HTTP %d, header %q, body %v; want ERROR_ACCESS_DENIED", c.name, status, hdr.Get("Baton-Win32-Code"), body)
		}
	}
	status, body, _ := a.post("/baton.v1.GroupService/OfflineGroup", full.Token, `{"group":{"name":"DemoGroup"},"flags":2}`)
	if status == 200 || !strings.Contains(body["message"].(string), "ERROR_INVALID_PARAMETER (87)") {
		t.Errorf("bad flags over JSON: HTTP %d %v", status, body)
	}
	status, body, _ = a.post("/baton.v1.GroupService/OfflineGroup", full.Token, offline)
	if status != 200 || body["status"] != float64(997) || body["statusName"] != "ERROR_IO_PENDING" {
		t.Fatalf("offline over JSON: HTTP %d %v", status, body)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, body, _ = a.post("/baton.v1.GroupService/GetGroupState", read.Token, `{"group":{"name":"DemoGroup"}}`)
		if body["stateName"] == "Offline" {
			break
		}
		if body["stateName"] == "Online" || time.Now().After(deadline) {
			t.Fatalf("group state over JSON: %v", body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// A local user without an entry in the security descriptor gets 5 over the
// Unix socket; Read lets them look but not change anything.
func TestUnixPeerCredentials(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("this test runs the CLI as user nobody, which needs root")
	}
	// Not t.TempDir: its parent is private to root, and nobody must reach
	// the socket.
	dir, err := os.MkdirTemp("", "baton-peercred-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	a := startAgent(t, dir)
	a.must("group", "create", "G")
	asNobody := func(args ...string) (string, int) {
		cmd := exec.Command(batonBin, args...)
		cmd.Env = []string{"BATON_ADDR=" + a.addr}
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return out.String(), code
	}
	if out, code := asNobody("group", "state", "G"); code == 0 || !strings.Contains(out, "ERROR_ACCESS_DENIED") {
		t.Fatalf("nobody without access: exit %d: %s", code, out)
	}
	a.must("acl", "grant", "unix:user:nobody", "--access", "read")
	if out, code := asNobody("group", "state", "G"); code != 0 {
		t.Fatalf("nobody with Read: exit %d: %s", code, out)
	}
	if out, code := asNobody("group", "online", "G"); code == 0 || !strings.Contains(out, "ERROR_ACCESS_DENIED") {
		t.Fatalf("nobody with Read may not change things: exit %d: %s", code, out)
	}
}

// Stopping and starting the agent on the same --data-dir loses nothing.
func TestRestartWithDataDir(t *testing.T) {
	dir := t.TempDir()
	a := startAgent(t, dir)
	createDemoGroup(a)
	a.must("group", "create", "Cold")
	a.must("acl", "grant", "unix:group:adm", "--access", "read")
	a.stop()

	b := startAgent(t, dir)
	deadline := time.Now().Add(20 * time.Second)
	var st stateJSON
	for b.jsonOf(&st, "group", "state", "DemoGroup"); st.State != "Online" && time.Now().Before(deadline); b.jsonOf(&st, "group", "state", "DemoGroup") {
		time.Sleep(50 * time.Millisecond)
	}
	if st.State != "Online" {
		t.Fatalf("DemoGroup after restart: %+v, want Online again", st)
	}
	var r struct {
		DependsOn  []string `json:"dependsOn"`
		Properties []struct {
			Name  string `json:"name"`
			Value any    `json:"value"`
		} `json:"properties"`
	}
	b.jsonOf(&r, "resource", "show", "r1")
	if len(r.Properties) != 1 || r.Properties[0].Name != "OfflineDelayMs" || r.Properties[0].Value != float64(200) {
		t.Errorf("r1 properties after restart: %+v", r.Properties)
	}
	b.jsonOf(&r, "resource", "show", "r2")
	if len(r.DependsOn) != 1 || r.DependsOn[0] != "r1" {
		t.Errorf("r2 dependencies after restart: %v", r.DependsOn)
	}
	if out := b.must("acl", "list"); !strings.Contains(out, "unix:group:adm") {
		t.Errorf("access entry lost: %s", out)
	}
	b.jsonOf(&st, "group", "state", "Cold")
	if st.State != "Offline" {
		t.Errorf("Cold after restart: %+v", st)
	}
}
