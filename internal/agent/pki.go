package agent

// The node's credentials (internal/pki): made when the cluster forms,
// received from the cluster when the node joins with a join token, loaded
// from the data directory when it restarts. They secure the embedded
// database's ports (client certificates required) and the TCP API.

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"connectrpc.com/connect"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
	"github.com/batoncluster/baton/api/baton/v1/batonv1connect"
	"github.com/batoncluster/baton/clusapi"
	"github.com/batoncluster/baton/internal/dial"
	"github.com/batoncluster/baton/internal/etcdmember"
	"github.com/batoncluster/baton/internal/jointoken"
	"github.com/batoncluster/baton/internal/pki"
)

// pkiFiles is where the node keeps its credentials.
func (a *Agent) pkiFiles() pki.Files { return pki.Files{Dir: filepath.Join(a.cfg.DataDir, "pki")} }

// endpointsFile keeps the database members' client URLs a joined node
// received, so that it finds the database again after a restart.
func (a *Agent) endpointsFile() string { return filepath.Join(a.pkiFiles().Dir, "etcd-endpoints.json") }

// certNames are the names the node's certificate must carry: its name and
// every address it serves on.
func (a *Agent) certNames() pki.Names {
	names := pki.Names{Node: a.cfg.Name}
	// --api-host names the node is reached by: an address, or a DNS name.
	for _, h := range a.cfg.APIHosts {
		if ip := net.ParseIP(h); ip != nil {
			names.IPs = append(names.IPs, ip)
		} else {
			names.DNS = append(names.DNS, h)
		}
	}
	for _, addr := range []string{a.cfg.HTTPAddr, a.cfg.EtcdClientAddr, a.cfg.EtcdPeerAddr} {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			continue // "auto": loopback, always named
		}
		if ip := net.ParseIP(host); ip != nil && !ip.IsUnspecified() {
			names.IPs = append(names.IPs, ip)
		} else if ip == nil && host != "" {
			names.DNS = append(names.DNS, host)
		}
	}
	return names
}

// setupPKI gives the node its credentials before it reaches the
// database, and builds the TLS configurations from them.
func (a *Agent) setupPKI(ctx context.Context) error {
	files := a.pkiFiles()
	names := a.certNames()
	var node *pki.Node
	var err error
	switch {
	case files.Exists():
		node, err = pki.Load(files)
		if err != nil {
			return fmt.Errorf("agent: %w (the node's credentials in %s are damaged; see docs/security.md, \"Rotating\")", err, files.Dir)
		}
		if node.NeedsRenewal(names, time.Now()) {
			if node.CA.Key == nil {
				a.log.Warn("node certificate should be renewed but this node holds no CA key", "dir", files.Dir)
				break
			}
			fresh, err := pki.NewNode(node.CA, names)
			if err != nil {
				return fmt.Errorf("agent: renew node certificate: %w", err)
			}
			if err := fresh.Save(files); err != nil {
				return fmt.Errorf("agent: %w", err)
			}
			a.log.Info("node certificate renewed", "expires", fresh.Cert.NotAfter.Format(time.DateOnly))
			node = fresh
		}
	case a.cfg.Join != "":
		if node, err = a.joinCluster(ctx, names); err != nil {
			return err
		}
	default:
		ca, err := a.formingCA()
		if err != nil {
			return err
		}
		if node, err = pki.NewNode(ca, names); err != nil {
			return fmt.Errorf("agent: %w", err)
		}
		if err := node.Save(files); err != nil {
			return fmt.Errorf("agent: %w", err)
		}
	}
	a.pki = node
	extra, err := a.operatorCert()
	if err != nil {
		return err
	}
	a.apiTLS = node.ServerTLS(extra...)
	a.etcdTLS = &etcdmember.TLSFiles{CA: files.CACert(), Cert: files.NodeCert(), Key: files.NodeKey()}
	a.etcdClientTLS = node.ClientTLS()
	return nil
}

// formingCA is the CA of a cluster this node forms: derived from the
// shared secret when several nodes form it at once (--initial-cluster),
// or when nodes share an external etcd; else a new random one.
func (a *Agent) formingCA() (*pki.CA, error) {
	if a.cfg.InitialCluster != "" && a.cfg.ClusterSecretFile == "" {
		return nil, errors.New("agent: --initial-cluster needs --cluster-secret-file: the forming nodes derive their CA from the secret they share " +
			"(e.g. `head -c 32 /dev/urandom | base64 > secret && chmod 600 secret`, the same file on every node)")
	}
	if a.cfg.ClusterSecretFile == "" {
		ca, err := pki.NewCA()
		if err != nil {
			return nil, fmt.Errorf("agent: %w", err)
		}
		return ca, nil
	}
	secret, err := readSecretFile(a.cfg.ClusterSecretFile)
	if err != nil {
		return nil, err
	}
	ca, err := pki.CAFromSecret(secret)
	if err != nil {
		return nil, fmt.Errorf("agent: --cluster-secret-file: %w", err)
	}
	return ca, nil
}

