package dial

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
	"github.com/batoncluster/baton/api/baton/v1/batonv1connect"
	"github.com/batoncluster/baton/internal/pki"
)

// testCA is a cluster CA made for a test, as the agent's (ECDSA P-256).
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	file string // its certificate, PEM
}

func newTestCA(t *testing.T) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "test cluster CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "ca.crt")
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	return &testCA{cert: cert, key: key, file: file}
}

// serverCert is a certificate for 127.0.0.1 with the CA after it, as the
// agent sends its chain.
func (ca *testCA) serverCert(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "node1"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:     []string{"node1"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der, ca.cert.Raw}, PrivateKey: key}
}

// tlsAgent is a fake agent over TLS: OpenCluster, and Watch sending three
// events; it records the protocol and headers of the last request.
type tlsAgent struct {
	batonv1connect.UnimplementedClusterServiceHandler
	batonv1connect.UnimplementedEventServiceHandler

	mu     sync.Mutex
	proto  string
	header http.Header
}

func (f *tlsAgent) OpenCluster(context.Context, *connect.Request[batonv1.OpenClusterRequest]) (*connect.Response[batonv1.OpenClusterResponse], error) {
	return connect.NewResponse(&batonv1.OpenClusterResponse{ClusterName: "tls"}), nil
}

func (f *tlsAgent) Watch(_ context.Context, _ *connect.Request[batonv1.WatchRequest], s *connect.ServerStream[batonv1.Event]) error {
	for i := int64(1); i <= 3; i++ {
		if err := s.Send(&batonv1.Event{Revision: i, Kind: "group"}); err != nil {
			return err
		}
	}
	return nil
}

func (f *tlsAgent) last() (string, http.Header) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.proto, f.header
}

func (f *tlsAgent) handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle(batonv1connect.NewClusterServiceHandler(f))
	mux.Handle(batonv1connect.NewEventServiceHandler(f))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.proto, f.header = r.Proto, r.Header.Clone()
		f.mu.Unlock()
		mux.ServeHTTP(w, r)
	})
}

// serveTLS starts f with a certificate from ca and returns its https
// address (https://127.0.0.1:PORT).
func serveTLS(t *testing.T, f *tlsAgent, ca *testCA) string {
	t.Helper()
	srv := httptest.NewUnstartedServer(f.handler())
	srv.EnableHTTP2 = true
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{ca.serverCert(t)}}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv.URL
}

// noLocalAgent makes DefaultCAFile a path in an empty directory.
func noLocalAgent(t *testing.T) string {
	t.Helper()
	euid = func() int { return 4242 }
	t.Cleanup(func() { euid = os.Geteuid })
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	t.Setenv(EnvCA, "")
	t.Setenv(EnvToken, "")
	return DefaultCAFile()
}

func openCluster(t *testing.T, addr string, o Options) error {
	t.Helper()
	c, err := New(addr, o)
	if err != nil {
		t.Fatalf("New(%q, %+v): %v", addr, o, err)
	}
	defer c.Close()
	_, err = c.Cluster.OpenCluster(context.Background(), connect.NewRequest(&batonv1.OpenClusterRequest{}))
	return err
}

