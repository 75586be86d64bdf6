//go:build linux

package cluster

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/batoncluster/baton/internal/ledger"
)

// The failover policies (reference §8) on real agents, each test on a
// cluster of its own, set through the CLI as an operator would: failback
// and its window, anti-affinity, FailoverThreshold, and RestartAction 2
// failing a group over from a node where its resource keeps failing.
// Killed nodes are never the database leader (killing the leader can make
// healthy nodes fence for a moment; see testFreezeDatabaseLeader), and
// each test ends with the ledger check.

// staysFor is how long a test watches a group that must not move.
const staysFor = 4 * time.Second

// groupShowJSON is the part of `group show -o json` the tests read.
type groupShowJSON struct {
	Name                 string   `json:"name"`
	State                string   `json:"state"`
	OwnerNode            string   `json:"ownerNode"`
	Failovers            []string `json:"failovers"`
	FailoverCountExpires string   `json:"failoverCountExpires"`
	Resources            []struct {
		Name  string `json:"name"`
		State string `json:"state"`
	} `json:"resources"`
}

// whyJSON is `group why -o json`.
type whyJSON struct {
	State     string `json:"state"`
	OwnerNode string `json:"ownerNode"`
	Reasons   []struct {
		Resource string `json:"resource"`
		Code     string `json:"code"`
		Text     string `json:"text"`
	} `json:"reasons"`
}

// has reports whether a reason has the code and mentions text.
func (w whyJSON) has(code, text string) bool {
	for _, r := range w.Reasons {
		if r.Code == code && strings.Contains(r.Text, text) {
			return true
		}
	}
	return false
}

func (w whyJSON) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s on %s:", w.State, w.OwnerNode)
	for _, r := range w.Reasons {
		fmt.Fprintf(&b, "\n    [%s] %s %s", r.Code, r.Resource, r.Text)
	}
	return b.String()
}

// policyRoles returns the database leader and the two other nodes: the tests
// kill only the others.
func policyRoles(t *testing.T, c *cluster) (leader, a, b *node) {
	t.Helper()
	leader = c.dbLeader(t)
	o := c.others(leader)
	return leader, o[0], o[1]
}

// killNotLeader kills n, which must not lead the database now.
func killNotLeader(t *testing.T, c *cluster, n *node) {
	t.Helper()
	if l := c.dbLeader(t); l == n {
		t.Fatalf("%s leads the database now; the test kills only nodes that do not", n.name)
	}
	n.kill(t)
}

// setGroup sets group common properties through the CLI.
func setGroup(t *testing.T, via *node, group string, props ...string) {
	t.Helper()
	args := []string{"group", "set", group}
	for _, p := range props {
		args = append(args, "--prop", p)
	}
	via.must(t, args...)
}

// awaitGroup waits until via reports the group in state on owner.
func awaitGroup(t *testing.T, via *node, group, state, owner string, limit time.Duration) time.Duration {
	t.Helper()
	return await(t, limit, fmt.Sprintf("group %s %s on %s", group, state, owner), func() (bool, string) {
		st, err := tryJSON[stateJSON](via, "group", "state", group)
		if err != nil {
			return false, err.Error()
		}
		return st.State == state && st.OwnerNode == owner, fmt.Sprintf("%+v", st)
	})
}

// staysPut fails the test if, for d, the group is ever not in state on
// owner.
func staysPut(t *testing.T, via *node, group, state, owner string, d time.Duration) {
	t.Helper()
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		if st := groupState(t, via, group); st.State != state || st.OwnerNode != owner {
			t.Fatalf("group %s: %+v, want it to stay %s on %s", group, st, state, owner)
		}
	}
}

// windowHours returns FailbackWindowStart and End (hours of the cluster's
// local time) for a window that does or does not hold the present hour,
// for at least the next hour, wrapping midnight as needed.
func windowHours(includeNow bool) (start, end int) {
	h := time.Now().Hour()
	if includeNow {
		return h, (h + 2) % 24 // [h, h+2): now and the next hour
	}
	return (h + 2) % 24, (h + 4) % 24 // [h+2, h+4): neither now nor the next hour
}

