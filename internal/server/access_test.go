package server_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"connectrpc.com/connect"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
	"github.com/batoncluster/baton/clusapi"
	"github.com/batoncluster/baton/internal/clustertest"
	"github.com/batoncluster/baton/internal/dial"
	"github.com/batoncluster/baton/internal/server"
)

func code(t *testing.T, err error) clusapi.Errno {
	t.Helper()
	if err == nil {
		return clusapi.ERROR_SUCCESS
	}
	return clusapi.FromConnectError(err).Code
}

func conn(t *testing.T, addr, token string) *dial.Conn {
	t.Helper()
	c, err := dial.New(addr, dial.Options{Token: token})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// tcpConn connects to the node's TCP API (https, verified against the
// cluster CA) with token.
func tcpConn(t *testing.T, n *clustertest.Node, token string) *dial.Conn {
	t.Helper()
	c, err := dial.New("https://"+n.Agent.HTTPAddr(), dial.Options{Token: token, CA: filepath.Join(n.Dir, "ca.crt")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func TestAccessControl(t *testing.T) {
	n := clustertest.New(t)
	ctx := context.Background()
	root := conn(t, n.Addr(), "") // the test runs as root: Full over the socket
	if _, err := root.Groups.CreateGroup(ctx, connect.NewRequest(&batonv1.CreateGroupRequest{Name: "G"})); err != nil {
		t.Fatal(err)
	}
	mk := func(name, access string) string {
		resp, err := root.Access.CreateToken(ctx, connect.NewRequest(&batonv1.CreateTokenRequest{Name: name, Access: access}))
		if err != nil {
			t.Fatal(err)
		}
		return resp.Msg.Token
	}
	reader := tcpConn(t, n, mk("reader", "read"))
	writer := tcpConn(t, n, mk("writer", "full"))
	nobody := tcpConn(t, n, "")
	forged := tcpConn(t, n, "baton_not-a-real-token")

	state := func(c *dial.Conn) error {
		_, err := c.Groups.GetGroupState(ctx, connect.NewRequest(&batonv1.GetGroupStateRequest{Group: &batonv1.GroupRef{Name: "G"}}))
		return err
	}
	offline := func(c *dial.Conn, group string, flags uint32) error {
		_, err := c.Groups.OfflineGroup(ctx, connect.NewRequest(&batonv1.OfflineGroupRequest{Group: &batonv1.GroupRef{Name: group}, Flags: flags}))
		return err
	}
	cases := []struct {
		name string
		err  error
		want clusapi.Errno
	}{
		{"no credentials may not read", state(nobody), clusapi.ERROR_ACCESS_DENIED},
		{"a forged token may not read", state(forged), clusapi.ERROR_ACCESS_DENIED},
		{"read may read", state(reader), clusapi.ERROR_SUCCESS},
		{"read may not offline", offline(reader, "G", 0), clusapi.ERROR_ACCESS_DENIED},
		// Access is checked before anything about the request: a read-only
		// caller learns nothing about bad flags or missing groups.
		{"read with bad flags still gets 5", offline(reader, "G", 0x2), clusapi.ERROR_ACCESS_DENIED},
		{"read on a missing group still gets 5", offline(reader, "NoSuch", 0), clusapi.ERROR_ACCESS_DENIED},
		{"read may ask why", second(reader.Groups.ExplainGroup(ctx, connect.NewRequest(&batonv1.ExplainGroupRequest{Group: &batonv1.GroupRef{Name: "G"}}))), clusapi.ERROR_SUCCESS},
		{"read may list operations", second(reader.Groups.ListOperations(ctx, connect.NewRequest(&batonv1.ListOperationsRequest{Group: &batonv1.GroupRef{Name: "G"}}))), clusapi.ERROR_SUCCESS},
		{"read may not move", second(reader.Groups.MoveGroup(ctx, connect.NewRequest(&batonv1.MoveGroupRequest{Group: &batonv1.GroupRef{Name: "G"}}))), clusapi.ERROR_ACCESS_DENIED},
		{"read may not pause a node", second(reader.Nodes.PauseNode(ctx, connect.NewRequest(&batonv1.PauseNodeRequest{Name: "node1"}))), clusapi.ERROR_ACCESS_DENIED},
		{"full may offline", offline(writer, "G", 0), clusapi.ERROR_SUCCESS},
		{"full gets 87 for bad flags", offline(writer, "G", 0x2), clusapi.ERROR_INVALID_PARAMETER},
		{"full gets 5013 for a missing group", offline(writer, "NoSuch", 0), clusapi.ERROR_GROUP_NOT_FOUND},
	}
	for _, c := range cases {
		if got := code(t, c.err); got != c.want {
			t.Errorf("%s: got %v (%v), want %v", c.name, got, c.err, c.want)
		}
	}

	// A Read token granted Full may change things; revoked, nothing at all.
	if _, err := root.Access.GrantAccess(ctx, connect.NewRequest(&batonv1.GrantAccessRequest{Principal: "token:reader", Access: "full"})); err != nil {
		t.Fatal(err)
	}
	if got := code(t, offline(reader, "G", 0)); got != clusapi.ERROR_SUCCESS {
		t.Errorf("after grant: %v", got)
	}
	if _, err := root.Access.RevokeAccess(ctx, connect.NewRequest(&batonv1.RevokeAccessRequest{Principal: "token:reader"})); err != nil {
		t.Fatal(err)
	}
	if got := code(t, state(reader)); got != clusapi.ERROR_ACCESS_DENIED {
		t.Errorf("after revoke: %v, want 5", got)
	}
	// Bad ACL input answers 87.
	_, err := root.Access.GrantAccess(ctx, connect.NewRequest(&batonv1.GrantAccessRequest{Principal: "alice", Access: "full"}))
	if got := code(t, err); got != clusapi.ERROR_INVALID_PARAMETER {
		t.Errorf("grant to a malformed principal: %v, want 87", got)
	}
	_, err = root.Access.GrantAccess(ctx, connect.NewRequest(&batonv1.GrantAccessRequest{Principal: "unix:user:alice", Access: "admin"}))
	if got := code(t, err); got != clusapi.ERROR_INVALID_PARAMETER {
		t.Errorf("grant of an unknown access level: %v, want 87", got)
	}
}

func TestHandleToAnotherCluster(t *testing.T) {
	n := clustertest.New(t)
	c := conn(t, n.Addr(), "")
	c.SetClusterID("0123456789abcdef") // not this cluster's id
	_, err := c.Groups.ListGroups(context.Background(), connect.NewRequest(&batonv1.ListGroupsRequest{}))
	if got := code(t, err); got != clusapi.ERROR_INVALID_HANDLE {
		t.Fatalf("got %v (%v), want ERROR_INVALID_HANDLE", got, err)
	}
	var ce *connect.Error
	if !errors.As(err, &ce) || ce.Meta().Get(server.Win32Header) != "6" {
		t.Errorf("the Win32 code is not in the %s header: %v", server.Win32Header, err)
	}
}

func second[T any](_ T, err error) error { return err }

// Read access may watch the event stream.
func TestReadMayWatch(t *testing.T) {
	n := clustertest.New(t)
	ctx := context.Background()
	root := conn(t, n.Addr(), "")
	resp, err := root.Access.CreateToken(ctx, connect.NewRequest(&batonv1.CreateTokenRequest{Name: "viewer", Access: "read"}))
	if err != nil {
		t.Fatal(err)
	}
	reader := tcpConn(t, n, resp.Msg.Token)
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	stream, err := reader.Events.Watch(wctx, connect.NewRequest(&batonv1.WatchRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	if !stream.Receive() || stream.Msg().Kind != "sync" {
		t.Fatalf("read access cannot watch: %v", stream.Err())
	}
}
