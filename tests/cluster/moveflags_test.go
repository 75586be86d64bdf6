//go:build linux

package cluster

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/batoncluster/baton/internal/ledger"
)

// The flags of MoveClusterGroupEx that act after the call answered
// (docs/moves.md), on real agents, through the CLI: 0x2 takes a group that
// fails on the destination back to its source, 0x10 to its preferred
// owner, 0x4 queues a move that policy blocks and runs it when the blocker
// clears — also after the controller's node was killed. One cluster on
// 127.0.0.41–43 (away from the other tests' clusters, so they may run at
// the same time), the subtests one after the other; each ends with the
// ledger check.
func TestMoveFlags(t *testing.T) {
	c := mfCluster(t)
	c.start(t)
	for _, st := range []struct {
		name string
		run  func(*testing.T, *cluster)
	}{
		{"ReturnToSource", testMoveFlagReturnToSource},
		{"Failback", testMoveFlagFailback},
		{"Queue", testMoveFlagQueue},
		{"QueueWait", testMoveFlagQueueWait},
		{"QueueSurvivesControllerChange", testMoveFlagQueueControllerChange},
	} {
		if !t.Run(st.name, func(t *testing.T) {
			for _, n := range c.nodes { // a failed subtest may have left one down
				if !n.running() {
					n.spawn(t)
				}
			}
			c.awaitAllUp(t)
			st.run(t, c)
		}) {
			t.Logf("%s failed; the next subtests run on whatever it left", st.name)
		}
	}
}

// mfCluster is three nodes on 127.0.0.41–43, on the default ports.
func mfCluster(t *testing.T) *cluster {
	t.Helper()
	ip := func(i int) string { return fmt.Sprintf("127.0.0.%d", 40+i) }
	for i := 1; i <= 3; i++ {
		for _, port := range []string{"7410", "7411", "7412"} {
			l, err := net.Listen("tcp", net.JoinHostPort(ip(i), port))
			if err != nil {
				t.Fatalf("the cluster needs %s:%s free: %v (another agent running?)", ip(i), port, err)
			}
			l.Close()
		}
	}
	return newCluster(t, 3, ip, nil)
}

// The gate: a Generic Application that fails to come online on a node
// whose data directory holds the file fail-here. Its working directory is
// its state directory, <data dir>/resources/<id>.
const (
	mfGateCommand = `/bin/sh -c 'test -e ../../fail-here && exit 3; exec sleep 600'`
	mfGateReady   = `test ! -e ../../fail-here`
)

// createGatedGroup makes group name — the three ledger-writing dummies of
// createGroup, online on the first preferred owner — and adds the gate,
// brought online with them.
func createGatedGroup(t *testing.T, via *node, name, led string, preferred ...string) {
	t.Helper()
	createGroup(t, via, name, led, preferred...)
	via.must(t, "resource", "create", name+"-gate", "--group", name, "--type", "Generic Application",
		"--prop", "CommandLine=sz:"+mfGateCommand, "--prop", "ReadyCommand=sz:"+mfGateReady)
	op := mustJSON[opJSON](t, via, "group", "online", name, "--wait=30s")
	if op.State == nil || *op.State != "Online" {
		t.Fatalf("group online %s with its gate: %+v", name, op)
	}
	// However the test ends, the gate's process (outside the agent) stops.
	t.Cleanup(func() { _, _, _, _ = via.baton("group", "offline", name, "--ignore-locked", "--wait=30s") })
}

// failHere makes the gate fail on n until the test ends.
func failHere(t *testing.T, n *node) {
	t.Helper()
	f := filepath.Join(n.dir, "fail-here")
	if err := os.WriteFile(f, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(f) })
}

// mfOpJSON is one entry of `group history -o json`.
type mfOpJSON struct {
	ID      string `json:"id"`
	Kind    string `json:"kind"`
	Flags   uint32 `json:"flags"`
	Caller  string `json:"caller"`
	Outcome string `json:"outcome"`
}