// AutoFailbackType 1: a group fails over when its preferred owner is
// killed and fails back when it is Up again — at once with no window, not
// while a FailbackWindowStart/End that excludes the present hour is set,
// and as soon as the window is changed to include it.
func TestFailbackWindow(t *testing.T) {
	c := loopbackCluster(t, 3)
	c.start(t)
	via, pref, next := policyRoles(t, c)
	led := c.newLedger(t)
	createGroup(t, via, "fb", led, pref.name, next.name)
	setGroup(t, via, "fb", "AutoFailbackType=dword:1")

	// No window: failback as soon as the preferred owner is Up.
	killNotLeader(t, c, pref)
	_, d := awaitOnlineOn(t, via, "fb", next.name, "", failoverWithin)
	t.Logf("failed over to %s %v after %s was killed", next.name, d.Round(time.Millisecond), pref.name)
	pref.restart(t)
	_, d = awaitOnlineOn(t, via, "fb", pref.name, "", failoverWithin)
	t.Logf("failed back to %s %v after it was Up (no window)", pref.name, d.Round(time.Millisecond))

	// A window that excludes the present hour: no failback.
	start, end := windowHours(false)
	setGroup(t, via, "fb", fmt.Sprintf("FailbackWindowStart=dword:%d", start), fmt.Sprintf("FailbackWindowEnd=dword:%d", end))
	killNotLeader(t, c, pref)
	awaitOnlineOn(t, via, "fb", next.name, "", failoverWithin)
	pref.restart(t)
	staysPut(t, via, "fb", "Online", next.name, staysFor)
	why := mustJSON[whyJSON](t, via, "group", "why", "fb")
	if !why.has("held", "failback waits for its window") {
		t.Errorf("group why, outside the window %d–%d (now %02d h): %s; want the failback-window hold", start, end, time.Now().Hour(), why)
	}
	restarted := ledger.Now()

	// The window changed to include the present hour: failback now.
	start, end = windowHours(true)
	setGroup(t, via, "fb", fmt.Sprintf("FailbackWindowStart=dword:%d", start), fmt.Sprintf("FailbackWindowEnd=dword:%d", end))
	_, d = awaitOnlineOn(t, via, "fb", pref.name, "", failoverWithin)
	t.Logf("failed back to %s %v after the window %d–%d was set (now %02d h)", pref.name, d.Round(time.Millisecond), start, end, time.Now().Hour())
	evs := readLedger(t, led)
	if got := eventsOf(evs, pref.name, ledger.Online, restarted); len(got) != 3 {
		t.Errorf("%s wrote %d online lines after the window opened, want 3:\n%s", pref.name, len(got), formatEvents(evs))
	}
	takeOffline(t, via, "fb")
	checkLedger(t, led)
}

