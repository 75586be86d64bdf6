package plugin

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/batoncluster/baton/internal/cgroup"
	"github.com/batoncluster/baton/proplist"
	"github.com/batoncluster/baton/restype"
	"github.com/batoncluster/baton/restype/plugin/pluginv1"
)

// server serves one restype.Type over the ResourceType service.
type server struct {
	pluginv1.UnimplementedResourceTypeServer
	t   *restype.Type
	log *slog.Logger

	mu       sync.Mutex // guards the fields below
	next     uint64
	res      map[uint64]restype.Resource
	watchers map[*watcher]struct{}
}

func newServer(t *restype.Type, log *slog.Logger) *server {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &server{t: t, log: log, res: map[uint64]restype.Resource{}, watchers: map[*watcher]struct{}{}}
}

// watcher is one Changes stream: the handles changed since it last sent.
type watcher struct {
	mu      sync.Mutex // guards pending
	pending map[uint64]struct{}
	wake    chan struct{} // capacity 1: something is pending
}

// statusOf turns an error of the type's code into a gRPC status.
func statusOf(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, context.DeadlineExceeded):
		return status.Error(codes.DeadlineExceeded, err.Error())
	case errors.Is(err, context.Canceled):
		return status.Error(codes.Canceled, err.Error())
	}
	return status.Error(codes.Unknown, err.Error())
}

func unmarshal(what string, b []byte) (proplist.List, error) {
	if len(b) == 0 {
		return nil, nil
	}
	l, err := proplist.Unmarshal(b)
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "%s: %v", what, err)
	}
	return l, nil
}

func (s *server) get(h uint64) (restype.Resource, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.res[h]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "no resource with handle %d", h)
	}
	return r, nil
}

func (s *server) Describe(context.Context, *pluginv1.DescribeRequest) (*pluginv1.DescribeResponse, error) {
	t := s.t
	resp := &pluginv1.DescribeResponse{
		Name: t.Name, Description: t.Description, OfflineParameter: t.OfflineParameter,
		LooksAliveIntervalMs: t.LooksAliveInterval, IsAliveIntervalMs: t.IsAliveInterval,
		Validates: t.Validate != nil,
	}
	for _, p := range t.Properties {
		resp.Properties = append(resp.Properties, &pluginv1.PropertyInfo{
			Name: p.Name, Kind: p.Kind, DefaultValue: p.Default, Description: p.Description,
		})
	}
	return resp, nil
}

func (s *server) Validate(_ context.Context, req *pluginv1.ValidateRequest) (*pluginv1.ValidateResponse, error) {
	l, err := unmarshal("properties", req.Properties)
	if err != nil {
		return nil, err
	}
	if s.t.Validate != nil {
		if err := s.t.Validate(l); err != nil {
			return nil, status.Error(codes.InvalidArgument, err.Error())
		}
	}
	return &pluginv1.ValidateResponse{}, nil
}

func (s *server) Open(_ context.Context, req *pluginv1.OpenRequest) (*pluginv1.OpenResponse, error) {
	l, err := unmarshal("properties", req.Properties)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.next++
	h := s.next
	s.mu.Unlock()
	last, err := unmarshal("last status", req.LastStatus)
	if err != nil {
		return nil, err
	}
	cfg := restype.Config{
		Name: req.Name, Group: req.Group, Properties: l, StateDir: req.StateDir, LastStatus: last,
		Log:     s.log.With(slog.String("resource", req.Name)),
		Changed: func() { s.changed(h) },
	}
	if req.Cgroup != "" {
		cg, err := cgroup.Open(req.Cgroup)
		if err != nil {
			return nil, status.Error(codes.InvalidArgument, err.Error())
		}
		cfg.Cgroup = cg
	}
	r, err := s.t.New(cfg)
	if err != nil {
		return nil, statusOf(err)
	}
	s.mu.Lock()
	s.res[h] = r
	s.mu.Unlock()
	_, term := r.(restype.Terminator)
	_, st := r.(restype.StatusReporter)
	_, lm := r.(restype.LockedModeReporter)
	_, rc := r.(restype.Reconfigurer)
	return &pluginv1.OpenResponse{Handle: h, Abilities: &pluginv1.Abilities{
		Terminate: term, Status: st, LockedMode: lm, Reconfigure: rc,
	}}, nil
}

func (s *server) Online(ctx context.Context, req *pluginv1.OnlineRequest) (*pluginv1.OnlineResponse, error) {
	r, err := s.get(req.Handle)
	if err != nil {
		return nil, err
	}
	params, err := unmarshal("input buffer", req.Params)
	if err != nil {
		return nil, err
	}
	if err := r.Online(ctx, restype.OnlineRequest{Flags: req.Flags, Params: params}); err != nil {
		return nil, statusOf(err)
	}
	return &pluginv1.OnlineResponse{}, nil
}

func (s *server) Offline(ctx context.Context, req *pluginv1.OfflineRequest) (*pluginv1.OfflineResponse, error) {
	r, err := s.get(req.Handle)
	if err != nil {
		return nil, err
	}
	params, err := unmarshal("input buffer", req.Params)
	if err != nil {
		return nil, err
	}
	if err := r.Offline(ctx, restype.OfflineRequest{Flags: req.Flags, Reason: req.Reason, Destination: req.Destination, Params: params}); err != nil {
		return nil, statusOf(err)
	}
	return &pluginv1.OfflineResponse{}, nil
}