func mfHistory(t *testing.T, via *node, group string) []mfOpJSON {
	t.Helper()
	return mustJSON[[]mfOpJSON](t, via, "group", "history", group)
}

// mfLast is the group's latest operation of kind.
func mfLast(t *testing.T, via *node, group, kind string) mfOpJSON {
	t.Helper()
	var last mfOpJSON
	for _, h := range mfHistory(t, via, group) {
		if h.Kind == kind {
			last = h
		}
	}
	if last.Kind == "" {
		t.Fatalf("group %s: no %s in its history: %+v", group, kind, mfHistory(t, via, group))
	}
	return last
}

// mfWhy is `group why -o json`.
type mfWhy struct {
	Reasons []struct {
		Code string `json:"code"`
		Text string `json:"text"`
	} `json:"reasons"`
}

func (w mfWhy) has(code, text string) bool {
	for _, r := range w.Reasons {
		if r.Code == code && strings.Contains(r.Text, text) {
			return true
		}
	}
	return false
}

// mfMoveFails runs a move with --wait that must end with the move failed:
// a non-zero exit, the answer 997 and the note on standard error.
func mfMoveFails(t *testing.T, via *node, args ...string) {
	t.Helper()
	args = append(append([]string{"group", "move"}, args...), "--wait=60s", "-o", "json")
	out, errOut, code, err := via.baton(args...)
	if err != nil {
		t.Fatal(err)
	}
	var op opJSON
	if jerr := json.Unmarshal([]byte(out), &op); jerr != nil || code == 0 || op.Status != 997 || !strings.Contains(errOut, "failed") {
		t.Fatalf("baton %s: exit %d, stdout %q, stderr %q: want 997, then a failed move and a non-zero exit", strings.Join(args, " "), code, out, errOut)
	}
}

// 0x2: the gate fails on the destination; the group goes back to the
// source and comes online there, and the move ends failed with
// ERROR_RESOURCE_FAILED. The dummies ran on the destination meanwhile: the
// ledger proves they never ran on two nodes at once.
func testMoveFlagReturnToSource(t *testing.T, c *cluster) {
	n1, n2, n3 := c.node("n1"), c.node("n2"), c.node("n3")
	led := c.newLedger(t)
	// Preferred n1, then n3: the failover policy would take the group to
	// n3, the way back takes it to n1.
	createGatedGroup(t, n1, "rts", led, "n1", "n3")
	failHere(t, n2)
	mfMoveFails(t, n3, "rts", "--to", "n2", "--return-to-source")
	awaitOnlineOn(t, n3, "rts", "n1", "", 30*time.Second)

	if m := mfLast(t, n1, "rts", "MoveGroup"); m.Flags != 0x2 || m.Outcome != "failed" {
		t.Errorf("the move with 0x2: %+v, want failed", m)
	}
	back := mfLast(t, n1, "rts", "ReturnToSource")
	await(t, 30*time.Second, "the way back to end", func() (bool, string) {
		back = mfLast(t, n1, "rts", "ReturnToSource")
		return back.Outcome != "", fmt.Sprintf("%+v", back)
	})
	if back.Outcome != "succeeded" || back.Caller != "controller:return-to-source" {
		t.Errorf("the way back: %+v, want succeeded", back)
	}
	if w := mustJSON[mfWhy](t, n1, "group", "why", "rts"); !w.has("moving", "ERROR_RESOURCE_FAILED") || !w.has("moving", "rts-gate") {
		t.Errorf("group why after the way back: %+v, want the move's failure (ERROR_RESOURCE_FAILED, rts-gate)", w)
	}
	evs := readLedger(t, led)
	if ons := eventsOf(evs, "n2", ledger.Online, 0); len(ons) == 0 {
		t.Errorf("the dummies never came online on n2: the test did not test the way back\n%s", formatEvents(evs))
	}
	takeOffline(t, n1, "rts")
	checkLedger(t, led)
}

