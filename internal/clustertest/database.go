package clustertest

import (
	"context"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/batoncluster/baton/internal/config"
	"github.com/batoncluster/baton/internal/etcdmember"
)

// Database is an etcd member of the test's own, which nodes reach as an
// external database (config.Config.EtcdEndpoints, plain HTTP on loopback):
// the test writes to it and compacts it behind the nodes' backs, and puts
// a Proxy between it and a node to cut the node off.
type Database struct {
	Addr   string           // host:port of its client port
	Client *clientv3.Client // the test's own client, through no proxy
}

// NewDatabase starts a one-member etcd; it stops at the end of the test,
// after the nodes started later (cleanups run in reverse).
func NewDatabase(t testing.TB) *Database {
	t.Helper()
	return NewDatabaseWith(t, nil)
}

// NewDatabaseWith is NewDatabase with a change to the member's
// configuration (its limits, say).
func NewDatabaseWith(t testing.TB, edit func(*etcdmember.Config)) *Database {
	t.Helper()
	c, err := config.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	p, err := config.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	mc := etcdmember.Config{Name: "db", DataDir: t.TempDir(), ClientURL: "http://" + c, PeerURL: "http://" + p, TickMs: 100, ElectionMs: 500}
	if edit != nil {
		edit(&mc)
	}
	m, err := etcdmember.Start(ctx, mc)
	if err != nil {
		t.Fatalf("start database: %v", err)
	}
	t.Cleanup(m.Close)
	return &Database{Addr: c, Client: m.Client}
}

// Proxy forwards TCP connections to an address until Cut, which drops
// every connection at once and refuses new ones until Heal: a network
// partition between one node and what it reaches through the proxy.
type Proxy struct {
	ln     net.Listener
	target string
	wg     sync.WaitGroup

	mu    sync.Mutex // guards conns and cut
	conns map[net.Conn]struct{}
	cut   bool
}

// NewProxy starts a proxy to target (host:port); it stops at the end of
// the test.
func NewProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{ln: ln, target: target, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(func() {
		ln.Close()
		p.Cut()
		p.wg.Wait()
	})
	return p
}

// Addr is where to connect instead of the target.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Cut closes every connection through the proxy and refuses new ones.
func (p *Proxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = true
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}

// Heal lets connections through again.
func (p *Proxy) Heal() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = false
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		in, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.forward(in)
		}()
	}
}

// forward copies both ways between in and a new connection to the
// target, until either side ends or the proxy is cut.
func (p *Proxy) forward(in net.Conn) {
	out, err := net.DialTimeout("tcp", p.target, 5*time.Second)
	if err != nil {
		in.Close()
		return
	}
	if !p.track(in, out) {
		in.Close()
		out.Close()
		return
	}
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		done <- struct{}{}
	}
	go pipe(out, in)
	go pipe(in, out)
	<-done
	in.Close()
	out.Close()
	<-done
	p.mu.Lock()
	delete(p.conns, in)
	delete(p.conns, out)
	p.mu.Unlock()
}

// track registers a connection pair, unless the proxy is cut.
func (p *Proxy) track(conns ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cut {
		return false
	}
	for _, c := range conns {
		p.conns[c] = struct{}{}
	}
	return true
}
