// Package pki is the cluster's public-key infrastructure: one cluster CA
// (ECDSA P-256) made when the cluster forms, a certificate per node signed
// by it, and the TLS configurations built from them — the embedded etcd's
// client and peer ports (client certificates required), the agent's TCP
// API, and clients that pin the CA by its hash.
//
// Every node keeps the CA's key in its data directory (mode 0600), so any
// node can admit a joining one and renew its own certificate; the key is
// never written to the cluster database. A node is therefore as trusted as
// the cluster itself (docs/security.md).
package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// Validity of what the package issues. A node renews its own certificate
// at start once a third of its life is left (Renew), so a node restarted
// now and then never sees it expire.
const (
	caValidity   = 20 * 365 * 24 * time.Hour
	nodeValidity = 5 * 365 * 24 * time.Hour
	// clockSkew backdates certificates so a node whose clock is a little
	// behind accepts them at once.
	clockSkew = time.Hour
)

// caCommonName is the CA's subject: the same on every node, so that CA
// certificates made on different nodes from the same key (a cluster
// formed from a shared secret) verify each other's node certificates.
const caCommonName = "baton cluster CA"

// CA is the cluster CA: its certificate and, on nodes, its key.
type CA struct {
	Cert *x509.Certificate
	Key  *ecdsa.PrivateKey
}

// NewCA makes a CA with a fresh random key.
func NewCA() (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("pki: CA key: %w", err)
	}
	return selfSign(key)
}

// MinSecretBytes is the shortest cluster secret accepted.
const MinSecretBytes = 16

// CAFromSecret makes the CA whose key derives from secret (HKDF-SHA256):
// the nodes of a forming cluster that share the secret make the same CA
// key, and so trust each other before any of them can reach another.
func CAFromSecret(secret []byte) (*CA, error) {
	if len(secret) < MinSecretBytes {
		return nil, fmt.Errorf("pki: cluster secret: %d bytes, want at least %d", len(secret), MinSecretBytes)
	}
	n := elliptic.P256().Params().N
	for i := 0; ; i++ {
		// A candidate is a valid scalar with probability 1 - 2^-32; the
		// counter makes the rare retry deterministic too.
		d, err := hkdf.Key(sha256.New, secret, []byte("baton cluster CA"), fmt.Sprintf("P-256 key %d", i), 32)
		if err != nil {
			return nil, fmt.Errorf("pki: derive CA key: %w", err)
		}
		if k := new(big.Int).SetBytes(d); k.Sign() == 0 || k.Cmp(n) >= 0 {
			continue
		}
		key, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), d)
		if err != nil {
			return nil, fmt.Errorf("pki: derive CA key: %w", err)
		}
		return selfSign(key)
	}
}

