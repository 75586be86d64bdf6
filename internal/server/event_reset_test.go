package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	clientv3 "go.etcd.io/etcd/client/v3"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/agent"
	"github.com/batoncluster/baton/internal/clustertest"
	"github.com/batoncluster/baton/internal/config"
	"github.com/batoncluster/baton/internal/ops"
	"github.com/batoncluster/baton/internal/store"
)

// A stream whose watch cannot resume — the node lost its database
// connection and the history was compacted meanwhile — ends with
// ERROR_CLUSTER_DATABASE_SEQMISMATCH, naming the revision it had reached,
// rather than go on with a gap; a new stream from revision 0 (what the
// dashboard does on that code) starts with a sync and goes on.
func TestWatchEndsWhenItsHistoryIsCompactedMidStream(t *testing.T) {
	db := clustertest.NewDatabase(t)
	proxy := clustertest.NewProxy(t, db.Addr)
	n := clustertest.NewWith(t, func(c *config.Config) {
		c.EtcdEndpoints = []string{"http://" + proxy.Addr()}
		c.LeaseTTL, c.RenewInterval, c.FenceMargin = 6*time.Second, 500*time.Millisecond, 2*time.Second
	})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := conn(t, n.Addr(), "")
	stream, err := c.Events.Watch(ctx, connect.NewRequest(&batonv1.WatchRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	if !stream.Receive() || stream.Msg().Kind != "sync" {
		t.Fatalf("first event %v (%v), want sync", stream.Msg(), stream.Err())
	}
	reached := stream.Msg().Revision

	other, err := store.Open(ctx, db.Client, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	e2 := ops.New(other, agent.Types(), "node2")
	proxy.Cut()
	for _, g := range []string{"missed1", "missed2"} {
		if _, err := e2.CreateGroup(ctx, g, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	compactedAt := other.View().Rev()
	if _, err := db.Client.Compact(ctx, compactedAt); err != nil {
		t.Fatal(err)
	}
	proxy.Heal()

	for stream.Receive() {
		ev := stream.Msg()
		if ev.Kind == "group" {
			t.Errorf("an event from the gap: %v", ev)
		}
		reached = max(reached, ev.Revision) // the node's own writes before the cut
	}
	err = stream.Err()
	if got := code(t, err); got != wsfc.ERROR_CLUSTER_DATABASE_SEQMISMATCH {
		t.Fatalf("stream ended with %v (%v), want ERROR_CLUSTER_DATABASE_SEQMISMATCH", got, err)
	}
	// It names the revision the stream had reached: at least the last
	// event sent (later if changes of no interest to clients followed).
	var after int64
	if i := strings.Index(err.Error(), "after revision "); i < 0 {
		t.Errorf("error %q names no revision", err)
	} else if _, serr := fmt.Sscanf(err.Error()[i:], "after revision %d ", &after); serr != nil || after < reached || after >= compactedAt {
		t.Errorf("error %q: want the revision the stream had reached, in [%d, %d)", err, reached, compactedAt)
	}

	// At once, before the node's own store has reloaded: "from now on"
	// waits for it rather than fail.
	again, err := c.Events.Watch(ctx, connect.NewRequest(&batonv1.WatchRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	if !again.Receive() || again.Msg().Kind != "sync" {
		t.Fatalf("first event of the new stream %v (%v), want sync", again.Msg(), again.Err())
	}
	if _, err := n.Ops().CreateGroup(ctx, "after", nil, nil); err != nil {
		t.Fatal(err)
	}
	for again.Receive() {
		if ev := again.Msg(); ev.Kind == "group" && ev.Name == "after" {
			return
		}
	}
	t.Fatalf("the new stream ended: %v", again.Err())
}

// A record the node cannot decode does not end a stream: the records of
// its transaction are sent, it reads as deleted, and rewritten it comes
// back as added.
func TestWatchSkipsUndecodableRecords(t *testing.T) {
	n := clustertest.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := n.Ops().CreateGroup(ctx, "G", nil, nil); err != nil {
		t.Fatal(err)
	}
	c := conn(t, n.Addr(), "")
	stream, err := c.Events.Watch(ctx, connect.NewRequest(&batonv1.WatchRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	if !stream.Receive() || stream.Msg().Kind != "sync" {
		t.Fatalf("first event %v (%v), want sync", stream.Msg(), stream.Err())
	}
	good, _ := json.Marshal(&store.Group{Name: "H", OwnerNode: "node1"})
	cl := n.Store().Client()
	if _, err := cl.Txn(ctx).Then(
		clientv3.OpPut(store.GroupKey("G"), "{not json"),
		clientv3.OpPut(store.GroupKey("H"), string(good)),
	).Commit(); err != nil {
		t.Fatal(err)
	}
	fixed, _ := json.Marshal(&store.Group{Name: "G", OwnerNode: "node1"})
	if _, err := cl.Put(ctx, store.GroupKey("G"), string(fixed)); err != nil {
		t.Fatal(err)
	}
	var got []string
	for len(got) < 3 && stream.Receive() {
		if ev := stream.Msg(); ev.Kind == "group" {
			got = append(got, ev.ClusterChangeName+" "+ev.Name)
		}
	}
	want := []string{"CLUSTER_CHANGE_GROUP_DELETED G", "CLUSTER_CHANGE_GROUP_ADDED H", "CLUSTER_CHANGE_GROUP_ADDED G"}
	if strings.Join(got, ", ") != strings.Join(want, ", ") {
		t.Fatalf("events %v (stream: %v), want %v", got, stream.Err(), want)
	}
}
