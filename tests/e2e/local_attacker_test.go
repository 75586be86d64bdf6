package e2e

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestLocalAttacker is issue 9's local attacker: a user of the machine
// with no entry in the cluster's security descriptor, against a root
// agent (and against another user's CLI and agent). Every path the issue
// found must give them nothing:
//
//   - the embedded etcd's client port: the JSON gateway (curl) and gRPC
//     without a certificate, to mint a token, read the records or add a
//     member; the peer port's /members
//   - the data directory's secrets (pki/, the database's files, logs)
//   - the agent's socket: ERROR_ACCESS_DENIED for everything, granting
//     themselves access included; the fence guard's socket
//   - the TCP API without a token
//   - a plugin directory of theirs given to the agent by mistake
//   - /tmp/baton-UID made before another user's agent: that user's CLI
//     refuses it (and sends no token), their agent links nothing there and
//     writes through no link planted there
//
// It needs root: it makes two users with useradd (removed at the end)
// and runs commands as them with setpriv.
func TestLocalAttacker(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("this test makes two unprivileged users (useradd) and runs commands as them (setpriv): run it as root")
	}
	for _, tool := range []string{"useradd", "userdel", "setpriv", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing (Debian: apt-get install passwd util-linux curl): %v", tool, err)
		}
	}
	atk := newLocalUser(t, "btatk")
	victim := newLocalUser(t, "btvic")
	attacker := filepath.Join(filepath.Dir(batonBin), "attacker") // a directory both users reach
	if out, err := exec.Command("go", "build", "-o", attacker, "./testdata/attacker").CombinedOutput(); err != nil {
		t.Fatalf("build the attacker's program: %v\n%s", err, out)
	}

	// The plugin directory the operator was talked into using: the
	// attacker's, holding the attacker's plugin and one root installed.
	pluginRan := filepath.Join(t.TempDir(), "plugin-ran") // only root can write here
	plugins := filepath.Join(os.TempDir(), fmt.Sprintf("btatk-plugins-%d", atk.uid))
	os.RemoveAll(plugins)
	t.Cleanup(func() { os.RemoveAll(plugins) })
	evil := "#!/bin/sh\nid -u > " + pluginRan + "\nexit 1\n"
	atk.must(t, nil, "sh", "-c", `mkdir -m 0755 "$1" && printf '%s' "$2" > "$1/baton-restype-evil" && chmod 0755 "$1/baton-restype-evil"`, "sh", plugins, evil)
	if err := os.WriteFile(filepath.Join(plugins, "baton-restype-installed"), []byte(evil), 0o755); err != nil {
		t.Fatal(err)
	}

	// The node under attack: root's, its database on known ports.
	data, err := os.MkdirTemp("", "baton-attacked-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(data) })
	clientAddr, peerAddr := freeAddr(t), freeAddr(t)
	a := startAgent(t, data, "--etcd-client-addr", clientAddr, "--etcd-peer-addr", peerAddr, "--plugin-dir", plugins)
	a.must("group", "create", "G")
	apiAddr := strings.TrimPrefix(a.http, "https://")

	// nothing fails the test for each line of the attacker's program that
	// says it got somewhere.
	nothing := func(t *testing.T, out string) {
		t.Helper()
		for _, l := range strings.Split(out, "\n") {
			if strings.HasPrefix(l, "ACCEPTED") {
				t.Errorf("the attacker got somewhere: %s", l)
			}
		}
	}

	t.Run("database client port", func(t *testing.T) {
		// These need the embedded etcd on TLS with client certificates.
		put := `{"key":"` + b64e("/baton/v1/tokens/attacker") + `","value":"` + b64e(`{"name":"attacker","access":"full","sha256":"00"}`) + `"}`
		rng := `{"key":"` + b64e("/baton/v1/") + `","range_end":"` + b64e("/baton/v10") + `"}`
		for _, base := range []string{"http://" + clientAddr, "https://" + clientAddr} {
			for path, body := range map[string]string{"/v3/kv/put": put, "/v3/kv/range": rng} {
				out, _ := atk.run(t, nil, "curl", "-sS", "-k", "-m", "5", "-X", "POST", base+path, "-d", body)
				t.Logf("curl %s%s: %s", base, path, strings.TrimSpace(out))
				if strings.Contains(out, `"header"`) || strings.Contains(out, `"kvs"`) {
					t.Errorf("curl %s%s answered: %s", base, path, out)
				}
			}
		}
		out, _ := atk.run(t, nil, attacker, "etcd", clientAddr)
		t.Logf("the attacker's gRPC calls:\n%s", out)
		nothing(t, out)
		if !strings.Contains(out, "refused etcd put") {
			t.Errorf("the attacker's program tried no put: %s", out)
		}
		if list := a.must("acl", "list", "-o", "json"); strings.Contains(list, "token:attacker") {
			t.Errorf("the attacker's token is in the database: %s", list)
		}
	})

	t.Run("database peer port", func(t *testing.T) {
		for _, u := range []string{"http://" + peerAddr + "/members", "https://" + peerAddr + "/members"} {
			out, _ := atk.run(t, nil, "curl", "-sS", "-k", "-m", "5", u)
			t.Logf("curl %s: %s", u, strings.TrimSpace(out))
			if strings.Contains(out, "peerURLs") || strings.Contains(out, "clientURLs") {
				t.Errorf("curl %s answered: %s", u, out)
			}
		}
	})

	t.Run("data directory", func(t *testing.T) {
		var files []string
		for _, sub := range []string{"pki", "etcd"} {
			_ = filepath.WalkDir(filepath.Join(data, sub), func(p string, d fs.DirEntry, err error) error {
				if err == nil && d.Type().IsRegular() {
					files = append(files, p)
				}
				return nil
			})
		}
		if !containsSuffix(files, "/pki/ca.key") {
			t.Errorf("no pki/ca.key in the data directory (files: %v): the cluster CA's key was not where this test looks", files)
		}
		files = append(files, filepath.Join(data, "guard.log"))
		out, _ := atk.run(t, nil, attacker, append([]string{"read"}, files...)...)
		nothing(t, out)
		out, _ = atk.run(t, nil, attacker, "dial", filepath.Join(data, "guard.sock"))
		nothing(t, out)
	})

	t.Run("socket", func(t *testing.T) {
		// A token in the environment is not sent over the socket: the
		// caller is who the kernel says.
		env := []string{"BATON_ADDR=" + a.addr, "BATON_TOKEN=baton_forged"}
		for _, args := range [][]string{
			{"group", "list"},
			{"group", "delete", "G"},
			{"acl", "grant", "unix:user:" + atk.name, "--access", "full"},
			{"acl", "token", "create", "mine", "--access", "full"},
		} {
			out, code := atk.run(t, env, batonBin, args...)
			if code == 0 || !strings.Contains(out, "ERROR_ACCESS_DENIED (5)") {
				t.Errorf("baton %s as %s: exit %d: %s", strings.Join(args, " "), atk.name, code, out)
			}
		}
		if acl := a.must("acl", "list"); strings.Contains(acl, atk.name) {
			t.Errorf("the attacker is in the security descriptor:\n%s", acl)
		}
		a.must("group", "state", "G")
	})

	t.Run("TCP API without a token", func(t *testing.T) {
		env := []string{"BATON_CA=" + filepath.Join(data, "ca.crt")}
		out, code := atk.run(t, env, batonBin, "--address", "https://"+apiAddr, "acl", "grant", "unix:user:"+atk.name, "--access", "full")
		if code == 0 || !strings.Contains(out, "ERROR_ACCESS_DENIED (5)") {
			t.Errorf("over https without a token: exit %d: %s", code, out)
		}
		if out, code := atk.run(t, nil, "curl", "-sS", "-m", "5", "-X", "POST", "-H", "content-type: application/json",
			"http://"+apiAddr+"/baton.v1.AccessService/ListTokens", "-d", "{}"); code == 0 && strings.Contains(out, "tokens") {
			t.Errorf("plain HTTP to the API answered: %s", out)
		}
	})

	t.Run("plugin directory", func(t *testing.T) {
		if _, err := os.Stat(pluginRan); err == nil {
			b, _ := os.ReadFile(pluginRan)
			t.Errorf("a plugin of the attacker's directory ran (as uid %s)", strings.TrimSpace(string(b)))
		}
		if !strings.Contains(a.out.String(), "plugin directory refused") {
			t.Errorf("the agent did not say why it refused %s:\n%s", plugins, a.out)
		}
	})

	t.Run("fallback socket directory", func(t *testing.T) {
		fallbackAttack(t, atk, victim, attacker, apiAddr)
	})
}

