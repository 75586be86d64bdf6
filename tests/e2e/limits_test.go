package e2e

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer collects a process's output while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// exposedAgent is a `baton agent -dev` whose TCP API is attacked.
type exposedAgent struct {
	*agent
	pid    int
	log    *lockedBuffer // stdout and stderr
	api    string        // http(s)://host:port, from the agent's "api:" line
	tlsAPI bool
	client *http.Client // an attacker's: does not verify the certificate
}

var (
	apiLine    = regexp.MustCompile(`(?m)^\s*api:\s+(https?)://(\S+)`)
	exportLine = regexp.MustCompile(`(?m)^\s*export BATON_ADDR=(\S+)`)
)

// startExposedAgent starts an agent and learns its TCP API from what it
// prints (http:// or https://).
func startExposedAgent(t *testing.T) *exposedAgent {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command(batonBin, "agent", "-dev", "--data-dir", dir, "--http-addr", "127.0.0.1:0", "--default-socket=")
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	a := &exposedAgent{agent: &agent{t: t, cmd: cmd, dataDir: dir}, pid: cmd.Process.Pid, log: out}
	t.Cleanup(a.stop)
	deadline := time.Now().Add(30 * time.Second)
	for {
		s := out.String()
		sock := exportLine.FindStringSubmatch(s)
		api := apiLine.FindStringSubmatch(s)
		if sock != nil && api != nil {
			a.addr, a.tlsAPI, a.api = sock[1], api[1] == "https", api[1]+"://"+api[2]
			a.http = a.api
			break
		}
		if time.Now().After(deadline) || !a.alive() {
			t.Fatalf("agent not ready; it said:\n%s", s)
		}
		time.Sleep(50 * time.Millisecond)
	}
	tr := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, MaxConnsPerHost: 64}
	t.Cleanup(tr.CloseIdleConnections)
	a.client = &http.Client{Transport: tr, Timeout: 60 * time.Second}
	return a
}

// hostPort is the API's host:port.
func (a *exposedAgent) hostPort() string {
	return strings.TrimPrefix(strings.TrimPrefix(a.api, "https://"), "http://")
}

// dialAPI opens a connection to the API as a client would (TLS when the
// API serves TLS).
func (a *exposedAgent) dialAPI(timeout time.Duration) (net.Conn, error) {
	d := &net.Dialer{Timeout: timeout}
	if a.tlsAPI {
		return tls.DialWithDialer(d, "tcp", a.hostPort(), &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"http/1.1"}})
	}
	return d.Dial("tcp", a.hostPort())
}

// memory is the agent's VmRSS and VmHWM, in bytes.
func (a *exposedAgent) memory() (rss, hwm int64) {
	a.t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", a.pid))
	if err != nil {
		a.t.Fatalf("agent gone: %v\n%s", err, a.log)
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "VmRSS:":
			rss = kb << 10
		case "VmHWM:":
			hwm = kb << 10
		}
	}
	return rss, hwm
}

// alive reports whether the agent runs (an exited agent not yet waited
// for is a zombie).
func (a *exposedAgent) alive() bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", a.pid))
	if err != nil {
		return false
	}
	// pid (comm) STATE …
	i := bytes.LastIndexByte(b, ')')
	return i > 0 && i+2 < len(b) && b[i+2] != 'Z' && b[i+2] != 'X'
}

// renewals is how many lease renewals the agent has counted (metrics,
// over the socket, where root needs no token).
func (a *exposedAgent) renewals() int {
	a.t.Helper()
	sock := strings.TrimPrefix(a.addr, "unix://")
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", sock)
	}}}
	resp, err := hc.Get("http://agent/metrics")
	if err != nil {
		a.t.Fatalf("metrics: %v", err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "baton_lease_renew_duration_seconds_count"); ok {
			f := strings.Fields(rest)
			n, _ := strconv.Atoi(f[len(f)-1])
			return n
		}
	}
	a.t.Fatalf("no lease renewals in the metrics (%s)", resp.Status)
	return 0
}

// checkHealthy fails unless the node is still Up with its group Online and
// the log shows no lost lease and no fencing.
func (a *exposedAgent) checkHealthy(group string) {
	a.t.Helper()
	if !a.alive() {
		a.t.Fatalf("the agent died:\n%s", a.log)
	}
	var nodes []struct {
		Name  string `json:"name"`
		State string `json:"state"`
	}
	a.jsonOf(&nodes, "node", "list")
	if len(nodes) != 1 || nodes[0].State != "Up" {
		a.t.Errorf("nodes: %+v, want one Up", nodes)
	}
	var st stateJSON
	a.jsonOf(&st, "group", "state", group)
	if st.State != "Online" {
		a.t.Errorf("group %s: %s, want Online", group, st.State)
	}
	for _, bad := range []string{"lease lost", "fenced", "joined again"} {
		if strings.Contains(a.log.String(), bad) {
			a.t.Errorf("the agent's log says %q:\n%s", bad, a.log)
		}
	}
}

