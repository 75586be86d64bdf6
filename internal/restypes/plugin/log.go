package plugin

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"

	"github.com/hashicorp/go-hclog"
)

// newHCLogger returns the hclog logger go-plugin wants, forwarding every
// entry (go-plugin's own and the plugin's log lines, levels kept) to log.
// plugin is the plugin's file name, which go-plugin names its logger for
// the plugin's lines after.
func newHCLogger(log *slog.Logger, plugin string) hclog.Logger {
	l := hclog.NewInterceptLogger(&hclog.LoggerOptions{Output: io.Discard, Level: hclog.Debug})
	l.RegisterSink(slogSink{log: log, plugin: plugin})
	return l
}

// slogSink is an hclog sink writing to a slog.Logger.
type slogSink struct {
	log    *slog.Logger
	plugin string
}

func (s slogSink) Accept(name string, level hclog.Level, msg string, args ...any) {
	var lv slog.Level
	switch level {
	case hclog.Trace, hclog.Debug:
		lv = slog.LevelDebug
	case hclog.Warn:
		lv = slog.LevelWarn
	case hclog.Error:
		lv = slog.LevelError
	default:
		lv = slog.LevelInfo
	}
	ctx := context.Background()
	if !s.log.Enabled(ctx, lv) {
		return
	}
	attrs := make([]slog.Attr, 0, len(args)/2+1)
	if name != "" && name != s.plugin {
		attrs = append(attrs, slog.String("logger", name))
	}
	for i := 0; i+1 < len(args); i += 2 {
		k := fmt.Sprint(args[i])
		switch k {
		case "timestamp", "plugin": // the plugin's time; its path (log has its name)
			continue
		}
		attrs = append(attrs, slog.Any(k, args[i+1]))
	}
	s.log.LogAttrs(ctx, lv, msg, attrs...)
}

// lineWriter logs what a plugin writes to its standard output or error,
// a line at a time.
type lineWriter struct {
	log    *slog.Logger
	stream string

	mu  sync.Mutex // guards buf
	buf []byte
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			break
		}
		w.log.Info("plugin output", slog.String("stream", w.stream), slog.String("line", string(w.buf[:i])))
		w.buf = w.buf[i+1:]
	}
	if len(w.buf) > 4096 { // no newline coming: log what there is
		w.log.Info("plugin output", slog.String("stream", w.stream), slog.String("line", string(w.buf)))
		w.buf = nil
	}
	return len(p), nil
}
