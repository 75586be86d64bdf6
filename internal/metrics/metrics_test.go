package metrics_test

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/clustertest"
	"github.com/batoncluster/baton/internal/metrics"
	"github.com/batoncluster/baton/internal/ops"
	"github.com/batoncluster/baton/internal/store"
	"github.com/batoncluster/baton/proplist"
)

// scrape reads /metrics over the node's socket, as root: /metrics needs
// Read access.
func scrape(t *testing.T, n *clustertest.Node) string {
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

func TestMetricsShowTheCluster(t *testing.T) {
	n := clustertest.New(t)
	ctx := context.Background()
	e := n.Ops()
	if _, err := e.CreateGroup(ctx, "G", nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := e.CreateResource(ctx, "r", "G", "dummy", nil, proplist.List{
		{Name: "LooksAlivePollInterval", Values: []proplist.Value{proplist.DWORD(20)}},
		{Name: "RestartThreshold", Values: []proplist.Value{proplist.DWORD(1)}},
		{Name: "RestartDelay", Values: []proplist.Value{proplist.DWORD(10)}},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.OnlineGroup(ctx, ops.GroupRef{Name: "G"}, "", ops.Request{}); err != nil {
		t.Fatal(err)
	}
	n.AwaitGroup("G", wsfc.ClusterGroupOnline)
	// One API call through the server, which it must count: over TCP
	// without a token, refused.
	anon := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	if _, err := anon.Post("https://"+n.Agent.HTTPAddr()+"/baton.v1.GroupService/ListGroups", "application/json", strings.NewReader("{}")); err != nil {
		t.Fatal(err)
	}
	// The host counts an operation just after it records its outcome.
	body := scrapeUntil(t, n, `baton_operations_total{kind="OnlineGroup",node="node1",outcome="succeeded"} 1`)
	for _, want := range []string{
		`baton_group_state{group="G",owner="node1",state="Online"} 1`,
		`baton_group_state{group="G",owner="node1",state="Offline"} 0`,
		`baton_resource_state{group="G",resource="r",state="Online",type="dummy"} 1`,
		`baton_resource_locked{group="G",resource="r"} 0`,
		`baton_operations_total{kind="OnlineGroup",node="node1",outcome="succeeded"} 1`,
		`baton_operation_duration_seconds_count{kind="OnlineGroup",node="node1",outcome="succeeded"} 1`,
		`baton_api_requests_total{code="ERROR_ACCESS_DENIED",node="node1",procedure="/baton.v1.GroupService/ListGroups"} 1`,
		`baton_store_commit_duration_seconds_count{node="node1"}`,
		`baton_failovers_total{node="node1"} 0`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	// A restart by the restart policy is counted.
	if _, err := e.SetResourceProperties(ctx, ops.ResourceRef{Name: "r"}, proplist.List{{Name: "FailHealth", Values: []proplist.Value{proplist.DWORD(1)}}}); err != nil {
		t.Fatal(err)
	}
	n.AwaitGroup("G", wsfc.ClusterGroupFailed)
	scrapeUntil(t, n, `baton_resource_restarts_total{group="G",node="node1",resource="r"} 1`)
}

// scrapeUntil scrapes until the page has want (at most 10 s).
func scrapeUntil(t *testing.T, n *clustertest.Node, want string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		body := scrape(t, n)
		if strings.Contains(body, want) {
			return body
		}
		if time.Now().After(deadline) {
			t.Fatalf("/metrics never showed %s", want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Each node reports the groups it owns (a scrape costs what the node
// hosts, not the whole cluster); the first Up node by name also those
// whose owner is down, and those with no owner. The states are read from the view at each scrape, so an
// in-memory one (store.NewView) shows the rule for any cluster.
func TestMetricsReportOwnGroups(t *testing.T) {
	v := store.NewView(
		&store.Node{Name: "node1"}, &store.Alive{Node: "node1"},
		&store.Node{Name: "node2"}, &store.Alive{Node: "node2"},
		&store.Node{Name: "node3"}, // down: no Alive record
		&store.Group{Name: "G1", OwnerNode: "node1"},
		&store.Group{Name: "G2", OwnerNode: "node2"},
		&store.Group{Name: "G3", OwnerNode: "node3"},
		&store.Group{Name: "G4"},
	)
	for _, c := range []struct {
		node      string
		has, lack []string
	}{
		{"node1", []string{"G1", "G3", "G4"}, []string{"G2"}},
		{"node2", []string{"G2"}, []string{"G1", "G3", "G4"}},
		{"node3", []string{"G3"}, []string{"G1", "G2", "G4"}}, // its own, whatever the others think of it
	} {
		rec := httptest.NewRecorder()
		metrics.New(c.node, func() store.View { return v }).Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
		body := rec.Body.String()
		for _, g := range c.has {
			if !strings.Contains(body, `baton_group_state{group="`+g+`"`) {
				t.Errorf("%s does not report %s: %s", c.node, g, grep(body, "baton_group_state"))
			}
		}
		for _, g := range c.lack {
			if strings.Contains(body, `baton_group_state{group="`+g+`"`) {
				t.Errorf("%s reports %s: %s", c.node, g, grep(body, "baton_group_state"))
			}
		}
	}
}

func grep(s, what string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, what) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
