//go:build linux

package cluster

import (
	"context"
	"fmt"
	"maps"
	"net"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// The rule under test (internal/agent/membership.go): a node started with
// --join becomes an embedded database member while the cluster has fewer
// than three (five from nine nodes on), else a database client; client
// nodes become members when the cluster grows to need them.

// TestMembership starts n1 alone and n2, n3, n4 one after another with
// --join n1's address: n1–n3 are members, n4 a client. (The nodes are on
// 127.0.0.11–14, TestMembershipNine's on 127.0.0.21–29, on the default
// ports: away from the clusters of other tests on 127.0.0.1–3.) Killing n1 leaves a
// quorum; n1 restarted is a member again, not a second one; n2 (a member
// through --join) and n4 (a client) restarted keep their roles, and n2
// restarts from its data instead of joining again.
func TestMembership(t *testing.T) {
	c := loopbackClusterAt(t, 10, 4)
	n1, n2, n3, n4 := c.nodes[0], c.nodes[1], c.nodes[2], c.nodes[3]
	n1.db = []string{} // neither --initial-cluster nor --join: a new cluster
	begin := time.Now()
	n1.spawn(t)
	awaitUpAmong(t, c.nodes[:1])
	token := n1.joinToken(t)
	for i, n := range c.nodes[1:] {
		n.db = []string{"--join", n1.ip, "--join-token", token}
		n.spawn(t)
		awaitUpAmong(t, c.nodes[:i+2])
	}
	t.Logf("n1 alone, then n2–n4 joined one by one: all Up in %v", time.Since(begin).Round(time.Millisecond))
	want := map[string]string{"n1": "member", "n2": "member", "n3": "member", "n4": "client"}
	checkRoles(t, c, n4, want)
	checkRoles(t, c, n1, want)
	if conn, err := net.DialTimeout("tcp", net.JoinHostPort(n4.ip, "7411"), time.Second); err == nil {
		conn.Close()
		t.Errorf("something listens on %s:7411: the client node n4 must run no database member", n4.ip)
	}

	// Two members of three keep a quorum: operations go on, through a
	// member's socket and through the client's, whose endpoints are the
	// members it learned when it joined.
	n1.kill(t)
	// n1, the first member, is likely the database leader: requests sent
	// before the others elect a new one time out (etcd's request timeout,
	// about 6 s), so wait for the election as an operator would.
	t.Logf("database leader after n1's death: %s", c.dbLeader(t).name)
	led := c.newLedger(t)
	createGroup(t, n2, "membership", led, n3.name, n4.name)
	await(t, failoverWithin, "the client n4 to see group membership Online", func() (bool, string) {
		st, err := tryJSON[stateJSON](n4, "group", "state", "membership")
		if err != nil {
			return false, err.Error()
		}
		return st.State == "Online", fmt.Sprintf("%+v", st)
	})
	n4.must(t, "group", "create", "from-client")

	n1.restart(t)
	checkRoles(t, c, n2, want)

	// A member made through --join restarts from its data: no new member,
	// no second join; a client stays a client.
	marks := c.markLogs()
	for _, n := range []*node{n2, n4} {
		n.signal(t, syscall.SIGTERM)
		n.awaitExit(t, exitWithin)
		n.restart(t)
	}
	checkRoles(t, c, n3, want)
	for _, n := range []*node{n2, n4} {
		if strings.Contains(marks.since(n), "joining the database members") {
			t.Errorf("%s joined the database members again on its restart:\n%s", n.name, tail(marks.since(n), 20))
		}
	}
	takeOffline(t, n1, "membership")
	checkLedger(t, led)
}

// TestMembershipNine starts n1 alone and n2–n9 with --join all at once:
// however the joins interleave, the nine-node cluster ends with exactly
// five members (the joiners serialize, and client nodes become members
// once the ninth node makes five the rule) and four clients.
func TestMembershipNine(t *testing.T) {
	c := loopbackClusterAt(t, 20, 9)
	n1 := c.nodes[0]
	n1.db = []string{}
	begin := time.Now()
	n1.spawn(t)
	awaitUpAmong(t, c.nodes[:1])
	token := n1.joinToken(t)
	for _, n := range c.nodes[1:] {
		n.db = []string{"--join", n1.ip, "--join-token", token}
		n.spawn(t)
	}
	c.awaitAllUp(t)
	t.Logf("nine nodes Up in %v", time.Since(begin).Round(time.Millisecond))

	var members []etcdMember
	await(t, 45*time.Second, "five voting database members", func() (bool, string) {
		var err error
		members, err = listMembers(c)
		if err != nil {
			return false, err.Error()
		}
		voting := 0
		for _, m := range members {
			if !m.learner {
				voting++
			}
		}
		if len(members) > 5 {
			t.Fatalf("%d database members, more than five: %v", len(members), members)
		}
		return voting == 5, fmt.Sprint(members)
	})
	t.Logf("five members %v after %v", members, time.Since(begin).Round(time.Millisecond))
	want := map[string]string{}
	for _, n := range c.nodes {
		want[n.name] = "client"
	}
	for _, m := range members {
		want[m.name] = "member"
	}
	// The nodes record what they became (a promoted client records it
	// once it has become a member); and no sixth member comes later.
	await(t, 10*time.Second, "every node's recorded role to match the members", func() (bool, string) {
		got, err := roles(n1)
		return err == nil && maps.Equal(got, want), fmt.Sprintf("%v %v", got, err)
	})
	time.Sleep(2 * 2 * time.Second) // two more rounds of the clients' membership checks
	if again, err := listMembers(c); err != nil || len(again) != 5 {
		t.Errorf("members later: %v %v, want the same five", again, err)
	}
}

// awaitUpAmong waits until each of the running nodes lists exactly them,
// all Up (nodes never started have no record yet).
func awaitUpAmong(t *testing.T, running []*node) {
	t.Helper()
	for _, n := range running {
		await(t, upWithin, fmt.Sprintf("%d nodes Up as seen by %s", len(running), n.name), func() (bool, string) {
			nodes, err := tryJSON[[]nodeJSON](n, "node", "list")
			if err != nil {
				return false, err.Error()
			}
			up := 0
			for _, m := range nodes {
				if m.State == "Up" {
					up++
				}
			}
			return up == len(running) && len(nodes) == len(running), fmt.Sprintf("%+v", nodes)
		})
	}
}

// roles are the database roles of the nodes as via lists them.
func roles(via *node) (map[string]string, error) {
	type roleJSON struct {
		Name         string `json:"name"`
		DatabaseRole string `json:"databaseRole"`
	}
	list, err := tryJSON[[]roleJSON](via, "node", "list")
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, n := range list {
		out[n.Name] = n.DatabaseRole
	}
	return out, nil
}

// checkRoles checks the roles both ways: as the nodes record them (seen
// through via) and as etcd's member list has them, each member a voting
// one at its node's default peer port, no node twice.
func checkRoles(t *testing.T, c *cluster, via *node, want map[string]string) {
	t.Helper()
	got, err := roles(via)
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(got, want) {
		t.Errorf("database roles seen by %s: %v, want %v", via.name, got, want)
	}
	members, err := listMembers(c)
	if err != nil {
		t.Fatal(err)
	}
	var names, wantNames []string
	for _, m := range members {
		names = append(names, m.name)
		if m.name == "" {
			t.Errorf("a member was added but never started: %v", members)
			continue
		}
		if m.learner {
			t.Errorf("member %s is still a learner", m.name)
		}
		if p := "https://" + net.JoinHostPort(c.node(m.name).ip, "7412"); !slices.Equal(m.peerURLs, []string{p}) {
			t.Errorf("member %s has peer URLs %v, want [%s]", m.name, m.peerURLs, p)
		}
	}
	for name, role := range want {
		if role == "member" {
			wantNames = append(wantNames, name)
		}
	}
	slices.Sort(names)
	slices.Sort(wantNames)
	if !slices.Equal(names, wantNames) {
		t.Errorf("etcd members %v, want %v", names, wantNames)
	}
}

type etcdMember struct {
	name     string
	learner  bool
	peerURLs []string
}

func (m etcdMember) String() string {
	if m.learner {
		return m.name + "(learner)"
	}
	return m.name
}

// listMembers asks etcd for its members, through the client ports of
// every node (those that run no member simply do not answer).
func listMembers(c *cluster) ([]etcdMember, error) {
	var eps []string
	for _, n := range c.nodes {
		eps = append(eps, "https://"+net.JoinHostPort(n.ip, "7411"))
	}
	// Every node's certificate opens the database: take the first's.
	tc, err := c.nodes[0].etcdTLS()
	if err != nil {
		return nil, err
	}
	cli, err := clientv3.New(clientv3.Config{Endpoints: eps, DialTimeout: 2 * time.Second, Logger: zap.NewNop(), TLS: tc})
	if err != nil {
		return nil, err
	}
	defer cli.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := cli.MemberList(ctx)
	if err != nil {
		return nil, fmt.Errorf("etcd member list: %w", err)
	}
	var out []etcdMember
	for _, m := range resp.Members {
		out = append(out, etcdMember{name: m.Name, learner: m.IsLearner, peerURLs: m.PeerURLs})
	}
	slices.SortFunc(out, func(a, b etcdMember) int { return strings.Compare(a.name, b.name) })
	return out, nil
}
