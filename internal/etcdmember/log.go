package etcdmember

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"slices"

	"github.com/soheilhy/cmux"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// zapLogger is the embedded etcd's logger: its errors, panics and fatal
// errors (written before etcd exits the process) go to log; nil: none.
func zapLogger(log *slog.Logger) *zap.Logger {
	if log == nil {
		return zap.NewNop()
	}
	return zap.New(slogCore{h: log.With("component", "etcd").Handler()})
}

// slogCore is a zapcore.Core that hands entries of error level and above
// to a slog.Handler. (go.uber.org/zap/exp/zapslog goes the other way.)
type slogCore struct {
	h slog.Handler
}

func (c slogCore) Enabled(l zapcore.Level) bool {
	return l >= zapcore.ErrorLevel && c.h.Enabled(context.Background(), slog.LevelError)
}

func (c slogCore) With(fields []zapcore.Field) zapcore.Core {
	return slogCore{h: c.h.WithAttrs(attrs(fields))}
}

func (c slogCore) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if c.Enabled(e.Level) {
		return ce.AddCore(e, c)
	}
	return ce
}

func (c slogCore) Write(e zapcore.Entry, fields []zapcore.Field) error {
	if e.Level == zapcore.ErrorLevel && closing(fields) {
		return nil
	}
	r := slog.NewRecord(e.Time, slog.LevelError, e.Message, 0)
	if e.Level > zapcore.ErrorLevel {
		r.AddAttrs(slog.String("etcdLevel", e.Level.String())) // dpanic, panic, fatal
	}
	if e.Caller.Defined {
		r.AddAttrs(slog.String("caller", e.Caller.TrimmedPath()))
	}
	r.AddAttrs(attrs(fields)...)
	return c.h.Handle(context.Background(), r)
}

func (c slogCore) Sync() error { return nil }

// closing reports whether an error entry only says that a listener or
// server stopped, which etcd logs for each of them when it stops.
func closing(fields []zapcore.Field) bool {
	for _, f := range fields {
		err, ok := f.Interface.(error)
		if f.Type != zapcore.ErrorType || !ok {
			continue
		}
		if errors.Is(err, net.ErrClosed) || errors.Is(err, http.ErrServerClosed) ||
			errors.Is(err, cmux.ErrServerClosed) || errors.Is(err, cmux.ErrListenerClosed) {
			return true
		}
	}
	return false
}

// attrs turns zap fields into slog attributes, in the order of their keys.
func attrs(fields []zapcore.Field) []slog.Attr {
	if len(fields) == 0 {
		return nil
	}
	enc := zapcore.NewMapObjectEncoder()
	for _, f := range fields {
		f.AddTo(enc)
	}
	keys := make([]string, 0, len(enc.Fields))
	for k := range enc.Fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]slog.Attr, 0, len(keys))
	for _, k := range keys {
		out = append(out, slog.Any(k, enc.Fields[k]))
	}
	return out
}
