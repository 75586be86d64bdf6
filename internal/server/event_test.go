package server_test

import (
	"context"
	"testing"
	"time"

	"connectrpc.com/connect"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/clustertest"
	"github.com/batoncluster/baton/internal/ops"
	"github.com/batoncluster/baton/internal/store"
)

// collect reads events until stop says enough (or 20 s pass).
func collect(t *testing.T, c interface {
	Receive() bool
	Msg() *batonv1.Event
	Err() error
}, stop func([]*batonv1.Event) bool) []*batonv1.Event {
	t.Helper()
	var evs []*batonv1.Event
	done := make(chan struct{})
	go func() {
		defer close(done)
		for c.Receive() {
			evs = append(evs, c.Msg())
			if stop(evs) {
				return
			}
		}
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatalf("events so far: %v (err %v)", evs, c.Err())
	}
	return evs
}

func TestWatchStreamsAndResumesWithoutGaps(t *testing.T) {
	n := clustertest.New(t)
	c := conn(t, n.Addr(), "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stream, err := c.Events.Watch(ctx, connect.NewRequest(&batonv1.WatchRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	e := n.Ops()
	go func() {
		// Wait for the sync event before changing anything.
		time.Sleep(200 * time.Millisecond)
		_, _ = e.CreateGroup(context.Background(), "G", nil, nil)
		_, _ = e.CreateResource(context.Background(), "r", "G", "dummy", nil, nil)
		_, _ = e.OnlineGroup(context.Background(), ops.GroupRef{Name: "G"}, "", ops.Request{})
	}()
	evs := collect(t, stream, func(evs []*batonv1.Event) bool {
		last := evs[len(evs)-1]
		return last.Kind == "groupState" && last.StateName == "Online"
	})
	if evs[0].Kind != "sync" {
		t.Fatalf("first event %v, want sync", evs[0])
	}
	seen := map[string]bool{}
	var prev int64
	for _, ev := range evs {
		if ev.Revision < prev {
			t.Errorf("revisions go backwards: %d after %d", ev.Revision, prev)
		}
		prev = ev.Revision
		seen[ev.ClusterChangeName] = true
	}
	for _, want := range []string{"CLUSTER_CHANGE_GROUP_ADDED", "CLUSTER_CHANGE_RESOURCE_ADDED", "CLUSTER_CHANGE_RESOURCE_STATE", "CLUSTER_CHANGE_GROUP_STATE"} {
		if !seen[want] {
			t.Errorf("no %s event in %v", want, evs)
		}
	}
	cancel()

	// Resume after the group was added: exactly the later events again.
	var addedAt int64
	var after []int64
	for _, ev := range evs {
		if ev.ClusterChange == wsfc.CLUSTER_CHANGE_GROUP_ADDED {
			addedAt = ev.Revision
		} else if addedAt != 0 && ev.Kind != "groupState" {
			after = append(after, ev.Revision)
		}
	}
	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	again, err := c.Events.Watch(ctx2, connect.NewRequest(&batonv1.WatchRequest{SinceRevision: addedAt}))
	if err != nil {
		t.Fatal(err)
	}
	replay := collect(t, again, func(evs []*batonv1.Event) bool {
		var n int
		for _, ev := range evs {
			if ev.Kind != "sync" && ev.Kind != "groupState" {
				n++
			}
		}
		return n >= len(after)
	})
	var got []int64
	for _, ev := range replay {
		if ev.Kind != "sync" && ev.Kind != "groupState" {
			got = append(got, ev.Revision)
		}
	}
	if len(got) != len(after) {
		t.Fatalf("resumed stream revisions %v, want %v", got, after)
	}
	for i := range got {
		if got[i] != after[i] {
			t.Fatalf("resumed stream revisions %v, want %v", got, after)
		}
	}
}

func TestWatchCompactedRevisionIsAnError(t *testing.T) {
	n := clustertest.New(t)
	e := n.Ops()
	ctx := context.Background()
	for _, g := range []string{"a", "b", "c"} {
		if _, err := e.CreateGroup(ctx, g, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	rev := n.Store().View().Rev()
	if _, err := n.Store().Client().Compact(ctx, rev); err != nil {
		t.Fatal(err)
	}
	c := conn(t, n.Addr(), "")
	stream, err := c.Events.Watch(ctx, connect.NewRequest(&batonv1.WatchRequest{SinceRevision: 1}))
	if err == nil {
		for stream.Receive() {
			t.Errorf("event from a compacted revision: %v", stream.Msg())
		}
		err = stream.Err()
	}
	if got := code(t, err); got != wsfc.ERROR_CLUSTER_DATABASE_SEQMISMATCH {
		t.Fatalf("watch from a compacted revision: %v (%v), want ERROR_CLUSTER_DATABASE_SEQMISMATCH", got, err)
	}
}

// A group put that gives the group another owner says so (owner_changed,
// for CLUSTER_CHANGE_GROUP_OWNER_NODE_V2) — also when it is the first
// event of the group a stream carries; other puts of the group do not.
func TestWatchMarksOwnerChanges(t *testing.T) {
	n := clustertest.New(t)
	e := n.Ops()
	ctx0 := context.Background()
	if _, err := e.CreateGroup(ctx0, "G", nil, nil); err != nil {
		t.Fatal(err)
	}
	c := conn(t, n.Addr(), "")
	ctx, cancel := context.WithCancel(ctx0)
	defer cancel()
	stream, err := c.Events.Watch(ctx, connect.NewRequest(&batonv1.WatchRequest{Group: "G"}))
	if err != nil {
		t.Fatal(err)
	}
	put := func(change func(g *store.Group)) {
		if _, err := n.Store().Update(ctx0, func(v store.View, t *store.Txn) error {
			g := v.Group("G").Clone()
			change(g)
			t.PutGroup(g)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	// The stream is in place once its sync event came.
	if !stream.Receive() || stream.Msg().Kind != "sync" {
		t.Fatalf("no sync event first: %v %v", stream.Msg(), stream.Err())
	}
	put(func(g *store.Group) { g.OwnerNode = "elsewhere" })
	put(func(g *store.Group) { g.PreferredOwners = []string{"elsewhere"} })
	evs := collect(t, stream, func(evs []*batonv1.Event) bool {
		groups := 0
		for _, ev := range evs {
			if ev.Kind == "group" {
				groups++
			}
		}
		return groups == 2
	})
	var marks []bool
	for _, ev := range evs {
		if ev.Kind == "group" {
			marks = append(marks, ev.OwnerChanged)
		}
	}
	if len(marks) != 2 || !marks[0] || marks[1] {
		t.Errorf("owner_changed of the two group puts: %v, want [true false]", marks)
	}
}
