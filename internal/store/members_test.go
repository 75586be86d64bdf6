package store_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/batoncluster/baton/internal/store"
)

func names[T any](list []T, name func(T) string) []string {
	var out []string
	for _, x := range list {
		out = append(out, name(x))
	}
	return out
}

func resourceNames(rs []*store.Resource) []string {
	return names(rs, func(r *store.Resource) string { return r.Name })
}

func createResource(t *testing.T, st *store.Store, name, group string) {
	t.Helper()
	put(t, st, func(_ store.View, tx *store.Txn) {
		tx.PutResource(&store.Resource{Name: name, Group: group, Type: "dummy"})
	})
}

// A group's resources are the resources whose record names it, in the
// order they were created; adding or deleting one leaves the group record
// as it was.
func TestGroupResourcesComeFromTheResourceRecords(t *testing.T) {
	st := open(t)
	put(t, st, func(_ store.View, tx *store.Txn) {
		tx.PutGroup(&store.Group{Name: "G"})
		tx.PutGroup(&store.Group{Name: "H"})
	})
	rev := st.View().Group("G").Rev
	for _, r := range []string{"r3", "r1", "r2"} {
		createResource(t, st, r, "G")
	}
	createResource(t, st, "h1", "H")
	v := st.View()
	g := v.Group("G")
	if g.Rev != rev {
		t.Error("creating a resource rewrote its group's record")
	}
	if got := v.GroupResourceNames(g); !slices.Equal(got, []string{"r3", "r1", "r2"}) {
		t.Errorf("GroupResourceNames = %v, want the order of creation r3 r1 r2", got)
	}
	if got := resourceNames(v.GroupResources(g)); !slices.Equal(got, []string{"r3", "r1", "r2"}) {
		t.Errorf("GroupResources = %v", got)
	}
	r1 := v.Resource("r1")
	if got := resourceNames(v.GroupResourcesAfter(g, v.Resource("r3").Cursor(), 1)); !slices.Equal(got, []string{"r1"}) {
		t.Errorf("page after r3 = %v, want r1", got)
	}
	put(t, st, func(v store.View, tx *store.Txn) { tx.Delete(store.ResourceKey("r1"), v.Resource("r1").Rev) })
	v = st.View()
	if got := v.GroupResourceNames(v.Group("G")); !slices.Equal(got, []string{"r3", "r2"}) {
		t.Errorf("after deleting r1: %v", got)
	}
	// A page may end with a resource deleted since: its place is kept.
	if got := resourceNames(v.GroupResourcesAfter(v.Group("G"), r1.Cursor(), 0)); !slices.Equal(got, []string{"r2"}) {
		t.Errorf("page after the deleted r1 = %v, want r2", got)
	}
	if v.Group("G").Rev != rev {
		t.Error("deleting a resource rewrote its group's record")
	}
}

// A decision that read a group's resources runs again when a resource is
// added to the group or deleted from it, and not for a change of another
// group or of a resource it did not read.
func TestGroupMembershipIsCompared(t *testing.T) {
	count := func(v store.View, t *store.Txn) (int, error) {
		g := v.Group("G").Clone()
		n := len(v.GroupResourceNames(g))
		g.PreferredOwners = []string{fmt.Sprint(n)}
		t.PutGroup(g)
		return n, nil
	}
	for _, tc := range []struct {
		name     string
		change   func(v store.View, t *store.Txn) error
		want     int
		attempts int
	}{
		{"added", func(v store.View, t *store.Txn) error {
			t.PutResource(&store.Resource{Name: "r2", Group: "G"})
			return nil
		}, 2, 2},
		{"deleted", func(v store.View, t *store.Txn) error {
			t.Delete(store.ResourceKey("r1"), v.Resource("r1").Rev)
			return nil
		}, 0, 2},
		{"another group", func(v store.View, t *store.Txn) error {
			t.PutResource(&store.Resource{Name: "h2", Group: "H"})
			return nil
		}, 1, 1},
		{"a resource changed", func(v store.View, t *store.Txn) error {
			r := v.Resource("r1").Clone()
			r.Type = "other"
			t.PutResource(r)
			return nil
		}, 1, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := open(t)
			put(t, st, func(_ store.View, tx *store.Txn) {
				tx.PutGroup(&store.Group{Name: "G"})
				tx.PutGroup(&store.Group{Name: "H"})
			})
			createResource(t, st, "r1", "G")
			createResource(t, st, "h1", "H")
			got, attempts := interleave(t, st, count, tc.change)
			if got != tc.want || attempts != tc.attempts {
				t.Errorf("counted %d resources after %d attempt(s); want %d after %d", got, attempts, tc.want, tc.attempts)
			}
		})
	}
}