// 0x10: the group goes to its first preferred owner that can take it,
// n3 — not the source n1.
func testMoveFlagFailback(t *testing.T, c *cluster) {
	n1, n2, n3 := c.node("n1"), c.node("n2"), c.node("n3")
	led := c.newLedger(t)
	createGatedGroup(t, n1, "fb", led, "n1")
	n1.must(t, "group", "nodes", "fb", "n3", "n1") // AutoFailbackType is 0: it stays on n1
	failHere(t, n2)
	mfMoveFails(t, n1, "fb", "--to", "n2", "--failback")
	awaitOnlineOn(t, n1, "fb", "n3", "", 30*time.Second)
	if m := mfLast(t, n1, "fb", "MoveGroup"); m.Flags != 0x10 || m.Outcome != "failed" {
		t.Errorf("the move with 0x10: %+v, want failed", m)
	}
	await(t, 30*time.Second, "the failback to end", func() (bool, string) {
		fb := mfLast(t, n1, "fb", "MoveFailback")
		return fb.Outcome == "succeeded", fmt.Sprintf("%+v", fb)
	})
	if st := groupState(t, n3, "fb"); st.OwnerNode != "n3" || st.State != "Online" {
		t.Errorf("after the failback: %+v, want Online on n3", st)
	}
	takeOffline(t, n1, "fb")
	checkLedger(t, led)
}

