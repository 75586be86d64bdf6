package store_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/batoncluster/baton/internal/clustertest"
	"github.com/batoncluster/baton/internal/store"
	"github.com/batoncluster/baton/proplist"
)

// syncBuffer is a log destination the watch goroutine and the test share.
type syncBuffer struct {
	mu sync.Mutex // guards b
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// badResource is what a node wrote before values were validated: a
// resource whose sz value holds a NUL, which the store cannot decode.
func badResource(t *testing.T, name string) string {
	t.Helper()
	b, err := json.Marshal(&store.Resource{Name: name, Group: "G", Type: "dummy",
		Private: proplist.List{{Name: "P", Values: []proplist.Value{proplist.SZ("MARK")}}}})
	if err != nil {
		t.Fatal(err)
	}
	return strings.Replace(string(b), "MARK", `a\u0000b`, 1)
}

// v1Group is a group record as schema version 1 wrote it: with the list
// of its resources.
type v1Group struct {
	*store.Group
	Resources []string `json:"resources,omitempty"`
}

func record(t *testing.T, rec any) string {
	t.Helper()
	b, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A record the store cannot decode neither stops it from opening nor holds
// back the records written with it: it is quarantined, named once in the
// log, counted, and taken out of quarantine when it is written anew.
func TestBadRecordsAreQuarantinedOneByOne(t *testing.T) {
	st := open(t)
	cli := st.Client()
	ctx := context.Background()
	// Written before the store opens, in the transaction of a good group.
	if _, err := cli.Txn(ctx).Then(
		clientv3.OpPut(store.GroupKey("G"), record(t, v1Group{&store.Group{Name: "G"}, []string{"bad"}})),
		clientv3.OpPut(store.ResourceKey("bad"), badResource(t, "bad")),
	).Commit(); err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	st2, err := store.Open(ctx, cli, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatalf("Open with a bad record: %v", err)
	}
	defer st2.Close()
	v := st2.View()
	if v.Group("G") == nil || v.Resource("bad") != nil {
		t.Fatalf("after Open: group %v, bad resource %v", v.Group("G"), v.Resource("bad"))
	}
	if q := v.Quarantined(); len(q) != 1 || q[0].Key != store.ResourceKey("bad") || !strings.Contains(q[0].Err, "NUL") {
		t.Fatalf("quarantined %+v", q)
	}

	// Written while it runs, in the transaction of a good group H.
	if _, err := cli.Txn(ctx).Then(
		clientv3.OpPut(store.GroupKey("H"), record(t, &store.Group{Name: "H"})),
		clientv3.OpPut(store.StatusKey("bad"), `{"resource":"bad","state":`),
	).Commit(); err != nil {
		t.Fatal(err)
	}
	if err := st2.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	v = st2.View()
	if v.Group("H") == nil || !v.IsQuarantined(store.StatusKey("bad")) {
		t.Fatalf("group H %v, status quarantined %v", v.Group("H"), v.IsQuarantined(store.StatusKey("bad")))
	}
	// H changes as any record does: nothing of its batch was held back.
	for i := 0; i < 3; i++ {
		if _, err := st2.Update(ctx, func(v store.View, t *store.Txn) error {
			g := v.Group("H").Clone()
			g.PreferredOwners = append(g.PreferredOwners, "n")
			t.PutGroup(g)
			return nil
		}); err != nil {
			t.Fatalf("change of a group written with a bad record: %v", err)
		}
	}
	if n := strings.Count(logs.String(), `key=`+store.StatusKey("bad")); n != 1 {
		t.Errorf("the bad status is logged %d times, want once:\n%s", n, logs.String())
	}
	if n := strings.Count(logs.String(), `key=`+store.ResourceKey("bad")); n != 1 {
		t.Errorf("the bad resource is logged %d times, want once:\n%s", n, logs.String())
	}
	if s := st2.Stats(); s.BadRecords != 2 {
		t.Errorf("Stats %+v, want 2 bad records", s)
	}

	// Creating the record anew replaces the bad one (it reads as absent).
	if _, err := st2.Update(ctx, func(v store.View, t *store.Txn) error {
		if v.Resource("bad") != nil {
			t.PutGroup(&store.Group{Name: "wrong"}) // must not happen
		}
		t.PutResource(&store.Resource{Name: "bad", Group: "G", Type: "dummy"})
		return nil
	}); err != nil {
		t.Fatalf("rewrite a quarantined record: %v", err)
	}
	v = st2.View()
	if v.Resource("bad") == nil || v.IsQuarantined(store.ResourceKey("bad")) || len(v.Quarantined()) != 1 {
		t.Fatalf("after the rewrite: resource %v, quarantined %+v", v.Resource("bad"), v.Quarantined())
	}
	if !strings.Contains(logs.String(), "out of quarantine") {
		t.Errorf("leaving quarantine is not logged:\n%s", logs.String())
	}
}

// A store whose watch cannot resume — its database connection was cut and
// the history it needs compacted meanwhile — reloads and resets every
// subscription, so the changes it missed are acted on; a later watch goes
// on as before.
func TestReloadResetsSubscriptions(t *testing.T) {
	db := clustertest.NewDatabase(t)
	proxy := clustertest.NewProxy(t, db.Addr)
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{"http://" + proxy.Addr()}, DialTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	st, err := store.Open(ctx, cli, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sub := st.Subscribe()
	defer sub.Close()
	if _, err := st.Update(ctx, func(v store.View, t *store.Txn) error {
		t.PutGroup(&store.Group{Name: "before"})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	<-sub.C()
	if _, reset := sub.Take(); reset {
		t.Fatal("reset before any reload")
	}

	proxy.Cut()
	for _, g := range []string{"missed1", "missed2"} {
		if _, err := db.Client.Put(ctx, store.GroupKey(g), record(t, &store.Group{Name: g})); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := db.Client.Get(ctx, store.ClusterKey())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Client.Compact(ctx, resp.Header.Revision); err != nil {
		t.Fatal(err)
	}
	proxy.Heal()

	for reset := false; !reset; {
		select {
		case <-sub.C():
			_, reset = sub.Take()
		case <-ctx.Done():
			t.Fatal("no reset after the watch's history was compacted")
		}
	}
	if v := st.View(); v.Group("missed1") == nil || v.Group("missed2") == nil {
		t.Fatal("the reload lacks what was written while the watch was cut off")
	}
	if s := st.Stats(); s.Reloads != 1 {
		t.Errorf("Stats %+v, want 1 reload", s)
	}
	// The watch goes on from the reload: changes arrive key by key again.
	if _, err := db.Client.Put(ctx, store.GroupKey("after"), record(t, &store.Group{Name: "after"})); err != nil {
		t.Fatal(err)
	}
	for {
		select {
		case <-sub.C():
		case <-ctx.Done():
			t.Fatal("no change after the reload")
		}
		keys, reset := sub.Take()
		if reset {
			t.Fatal("a second reset")
		}
		if len(keys) > 0 && keys[len(keys)-1] == store.GroupKey("after") {
			return
		}
	}
}
