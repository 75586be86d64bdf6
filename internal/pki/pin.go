package pki

import (
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// HashPrefix starts every CA hash: the hash of the CA certificate's
// public key (its SubjectPublicKeyInfo), as kubeadm's
// --discovery-token-ca-cert-hash, so a CA re-signed with the same key
// keeps its hash.
const HashPrefix = "sha256:"

// CAHash is the pin of a CA certificate: "sha256:" and 64 hex digits.
func CAHash(ca *x509.Certificate) string {
	sum := sha256.Sum256(ca.RawSubjectPublicKeyInfo)
	return HashPrefix + hex.EncodeToString(sum[:])
}

// ValidHash checks the form of a CA hash.
func ValidHash(h string) error {
	rest, ok := strings.CutPrefix(h, HashPrefix)
	if _, err := hex.DecodeString(rest); !ok || len(rest) != 64 || err != nil {
		return fmt.Errorf("pki: CA hash %q: want sha256: and 64 hex digits", h)
	}
	return nil
}

// ErrPinMismatch means a server's certificate does not chain to the CA
// the caller pinned.
var ErrPinMismatch = errors.New("pki: the server's certificate is not from the pinned cluster CA")

// PinnedTLS is a client TLS configuration that trusts exactly one CA, the
// one whose hash is pin: the server must send that CA's certificate after
// its own (the agent does), the CA must match the pin, and the server's
// certificate must be signed by it and name serverName (an IP or a DNS
// name). It is for callers that know the hash but not yet the CA, as a
// joining node from its join token.
func PinnedTLS(pin, serverName string) (*tls.Config, error) {
	if err := ValidHash(pin); err != nil {
		return nil, err
	}
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		// The chain is verified below, against the pinned CA alone.
		InsecureSkipVerify: true,
		VerifyConnection: func(cs tls.ConnectionState) error {
			return verifyPinned(cs.PeerCertificates, pin, serverName)
		},
	}, nil
}

func verifyPinned(certs []*x509.Certificate, pin, serverName string) error {
	if len(certs) < 2 {
		return fmt.Errorf("%w: the server sent no CA certificate", ErrPinMismatch)
	}
	var ca *x509.Certificate
	for _, c := range certs[1:] {
		if subtle.ConstantTimeCompare([]byte(CAHash(c)), []byte(pin)) == 1 {
			ca = c
		}
	}
	if ca == nil {
		return ErrPinMismatch
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	_, err := certs[0].Verify(x509.VerifyOptions{Roots: roots, DNSName: serverName,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	if err != nil {
		return fmt.Errorf("%w: %v", ErrPinMismatch, err)
	}
	return nil
}
