package plugin

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	goplugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/batoncluster/baton/internal/restypes/dummy"
	"github.com/batoncluster/baton/proplist"
	"github.com/batoncluster/baton/restype"
	"github.com/batoncluster/baton/restype/plugin/pluginv1"
)

// serve serves t in-process over a real gRPC connection.
func serve(t *testing.T, ty *restype.Type) pluginv1.ResourceTypeClient {
	t.Helper()
	conn, srv := goplugin.TestGRPCConn(t, func(s *grpc.Server) {
		pluginv1.RegisterResourceTypeServer(s, newServer(ty, nil))
	})
	t.Cleanup(func() {
		conn.Close()
		srv.Stop()
	})
	return pluginv1.NewResourceTypeClient(conn)
}

func code(err error) codes.Code { return status.Code(err) }

func TestServerDummy(t *testing.T) {
	c := serve(t, dummy.Type())
	ctx := context.Background()

	d, err := c.Describe(ctx, &pluginv1.DescribeRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Name != "dummy" || d.OfflineParameter != "dummy" || d.LooksAliveIntervalMs != 5000 || d.IsAliveIntervalMs != 60000 || !d.Validates {
		t.Errorf("Describe = %v", d)
	}
	if len(d.Properties) != len(dummy.Type().Properties) || d.Properties[0].Name != dummy.PropOnlineDelayMs || d.Properties[0].Kind != "dword" {
		t.Errorf("Describe properties = %v", d.Properties)
	}

	bad := proplist.List{{Name: dummy.PropFailOnline, Values: []proplist.Value{proplist.DWORD(7)}}}
	if _, err := c.Validate(ctx, &pluginv1.ValidateRequest{Properties: bad.Marshal()}); code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "must be 0 or 1") {
		t.Errorf("Validate(bad) = %v, want InvalidArgument with the type's message", err)
	}
	if _, err := c.Validate(ctx, &pluginv1.ValidateRequest{Properties: []byte{1, 2, 3}}); code(err) != codes.InvalidArgument {
		t.Errorf("Validate(garbage bytes) = %v, want InvalidArgument", err)
	}
	if _, err := c.Validate(ctx, &pluginv1.ValidateRequest{}); err != nil {
		t.Errorf("Validate(empty) = %v", err)
	}

	o, err := c.Open(ctx, &pluginv1.OpenRequest{Name: "d1", Group: "g", StateDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	ab := o.Abilities
	if !ab.Terminate || !ab.Status || !ab.LockedMode || !ab.Reconfigure {
		t.Errorf("dummy abilities = %v, want all", ab)
	}
	h := o.Handle

	sctx, cancelStream := context.WithTimeout(ctx, time.Minute) // a lost change fails, not hangs
	defer cancelStream()
	changes, err := c.Changes(sctx, &pluginv1.ChangesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	// The header says the server registered the stream; a change made
	// before it would be lost (and Recv below would wait for ever).
	if _, err := changes.Header(); err != nil {
		t.Fatal(err)
	}

	if _, err := c.Online(ctx, &pluginv1.OnlineRequest{Handle: h}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.LooksAlive(ctx, &pluginv1.LooksAliveRequest{Handle: h}); err != nil {
		t.Errorf("LooksAlive = %v", err)
	}
	// The input buffer crosses as property-list bytes.
	params := proplist.List{{Name: "dummy", Values: []proplist.Value{proplist.DWORD(dummy.ActionSave)}}}
	if _, err := c.Offline(ctx, &pluginv1.OfflineRequest{Handle: h, Params: params.Marshal()}); err != nil {
		t.Fatal(err)
	}
	st, err := c.Status(ctx, &pluginv1.StatusRequest{Handle: h})
	if err != nil {
		t.Fatal(err)
	}
	l, err := proplist.Unmarshal(st.Properties)
	if err != nil {
		t.Fatal(err)
	}
	if a, _ := l.String(dummy.StatusLastOfflineAction); a != "Save" {
		t.Errorf("LastOfflineAction = %q, want Save (status %v)", a, l)
	}
	if _, err := c.IsAlive(ctx, &pluginv1.IsAliveRequest{Handle: h}); code(err) != codes.Unknown || !strings.Contains(err.Error(), "not online") {
		t.Errorf("IsAlive when offline = %v, want Unknown with the type's message", err)
	}

	// Reconfigure into locked mode: the type calls Changed, the stream
	// carries the handle, LockedMode reports it.
	locked := proplist.List{
		{Name: dummy.PropLocked, Values: []proplist.Value{proplist.DWORD(1)}},
		{Name: dummy.PropLockedReason, Values: []proplist.Value{proplist.SZ("busy")}},
	}
	if _, err := c.Reconfigure(ctx, &pluginv1.ReconfigureRequest{Handle: h, Properties: locked.Marshal()}); err != nil {
		t.Fatal(err)
	}
	ch, err := changes.Recv()
	if err != nil || ch.Handle != h {
		t.Fatalf("Changes.Recv = %v, %v; want handle %d", ch, err, h)
	}
	lm, err := c.LockedMode(ctx, &pluginv1.LockedModeRequest{Handle: h})
	if err != nil || !lm.Locked || lm.Reason != "busy" {
		t.Errorf("LockedMode = %v, %v", lm, err)
	}
	if _, err := c.Reconfigure(ctx, &pluginv1.ReconfigureRequest{Handle: h, Properties: bad.Marshal()}); code(err) != codes.InvalidArgument {
		t.Errorf("Reconfigure(bad) = %v, want InvalidArgument", err)
	}

	// A deadline reaches the type's ctx and comes back as DeadlineExceeded.
	slow := proplist.List{{Name: dummy.PropOnlineDelayMs, Values: []proplist.Value{proplist.DWORD(60000)}}}
	o2, err := c.Open(ctx, &pluginv1.OpenRequest{Name: "slow", Properties: slow.Marshal()})
	if err != nil {
		t.Fatal(err)
	}
	dctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := c.Online(dctx, &pluginv1.OnlineRequest{Handle: o2.Handle}); code(err) != codes.DeadlineExceeded {
		t.Errorf("slow Online = %v, want DeadlineExceeded", err)
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("slow Online took %v", el)
	}

	if _, err := c.Terminate(ctx, &pluginv1.TerminateRequest{Handle: h}); err != nil {
		t.Errorf("Terminate = %v", err)
	}
	if _, err := c.Close(ctx, &pluginv1.CloseRequest{Handle: h}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Online(ctx, &pluginv1.OnlineRequest{Handle: h}); code(err) != codes.NotFound {
		t.Errorf("Online after Close = %v, want NotFound", err)
	}
	if _, err := c.Open(ctx, &pluginv1.OpenRequest{Name: "bad", Properties: bad.Marshal()}); err == nil {
		t.Error("Open with bad properties succeeded")
	}
}

// plain is a resource with none of the optional abilities.
type plain struct{}

func (plain) Online(context.Context, restype.OnlineRequest) error   { return nil }
func (plain) Offline(context.Context, restype.OfflineRequest) error { return nil }
func (plain) LooksAlive(context.Context) error                      { return nil }
func (plain) IsAlive(context.Context) error                         { return nil }

func TestServerWithoutAbilities(t *testing.T) {
	c := serve(t, &restype.Type{Name: "plain", New: func(restype.Config) (restype.Resource, error) { return plain{}, nil }})
	ctx := context.Background()
	d, err := c.Describe(ctx, &pluginv1.DescribeRequest{})
	if err != nil || d.Validates {
		t.Errorf("Describe = %v, %v; want Validates false", d, err)
	}
	o, err := c.Open(ctx, &pluginv1.OpenRequest{Name: "p"})
	if err != nil {
		t.Fatal(err)
	}
	if ab := o.Abilities; ab.Terminate || ab.Status || ab.LockedMode || ab.Reconfigure {
		t.Errorf("abilities = %v, want none", ab)
	}
	h := o.Handle
	for name, call := range map[string]func() error{
		"Terminate":   func() error { _, err := c.Terminate(ctx, &pluginv1.TerminateRequest{Handle: h}); return err },
		"Status":      func() error { _, err := c.Status(ctx, &pluginv1.StatusRequest{Handle: h}); return err },
		"LockedMode":  func() error { _, err := c.LockedMode(ctx, &pluginv1.LockedModeRequest{Handle: h}); return err },
		"Reconfigure": func() error { _, err := c.Reconfigure(ctx, &pluginv1.ReconfigureRequest{Handle: h}); return err },
	} {
		if err := call(); code(err) != codes.Unimplemented {
			t.Errorf("%s = %v, want Unimplemented", name, err)
		}
	}
}

func TestRecoverUnary(t *testing.T) {
	var buf bytes.Buffer
	i := recoverUnary(slog.New(slog.NewTextHandler(&buf, nil)))
	_, err := i(context.Background(), nil, &grpc.UnaryServerInfo{FullMethod: "/x/Online"}, func(context.Context, any) (any, error) {
		panic("boom")
	})
	if code(err) != codes.Internal || !strings.Contains(err.Error(), "boom") {
		t.Errorf("err = %v, want Internal naming the panic", err)
	}
	if !strings.Contains(buf.String(), "boom") {
		t.Errorf("panic not logged: %s", buf.String())
	}
}

func TestLogHandler(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(NewLogHandler(&buf, slog.LevelDebug))
	log.Warn("disk almost full", slog.String("resource", "r1"), slog.Int("pct", 97))
	var m map[string]any
	if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
		t.Fatalf("not one JSON line: %q: %v", buf.String(), err)
	}
	if m["@level"] != "warn" || m["@message"] != "disk almost full" || m["resource"] != "r1" || m["pct"] != float64(97) {
		t.Errorf("entry = %v", m)
	}
	if _, ok := m["time"]; ok {
		t.Errorf("entry has a time (go-plugin would fail to parse it): %v", m)
	}
	for l, want := range map[slog.Level]string{slog.LevelDebug - 4: "trace", slog.LevelDebug: "debug", slog.LevelInfo: "info", slog.LevelWarn + 1: "warn", slog.LevelError + 4: "error"} {
		if got := hclogLevel(l); got != want {
			t.Errorf("hclogLevel(%v) = %q, want %q", l, got, want)
		}
	}
}

func TestCheckType(t *testing.T) {
	if checkType(nil) == nil || checkType(&restype.Type{New: dummy.New}) == nil || checkType(&restype.Type{Name: "x"}) == nil {
		t.Error("checkType accepted a type it cannot serve")
	}
	if err := checkType(dummy.Type()); err != nil {
		t.Error(err)
	}
}
