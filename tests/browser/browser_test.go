package browser

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/network"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

var updateScreenshots = flag.Bool("update-screenshots", false, "also write the screenshots to docs/screenshots/")

// chromiumPath is Debian's chromium; BATON_CHROMIUM overrides it.
const chromiumPath = "/usr/bin/chromium"

// artifactsDir keeps the screenshots of the last run (ignored by git).
const artifactsDir = "../artifacts/browser"

const (
	stepTimeout = 20 * time.Second // any one wait in the page
	liveTimeout = 10 * time.Second // a change made elsewhere shows up
)

var batonBin string

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "baton-browser-")
	if err != nil {
		panic(err)
	}
	batonBin = filepath.Join(dir, "baton")
	build := exec.Command("go", "build", "-o", batonBin, "../../cmd/baton")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build baton:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// ---------------------------------------------------------------- agent

// agent is a running `baton agent -dev` process.
type agent struct {
	t       *testing.T
	cmd     *exec.Cmd
	dataDir string
	addr    string // unix://… for the CLI
	httpHP  string // host:port
	out     *syncBuffer
	ready   chan string // BATON_ADDR, once the agent says it
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startAgent runs `baton agent -dev` on dataDir and httpAddr and waits
// until it says where it listens; it is stopped (SIGTERM, by PID) when the
// test ends.
func startAgent(t *testing.T, dataDir, httpAddr string) *agent {
	t.Helper()
	a := spawnAgent(t, dataDir, httpAddr, "-dev", "--data-dir", dataDir, "--http-addr", httpAddr, "--default-socket=")
	a.awaitReady(30 * time.Second)
	return a
}

// spawnAgent starts `baton agent args…` and returns at once; awaitReady
// waits until it says where it listens. It is stopped (SIGTERM, by PID)
// when the test ends, and killed by the kernel if the test binary dies
// first.
func spawnAgent(t *testing.T, dataDir, httpAddr string, args ...string) *agent {
	t.Helper()
	cmd := exec.Command(batonBin, append([]string{"agent"}, args...)...)
	dieWithParent(cmd)
	out := &syncBuffer{}
	pr, pw := io.Pipe()
	cmd.Stdout = io.MultiWriter(out, pw)
	cmd.Stderr = out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	a := &agent{t: t, cmd: cmd, dataDir: dataDir, httpHP: httpAddr, out: out, ready: make(chan string, 1)}
	t.Cleanup(a.stop)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if addr, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "export BATON_ADDR="); ok {
				a.ready <- addr
			}
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	return a
}

func (a *agent) awaitReady(timeout time.Duration) {
	a.t.Helper()
	select {
	case a.addr = <-a.ready:
	case <-time.After(timeout):
		a.t.Fatalf("agent not ready after %v; it said:\n%s", timeout, a.out)
	}
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

// baton runs the CLI against the agent over its Unix socket.
func (a *agent) baton(args ...string) (string, string, int) {
	a.t.Helper()
	cmd := exec.Command(batonBin, args...)
	cmd.Env = append(os.Environ(), "BATON_ADDR="+a.addr)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		a.t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		a.t.Fatalf("baton %s: no answer in 60 s", strings.Join(args, " "))
	}
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		a.t.Fatal(err)
	}
	return stdout.String(), stderr.String(), code
}