// 0x4: a move to a paused node waits in the queue — 997, the group where
// it was, StatusInformation 0x4 (group why) — and runs when the node
// resumes; a move to a node hosting an anti-affined group waits until that
// group leaves.
func testMoveFlagQueue(t *testing.T, c *cluster) {
	n1, n3 := c.node("n1"), c.node("n3")
	led := c.newLedger(t)
	createGroup(t, n1, "q", led, "n1")
	lines := len(readLedger(t, led))

	n1.must(t, "node", "pause", "n2")
	t.Cleanup(func() { _, _, _, _ = n1.baton("node", "resume", "n2") })
	op := mustJSON[opJSON](t, n3, "group", "move", "q", "--to", "n2", "--queue")
	if op.Status != 997 {
		t.Fatalf("queued move: %+v, want 997", op)
	}
	time.Sleep(time.Second) // the leader looks at the queue on every change; nothing may happen
	if st := groupState(t, n1, "q"); st.State != "Online" || st.OwnerNode != "n1" {
		t.Fatalf("while queued: %+v, want Online on n1", st)
	}
	if evs := readLedger(t, led); len(evs) != lines {
		t.Errorf("a queued move ran resources:\n%s", formatEvents(evs[lines:]))
	}
	if w := mustJSON[mfWhy](t, n1, "group", "why", "q"); !w.has("queued", "0x4") || !w.has("queued", "paused") {
		t.Errorf("group why while queued: %+v, want the queue (StatusInformation 0x4) and why (paused)", w)
	}
	if m := mfLast(t, n1, "q", "MoveGroup"); m.Flags != 0x4 || m.Outcome != "in progress" {
		t.Errorf("queued move in the history: %+v", m)
	}
	n1.must(t, "node", "resume", "n2")
	awaitOnlineOn(t, n1, "q", "n2", "", 30*time.Second)
	await(t, 10*time.Second, "the queued move to succeed", func() (bool, string) {
		m := mfLast(t, n1, "q", "MoveGroup")
		return m.Outcome == "succeeded", fmt.Sprintf("%+v", m)
	})
	if w := mustJSON[mfWhy](t, n1, "group", "why", "q"); w.has("queued", "") {
		t.Errorf("group why after the queued move ran: %+v, want no queue", w)
	}

	// Anti-affinity: "other" (same class) runs on n3; the move waits until
	// it goes offline.
	n1.must(t, "group", "set", "q", "--prop", "AntiAffinityClassNames=multi_sz:db")
	createGroup(t, n1, "other", led, "n3")
	n1.must(t, "group", "set", "other", "--prop", "AntiAffinityClassNames=multi_sz:db")
	if e := errorOf(t, n1, "group", "move", "q", "--to", "n3"); e.Code != 5071 {
		t.Errorf("move into an anti-affinity conflict without --queue: %+v, want 5071", e)
	}
	op = mustJSON[opJSON](t, n1, "group", "move", "q", "--to", "n3", "--queue")
	if op.Status != 997 {
		t.Fatalf("queued move into a conflict: %+v", op)
	}
	if w := mustJSON[mfWhy](t, n1, "group", "why", "q"); !w.has("queued", "anti-affinity") {
		t.Errorf("group why: %+v, want queued for anti-affinity", w)
	}
	takeOffline(t, n1, "other")
	awaitOnlineOn(t, n1, "q", "n3", "", 30*time.Second)

	// 0x20: the same conflict, ignored on request — and refused without.
	mustJSON[opJSON](t, n1, "group", "move", "q", "--to", "n2", "--wait=30s")
	if op := mustJSON[opJSON](t, n1, "group", "online", "other", "--wait=30s"); op.State == nil || *op.State != "Online" {
		t.Fatalf("group online other: %+v", op)
	}
	if e := errorOf(t, n1, "group", "move", "q", "--to", "n3"); e.Code != 5071 {
		t.Errorf("move into an anti-affinity conflict: %+v, want 5071", e)
	}
	op = mustJSON[opJSON](t, n1, "group", "move", "q", "--to", "n3", "--ignore-affinity", "--wait=30s")
	if op.Status != 997 || op.State == nil || *op.State != "Online" {
		t.Fatalf("move --ignore-affinity: %+v, want 997 and Online", op)
	}
	for _, g := range []string{"q", "other"} {
		if st := groupState(t, n1, g); st.State != "Online" || st.OwnerNode != "n3" {
			t.Errorf("after move --ignore-affinity, %s: %+v, want Online on n3", g, st)
		}
	}
	if m := mfLast(t, n1, "q", "MoveGroup"); m.Flags != 0x20 {
		t.Errorf("the move's flags in the history: %+v, want 0x20", m)
	}
	takeOffline(t, n1, "other")
	takeOffline(t, n1, "q")
	checkLedger(t, led)
}

// --queue --wait waits while the move is queued and exits 0 once it ran.
func testMoveFlagQueueWait(t *testing.T, c *cluster) {
	n1 := c.node("n1")
	led := c.newLedger(t)
	createGroup(t, n1, "qw", led, "n1")
	n1.must(t, "node", "pause", "n3")
	t.Cleanup(func() { _, _, _, _ = n1.baton("node", "resume", "n3") })

	ctx, cancel := context.WithTimeout(context.Background(), cliWithin)
	defer cancel()
	cmd := exec.CommandContext(ctx, batonBin, "group", "move", "qw", "--to", "n3", "--queue", "--high-priority", "--wait=50s", "-o", "json")
	cmd.Env = append(os.Environ(), "BATON_ADDR="+n1.addr())
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	await(t, 10*time.Second, "the move queued", func() (bool, string) {
		w, err := tryJSON[mfWhy](n1, "group", "why", "qw")
		return err == nil && w.has("queued", "paused"), fmt.Sprintf("%+v %v", w, err)
	})
	select {
	case err := <-done:
		t.Fatalf("move --queue --wait returned while the move was queued: %v\n%s%s", err, out.String(), errOut.String())
	case <-time.After(time.Second):
	}
	n1.must(t, "node", "resume", "n3")
	select {
	case err := <-done:
		var op opJSON
		if err != nil || json.Unmarshal(out.Bytes(), &op) != nil || op.Status != 997 || op.State == nil || *op.State != "Online" {
			t.Fatalf("move --queue --wait after the resume: %v, %q %q; want exit 0, 997, Online", err, out.String(), errOut.String())
		}
	case <-time.After(40 * time.Second):
		_ = cmd.Process.Signal(syscall.SIGTERM)
		t.Fatal("move --queue --wait did not return after the node resumed")
	}
	if st := groupState(t, n1, "qw"); st.OwnerNode != "n3" || st.State != "Online" {
		t.Errorf("after the queued move: %+v", st)
	}
	if m := mfLast(t, n1, "qw", "MoveGroup"); m.Flags != 0xC || m.Outcome != "succeeded" {
		t.Errorf("the queued move: %+v, want flags 0xc, succeeded", m)
	}
	takeOffline(t, n1, "qw")
	checkLedger(t, led)
}

