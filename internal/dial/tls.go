package dial

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/batoncluster/baton/internal/pki"
)

// EnvCA names the environment variable holding the cluster CA that an
// https agent's certificate must come from: a PEM file of the CA's
// certificate, or its pin "sha256:<64 hex digits>" (the hash of its
// public key, as printed in join tokens).
const EnvCA = "BATON_CA"

// DefaultCAFile is where a client looks for the cluster CA when neither
// Options.CA nor $BATON_CA names one: ca.crt next to the default socket,
// where a local agent links its CA.
func DefaultCAFile() string { return filepath.Join(filepath.Dir(DefaultSocket()), "ca.crt") }

// CertError is an agent whose TLS handshake the client refused: its
// certificate is not from the cluster CA or does not name the address, or
// it does not speak TLS at all.
type CertError struct {
	Addr  string // host:port dialled
	Trust string // what the certificate was checked against, for people
	Err   error
}

func (e *CertError) Error() string {
	var (
		rh tls.RecordHeaderError
		he x509.HostnameError
	)
	switch {
	case errors.As(e.Err, &rh):
		return fmt.Sprintf("dial: the agent at %s does not answer with TLS (is it an https address of an agent?): %v", e.Addr, e.Err)
	case errors.As(e.Err, &he):
		return fmt.Sprintf("dial: the agent's certificate at %s does not name the address dialled (%s): %v", e.Addr, e.Trust, e.Err)
	}
	return fmt.Sprintf("dial: the agent's certificate at %s is not from the cluster CA (%s): %v", e.Addr, e.Trust, e.Err)
}

func (e *CertError) Unwrap() error { return e.Err }

// refused reports whether a handshake error is the client refusing the
// server (its certificate, or no TLS at all), not a network failure.
func refused(err error) bool {
	var (
		ve *tls.CertificateVerificationError
		ua x509.UnknownAuthorityError
		he x509.HostnameError
		ci x509.CertificateInvalidError
		rh tls.RecordHeaderError
	)
	return errors.As(err, &ve) || errors.As(err, &ua) || errors.As(err, &he) || errors.As(err, &ci) ||
		errors.As(err, &rh) || errors.Is(err, pki.ErrPinMismatch)
}

// trust is how the client checks an https agent.
type trust struct {
	config *tls.Config // ServerName left to each dial
	desc   string      // e.g. "BATON_CA=/etc/baton/ca.crt"
}

// clientTrust resolves the CA: ca (an option), else $BATON_CA, else
// DefaultCAFile if it exists, else the system's roots.
func clientTrust(ca, host string) (*trust, error) {
	desc := "CA " + ca
	if ca == "" {
		ca = os.Getenv(EnvCA)
		desc = EnvCA + "=" + ca
	}
	if ca == "" {
		def := DefaultCAFile()
		if err := checkSocketPath(def); err != nil {
			return nil, err
		}
		if _, err := os.Stat(def); err == nil {
			ca, desc = def, "the local agent's CA "+def+"; set "+EnvCA+" to another"
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("dial: the local agent's CA %s: %w", def, err)
		}
	}
	base := &tls.Config{MinVersion: tls.VersionTLS12}
	switch {
	case ca == "":
		desc = "no cluster CA given, checked against the system's trusted roots; set " + EnvCA + " to the cluster CA's file or sha256: hash"
	case strings.HasPrefix(ca, pki.HashPrefix):
		cfg, err := pki.PinnedTLS(ca, host)
		if err != nil {
			return nil, fmt.Errorf("dial: %s: %w", desc, err)
		}
		base = cfg
	default:
		pem, err := os.ReadFile(ca)
		if err != nil {
			return nil, fmt.Errorf("dial: cluster CA (%s): %w", desc, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("dial: cluster CA (%s): no PEM certificate in the file", desc)
		}
		base.RootCAs = pool
	}
	base.ServerName = host
	base.NextProtos = []string{"h2", "http/1.1"}
	return &trust{config: base, desc: desc}, nil
}

// dialTLS dials addr and does the TLS handshake, so that a refused
// certificate is a *CertError that says what the client trusts.
func (tr *trust) dialTLS(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	raw, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	tc := tls.Client(raw, tr.config)
	if err := tc.HandshakeContext(ctx); err != nil {
		raw.Close()
		if ctx.Err() != nil || !refused(err) {
			return nil, fmt.Errorf("dial: TLS handshake with %s: %w", addr, err)
		}
		return nil, &CertError{Addr: addr, Trust: tr.desc, Err: err}
	}
	return tc, nil
}