func (a *agent) must(args ...string) string {
	a.t.Helper()
	out, errOut, code := a.baton(args...)
	if code != 0 {
		a.t.Fatalf("baton %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

func (a *agent) token(name, access string) string {
	a.t.Helper()
	var tok struct {
		Token string `json:"token"`
	}
	out := a.must("acl", "token", "create", name, "--access", access, "-o", "json")
	if err := json.Unmarshal([]byte(out), &tok); err != nil || tok.Token == "" {
		a.t.Fatalf("token create %s: %v\n%s", name, err, out)
	}
	return tok.Token
}

// seed creates the seed's DemoGroup (three dummy resources, r1 → r2 → r3
// and r1 → r3) and brings it online; with extras, two more groups so the
// overview shows more than one state: WebTier partly online and Reports
// offline.
func (a *agent) seed(extras bool) {
	a.t.Helper()
	a.must("group", "create", "DemoGroup")
	for _, r := range []string{"r1", "r2", "r3"} {
		a.must("resource", "create", r, "--group", "DemoGroup", "--type", "dummy")
	}
	a.must("resource", "depend", "r1", "--on", "r2")
	a.must("resource", "depend", "r1", "--on", "r3")
	a.must("resource", "depend", "r2", "--on", "r3")
	a.must("group", "online", "DemoGroup", "--wait=30s")
	if !extras {
		return
	}
	a.must("group", "create", "WebTier")
	a.must("resource", "create", "web-ip", "--group", "WebTier", "--type", "dummy")
	a.must("resource", "create", "web-app", "--group", "WebTier", "--type", "dummy")
	a.must("resource", "create", "web-ip2", "--group", "WebTier", "--type", "dummy")
	a.must("resource", "dependency-expression", "web-app", "[web-ip] or [web-ip2]")
	a.must("resource", "online", "web-ip", "--wait=30s")
	a.must("group", "create", "Reports")
	a.must("resource", "create", "report-job", "--group", "Reports", "--type", "dummy")
}

// ---------------------------------------------------------------- browser

// page is one tab of a headless Chromium.
type page struct {
	t   *testing.T
	ctx context.Context // the tab; has run once, so derived timeouts are safe

	mu         sync.Mutex
	exceptions []string
	watchSince []string // sinceRevision of each Watch call, in order
}

func chromium(t *testing.T) string {
	t.Helper()
	p := chromiumPath
	if env := os.Getenv("BATON_CHROMIUM"); env != "" {
		p = env
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("Chromium is missing (%v). The browser tests need it: apt-get update && apt-get install -y chromium", err)
	}
	return p
}

// newBrowser starts a headless Chromium with a fresh profile, flags that
// keep it off the network, and a 1280×800 window; it is closed (by the
// allocator, which owns its PID) when the test ends.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium(t)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		// Each test agent has a cluster CA of its own, which this browser
		// does not know; the dashboard is under test here, TLS
		// verification in tests/cluster and internal/dial.
		chromedp.Flag("ignore-certificate-errors", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-breakpad", true),
		chromedp.Flag("disable-features", "Translate,MediaRouter,OptimizationHints"),
		chromedp.Flag("metrics-recording-only", true),
		chromedp.Flag("password-store", "basic"),
		chromedp.Flag("force-color-profile", "srgb"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 800),
	}
	// Bounds the whole browser, whatever happens.
	root, cancelRoot := context.WithTimeout(context.Background(), 5*time.Minute)
	actx, cancelAlloc := chromedp.NewExecAllocator(root, opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		_ = chromedp.Cancel(cctx)
		cancel()
		cancelCtx()
		cancelAlloc() // waits for the process to exit
		cancelRoot()
	})
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// newPage opens a tab in the browser and records its uncaught exceptions
// and the Watch calls it makes.
func newPage(t *testing.T, browser context.Context) *page {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser)
	t.Cleanup(cancel)
	p := &page{t: t, ctx: ctx}
	console := chromedp.Console(ctx)
	requests := chromedp.Events(ctx, network.RequestWillBeSent)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 800)); err != nil {
		t.Fatalf("open tab: %v", err)
	}
	go func() {
		for m, err := range console {
			if err != nil {
				return
			}
			// Uncaught exceptions and anything the Content Security
			// Policy blocked are bugs of the page.
			if m.IsException() || strings.Contains(m.Text, "Content Security Policy") {
				p.mu.Lock()
				p.exceptions = append(p.exceptions, string(m.Type)+": "+m.Text)
				p.mu.Unlock()
			}
		}
	}()
	go func() {
		for ev, err := range requests {
			if err != nil {
				return
			}
			if !strings.HasSuffix(ev.Request.URL, "/baton.v1.EventService/Watch") {
				continue
			}
			var body []byte
			for _, e := range ev.Request.PostDataEntries {
				body = append(body, e.Bytes...)
			}
			since := "?"
			if len(body) >= 5 && int(binary.BigEndian.Uint32(body[1:5])) == len(body)-5 {
				var req struct {
					SinceRevision json.RawMessage `json:"sinceRevision"`
				}
				if json.Unmarshal(body[5:], &req) == nil {
					since = strings.Trim(string(req.SinceRevision), `"`)
				}
			}
			p.mu.Lock()
			p.watchSince = append(p.watchSince, since)
			p.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		for _, e := range p.exceptions {
			t.Errorf("the page's console: %s", e)
		}
	})
	return p
}

func (p *page) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		p.fail("%s: %v", what, err)
	}
}

func (p *page) navigate(url string) {
	p.t.Helper()
	p.do("open "+url, chromedp.Navigate(url))
}

// waitFor polls the JavaScript predicate until it is true, for at most
// timeout.
func (p *page) waitFor(timeout time.Duration, what, predicate string) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, timeout)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](predicate,
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(timeout)))
	if err != nil {
		p.fail("waiting %s for %s: %v", timeout, what, err)
	}
}

func (p *page) eval(expr string) string {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string]("String("+expr+")"))
	if err != nil {
		p.fail("evaluate %s: %v", expr, err)
	}
	return v
}

// fail stops the test, with what the page shows and a screenshot.
func (p *page) fail(format string, args ...any) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 5*time.Second)
	defer cancel()
	text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	shot := p.screenshot("failure-" + sanitize(p.t.Name()))
	p.t.Fatalf(format+"\n--- the page shows:\n%s\n--- screenshot: %s", append(args, text, shot)...)
}

func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == ' ' {
			return '-'
		}
		return r
	}, s)
}

// screenshot saves the whole page as PNG in the artifacts folder (and,
// with -update-screenshots, in docs/screenshots/ when docName is set).
// It returns the artifact's path.
func (p *page) screenshot(name string, docName ...string) string {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, func(ctx context.Context, t *chromedp.Target) ([]byte, error) {
		var h float64
		res, err := chromedp.Evaluate[float64](`Math.max(800, document.documentElement.scrollHeight)`)(ctx, t)
		if err != nil {
			return nil, err
		}
		h = res
		// The pointer rests where the test last clicked; out of the way,
		// no row shows its hover colour in the picture.
		if _, err := cdp.Call(ctx, t, input.DispatchMouseEvent, input.DispatchMouseEventParams{
			Type: input.DispatchMouseEventTypeMouseMoved, X: 0, Y: 0,
		}); err != nil {
			return nil, err
		}
		shot, err := cdp.Call(ctx, t, cdppage.CaptureScreenshot, cdppage.CaptureScreenshotParams{
			Format:                cdppage.CaptureScreenshotFormatPng,
			Clip:                  &cdppage.Viewport{Width: 1280, Height: h, Scale: 1},
			CaptureBeyondViewport: ptr(true),
			FromSurface:           ptr(true),
		})
		if err != nil {
			return nil, err
		}
		return shot.Data, nil
	})
	if err != nil {
		p.t.Logf("screenshot %s: %v", name, err)
		return ""
	}
	path := filepath.Join(artifactsDir, name+".png")
	if err := os.MkdirAll(artifactsDir, 0o755); err != nil {
		p.t.Logf("screenshot: %v", err)
		return ""
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		p.t.Logf("screenshot: %v", err)
		return ""
	}
	abs, _ := filepath.Abs(path)
	p.t.Logf("screenshot: %s", abs)
	if *updateScreenshots && len(docName) > 0 {
		doc := filepath.Join("..", "..", "docs", "screenshots", docName[0]+".png")
		if err := os.MkdirAll(filepath.Dir(doc), 0o755); err != nil {
			p.t.Fatal(err)
		}
		if err := os.WriteFile(doc, png, 0o644); err != nil {
			p.t.Fatal(err)
		}
		p.t.Logf("updated %s", doc)
	}
	return abs
}

