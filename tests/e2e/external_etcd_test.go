package e2e

import (
	"bytes"
	"crypto/tls"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/batoncluster/baton/internal/pki"
)

// The agent runs against an existing etcd cluster (Debian's etcd-server)
// with --etcd-endpoints, over TLS with client certificates required
// (--client-cert-auth, as the README says to run it), and keeps
// everything there across its restarts. A client without a certificate
// gets nothing from that etcd.
func TestExternalEtcd(t *testing.T) {
	etcdBin, err := exec.LookPath("etcd")
	if err != nil {
		t.Fatal("etcd is not installed: apt-get install -y etcd-server")
	}
	dir := t.TempDir()
	client, peer := freeAddr(t), freeAddr(t)
	ca, server, agentCert := etcdCerts(t, dir)
	etcd := exec.Command(etcdBin, "--name", "e1", "--data-dir", filepath.Join(dir, "etcd"),
		"--listen-client-urls", "https://"+client, "--advertise-client-urls", "https://"+client,
		"--listen-peer-urls", "https://"+peer, "--initial-advertise-peer-urls", "https://"+peer,
		"--initial-cluster", "e1=https://"+peer,
		"--cert-file", server.Cert, "--key-file", server.Key, "--trusted-ca-file", ca, "--client-cert-auth",
		"--peer-cert-file", server.Cert, "--peer-key-file", server.Key, "--peer-trusted-ca-file", ca, "--peer-client-cert-auth",
		"--max-txn-ops", "16384", "--max-request-bytes", "8388608")
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
			"--http-addr", httpAddr, "--etcd-endpoints", "https://"+client, "--default-socket=",
			"--etcd-cacert", ca, "--etcd-cert", agentCert.Cert, "--etcd-key", agentCert.Key)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		a := &agent{t: t, cmd: cmd, dataDir: filepath.Join(dir, "agent"), http: "https://" + httpAddr, out: &out,
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
	// Without a client certificate the etcd refuses, even over TLS.
	curl := &http.Client{Timeout: 3 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	if resp, err := curl.Post("https://"+client+"/v3/kv/range", "application/json", strings.NewReader(`{"key":"Lw==","range_end":"MA=="}`)); err == nil {
		resp.Body.Close()
		t.Errorf("etcd answered a client without a certificate: %s", resp.Status)
	}
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

// tlsFiles are a certificate and key in PEM files.
type tlsFiles struct{ Cert, Key string }

// etcdCerts makes a CA and, from it, the etcd server's and the agent's
// certificates, as an operator would with any tool; it returns the CA's
// file and the two pairs.
func etcdCerts(t *testing.T, dir string) (string, tlsFiles, tlsFiles) {
	t.Helper()
	ca, err := pki.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	pair := func(name string) tlsFiles {
		n, err := pki.NewNode(ca, pki.Names{Node: name, IPs: []net.IP{net.IPv4(127, 0, 0, 1)}})
		if err != nil {
			t.Fatal(err)
		}
		if err := n.Save(pki.Files{Dir: filepath.Join(dir, name)}); err != nil {
			t.Fatal(err)
		}
		f := pki.Files{Dir: filepath.Join(dir, name)}
		return tlsFiles{Cert: f.NodeCert(), Key: f.NodeKey()}
	}
	server, agentPair := pair("etcd"), pair("baton")
	return pki.Files{Dir: filepath.Join(dir, "etcd")}.CACert(), server, agentPair
}
