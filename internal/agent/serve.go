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
	"time"

	"github.com/batoncluster/baton/internal/dial"
	"github.com/batoncluster/baton/internal/server"
	"github.com/batoncluster/baton/internal/web"
)

func (a *Agent) serve(srv *server.Server) error {
	mux := http.NewServeMux()
	srv.Mount(mux)
	mux.Handle("GET /metrics", a.metrics.Handler())
	mux.Handle("/ui/", web.Handler())
	protos := new(http.Protocols)
	protos.SetHTTP1(true)
	protos.SetHTTP2(true)            // over TLS on TCP (ALPN)
	protos.SetUnencryptedHTTP2(true) // gRPC clients over the socket
	a.http = &http.Server{Handler: mux, ConnContext: server.ConnContext, Protocols: protos, ReadHeaderTimeout: 10 * time.Second}

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
	tl, err := net.Listen("tcp", a.cfg.HTTPAddr)
	if err != nil {
		ul.Close()
		return fmt.Errorf("agent: --http-addr: %w", err)
	}
	a.tcpAddr = tl.Addr().String()
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
	})
	a.linkDefaultSocket()
	return nil
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