func ptr[T any](v T) *T { return &v }

func (p *page) watchCalls() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.watchSince...)
}

// js quotes s as a JavaScript string literal.
func js(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// Predicates about what the page shows.

func groupRowState(group, state string) string {
	return `(() => { const e = document.querySelector('tr[data-group=` + js(group) + `] .state'); return !!e && e.textContent === ` + js(state) + `; })()`
}

func groupPageState(state string) string {
	return `(() => { const e = document.getElementById('group-state'); return !!e && e.textContent === ` + js(state) + `; })()`
}

func textIn(sel, text string) string {
	return `(() => { const e = document.querySelector(` + js(sel) + `); return !!e && e.textContent.includes(` + js(text) + `); })()`
}

// ---------------------------------------------------------------- tests

// TestDashboardFullAccess is the operator's path with a Full token: the
// overview, the group page, an offline with a per-operation parameter seen
// live, a locked resource and the error it causes, and ignore-locked.
func TestDashboardFullAccess(t *testing.T) {
	chromium(t) // fail at once, not after starting an agent
	a := startAgent(t, filepath.Join(t.TempDir(), "d"), freeAddr(t))
	a.seed(true)
	full := a.token("ui", "full")
	p := newPage(t, newBrowser(t))
	base := "https://" + a.httpHP + "/ui/"

	// The token comes once in the fragment, is kept, and leaves the URL.
	p.navigate(base + "#token=" + full)
	p.waitFor(stepTimeout, "DemoGroup Online in the overview", groupRowState("DemoGroup", "Online"))
	if h := p.eval(`location.href`); strings.Contains(h, "token") || strings.Contains(h, full) {
		t.Errorf("the token is still in the URL: %s", h)
	}
	if got := p.eval(`localStorage.getItem('baton.token')`); got != full {
		t.Errorf("localStorage baton.token = %q, want the token", got)
	}
	p.waitFor(stepTimeout, "the live indicator", `document.getElementById('live').dataset.live === 'live'`)
	p.waitFor(stepTimeout, "WebTier PartialOnline", groupRowState("WebTier", "PartialOnline"))
	p.waitFor(stepTimeout, "Reports Offline", groupRowState("Reports", "Offline"))
	if got := p.eval(`document.querySelector('#who .access').textContent`); got != "Full" {
		t.Errorf("access badge %q, want Full", got)
	}
	p.screenshot("overview")

	// The group page: its resources in dependency layers.
	p.do("open the group page", chromedp.Click(chromedp.CSS(`tr[data-group="DemoGroup"] a`)))
	p.waitFor(stepTimeout, "the group page", groupPageState("Online"))
	p.waitFor(stepTimeout, "the dependency graph", `document.querySelectorAll('#dep-graph g[data-resource]').length === 3`)
	if n := p.eval(`document.querySelectorAll('#dep-graph path[data-edge]').length`); n != "3" {
		t.Errorf("%s dependency arrows, want 3 (r1→r2, r1→r3, r2→r3)", n)
	}
	layers := p.eval(`['r1','r2','r3'].map(n => document.querySelector('#dep-graph g[data-resource="' + n + '"]').getAttribute('transform')).join(';')`)
	if xs := strings.Split(layers, ";"); len(xs) != 3 || !(layerX(xs[2]) < layerX(xs[1]) && layerX(xs[1]) < layerX(xs[0])) {
		t.Errorf("dependency layers: r3 (no dependencies), r2, r1 should go left to right; transforms %q", layers)
	}
	p.waitFor(stepTimeout, "the history", textIn("#history-card", "OnlineGroup"))
	p.waitFor(stepTimeout, "the explanation", `!!document.getElementById('why-summary')`)

	// Offline with dummy=dword:1, no flags; the page must not reload.
	p.eval(`window.__samePage = 'yes'`)
	p.do("fill the parameter",
		chromedp.SendKeys(chromedp.CSS(`#param-list .param-row [name=pname]`), "dummy"),
		chromedp.SetValue(chromedp.CSS(`#param-list .param-row [name=pkind]`), "dword"),
		chromedp.SendKeys(chromedp.CSS(`#param-list .param-row [name=pvalue]`), "1"),
		chromedp.Click(chromedp.CSS(`button[data-action=offline]`)))
	p.waitFor(stepTimeout, "the answer 997", textIn("#action-result", "ERROR_IO_PENDING (997)"))
	p.waitFor(liveTimeout, "DemoGroup Offline, live", groupPageState("Offline"))
	if p.eval(`window.__samePage`) != "yes" {
		t.Fatal("the page reloaded; the state should come through the Watch stream")
	}
	if mode := p.eval(`document.getElementById('live').dataset.live`); mode != "live" {
		t.Errorf("live indicator %q, want live (the Watch stream)", mode)
	}
	for _, r := range []string{"r1", "r2", "r3"} {
		if got := lastOfflineAction(t, a, r); got != "Save" {
			t.Errorf("resource %s: status LastOfflineAction = %q, want Save (dummy=dword:1 reached it)", r, got)
		}
	}
	p.waitFor(liveTimeout, "the offline in the history with its parameter", textIn("#history-card tbody tr", "dummy=dword:1"))

	// Online again (without the parameter).
	p.do("online",
		chromedp.Click(chromedp.CSS(`#param-list .param-row button`)),
		chromedp.Click(chromedp.CSS(`button[data-action=online]`)))
	p.waitFor(liveTimeout, "DemoGroup Online, live", groupPageState("Online"))

	// Locked mode shows up live, and blocks an offline without the flag.
	a.must("resource", "set", "r3", "--prop", "Locked=dword:1")
	p.waitFor(liveTimeout, "r3 locked in the resource table", `!!document.querySelector('#group-resources-card tr[data-resource="r3"] .lock')`)
	p.waitFor(liveTimeout, "r3 locked in the graph", `!!document.querySelector('#dep-graph g[data-resource="r3"] .lock-badge')`)
	p.waitFor(liveTimeout, "the locked reason in the explanation", textIn("#why-card", "locked"))
	p.do("offline without ignore-locked",
		chromedp.Click(chromedp.CSS(`#actions-card .btn-small`)), // + Add parameter
		chromedp.SendKeys(chromedp.CSS(`#param-list .param-row [name=pname]`), "dummy"),
		chromedp.SendKeys(chromedp.CSS(`#param-list .param-row [name=pvalue]`), "1"),
		chromedp.Click(chromedp.CSS(`button[data-action=offline]`)))
	p.waitFor(stepTimeout, "the 5960 error", textIn("#action-result.err", "ERROR_CLUSTER_RESOURCE_LOCKED_STATUS (5960)"))
	if !strings.Contains(p.eval(`document.getElementById('group-state').textContent`), "Online") {
		t.Error("a refused offline changed the group")
	}
	p.screenshot("group")

	// With ignore-locked (flag 0x1) the offline goes ahead.
	p.do("offline with ignore-locked",
		chromedp.Click(chromedp.ID("ignore-locked")),
		chromedp.Click(chromedp.CSS(`button[data-action=offline]`)))
	p.waitFor(stepTimeout, "the answer 997", textIn("#action-result.ok", "ERROR_IO_PENDING (997)"))
	p.waitFor(liveTimeout, "DemoGroup Offline despite the lock", groupPageState("Offline"))
	p.waitFor(liveTimeout, "flags 0x1 in the history", textIn("#history-card tbody tr", "0x1"))

	// Back on the overview, r3 is marked locked.
	p.do("back to the overview", chromedp.Click(chromedp.CSS(`.crumbs a`)))
	p.waitFor(stepTimeout, "r3 locked in the overview", `!!document.querySelector('#resources-card tr[data-resource="r3"] .lock')`)
	if p.eval(`window.__samePage`) != "yes" {
		t.Error("the page reloaded on navigation")
	}

	// Changes made elsewhere show on the overview too: DemoGroup online
	// again (r3 still locked), Reports pending, Backup failed. This is the
	// overview of docs/screenshots/.
	a.must("group", "online", "DemoGroup", "--ignore-locked", "--wait=30s")
	a.must("resource", "set", "report-job", "--prop", "OnlineDelayMs=dword:600000")
	a.must("group", "online", "Reports")
	a.must("group", "create", "Backup")
	a.must("resource", "create", "backup-job", "--group", "Backup", "--type", "dummy",
		"--prop", "FailOnline=dword:1", "--prop", "RestartAction=dword:0")
	a.must("group", "online", "Backup")
	p.waitFor(liveTimeout, "DemoGroup Online", groupRowState("DemoGroup", "Online"))
	p.waitFor(liveTimeout, "DemoGroup marked with its locked resource", textIn(`tr[data-group="DemoGroup"] .lock`, "1 locked"))
	p.waitFor(liveTimeout, "Reports Pending", groupRowState("Reports", "Pending"))
	p.waitFor(liveTimeout, "Backup Failed", groupRowState("Backup", "Failed"))
	p.screenshot("overview-later")

	// An "or" dependency shows as its expression in the resource table.
	p.navigate(base + "?group=WebTier")
	p.waitFor(stepTimeout, "web-app's dependency expression", textIn(`#group-resources-card`, "[web-ip] or [web-ip2]"))
}

func layerX(transform string) float64 {
	// "translate(X Y)"
	f := strings.Fields(strings.TrimSuffix(strings.TrimPrefix(transform, "translate("), ")"))
	if len(f) == 0 {
		return -1
	}
	x, _ := strconv.ParseFloat(f[0], 64)
	return x
}

func lastOfflineAction(t *testing.T, a *agent, resource string) string {
	t.Helper()
	var r struct {
		Status []struct {
			Name  string          `json:"name"`
			Value json.RawMessage `json:"value"`
		} `json:"status"`
	}
	out := a.must("resource", "show", resource, "-o", "json")
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("resource show %s -o json: %v\n%s", resource, err, out)
	}
	for _, p := range r.Status {
		if p.Name == "LastOfflineAction" {
			var s string
			_ = json.Unmarshal(p.Value, &s)
			return s
		}
	}
	return ""
}

