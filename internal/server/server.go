package server

import (
	"log/slog"
	"net/http"
	"time"

	"connectrpc.com/connect"

	"github.com/batoncluster/baton/api/baton/v1/batonv1connect"
	"github.com/batoncluster/baton/clusapi"
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
	Observe func(procedure string, code clusapi.Errno, d time.Duration)
}

// Server implements every API service.
type Server struct {
	node  string
	st    *store.Store
	ops   *ops.Engine
	types *restype.Registry
	log   *slog.Logger
	pki   *pki.Node

	observe func(procedure string, code clusapi.Errno, d time.Duration)
}

// New returns the API server.
func New(cfg Config) *Server {
	return &Server{node: cfg.Node, st: cfg.Store, ops: cfg.Ops, types: cfg.Types, log: cfg.Log, pki: cfg.PKI, observe: cfg.Observe}
}

// compressMinBytes is the smallest message worth compressing.
const compressMinBytes = 4096

// Mount adds every service's handler to mux.
func (s *Server) Mount(mux *http.ServeMux) {
	opt := connect.WithHandlerOptions(
		connect.WithInterceptors(guard{s}),
		// Most answers and events are a few hundred bytes: gzip costs
		// more CPU than it saves there (a failover of 1,000 groups spent
		// a third of the new owner's CPU compressing its event stream).
		connect.WithCompressMinBytes(compressMinBytes),
	)
	mux.Handle(batonv1connect.NewClusterServiceHandler(clusterService{s}, opt))
	mux.Handle(batonv1connect.NewNodeServiceHandler(nodeService{s}, opt))
	mux.Handle(batonv1connect.NewGroupServiceHandler(groupService{s}, opt))
	mux.Handle(batonv1connect.NewResourceServiceHandler(resourceService{s}, opt))
	mux.Handle(batonv1connect.NewAccessServiceHandler(accessService{s}, opt))
	mux.Handle(batonv1connect.NewEventServiceHandler(eventService{s}, opt))
	mux.Handle(batonv1connect.NewJoinServiceHandler(joinService{s}, opt))
}
