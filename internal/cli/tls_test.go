package cli

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/batoncluster/baton/api/baton/v1/batonv1connect"
	"github.com/batoncluster/baton/clusapi"
)

// pemFile writes a certificate as PEM.
func pemFile(t *testing.T, der []byte) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "ca.crt")
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

func TestCAFlag(t *testing.T) {
	t.Setenv("BATON_CA", "")
	t.Setenv("BATON_TOKEN", "")
	mux := http.NewServeMux()
	mux.Handle(batonv1connect.NewGroupServiceHandler(&fakeGroups{state: states(clusapi.ClusterGroupOnline)}))
	srv := httptest.NewUnstartedServer(mux)
	srv.EnableHTTP2 = true
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	defer srv.Close()
	ca := pemFile(t, srv.Certificate().Raw)

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "another CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	other := pemFile(t, der)

	if code, out, stderr := run(t, "--address", srv.URL, "--ca", ca, "group", "state", "DemoGroup"); code != ExitOK || !strings.Contains(out, "Online") {
		t.Errorf("with the right --ca: exit %d: %s%s", code, out, stderr)
	}
	t.Setenv("BATON_CA", ca)
	if code, out, stderr := run(t, "--address", srv.URL, "group", "state", "DemoGroup"); code != ExitOK {
		t.Errorf("with BATON_CA: exit %d: %s%s", code, out, stderr)
	}
	code, stdout, stderr := run(t, "--address", srv.URL, "--ca", other, "-o", "json", "group", "state", "DemoGroup")
	if code != ExitError || !strings.HasPrefix(stdout, `{"error":{"code":1722,"name":"RPC_S_SERVER_UNAVAILABLE"`) {
		t.Errorf("with another CA: exit %d, stdout %q", code, stdout)
	}
	for _, want := range []string{"is not from the cluster CA (CA " + other + ")", "hint: give the cluster CA with --ca"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr %q\nlacks %q", stderr, want)
		}
	}
	if strings.Contains(stderr, "start one with") {
		t.Errorf("the hint for an unreachable agent given for a refused certificate: %q", stderr)
	}

	// http:// to an agent that serves https: say so.
	code, _, stderr = run(t, "--address", strings.Replace(srv.URL, "https:", "http:", 1), "group", "state", "DemoGroup")
	if code != ExitError || !strings.Contains(stderr, "serves https only: use "+srv.URL) || !strings.Contains(stderr, "hint: over https") {
		t.Errorf("http to an https agent: exit %d, stderr %q", code, stderr)
	}

	// A token is not sent in clear across a network: refused before any call.
	code, _, stderr = run(t, "--address", "http://192.0.2.1:7410", "--token", "baton_x", "group", "state", "DemoGroup")
	if code != ExitUsage || !strings.Contains(stderr, "use https://192.0.2.1:7410") {
		t.Errorf("token over http to another host: exit %d, stderr %q", code, stderr)
	}
}
