package clusapi_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"math/big"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/batoncluster/baton/clusapi"
)

// serveTLS starts f over https (HTTP/2) with httptest's self-signed
// certificate and returns the address and that certificate as a PEM file,
// the CA a client must be given.
func serveTLS(t *testing.T, f *fake) (addr, caFile string) {
	t.Helper()
	if f.clusterID == "" {
		f.clusterID = "cluster-1"
	}
	srv := httptest.NewUnstartedServer(f.mux())
	srv.EnableHTTP2 = true
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes
	srv.StartTLS()
	t.Cleanup(srv.Close)
	caFile = filepath.Join(t.TempDir(), "ca.crt")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(caFile, pemBytes, 0o644); err != nil {
		t.Fatal(err)
	}
	return srv.URL, caFile
}

// newCAFile writes the certificate of a new self-signed CA (every
// httptest server has the same certificate, so not one of theirs).
func newCAFile(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "another CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "other-ca.crt")
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

func TestClientTLS(t *testing.T) {
	t.Setenv("BATON_CA", "")
	t.Setenv("BATON_TOKEN", "")
	f := &fake{}
	addr, ca := serveTLS(t, f)
	otherCA := newCAFile(t)
	ctx := context.Background()

	c := newClient(t, addr, clusapi.WithCA(ca), clusapi.WithToken("s3cret"))
	if _, err := c.Cluster(ctx); err != nil {
		t.Fatalf("Cluster over https with the CA: %v", err)
	}
	if got := f.lastHeader().Get("Authorization"); got != "Bearer s3cret" {
		t.Errorf("Authorization over https = %q", got)
	}

	// A certificate from another CA: a transport failure, 1722, that says
	// which CA it was checked against.
	calls := f.ncalls()
	for name, opts := range map[string][]clusapi.Option{
		"another CA":             {clusapi.WithCA(otherCA)},
		"a pin of no CA it sent": {clusapi.WithCA("sha256:" + strings.Repeat("ab", 32))},
	} {
		_, err := newClient(t, addr, opts...).Cluster(ctx)
		if !errors.Is(err, clusapi.RPC_S_SERVER_UNAVAILABLE) || !strings.Contains(err.Error(), "OpenCluster: dial: the agent's certificate at ") ||
			!strings.Contains(err.Error(), "is not from the cluster CA") {
			t.Errorf("%s: %v; want RPC_S_SERVER_UNAVAILABLE saying the certificate is not from the cluster CA", name, err)
		}
	}
	if f.ncalls() != calls {
		t.Error("a call reached an agent whose certificate was refused")
	}

	// OpenCluster takes the CA from $BATON_CA.
	t.Setenv("BATON_CA", otherCA)
	if h, err := clusapi.OpenCluster(addr); h != nil || !strings.Contains(err.Error(), "BATON_CA="+otherCA) {
		t.Errorf("OpenCluster with another CA in BATON_CA = %v, %v", h, err)
	}
	t.Setenv("BATON_CA", ca)
	h, err := clusapi.OpenCluster(addr)
	if err != nil {
		t.Fatalf("OpenCluster with BATON_CA: %v", err)
	}
	clusapi.CloseCluster(h)
	if _, err := clusapi.New(addr, clusapi.WithCA("sha256:12")); !errors.Is(err, clusapi.ERROR_INVALID_PARAMETER) {
		t.Errorf("New with a malformed pin = %v, want ERROR_INVALID_PARAMETER", err)
	}
}

func TestTokenNotSentInClear(t *testing.T) {
	t.Setenv("BATON_TOKEN", "")
	_, err := clusapi.New("http://192.0.2.1:7410", clusapi.WithToken("s3cret"))
	if !errors.Is(err, clusapi.ERROR_INVALID_PARAMETER) || !strings.Contains(err.Error(), "https://") {
		t.Errorf("New with a token over http to another host = %v, want ERROR_INVALID_PARAMETER", err)
	}
	t.Setenv("BATON_TOKEN", "s3cret")
	if h, err := clusapi.OpenCluster("http://192.0.2.1:7410"); h != nil || !errors.Is(err, clusapi.ERROR_INVALID_PARAMETER) {
		t.Errorf("OpenCluster with $BATON_TOKEN over http to another host = %v, %v", h, err)
	}
	// Over the Unix socket the token stays home.
	f := &fake{}
	c := newClient(t, f.serveUnix(t), clusapi.WithToken("s3cret"))
	if _, err := c.Cluster(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := f.lastHeader().Get("Authorization"); got != "" {
		t.Errorf("Authorization over the Unix socket = %q, want none", got)
	}
}
