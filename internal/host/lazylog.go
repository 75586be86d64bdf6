package host

import (
	"context"
	"log/slog"
	"sync"
)

// resourceLog is log with the attribute resource=name, as log.With gives,
// except that the attribute is formatted into a copy of log's handler
// only when something is logged: With does so at once, about 180 bytes
// for every resource the node hosts (a type's logger is made with its
// instance), though most of them never log.
func resourceLog(log *slog.Logger, name string) *slog.Logger {
	return slog.New(&lazyAttrHandler{base: log.Handler(), name: name})
}

// lazyAttrHandler is base.WithAttrs(resource=name), made on first use.
type lazyAttrHandler struct {
	base slog.Handler
	name string
	once sync.Once
	h    slog.Handler // base with the attribute, once made
}

func (l *lazyAttrHandler) handler() slog.Handler {
	l.once.Do(func() { l.h = l.base.WithAttrs([]slog.Attr{slog.String("resource", l.name)}) })
	return l.h
}

func (l *lazyAttrHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return l.base.Enabled(ctx, level)
}

func (l *lazyAttrHandler) Handle(ctx context.Context, r slog.Record) error {
	return l.handler().Handle(ctx, r)
}

func (l *lazyAttrHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return l.handler().WithAttrs(attrs)
}

func (l *lazyAttrHandler) WithGroup(name string) slog.Handler {
	return l.handler().WithGroup(name)
}