// readSecretFile reads a secret that must be private to its owner.
func readSecretFile(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("agent: --cluster-secret-file: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("agent: --cluster-secret-file %s: mode %v lets others read it (chmod 600 %s)", path, fi.Mode().Perm(), path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("agent: --cluster-secret-file: %w", err)
	}
	secret := []byte(strings.TrimSpace(string(b)))
	if len(secret) < pki.MinSecretBytes {
		return nil, fmt.Errorf("agent: --cluster-secret-file %s: %d bytes, want at least %d", path, len(secret), pki.MinSecretBytes)
	}
	return secret, nil
}

// operatorCert is --tls-cert/--tls-key, if given.
func (a *Agent) operatorCert() ([]tls.Certificate, error) {
	if a.cfg.TLSCert == "" {
		return nil, nil
	}
	c, err := tls.LoadX509KeyPair(a.cfg.TLSCert, a.cfg.TLSKey)
	if err != nil {
		return nil, fmt.Errorf("agent: --tls-cert/--tls-key: %w", err)
	}
	return []tls.Certificate{c}, nil
}

// joinCluster is a first start with --join: verify the agent at --join
// by the CA hash in the join token, prove the token's secret, and keep
// the certificate and CA the cluster sends back.
func (a *Agent) joinCluster(ctx context.Context, names pki.Names) (*pki.Node, error) {
	if a.cfg.JoinToken == "" {
		return nil, errors.New("agent: --join needs --join-token: run `baton cluster join-token create` on a node of the cluster")
	}
	tok, err := jointoken.Parse(a.cfg.JoinToken)
	if err != nil {
		return nil, fmt.Errorf("agent: --join-token: %w", err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("agent: %w", err)
	}
	csr, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: a.cfg.Name}}, key)
	if err != nil {
		return nil, fmt.Errorf("agent: %w", err)
	}
	u, err := url.Parse(a.cfg.JoinURL())
	if err != nil {
		return nil, fmt.Errorf("agent: --join %q: %w", a.cfg.Join, err)
	}
	tc, err := pki.PinnedTLS(tok.CAHash, u.Hostname())
	if err != nil {
		return nil, fmt.Errorf("agent: --join-token: %w", err)
	}
	// Remember a pin mismatch: the transport does not keep the error's
	// identity on its way up.
	var pinErr error
	verify := tc.VerifyConnection
	tc.VerifyConnection = func(cs tls.ConnectionState) error {
		if err := verify(cs); err != nil {
			pinErr = err
			return err
		}
		return nil
	}
	// ForceAttemptHTTP2: net/http's own HTTP/2, which a custom TLS
	// config otherwise turns off.
	tr := &http.Transport{TLSClientConfig: tc, ForceAttemptHTTP2: true}
	defer tr.CloseIdleConnections()
	req := &batonv1.JoinRequest{TokenId: tok.ID, TokenSecret: tok.Secret, NodeName: a.cfg.Name, Csr: csr}
	for _, ip := range names.IPs {
		req.IpAddresses = append(req.IpAddresses, ip.String())
	}
	client := batonv1connect.NewJoinServiceClient(&http.Client{Transport: tr}, a.cfg.JoinURL())
	jctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	resp, err := client.Join(jctx, connect.NewRequest(req))
	if err != nil {
		if pinErr != nil {
			return nil, fmt.Errorf("agent: --join %s: the agent there is not of the cluster the join token names (%v)", a.cfg.Join, pinErr)
		}
		if e := clusapi.FromConnectError(err); e != nil && e.Win32() != 0 {
			return nil, fmt.Errorf("agent: --join %s refused: %s", a.cfg.Join, e.Error())
		}
		return nil, fmt.Errorf("agent: --join %s: %v", a.cfg.Join, err)
	}
	node, err := a.joinedNode(resp.Msg, key, tok.CAHash)
	if err != nil {
		return nil, err
	}
	if err := node.Save(a.pkiFiles()); err != nil {
		return nil, fmt.Errorf("agent: %w", err)
	}
	if err := a.saveEndpoints(resp.Msg.EtcdClientUrls); err != nil {
		return nil, err
	}
	a.log.Info("admitted to the cluster", "through", a.cfg.Join, "ca", tok.CAHash)
	return node, nil
}

