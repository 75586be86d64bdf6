// Tests of the Debian package scripts/package.sh builds.
package packaging

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestDebianPackage builds the package, checks what it holds, installs
// it into a throwaway root (dpkg --root), runs what it installed, verifies
// the unit, and purges it.
func TestDebianPackage(t *testing.T) {
	if _, err := exec.LookPath("dpkg-deb"); err != nil {
		t.Skip("no dpkg-deb: not a Debian system")
	}
	out := t.TempDir()
	const version = "1.2.3~test"
	build := exec.Command("../scripts/package.sh", out)
	build.Env = append(os.Environ(), "VERSION="+version)
	var stdout, stderr bytes.Buffer
	build.Stdout, build.Stderr = &stdout, &stderr
	if err := build.Run(); err != nil {
		t.Fatalf("package.sh: %v\n%s", err, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	deb := lines[len(lines)-1]
	if filepath.Base(deb) != "baton_"+version+"_amd64.deb" {
		t.Fatalf("package.sh made %s", deb)
	}

	info := run(t, "dpkg-deb", "--info", deb)
	for _, want := range []string{"Package: baton\n", "Version: " + version + "\n", "Architecture: amd64\n",
		"Depends: libc6", " conffiles", " postinst", " prerm", " postrm"} {
		if !strings.Contains(info, want) {
			t.Errorf("dpkg-deb --info lacks %q:\n%s", want, info)
		}
	}
	if conf := run(t, "dpkg-deb", "--info", deb, "conffiles"); conf != "/etc/baton/agent.yaml\n" {
		t.Error("/etc/baton/agent.yaml is not a conffile")
	}

	// path → mode and owner, from dpkg-deb --contents.
	contents := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(run(t, "dpkg-deb", "--contents", deb)))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 6 {
			contents[strings.TrimPrefix(f[5], ".")] = f[0] + " " + f[1]
		}
	}
	for path, want := range map[string]string{
		"/usr/bin/baton":                                  "-rwxr-xr-x root/root",
		"/usr/lib/systemd/system/baton.service":           "-rw-r--r-- root/root",
		"/etc/baton/agent.yaml":                           "-rw------- root/root",
		"/usr/share/man/man1/baton.1.gz":                  "-rw-r--r-- root/root",
		"/usr/share/man/man1/baton-agent.1.gz":            "-rw-r--r-- root/root",
		"/usr/share/man/man1/baton-group-offline.1.gz":    "-rw-r--r-- root/root",
		"/usr/share/man/man1/baton-version.1.gz":          "-rw-r--r-- root/root",
		"/usr/share/bash-completion/completions/baton":    "-rw-r--r-- root/root",
		"/usr/share/zsh/vendor-completions/_baton":        "-rw-r--r-- root/root",
		"/usr/share/fish/vendor_completions.d/baton.fish": "-rw-r--r-- root/root",
		"/usr/share/doc/baton/install.md":                 "-rw-r--r-- root/root",
		"/usr/share/doc/baton/configure.md":               "-rw-r--r-- root/root",
		"/usr/share/doc/baton/operations/nodes.md":        "-rw-r--r-- root/root",
	} {
		if got := contents[path]; got != want {
			t.Errorf("%s: %q, want %q", path, got, want)
		}
	}
	for path := range contents {
		if strings.Contains(path, "guard") && strings.HasPrefix(path, "/usr/share/man/") {
			t.Errorf("the hidden guard command has a man page: %s", path)
		}
	}

	root := installInto(t, deb)
	bin := filepath.Join(root, "usr/bin/baton")
	var v map[string]string
	if err := json.Unmarshal([]byte(run(t, bin, "version", "-o", "json")), &v); err != nil {
		t.Fatal(err)
	}
	if v["version"] != version || !regexp.MustCompile(`^[0-9a-f]{12}(-dirty)?$`).MatchString(v["commit"]) {
		t.Errorf("baton version -o json: %v, want version %s and the commit", v, version)
	}
	// The default configuration is valid as installed (mode 0600 included)
	// and forms no cluster by itself.
	printed := run(t, bin, "agent", "--config", filepath.Join(root, "etc/baton/agent.yaml"), "--print-config")
	for _, want := range []string{"data-dir: /var/lib/baton\n", "initial-cluster: \"\"\n", "join: \"\"\n"} {
		if !strings.Contains(printed, want) {
			t.Errorf("installed configuration lacks %q:\n%s", want, printed)
		}
	}
	if man, err := exec.LookPath("man"); err == nil {
		page := run(t, man, "-l", filepath.Join(root, "usr/share/man/man1/baton-agent.1.gz"))
		if !strings.Contains(page, "--print-config") {
			t.Errorf("baton-agent(1) does not document --print-config")
		}
	}

	unit := filepath.Join(root, "usr/lib/systemd/system/baton.service")
	checkUnit(t, unit, bin)

	run(t, "dpkg", "--root="+root, "--force-script-chrootless", "--log=/dev/null", "--purge", "baton")
	for _, p := range []string{"usr/bin/baton", "etc/baton/agent.yaml", "usr/lib/systemd/system/baton.service"} {
		if _, err := os.Lstat(filepath.Join(root, p)); !os.IsNotExist(err) {
			t.Errorf("%s still there after purge (%v)", p, err)
		}
	}
}