func (s *server) LooksAlive(ctx context.Context, req *pluginv1.LooksAliveRequest) (*pluginv1.LooksAliveResponse, error) {
	r, err := s.get(req.Handle)
	if err != nil {
		return nil, err
	}
	if err := r.LooksAlive(ctx); err != nil {
		return nil, statusOf(err)
	}
	return &pluginv1.LooksAliveResponse{}, nil
}

func (s *server) IsAlive(ctx context.Context, req *pluginv1.IsAliveRequest) (*pluginv1.IsAliveResponse, error) {
	r, err := s.get(req.Handle)
	if err != nil {
		return nil, err
	}
	if err := r.IsAlive(ctx); err != nil {
		return nil, statusOf(err)
	}
	return &pluginv1.IsAliveResponse{}, nil
}

func (s *server) Terminate(ctx context.Context, req *pluginv1.TerminateRequest) (*pluginv1.TerminateResponse, error) {
	r, err := s.get(req.Handle)
	if err != nil {
		return nil, err
	}
	t, ok := r.(restype.Terminator)
	if !ok {
		return nil, status.Error(codes.Unimplemented, "the resource cannot be terminated")
	}
	if err := t.Terminate(ctx); err != nil {
		return nil, statusOf(err)
	}
	return &pluginv1.TerminateResponse{}, nil
}

func (s *server) Status(_ context.Context, req *pluginv1.StatusRequest) (*pluginv1.StatusResponse, error) {
	r, err := s.get(req.Handle)
	if err != nil {
		return nil, err
	}
	sr, ok := r.(restype.StatusReporter)
	if !ok {
		return nil, status.Error(codes.Unimplemented, "the resource reports no status")
	}
	return &pluginv1.StatusResponse{Properties: sr.Status().Marshal()}, nil
}

func (s *server) LockedMode(_ context.Context, req *pluginv1.LockedModeRequest) (*pluginv1.LockedModeResponse, error) {
	r, err := s.get(req.Handle)
	if err != nil {
		return nil, err
	}
	lm, ok := r.(restype.LockedModeReporter)
	if !ok {
		return nil, status.Error(codes.Unimplemented, "the resource reports no locked mode")
	}
	locked, reason := lm.LockedMode()
	return &pluginv1.LockedModeResponse{Locked: locked, Reason: reason}, nil
}

func (s *server) Reconfigure(_ context.Context, req *pluginv1.ReconfigureRequest) (*pluginv1.ReconfigureResponse, error) {
	r, err := s.get(req.Handle)
	if err != nil {
		return nil, err
	}
	rc, ok := r.(restype.Reconfigurer)
	if !ok {
		return nil, status.Error(codes.Unimplemented, "the resource cannot be reconfigured")
	}
	l, err := unmarshal("properties", req.Properties)
	if err != nil {
		return nil, err
	}
	if err := rc.Reconfigure(l); err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	return &pluginv1.ReconfigureResponse{}, nil
}

func (s *server) Close(_ context.Context, req *pluginv1.CloseRequest) (*pluginv1.CloseResponse, error) {
	s.mu.Lock()
	delete(s.res, req.Handle)
	s.mu.Unlock()
	return &pluginv1.CloseResponse{}, nil
}

// changed queues handle h on every Changes stream. It never blocks: the
// type may call Config.Changed from anywhere.
func (s *server) changed(h uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for w := range s.watchers {
		w.mu.Lock()
		w.pending[h] = struct{}{}
		w.mu.Unlock()
		select {
		case w.wake <- struct{}{}:
		default:
		}
	}
}

func (s *server) Changes(_ *pluginv1.ChangesRequest, stream grpc.ServerStreamingServer[pluginv1.Change]) error {
	w := &watcher{pending: map[uint64]struct{}{}, wake: make(chan struct{}, 1)}
	s.mu.Lock()
	s.watchers[w] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.watchers, w)
		s.mu.Unlock()
	}()
	// The header tells the host the watcher is registered: a change from
	// now on reaches it. Without it the host could open a resource whose
	// first change is queued on no watcher and lost.
	if err := stream.SendHeader(metadata.MD{}); err != nil {
		return err
	}
	ctx := stream.Context()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-w.wake:
		}
		w.mu.Lock()
		hs := make([]uint64, 0, len(w.pending))
		for h := range w.pending {
			hs = append(hs, h)
		}
		clear(w.pending)
		w.mu.Unlock()
		for _, h := range hs {
			if err := stream.Send(&pluginv1.Change{Handle: h}); err != nil {
				return err
			}
		}
	}
}

// recoverUnary fails a call whose handler panicked instead of letting the
// panic end the process and every other resource with it.
func recoverUnary(log *slog.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
		defer func() {
			if p := recover(); p != nil {
				log.Error("resource type panicked", slog.String("call", info.FullMethod),
					slog.Any("panic", p), slog.String("stack", string(debug.Stack())))
				resp, err = nil, status.Error(codes.Internal, fmt.Sprintf("panic in %s: %v", info.FullMethod, p))
			}
		}()
		return handler(ctx, req)
	}
}
