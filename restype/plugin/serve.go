package plugin

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/batoncluster/baton/restype"
)

// parentPoll is how often a plugin checks that the agent that started it
// is still there.
const parentPoll = time.Second

// Serve serves t to the agent that started this program and returns when
// the agent stops it. It is all a plugin's main needs to call. Run by
// hand, outside an agent, it says so and exits with status 1.
//
// Logging: Config.Log and the logger of this package write JSON lines to
// the process's standard error, which the agent reads into its own log
// (levels kept). Anything else written to standard output or standard
// error after Serve starts is forwarded to the agent's log as plain text.
func Serve(t *restype.Type) {
	stderr := os.Stderr // go-plugin replaces os.Stderr; the agent reads this one
	log := slog.New(NewLogHandler(stderr, slog.LevelDebug))
	if err := checkType(t); err != nil {
		log.Error("cannot serve resource type", slog.Any("err", err))
		os.Exit(1)
	}
	go exitWithParent(log, os.Getppid())
	goplugin.Serve(&goplugin.ServeConfig{
		HandshakeConfig: Handshake,
		Plugins:         goplugin.PluginSet{PluginName: &GRPCPlugin{Type: t, Log: log}},
		GRPCServer: func(opts []grpc.ServerOption) *grpc.Server {
			return grpc.NewServer(append(opts, grpc.ChainUnaryInterceptor(recoverUnary(log)))...)
		},
		Logger: hclog.New(&hclog.LoggerOptions{Name: "go-plugin", Output: stderr, JSONFormat: true, Level: hclog.Info}),
	})
}

func checkType(t *restype.Type) error {
	switch {
	case t == nil:
		return errors.New("plugin: Serve: nil type")
	case t.Name == "":
		return errors.New("plugin: Serve: the type has no name")
	case t.New == nil:
		return fmt.Errorf("plugin: Serve: type %q has no New", t.Name)
	}
	return nil
}

// exitWithParent ends the process when the agent that started it is gone
// (the process was given to another parent), so a killed agent leaves no
// plugin behind.
func exitWithParent(log *slog.Logger, ppid int) {
	for range time.Tick(parentPoll) {
		if os.Getppid() != ppid {
			log.Warn("agent gone; plugin exiting", slog.Int("agentPid", ppid))
			os.Exit(0)
		}
	}
}

// NewLogHandler returns a slog handler writing JSON lines in the shape
// go-plugin parses on the agent side ("@level", "@message", other
// attributes as they are; the agent adds the time). Serve logs through it;
// a plugin may use it for loggers of its own.
func NewLogHandler(w io.Writer, level slog.Leveler) slog.Handler {
	return slog.NewJSONHandler(w, &slog.HandlerOptions{
		Level: level,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) > 0 {
				return a
			}
			switch a.Key {
			case slog.TimeKey:
				return slog.Attr{}
			case slog.LevelKey:
				return slog.String("@level", hclogLevel(a.Value.Any()))
			case slog.MessageKey:
				a.Key = "@message"
			}
			return a
		},
	})
}

// hclogLevel names a slog level the way hclog does.
func hclogLevel(v any) string {
	l, ok := v.(slog.Level)
	if !ok {
		return "info"
	}
	switch {
	case l < slog.LevelDebug:
		return "trace"
	case l < slog.LevelInfo:
		return "debug"
	case l < slog.LevelWarn:
		return "info"
	case l < slog.LevelError:
		return "warn"
	}
	return strings.ToLower(slog.LevelError.String())
}
