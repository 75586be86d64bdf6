package agent

import (
	"net"
	"testing"
	"time"
)

func TestConnLimitsStayBelowTheDescriptorLimit(t *testing.T) {
	for _, c := range []struct {
		max       int
		nofile    uint64
		tcp, sock int
	}{
		{0, 1024, 576, 192},
		{0, 4096, 2304, 768},
		{0, 20000, 4096, 1024},
		{0, 1 << 20, 4096, 1024},
		{0, 0, 4096, 1024}, // unknown
		{0, 256, 16, 16},   // tiny: a floor
		{100, 20000, 100, 1024},
	} {
		tcp, sock := connLimits(c.max, c.nofile)
		if tcp != c.tcp || sock != c.sock {
			t.Errorf("connLimits(%d, %d) = %d, %d; want %d, %d", c.max, c.nofile, tcp, sock, c.tcp, c.sock)
		}
		if c.max == 0 && c.nofile >= 1024 && uint64(tcp+sock) > c.nofile*3/4 {
			t.Errorf("nofile %d: %d+%d leaves too little for the database", c.nofile, tcp, sock)
		}
	}
}

func TestLimitListenerWaitsForAPlace(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := newLimitListener(inner, 1)
	defer l.Close()
	accepted := make(chan net.Conn, 2)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				close(accepted)
				return
			}
			accepted <- c
		}
	}()
	for range 2 {
		c, err := net.Dial("tcp", inner.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
	}
	first := <-accepted
	select {
	case <-accepted:
		t.Fatal("a second connection accepted past the limit of 1")
	case <-time.After(200 * time.Millisecond):
	}
	if _, ok := first.(interface{ NetConn() net.Conn }); !ok {
		t.Error("the connection does not give its inner connection (peer credentials need it)")
	}
	first.Close()
	select {
	case c := <-accepted:
		c.Close()
	case <-time.After(5 * time.Second):
		t.Fatal("the second connection not accepted after the first closed")
	}
	l.Close()
	if _, ok := <-accepted; ok {
		t.Error("Accept after Close")
	}
}

func TestMemoryLimit(t *testing.T) {
	const gib = 1 << 30
	for _, c := range []struct{ total, cgroup, want int64 }{
		{16 * gib, 0, 4 * gib},
		{16 * gib, 2 * gib, 1536 << 20},
		{16 * gib, 64 * gib, 4 * gib},
		{0, 2 * gib, 1536 << 20},
		{0, 0, 0},
	} {
		if got := memoryLimit(c.total, c.cgroup); got != c.want {
			t.Errorf("memoryLimit(%d, %d) = %d, want %d", c.total, c.cgroup, got, c.want)
		}
	}
	if machineMemory() <= 0 {
		t.Error("no MemTotal in /proc/meminfo")
	}
}
