package etcdmember

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"

	"go.uber.org/zap"
)

// etcd's errors reach the agent's log, with their fields; its warnings
// and the noise of a stop do not.
func TestZapLoggerForwardsErrorsToSlog(t *testing.T) {
	var buf bytes.Buffer
	lg := zapLogger(slog.New(slog.NewTextHandler(&buf, nil)))
	lg.Warn("a warning")
	lg.With(zap.String("member", "m1")).Error("disk full", zap.Error(errors.New("no space")), zap.Int("n", 3))
	lg.Error("serve failed", zap.Error(fmt.Errorf("accept: %w", net.ErrClosed)))
	out := buf.String()
	for _, want := range []string{"level=ERROR", `msg="disk full"`, "component=etcd", "member=m1", `error="no space"`, "n=3"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %s:\n%s", want, out)
		}
	}
	for _, not := range []string{"a warning", "serve failed"} {
		if strings.Contains(out, not) {
			t.Errorf("log has %q:\n%s", not, out)
		}
	}
	if zapLogger(nil).Core().Enabled(zap.FatalLevel) {
		t.Error("a nil log should give a no-op logger")
	}
}

// A fatal error of etcd is in the log before the process exits.
func TestZapLoggerFatalIsLoggedBeforeExit(t *testing.T) {
	if os.Getenv("ETCDMEMBER_FATAL_CHILD") == "1" {
		zapLogger(slog.New(slog.NewTextHandler(os.Stderr, nil))).Fatal("too many open files", zap.String("addr", "127.0.0.1:7411"))
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestZapLoggerFatalIsLoggedBeforeExit$")
	cmd.Env = append(os.Environ(), "ETCDMEMBER_FATAL_CHILD=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("child: %v, want exit status 1", err)
	}
	for _, want := range []string{"level=ERROR", `msg="too many open files"`, "etcdLevel=fatal", "addr=127.0.0.1:7411"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %s:\n%s", want, &stderr)
		}
	}
}
