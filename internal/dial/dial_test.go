package dial

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"connectrpc.com/connect"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
)

func TestResolve(t *testing.T) {
	t.Setenv(EnvAddr, "")
	if got := Resolve(""); got != "unix://"+DefaultSocket() {
		t.Errorf("default = %q", got)
	}
	t.Setenv(EnvAddr, "http://127.0.0.2:7410")
	if got := Resolve(""); got != "http://127.0.0.2:7410" {
		t.Errorf("from %s = %q", EnvAddr, got)
	}
	if got := Resolve("unix:///x.sock"); got != "unix:///x.sock" {
		t.Errorf("explicit = %q", got)
	}
}

func TestNewRejectsBadAddresses(t *testing.T) {
	for addr, want := range map[string]string{
		"ftp://host":  "scheme",
		"unix://":     "no socket path",
		"http://[::1": "bad address",
	} {
		if _, err := New(addr, Options{}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("New(%q) = %v, want an error about %q", addr, err, want)
		}
	}
	for _, addr := range []string{"unix:///run/baton/baton.sock", "http://127.0.0.1:7410", "https://node1:7410/"} {
		if _, err := New(addr, Options{}); err != nil {
			t.Errorf("New(%q): %v", addr, err)
		}
	}
}

// recorder is an HTTP server that answers every call with 404 (the calls'
// answers do not matter) and records the Authorization header it got.
type recorder struct {
	mu    sync.Mutex
	auth  []string
	calls int
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	r.calls++
	r.auth = append(r.auth, req.Header.Get("Authorization"))
	r.mu.Unlock()
	http.NotFound(w, req)
}

func (r *recorder) seen() (int, []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls, append([]string(nil), r.auth...)
}

func call(c *Conn) error {
	_, err := c.Cluster.OpenCluster(context.Background(), connect.NewRequest(&batonv1.OpenClusterRequest{}))
	return err
}

