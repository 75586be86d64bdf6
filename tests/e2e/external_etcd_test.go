package e2e

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The agent runs against an existing etcd cluster (Debian's etcd-server)
// with --etcd-endpoints, and keeps everything there across its restarts.
func TestExternalEtcd(t *testing.T) {
	etcdBin, err := exec.LookPath("etcd")
	if err != nil {
		t.Fatal("etcd is not installed: apt-get install -y etcd-server")
	}
	dir := t.TempDir()
	client, peer := freeAddr(t), freeAddr(t)
	etcd := exec.Command(etcdBin, "--name", "e1", "--data-dir", filepath.Join(dir, "etcd"),
		"--listen-client-urls", "http://"+client, "--advertise-client-urls", "http://"+client,
		"--listen-peer-urls", "http://"+peer, "--initial-advertise-peer-urls", "http://"+peer,
		"--initial-cluster", "e1=http://"+peer)
	var etcdOut bytes.Buffer
	etcd.Stdout, etcd.Stderr = &etcdOut, &etcdOut
	if err := etcd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = etcd.Process.Signal(syscall.SIGTERM)
		_ = etcd.Wait()
	})

	start := func() *agent {
		httpAddr := freeAddr(t)
		cmd := exec.Command(batonBin, "agent", "--name", "x1", "--data-dir", filepath.Join(dir, "agent"),
			"--http-addr", httpAddr, "--etcd-endpoints", "http://"+client, "--default-socket=")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		a := &agent{t: t, cmd: cmd, dataDir: filepath.Join(dir, "agent"), http: "http://" + httpAddr, out: &out,
			addr: "unix://" + filepath.Join(dir, "agent", "baton.sock")}
		t.Cleanup(a.stop)
		deadline := time.Now().Add(20 * time.Second)
		for {
			if _, _, code := a.baton("cluster", "info"); code == 0 {
				return a
			}
			if time.Now().After(deadline) {
				t.Fatalf("agent on external etcd not ready:\n%s\netcd:\n%s", out.String(), etcdOut.String())
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	a := start()
	createDemoGroup(a)
	a.stop()
	b := start()
	deadline := time.Now().Add(20 * time.Second)
	var st stateJSON
	for b.jsonOf(&st, "group", "state", "DemoGroup"); st.State != "Online" && time.Now().Before(deadline); b.jsonOf(&st, "group", "state", "DemoGroup") {
		time.Sleep(50 * time.Millisecond)
	}
	if st.State != "Online" {
		t.Fatalf("DemoGroup after the agent's restart on external etcd: %+v", st)
	}
	if out := b.must("resource", "list", "--group", "DemoGroup"); strings.Count(out, "dummy") != 3 {
		t.Errorf("resources after restart:\n%s", out)
	}
}
