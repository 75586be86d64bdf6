package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/batoncluster/baton/internal/pki"
)

// The CLI over TCP: it verifies the agent's certificate against the
// cluster CA (a file, or the sha256: pin the agent prints), refuses an
// agent whose certificate is from another CA before it sends its token,
// and says so; plain http:// to the TLS port is refused with a hint.
func TestCLIVerifiesTheAgent(t *testing.T) {
	a := startAgent(t, filepath.Join(t.TempDir(), "d"))
	token := strings.TrimSpace(a.must("acl", "token", "create", "remote", "--access", "read"))
	caFile := filepath.Join(a.dataDir, "ca.crt")
	ca, err := pki.ReadCert(caFile)
	if err != nil {
		t.Fatal(err)
	}
	other, err := pki.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	otherNode, err := pki.NewNode(other, pki.Names{Node: "x"})
	if err != nil {
		t.Fatal(err)
	}
	otherFiles := pki.Files{Dir: filepath.Join(t.TempDir(), "other")}
	if err := otherNode.Save(otherFiles); err != nil {
		t.Fatal(err)
	}
	run := func(addr, caValue string) (string, int) {
		cmd := exec.Command(batonBin, "node", "list")
		cmd.Env = append(os.Environ(), "BATON_ADDR="+addr, "BATON_TOKEN="+token, "BATON_CA="+caValue)
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
	https := a.http
	for _, good := range []string{caFile, pki.CAHash(ca)} {
		if out, code := run(https, good); code != 0 || !strings.Contains(out, "Up") {
			t.Errorf("BATON_CA=%s: exit %d\n%s", good, code, out)
		}
	}
	for _, bad := range []string{otherFiles.CACert(), other.Hash()} {
		out, code := run(https, bad)
		if code == 0 || !strings.Contains(out, "not from the cluster CA") {
			t.Errorf("BATON_CA=%s (another cluster's CA): exit %d\n%s", bad, code, out)
		}
	}
	out, code := run("http://"+strings.TrimPrefix(https, "https://"), caFile)
	if code == 0 || !strings.Contains(out, "https only") {
		t.Errorf("http:// to the TLS port: exit %d\n%s", code, out)
	}
}
