package clusapi_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/batoncluster/baton/clusapi"
)

// The integration tests run the real agent: `baton agent -dev` in a
// temporary directory. The binary is built once per test run (the first
// time a test needs it), or taken from $BATON_BIN. -short skips them.

var (
	binDir   string // temporary directory of the test run, for the binary
	buildBin sync.Once
	binPath  string
	binErr   error
)

func TestMain(m *testing.M) {
	flag.Parse()
	var err error
	binDir, err = os.MkdirTemp("", "clusapi-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	code := m.Run()
	os.RemoveAll(binDir)
	os.Exit(code)
}

// batonBinary returns the path of the baton binary, building it the first
// time: go build -o $TMP/baton ./cmd/baton.
func batonBinary(t *testing.T) string {
	t.Helper()
	buildBin.Do(func() {
		if p := os.Getenv("BATON_BIN"); p != "" {
			binPath = p
			return
		}
		goTool, err := exec.LookPath("go")
		if err != nil {
			binErr = fmt.Errorf("no go tool to build the agent: %w", err)
			return
		}
		binPath = filepath.Join(binDir, "baton")
		cmd := exec.Command(goTool, "build", "-o", binPath, "./cmd/baton")
		cmd.Dir = ".." // the module root
		if out, err := cmd.CombinedOutput(); err != nil {
			binErr = fmt.Errorf("go build ./cmd/baton: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// testAgent is a running `baton agent -dev`.
type testAgent struct {
	Addr     string // unix://…/baton.sock
	HTTPAddr string // https://127.0.0.1:PORT
	CA       string // the cluster CA's certificate (BATON_CA)
	cmd      *exec.Cmd
	out      *syncBuffer
	dataDir  string
}

// syncBuffer collects the agent's output.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

var (
	httpAddrLine = regexp.MustCompile(`api:\s+(https://\S+)`)
	caLine       = regexp.MustCompile(`ca:\s+(\S+)`)
)

// startAgent starts an agent for one test; the test's cleanup stops it
// (SIGTERM, then waits for it to exit).
func startAgent(t *testing.T) *testAgent {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test: needs a baton agent (skipped with -short)")
	}
	dataDir := filepath.Join(t.TempDir(), "d")
	a := &testAgent{Addr: "unix://" + filepath.Join(dataDir, "baton.sock"), out: &syncBuffer{}, dataDir: dataDir}
	a.start(t)
	return a
}

// openAgentCluster starts an agent for one test and opens a cluster
// handle to it, closed by the test's cleanup.
func openAgentCluster(t *testing.T) (*testAgent, clusapi.HCLUSTER) {
	t.Helper()
	a := startAgent(t)
	h, err := clusapi.OpenCluster(a.Addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { clusapi.CloseCluster(h) })
	return a, h
}

// kill kills the agent's process (SIGKILL, by its PID), as a crash or a
// power cut would, and waits until it is gone.
func (a *testAgent) kill(t *testing.T) {
	t.Helper()
	if err := syscall.Kill(a.cmd.Process.Pid, syscall.SIGKILL); err != nil {
		t.Fatalf("kill agent (pid %d): %v", a.cmd.Process.Pid, err)
	}
	for syscall.Kill(a.cmd.Process.Pid, 0) == nil {
		time.Sleep(10 * time.Millisecond) // until the wait in start reaps it
	}
}

// restart starts the agent again on its data directory, after kill.
func (a *testAgent) restart(t *testing.T) {
	t.Helper()
	a.start(t)
}

// start starts `baton agent -dev` on a.dataDir and waits until it answers.
func (a *testAgent) start(t *testing.T) {
	t.Helper()
	bin := batonBinary(t)
	dataDir := a.dataDir
	a.cmd = exec.Command(bin, "agent", "-dev", "--data-dir", dataDir, "--http-addr", "127.0.0.1:0",
		"--default-socket=", "--log-level", "debug")
	a.cmd.Stdout = a.out
	a.cmd.Stderr = a.out
	a.cmd.Env = append(os.Environ(), "BATON_ADDR=", "BATON_TOKEN=")
	cmd := a.cmd
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
			t.Errorf("agent (pid %d) did not stop within 15s of SIGTERM; killing it", cmd.Process.Pid)
			_ = cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("agent output:\n%s", a.out.String())
		}
	})

	// Wait for the socket to answer.
	c, err := clusapi.New(a.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, err := c.Cluster(ctx)
		cancel()
		if err == nil {
			break
		}
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("agent exited before answering: %v\n%s", err, a.out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("agent did not answer on %s within 60s: %v\n%s", a.Addr, err, a.out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The last ones: after a restart the output holds both runs'.
	if m := httpAddrLine.FindAllStringSubmatch(a.out.String(), -1); m != nil {
		a.HTTPAddr = m[len(m)-1][1]
	}
	if m := caLine.FindAllStringSubmatch(a.out.String(), -1); m != nil {
		a.CA = m[len(m)-1][1]
	}
}

// client returns a client of the agent, closed when the test ends.
func (a *testAgent) client(t *testing.T, opts ...clusapi.Option) *clusapi.Client {
	t.Helper()
	return newClient(t, a.Addr, opts...)
}

// ctx returns a context that ends with a generous bound for the test.
func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// eventually polls cond every 10ms until it is true or 20s have passed.
func eventually(t *testing.T, what string, cond func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ok, err := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not so after 20s (last error: %v)", what, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