func TestTLSTrustsTheClusterCA(t *testing.T) {
	def := noLocalAgent(t)
	ca := newTestCA(t)
	f := &tlsAgent{}
	addr := serveTLS(t, f, ca)

	for name, o := range map[string]Options{
		"PEM file": {CA: ca.file, Token: "baton_x"},
		"pin":      {CA: pki.CAHash(ca.cert), Token: "baton_x"},
	} {
		t.Run(name, func(t *testing.T) {
			c, err := New(addr, o)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			ctx := context.Background()
			if _, err := c.Cluster.OpenCluster(ctx, connect.NewRequest(&batonv1.OpenClusterRequest{})); err != nil {
				t.Fatalf("OpenCluster: %v", err)
			}
			proto, h := f.last()
			if proto != "HTTP/2.0" {
				t.Errorf("protocol %s, want HTTP/2.0", proto)
			}
			if got := h.Get("Authorization"); got != "Bearer baton_x" {
				t.Errorf("Authorization over https = %q", got)
			}
			// The streaming call works over HTTP/2 and TLS.
			s, err := c.Events.Watch(ctx, connect.NewRequest(&batonv1.WatchRequest{}))
			if err != nil {
				t.Fatal(err)
			}
			var revs []int64
			for s.Receive() {
				revs = append(revs, s.Msg().Revision)
			}
			if err := s.Err(); err != nil || len(revs) != 3 {
				t.Errorf("Watch: %v, %v; want 3 events", revs, err)
			}
		})
	}

	t.Run("BATON_CA", func(t *testing.T) {
		t.Setenv(EnvCA, ca.file)
		if err := openCluster(t, addr, Options{}); err != nil {
			t.Error(err)
		}
		t.Setenv(EnvCA, pki.CAHash(ca.cert))
		if err := openCluster(t, addr, Options{}); err != nil {
			t.Error(err)
		}
	})

	t.Run("the local agent's ca.crt", func(t *testing.T) {
		if err := os.MkdirAll(filepath.Dir(def), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(ca.file, def); err != nil {
			t.Fatal(err)
		}
		defer os.Remove(def)
		if err := openCluster(t, addr, Options{}); err != nil {
			t.Error(err)
		}
	})
}

func TestTLSRefusesOtherCertificates(t *testing.T) {
	noLocalAgent(t)
	ca, other := newTestCA(t), newTestCA(t)
	f := &tlsAgent{}
	addr := serveTLS(t, f, ca)
	plain := httptest.NewServer(f.handler())
	defer plain.Close()

	t.Setenv(EnvCA, other.file)
	for _, c := range []struct {
		name, addr string
		o          Options
		want       []string
	}{
		{"another CA's file", addr, Options{CA: other.file}, []string{"not from the cluster CA", "CA " + other.file}},
		{"another CA from BATON_CA", addr, Options{}, []string{"not from the cluster CA", "BATON_CA=" + other.file}},
		{"another CA's pin", addr, Options{CA: pki.CAHash(other.cert)}, []string{"not from the cluster CA", pki.CAHash(other.cert)}},
		{"no CA: the system's roots", addr, Options{CA: ""}, nil}, // set below
		{"a name the certificate lacks", strings.Replace(addr, "127.0.0.1", "localhost", 1), Options{CA: ca.file}, []string{"does not name the address"}},
		{"an agent without TLS", strings.Replace(plain.URL, "http:", "https:", 1), Options{CA: ca.file}, []string{"does not answer with TLS"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.want == nil {
				t.Setenv(EnvCA, "")
				c.want = []string{"not from the cluster CA", "the system's trusted roots", "set BATON_CA"}
			}
			err := openCluster(t, c.addr, c.o)
			var ce *CertError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want a *CertError", err)
			}
			if connect.CodeOf(err) != connect.CodeUnavailable {
				t.Errorf("Connect code %v, want unavailable (as other transport failures)", connect.CodeOf(err))
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("err = %v\nwant it to say %q", err, w)
				}
			}
		})
	}
	if _, h := f.last(); h != nil {
		t.Errorf("a refused agent received a request: %v", h)
	}
}

func TestTLSBadCAOption(t *testing.T) {
	noLocalAgent(t)
	notPEM := filepath.Join(t.TempDir(), "ca.crt")
	if err := os.WriteFile(notPEM, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	for ca, want := range map[string]string{
		"sha256:1234":                        "64 hex digits",
		filepath.Join(t.TempDir(), "nosuch"): "no such file",
		notPEM:                               "no PEM certificate",
	} {
		if _, err := New("https://127.0.0.1:7410", Options{CA: ca}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("New with CA %q: %v, want an error saying %q", ca, err, want)
		}
	}
	// The CA matters to https alone.
	if _, err := New("http://127.0.0.1:7410", Options{CA: "sha256:1234"}); err != nil {
		t.Errorf("http with a CA: %v", err)
	}
}

func TestHTTPToAnHTTPSAgent(t *testing.T) {
	noLocalAgent(t)
	ca := newTestCA(t)
	addr := serveTLS(t, &tlsAgent{}, ca)
	plain := strings.Replace(addr, "https:", "http:", 1)
	err := openCluster(t, plain, Options{})
	if !errors.Is(err, ErrHTTPSOnly) || !strings.Contains(err.Error(), "use "+addr) {
		t.Errorf("http:// to an https agent: %v, want ErrHTTPSOnly saying to use %s", err, addr)
	}
	if connect.CodeOf(err) != connect.CodeUnavailable {
		t.Errorf("Connect code %v, want unavailable", connect.CodeOf(err))
	}
	t.Log(err)
	// Another 400 passes as it is.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "no", http.StatusBadRequest)
	}))
	defer srv.Close()
	if err := openCluster(t, srv.URL, Options{}); errors.Is(err, ErrHTTPSOnly) || err == nil {
		t.Errorf("a plain 400: %v", err)
	}
}