// TestDashboardReadAccess: a Read token sees everything and can change
// nothing: no action buttons exist, and changes still show up.
func TestDashboardReadAccess(t *testing.T) {
	chromium(t) // fail at once, not after starting an agent
	a := startAgent(t, filepath.Join(t.TempDir(), "d"), freeAddr(t))
	a.seed(false)
	read := a.token("viewer", "read")
	p := newPage(t, newBrowser(t))
	base := "https://" + a.httpHP + "/ui/"

	p.navigate(base + "#token=" + read)
	p.waitFor(stepTimeout, "DemoGroup Online in the overview", groupRowState("DemoGroup", "Online"))
	if got := p.eval(`document.querySelector('#who .access').textContent`); got != "Read" {
		t.Errorf("access badge %q, want Read", got)
	}
	// The group page by query parameter, as a bookmark might have it.
	p.navigate(base + "?group=DemoGroup")
	p.waitFor(stepTimeout, "the group page", groupPageState("Online"))
	p.waitFor(stepTimeout, "the dependency graph", `document.querySelectorAll('#dep-graph g[data-resource]').length === 3`)
	if n := p.eval(`document.querySelectorAll('button[data-action], #actions-card, #param-list, #ignore-locked').length`); n != "0" {
		t.Errorf("%s action controls on the page with a Read token, want none", n)
	}
	if p.eval(`!!document.getElementById('read-only-card')`) != "true" {
		t.Error("no note that actions need Full access")
	}
	// A change made elsewhere still shows up (live or by polling).
	a.must("group", "offline", "DemoGroup")
	p.waitFor(liveTimeout, "DemoGroup Offline", groupPageState("Offline"))
	if mode := p.eval(`document.getElementById('live').dataset.live`); mode != "live" && mode != "polling" {
		t.Errorf("live indicator %q, want live or polling", mode)
	}
	p.screenshot("group-read")

	// Granted Full access, the same page grows its actions and its stream.
	a.must("acl", "grant", "token:viewer", "--access", "full")
	p.waitFor(liveTimeout, "the actions after the grant", `!!document.querySelector('button[data-action=offline]')`)
	p.waitFor(liveTimeout, "the live stream after the grant", `document.getElementById('live').dataset.live === 'live'`)
	p.waitFor(liveTimeout, "the history after the grant", textIn("#history-card", "OfflineGroup"))
}

