package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	"github.com/batoncluster/baton/proplist"
	"github.com/batoncluster/baton/restype"
)

// TypeName is the name of the type and of the input-buffer DWORD its
// Offline reads.
const TypeName = "File"

// Private properties.
const (
	PropPath    = "Path"
	PropContent = "Content"
)

// Offline actions, the values of the "File" input-buffer DWORD.
const (
	ActionRemove uint32 = 0 // the default
	ActionKeep   uint32 = 1
)

// StatusOnlines counts the onlines of the resource in this process.
const StatusOnlines = "Onlines"

// Type returns the File resource type.
func Type() *restype.Type {
	return &restype.Type{
		Name:        TypeName,
		Description: "A file that exists while the resource is online (example plugin).",
		Properties: []restype.PropertyInfo{
			{Name: PropPath, Kind: "sz", Description: "Absolute path of the file. Required."},
			{Name: PropContent, Kind: "sz", Default: "", Description: "What the file holds."},
		},
		OfflineParameter:   TypeName,
		LooksAliveInterval: 5000,
		IsAliveInterval:    60000,
		Validate: func(l proplist.List) error {
			_, err := parse(l)
			return err
		},
		New: New,
	}
}

type settings struct{ path, content string }

func parse(props proplist.List) (settings, error) {
	var s settings
	path, ok := props.String(PropPath)
	if !ok || path == "" {
		return s, fmt.Errorf("file: property %s is required (a string)", PropPath)
	}
	if !filepath.IsAbs(path) {
		return s, fmt.Errorf("file: property %s %q is not an absolute path", PropPath, path)
	}
	s.path = filepath.Clean(path)
	if _, has := props.Get(PropContent); has {
		if s.content, ok = props.String(PropContent); !ok {
			return s, fmt.Errorf("file: property %s must be a string", PropContent)
		}
	}
	return s, nil
}

type file struct {
	log *slog.Logger

	mu sync.Mutex // guards the fields below
	s  settings
	// written is what the last online wrote, until an offline removes
	// it: new properties take effect at the next online.
	written *settings
	onlines uint32
}

var (
	_ restype.Resource       = (*file)(nil)
	_ restype.Terminator     = (*file)(nil)
	_ restype.StatusReporter = (*file)(nil)
	_ restype.Reconfigurer   = (*file)(nil)
)

// New makes a File resource.
func New(cfg restype.Config) (restype.Resource, error) {
	s, err := parse(cfg.Properties)
	if err != nil {
		return nil, err
	}
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &file{log: log, s: s}, nil
}

func (f *file) settings() settings {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.s
}

// target is the path offline and the health checks act on.
func (f *file) target() settings {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.written != nil {
		return *f.written
	}
	return f.s
}

// Online writes the file (through a temporary file and a rename, so it
// never holds half its content).
func (f *file) Online(ctx context.Context, req restype.OnlineRequest) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s := f.settings()
	tmp := s.path + ".baton-tmp"
	if err := os.WriteFile(tmp, []byte(s.content), 0o644); err != nil {
		return fmt.Errorf("file: %w", err)
	}
	if err := os.Rename(tmp, s.path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("file: %w", err)
	}
	f.mu.Lock()
	f.written = &s
	f.onlines++
	f.mu.Unlock()
	f.log.InfoContext(ctx, "file written", slog.String("path", s.path))
	return nil
}

// Offline removes the file, unless the input buffer's File DWORD is 1
// (keep). A file that is gone already is success.
func (f *file) Offline(ctx context.Context, req restype.OfflineRequest) error {
	action := ActionRemove
	if _, has := req.Params.Get(TypeName); has {
		v, ok := req.Params.DWORD(TypeName)
		if !ok || v > ActionKeep {
			return fmt.Errorf("file: input buffer property %s must be a DWORD 0 (remove) or 1 (keep)", TypeName)
		}
		action = v
	}
	if action == ActionKeep {
		f.log.InfoContext(ctx, "file kept", slog.String("path", f.target().path))
		return nil
	}
	return f.remove(ctx)
}

// Terminate removes the file.
func (f *file) Terminate(ctx context.Context) error { return f.remove(ctx) }

func (f *file) remove(ctx context.Context) error {
	s := f.target()
	if err := os.Remove(s.path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("file: %w", err)
	}
	f.mu.Lock()
	f.written = nil
	f.mu.Unlock()
	f.log.InfoContext(ctx, "file removed", slog.String("path", s.path))
	return nil
}

// LooksAlive checks that the file exists.
func (f *file) LooksAlive(ctx context.Context) error {
	_, err := os.Stat(f.target().path)
	if err != nil {
		return fmt.Errorf("file: %w", err)
	}
	return nil
}

// IsAlive checks that the file holds its content.
func (f *file) IsAlive(ctx context.Context) error {
	s := f.target()
	b, err := os.ReadFile(s.path)
	if err != nil {
		return fmt.Errorf("file: %w", err)
	}
	if string(b) != s.content {
		return fmt.Errorf("file: %s does not hold its content", s.path)
	}
	return nil
}

// Status reports the number of onlines.
func (f *file) Status() proplist.List {
	f.mu.Lock()
	defer f.mu.Unlock()
	return proplist.List{{Name: StatusOnlines, Values: []proplist.Value{proplist.DWORD(f.onlines)}}}
}

// Reconfigure takes new properties for the next online.
func (f *file) Reconfigure(props proplist.List) error {
	s, err := parse(props)
	if err != nil {
		return err
	}
	f.mu.Lock()
	f.s = s
	f.mu.Unlock()
	return nil
}