func selfSign(key *ecdsa.PrivateKey) (*CA, error) {
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          randomSerial(),
		Subject:               pkix.Name{CommonName: caCommonName},
		NotBefore:             now.Add(-clockSkew),
		NotAfter:              now.Add(caValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("pki: CA certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &CA{Cert: cert, Key: key}, nil
}

func randomSerial() *big.Int {
	s, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	return s
}

// Hash is the CA's pin (CAHash).
func (ca *CA) Hash() string { return CAHash(ca.Cert) }

// Names are what a node certificate is valid for.
type Names struct {
	Node string   // the node's name (CommonName and a DNS name)
	IPs  []net.IP // its addresses; loopback is always added
	DNS  []string // more DNS names
}

// Issue signs a certificate for pub, valid as a TLS server and client
// under names.
func (ca *CA) Issue(pub crypto.PublicKey, names Names) (*x509.Certificate, error) {
	if ca.Key == nil {
		return nil, errors.New("pki: this CA has no key here")
	}
	now := time.Now()
	dns := slices.Compact(slices.Sorted(slices.Values(append([]string{names.Node, "localhost"}, names.DNS...))))
	ips := []net.IP{net.IPv4(127, 0, 0, 1).To4(), net.IPv6loopback}
	for _, ip := range names.IPs {
		if !slices.ContainsFunc(ips, ip.Equal) {
			ips = append(ips, ip)
		}
	}
	tmpl := &x509.Certificate{
		SerialNumber: randomSerial(),
		Subject:      pkix.Name{CommonName: names.Node},
		NotBefore:    now.Add(-clockSkew),
		NotAfter:     now.Add(nodeValidity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		DNSNames:     dns,
		IPAddresses:  ips,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, pub, ca.Key)
	if err != nil {
		return nil, fmt.Errorf("pki: node certificate: %w", err)
	}
	return x509.ParseCertificate(der)
}

// Files are where a node keeps its PKI, all under one 0700 directory.
type Files struct{ Dir string }

// The file names under Files.Dir.
func (f Files) CACert() string   { return filepath.Join(f.Dir, "ca.crt") }
func (f Files) CAKey() string    { return filepath.Join(f.Dir, "ca.key") }
func (f Files) NodeCert() string { return filepath.Join(f.Dir, "node.crt") }
func (f Files) NodeKey() string  { return filepath.Join(f.Dir, "node.key") }

// Exists reports whether the node has its certificate (it has been
// admitted to a cluster before).
func (f Files) Exists() bool {
	_, err := os.Stat(f.NodeCert())
	return err == nil
}

// Node is one node's credentials: its certificate and key, and the CA.
type Node struct {
	CA   *CA // Key is set when the node holds the CA key
	Cert *x509.Certificate
	Key  *ecdsa.PrivateKey
}

// NewNode makes a node key and has ca sign its certificate.
func NewNode(ca *CA, names Names) (*Node, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("pki: node key: %w", err)
	}
	cert, err := ca.Issue(key.Public(), names)
	if err != nil {
		return nil, err
	}
	return &Node{CA: ca, Cert: cert, Key: key}, nil
}

// Save writes the node's credentials under f.Dir: keys 0600, the
// directory 0700; each file is replaced atomically.
func (n *Node) Save(f Files) error {
	if err := os.MkdirAll(f.Dir, 0o700); err != nil {
		return fmt.Errorf("pki: %w", err)
	}
	if err := os.Chmod(f.Dir, 0o700); err != nil {
		return fmt.Errorf("pki: %w", err)
	}
	writes := []struct {
		path  string
		block *pem.Block
	}{
		{f.CACert(), &pem.Block{Type: "CERTIFICATE", Bytes: n.CA.Cert.Raw}},
		{f.NodeCert(), &pem.Block{Type: "CERTIFICATE", Bytes: n.Cert.Raw}},
	}
	kb, err := x509.MarshalPKCS8PrivateKey(n.Key)
	if err != nil {
		return fmt.Errorf("pki: %w", err)
	}
	writes = append(writes, struct {
		path  string
		block *pem.Block
	}{f.NodeKey(), &pem.Block{Type: "PRIVATE KEY", Bytes: kb}})
	if n.CA.Key != nil {
		cb, err := x509.MarshalPKCS8PrivateKey(n.CA.Key)
		if err != nil {
			return fmt.Errorf("pki: %w", err)
		}
		writes = append(writes, struct {
			path  string
			block *pem.Block
		}{f.CAKey(), &pem.Block{Type: "PRIVATE KEY", Bytes: cb}})
	}
	for _, w := range writes {
		if err := writeAtomic(w.path, pem.EncodeToMemory(w.block)); err != nil {
			return err
		}
	}
	return nil
}

func writeAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("pki: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("pki: write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("pki: write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("pki: write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("pki: %w", err)
	}
	return nil
}

// Load reads a node's credentials from f.Dir; the CA key is optional.
func Load(f Files) (*Node, error) {
	caCert, err := ReadCert(f.CACert())
	if err != nil {
		return nil, err
	}
	cert, err := ReadCert(f.NodeCert())
	if err != nil {
		return nil, err
	}
	key, err := readKey(f.NodeKey())
	if err != nil {
		return nil, err
	}
	n := &Node{CA: &CA{Cert: caCert}, Cert: cert, Key: key}
	if _, err := os.Stat(f.CAKey()); err == nil {
		if n.CA.Key, err = readKey(f.CAKey()); err != nil {
			return nil, err
		}
	}
	if err := n.Check(); err != nil {
		return nil, err
	}
	return n, nil
}

// Check verifies that the node's certificate is the CA's and matches its
// key, and that the CA key (if any) is the CA certificate's.
func (n *Node) Check() error {
	roots := x509.NewCertPool()
	roots.AddCert(n.CA.Cert)
	if _, err := n.Cert.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		return fmt.Errorf("pki: node certificate: %w", err)
	}
	if !n.Key.PublicKey.Equal(n.Cert.PublicKey) {
		return errors.New("pki: node key does not match its certificate")
	}
	if n.CA.Key != nil && !n.CA.Key.PublicKey.Equal(n.CA.Cert.PublicKey) {
		return errors.New("pki: CA key does not match the CA certificate")
	}
	return nil
}

// ReadCert reads one PEM certificate.
func ReadCert(path string) (*x509.Certificate, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("pki: %w", err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("pki: %s: no PEM certificate", path)
	}
	c, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("pki: %s: %w", path, err)
	}
	return c, nil
}

func readKey(path string) (*ecdsa.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("pki: %w", err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		return nil, fmt.Errorf("pki: %s: no PEM key", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("pki: %s: %w", path, err)
	}
	ek, ok := k.(*ecdsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("pki: %s: not an ECDSA key", path)
	}
	return ek, nil
}

// NeedsRenewal reports whether the node's certificate should be issued
// anew: a third of its life or less is left, or it does not name all of
// names (the node's addresses changed).
func (n *Node) NeedsRenewal(names Names, now time.Time) bool {
	life := n.Cert.NotAfter.Sub(n.Cert.NotBefore)
	if n.Cert.NotAfter.Sub(now) < life/3 {
		return true
	}
	if n.Cert.Subject.CommonName != names.Node {
		return true
	}
	for _, ip := range names.IPs {
		if !slices.ContainsFunc(n.Cert.IPAddresses, ip.Equal) {
			return true
		}
	}
	for _, d := range names.DNS {
		if !slices.Contains(n.Cert.DNSNames, d) {
			return true
		}
	}
	return false
}

// tlsCert is the node's certificate with the CA's after it, so a client
// that pins the CA by hash receives it.
func (n *Node) tlsCert() tls.Certificate {
	return tls.Certificate{Certificate: [][]byte{n.Cert.Raw, n.CA.Cert.Raw}, PrivateKey: n.Key, Leaf: n.Cert}
}

// Pool is a pool holding the CA alone.
func (n *Node) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(n.CA.Cert)
	return p
}

// ServerTLS is the TLS configuration of the agent's TCP API: the node's
// certificate, then any extra ones (an operator's, chosen by SNI). Client
// certificates are not asked for: API callers present bearer tokens.
func (n *Node) ServerTLS(extra ...tls.Certificate) *tls.Config {
	return &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: append([]tls.Certificate{n.tlsCert()}, extra...),
		NextProtos:   []string{"h2", "http/1.1"},
	}
}

// ClientTLS is the TLS configuration the node dials other nodes' etcd
// and API with: the cluster CA alone is trusted, and the node presents
// its certificate.
func (n *Node) ClientTLS() *tls.Config {
	c := n.tlsCert()
	return &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: n.Pool(), Certificates: []tls.Certificate{c}}
}