// The queue is in the database: stop the node whose controller leads
// while a move waits, and the new leader runs it when the blocker clears.
// The group's owner and destination are the other two nodes. The node is
// killed (-9) unless it also leads the database: killing that leader can
// make healthy nodes fence (see testFreezeDatabaseLeader), so it is then
// stopped with SIGTERM, which ends its controller as surely.
func testMoveFlagQueueControllerChange(t *testing.T, c *cluster) {
	leader := mfControllerLeader(t, c)
	rest := c.others(leader)
	owner, dest := rest[0], rest[1]
	led := c.newLedger(t)
	createGroup(t, owner, "qc", led, owner.name)
	owner.must(t, "node", "pause", dest.name)
	t.Cleanup(func() { _, _, _, _ = owner.baton("node", "resume", dest.name) })
	if op := mustJSON[opJSON](t, owner, "group", "move", "qc", "--to", dest.name, "--queue"); op.Status != 997 {
		t.Fatalf("queued move: %+v", op)
	}
	marks := c.markLogs()
	if leader == c.dbLeader(t) {
		t.Logf("%s leads the controller and the database: stopping it with SIGTERM", leader.name)
		leader.signal(t, syscall.SIGTERM)
		leader.awaitExit(t, exitWithin)
	} else {
		t.Logf("%s leads the controller: kill -9", leader.name)
		leader.kill(t)
	}
	await(t, 30*time.Second, "another node to lead the controller", func() (bool, string) {
		for _, n := range rest {
			if strings.Contains(marks.since(n), "controller: this node leads the cluster") {
				return true, ""
			}
		}
		return false, "no leader yet"
	})
	if st := groupState(t, owner, "qc"); st.OwnerNode != owner.name || st.State != "Online" {
		t.Fatalf("after the controller's node died: %+v, want Online on %s still", st, owner.name)
	}
	if w := mustJSON[mfWhy](t, owner, "group", "why", "qc"); !w.has("queued", "paused") {
		t.Errorf("group why after the controller's node died: %+v, want still queued", w)
	}
	owner.must(t, "node", "resume", dest.name)
	awaitOnlineOn(t, owner, "qc", dest.name, "", 30*time.Second)
	leader.restart(t)
	takeOffline(t, owner, "qc")
	checkLedger(t, led)
}

// mfControllerLeader is the node whose controller leads: the one that
// last logged that it does (at the start of a cluster, the only one).
func mfControllerLeader(t *testing.T, c *cluster) *node {
	t.Helper()
	const leads = "controller: this node leads the cluster"
	var leader *node
	await(t, 10*time.Second, "a controller leader", func() (bool, string) {
		var latest string
		for _, n := range c.nodes {
			for _, line := range strings.Split(n.logText(), "\n") {
				if !strings.Contains(line, leads) {
					continue
				}
				// Text log lines start "time=<RFC 3339, UTC>": they sort.
				if at, _, _ := strings.Cut(line, " "); at > latest {
					latest, leader = at, n
				}
			}
		}
		return leader != nil, "no node logged that it leads"
	})
	return leader
}