// TestDashboardResumesWatch: when the stream drops (here: the agent
// restarts), the page resumes the Watch after the last revision it saw and
// keeps showing changes, without a reload.
func TestDashboardResumesWatch(t *testing.T) {
	chromium(t) // fail at once, not after starting an agent
	dataDir := filepath.Join(t.TempDir(), "d")
	addr := freeAddr(t)
	a := startAgent(t, dataDir, addr)
	a.seed(false)
	full := a.token("ui", "full")
	p := newPage(t, newBrowser(t))

	p.navigate("https://" + addr + "/ui/#token=" + full)
	p.waitFor(stepTimeout, "DemoGroup Online", groupRowState("DemoGroup", "Online"))
	p.waitFor(stepTimeout, "the live indicator", `document.getElementById('live').dataset.live === 'live'`)
	p.eval(`window.__samePage = 'yes'`)
	a.must("group", "offline", "DemoGroup")
	p.waitFor(liveTimeout, "DemoGroup Offline", groupRowState("DemoGroup", "Offline"))
	before := len(p.watchCalls())

	a.stop()
	p.waitFor(liveTimeout, "the page to notice the drop", `document.getElementById('live').dataset.live === 'reconnecting'`)
	a = startAgent(t, dataDir, addr)
	p.waitFor(30*time.Second, "the stream to resume", `document.getElementById('live').dataset.live === 'live'`)
	a.must("group", "online", "DemoGroup")
	p.waitFor(liveTimeout, "DemoGroup Online after the restart", groupRowState("DemoGroup", "Online"))
	if p.eval(`window.__samePage`) != "yes" {
		t.Fatal("the page reloaded")
	}
	calls := p.watchCalls()
	if len(calls) <= before {
		t.Fatalf("no new Watch call after the restart; calls: %v", calls)
	}
	for _, since := range calls[before:] {
		if n, err := strconv.ParseInt(since, 10, 64); err != nil || n <= 0 {
			t.Errorf("a resumed Watch asked for sinceRevision %q, want the last revision seen (> 0); calls: %v", since, calls)
		}
	}
}

// TestDashboardTokenBox: without a token the page asks for one; a wrong
// one is refused with its Win32 error, a right one is kept in
// localStorage across reloads, and "Change token" forgets it.
func TestDashboardTokenBox(t *testing.T) {
	chromium(t) // fail at once, not after starting an agent
	a := startAgent(t, filepath.Join(t.TempDir(), "d"), freeAddr(t))
	a.seed(false)
	full := a.token("ui", "full")
	p := newPage(t, newBrowser(t))
	base := "https://" + a.httpHP + "/ui/"

	p.navigate(base)
	p.waitFor(stepTimeout, "the token box", `!!document.getElementById('token-input')`)
	p.screenshot("login")
	p.do("a wrong token",
		chromedp.SendKeys(chromedp.ID("token-input"), "baton_not-a-token"),
		chromedp.Click(chromedp.CSS(`.login button[type=submit]`)))
	p.waitFor(stepTimeout, "the refusal", textIn(".login .banner.err", "ERROR_ACCESS_DENIED (5)"))
	p.do("the right token",
		chromedp.SendKeys(chromedp.ID("token-input"), full),
		chromedp.Click(chromedp.CSS(`.login button[type=submit]`)))
	p.waitFor(stepTimeout, "DemoGroup Online", groupRowState("DemoGroup", "Online"))
	if got := p.eval(`localStorage.getItem('baton.token')`); got != full {
		t.Errorf("localStorage baton.token = %q, want the token", got)
	}

	p.eval(`window.__samePage = 'yes'`)
	p.do("reload on the group page", chromedp.Navigate(base+"#/group/DemoGroup"), chromedp.Reload())
	p.waitFor(stepTimeout, "the group page with the stored token", groupPageState("Online"))
	if p.eval(`window.__samePage`) == "yes" {
		t.Error("the page did not reload")
	}

	p.do("change token", chromedp.Click(chromedp.ID("change-token")))
	p.waitFor(stepTimeout, "the token box again", `!!document.getElementById('token-input')`)
	if got := p.eval(`localStorage.getItem('baton.token')`); got != "null" {
		t.Errorf("localStorage baton.token = %q after Change token, want none", got)
	}
}