// AntiAffinityClassNames: a group failing over avoids a node that hosts
// another online group of the same class, although it prefers that node,
// while a node without one is Up; when only anti-affined nodes remain, it
// comes online anyway (reference §8.1), on its first preferred of them.
func TestAntiAffinity(t *testing.T) {
	c := loopbackCluster(t, 3)
	c.start(t)
	b, a, cc := policyRoles(t, c) // b leads the database and is never killed
	led := c.newLedger(t)
	class := "AntiAffinityClassNames=multi_sz:db"
	createGroup(t, b, "aa2", led, b.name)
	setGroup(t, b, "aa2", class)
	createGroup(t, b, "aa1", led, a.name, b.name, cc.name)
	setGroup(t, b, "aa1", class)
	if st := groupState(t, b, "aa1"); st.OwnerNode != a.name {
		t.Fatalf("aa1: %+v, want it on %s", st, a.name)
	}

	// aa1 prefers b next, but b runs aa2: it goes to the free node.
	killNotLeader(t, c, a)
	got, d := awaitOnlineOn(t, b, "aa1", "", a.name, failoverWithin)
	if got != cc.name {
		t.Fatalf("aa1 failed over to %s, want %s: %s runs aa2 of the same class", got, cc.name, b.name)
	}
	t.Logf("aa1 failed over to %s (not %s, which runs aa2) %v after %s was killed", cc.name, b.name, d.Round(time.Millisecond), a.name)
	if st := groupState(t, b, "aa2"); st.State != "Online" || st.OwnerNode != b.name {
		t.Errorf("aa2: %+v, want Online on %s, untouched", st, b.name)
	}
	a.restart(t)

	// Every node that can take aa1 hosts a group of its class: the rule
	// is ignored, and aa1 goes to its first preferred owner among them.
	createGroup(t, b, "aa3", led, a.name)
	setGroup(t, b, "aa3", class)
	if st := groupState(t, b, "aa3"); st.OwnerNode != a.name {
		t.Fatalf("aa3: %+v, want it on %s", st, a.name)
	}
	killNotLeader(t, c, cc)
	got, d = awaitOnlineOn(t, b, "aa1", "", cc.name, failoverWithin)
	if got != a.name {
		t.Errorf("aa1 went to %s, want %s: both nodes left run a group of its class, and %s comes first in its preferred owners", got, a.name, a.name)
	}
	t.Logf("with only anti-affined nodes left, aa1 came online on %s %v after %s was killed", got, d.Round(time.Millisecond), cc.name)
	for g, owner := range map[string]string{"aa2": b.name, "aa3": a.name} {
		if st := groupState(t, b, g); st.State != "Online" || st.OwnerNode != owner {
			t.Errorf("%s: %+v, want Online on %s, untouched", g, st, owner)
		}
	}
	cc.restart(t)
	for _, g := range []string{"aa1", "aa2", "aa3"} {
		takeOffline(t, b, g)
	}
	checkLedger(t, led)
}

// FailoverThreshold 1 (FailoverPeriod 6 hours): the first kill of the
// owner fails the group over; the second, within the period, does not.
// The group reads Failed on its Down owner (not Online: nothing runs it),
// `group why` says why, and the owner, back, does not start it.
func TestFailoverThreshold(t *testing.T) {
	c := loopbackCluster(t, 3)
	c.start(t)
	via, first, second := policyRoles(t, c)
	led := c.newLedger(t)
	createGroup(t, via, "th", led, first.name, second.name)
	setGroup(t, via, "th", "FailoverThreshold=dword:1")

	killNotLeader(t, c, first)
	awaitOnlineOn(t, via, "th", second.name, "", failoverWithin)
	if g := mustJSON[groupShowJSON](t, via, "group", "show", "th"); len(g.Failovers) != 1 || g.FailoverCountExpires == "" {
		t.Errorf("after the first failover, group show: failovers %v, expires %q; want one, and when it stops counting", g.Failovers, g.FailoverCountExpires)
	}
	first.restart(t)

	killed := ledger.Now()
	killNotLeader(t, c, second)
	d := awaitGroup(t, via, "th", "Failed", second.name, failoverWithin)
	t.Logf("th Failed on the Down %s %v after the kill", second.name, d.Round(time.Millisecond))
	staysPut(t, via, "th", "Failed", second.name, staysFor)
	g := mustJSON[groupShowJSON](t, via, "group", "show", "th")
	if len(g.Failovers) != 1 {
		t.Errorf("group show: failovers %v, want still the one", g.Failovers)
	}
	for _, r := range g.Resources {
		if r.State != "Failed" {
			t.Errorf("resource %s is %s, want Failed", r.Name, r.State)
		}
	}
	why := mustJSON[whyJSON](t, via, "group", "why", "th")
	if !why.has("failed", "FailoverThreshold was reached") || !why.has("failovers", "count against FailoverThreshold") || !why.has("held", "") {
		t.Errorf("group why: %s\nwant it to say the threshold stopped the failover, and the group held", why)
	}
	t.Logf("group why: %s", why)
	evs := readLedger(t, led)
	for _, n := range []*node{via, first} {
		if got := eventsOf(evs, n.name, ledger.Online, killed); len(got) > 0 {
			t.Errorf("%s started resources of th after the second kill: %v", n.name, got)
		}
	}

	rejoined := ledger.Now()
	second.restart(t)
	staysPut(t, via, "th", "Failed", second.name, 2*time.Second)
	if got := eventsOf(readLedger(t, led), second.name, "", rejoined); len(got) > 0 {
		t.Errorf("the restarted %s wrote %v: it must not start a group whose failover failed", second.name, got)
	}
	takeOffline(t, via, "th")
	checkLedger(t, led)
}