func TestTokenNeverInClearOffLoopback(t *testing.T) {
	t.Setenv(EnvToken, "")
	for _, addr := range []string{"http://10.1.2.3:7410", "http://node1:7410", "http://[2001:db8::1]:7410", "http://localhost.example.com:7410"} {
		_, err := New(addr, Options{Token: "baton_secret"})
		if !errors.Is(err, ErrTokenInClear) || !strings.Contains(err.Error(), "https://") {
			t.Errorf("New(%q) with a token = %v, want ErrTokenInClear saying to use https", addr, err)
		}
		// From the environment too.
		t.Setenv(EnvToken, "baton_secret")
		if _, err := New(addr, Options{}); !errors.Is(err, ErrTokenInClear) {
			t.Errorf("New(%q) with $%s = %v, want ErrTokenInClear", addr, EnvToken, err)
		}
		t.Setenv(EnvToken, "")
		// Without a token the address is the caller's business.
		if _, err := New(addr, Options{}); err != nil {
			t.Errorf("New(%q) without a token: %v", addr, err)
		}
	}
	for _, host := range []string{"127.0.0.1", "127.0.0.2", "[::1]", "localhost", "LocalHost."} {
		if _, err := New("http://"+host+":7410", Options{Token: "baton_secret"}); err != nil {
			t.Errorf("token to loopback %s: %v", host, err)
		}
	}

	// A loopback agent over http gets the token.
	rec := &recorder{}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	c, err := New(srv.URL, Options{Token: "baton_secret"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = call(c)
	if _, auth := rec.seen(); len(auth) != 1 || auth[0] != "Bearer baton_secret" {
		t.Errorf("loopback http got Authorization %q", auth)
	}
}

func TestTokenNeverOverUnixSocket(t *testing.T) {
	rec := &recorder{}
	path := filepath.Join(t.TempDir(), "agent.sock")
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: rec}
	go srv.Serve(l)
	defer srv.Close()
	t.Setenv(EnvToken, "baton_from_env")
	for _, o := range []Options{{Token: "baton_secret"}, {}} {
		c, err := New("unix://"+path, o)
		if err != nil {
			t.Fatal(err)
		}
		_ = call(c)
		c.Close()
	}
	n, auth := rec.seen()
	if n != 2 {
		t.Fatalf("%d calls reached the socket, want 2", n)
	}
	for _, a := range auth {
		if a != "" {
			t.Errorf("a token went over the Unix socket: Authorization %q", a)
		}
	}
}

// asUser makes the package act as uid (the fallback directory is per
// user, and root has none), with os.TempDir() a fresh directory.
func asUser(t *testing.T, uid int) string {
	t.Helper()
	euid = func() int { return uid }
	t.Cleanup(func() { euid = os.Geteuid })
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	t.Setenv("XDG_RUNTIME_DIR", "")
	return tmp
}

func TestFallbackSocketDir(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: the test makes directories owned by other users")
	}
	const me, other = 4242, 4343
	tmp := asUser(t, me)
	dir := filepath.Join(tmp, "baton-4242")
	if got := DefaultSocket(); got != filepath.Join(dir, "baton.sock") {
		t.Fatalf("DefaultSocket = %s", got)
	}
	// An agent serves the socket the fallback directory links to.
	rec := &recorder{}
	sock := filepath.Join(t.TempDir(), "agent.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: rec}
	go srv.Serve(l)
	defer srv.Close()

	prepare := func(owner int, mode os.FileMode) {
		t.Helper()
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		if err := os.Mkdir(dir, mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(dir, mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(sock, filepath.Join(dir, "baton.sock")); err != nil {
			t.Fatal(err)
		}
		if err := os.Lchown(filepath.Join(dir, "baton.sock"), owner, owner); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(dir, owner, owner); err != nil {
			t.Fatal(err)
		}
	}
	dialDefault := func() error {
		c, err := New("", Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		return call(c)
	}
	t.Setenv(EnvAddr, "")

	prepare(me, 0o700)
	if err := dialDefault(); errors.Is(err, ErrUnsafeSocketDir) {
		t.Errorf("own 0700 directory refused: %v", err)
	}
	if n, _ := rec.seen(); n != 1 {
		t.Fatalf("%d calls reached the agent through the own directory, want 1", n)
	}

	for _, c := range []struct {
		name  string
		setup func()
		want  string
	}{
		{"another user's directory", func() { prepare(other, 0o700) }, "owned by uid 4343, not by you (uid 4242)"},
		{"an open mode", func() { prepare(me, 0o755) }, "mode is 0755"},
		{"a symbolic link", func() {
			prepare(me, 0o700)
			if err := os.Rename(dir, dir+".real"); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.RemoveAll(dir + ".real") })
			if err := os.Symlink(dir+".real", dir); err != nil {
				t.Fatal(err)
			}
		}, "symbolic link"},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.setup()
			before, _ := rec.seen()
			err := dialDefault()
			if !errors.Is(err, ErrUnsafeSocketDir) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want ErrUnsafeSocketDir saying %q", err, c.want)
			}
			if n, _ := rec.seen(); n != before {
				t.Error("the call reached the socket")
			}
			// By explicit address too.
			cl, err := New("unix://"+filepath.Join(dir, "baton.sock"), Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer cl.Close()
			if err := call(cl); !errors.Is(err, ErrUnsafeSocketDir) {
				t.Errorf("explicit address: %v, want ErrUnsafeSocketDir", err)
			}
			// The CA next to the socket is not trusted either.
			if _, err := New("https://127.0.0.1:7410", Options{}); !errors.Is(err, ErrUnsafeSocketDir) {
				t.Errorf("https with the default CA file: %v, want ErrUnsafeSocketDir", err)
			}
			os.Remove(dir)
		})
	}
}

func TestMakeSocketDir(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: the test makes directories owned by other users")
	}
	tmp := asUser(t, 0)
	euid = os.Geteuid
	// Root's own default directory (/run/baton) is not the fallback one:
	// other users reach root's agent's socket through it.
	open := filepath.Join(tmp, "run", "baton")
	if err := MakeSocketDir(open); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(open); err != nil || fi.Mode().Perm() != 0o755 {
		t.Errorf("%s: %v, %v; want mode 0755", open, fi.Mode(), err)
	}

	// A new private directory is made with mode 0700.
	private := filepath.Join(tmp, "private")
	if err := SecureDir(private); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(private); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("%s: %v, %v; want mode 0700", private, fi.Mode(), err)
	}

	asUser(t, 4242)
	dir := fallbackDir()
	// Another user (root here) made it first: refused.
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := MakeSocketDir(dir); !errors.Is(err, ErrUnsafeSocketDir) {
		t.Errorf("MakeSocketDir of another user's directory = %v, want ErrUnsafeSocketDir", err)
	}
	if err := os.Chown(dir, 4242, 4242); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := MakeSocketDir(dir); err != nil {
		t.Errorf("MakeSocketDir of the own directory with mode 0755: %v", err)
	}
	if fi, err := os.Lstat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("own directory's mode %v, %v; want corrected to 0700", fi.Mode(), err)
	}
	if err := os.Remove(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(t.TempDir(), dir); err != nil {
		t.Fatal(err)
	}
	if err := MakeSocketDir(dir); !errors.Is(err, ErrUnsafeSocketDir) || !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("MakeSocketDir of a symbolic link = %v, want ErrUnsafeSocketDir", err)
	}
}
