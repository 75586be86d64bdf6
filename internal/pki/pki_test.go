package pki

import (
	"crypto/x509"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Nodes that share a secret make the same CA key: a certificate one of
// them issues verifies against the CA certificate another made; another
// secret makes another CA, which does not.
func TestCAFromSecret(t *testing.T) {
	secret := []byte("0123456789abcdef-shared")
	a, err := CAFromSecret(secret)
	if err != nil {
		t.Fatal(err)
	}
	b, err := CAFromSecret(secret)
	if err != nil {
		t.Fatal(err)
	}
	if a.Hash() != b.Hash() || !a.Key.Equal(b.Key) {
		t.Fatalf("same secret, different CAs: %s %s", a.Hash(), b.Hash())
	}
	n, err := NewNode(a, Names{Node: "n1", IPs: []net.IP{net.ParseIP("10.0.0.1")}})
	if err != nil {
		t.Fatal(err)
	}
	verify := func(ca *CA) error {
		roots := x509.NewCertPool()
		roots.AddCert(ca.Cert)
		_, err := n.Cert.Verify(x509.VerifyOptions{Roots: roots, DNSName: "10.0.0.1", KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
		return err
	}
	if err := verify(b); err != nil {
		t.Errorf("a certificate from one node's CA does not verify with another's: %v", err)
	}
	c, err := CAFromSecret([]byte("another secret, long enough"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Hash() == a.Hash() || verify(c) == nil {
		t.Errorf("another secret made a CA that verifies the first one's certificates")
	}
	if _, err := CAFromSecret([]byte("short")); err == nil {
		t.Errorf("a 5-byte secret was accepted")
	}
}

// Saved credentials load back; keys are 0600 in a 0700 directory; a
// node key that does not match its certificate is refused.
func TestSaveLoad(t *testing.T) {
	ca, err := NewCA()
	if err != nil {
		t.Fatal(err)
	}
	n, err := NewNode(ca, Names{Node: "n1"})
	if err != nil {
		t.Fatal(err)
	}
	f := Files{Dir: filepath.Join(t.TempDir(), "pki")}
	if err := n.Save(f); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]os.FileMode{f.Dir: 0o700, f.CAKey(): 0o600, f.NodeKey(): 0o600} {
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: %v %v, want %v", path, fi.Mode().Perm(), err, want)
		}
	}
	got, err := Load(f)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Cert.Equal(n.Cert) || got.CA.Hash() != ca.Hash() || !got.CA.Key.Equal(ca.Key) {
		t.Errorf("loaded credentials differ from saved ones")
	}
	other, _ := NewNode(ca, Names{Node: "n2"})
	other.Cert = n.Cert // n2's key with n1's certificate
	if err := other.Save(f); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(f); err == nil || !strings.Contains(err.Error(), "does not match") {
		t.Errorf("a mismatched key loaded: %v", err)
	}
}

func TestNeedsRenewal(t *testing.T) {
	ca, _ := NewCA()
	names := Names{Node: "n1", IPs: []net.IP{net.ParseIP("10.0.0.1")}}
	n, err := NewNode(ca, names)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if n.NeedsRenewal(names, now) {
		t.Errorf("a fresh certificate needs renewal")
	}
	if !n.NeedsRenewal(Names{Node: "n1", IPs: []net.IP{net.ParseIP("10.0.0.2")}}, now) {
		t.Errorf("a certificate without the node's new address does not need renewal")
	}
	if !n.NeedsRenewal(names, n.Cert.NotAfter.Add(-24*time.Hour)) {
		t.Errorf("a certificate a day from its end does not need renewal")
	}
}

func TestValidHash(t *testing.T) {
	ca, _ := NewCA()
	if err := ValidHash(ca.Hash()); err != nil {
		t.Error(err)
	}
	for _, bad := range []string{"", "sha256:", "sha256:abc", "md5:" + strings.Repeat("a", 64), "sha256:" + strings.Repeat("g", 64)} {
		if ValidHash(bad) == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
