package server

import (
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"connectrpc.com/connect"

	"github.com/batoncluster/baton/api/baton/v1/batonv1connect"
	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/ops"
	"github.com/batoncluster/baton/internal/pki"
	"github.com/batoncluster/baton/internal/store"
	"github.com/batoncluster/baton/restype"
)

// Config is what the API server needs.
type Config struct {
	Node  string
	Store *store.Store
	Ops   *ops.Engine
	Types *restype.Registry
	Log   *slog.Logger
	// PKI is the node's certificate and the cluster CA (its key admits
	// joining nodes); nil: joins are refused.
	PKI *pki.Node
	// Observe, if set, hears of every answered call (for metrics).
	Observe func(procedure string, code wsfc.Errno, d time.Duration)
}

// Server implements every API service.
type Server struct {
	node  string
	st    *store.Store
	ops   *ops.Engine
	types *restype.Registry
	log   *slog.Logger
	pki   *pki.Node

	observe func(procedure string, code wsfc.Errno, d time.Duration)
	hosts   map[string]bool // nil: any Host (AllowHosts)
	used    *usage
	// backingUp is set while a backup streams (one at a time).
	backingUp atomic.Bool
}

// New returns the API server.
func New(cfg Config) *Server {
	s := &Server{node: cfg.Node, st: cfg.Store, ops: cfg.Ops, types: cfg.Types, log: cfg.Log, pki: cfg.PKI, observe: cfg.Observe,
		used: newUsage(cfg.Store, cfg.Log)}
	return s
}

// Close stops the server's background work (recording token use); call
// it once the HTTP server has stopped.
func (s *Server) Close() { s.used.close() }

// compressMinBytes is the smallest message worth compressing.
const compressMinBytes = 4096

// Mount adds every service's handler to mux, behind the edge (edge.go).
func (s *Server) Mount(mux *http.ServeMux) {
	opt := connect.WithHandlerOptions(
		connect.WithInterceptors(guard{s}),
		// Also bounds what a gzip body may decompress to.
		connect.WithReadMaxBytes(MaxRequestBytes),
		// Most answers and events are a few hundred bytes: gzip costs
		// more CPU than it saves there (a failover of 1,000 groups spent
		// a third of the new owner's CPU compressing its event stream).
		connect.WithCompressMinBytes(compressMinBytes),
	)
	handle := func(path string, h http.Handler) { mux.Handle(path, s.edge(h)) }
	handle(batonv1connect.NewClusterServiceHandler(clusterService{s}, opt))
	handle(batonv1connect.NewNodeServiceHandler(nodeService{s}, opt))
	handle(batonv1connect.NewGroupServiceHandler(groupService{s}, opt))
	handle(batonv1connect.NewResourceServiceHandler(resourceService{s}, opt))
	handle(batonv1connect.NewAccessServiceHandler(accessService{s}, opt))
	handle(batonv1connect.NewEventServiceHandler(eventService{s}, opt))
	handle(batonv1connect.NewJoinServiceHandler(joinService{s}, opt))
	handle(batonv1connect.NewAdminServiceHandler(adminService{s}, opt))
	handle(batonv1connect.NewControlServiceHandler(controlService{s}, opt))
	handle(batonv1connect.NewVerbServiceHandler(verbService{s}, opt))
}
