package clusapi_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"connectrpc.com/connect"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
	"github.com/batoncluster/baton/api/baton/v1/batonv1connect"
	"github.com/batoncluster/baton/clusapi"
)

// tokenFake answers the access calls with tokens and their times, and a
// stream of two events; it records the expiry asked for.
type tokenFake struct {
	batonv1connect.UnimplementedAccessServiceHandler
	batonv1connect.UnimplementedEventServiceHandler
	expiresIn chan int64
}

var (
	created = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	expires = created.Add(720 * time.Hour)
)

func (f *tokenFake) ListAccess(context.Context, *connect.Request[batonv1.ListAccessRequest]) (*connect.Response[batonv1.ListAccessResponse], error) {
	return connect.NewResponse(&batonv1.ListAccessResponse{
		Entries: []*batonv1.AccessEntry{{Principal: "token:ci", Access: "full"}},
		Tokens:  []string{"ci", "old"},
		TokenInfo: []*batonv1.TokenInfo{
			{Name: "ci", CreatedUnixNano: created.UnixNano(), ExpiresUnixNano: expires.UnixNano(), LastUsedUnixNano: created.Add(time.Hour).UnixNano()},
			{Name: "old", CreatedUnixNano: created.UnixNano()},
		},
	}), nil
}

func (f *tokenFake) CreateToken(_ context.Context, r *connect.Request[batonv1.CreateTokenRequest]) (*connect.Response[batonv1.CreateTokenResponse], error) {
	f.expiresIn <- r.Msg.GetExpiresInSeconds()
	resp := &batonv1.CreateTokenResponse{Name: r.Msg.GetName(), Token: "baton_secret", Principal: "token:" + r.Msg.GetName()}
	if r.Msg.GetExpiresInSeconds() != 0 {
		resp.ExpiresUnixNano = expires.UnixNano()
	}
	return connect.NewResponse(resp), nil
}

func (f *tokenFake) Watch(_ context.Context, _ *connect.Request[batonv1.WatchRequest], s *connect.ServerStream[batonv1.Event]) error {
	for _, ev := range []*batonv1.Event{
		{Revision: 7, Kind: "operation", Action: "put", Group: "G", Operation: &batonv1.Operation{Id: "op-1", Kind: "OnlineGroup", Outcome: "succeeded"}},
		{Revision: 8, Kind: "group", Action: "put", Name: "G", Group: "G", ClusterChange: clusapi.CLUSTER_CHANGE_GROUP_PROPERTY, ClusterChangeName: "CLUSTER_CHANGE_GROUP_PROPERTY"},
	} {
		if err := s.Send(ev); err != nil {
			return err
		}
	}
	return nil
}

func serveTokenFake(t *testing.T, f *tokenFake) *clusapi.Client {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle(batonv1connect.NewAccessServiceHandler(f))
	mux.Handle(batonv1connect.NewEventServiceHandler(f))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return newClient(t, srv.URL)
}

// Access.List gives each token's times; CreateTokenEx asks for an expiry
// in seconds, reads it back, and refuses one under a second unsent.
func TestAccessTokenTimes(t *testing.T) {
	f := &tokenFake{expiresIn: make(chan int64, 4)}
	c := serveTokenFake(t, f)
	ctx := context.Background()
	acl, err := c.Access().List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []clusapi.TokenInfo{
		{Name: "ci", Created: created, Expires: expires, LastUsed: created.Add(time.Hour)},
		{Name: "old", Created: created},
	}
	if len(acl.TokenInfo) != len(want) {
		t.Fatalf("TokenInfo = %+v, want %+v", acl.TokenInfo, want)
	}
	for i, w := range want {
		g := acl.TokenInfo[i]
		if g.Name != w.Name || !g.Created.Equal(w.Created) || !g.Expires.Equal(w.Expires) || !g.LastUsed.Equal(w.LastUsed) || g.Expires.IsZero() != w.Expires.IsZero() || g.LastUsed.IsZero() != w.LastUsed.IsZero() {
			t.Errorf("TokenInfo[%d] = %+v, want %+v", i, g, w)
		}
	}

	tok, err := c.Access().CreateTokenEx(ctx, "ci", clusapi.AccessFull, clusapi.TokenOptions{ExpiresIn: 720 * time.Hour})
	if err != nil || tok.Token != "baton_secret" || !tok.Expires.Equal(expires) {
		t.Fatalf("CreateTokenEx = %+v, %v", tok, err)
	}
	if got := <-f.expiresIn; got != 720*3600 {
		t.Errorf("asked for an expiry of %d s, want %d", got, 720*3600)
	}
	tok, err = c.Access().CreateToken(ctx, "forever", clusapi.AccessRead)
	if err != nil || !tok.Expires.IsZero() {
		t.Fatalf("CreateToken = %+v, %v; want no expiry", tok, err)
	}
	if got := <-f.expiresIn; got != 0 {
		t.Errorf("CreateToken asked for an expiry of %d s, want 0", got)
	}
	for _, d := range []time.Duration{-time.Second, time.Millisecond} {
		if _, err := c.Access().CreateTokenEx(ctx, "bad", clusapi.AccessRead, clusapi.TokenOptions{ExpiresIn: d}); !errors.Is(err, clusapi.ERROR_INVALID_PARAMETER) {
			t.Errorf("ExpiresIn %s: %v, want ERROR_INVALID_PARAMETER", d, err)
		}
	}
	if len(f.expiresIn) != 0 {
		t.Errorf("a refused ExpiresIn was sent")
	}
}

// An event carries its change's name and, for an operation, the record;
// a stream the agent ends says so.
func TestWatchEventDetails(t *testing.T) {
	c := serveTokenFake(t, &tokenFake{})
	s, err := c.Watch(context.Background(), clusapi.WatchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ev, err := s.Next()
	if err != nil || ev.Operation == nil || ev.Operation.ID != "op-1" || ev.Operation.Kind != "OnlineGroup" || ev.Operation.Outcome != "succeeded" {
		t.Fatalf("operation event = %+v (operation %+v), %v", ev, ev.Operation, err)
	}
	ev, err = s.Next()
	if err != nil || ev.Operation != nil || ev.Change != clusapi.CLUSTER_CHANGE_GROUP_PROPERTY || ev.ChangeName != "CLUSTER_CHANGE_GROUP_PROPERTY" {
		t.Fatalf("group event = %+v, %v", ev, err)
	}
	// The agent ends the stream: RPC_S_SERVER_UNAVAILABLE, and io.EOF.
	if _, err := s.Next(); !errors.Is(err, clusapi.RPC_S_SERVER_UNAVAILABLE) || !errors.Is(err, io.EOF) {
		t.Errorf("after the last event: %v, want RPC_S_SERVER_UNAVAILABLE and io.EOF", err)
	}
}