// Deleting a group with its resources in one transaction deletes the
// group's membership stamp (and writes it not).
func TestGroupDeletedWithItsResources(t *testing.T) {
	st := open(t)
	ctx := context.Background()
	put(t, st, func(_ store.View, tx *store.Txn) { tx.PutGroup(&store.Group{Name: "G"}) })
	createResource(t, st, "r1", "G")
	createResource(t, st, "r2", "G")
	stamps := func() int64 {
		resp, err := st.Client().Get(ctx, store.Prefix+"membership/", clientv3.WithPrefix(), clientv3.WithCountOnly())
		if err != nil {
			t.Fatal(err)
		}
		return resp.Count
	}
	if n := stamps(); n != 1 {
		t.Fatalf("%d membership stamps, want 1", n)
	}
	put(t, st, func(v store.View, tx *store.Txn) {
		g := v.Group("G")
		for _, r := range v.GroupResources(g) {
			tx.Delete(store.ResourceKey(r.Name), r.Rev)
		}
		tx.Delete(store.GroupKey("G"), g.Rev)
	})
	if n := stamps(); n != 0 {
		t.Errorf("%d membership stamps left after the group was deleted", n)
	}
	if v := st.View(); v.Resource("r1") != nil || v.Group("G") != nil {
		t.Error("the group or a resource is still there")
	}
}

// A group record of schema version 1 lists its resources; it reads as it
// did (its resources are still those whose record names it), and Migrate
// rewrites it without the list, once.
func TestVersion1GroupRecordsReadAndMigrate(t *testing.T) {
	st := open(t)
	ctx := context.Background()
	cli := st.Client()
	// As version 1 wrote them: the group, then each CreateResource in a
	// transaction of its own, appending to the group's list.
	for _, ops := range [][]clientv3.Op{
		{clientv3.OpPut(store.GroupKey("G"), `{"v":1,"name":"G","id":"g","persistentState":0,"ownerNode":"n1","policy":{"priority":2000}}`)},
		{
			clientv3.OpPut(store.GroupKey("G"), `{"v":1,"name":"G","id":"g","persistentState":0,"ownerNode":"n1","resources":["b"],"policy":{"priority":2000}}`),
			clientv3.OpPut(store.ResourceKey("b"), `{"v":1,"name":"b","id":"b","group":"G","type":"dummy","common":{},"private":[]}`),
		},
		{
			clientv3.OpPut(store.GroupKey("G"), `{"v":1,"name":"G","id":"g","persistentState":0,"ownerNode":"n1","resources":["b","a"],"policy":{"priority":2000}}`),
			clientv3.OpPut(store.ResourceKey("a"), `{"v":1,"name":"a","id":"a","group":"G","type":"dummy","common":{},"private":[]}`),
			clientv3.OpPut(store.StatusKey("a"), `{"v":1,"resource":"a","state":2,"seq":1,"persistent":0,"updated":"2026-01-01T00:00:00Z"}`),
		},
	} {
		if _, err := cli.Txn(ctx).Then(ops...).Commit(); err != nil {
			t.Fatal(err)
		}
	}
	st2, err := store.Open(ctx, cli, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	v := st2.View()
	g := v.Group("G")
	if g == nil || len(v.Quarantined()) != 0 {
		t.Fatalf("group %v, quarantined %v", g, v.Quarantined())
	}
	if got := v.GroupResourceNames(g); !slices.Equal(got, []string{"b", "a"}) {
		t.Errorf("resources %v, want b a (the version 1 list's order, which is the order of creation)", got)
	}
	if n, err := store.Migrate(ctx, st2); n != 1 || err != nil {
		t.Fatalf("Migrate = %d, %v; want 1", n, err)
	}
	resp, err := cli.Get(ctx, store.GroupKey("G"))
	if err != nil {
		t.Fatal(err)
	}
	if s := string(resp.Kvs[0].Value); strings.Contains(s, "resources") || !strings.Contains(s, `"v":2`) {
		t.Errorf("migrated record %s", s)
	}
	v = st2.View()
	if got := v.GroupResourceNames(v.Group("G")); !slices.Equal(got, []string{"b", "a"}) || v.Group("G").OwnerNode != "n1" {
		t.Errorf("after Migrate: resources %v, owner %q", got, v.Group("G").OwnerNode)
	}
	if n, err := store.Migrate(ctx, st2); n != 0 || err != nil {
		t.Errorf("second Migrate = %d, %v; want 0", n, err)
	}
}

// A record of a newer schema version reads as absent, is listed with its
// version, and is neither overwritten nor deleted by this agent.
func TestNewerRecordsAreLeftAlone(t *testing.T) {
	st := open(t)
	ctx := context.Background()
	if _, err := st.Client().Put(ctx, store.GroupKey("N"), `{"v":3,"name":"N","somethingNew":{"x":1}}`); err != nil {
		t.Fatal(err)
	}
	if err := st.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	v := st.View()
	q := v.Quarantined()
	if v.Group("N") != nil || len(q) != 1 || q[0].Schema != 3 || !strings.Contains(q[0].Err, "newer") {
		t.Fatalf("group %v, quarantined %+v", v.Group("N"), q)
	}
	_, err := st.Update(ctx, func(v store.View, t *store.Txn) error {
		if v.Group("N") == nil {
			t.PutGroup(&store.Group{Name: "N"})
		}
		return nil
	})
	if !errors.Is(err, store.ErrNewerSchema) {
		t.Errorf("overwriting it: %v, want ErrNewerSchema", err)
	}
	_, err = st.Update(ctx, func(v store.View, t *store.Txn) error {
		t.Delete(store.GroupKey("N"), 0)
		return nil
	})
	if !errors.Is(err, store.ErrNewerSchema) {
		t.Errorf("deleting it: %v, want ErrNewerSchema", err)
	}
	resp, err := st.Client().Get(ctx, store.GroupKey("N"))
	if err != nil || len(resp.Kvs) != 1 || !strings.Contains(string(resp.Kvs[0].Value), "somethingNew") {
		t.Errorf("the newer record changed: %v %v", resp, err)
	}
}

// Pages follow the names, and a decision's page is compared as the whole
// listing.
func TestPages(t *testing.T) {
	st := open(t)
	put(t, st, func(_ store.View, tx *store.Txn) {
		for i := range 25 {
			tx.PutGroup(&store.Group{Name: fmt.Sprintf("G%02d", i)})
		}
	})
	v := st.View()
	var all []string
	after := ""
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("pages do not end")
		}
		page := v.GroupsAfter(after, 10)
		if len(page) == 0 {
			break
		}
		all = append(all, names(page, func(g *store.Group) string { return g.Name })...)
		after = page[len(page)-1].Name
	}
	if want := names(v.Groups(), func(g *store.Group) string { return g.Name }); !slices.Equal(all, want) || len(all) != 25 {
		t.Errorf("pages gave %v, want %v", all, want)
	}
	if got := v.GroupsAfter("G23", 0); len(got) != 1 || got[0].Name != "G24" {
		t.Errorf("after G23: %v", got)
	}
	if v.NumGroups() != 25 {
		t.Errorf("NumGroups = %d", v.NumGroups())
	}
	_, attempts := interleave(t, st, func(v store.View, t *store.Txn) (int, error) {
		n := len(v.GroupsAfter("G20", 2))
		t.PutNode(&store.Node{Name: fmt.Sprint("n", n)})
		return n, nil
	}, func(v store.View, t *store.Txn) error {
		t.PutGroup(&store.Group{Name: "A"}) // not in the page, but in the listing
		return nil
	})
	if attempts != 2 {
		t.Errorf("a page was not compared as the listing: %d attempt(s)", attempts)
	}
}

