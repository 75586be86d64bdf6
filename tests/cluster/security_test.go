//go:build linux

package cluster

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/batoncluster/baton/internal/pki"
)

// TestDatabaseClosedToStrangers attacks the database of a three-node
// cluster as someone who can reach its ports but holds no certificate of
// the cluster: etcd's JSON gateway (plain and over TLS), gRPC without a
// certificate and with one from another CA, and the peer port. Nothing
// answers, nothing is written; the nodes' own certificates still work,
// which shows the attacks reached a live database.
func TestDatabaseClosedToStrangers(t *testing.T) {
	c := loopbackClusterAt(t, 60, 3)
	c.start(t)
	c.awaitAllUp(t)

	// A certificate an attacker could make: a CA of its own, a node of it.
	otherCA, err := pki.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	stranger, err := pki.NewNode(otherCA, pki.Names{Node: "n1"})
	if err != nil {
		t.Fatal(err)
	}
	const key = "/baton/v1/tokens/attacker"
	// Every attack at once: a refused gRPC call waits out its deadline
	// (the client retries the failed handshakes), 3 s each.
	var wg sync.WaitGroup
	attack := func(f func()) {
		wg.Add(1)
		go func() { defer wg.Done(); f() }()
	}
	for _, n := range c.nodes {
		client := "https://" + net.JoinHostPort(n.ip, "7411")
		peer := net.JoinHostPort(n.ip, "7412")

		// etcd's JSON gateway, as curl would be used: plain HTTP, and TLS
		// without a client certificate.
		put := `{"key":"` + b64(key) + `","value":"` + b64(`{"name":"attacker","sha256":"00"}`) + `"}`
		for _, u := range []string{"http://" + net.JoinHostPort(n.ip, "7411"), client} {
			if body, err := httpPost(u+"/v3/kv/put", put, nil); err == nil {
				t.Errorf("%s: the JSON gateway answered %q", u, body)
			}
		}
		if body, err := httpPost("https://"+peer+"/members", "", nil); err == nil {
			t.Errorf("%s: the peer port answered %q", peer, body)
		}
		if body, err := httpGet("http://" + peer + "/members"); err == nil {
			t.Errorf("%s: the peer port answered plain HTTP: %q", peer, body)
		}
		// gRPC without a certificate, and with another CA's.
		for what, tc := range map[string]*tls.Config{
			"no certificate":           {InsecureSkipVerify: true},
			"another CA's certificate": {InsecureSkipVerify: true, Certificates: []tls.Certificate{strangerCert(stranger)}},
		} {
			attack(func() {
				if err := etcdPut(client, tc, key); err == nil {
					t.Errorf("%s with %s: put accepted", client, what)
				}
			})
			attack(func() {
				if got, err := etcdGet(client, tc, "/baton/v1/"); err == nil {
					t.Errorf("%s with %s: read %d keys", client, what, got)
				}
			})
		}
	}
	wg.Wait()
	// The control: a node's own certificate reads the database, and no
	// attack wrote anything.
	tc, err := c.nodes[0].etcdTLS()
	if err != nil {
		t.Fatal(err)
	}
	if got, err := etcdGet("https://"+net.JoinHostPort(c.nodes[0].ip, "7411"), tc, "/baton/v1/"); err != nil || got == 0 {
		t.Fatalf("with the node's own certificate: %d keys, %v", got, err)
	}
	if got, err := etcdGet("https://"+net.JoinHostPort(c.nodes[0].ip, "7411"), tc, key); err != nil || got != 0 {
		t.Errorf("the attacker's key: %d, %v", got, err)
	}
}

