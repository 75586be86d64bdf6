package controller_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/clustertest"
	"github.com/batoncluster/baton/internal/explain"
	"github.com/batoncluster/baton/internal/ops"
	"github.com/batoncluster/baton/internal/store"
	"github.com/batoncluster/baton/proplist"
)

func dword(name string, v uint32) proplist.Property {
	return proplist.Property{Name: name, Values: []proplist.Value{proplist.DWORD(v)}}
}

// transition is a state the test saw the resource enter, and when.
type transition struct {
	at    time.Time
	state wsfc.ClusterResourceState
	seq   uint64
}

// watcher notes every state change of one resource as the node's store
// shows it.
type watcher struct {
	t        *testing.T
	n        *clustertest.Node
	resource string
	seen     []transition
}

// until watches until cond holds for the transitions seen so far (or
// limit passes, which fails the test).
func (w *watcher) until(limit time.Duration, what string, cond func([]transition) bool) {
	w.t.Helper()
	sub := w.n.Store().Subscribe()
	defer sub.Close()
	deadline := time.After(limit)
	for {
		if st := w.n.Store().View().Status(w.resource); st != nil {
			if k := len(w.seen); k == 0 || w.seen[k-1].seq != st.Seq {
				w.seen = append(w.seen, transition{at: time.Now(), state: wsfc.ClusterResourceState(st.State), seq: st.Seq})
			}
		}
		if cond(w.seen) {
			return
		}
		select {
		case <-sub.C():
			sub.Take()
		case <-deadline:
			w.t.Fatalf("not %s within %v; transitions: %s", what, limit, w)
		}
	}
}

func (w *watcher) String() string {
	var b strings.Builder
	for _, s := range w.seen {
		fmt.Fprintf(&b, "\n  %s %v seq %d", s.at.Format("15:04:05.000"), s.state, s.seq)
	}
	return b.String()
}

// last is the latest transition seen.
func (w *watcher) last() transition { return w.seen[len(w.seen)-1] }

