package placement

import (
	"testing"
	"time"
)

func at(hour, minute int) time.Time { return time.Date(2026, 3, 2, hour, minute, 0, 0, time.UTC) }

func TestFailbackWindow(t *testing.T) {
	cet := time.FixedZone("CET", 3600)
	for _, tc := range []struct {
		now        time.Time
		start, end uint32
		open       bool
		next       time.Time
	}{
		{at(12, 0), Infinite, Infinite, true, time.Time{}},
		{at(12, 0), 3, Infinite, true, time.Time{}},        // one end only: no window
		{at(12, 0), 3, 24, true, time.Time{}},              // out of range: no window
		{at(1, 0), 1, 5, true, time.Time{}},                // start is inside
		{at(4, 59), 1, 5, true, time.Time{}},               // last minute inside
		{at(5, 0), 1, 5, false, at(1, 0).AddDate(0, 0, 1)}, // end is outside
		{at(0, 30), 1, 5, false, at(1, 0)},                 // opens later today
		{at(23, 0), 22, 2, true, time.Time{}},              // wraps midnight
		{at(1, 59), 22, 2, true, time.Time{}},
		{at(2, 0), 22, 2, false, at(22, 0)},
		{at(21, 59), 22, 2, false, at(22, 0)},
		{at(13, 10), 13, 13, true, time.Time{}}, // start = end: one hour
		{at(14, 0), 13, 13, false, at(13, 0).AddDate(0, 0, 1)},
		// Hours are those of the cluster's local time: Now's location.
		{at(12, 0).In(cet), 13, 14, true, time.Time{}},
		{at(12, 0).In(cet), 12, 13, false, time.Date(2026, 3, 3, 12, 0, 0, 0, cet)},
		{at(22, 30).In(cet), 22, 23, false, time.Date(2026, 3, 3, 22, 0, 0, 0, cet)}, // 23:30 local
	} {
		open, next := failbackWindow(tc.now, tc.start, tc.end)
		if open != tc.open || !next.Equal(tc.next) {
			t.Errorf("failbackWindow(%v, %d, %d) = %v, %v; want %v, %v", tc.now, tc.start, tc.end, open, next, tc.open, tc.next)
		}
	}
}

func TestThresholdHold(t *testing.T) {
	now := at(12, 0)
	ago := func(d time.Duration) time.Time { return now.Add(-d) }
	for _, tc := range []struct {
		name      string
		threshold uint32
		period    uint32
		failovers []time.Time
		nodes     int
		held      bool
		until     time.Time
	}{
		{"default, 3 nodes, 1 failover", Infinite, 6, []time.Time{ago(time.Hour)}, 3, false, time.Time{}},
		{"default, 3 nodes, 2 failovers", Infinite, 6, []time.Time{ago(time.Hour), ago(2 * time.Hour)}, 3, true, ago(2 * time.Hour).Add(6 * time.Hour)},
		{"default, 1 node", Infinite, 6, nil, 1, true, time.Time{}},
		{"zero", 0, 6, nil, 3, true, time.Time{}},
		{"edge of window is outside", 1, 6, []time.Time{ago(6 * time.Hour)}, 3, false, time.Time{}},
		{"zero period counts nothing", 1, 0, []time.Time{now}, 3, false, time.Time{}},
		{"future counts", 1, 1, []time.Time{now.Add(time.Hour)}, 3, true, now.Add(2 * time.Hour)},
		{"huge period", 1, Infinite, []time.Time{ago(100000 * time.Hour)}, 3, true, ago(100000 * time.Hour).Add(maxPeriodHours * time.Hour)},
	} {
		g := &Group{FailoverThreshold: tc.threshold, FailoverPeriodHours: tc.period, Failovers: tc.failovers}
		held, until := thresholdHold(g, now, tc.nodes)
		if held != tc.held || !until.Equal(tc.until) {
			t.Errorf("%s: thresholdHold = %v, %v; want %v, %v", tc.name, held, until, tc.held, tc.until)
		}
	}
}

func TestRetryHold(t *testing.T) {
	now := at(12, 0)
	for _, tc := range []struct {
		last  time.Time
		ms    uint32
		held  bool
		until time.Time
	}{
		{time.Time{}, 3600000, true, now.Add(time.Hour)}, // not recorded yet: counts from now
		{time.Time{}, 0, false, time.Time{}},
		{now.Add(-time.Minute), 0, false, time.Time{}},
		{now.Add(-time.Minute), 3600000, true, now.Add(59 * time.Minute)},
		{now.Add(-time.Hour), 3600000, false, time.Time{}},
		{now.Add(-1000 * time.Hour), Infinite, true, time.Time{}},
	} {
		g := &Group{LastFailedAt: tc.last, RetryPeriodOnFailureMs: tc.ms}
		held, until := retryHold(g, now)
		if held != tc.held || !until.Equal(tc.until) {
			t.Errorf("retryHold(%v, %d) = %v, %v; want %v, %v", tc.last, tc.ms, held, until, tc.held, tc.until)
		}
	}
}

func TestNodeStateString(t *testing.T) {
	for s, want := range map[NodeState]string{NodeUp: "Up", NodeDown: "Down", NodePaused: "Paused", NodeJoining: "Joining", 7: "NodeState(7)"} {
		if got := s.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", int(s), got, want)
		}
	}
}