// attack sends one unauthenticated POST with a body of size bytes (or the
// bytes of body) and returns when the agent answered or closed.
func (a *exposedAgent) attack(headers map[string]string, body []byte, size int64) error {
	c, err := a.dialAPI(10 * time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(60 * time.Second))
	if body != nil {
		size = int64(len(body))
	}
	var hdr strings.Builder
	fmt.Fprintf(&hdr, "POST /baton.v1.GroupService/OfflineGroup HTTP/1.1\r\nHost: %s\r\nContent-Type: application/proto\r\nContent-Length: %d\r\n", a.hostPort(), size)
	for k, v := range headers {
		fmt.Fprintf(&hdr, "%s: %s\r\n", k, v)
	}
	hdr.WriteString("\r\n")
	if _, err := io.WriteString(c, hdr.String()); err != nil {
		return err
	}
	go func() {
		if body != nil {
			_, _ = c.Write(body)
			return
		}
		chunk := make([]byte, 256<<10)
		for sent := int64(0); sent < size; sent += int64(len(chunk)) {
			if _, err := c.Write(chunk); err != nil {
				return
			}
		}
	}()
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		return fmt.Errorf("the agent accepted it: %s", resp.Status)
	}
	return nil
}

// Without a token, a gzip bomb and eight 64 MB bodies at once leave the
// agent's memory and its lease alone.
func TestUnauthenticatedBodiesDoNotHurtTheAgent(t *testing.T) {
	a := startExposedAgent(t)
	a.must("group", "create", "G")
	a.must("resource", "create", "r1", "--group", "G", "--type", "dummy")
	a.must("group", "online", "G", "--wait")
	renewedBefore := a.renewals()
	rssBefore, _ := a.memory()

	// 1 MB of gzip that decompresses to 1 GB.
	var bomb bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&bomb, gzip.BestCompression)
	zeros := make([]byte, 1<<20)
	for bomb.Len() < 1<<20 {
		_, _ = zw.Write(zeros)
	}
	_ = zw.Close()

	start := time.Now()
	errs := make(chan error, 9)
	var wg sync.WaitGroup
	wg.Add(9)
	go func() {
		defer wg.Done()
		errs <- a.attack(map[string]string{"Content-Encoding": "gzip"}, bomb.Bytes(), 0)
	}()
	for range 8 {
		go func() {
			defer wg.Done()
			errs <- a.attack(nil, nil, 64<<20)
		}()
	}
	// Sample the agent's memory while it is under attack.
	stop := make(chan struct{})
	peak := make(chan int64, 1)
	go func() {
		var max int64
		for {
			if rss, _ := a.memory(); rss > max {
				max = rss
			}
			select {
			case <-stop:
				peak <- max
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	wg.Wait()
	close(stop)
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("an attack: %v", err)
		}
	}
	took := time.Since(start)
	sampled := <-peak
	_, hwm := a.memory()
	t.Logf("gzip bomb of %d kB and 8 × 64 MB refused in %v; RSS %d MB before, at most %d MB during (VmHWM %d MB)",
		bomb.Len()>>10, took.Round(time.Millisecond), rssBefore>>20, sampled>>20, hwm>>20)
	if growth := hwm - rssBefore; growth > 100<<20 {
		t.Errorf("the agent's memory grew by %d MB (VmHWM %d MB, VmRSS before %d MB)", growth>>20, hwm>>20, rssBefore>>20)
	}
	if took > 20*time.Second {
		t.Errorf("the refusals took %v", took)
	}
	// Its lease goes on being renewed: wait two renew intervals' worth.
	time.Sleep(2 * time.Second)
	if after := a.renewals(); after <= renewedBefore {
		t.Errorf("lease renewals: %d before, %d after", renewedBefore, after)
	}
	a.checkHealthy("G")
}

// 2,000 idle connections neither stop the API from answering nor kill
// the agent.
func TestIdleConnectionsDoNotStopTheAPI(t *testing.T) {
	a := startExposedAgent(t)
	tok := strings.TrimSpace(a.must("acl", "token", "create", "probe", "--access", "read"))
	a.must("group", "create", "G")
	a.must("resource", "create", "r1", "--group", "G", "--type", "dummy")
	a.must("group", "online", "G", "--wait")

	const want = 2000
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	deadline := time.Now().Add(30 * time.Second)
	failed := 0
	for len(conns) < want && failed < 50 && time.Now().Before(deadline) {
		// Plain TCP even when the API serves TLS: an idle client that
		// never starts its handshake.
		c, err := net.DialTimeout("tcp", a.hostPort(), 2*time.Second)
		if err != nil {
			failed++
			continue
		}
		conns = append(conns, c)
	}
	if len(conns) < want {
		t.Fatalf("opened only %d connections (%d failed)", len(conns), failed)
	}
	rss, _ := a.memory()
	t.Logf("%d idle connections open; agent RSS %d MB", len(conns), rss>>20)

	call := func() (time.Duration, error) {
		start := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "POST", a.api+"/baton.v1.GroupService/ListGroups", strings.NewReader("{}"))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := a.client.Do(req)
		if err != nil {
			return time.Since(start), err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			return time.Since(start), fmt.Errorf("%s: %s", resp.Status, b)
		}
		return time.Since(start), nil
	}
	took, err := call()
	if err != nil || took > 5*time.Second {
		t.Errorf("a call over TCP with %d idle connections: %v after %v", len(conns), err, took)
	}
	// The socket answers too.
	start := time.Now()
	a.must("group", "state", "G")
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("a call over the socket took %v", d)
	}
	// Idle connections are closed by the agent after the header timeout:
	// still answering after it.
	time.Sleep(11 * time.Second)
	if took, err := call(); err != nil || took > 5*time.Second {
		t.Errorf("a call after the idle connections' timeout: %v after %v", err, took)
	}
	closed := 0
	for _, c := range conns[:100] {
		_ = c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		if _, err := c.Read(make([]byte, 1)); err == io.EOF {
			closed++
		}
	}
	if closed == 0 {
		t.Errorf("none of 100 idle connections closed by the agent after 11 s")
	}
	a.checkHealthy("G")
}
