// Command faulty is a resource-type plugin for the tests of package
// plugin: the type "Faulty", whose Mode property makes it misbehave.
//
// Mode "" works: Online creates the file named by Marker, Offline removes
// it, the health checks look for it. "crash-online" exits the process in
// Online, "hang-online" and "hang-health" never return (ignoring their
// context), "panic-online" panics. Locked and LockedReason are reported as
// locked mode; a Reconfigure that changes them calls Config.Changed.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/batoncluster/baton/proplist"
	"github.com/batoncluster/baton/restype"
	"github.com/batoncluster/baton/restype/plugin"
)

func main() {
	plugin.Serve(&restype.Type{
		Name:             "Faulty",
		Description:      "Misbehaves on request, for tests.",
		OfflineParameter: "Faulty",
		Properties: []restype.PropertyInfo{
			{Name: "Mode", Kind: "sz", Description: "How to misbehave."},
			{Name: "Marker", Kind: "sz", Description: "File that exists while online."},
		},
		LooksAliveInterval: 1000,
		IsAliveInterval:    2000,
		Validate: func(l proplist.List) error {
			if _, ok := l.String("Marker"); !ok {
				return errors.New("faulty: Marker is required")
			}
			return nil
		},
		New: func(cfg restype.Config) (restype.Resource, error) {
			r := &faulty{changed: cfg.Changed}
			if err := r.Reconfigure(cfg.Properties); err != nil {
				return nil, err
			}
			return r, nil
		},
	})
}

type faulty struct {
	changed func()

	mu     sync.Mutex // guards the fields below
	props  proplist.List
	locked uint32
	reason string
}

func (f *faulty) mode() (mode, marker string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	mode, _ = f.props.String("Mode")
	marker, _ = f.props.String("Marker")
	return mode, marker
}

func (f *faulty) Online(ctx context.Context, req restype.OnlineRequest) error {
	mode, marker := f.mode()
	switch mode {
	case "crash-online":
		os.Exit(3)
	case "hang-online":
		select {}
	case "panic-online":
		panic("faulty: panic-online")
	}
	return os.WriteFile(marker, []byte(fmt.Sprintf("pid %d\n", os.Getpid())), 0o644)
}

func (f *faulty) Offline(ctx context.Context, req restype.OfflineRequest) error {
	_, marker := f.mode()
	if err := os.Remove(marker); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

func (f *faulty) health() error {
	mode, marker := f.mode()
	if mode == "hang-health" {
		select {}
	}
	if _, err := os.Stat(marker); err != nil {
		return fmt.Errorf("faulty: %w", err)
	}
	return nil
}

func (f *faulty) LooksAlive(ctx context.Context) error { return f.health() }
func (f *faulty) IsAlive(ctx context.Context) error    { return f.health() }

func (f *faulty) LockedMode() (bool, string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.locked == 1, f.reason
}

func (f *faulty) Status() proplist.List {
	_, marker := f.mode()
	return proplist.List{{Name: "Pid", Values: []proplist.Value{proplist.DWORD(uint32(os.Getpid()))}},
		{Name: "Marker", Values: []proplist.Value{proplist.SZ(marker)}}}
}

func (f *faulty) Reconfigure(props proplist.List) error {
	if _, ok := props.String("Marker"); !ok {
		return errors.New("faulty: Marker is required")
	}
	locked, _ := props.DWORD("Locked")
	reason, _ := props.String("LockedReason")
	f.mu.Lock()
	changed := locked != f.locked || reason != f.reason
	f.props, f.locked, f.reason = props, locked, reason
	f.mu.Unlock()
	if changed && f.changed != nil {
		f.changed()
	}
	return nil
}
