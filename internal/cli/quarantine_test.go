package cli

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/batoncluster/baton/clusapi"
	"github.com/batoncluster/baton/internal/clustertest"
	"github.com/batoncluster/baton/internal/config"
	"github.com/batoncluster/baton/internal/ops"
	"github.com/batoncluster/baton/internal/store"
	"github.com/batoncluster/baton/proplist"
)

// unreadable returns rec's JSON with its sz value "MARK" holding a NUL:
// what nodes committed before values were validated, and what the store
// cannot decode.
func unreadable(t *testing.T, rec any) string {
	t.Helper()
	b, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"MARK"`) {
		t.Fatalf("no MARK in %s", b)
	}
	return strings.Replace(string(b), `"MARK"`, `"a\u0000b"`, 1)
}

// scrapeMetrics reads /metrics over the node's socket.
func scrapeMetrics(t *testing.T, n *clustertest.Node) string {
	t.Helper()
	sock := filepath.Join(n.Dir, "baton.sock")
	c := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", sock)
	}}}
	resp, err := c.Get("http://baton/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A record no node can decode, written straight to etcd — while the agent
// runs, in the transaction that also writes a good group, and before a
// restart — wedges nothing: the agent serves every other object, goes on
// changing the group written with it, starts again, and names the bad key
// in `cluster status` (text and JSON), in /metrics and, once, in its log.
// A running resource whose record turns unreadable is left running.
func TestStatusNamesUndecodableRecords(t *testing.T) {
	// The node restarts below: its in-process dummies cannot outlive it,
	// so it stops them as a production agent does and brings them back.
	n := clustertest.NewWith(t, func(c *config.Config) { c.StopResourcesOnExit = true })
	ctx := context.Background()
	e := n.Ops()
	addr := n.Addr()
	cli := func(wantCode int, args ...string) string { t.Helper(); return cli(t, addr, wantCode, args...) }
	must[*store.Group](t)(e.CreateGroup(ctx, "Web", nil, nil))
	must[*store.Resource](t)(e.CreateResource(ctx, "app", "Web", "dummy", nil, proplist.List{
		{Name: "Note", Values: []proplist.Value{proplist.SZ("MARK")}}}))
	must[ops.Result](t)(e.OnlineGroup(ctx, ops.GroupRef{Name: "Web"}, "", ops.Request{}))
	n.AwaitGroup("Web", clusapi.ClusterGroupOnline)

	// As CreateResource of schema version 1 would write it, in one
	// transaction: the group G2 listing a new resource, that resource
	// (unreadable) and its status.
	cl := n.Store().Client()
	badKey := store.ResourceKey("bad")
	if _, err := cl.Txn(ctx).Then(
		clientv3.OpPut(store.GroupKey("G2"), record(t, struct {
			*store.Group
			Resources []string `json:"resources"`
		}{&store.Group{Name: "G2", ID: "g2", OwnerNode: "node1", Policy: store.DefaultGroupPolicy()}, []string{"bad"}})),
		clientv3.OpPut(badKey, unreadable(t, &store.Resource{Name: "bad", ID: "bad", Group: "G2", Type: "dummy", Common: store.DefaultResourceCommon(),
			Private: proplist.List{{Name: "P", Values: []proplist.Value{proplist.SZ("MARK")}}}})),
		clientv3.OpPut(store.StatusKey("bad"), record(t, &store.Status{Resource: "bad", State: int32(clusapi.ClusterResourceOffline)})),
	).Commit(); err != nil {
		t.Fatal(err)
	}
	// The running resource's own record turns unreadable too.
	appRec := n.Store().View().Resource("app")
	if _, err := cl.Put(ctx, store.ResourceKey("app"), unreadable(t, appRec)); err != nil {
		t.Fatal(err)
	}
	if err := n.Store().Sync(ctx); err != nil {
		t.Fatal(err)
	}

	check := func(when string, wantKeys ...string) {
		t.Helper()
		if g := decode[groupJSON](t, cli(0, "-o", "json", "group", "show", "G2")); g.Name != "G2" {
			t.Errorf("%s: group show G2: %+v", when, g)
		}
		if g := decode[groupJSON](t, cli(0, "-o", "json", "group", "show", "Web")); g.State != "Online" {
			t.Errorf("%s: group Web is %s, want Online", when, g.State)
		}
		s := decode[statusJSON](t, cli(0, "-o", "json", "cluster", "status"))
		var got []string
		for _, q := range s.Quarantined {
			got = append(got, q.Key)
			if q.Revision == 0 || q.Error == "" {
				t.Errorf("%s: quarantined %+v", when, q)
			}
		}
		if strings.Join(got, " ") != strings.Join(wantKeys, " ") {
			t.Errorf("%s: cluster status -o json: quarantined %v, want %v", when, got, wantKeys)
		}
		text := cli(0, "cluster", "status")
		for _, k := range wantKeys {
			if !strings.Contains(text, "Needs attention:") || !strings.Contains(text, "record "+k) {
				t.Errorf("%s: cluster status does not name %s:\n%s", when, k, text)
			}
			if m := scrapeMetrics(t, n); !strings.Contains(m, `baton_store_quarantined_record{key="`+k+`"} 1`) {
				t.Errorf("%s: /metrics does not name %s", when, k)
			}
		}
	}
	check("while running", store.ResourceKey("app"), badKey)
	if m := scrapeMetrics(t, n); !strings.Contains(m, `baton_store_bad_records_total{node="node1"} 2`) {
		t.Errorf("/metrics does not count 2 bad records")
	}

	// G2 changes as any group does (it was written with the bad record).
	must[*store.Resource](t)(e.CreateResource(ctx, "r2", "G2", "dummy", nil, nil))
	must[ops.Result](t)(e.OnlineResource(ctx, ops.ResourceRef{Name: "r2"}, ops.Request{}))
	n.AwaitResource("r2", clusapi.ClusterResourceOnline)
	if c := strings.Count(n.Logs(), "key="+badKey); c != 1 {
		t.Errorf("the bad key is logged %d times, want once", c)
	}

	// The record of app reads again: app was left running all along.
	if _, err := cl.Put(ctx, store.ResourceKey("app"), record(t, appRec)); err != nil {
		t.Fatal(err)
	}
	if err := n.Store().Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(n.Logs(), "terminating it") {
		t.Error("the host terminated a resource whose record was unreadable")
	}
	check("app rewritten", badKey)

	// Before a restart: one more, a group that is not even JSON.
	if _, err := cl.Put(ctx, store.GroupKey("junk"), "{"); err != nil {
		t.Fatal(err)
	}
	n.Restart()
	addr = n.Addr()
	n.AwaitGroup("Web", clusapi.ClusterGroupOnline) // recovered (G2's persistent state is offline)
	check("after a restart", store.GroupKey("junk"), badKey)
	if c := strings.Count(n.Logs(), "key="+badKey); c != 2 {
		t.Errorf("the bad key is logged %d times by two agents, want once each", c)
	}
}

func record(t *testing.T, rec any) string {
	t.Helper()
	b, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