// A group's operations are listed in the order they were created, in
// pages, from an index.
func TestGroupOperations(t *testing.T) {
	st := open(t)
	put(t, st, func(_ store.View, tx *store.Txn) {
		for i := range 5 {
			op := &store.Operation{ID: fmt.Sprintf("op%d", 4-i), Kind: store.OpOnlineGroup, Group: "G"}
			op.Created = op.Created.AddDate(2026, 0, i)
			tx.PutOperation(op)
		}
		tx.PutOperation(&store.Operation{ID: "other", Kind: store.OpOnlineGroup, Group: "H"})
	})
	v := st.View()
	ids := func(ops []*store.Operation) []string {
		return names(ops, func(o *store.Operation) string { return o.ID })
	}
	if got := ids(v.GroupOperations("G", store.Cursor{}, 0)); !slices.Equal(got, []string{"op4", "op3", "op2", "op1", "op0"}) {
		t.Errorf("operations of G: %v", got)
	}
	first := v.GroupOperations("G", store.Cursor{}, 2)
	if got := ids(v.GroupOperations("G", first[1].Cursor(), 2)); !slices.Equal(got, []string{"op2", "op1"}) {
		t.Errorf("second page: %v", got)
	}
	put(t, st, func(v store.View, tx *store.Txn) { tx.Delete(store.OpKey("op3"), v.Operation("op3").Rev) })
	if got := ids(st.View().GroupOperations("G", first[1].Cursor(), 0)); !slices.Equal(got, []string{"op2", "op1", "op0"}) {
		t.Errorf("after a page ending with a deleted operation: %v", got)
	}
}
