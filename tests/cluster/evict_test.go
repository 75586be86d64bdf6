//go:build linux

package cluster

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// evictJSON is `node evict -o json`.
type evictJSON struct {
	Name                  string   `json:"name"`
	Evicted               bool     `json:"evicted"`
	DatabaseMemberRemoved bool     `json:"databaseMemberRemoved"`
	Groups                []string `json:"groups"`
}

// TestEvict evicts nodes of a cluster of three database members and a
// client (n1 forms it alone, n2–n4 join with a token; on 127.0.0.41–44):
//
//   - refusals: an unknown node (5042), an Up node without --force
//     (5009), the node answering (5939), a member whose removal would
//     leave no quorum (5925); none changes anything;
//   - n3, a member, is lost — killed, its data directory deleted — and
//     evicted: its member is removed, the client n4 becomes a member by
//     itself, and with one of the three members (n1) killed afterwards
//     the cluster still works;
//   - n3 joins again at the same address with an empty data directory
//     and a join token, as a client;
//   - n3, Up and hosting a group, is evicted with --force: drained (its
//     group moves), evicted, and its agent exits; started again on its
//     data directory it is refused;
//   - n2, an Up member, is evicted with --force: its member is removed,
//     its agent exits, and the two members left carry on.
func TestEvict(t *testing.T) {
	c := loopbackClusterAt(t, 40, 4)
	n1, n2, n3, n4 := c.nodes[0], c.nodes[1], c.nodes[2], c.nodes[3]
	n1.db = []string{}
	n1.spawn(t)
	awaitUpAmong(t, c.nodes[:1])
	token := n1.joinToken(t)
	for i, n := range c.nodes[1:] {
		n.db = []string{"--join", n1.ip, "--join-token", token}
		n.spawn(t)
		awaitUpAmong(t, c.nodes[:i+2])
	}
	checkRoles(t, c, n1, map[string]string{"n1": "member", "n2": "member", "n3": "member", "n4": "client"})

	led := c.newLedger(t)
	createGroup(t, n1, "evict-online", led, n3.name, n1.name)
	awaitOnlineOn(t, n1, "evict-online", n3.name, "", failoverWithin)
	n1.must(t, "group", "create", "evict-offline", "--preferred-owner", n3.name, "--preferred-owner", n2.name)

	for _, tc := range []struct {
		via  *node
		args []string
		code int
	}{
		{n1, []string{"nobody"}, 5042},           // ERROR_CLUSTER_NODE_NOT_FOUND
		{n1, []string{n3.name}, 5009},            // ERROR_CANT_EVICT_ACTIVE_NODE
		{n1, []string{n1.name, "--force"}, 5939}, // ERROR_CLUSTER_EVICT_INVALID_REQUEST
	} {
		e := errorOf(t, tc.via, append([]string{"node", "evict"}, tc.args...)...)
		if e.Code != tc.code {
			t.Errorf("node evict %v: %+v, want code %d", tc.args, e, tc.code)
		}
	}
	if nodes := mustJSON[[]nodeJSON](t, n1, "node", "list"); len(nodes) != 4 {
		t.Fatalf("after refused evictions: %+v, want four nodes", nodes)
	}

	// n3's machine is lost.
	n3.kill(t)
	if err := os.RemoveAll(n3.dir); err != nil {
		t.Fatal(err)
	}
	awaitOnlineOn(t, n1, "evict-online", "", n3.name, failoverWithin)
	begin := time.Now()
	ev := mustJSON[evictJSON](t, n1, "node", "evict", n3.name)
	if !ev.Evicted || !ev.DatabaseMemberRemoved {
		t.Errorf("evict n3: %+v, want evicted and its database member removed", ev)
	}
	t.Logf("n3 evicted in %v", time.Since(begin).Round(time.Millisecond))
	if nodes := names(mustJSON[[]nodeJSON](t, n2, "node", "list")); !slices.Equal(nodes, []string{"n1", "n2", "n4"}) {
		t.Errorf("nodes after evicting n3: %v", nodes)
	}
	g := mustJSON[ownersJSON](t, n1, "group", "show", "evict-offline")
	if g.OwnerNode != n2.name || !slices.Equal(g.PreferredOwners, []string{n2.name}) {
		t.Errorf("group evict-offline after evicting its owner n3: owner %s, preferred %v; want n2, [n2]", g.OwnerNode, g.PreferredOwners)
	}

	// The client n4 becomes a member by itself: three nodes want three.
	want := map[string]string{"n1": "member", "n2": "member", "n4": "member"}
	await(t, 45*time.Second, "n4 to become a database member", func() (bool, string) {
		got, err := roles(n1)
		return err == nil && maps.Equal(got, want), fmt.Sprintf("%v %v", got, err)
	})
	checkRolesOf(t, c, []*node{n1, n2, n4}, n2, want)
	t.Logf("n4 a member %v after the eviction", time.Since(begin).Round(time.Millisecond))

	// Removing n2's member with n1 down would leave n1 and n4, one of
	// them up: refused, and n2 is not even paused.
	n1.kill(t)
	t.Logf("database leader after n1's death: %s", c.dbLeader(t).name)
	await(t, failoverWithin, "n4 to see n1 Down", func() (bool, string) {
		nodes, err := tryJSON[[]nodeJSON](n4, "node", "list")
		for _, n := range nodes {
			if n.Name == n1.name {
				return n.State == "Down", n.State
			}
		}
		return false, fmt.Sprint(nodes, err)
	})
	if e := errorOf(t, n4, "node", "evict", n2.name, "--force"); e.Code != 5925 {
		t.Errorf("evict n2 --force with n1 down: %+v, want 5925 ERROR_CLUSTER_NO_QUORUM", e)
	}
	// Two of the three members keep the cluster working.
	createGroup(t, n4, "evict-after", led, n2.name, n4.name)
	for _, n := range mustJSON[[]nodeJSON](t, n2, "node", "list") {
		if n.Name == n2.name && n.State != "Up" {
			t.Errorf("n2 after the refused eviction: %+v, want Up (not paused)", n)
		}
	}
	n1.spawn(t)
	awaitUpAmong(t, []*node{n1, n2, n4})

	// n3 joins again at its address, with an empty data directory and a
	// new token: a client (three members are all four nodes need).
	n3.db = []string{"--join", n1.ip, "--join-token", n1.joinToken(t)}
	n3.spawn(t)
	awaitUpAmong(t, c.nodes)
	checkRolesOf(t, c, c.nodes, n1, map[string]string{"n1": "member", "n2": "member", "n3": "client", "n4": "member"})

	// n3, Up and hosting a group, evicted with --force: drained first.
	createGroup(t, n1, "evict-force", led, n3.name, n4.name)
	awaitOnlineOn(t, n1, "evict-force", n3.name, "", failoverWithin)
	begin = time.Now()
	ev = mustJSON[evictJSON](t, n1, "node", "evict", n3.name, "--force", "--wait=60s")
	t.Logf("n3 drained and evicted in %v", time.Since(begin).Round(time.Millisecond))
	if !ev.Evicted || ev.DatabaseMemberRemoved {
		t.Errorf("evict n3 --force: %+v, want evicted, no database member", ev)
	}
	if st := groupState(t, n1, "evict-force"); st.State != "Online" || st.OwnerNode != n4.name {
		t.Errorf("evict-force after n3's forced eviction: %+v, want Online on n4", st)
	}
	n3.awaitExit(t, 30*time.Second)
	if !strings.Contains(n3.logText(), "this node was evicted from the cluster") {
		t.Errorf("n3's agent exited without saying it was evicted:\n%s", tail(n3.logText(), 20))
	}
	// Its data directory no longer makes it a node.
	n3.spawn(t)
	n3.awaitExit(t, 60*time.Second)
	if log := tail(n3.logText(), 10); !strings.Contains(log, "was evicted from the cluster") {
		t.Errorf("n3 restarted on its old data directory did not say it was evicted:\n%s", log)
	}
	if nodes := names(mustJSON[[]nodeJSON](t, n1, "node", "list")); !slices.Equal(nodes, []string{"n1", "n2", "n4"}) {
		t.Errorf("nodes after evicting n3 again: %v", nodes)
	}

	// n2, an Up database member hosting a group, evicted with --force:
	// drained, its member removed, its agent exits. Two members are left,
	// and no client to promote: the cluster goes on with them.
	awaitOnlineOn(t, n1, "evict-after", n2.name, "", failoverWithin)
	begin = time.Now()
	ev = mustJSON[evictJSON](t, n1, "node", "evict", n2.name, "--force", "--wait=60s")
	t.Logf("n2 drained and evicted in %v", time.Since(begin).Round(time.Millisecond))
	if !ev.Evicted || !ev.DatabaseMemberRemoved {
		t.Errorf("evict n2 --force: %+v, want evicted and its database member removed", ev)
	}
	n2.awaitExit(t, 30*time.Second)
	if !strings.Contains(n2.logText(), "this node was evicted from the cluster") {
		t.Errorf("n2's agent exited without saying it was evicted:\n%s", tail(n2.logText(), 20))
	}
	awaitOnlineOn(t, n1, "evict-after", n4.name, "", failoverWithin)
	checkRolesOf(t, c, []*node{n1, n4}, n4, map[string]string{"n1": "member", "n4": "member"})
	for _, grp := range []string{"evict-online", "evict-after", "evict-force"} {
		takeOffline(t, n1, grp)
	}
	checkLedger(t, led)
}

// ownersJSON is what `group show -o json` says of a group's owners.
type ownersJSON struct {
	OwnerNode       string   `json:"ownerNode"`
	PreferredOwners []string `json:"preferredOwners"`
}

func names(nodes []nodeJSON) []string {
	var out []string
	for _, n := range nodes {
		out = append(out, n.Name)
	}
	slices.Sort(out)
	return out
}

// checkRolesOf is checkRoles for a cluster some of whose nodes are gone:
// the etcd members are asked through the nodes given.
func checkRolesOf(t *testing.T, c *cluster, of []*node, via *node, want map[string]string) {
	t.Helper()
	sub := &cluster{dir: c.dir, nodes: of}
	checkRoles(t, sub, via, want)
}