// TestAPIOverTLSOnly: the TCP API refuses plain HTTP, and serves TLS with
// a certificate the cluster CA signed, naming the node's address.
func TestAPIOverTLSOnly(t *testing.T) {
	c := loopbackClusterAt(t, 64, 1)
	n := c.nodes[0]
	n.db = []string{}
	n.spawn(t)
	awaitUpAmong(t, c.nodes)
	api := net.JoinHostPort(n.ip, "7410")
	body, err := httpPost("http://"+api+"/baton.v1.ClusterService/OpenCluster", "{}", http.Header{"Content-Type": {"application/json"}})
	if err == nil && !strings.Contains(body, "HTTPS") {
		t.Errorf("plain HTTP to the API answered %q", body)
	}
	ca, err := pki.ReadCert(filepath.Join(n.dir, "ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	tc, err := pki.PinnedTLS(pki.CAHash(ca), n.ip)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := tls.Dial("tcp", api, tc)
	if err != nil {
		t.Fatalf("TLS to the API, verified against the cluster CA: %v", err)
	}
	conn.Close()
	// Pinned to another CA, the same server is refused.
	other, _ := pki.NewCA()
	tc, _ = pki.PinnedTLS(other.Hash(), n.ip)
	if conn, err := tls.Dial("tcp", api, tc); err == nil {
		conn.Close()
		t.Errorf("a client pinned to another CA accepted the API's certificate")
	}
	// The CA certificate beside the socket is world-readable (clients need
	// it); the keys in pki/ are the node's alone.
	for _, f := range []string{"ca.key", "node.key"} {
		fi, err := os.Stat(filepath.Join(n.dir, "pki", f))
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("pki/%s: %v %v, want mode 0600", f, fi.Mode(), err)
		}
	}
}

// TestJoinRefusedOnRealAgents: the baton binary started with --join and
// no token, a wrong secret, or a token naming another cluster's CA exits
// with an error that says why; the cluster's database members and node
// records stay as they were; the right token then admits the node.
func TestJoinRefusedOnRealAgents(t *testing.T) {
	c := loopbackClusterAt(t, 66, 2)
	n1, n2 := c.nodes[0], c.nodes[1]
	n1.db = []string{}
	n1.spawn(t)
	awaitUpAmong(t, c.nodes[:1])
	good := n1.joinToken(t)
	before, err := listMembers(c)
	if err != nil {
		t.Fatal(err)
	}
	i := strings.LastIndexByte(good, ':')
	id, _, _ := strings.Cut(good[i+1:], ".")
	wrongSecret := good[:i+1] + id + "." + strings.Repeat("0", 32)
	other, _ := pki.NewCA()
	wrongCA := "baton-join:v1:" + other.Hash() + good[i:]
	for _, tc := range []struct{ name, token, want string }{
		{"no token", "", "--join needs --join-token"},
		{"wrong secret", wrongSecret, "ERROR_ACCESS_DENIED (5)"},
		{"another cluster's CA", wrongCA, "not of the cluster the join token names"},
	} {
		args := []string{"agent", "--name", n2.name, "--data-dir", n2.dir, "--advertise", n2.ip, "--default-socket=", "--join", n1.ip}
		if tc.token != "" {
			args = append(args, "--join-token", tc.token)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		out, err := exec.CommandContext(ctx, batonBin, args...).CombinedOutput()
		cancel()
		if err == nil || !strings.Contains(string(out), tc.want) {
			t.Errorf("%s: %v, said:\n%s\nwant it to say %q", tc.name, err, out, tc.want)
		}
		if _, err := os.Stat(filepath.Join(n2.dir, "pki", "node.crt")); err == nil {
			t.Errorf("%s: the refused node has a certificate", tc.name)
		}
	}
	after, err := listMembers(c)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("members %v after refused joins, %v before", after, before)
	}
	if nodes := mustJSON[[]nodeJSON](t, n1, "node", "list"); len(nodes) != 1 {
		t.Errorf("node records after refused joins: %+v", nodes)
	}
	n2.db = []string{"--join", n1.ip, "--join-token", good}
	n2.spawn(t)
	awaitUpAmong(t, c.nodes)
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func strangerCert(n *pki.Node) tls.Certificate {
	return tls.Certificate{Certificate: [][]byte{n.Cert.Raw}, PrivateKey: n.Key}
}

func httpClient() *http.Client {
	return &http.Client{Timeout: 3 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, DisableKeepAlives: true}}
}

func httpPost(url, body string, h http.Header) (string, error) {
	req, err := http.NewRequest("POST", url, bytes.NewBufferString(body))
	if err != nil {
		return "", err
	}
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := httpClient().Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return string(b), nil
}

func httpGet(url string) (string, error) {
	resp, err := httpClient().Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return string(b), nil
}

func etcdClient(endpoint string, tc *tls.Config) (*clientv3.Client, error) {
	return clientv3.New(clientv3.Config{Endpoints: []string{endpoint}, DialTimeout: 2 * time.Second, Logger: zap.NewNop(), TLS: tc})
}

func etcdPut(endpoint string, tc *tls.Config, key string) error {
	cli, err := etcdClient(endpoint, tc)
	if err != nil {
		return err
	}
	defer cli.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	_, err = cli.Put(ctx, key, `{"name":"attacker"}`)
	return err
}

func etcdGet(endpoint string, tc *tls.Config, prefix string) (int, error) {
	cli, err := etcdClient(endpoint, tc)
	if err != nil {
		return 0, err
	}
	defer cli.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	resp, err := cli.Get(ctx, prefix, clientv3.WithPrefix(), clientv3.WithCountOnly())
	if err != nil {
		return 0, err
	}
	return int(resp.Count), nil
}