// installInto installs deb into a new root with dpkg --root, running its
// maintainer scripts outside a chroot ($DPKG_ROOT set: they leave the
// running system alone), and returns the root.
func installInto(t *testing.T, deb string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("dpkg --root needs root")
	}
	root := t.TempDir()
	for _, d := range []string{"var/lib/dpkg/info", "var/lib/dpkg/updates"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "var/lib/dpkg/status"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	// The throwaway root has no libc6 package.
	out := run(t, "dpkg", "--root="+root, "--force-script-chrootless", "--force-depends", "--log=/dev/null", "--install", deb)
	if !strings.Contains(out, "Setting up baton") {
		t.Fatalf("dpkg --install:\n%s", out)
	}
	if st := run(t, "dpkg", "--root="+root, "--status", "baton"); !strings.Contains(st, "Status: install ok installed") {
		t.Fatalf("dpkg --status:\n%s", st)
	}
	return root
}

// checkUnit checks the unit's keys, and has systemd-analyze verify it
// (with ExecStart pointed at the installed binary, and man pointed at the
// installed pages) where systemd is installed: any word from it fails.
func checkUnit(t *testing.T, unit, bin string) {
	t.Helper()
	body, err := os.ReadFile(unit)
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]string{}
	for _, line := range strings.Split(string(body), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
			keys[k] = v
		}
	}
	for k, want := range map[string]string{
		"Type": "notify", "NotifyAccess": "main", "Restart": "on-failure", "KillMode": "process",
		"ExecStart":   "/usr/bin/baton agent --config /etc/baton/agent.yaml",
		"WatchdogSec": "30s", "LimitNOFILE": "8192", "WantedBy": "multi-user.target",
	} {
		if keys[k] != want {
			t.Errorf("baton.service %s=%q, want %q", k, keys[k], want)
		}
	}
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Log("no systemd-analyze: the unit's keys were checked, not the unit")
		return
	}
	dir := t.TempDir()
	local := strings.Replace(string(body), "ExecStart=/usr/bin/baton ", "ExecStart="+bin+" ", 1)
	if err := os.WriteFile(filepath.Join(dir, "baton.service"), []byte(local), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(analyze, "verify", filepath.Join(dir, "baton.service"))
	cmd.Env = append(os.Environ(), "MANPATH="+filepath.Join(filepath.Dir(filepath.Dir(bin)), "share/man"))
	got, err := cmd.CombinedOutput()
	if err != nil || len(bytes.TrimSpace(got)) > 0 {
		t.Errorf("systemd-analyze verify baton.service: %v\n%s", err, got)
	}
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s%s", name, strings.Join(args, " "), err, out.String(), errb.String())
	}
	return out.String() + errb.String()
}
