package host

import (
	"bytes"
	"log/slog"
	"testing"
)

// A resource's logger writes what log.With("resource", name) would, and
// its derived loggers too.
func TestResourceLogWritesAsWith(t *testing.T) {
	var want, got bytes.Buffer
	opts := &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}}
	for _, c := range []struct {
		buf *bytes.Buffer
		log *slog.Logger
	}{
		{&want, slog.New(slog.NewTextHandler(&want, opts)).With("node", "n1").With("resource", "r1")},
		{&got, resourceLog(slog.New(slog.NewTextHandler(&got, opts)).With("node", "n1"), "r1")},
	} {
		c.log.Debug("not enabled")
		c.log.Info("started", "op", "o1")
		c.log.With("pid", 7).WithGroup("g").Warn("left", "n", 2)
	}
	if got.String() != want.String() {
		t.Errorf("logged\n%s\nwant\n%s", got.String(), want.String())
	}
	if want.Len() == 0 {
		t.Error("nothing logged")
	}
}