// failOnScript is a Generic Application that, on the node named (found by
// its working directory, the resource's state directory under the node's
// data directory), runs half a second and exits 3; elsewhere it runs.
const failOnScript = `/bin/sh -c 'case "$PWD" in */%s/resources/*) sleep 0.5; exit 3;; esac; exec sleep 300'`

// RestartAction 2 with RestartThreshold 1: a resource that keeps failing
// on its node is restarted there once, then the group fails over to the
// next preferred owner, where it runs. `group show` counts the failover;
// the restart counted on the old owner does not follow the group (restarts
// count per node).
func TestRestartActionFailover(t *testing.T) {
	const restartPeriod = 8 * time.Second
	c := loopbackCluster(t, 3)
	c.start(t)
	via, p, q := policyRoles(t, c)
	led := c.newLedger(t)
	via.must(t, "group", "create", "ra", "--preferred-owner", p.name, "--preferred-owner", q.name, "--preferred-owner", via.name)
	via.must(t, "resource", "create", "ra-d", "--group", "ra", "--type", "dummy", "--prop", "Ledger=sz:"+led)
	via.must(t, "resource", "create", "ra-app", "--group", "ra", "--type", "Generic Application",
		"--prop", "CommandLine=sz:"+fmt.Sprintf(failOnScript, p.name),
		"--prop", "LooksAlivePollInterval=dword:100", "--prop", "RestartDelay=dword:100",
		"--prop", "RestartAction=dword:2", "--prop", "RestartThreshold=dword:1",
		"--prop", fmt.Sprintf("RestartPeriod=dword:%d", restartPeriod/time.Millisecond))
	if op := mustJSON[opJSON](t, via, "group", "online", "ra"); op.Status != 997 {
		t.Fatalf("group online ra: %+v, want 997", op)
	}
	_, d := awaitOnlineOn(t, via, "ra", q.name, "", 30*time.Second)
	t.Logf("ra Online on %s %v after the online on %s", q.name, d.Round(time.Millisecond), p.name)

	g := mustJSON[groupShowJSON](t, via, "group", "show", "ra")
	if len(g.Failovers) != 1 || g.FailoverCountExpires == "" {
		t.Errorf("group show: failovers %v (expire %q), want the one failover counted", g.Failovers, g.FailoverCountExpires)
	}
	hist := mustJSON[[]historyJSON](t, via, "group", "history", "ra")
	if !slices.ContainsFunc(hist, func(h historyJSON) bool { return h.Kind == "Failover" && h.Outcome == "succeeded" }) {
		t.Errorf("group history: %+v, want a Failover that succeeded", hist)
	}
	// Restarts count per node (RestartThreshold is "on the same node"):
	// the one on the old owner does not follow the group to the new one.
	why := mustJSON[whyJSON](t, via, "group", "why", "ra")
	if why.has("restarts", "") {
		t.Errorf("group why right after the failover: %s\nwant no restart counted on %s", why, q.name)
	}
	evs := readLedger(t, led)
	if len(eventsOf(evs, p.name, ledger.Online, 0)) != 1 || len(eventsOf(evs, p.name, ledger.Offline, 0)) != 1 ||
		len(eventsOf(evs, q.name, ledger.Online, 0)) != 1 {
		t.Errorf("ledger: want ra-d online and offline on %s, then online on %s:\n%s", p.name, q.name, formatEvents(evs))
	}
	time.Sleep(time.Second) // it runs on; nothing restarts or moves it
	if st := groupState(t, via, "ra"); st.State != "Online" || st.OwnerNode != q.name {
		t.Errorf("ra: %+v, want still Online on %s", st, q.name)
	}
	takeOffline(t, via, "ra")
	checkLedger(t, led)
}
