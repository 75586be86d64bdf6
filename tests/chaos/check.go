//go:build linux

package chaos

import (
	"cmp"
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/batoncluster/baton/clusapi"
	"github.com/batoncluster/baton/internal/ledger"
)

// fenceGrace is how soon after SIGCONT a node that was frozen past its
// lease must have written its fence (offline) lines for its resources to
// count as stopped from the moment it froze.
const fenceGrace = 1500 * time.Millisecond

// CheckLedger reports every moment a resource was online on two nodes at
// once. A frozen agent's in-process resources do not run while it is
// frozen, but it can write nothing either, so its online intervals stay
// open until it resumes and fences: an interval of a frozen node that it
// ends within fenceGrace of SIGCONT counts as ended when it froze (see
// tests/cluster testFreezeOwner). An interval it does not end promptly,
// or one it starts after SIGCONT, counts as it is.
func CheckLedger(path string, freezes []Freeze) (events int, err error) {
	evs, err := ledger.Read(path)
	if err != nil {
		return 0, err
	}
	return len(evs), ledger.CheckEvents(cutFrozen(evs, freezes))
}

// overlap is a resource online on two nodes at once: key names it
// (resource, nodes, starts: the same overlap seen again as its intervals
// end has the same key), text describes it.
type overlap struct {
	key, text string
	nodes     [2]string
	at        int64 // when the later interval began
}

// ledgerOverlaps is CheckLedger's overlaps.
func ledgerOverlaps(path string, freezes []Freeze) (events int, overlaps []overlap, err error) {
	evs, err := ledger.Read(path)
	if err != nil {
		return 0, nil, err
	}
	for _, o := range ledger.Overlaps(cutFrozen(evs, freezes)) {
		key := fmt.Sprintf("%s %s@%d %s@%d", o.A.Resource, o.A.Node, o.A.Start, o.B.Node, o.B.Start)
		overlaps = append(overlaps, overlap{key: key, text: o.String(), nodes: [2]string{o.A.Node, o.B.Node}, at: max(o.A.Start, o.B.Start)})
	}
	return len(evs), overlaps, nil
}

// revokedNear says whether node logged, within 2 s of the ledger time at,
// that its lease had expired on the server although it renewed it in
// time: etcd revoking a healthy node's lease (a resumed old leader's
// lessor, docs/fencing.md "What it does not cover").
func revokedNear(n *Node, at int64) bool {
	wall := time.Unix(0, at+time.Now().UnixNano()-ledger.Now())
	for _, line := range strings.Split(n.LogText(), "\n") {
		if !strings.Contains(line, "the lease expired on the server") || !strings.HasPrefix(line, "time=") {
			continue
		}
		ts, _, _ := strings.Cut(strings.TrimPrefix(line, "time="), " ")
		t, err := time.Parse(time.RFC3339Nano, ts)
		if err == nil && t.Sub(wall).Abs() < 2*time.Second {
			return true
		}
	}
	return false
}

// cutFrozen moves, for each freeze, the end of every interval of the
// frozen node that was open when it froze to the moment it froze, if the
// node ended it within fenceGrace of SIGCONT.
func cutFrozen(evs []ledger.Event, freezes []Freeze) []ledger.Event {
	out := slices.Clone(evs)
	slices.SortStableFunc(out, func(a, b ledger.Event) int { return cmp.Compare(a.Time, b.Time) })
	type key struct{ node, res string }
	for _, f := range freezes {
		if f.To == 0 {
			continue
		}
		open := map[key]bool{} // online when it froze
		for i, e := range out {
			if e.Node != f.Node {
				continue
			}
			k := key{e.Node, e.Resource}
			if e.Time <= f.From {
				open[k] = e.Kind == ledger.Online
				continue
			}
			if !open[k] {
				continue
			}
			open[k] = false // only the first event after the freeze
			if e.Kind != ledger.Online && e.Time <= f.To+int64(fenceGrace) {
				out[i].Time = f.From
			}
		}
	}
	return out
}

