package qmp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

const greeting = `{"QMP": {"version": {"qemu": {"micro": 22, "minor": 2, "major": 7}, "package": "Debian 1:7.2"}, "capabilities": ["oob"]}}`

// command is what the fake server got: the command and any descriptors
// that came with it.
type command struct {
	Execute   string          `json:"execute"`
	Arguments json.RawMessage `json:"arguments"`
	ID        json.RawMessage `json:"id"`
	fds       []int
}

// reply formats a "return" reply to cmd.
func reply(cmd command, ret string) string {
	return `{"return": ` + ret + `, "id": ` + string(cmd.ID) + `}`
}

// fakeQEMU serves one QMP client: it sends hello, then answers each
// command with the lines handle returns (nil: no answer).
func fakeQEMU(t *testing.T, hello string, handle func(cmd command) []string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "qmp.sock")
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		l.Close()
		wg.Wait()
	})
	wg.Go(func() {
		c, err := l.AcceptUnix()
		if err != nil {
			return
		}
		defer c.Close()
		stop := context.AfterFunc(t.Context(), func() { c.Close() })
		defer stop()
		if _, err := io.WriteString(c, hello+"\r\n"); err != nil {
			return
		}
		var pending []byte
		var fds []int
		buf, oob := make([]byte, 4096), make([]byte, 256)
		for {
			n, oobn, _, _, err := c.ReadMsgUnix(buf, oob)
			if err != nil {
				return
			}
			if oobn > 0 {
				msgs, _ := syscall.ParseSocketControlMessage(oob[:oobn])
				for _, m := range msgs {
					got, _ := syscall.ParseUnixRights(&m)
					fds = append(fds, got...)
				}
			}
			pending = append(pending, buf[:n]...)
			for {
				i := bytes.IndexByte(pending, '\n')
				if i < 0 {
					break
				}
				var cmd command
				if err := json.Unmarshal(pending[:i], &cmd); err != nil {
					t.Errorf("fake QEMU got bad JSON %q: %v", pending[:i], err)
					return
				}
				pending = pending[i+1:]
				cmd.fds, fds = fds, nil
				for _, line := range handle(cmd) {
					if _, err := io.WriteString(c, line+"\r\n"); err != nil {
						return
					}
				}
			}
		}
	})
	return path
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestDialExecuteEvents(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	path := fakeQEMU(t, greeting, func(cmd command) []string {
		mu.Lock()
		seen = append(seen, cmd.Execute)
		mu.Unlock()
		switch cmd.Execute {
		case "qmp_capabilities":
			return []string{reply(cmd, "{}")}
		case "query-status":
			return []string{
				`{"timestamp": {"seconds": 1700000000, "microseconds": 5}, "event": "STOP"}`,
				reply(cmd, `{"status": "paused", "running": false}`),
			}
		case "echo":
			return []string{reply(cmd, string(cmd.Arguments))}
		}
		return []string{`{"error": {"class": "CommandNotFound", "desc": "The command ` + cmd.Execute + ` has not been found"}, "id": ` + string(cmd.ID) + `}`}
	})
	ctx := ctxT(t)
	c, err := Dial(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if v := c.Version(); v.Major != 7 || v.Minor != 2 || v.Micro != 22 || v.Package != "Debian 1:7.2" || !v.AtLeast(7, 2) || v.AtLeast(8, 2) {
		t.Errorf("Version = %+v", v)
	}
	var st struct {
		Status  string `json:"status"`
		Running bool   `json:"running"`
	}
	if err := c.Execute(ctx, "query-status", nil, &st); err != nil {
		t.Fatal(err)
	}
	if st.Status != "paused" || st.Running {
		t.Errorf("query-status = %+v", st)
	}
	ev := c.Events()
	if len(ev) != 1 || ev[0].Name != "STOP" || ev[0].Time.Unix() != 1700000000 {
		t.Errorf("Events = %+v, want one STOP", ev)
	}
	if len(c.Events()) != 0 {
		t.Error("Events did not forget")
	}
	// Arguments are sent as given.
	var echo map[string]any
	if err := c.Execute(ctx, "echo", map[string]any{"a": 1, "b": "x"}, &echo); err != nil {
		t.Fatal(err)
	}
	if echo["a"] != float64(1) || echo["b"] != "x" {
		t.Errorf("echo = %v", echo)
	}
	// An error reply is an *Error, and the connection stays usable.
	err = c.Execute(ctx, "nope", nil, nil)
	var qe *Error
	if !errors.As(err, &qe) || qe.Class != "CommandNotFound" || qe.Command != "nope" {
		t.Fatalf("error reply = %v, want *Error CommandNotFound", err)
	}
	if err := c.Execute(ctx, "query-status", nil, nil); err != nil {
		t.Errorf("after an error reply: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) == 0 || seen[0] != "qmp_capabilities" {
		t.Errorf("commands = %v, want qmp_capabilities first", seen)
	}
}

func TestRepliesMatchedByID(t *testing.T) {
	path := fakeQEMU(t, greeting, func(cmd command) []string {
		if cmd.Execute == "qmp_capabilities" {
			return []string{reply(cmd, "{}")}
		}
		// A stale reply (another id), one without an id, then ours.
		return []string{`{"return": "stale", "id": 999}`, `{"return": "no id"}`, reply(cmd, `"mine"`)}
	})
	ctx := ctxT(t)
	c, err := Dial(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var s string
	if err := c.Execute(ctx, "x", nil, &s); err != nil || s != "mine" {
		t.Errorf("Execute = %q, %v; want mine", s, err)
	}
}

func TestContextEndsCommand(t *testing.T) {
	path := fakeQEMU(t, greeting, func(cmd command) []string {
		if cmd.Execute == "qmp_capabilities" {
			return []string{reply(cmd, "{}")}
		}
		return nil // never answers
	})
	c, err := Dial(ctxT(t), path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = c.Execute(ctx, "hang", nil, nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Execute = %v, want DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Execute took %v after its deadline", d)
	}
	// The connection is broken for good.
	if err := c.Execute(ctxT(t), "query-status", nil, nil); !errors.Is(err, ErrClosed) {
		t.Errorf("Execute after a cut-short command = %v, want ErrClosed", err)
	}

	// Cancellation (no deadline) interrupts too.
	c2, err := Dial(ctxT(t), fakeQEMU(t, greeting, func(cmd command) []string {
		if cmd.Execute == "qmp_capabilities" {
			return []string{reply(cmd, "{}")}
		}
		return nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	cctx, ccancel := context.WithCancel(t.Context())
	time.AfterFunc(30*time.Millisecond, ccancel)
	if err := c2.Execute(cctx, "hang", nil, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("Execute = %v, want Canceled", err)
	}
}

func TestCloseInterrupts(t *testing.T) {
	path := fakeQEMU(t, greeting, func(cmd command) []string {
		if cmd.Execute == "qmp_capabilities" {
			return []string{reply(cmd, "{}")}
		}
		return nil
	})
	c, err := Dial(ctxT(t), path)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- c.Execute(context.Background(), "hang", nil, nil) }()
	time.Sleep(30 * time.Millisecond)
	if err := c.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	select {
	case err := <-done:
		if err == nil {
			t.Error("Execute succeeded after Close")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not interrupt Execute")
	}
	if err := c.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := c.Execute(ctxT(t), "x", nil, nil); !errors.Is(err, ErrClosed) {
		t.Errorf("Execute after Close = %v, want ErrClosed", err)
	}
}

func TestExecuteFilePassesDescriptor(t *testing.T) {
	got := make(chan string, 1)
	path := fakeQEMU(t, greeting, func(cmd command) []string {
		if cmd.Execute == "getfd" {
			if len(cmd.fds) != 1 {
				got <- "no descriptor"
			} else {
				f := os.NewFile(uintptr(cmd.fds[0]), "passed")
				b, _ := io.ReadAll(f)
				f.Close()
				got <- string(cmd.Arguments) + " " + string(b)
			}
		} else if len(cmd.fds) != 0 {
			got <- "descriptor with " + cmd.Execute
		}
		return []string{reply(cmd, "{}")}
	})
	ctx := ctxT(t)
	c, err := Dial(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fn := filepath.Join(t.TempDir(), "state")
	if err := os.WriteFile(fn, []byte("saved bytes"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(fn)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := c.ExecuteFile(ctx, "getfd", map[string]string{"fdname": "st"}, f, nil); err != nil {
		t.Fatal(err)
	}
	if s := <-got; s != `{"fdname":"st"} saved bytes` {
		t.Errorf("server got %q", s)
	}
	// The caller's file is still usable.
	if _, err := f.Stat(); err != nil {
		t.Errorf("file after ExecuteFile: %v", err)
	}
}

func TestDialFailures(t *testing.T) {
	t.Run("not QMP", func(t *testing.T) {
		path := fakeQEMU(t, `{"hello": "world"}`, func(command) []string { return nil })
		if _, err := Dial(ctxT(t), path); err == nil {
			t.Error("Dial accepted a socket that is not QMP")
		}
	})
	t.Run("capabilities refused", func(t *testing.T) {
		path := fakeQEMU(t, greeting, func(cmd command) []string {
			return []string{`{"error": {"class": "GenericError", "desc": "no"}, "id": ` + string(cmd.ID) + `}`}
		})
		var qe *Error
		if _, err := Dial(ctxT(t), path); !errors.As(err, &qe) {
			t.Errorf("Dial = %v, want *Error", err)
		}
	})
	t.Run("no greeting", func(t *testing.T) {
		// A listener that never accepts: QEMU busy with another client.
		path := filepath.Join(t.TempDir(), "busy.sock")
		l, err := net.Listen("unix", path)
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
		defer cancel()
		if _, err := Dial(ctx, path); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Dial = %v, want DeadlineExceeded", err)
		}
	})
	t.Run("no socket", func(t *testing.T) {
		if _, err := Dial(ctxT(t), filepath.Join(t.TempDir(), "none.sock")); err == nil {
			t.Error("Dial to nothing succeeded")
		}
	})
}

func TestEventsBounded(t *testing.T) {
	path := fakeQEMU(t, greeting, func(cmd command) []string {
		if cmd.Execute == "qmp_capabilities" {
			return []string{reply(cmd, "{}")}
		}
		var out []string
		for range maxEvents + 10 {
			out = append(out, `{"event": "X", "timestamp": {"seconds": 1, "microseconds": 0}}`)
		}
		return append(out, reply(cmd, "{}"))
	})
	ctx := ctxT(t)
	c, err := Dial(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Execute(ctx, "x", nil, nil); err != nil {
		t.Fatal(err)
	}
	if n := len(c.Events()); n != maxEvents {
		t.Errorf("kept %d events, want %d", n, maxEvents)
	}
}
