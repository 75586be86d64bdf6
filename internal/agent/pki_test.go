package agent_test

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/batoncluster/baton/internal/pki"
)

// The TCP API serves the node's certificate from the cluster CA to
// clients that ask by address, and the operator's certificate (--tls-cert)
// to clients that ask for one of its names; a restart keeps the node's
// credentials, and a restart at a new address renews the certificate
// from the CA the node holds.
func TestAPICertificates(t *testing.T) {
	dir := t.TempDir()
	opCA, err := pki.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	op, err := pki.NewNode(opCA, pki.Names{Node: "baton.example.test"})
	if err != nil {
		t.Fatal(err)
	}
	opFiles := pki.Files{Dir: filepath.Join(dir, "operator")}
	if err := op.Save(opFiles); err != nil {
		t.Fatal(err)
	}
	cfg := joinConfig(t, dir, "n1", "", "")
	cfg.TLSCert, cfg.TLSKey = opFiles.NodeCert(), opFiles.NodeKey()
	a, err := startAgent(t, cfg)
	if err != nil {
		t.Fatal(err)
	}
	clusterCA, err := pki.ReadCert(filepath.Join(cfg.DataDir, "ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	if pki.CAHash(clusterCA) != a.CAHash() {
		t.Errorf("DATA/ca.crt is %s, the agent's CA %s", pki.CAHash(clusterCA), a.CAHash())
	}
	leaf := func(serverName string, roots *x509.Certificate) (*x509.Certificate, error) {
		pool := x509.NewCertPool()
		pool.AddCert(roots)
		conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", a.HTTPAddr(),
			&tls.Config{ServerName: serverName, RootCAs: pool})
		if err != nil {
			return nil, err
		}
		defer conn.Close()
		return conn.ConnectionState().PeerCertificates[0], nil
	}
	if c, err := leaf("127.0.0.1", clusterCA); err != nil || c.Subject.CommonName != "n1" {
		t.Errorf("by address: %v, %v; want n1's certificate from the cluster CA", c, err)
	}
	if c, err := leaf("baton.example.test", op.CA.Cert); err != nil || c.Subject.CommonName != "baton.example.test" {
		t.Errorf("by the operator's name: %v, %v; want the operator's certificate", c, err)
	}
	if _, err := leaf("127.0.0.1", op.CA.Cert); err == nil {
		t.Errorf("a client trusting only the operator's CA accepted the node's certificate by address")
	}
	before, err := pki.ReadCert(filepath.Join(cfg.DataDir, "pki", "node.crt"))
	if err != nil {
		t.Fatal(err)
	}
	a.Close()

	// Restarted as it was: the same certificate. Restarted with one more
	// name: a new certificate, from the same CA.
	a, err = startAgent(t, cfg)
	if err != nil {
		t.Fatal(err)
	}
	same, _ := pki.ReadCert(filepath.Join(cfg.DataDir, "pki", "node.crt"))
	a.Close()
	if !same.Equal(before) {
		t.Errorf("a restart with the same configuration issued a new certificate")
	}
	cfg.APIHosts = []string{"192.0.2.10", "node1.example.test"}
	a, err = startAgent(t, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	renewed, _ := pki.ReadCert(filepath.Join(cfg.DataDir, "pki", "node.crt"))
	if renewed.Equal(before) || !slices.Contains(renewed.DNSNames, "node1.example.test") ||
		!slices.ContainsFunc(renewed.IPAddresses, net.ParseIP("192.0.2.10").Equal) {
		t.Errorf("after --api-host: names %v %v, want the new ones", renewed.DNSNames, renewed.IPAddresses)
	}
	if a.CAHash() != pki.CAHash(clusterCA) {
		t.Errorf("the renewal changed the CA")
	}
	for _, f := range []string{"ca.key", "node.key"} {
		fi, err := os.Stat(filepath.Join(cfg.DataDir, "pki", f))
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("pki/%s: %v, %v; want 0600", f, fi, err)
		}
	}
}