// Running is where the ledger says each resource runs now: the nodes of
// its open intervals.
func ledgerRunning(path string) (map[string][]string, error) {
	evs, err := ledger.Read(path)
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for _, iv := range ledger.Intervals(evs) {
		if iv.Open {
			out[iv.Resource] = append(out[iv.Resource], iv.Node)
		}
	}
	return out, nil
}

// settled says whether every group is where its persistent states and
// policy say, as via sees it and as the ledger shows: nothing pending or
// failed, no queued move; each resource Online exactly when it and its
// group are persistently online (a resource persistently online in an
// offline group may be either), on the group's owner, which is Up; a
// failback group on its first preferred owner; and the ledger shows each
// resource running on its owner alone, or nowhere.
func settled(ctx context.Context, via *Node, w Workload, ledgerPath string) (bool, string) {
	cl := via.Client()
	nodes, err := cl.ListNodes(ctx)
	if err != nil {
		return false, err.Error()
	}
	up := map[string]bool{}
	for _, n := range nodes {
		up[n.Name] = n.State == clusapi.ClusterNodeUp
	}
	running, err := ledgerRunning(ledgerPath)
	if err != nil {
		return false, err.Error()
	}
	for _, gs := range w.Groups {
		g, err := cl.Groups().Get(ctx, gs.Name)
		if err != nil {
			return false, err.Error()
		}
		if g.QueuedMove != nil {
			return false, fmt.Sprintf("group %s has a queued move: %+v", g.Name, *g.QueuedMove)
		}
		rs, err := cl.Resources().List(ctx, gs.Name)
		if err != nil {
			return false, err.Error()
		}
		allOnline := len(rs) > 0
		for _, r := range rs {
			switch {
			case r.State.IsPending():
				return false, fmt.Sprintf("resource %s is %s", r.Name, r.State)
			case r.State == clusapi.ClusterResourceFailed:
				return false, fmt.Sprintf("resource %s is Failed: %s", r.Name, r.LastError)
			case r.PersistentState == 1 && g.PersistentState == 1 && r.State != clusapi.ClusterResourceOnline:
				return false, fmt.Sprintf("resource %s is %s; it and its group %s are persistently online", r.Name, r.State, g.Name)
			case r.PersistentState == 0 && r.State != clusapi.ClusterResourceOffline:
				return false, fmt.Sprintf("resource %s is %s; it is persistently offline", r.Name, r.State)
			}
			want := []string(nil)
			if r.State == clusapi.ClusterResourceOnline {
				want = []string{g.OwnerNode}
				if r.OwnerNode != g.OwnerNode {
					return false, fmt.Sprintf("resource %s Online on %s, its group %s on %s", r.Name, r.OwnerNode, g.Name, g.OwnerNode)
				}
			} else {
				allOnline = false
			}
			if got := running[r.Name]; !slices.Equal(got, want) {
				return false, fmt.Sprintf("resource %s is %s on %s, but the ledger has it running on %v", r.Name, r.State, g.OwnerNode, got)
			}
		}
		if g.PersistentState == 1 && !up[g.OwnerNode] {
			return false, fmt.Sprintf("group %s is persistently online on %q, which is not Up", g.Name, g.OwnerNode)
		}
		if gs.Failback && g.PersistentState == 1 && allOnline && len(g.PreferredOwners) > 0 && up[g.PreferredOwners[0]] && g.OwnerNode != g.PreferredOwners[0] {
			return false, fmt.Sprintf("group %s fails back, but is on %s, not %s", g.Name, g.OwnerNode, g.PreferredOwners[0])
		}
	}
	return true, ""
}

var alarming = regexp.MustCompile(`(?m)^(panic: |fatal error: |WARNING: DATA RACE)`)

// logAlarms finds panics and fatal errors in a node's log.
func logAlarms(n *Node) string {
	text := n.LogText()
	loc := alarming.FindStringIndex(text)
	if loc == nil {
		return ""
	}
	end := min(len(text), loc[0]+2000)
	return strings.TrimSpace(text[loc[0]:end])
}