// ---------------------------------------------------------------- cluster

// startCluster starts n agents, n1…nN on 127.0.0.1…N, as one cluster of
// embedded database members (started together: the database needs a
// quorum to form), each with its own data directory, and waits until
// every node is Up. The ports are free ones rather than the default
// 7410–7412, so the test can run beside anything else on those addresses.
// The agents are stopped together (SIGTERM, by PID) when the test ends.
func startCluster(t *testing.T, n int) []*agent {
	t.Helper()
	type addrs struct{ ip, http, client, peer string }
	var as []addrs
	var members []string
	for i := 1; i <= n; i++ {
		ip := fmt.Sprintf("127.0.0.%d", i)
		a := addrs{ip: ip, http: freeAddrOn(t, ip), client: freeAddrOn(t, ip), peer: freeAddrOn(t, ip)}
		as = append(as, a)
		members = append(members, fmt.Sprintf("n%d=%s", i, a.peer))
	}
	dir := t.TempDir()
	secret := filepath.Join(dir, "cluster-secret")
	if err := os.WriteFile(secret, []byte("browser-test-cluster-secret-"+t.Name()), 0o600); err != nil {
		t.Fatal(err)
	}
	var nodes []*agent
	for i, a := range as {
		name := fmt.Sprintf("n%d", i+1)
		dataDir := filepath.Join(dir, name)
		nodes = append(nodes, spawnAgent(t, dataDir, a.http,
			"--name", name, "--data-dir", dataDir, "--advertise", a.ip,
			"--http-addr", a.http, "--etcd-client-addr", a.client, "--etcd-peer-addr", a.peer,
			"--initial-cluster", strings.Join(members, ","), "--cluster-secret-file", secret, "--default-socket="))
	}
	t.Cleanup(func() {
		// All at once: one by one, the last ones would stop without a
		// quorum and wait for it.
		var wg sync.WaitGroup
		for _, a := range nodes {
			wg.Go(a.stop)
		}
		wg.Wait()
		if t.Failed() {
			for i, a := range nodes {
				t.Logf("--- the end of n%d's output:\n%s", i+1, tail(a.out.String(), 30))
			}
		}
	})
	for _, a := range nodes {
		a.awaitReady(30 * time.Second)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		var list []struct {
			Name  string `json:"name"`
			State string `json:"state"`
		}
		out, _, code := nodes[0].baton("node", "list", "-o", "json")
		up := 0
		if code == 0 && json.Unmarshal([]byte(out), &list) == nil {
			for _, m := range list {
				if m.State == "Up" {
					up++
				}
			}
		}
		if up == n {
			return nodes
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d nodes Up after 30 s:\n%s", up, n, out)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// freeAddrOn is a free TCP address on ip (any of 127.0.0.0/8 on Linux).
func freeAddrOn(t *testing.T, ip string) string {
	t.Helper()
	l, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		t.Fatalf("listen on %s: %v (the cluster test needs 127.0.0.1–3)", ip, err)
	}
	defer l.Close()
	return l.Addr().String()
}

func tail(s string, lines int) string {
	l := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(l[max(0, len(l)-lines):], "\n")
}

func nodeCell(node, class, text string) string {
	return textIn(`tr[data-node=`+js(node)+`] .`+class, text)
}

// TestDashboardCluster is the operator's path on a cluster of three real
// agents: the nodes panel (state, database role, groups, drain status),
// a group moved to another node from its page and followed live, a move
// refused because a resource is locked, a node paused and drained and
// resumed from the nodes panel, failovers counted against the threshold;
// and a Read token, on another node's dashboard, without any of the
// buttons.
func TestDashboardCluster(t *testing.T) {
	chromium(t) // fail at once, not after starting the agents
	begin := time.Now()
	nodes := startCluster(t, 3)
	n1, n2 := nodes[0], nodes[1]
	t.Logf("3 nodes up in %v", time.Since(begin).Round(time.Millisecond))

	// DemoGroup prefers n1 and runs there; r3 takes 1.5 s to go offline,
	// so a move is seen under way. WebTier runs on n3, partly online;
	// Reports is offline.
	n1.must("group", "create", "DemoGroup", "--preferred-owner", "n1")
	for _, r := range []string{"r1", "r2", "r3"} {
		n1.must("resource", "create", r, "--group", "DemoGroup", "--type", "dummy")
	}
	n1.must("resource", "depend", "r1", "--on", "r2")
	n1.must("resource", "depend", "r1", "--on", "r3")
	n1.must("resource", "depend", "r2", "--on", "r3")
	n1.must("resource", "set", "r3", "--prop", "OfflineDelayMs=dword:1500")
	n1.must("group", "online", "DemoGroup", "--node", "n1", "--wait=30s")
	n1.must("group", "create", "WebTier", "--preferred-owner", "n3")
	n1.must("resource", "create", "web-ip", "--group", "WebTier", "--type", "dummy")
	n1.must("resource", "create", "web-app", "--group", "WebTier", "--type", "dummy")
	n1.must("resource", "depend", "web-app", "--on", "web-ip")
	n1.must("group", "online", "WebTier", "--node", "n3", "--wait=30s")
	n1.must("resource", "offline", "web-app", "--wait=30s")
	n1.must("group", "create", "Reports", "--preferred-owner", "n2")
	n1.must("resource", "create", "report-job", "--group", "Reports", "--type", "dummy")
	full := n1.token("ui", "full")
	read := n1.token("viewer", "read")

	browser := newBrowser(t)
	p := newPage(t, browser)
	p.navigate("https://" + n1.httpHP + "/ui/#token=" + full)

	// The nodes panel: state, database role, the groups each owns.
	for _, n := range []string{"n1", "n2", "n3"} {
		p.waitFor(stepTimeout, n+" Up in the nodes panel", nodeCell(n, "node-state", "Up"))
		p.waitFor(stepTimeout, n+" a database member", nodeCell(n, "node-role", "member"))
	}
	p.waitFor(stepTimeout, "n1 owning DemoGroup", nodeCell("n1", "node-groups", "DemoGroup"))
	p.waitFor(stepTimeout, "n3 owning WebTier", nodeCell("n3", "node-groups", "WebTier"))
	p.waitFor(stepTimeout, "the live indicator", `document.getElementById('live').dataset.live === 'live'`)

	// The group page, from the group's link in the nodes panel.
	p.eval(`window.__samePage = 'yes'`)
	p.do("open DemoGroup from the nodes panel", chromedp.Click(chromedp.CSS(`tr[data-node="n1"] .node-groups a`)))
	p.waitFor(stepTimeout, "the group page", groupPageState("Online"))
	p.waitFor(stepTimeout, "owner n1", textIn("#group-owner", "n1"))
	p.waitFor(stepTimeout, "the move targets: best node and the Up nodes but the owner",
		`[...document.querySelectorAll('#move-node option')].map(o => o.value + ':' + o.textContent).join(',') === ':best node,n2:n2,n3:n3'`)
	p.waitFor(stepTimeout, "no failovers yet", textIn("#group-failovers", "none in the last 6 h"))

	// Move to n2, with dummy=dword:1 (save) as the parameter: the answer,
	// "moving to n2" while it goes, then the new owner, all live.
	p.do("move to n2",
		chromedp.SendKeys(chromedp.CSS(`#param-list .param-row [name=pname]`), "dummy"),
		chromedp.SendKeys(chromedp.CSS(`#param-list .param-row [name=pvalue]`), "1"),
		chromedp.SetValue(chromedp.ID("move-node"), "n2"),
		chromedp.Click(chromedp.CSS(`button[data-action=move]`)))
	p.waitFor(stepTimeout, "the answer 997", textIn("#action-result.ok", "ERROR_IO_PENDING (997)"))
	p.waitFor(liveTimeout, "moving to n2", textIn("#group-moving", "moving to n2"))
	p.waitFor(liveTimeout, "the history's MoveGroup", textIn("#history-card tbody tr", "MoveGroup"))
	p.screenshot("cluster-group-moving", "group")
	p.waitFor(liveTimeout, "owner n2", textIn("#group-owner", "n2"))
	p.waitFor(liveTimeout, "DemoGroup Online on n2", groupPageState("Online"))
	p.waitFor(liveTimeout, "the move over", `!document.getElementById('group-moving')`)
	p.waitFor(liveTimeout, "the move's parameter in the history", textIn("#history-card tbody tr", "dummy=dword:1"))
	p.waitFor(stepTimeout, "n2 no longer a move target", `[...document.querySelectorAll('#move-node option')].map(o => o.value).join(',') === ',n1,n3'`)
	if p.eval(`window.__samePage`) != "yes" {
		t.Fatal("the page reloaded; the move should come through the Watch stream")
	}

	// A locked resource refuses the move: the error, with its Win32 name
	// and code; nothing moves.
	n1.must("resource", "set", "r3", "--prop", "Locked=dword:1")
	p.waitFor(liveTimeout, "r3 locked", `!!document.querySelector('#group-resources-card tr[data-resource="r3"] .lock')`)
	p.do("move to the best node, r3 locked",
		chromedp.Click(chromedp.CSS(`#param-list .param-row button`)), // no parameter
		chromedp.SetValue(chromedp.ID("move-node"), ""),
		chromedp.Click(chromedp.CSS(`button[data-action=move]`)))
	p.waitFor(stepTimeout, "the 5960 error", textIn("#action-result.err", "ERROR_CLUSTER_RESOURCE_LOCKED_STATUS (5960)"))
	if got := p.eval(`document.getElementById('group-owner').textContent`); got != "n2" {
		t.Errorf("a refused move changed the owner to %s", got)
	}
	n1.must("resource", "set", "r3", "--prop", "Locked=dword:0")
	p.waitFor(liveTimeout, "r3 unlocked", `!document.querySelector('#group-resources-card tr[data-resource="r3"] .lock')`)

	// Pause and drain n2 from the nodes panel: DemoGroup goes to another
	// node (n1, its preferred owner), and the drain completes.
	p.do("back to the overview", chromedp.Click(chromedp.CSS(`.crumbs a`)))
	p.waitFor(stepTimeout, "n2 owning DemoGroup", nodeCell("n2", "node-groups", "DemoGroup"))
	p.do("pause & drain n2", chromedp.Click(chromedp.CSS(`tr[data-node="n2"] button[data-node-action=drain]`)))
	p.waitFor(stepTimeout, "the answer", nodeCell("n2", "node-actions .result.ok", "ERROR_SUCCESS (0)"))
	p.waitFor(liveTimeout, "n2 Paused", nodeCell("n2", "node-state", "Paused"))
	p.waitFor(liveTimeout, "n2's drain completed", nodeCell("n2", "drain", "completed"))
	p.waitFor(liveTimeout, "DemoGroup Online", groupRowState("DemoGroup", "Online"))
	owner := p.eval(`document.querySelector('tr[data-group="DemoGroup"] td:nth-child(3)').textContent`)
	if owner == "n2" || owner == "" {
		t.Fatalf("DemoGroup owned by %q after n2 was drained", owner)
	}
	p.waitFor(liveTimeout, "the new owner's row", nodeCell(owner, "node-groups", "DemoGroup"))
	p.waitFor(liveTimeout, "n2 owning nothing", nodeCell("n2", "node-groups", "none"))
	if d := p.eval(`document.querySelector('tr[data-node="n2"] button[data-node-action=drain]').disabled`); d != "true" {
		t.Errorf("Pause & drain enabled on a drained node (disabled=%s)", d)
	}

	// Backup fails on every node it tries (RestartAction 2: fail over);
	// with n2 paused it bounces between n3 and n1, and stops once its two
	// failovers (the threshold: nodes − 1) are used up.
	n1.must("group", "create", "Backup", "--preferred-owner", "n3")
	n1.must("resource", "create", "backup-job", "--group", "Backup", "--type", "dummy",
		"--prop", "FailOnline=dword:1", "--prop", "RestartAction=dword:2")
	n1.must("group", "online", "Backup", "--node", "n3")
	p.waitFor(liveTimeout, "Backup Failed", groupRowState("Backup", "Failed"))
	p.screenshot("cluster-overview", "overview")

	// Its page shows the failovers against the threshold, and when the
	// oldest stops counting.
	p.do("open Backup", chromedp.Click(chromedp.CSS(`tr[data-group="Backup"] a`)))
	p.waitFor(liveTimeout, "two failovers of 2", textIn("#group-failovers", "2 of 2 (nodes − 1)"))
	p.waitFor(stepTimeout, "the threshold reached", textIn("#group-failovers", "threshold reached"))
	p.waitFor(stepTimeout, "when the oldest stops counting", textIn("#group-failovers", "the oldest stops counting at"))
	p.waitFor(stepTimeout, "the explanation", textIn("#why-card", "FailoverThreshold"))
	p.screenshot("cluster-group-failovers")

	// Resume n2.
	p.do("back to the overview", chromedp.Click(chromedp.CSS(`.crumbs a`)))
	p.do("resume n2", chromedp.Click(chromedp.CSS(`tr[data-node="n2"] button[data-node-action=resume]`)))
	p.waitFor(stepTimeout, "the answer", nodeCell("n2", "node-actions .result.ok", "ResumeNode"))
	p.waitFor(liveTimeout, "n2 Up", nodeCell("n2", "node-state", "Up"))
	p.waitFor(liveTimeout, "no drain on n2", `(() => { const e = document.querySelector('tr[data-node="n2"] .drain'); return !!e && e.dataset.drain === ''; })()`)
	// Resuming an Up node is refused by the server; the page does not offer it.
	if d := p.eval(`document.querySelector('tr[data-node="n2"] button[data-node-action=resume]').disabled`); d != "true" {
		t.Errorf("Resume enabled on an Up node (disabled=%s)", d)
	}
	if p.eval(`window.__samePage`) != "yes" {
		t.Error("the page reloaded")
	}

	// A Read token, on n2's own dashboard: the same cluster, no buttons.
	r := newPage(t, browser)
	r.navigate("https://" + n2.httpHP + "/ui/#token=" + read)
	r.waitFor(stepTimeout, "the nodes panel", `document.querySelectorAll('#nodes-card tr[data-node]').length === 3`)
	r.waitFor(stepTimeout, "DemoGroup in the nodes panel", nodeCell(owner, "node-groups", "DemoGroup"))
	r.waitFor(stepTimeout, "the live indicator", `document.getElementById('live').dataset.live === 'live'`)
	if got := r.eval(`document.querySelector('#who .access').textContent`); got != "Read" {
		t.Errorf("access badge %q, want Read", got)
	}
	if n := r.eval(`document.querySelectorAll('[data-node-action], .node-actions').length`); n != "0" {
		t.Errorf("%s pause/resume controls with a Read token, want none", n)
	}
	r.do("open DemoGroup", chromedp.Click(chromedp.CSS(`tr[data-group="DemoGroup"] a`)))
	r.waitFor(stepTimeout, "the group page", groupPageState("Online"))
	if n := r.eval(`document.querySelectorAll('button[data-action], #move-node, #move-form, #actions-card').length`); n != "0" {
		t.Errorf("%s move or other action controls with a Read token, want none", n)
	}
	r.screenshot("cluster-group-read")
	t.Logf("the whole test took %v", time.Since(begin).Round(time.Millisecond))
}