// joinedNode checks what the cluster sent: a CA of the pinned hash, its
// key, and a certificate of this node's key signed by it.
func (a *Agent) joinedNode(m *batonv1.JoinResponse, key *ecdsa.PrivateKey, pin string) (*pki.Node, error) {
	caCert, err := x509.ParseCertificate(m.CaCert)
	if err != nil {
		return nil, fmt.Errorf("agent: join: CA certificate: %w", err)
	}
	if pki.CAHash(caCert) != pin {
		return nil, fmt.Errorf("agent: join: the cluster sent CA %s, the token names %s", pki.CAHash(caCert), pin)
	}
	cert, err := x509.ParseCertificate(m.NodeCert)
	if err != nil {
		return nil, fmt.Errorf("agent: join: node certificate: %w", err)
	}
	ck, err := x509.ParsePKCS8PrivateKey(m.CaKey)
	if err != nil {
		return nil, fmt.Errorf("agent: join: CA key: %w", err)
	}
	caKey, ok := ck.(*ecdsa.PrivateKey)
	if !ok {
		return nil, errors.New("agent: join: CA key: not ECDSA")
	}
	node := &pki.Node{CA: &pki.CA{Cert: caCert, Key: caKey}, Cert: cert, Key: key}
	if err := node.Check(); err != nil {
		return nil, fmt.Errorf("agent: join: %w", err)
	}
	return node, nil
}

func (a *Agent) saveEndpoints(urls []string) error {
	b, err := json.Marshal(urls)
	if err != nil {
		return err
	}
	if err := os.WriteFile(a.endpointsFile(), b, 0o600); err != nil {
		return fmt.Errorf("agent: %w", err)
	}
	return nil
}

// savedEndpoints are the database members' client URLs the node last
// knew.
func (a *Agent) savedEndpoints() ([]string, error) {
	b, err := os.ReadFile(a.endpointsFile())
	if err != nil {
		return nil, fmt.Errorf("agent: the database members' addresses: %w", err)
	}
	var urls []string
	if err := json.Unmarshal(b, &urls); err != nil || len(urls) == 0 {
		return nil, fmt.Errorf("agent: %s: no database members", a.endpointsFile())
	}
	return urls, nil
}

// externalEtcdTLS is the TLS an external etcd (--etcd-endpoints) is
// reached with: --etcd-cacert, --etcd-cert and --etcd-key; nil (plain)
// when none is given and the endpoints are http://.
func (a *Agent) externalEtcdTLS() (*tls.Config, error) {
	secure := a.cfg.EtcdCACert != "" || a.cfg.EtcdCert != ""
	for _, ep := range a.cfg.EtcdEndpoints {
		if strings.HasPrefix(ep, "https://") {
			secure = true
		}
	}
	if !secure {
		// Whoever can write the database owns every node: plain HTTP only
		// to this machine (a test etcd, or one behind a local proxy).
		for _, ep := range a.cfg.EtcdEndpoints {
			if u, err := url.Parse(ep); err != nil || !isLoopback(u.Hostname()) {
				return nil, fmt.Errorf("agent: --etcd-endpoints %s: plain HTTP to another machine; use https:// with --etcd-cacert, --etcd-cert and --etcd-key", ep)
			}
		}
		a.log.Warn("the cluster database is reached without TLS: any local user who can reach it owns the cluster (use https:// with --etcd-cacert, --etcd-cert and --etcd-key)")
		return nil, nil
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if a.cfg.EtcdCACert != "" {
		pem, err := os.ReadFile(a.cfg.EtcdCACert)
		if err != nil {
			return nil, fmt.Errorf("agent: --etcd-cacert: %w", err)
		}
		tc.RootCAs = x509.NewCertPool()
		if !tc.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("agent: --etcd-cacert %s: no PEM certificate", a.cfg.EtcdCACert)
		}
	}
	if a.cfg.EtcdCert != "" {
		c, err := tls.LoadX509KeyPair(a.cfg.EtcdCert, a.cfg.EtcdKey)
		if err != nil {
			return nil, fmt.Errorf("agent: --etcd-cert/--etcd-key: %w", err)
		}
		tc.Certificates = []tls.Certificate{c}
	}
	return tc, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// caFile is the cluster CA's certificate where anyone may read it (the
// data directory's pki/ is the node's alone): clients verify the API
// with it (BATON_CA).
func (a *Agent) caFile() string { return filepath.Join(a.cfg.DataDir, "ca.crt") }

// publishCA writes the CA certificate to caFile and, when the agent links
// a default socket, beside that link too, where clients look by default.
func (a *Agent) publishCA() error {
	pemCA := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: a.pki.CA.Cert.Raw})
	if err := os.WriteFile(a.caFile(), pemCA, 0o644); err != nil {
		return fmt.Errorf("agent: %w", err)
	}
	if a.cfg.DefaultSocket == "" {
		return nil
	}
	link := filepath.Join(filepath.Dir(a.cfg.DefaultSocket), "ca.crt")
	// Not into a /tmp/baton-UID another user made: a link planted there
	// would be written through.
	if err := dial.MakeSocketDir(filepath.Dir(link)); err != nil {
		a.log.Warn("cannot publish the CA certificate beside the default socket", "path", link, "err", err)
		return nil
	}
	if err := os.WriteFile(link, pemCA, 0o644); err != nil {
		a.log.Warn("cannot publish the CA certificate beside the default socket", "path", link, "err", err)
		return nil
	}
	a.closers = append(a.closers, func() {
		if b, err := os.ReadFile(link); err == nil && string(b) == string(pemCA) {
			os.Remove(link)
		}
	})
	return nil
}
