//go:build linux

package cluster

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestScaleEight is bench/scale64 in small (docs/benchmarks.md has the
// 64-node figures): eight real agents on 127.0.0.61–68, n1 forming the
// cluster alone and n2–n8 started together with --join (three become
// database members, five clients); then groups of one dummy resource on
// three client nodes, an idle spell in which no node may be seen Down or
// fence, one of the three killed (its groups Online elsewhere within
// failoverWithin), and the other two killed together (likewise). The
// ledger checks that no resource ran on two nodes at once.
func TestScaleEight(t *testing.T) {
	const perNode = 8
	c := loopbackClusterAt(t, 60, 8)
	n1 := c.nodes[0]
	n1.db = []string{}
	n1.spawn(t)
	awaitUpAmong(t, c.nodes[:1])
	token := n1.joinToken(t)
	begin := time.Now()
	for _, n := range c.nodes[1:] {
		n.db = []string{"--join", n1.ip, "--join-token", token}
		n.spawn(t)
	}
	awaitUpAmong(t, c.nodes)
	t.Logf("n1 alone, then seven nodes at once: all Up in %v", time.Since(begin).Round(time.Millisecond))
	members := 0
	await(t, 30*time.Second, "three database members", func() (bool, string) {
		r, err := roles(n1)
		members = 0
		for _, role := range r {
			if role == "member" {
				members++
			}
		}
		return err == nil && members == 3 && len(r) == 8, fmt.Sprint(r, err)
	})

	// The victims are three client nodes (which nodes became members
	// depends on the order the joiners took the membership lock).
	r, _ := roles(n1)
	var victims []*node
	for _, n := range c.nodes {
		if r[n.name] == "client" && len(victims) < 3 {
			victims = append(victims, n)
		}
	}
	led := c.newLedger(t)
	groups := map[*node][]string{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, v := range victims {
		wg.Go(func() {
			for i := range perNode {
				name := fmt.Sprintf("s8-%s-%d", v.name, i)
				n1.must(t, "group", "create", name, "--preferred-owner", v.name)
				n1.must(t, "resource", "create", name+"-r", "--group", name, "--type", "dummy", "--prop", "Ledger=sz:"+led)
				n1.must(t, "group", "online", name)
				mu.Lock()
				groups[v] = append(groups[v], name)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	awaitGroupsOnline(t, n1, victims, groups)

	// Idle: nobody is Down, nobody fences.
	marks := c.markLogs()
	time.Sleep(10 * time.Second)
	for _, n := range c.nodes {
		if st := nodeStates(t, n1)[n.name]; st != "Up" {
			t.Errorf("%s is %s after an idle spell", n.name, st)
		}
	}
	if lost := c.lostLease(marks); len(lost) > 0 {
		t.Errorf("nodes fenced while idle: %v", lost)
	}

	for _, kill := range [][]*node{victims[2:], victims[:2]} {
		begin := time.Now()
		var names []string
		for _, v := range kill {
			v.kill(t)
			names = append(names, v.name)
		}
		var all []string
		for _, v := range kill {
			all = append(all, groups[v]...)
		}
		await(t, failoverWithin, fmt.Sprintf("the %d groups of %s Online elsewhere", len(all), strings.Join(names, ", ")), func() (bool, string) {
			return onlineElsewhere(n1, all, names)
		})
		t.Logf("%s killed: %d groups Online elsewhere in %v", strings.Join(names, " and "), len(all), time.Since(begin).Round(time.Millisecond))
	}
	checkLedger(t, led)
}

// awaitGroupsOnline waits until every group is Online on its node.
func awaitGroupsOnline(t *testing.T, via *node, on []*node, groups map[*node][]string) {
	t.Helper()
	for _, n := range on {
		for _, g := range groups[n] {
			awaitOnlineOn(t, via, g, n.name, "", failoverWithin)
		}
	}
}

// nodeStates are the nodes' states as via lists them.
func nodeStates(t *testing.T, via *node) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, n := range mustJSON[[]nodeJSON](t, via, "node", "list") {
		out[n.Name] = n.State
	}
	return out
}

// onlineElsewhere reports whether every group is Online on a node not in
// dead, as via lists them.
func onlineElsewhere(via *node, groups, dead []string) (bool, string) {
	type groupJSON struct {
		Name      string `json:"name"`
		State     string `json:"state"`
		OwnerNode string `json:"ownerNode"`
	}
	list, err := tryJSON[[]groupJSON](via, "group", "list")
	if err != nil {
		return false, err.Error()
	}
	by := map[string]groupJSON{}
	for _, g := range list {
		by[g.Name] = g
	}
	left := 0
	for _, name := range groups {
		g := by[name]
		if g.State != "Online" || strings.Contains(" "+strings.Join(dead, " ")+" ", " "+g.OwnerNode+" ") {
			left++
		}
	}
	return left == 0, fmt.Sprintf("%d of %d not yet Online elsewhere", left, len(groups))
}
