package agent

// The API's listeners: the Unix socket (peer credentials) and TCP.

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/batoncluster/baton/internal/dial"
	"github.com/batoncluster/baton/internal/server"
	"github.com/batoncluster/baton/internal/web"
)

// Timeouts of the API's connections. A TLS handshake must finish within
// the shortest of the header, read and write timeouts (Go's http.Server),
// here readHeaderTimeout.
const (
	// readHeaderTimeout bounds the reading of a request's headers, and
	// so how long a connection may stay open before it has said who it is.
	readHeaderTimeout = 10 * time.Second
	// readTimeout bounds the reading of a whole request: a body of
	// server.MaxRequestBytes at 150 kB/s. Watch streams are exempt once
	// admitted.
	readTimeout = 30 * time.Second
	// writeTimeout bounds the writing of an answer, set per request
	// (answers are small; Watch streams are exempt once admitted).
	writeTimeout = 30 * time.Second
	// idleTimeout closes a connection with no request (HTTP/1.1) or no
	// stream (HTTP/2) for this long; clients connect again.
	idleTimeout = 2 * time.Minute
	// maxHeaderBytes bounds a request's headers (a token is 50 bytes).
	maxHeaderBytes = 64 << 10
)

func (a *Agent) serve(srv *server.Server) error {
	mux := http.NewServeMux()
	srv.Mount(mux)
	if a.cfg.MetricsPublic {
		mux.Handle("GET /metrics", srv.CheckHost(a.metrics.Handler()))
	} else {
		mux.Handle("GET /metrics", srv.RequireRead(a.metrics.Handler()))
	}
	mux.Handle("/ui/", srv.CheckHost(web.Handler()))
	protos := new(http.Protocols)
	protos.SetHTTP1(true)
	protos.SetHTTP2(true)            // over TLS on TCP (ALPN)
	protos.SetUnencryptedHTTP2(true) // gRPC clients over the socket
	a.http = &http.Server{Handler: writeDeadline(mux), ConnContext: server.ConnContext, Protocols: protos,
		ReadHeaderTimeout: readHeaderTimeout, ReadTimeout: readTimeout, IdleTimeout: idleTimeout,
		MaxHeaderBytes: maxHeaderBytes}
	tcpMax, sockMax := connLimits(a.cfg.MaxConns, nofileLimit())

	a.sockPath = filepath.Join(a.cfg.DataDir, "baton.sock")
	_ = os.Remove(a.sockPath) // a stale socket from a killed agent
	ul, err := net.Listen("unix", a.sockPath)
	if err != nil {
		return fmt.Errorf("agent: socket: %w", err)
	}
	// Anyone may connect; the peer credentials decide what they may do.
	if err := os.Chmod(a.sockPath, 0o666); err != nil {
		ul.Close()
		return fmt.Errorf("agent: socket: %w", err)
	}
	ul = newLimitListener(ul, sockMax)
	tl, err := net.Listen("tcp", a.cfg.HTTPAddr)
	if err != nil {
		ul.Close()
		return fmt.Errorf("agent: --http-addr: %w", err)
	}
	a.tcpAddr = tl.Addr().String()
	srv.AllowHosts(a.apiHosts())
	// Below the descriptor limit: past it the embedded database could not
	// open a file or a connection either.
	tl = newLimitListener(tl, tcpMax)
	a.log.Debug("api connection limits", "tcp", tcpMax, "socket", sockMax)
	if a.apiTLS != nil {
		tl = tls.NewListener(tl, a.apiTLS)
	}
	for _, l := range []net.Listener{ul, tl} {
		a.wg.Add(1)
		go func() {
			defer a.wg.Done()
			if err := a.http.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
				a.log.Error("api server stopped", "err", err)
			}
		}()
	}
	a.closers = append(a.closers, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = a.http.Shutdown(ctx)
		srv.Close()
	})
	a.linkDefaultSocket()
	return nil
}

// writeDeadline gives each request writeTimeout to write its answer (the
// edge lifts it for admitted Watch streams).
func writeDeadline(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(writeTimeout))
		next.ServeHTTP(w, r)
	})
}

// nofileLimit is the process's descriptor limit (Go raises the soft limit
// to the hard one at start); 0 if unknown.
func nofileLimit() uint64 {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 0
	}
	return rl.Cur
}

// connLimits are the most connections the TCP API and the Unix socket
// keep open. Of the descriptor limit, a quarter (at least 256) is kept
// for the embedded database, resource processes, plugins and files; the
// TCP API gets three quarters of the rest, at most 4096 (each idle
// connection costs tens of kilobytes), unless --max-connections says; the
// socket a quarter, at most 1024. Neither goes below 16.
func connLimits(maxConns int, nofile uint64) (tcp, sock int) {
	if nofile == 0 || nofile > 1<<30 {
		nofile = 1 << 20
	}
	avail := int(nofile) - max(256, int(nofile/4))
	tcp = min(max(avail*3/4, 16), 4096)
	if maxConns > 0 {
		tcp = maxConns
	}
	sock = min(max(avail/4, 16), 1024)
	return tcp, sock
}

// apiHosts are the names the TCP API answers to (Host header), against
// DNS rebinding: nil (any) when it listens on a loopback address; else
// its address (every local address when it listens on all), the node's
// name, localhost and --api-host (loopback addresses always pass).
func (a *Agent) apiHosts() []string {
	host, _, err := net.SplitHostPort(a.tcpAddr)
	if err != nil {
		return nil
	}
	ip := net.ParseIP(host)
	if ip != nil && ip.IsLoopback() {
		return nil
	}
	hosts := append([]string{"localhost", a.cfg.Name}, a.cfg.APIHosts...)
	if ip == nil || !ip.IsUnspecified() {
		return append(hosts, host)
	}
	addrs, _ := net.InterfaceAddrs()
	for _, ad := range addrs {
		if n, ok := ad.(*net.IPNet); ok {
			hosts = append(hosts, n.IP.String())
		}
	}
	if hn, err := os.Hostname(); err == nil {
		hosts = append(hosts, hn)
	}
	return hosts
}

// linkDefaultSocket points the well-known socket path at this agent, so
// the CLI finds it with no configuration, and removes the link at exit.
func (a *Agent) linkDefaultSocket() {
	link := a.cfg.DefaultSocket
	if link == "" {
		return
	}
	// /tmp/baton-UID is made 0700, and refused if another user made it.
	if err := dial.MakeSocketDir(filepath.Dir(link)); err != nil {
		a.log.Warn("cannot link default socket", "path", link, "err", err)
		return
	}
	_ = os.Remove(link)
	if err := os.Symlink(a.sockPath, link); err != nil {
		a.log.Warn("cannot link default socket", "path", link, "err", err)
		return
	}
	a.closers = append(a.closers, func() {
		if dst, err := os.Readlink(link); err == nil && dst == a.sockPath {
			os.Remove(link)
		}
	})
}
