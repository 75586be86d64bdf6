package e2e

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

var batonBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "baton-e2e-")
	if err != nil {
		panic(err)
	}
	// Other users run the binary too (TestUnixPeerCredentials).
	if err := os.Chmod(dir, 0o755); err != nil {
		panic(err)
	}
	batonBin = filepath.Join(dir, "baton")
	build := exec.Command("go", "build", "-o", batonBin, "../../cmd/baton")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build baton:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// agent is a running `baton agent -dev` process.
type agent struct {
	t       *testing.T
	cmd     *exec.Cmd
	dataDir string
	addr    string // unix://…
	http    string // https://host:port
	out     *bytes.Buffer
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startAgent runs `baton agent -dev` on dataDir (with more flags, if
// any) and waits until it says where it listens; it is stopped (SIGTERM,
// by PID) when the test ends.
func startAgent(t *testing.T, dataDir string, more ...string) *agent {
	t.Helper()
	httpAddr := freeAddr(t)
	cmd := exec.Command(batonBin, append([]string{"agent", "-dev", "--data-dir", dataDir, "--http-addr", httpAddr, "--default-socket="}, more...)...)
	out := &bytes.Buffer{}
	pr, pw := io.Pipe()
	cmd.Stdout = io.MultiWriter(out, pw)
	cmd.Stderr = out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	a := &agent{t: t, cmd: cmd, dataDir: dataDir, http: "https://" + httpAddr, out: out}
	t.Cleanup(a.stop)
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if addr, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "export BATON_ADDR="); ok {
				ready <- addr
			}
		}
	}()
	select {
	case a.addr = <-ready:
	case <-time.After(20 * time.Second):
		t.Fatalf("agent not ready after 20 s; it said:\n%s", out)
	}
	return a
}

func (a *agent) stop() {
	if a.cmd.ProcessState != nil {
		return
	}
	_ = a.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = a.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		_ = a.cmd.Process.Kill()
		<-done
	}
}

// baton runs the CLI against the agent and returns stdout, stderr and
// the exit status.
func (a *agent) baton(args ...string) (string, string, int) {
	a.t.Helper()
	cmd := exec.Command(batonBin, args...)
	cmd.Env = append(os.Environ(), "BATON_ADDR="+a.addr)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		a.t.Fatal(err)
	}
	return stdout.String(), stderr.String(), code
}

// must runs the CLI and fails the test unless it exits 0.
func (a *agent) must(args ...string) string {
	a.t.Helper()
	out, errOut, code := a.baton(args...)
	if code != 0 {
		a.t.Fatalf("baton %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

func (a *agent) jsonOf(v any, args ...string) {
	a.t.Helper()
	out, errOut, _ := a.baton(append(args, "-o", "json")...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		a.t.Fatalf("baton %s -o json: %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, out, errOut)
	}
}

// httpClient trusts the agent's cluster CA alone (curl --cacert DATA/ca.crt).
func (a *agent) httpClient() *http.Client {
	a.t.Helper()
	pem, err := os.ReadFile(filepath.Join(a.dataDir, "ca.crt"))
	if err != nil {
		a.t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		a.t.Fatal("ca.crt holds no certificate")
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
}

// post calls the API with JSON over TCP, as curl would.
func (a *agent) post(path, token, body string) (int, map[string]any, http.Header) {
	a.t.Helper()
	req, err := http.NewRequest("POST", a.http+path, strings.NewReader(body))
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := a.httpClient().Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		a.t.Fatalf("POST %s: %v", path, err)
	}
	return resp.StatusCode, m, resp.Header
}
