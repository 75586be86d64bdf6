package metrics_test

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/batoncluster/baton/clusapi"
	"github.com/batoncluster/baton/internal/clustertest"
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
	n.AwaitGroup("G", clusapi.ClusterGroupOnline)
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
	n.AwaitGroup("G", clusapi.ClusterGroupFailed)
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

// Each node reports the states of the groups it owns, not every group of
// the cluster: a scrape costs what the node hosts.
func TestMetricsReportOwnGroups(t *testing.T) {
	n1 := clustertest.New(t)
	n2 := clustertest.Join(t, n1, "node2")
	ctx := context.Background()
	e := n1.Ops()
	if _, err := e.CreateGroup(ctx, "G1", []string{"node1"}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := e.CreateGroup(ctx, "G2", []string{"node2"}, nil); err != nil {
		t.Fatal(err)
	}
	n2.Await(func(v store.View) bool { return v.Group("G1") != nil && v.Group("G2") != nil }, "both groups")
	for _, c := range []struct {
		n         *clustertest.Node
		has, lack string
	}{{n1, "G1", "G2"}, {n2, "G2", "G1"}} {
		body := scrape(t, c.n)
		if !strings.Contains(body, `baton_group_state{group="`+c.has+`"`) || strings.Contains(body, `baton_group_state{group="`+c.lack+`"`) {
			t.Errorf("node with %s, not %s: %s", c.has, c.lack, grep(body, "baton_group_state"))
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
