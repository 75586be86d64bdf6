package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/batoncluster/baton/proplist"
	"github.com/batoncluster/baton/restype"
)

// The type is tested like any built-in type, in-process; the plugin
// machinery around it is tested in internal/restypes/plugin.
func TestFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	props := proplist.List{}.Set(PropPath, proplist.SZ(path)).Set(PropContent, proplist.SZ("x"))
	if err := Type().Validate(props); err != nil {
		t.Fatal(err)
	}
	if err := Type().Validate(proplist.List{}.Set(PropPath, proplist.SZ("rel"))); err == nil {
		t.Error("relative path accepted")
	}
	r, err := New(restype.Config{Name: "f", Properties: props})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := r.Online(ctx, restype.OnlineRequest{}); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "x" {
		t.Fatalf("file = %q, %v", b, err)
	}
	if err := r.IsAlive(ctx); err != nil {
		t.Error(err)
	}
	if err := r.Offline(ctx, restype.OfflineRequest{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("file still there after Offline: %v", err)
	}
	if err := r.Offline(ctx, restype.OfflineRequest{}); err != nil {
		t.Errorf("second Offline: %v", err)
	}
}