// fallbackAttack: the attacker makes /tmp/baton-VICTIM first, with a
// socket of its own in it and ca.crt linked to a file of the victim's.
func fallbackAttack(t *testing.T, atk, victim *localUser, attacker, apiAddr string) {
	dir := fmt.Sprintf("/tmp/baton-%d", victim.uid)
	os.RemoveAll(dir)
	t.Cleanup(func() { os.RemoveAll(dir) })
	home, err := os.MkdirTemp("", "btvic-home-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(home) })
	bait := filepath.Join(home, "precious")
	if err := os.WriteFile(bait, []byte("the victim's data\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{home, bait} {
		if err := os.Chown(p, victim.uid, victim.gid); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(home, 0o700); err != nil {
		t.Fatal(err)
	}
	atk.must(t, nil, "sh", "-c", `mkdir -m 0777 "$1" && chmod 0777 "$1" && ln -s "$2" "$1/ca.crt"`, "sh", dir, bait)
	sock := filepath.Join(dir, "baton.sock")
	listener := atk.start(t, nil, attacker, "listen", sock)
	listener.await(t, "listening")

	// The victim's CLI, with a token in its environment.
	env := []string{"BATON_TOKEN=baton_victims_secret"}
	out, code := victim.run(t, env, batonBin, "group", "list")
	if code == 0 || !strings.Contains(out, "refusing the socket directory "+dir) || !strings.Contains(out, fmt.Sprintf("owned by uid %d", atk.uid)) {
		t.Errorf("the victim's CLI with the attacker's %s: exit %d: %s", dir, code, out)
	}
	// Nor is the CA planted beside it trusted for https.
	out, code = victim.run(t, env, batonBin, "--address", "https://"+apiAddr, "group", "list")
	if code == 0 || !strings.Contains(out, "refusing the socket directory") {
		t.Errorf("the victim's CLI over https with the attacker's ca.crt: exit %d: %s", code, out)
	}

	// The victim's agent links nothing there and writes through no link.
	vdata := victim.mkdirTemp(t, "btvic-data-")
	va := startAgentAs(t, victim, vdata)
	if fi, err := os.Lstat(sock); err != nil || fi.Mode().Type() != fs.ModeSocket {
		t.Errorf("%s after the victim's agent started: %v, %v; want the attacker's socket left alone", sock, fi.Mode(), err)
	}
	if b, err := os.ReadFile(bait); err != nil || string(b) != "the victim's data\n" {
		t.Errorf("the victim's file behind the planted %s/ca.crt: %q, %v; the agent wrote through the link", dir, b, err)
	}
	if !strings.Contains(va.output(), "cannot link default socket") {
		t.Errorf("the victim's agent did not say why it linked no socket:\n%s", va.output())
	}
	va.stop()
	if got := listener.output(); strings.Contains(got, "ACCEPTED") {
		t.Errorf("the attacker's socket received the victim's calls:\n%s", got)
	}

	// The control: without the attacker's directory the victim's agent
	// makes its own (0700) and the victim's CLI finds it there.
	listener.stop()
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	startAgentAs(t, victim, vdata)
	fi, err := os.Lstat(dir)
	if err != nil || !fi.IsDir() || fi.Mode().Perm() != 0o700 || fi.Sys().(*syscall.Stat_t).Uid != uint32(victim.uid) {
		t.Fatalf("%s made by the victim's agent: %v, %v; want the victim's, mode 0700", dir, fi, err)
	}
	if out, code := victim.run(t, nil, batonBin, "cluster", "info"); code != 0 {
		t.Errorf("the victim's CLI through its own %s: exit %d: %s", dir, code, out)
	}
}

func b64e(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func containsSuffix(list []string, suffix string) bool {
	for _, s := range list {
		if strings.HasSuffix(s, suffix) {
			return true
		}
	}
	return false
}

// localUser is an unprivileged user made for the test.
type localUser struct {
	name     string
	uid, gid int
}

// newLocalUser makes a system user with a group of its own (name and the
// test's PID) and removes both when the test ends.
func newLocalUser(t *testing.T, prefix string) *localUser {
	t.Helper()
	name := fmt.Sprintf("%s%d", prefix, os.Getpid())
	if _, err := user.Lookup(name); err == nil {
		_ = exec.Command("userdel", name).Run() // left by a killed run
	}
	if out, err := exec.Command("useradd", "--system", "--user-group", "--no-create-home",
		"--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", name).CombinedOutput(); err != nil {
		t.Fatalf("useradd %s: %v\n%s", name, err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("userdel", name).CombinedOutput(); err != nil {
			t.Errorf("userdel %s: %v\n%s", name, err, out)
		}
	})
	u, err := user.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &localUser{name: name, uid: uid, gid: gid}
}

// command runs name as the user, with its own groups only and a clean
// environment (no XDG_RUNTIME_DIR, no TMPDIR) plus env.
func (u *localUser) command(env []string, name string, args ...string) *exec.Cmd {
	cmd := exec.Command("setpriv", append([]string{"--reuid", strconv.Itoa(u.uid), "--regid", strconv.Itoa(u.gid), "--init-groups", "--", name}, args...)...)
	cmd.Env = append([]string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/nonexistent", "USER=" + u.name}, env...)
	cmd.Dir = "/"
	return cmd
}

// run runs a command as the user and returns its output (standard output
// and error together) and exit status.
func (u *localUser) run(t *testing.T, env []string, name string, args ...string) (string, int) {
	t.Helper()
	cmd := u.command(env, name, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("%s %s as %s: no end in 60 s:\n%s", name, strings.Join(args, " "), u.name, out.String())
	}
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), code
}

func (u *localUser) must(t *testing.T, env []string, name string, args ...string) string {
	t.Helper()
	out, code := u.run(t, env, name, args...)
	if code != 0 {
		t.Fatalf("%s %s as %s: exit %d\n%s", name, strings.Join(args, " "), u.name, code, out)
	}
	return out
}

// mkdirTemp makes a directory of the user's, mode 0700.
func (u *localUser) mkdirTemp(t *testing.T, pattern string) string {
	t.Helper()
	dir, err := os.MkdirTemp("", pattern)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chown(dir, u.uid, u.gid); err != nil {
		t.Fatal(err)
	}
	return dir
}

// background is a process the test started as a user; stopped (SIGTERM,
// by PID) when the test ends.
type background struct {
	cmd  *exec.Cmd
	done chan struct{}

	mu  sync.Mutex // guards out
	out bytes.Buffer
}

func (u *localUser) start(t *testing.T, env []string, name string, args ...string) *background {
	t.Helper()
	b := &background{cmd: u.command(env, name, args...), done: make(chan struct{})}
	pr, pw := io.Pipe()
	b.cmd.Stdout, b.cmd.Stderr = pw, pw
	if err := b.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = b.cmd.Wait(); pw.Close(); close(b.done) }()
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			b.mu.Lock()
			b.out.WriteString(sc.Text() + "\n")
			b.mu.Unlock()
		}
	}()
	t.Cleanup(b.stop)
	return b
}

// await waits until the process has said text.
func (b *background) await(t *testing.T, text string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(b.output(), text) {
		select {
		case <-b.done:
			t.Fatalf("%s ended before saying %q:\n%s", b.cmd.Args, text, b.output())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not say %q in 30 s:\n%s", b.cmd.Args, text, b.output())
		}
	}
}

func (b *background) output() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.out.String()
}

func (b *background) stop() {
	select {
	case <-b.done:
		return
	default:
	}
	_ = b.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-b.done:
	case <-time.After(15 * time.Second):
		_ = b.cmd.Process.Kill()
		<-b.done
	}
}

// startAgentAs runs `baton agent -dev` as a user, with that user's
// default socket (XDG_RUNTIME_DIR unset: /tmp/baton-UID), and waits
// until it is ready.
func startAgentAs(t *testing.T, u *localUser, dataDir string) *background {
	t.Helper()
	b := u.start(t, nil, batonBin, "agent", "-dev", "--data-dir", dataDir, "--http-addr", "127.0.0.1:0")
	b.await(t, "export BATON_ADDR=")
	return b
}
