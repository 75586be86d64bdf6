package host_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/batoncluster/baton/internal/agent"
	"github.com/batoncluster/baton/internal/clustertest"
	"github.com/batoncluster/baton/internal/host"
	"github.com/batoncluster/baton/internal/ledger"
	"github.com/batoncluster/baton/internal/ops"
	"github.com/batoncluster/baton/internal/store"
	"github.com/batoncluster/baton/proplist"
)

// A host whose loop is waiting on the database when its lease is lost
// fences at once: the wait ends with the lease. (tests/chaos found a node
// cut off one way whose loop waited 1.9 s on a commit to a database
// member without a leader, past its fencing deadline, while another node
// already ran its groups.) Here the database stops answering — a proxy
// that holds every byte — while the host writes the outcome of an online.
func TestFenceWhileWaitingOnTheDatabase(t *testing.T) {
	db := clustertest.NewDatabase(t)
	px := newStallProxy(t, db.Addr)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{px.addr()}, DialTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	log := slog.New(slog.DiscardHandler)
	st, err := store.Open(ctx, cli, log)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	grant, err := db.Client.Grant(ctx, 60)
	if err != nil {
		t.Fatal(err)
	}
	lease := &testLease{id: grant.ID, lost: make(chan struct{})}
	e := ops.New(st, agent.Types(), "node1")
	led := filepath.Join(t.TempDir(), "ledger")
	if _, err := e.CreateGroup(ctx, "G", nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := e.CreateResource(ctx, "r", "G", "dummy", nil, proplist.List{}.
		Set("Ledger", proplist.SZ(led)).Set("OnlineDelayMs", proplist.DWORD(300))); err != nil {
		t.Fatal(err)
	}
	h := host.New(host.Config{Node: "node1", Store: st, Types: agent.Types(), StateDir: t.TempDir(), Log: log, Lease: lease})
	hctx, hcancel := context.WithCancel(ctx)
	defer hcancel()
	ran := make(chan error, 1)
	go func() { ran <- h.Run(hctx) }()

	if _, err := e.OnlineGroup(ctx, ops.GroupRef{Name: "G"}, "", ops.Request{}); err != nil {
		t.Fatal(err)
	}
	// Once the host has claimed the group and started the online (300
	// ms), the database goes silent: the host's commit of the online's
	// outcome waits.
	deadline := time.Now().Add(10 * time.Second)
	for st.View().Claim("G") == nil {
		if time.Now().After(deadline) {
			t.Fatal("the host never claimed the group")
		}
		time.Sleep(5 * time.Millisecond)
	}
	px.stall()
	for evs, _ := ledger.Read(led); len(evs) == 0; evs, _ = ledger.Read(led) {
		if time.Now().After(deadline) {
			t.Fatal("the dummy never came online")
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond) // the host is in its commit by now
	lostAt := ledger.Now()
	lease.lose()
	select {
	case err := <-ran:
		if !errors.Is(err, host.ErrFenced) {
			t.Fatalf("Run ended with %v, want ErrFenced", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the host did not fence within 5 s of losing its lease: its loop is still waiting on the database")
	}
	evs, err := ledger.Read(led)
	if err != nil {
		t.Fatal(err)
	}
	last := evs[len(evs)-1]
	if last.Kind != ledger.Offline || time.Duration(last.Time-lostAt) > 300*time.Millisecond {
		t.Errorf("the resource stopped %v after the lease was lost (last ledger line %v); want within 300 ms", time.Duration(last.Time-lostAt), last)
	}
	px.heal()
}

type testLease struct {
	id   clientv3.LeaseID
	once sync.Once
	lost chan struct{}
}

func (l *testLease) ID() clientv3.LeaseID { return l.id }
func (l *testLease) Valid(time.Time) bool {
	select {
	case <-l.lost:
		return false
	default:
		return true
	}
}
func (l *testLease) Lost() <-chan struct{} { return l.lost }
func (l *testLease) lose()                 { l.once.Do(func() { close(l.lost) }) }

// stallProxy forwards TCP connections to a target; while stalled it
// holds every byte, both ways, as a database that stopped answering
// without closing anything (no leader, a partition the other way).
type stallProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	cond   *sync.Cond
	held   bool
	closed bool
}

func newStallProxy(t *testing.T, target string) *stallProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &stallProxy{ln: ln, target: target}
	p.cond = sync.NewCond(&p.mu)
	var conns sync.WaitGroup
	var mu sync.Mutex
	var open []net.Conn
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", target)
			if err != nil {
				in.Close()
				continue
			}
			mu.Lock()
			open = append(open, in, out)
			mu.Unlock()
			conns.Add(2)
			go func() { defer conns.Done(); p.pipe(out, in) }()
			go func() { defer conns.Done(); p.pipe(in, out) }()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		p.mu.Lock()
		p.closed = true
		p.cond.Broadcast()
		p.mu.Unlock()
		mu.Lock()
		for _, c := range open {
			c.Close()
		}
		mu.Unlock()
		conns.Wait()
	})
	return p
}

func (p *stallProxy) addr() string { return p.ln.Addr().String() }

func (p *stallProxy) stall() { p.mu.Lock(); p.held = true; p.mu.Unlock() }

func (p *stallProxy) heal() {
	p.mu.Lock()
	p.held = false
	p.cond.Broadcast()
	p.mu.Unlock()
}

func (p *stallProxy) pipe(dst io.WriteCloser, src io.Reader) {
	defer dst.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		p.mu.Lock()
		for p.held && !p.closed {
			p.cond.Wait()
		}
		closed := p.closed
		p.mu.Unlock()
		if closed {
			return
		}
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}