// RetryPeriodOnFailure (reference §8.2): a group whose failover failed —
// here a one-node cluster, where the default FailoverThreshold (nodes − 1)
// is 0 — stays Failed for RetryPeriodOnFailure after the controller
// records the failure (Group.LastFailedAt), then gets one more online
// attempt in place: r and p, which r depends on, both fail, and one call
// brings both online again. An attempt that fails again is recorded again
// and waits another period; one that works leaves the group Online.
func TestRetryPeriodOnFailure(t *testing.T) {
	const period = 1500 * time.Millisecond
	n := clustertest.New(t)
	ctx := context.Background()
	e := n.Ops()
	if _, err := e.CreateGroup(ctx, "G", nil, nil); err != nil {
		t.Fatal(err)
	}
	for _, r := range []struct {
		name      string
		dependsOn []string
	}{{"p", nil}, {"r", []string{"p"}}} {
		if _, err := e.CreateResource(ctx, r.name, "G", "dummy", r.dependsOn, proplist.List{
			dword("LooksAlivePollInterval", 50),
			dword("RestartThreshold", 0), // the first health failure fails it: no restart
			dword("RestartPeriod", 1000),
			dword("RetryPeriodOnFailure", uint32(period/time.Millisecond)),
		}); err != nil {
			t.Fatal(err)
		}
	}
	res, err := e.OnlineGroup(ctx, ops.GroupRef{Name: "G"}, "", ops.Request{Flags: wsfc.CLUSAPI_GROUP_ONLINE_SYNCHRONOUS})
	if err != nil || res.Status != wsfc.ERROR_SUCCESS {
		t.Fatalf("online: %+v, %v", res, err)
	}
	setHealth := func(fail uint32) {
		t.Helper()
		for _, r := range []string{"p", "r"} {
			if _, err := e.SetResourceProperties(ctx, ops.ResourceRef{Name: r}, proplist.List{dword("FailHealth", fail)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	w := &watcher{t: t, n: n, resource: "r"}
	w.until(5*time.Second, "Online", func(s []transition) bool { return s[len(s)-1].state == wsfc.ClusterResourceOnline })

	// awaitRecorded waits for the failure to be recorded and returns the
	// record.
	awaitRecorded := func(after time.Time) time.Time {
		t.Helper()
		var at time.Time
		n.Await(func(v store.View) bool {
			g := v.Group("G")
			at = g.LastFailedAt
			return at.After(after) && g.LastFailedSeq == ops.FailureSeq(v, g)
		}, "LastFailedAt recorded")
		return at
	}

	// 1. The health checks fail: Failed, and nowhere to fail over to.
	setHealth(1)
	w.until(5*time.Second, "Failed", func(s []transition) bool { return s[len(s)-1].state == wsfc.ClusterResourceFailed })
	n.AwaitResource("p", wsfc.ClusterResourceFailed)
	failed := w.last()
	first := awaitRecorded(failed.at.Add(-time.Second))
	if first.Before(failed.at.Add(-time.Second)) || first.After(failed.at.Add(time.Second)) {
		t.Errorf("LastFailedAt %v, but the resource failed at %v", first, failed.at)
	}
	// While it waits, `baton group why` says so.
	v := n.Store().View()
	why := explain.Group(v, v.Group("G"), time.Now())
	if !hasReason(why, "held", "RetryPeriodOnFailure") {
		t.Errorf("explain during the wait: %+v; want a hold that names RetryPeriodOnFailure", why.Reasons)
	}

	// 2. The retry comes after the period, not before; the resource still
	// fails its health check, so it fails again and waits again.
	w.until(period+5*time.Second, "retried and Failed again", func(s []transition) bool {
		return len(s) >= 2 && s[len(s)-1].state == wsfc.ClusterResourceFailed && s[len(s)-1].seq > failed.seq+1
	})
	retried := w.seen[indexOf(w.seen, failed)+1]
	if retried.state != wsfc.ClusterResourceOnlinePending {
		t.Fatalf("after Failed the resource went %v, want OnlinePending (the retry):%s", retried.state, w)
	}
	if d := retried.at.Sub(first); d < period {
		t.Errorf("retried %v after the failure was recorded, before RetryPeriodOnFailure (%v):%s", d, period, w)
	} else if d > period+3*time.Second {
		t.Errorf("retried only %v after the failure was recorded (RetryPeriodOnFailure %v):%s", d, period, w)
	}
	t.Logf("first retry %v after the failure was recorded (RetryPeriodOnFailure %v)", retried.at.Sub(first).Round(time.Millisecond), period)
	failedAgain := w.last()
	second := awaitRecorded(first)

	// 3. With the health check fixed, the next retry brings it Online.
	setHealth(0)
	w.until(period+5*time.Second, "Online after the second retry", func(s []transition) bool {
		return s[len(s)-1].state == wsfc.ClusterResourceOnline && s[len(s)-1].seq > failedAgain.seq
	})
	retried = w.seen[indexOf(w.seen, failedAgain)+1]
	if d := retried.at.Sub(second); d < period || d > period+3*time.Second {
		t.Errorf("second retry %v after the second failure was recorded, want RetryPeriodOnFailure (%v) and a little:%s", d, period, w)
	}
	t.Logf("second retry %v after the second failure was recorded", retried.at.Sub(second).Round(time.Millisecond))
	n.AwaitGroup("G", wsfc.ClusterGroupOnline)
	v = n.Store().View()
	g := v.Group("G")
	if g.OwnerNode != "node1" || len(g.Failovers) != 0 {
		t.Errorf("after the retries: owner %q, failovers %v; want node1 and none (a retry in place is no failover)", g.OwnerNode, g.Failovers)
	}
	retries := 0
	for _, op := range v.Operations() {
		if op.Group == "G" && op.Caller == "controller:retry" {
			retries++
			if op.Kind != store.OpOnlineResource || op.Flags != 0x3 {
				t.Errorf("retry operation %+v: want OnlineResource with flags 0x3 (ignore locked, keep the persistent state)", op)
			}
		}
	}
	if retries != 2 {
		t.Errorf("%d retry operations recorded, want 2 (one call brings r and p online)", retries)
	}
	for _, r := range []string{"p", "r"} {
		if st := v.Status(r); st.Persistent != 1 {
			t.Errorf("%s: persistent state %d after the retries, want 1", r, st.Persistent)
		}
	}
}

// RetryPeriodOnFailure 0xFFFFFFFF: never retried.
func TestRetryPeriodOnFailureNever(t *testing.T) {
	n := clustertest.New(t)
	ctx := context.Background()
	e := n.Ops()
	if _, err := e.CreateGroup(ctx, "G", nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := e.CreateResource(ctx, "r", "G", "dummy", nil, proplist.List{
		dword("LooksAlivePollInterval", 50), dword("RestartThreshold", 0), dword("RetryPeriodOnFailure", 0xFFFFFFFF),
	}); err != nil {
		t.Fatal(err)
	}
	if res, err := e.OnlineGroup(ctx, ops.GroupRef{Name: "G"}, "", ops.Request{Flags: wsfc.CLUSAPI_GROUP_ONLINE_SYNCHRONOUS}); err != nil || res.Status != wsfc.ERROR_SUCCESS {
		t.Fatalf("online: %+v, %v", res, err)
	}
	if _, err := e.SetResourceProperties(ctx, ops.ResourceRef{Name: "r"}, proplist.List{dword("FailHealth", 1)}); err != nil {
		t.Fatal(err)
	}
	n.AwaitResource("r", wsfc.ClusterResourceFailed)
	seq := n.Store().View().Status("r").Seq
	time.Sleep(time.Second)
	v := n.Store().View()
	if st := v.Status("r"); st.Seq != seq {
		t.Errorf("the resource changed state (now %v) although RetryPeriodOnFailure is 0xFFFFFFFF", wsfc.ClusterResourceState(st.State))
	}
	why := explain.Group(v, v.Group("G"), time.Now())
	if !hasReason(why, "held", "FailoverThreshold") {
		t.Errorf("explain: %+v; want the threshold hold", why.Reasons)
	}
}

func hasReason(e explain.Explanation, code, text string) bool {
	for _, r := range e.Reasons {
		if r.Code == code && strings.Contains(r.Text, text) {
			return true
		}
	}
	return false
}

func indexOf(ts []transition, x transition) int {
	for i, s := range ts {
		if s.seq == x.seq {
			return i
		}
	}
	return -1
}
