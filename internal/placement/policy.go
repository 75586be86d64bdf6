package placement

import (
	"slices"
	"time"
)

// maxPeriodHours bounds FailoverPeriodHours (WSFC allows 0–1193) so that
// larger values cannot overflow a time.Duration.
const maxPeriodHours = 1 << 20

// thresholdHold reports whether g has used up its failovers: at least
// FailoverThreshold of them within the last FailoverPeriodHours. until is
// when enough have left the window for one more; zero if never (threshold
// 0). nodes is the number of nodes in the cluster, for the default
// threshold (nodes − 1).
func thresholdHold(g *Group, now time.Time, nodes int) (held bool, until time.Time) {
	threshold := uint64(g.FailoverThreshold)
	if g.FailoverThreshold == Infinite {
		threshold = uint64(max(nodes-1, 0))
	}
	period := time.Duration(min(g.FailoverPeriodHours, maxPeriodHours)) * time.Hour
	var counted []time.Time
	for _, t := range g.Failovers {
		if now.Sub(t) < period {
			counted = append(counted, t)
		}
	}
	if uint64(len(counted)) < threshold {
		return false, time.Time{}
	}
	if threshold == 0 {
		return true, time.Time{}
	}
	// One more failover is allowed once len(counted)-threshold+1 of them
	// have left the window: the oldest, when the count equals the threshold.
	slices.SortFunc(counted, time.Time.Compare)
	return true, counted[uint64(len(counted))-threshold].Add(period)
}

// retryHold reports whether g, whose failover is exhausted, is still
// waiting out its RetryPeriodOnFailure: until LastFailedAt plus the period
// (a zero LastFailedAt — the failure is not recorded yet — counts as now).
// until is the end of the wait; zero if it never ends (Infinite).
func retryHold(g *Group, now time.Time) (held bool, until time.Time) {
	if g.RetryPeriodOnFailureMs == Infinite {
		return true, time.Time{}
	}
	if g.RetryPeriodOnFailureMs == 0 {
		return false, time.Time{}
	}
	from := g.LastFailedAt
	if from.IsZero() {
		from = now
	}
	until = from.Add(time.Duration(g.RetryPeriodOnFailureMs) * time.Millisecond)
	if now.Before(until) {
		return true, until
	}
	return false, time.Time{}
}

// failbackWindow reports whether now is inside the failback window
// [start, end) in hours of the cluster's local time — now's location —
// and if not, when it next opens. A window that wraps midnight (start >
// end) runs from start to end the next day; start equal to end is the one
// hour starting then. Infinite, or any value above 23, in either means no
// window: always open.
func failbackWindow(now time.Time, start, end uint32) (open bool, next time.Time) {
	if start > 23 || end > 23 {
		return true, time.Time{}
	}
	h := uint32(now.Hour())
	switch {
	case start == end:
		open = h == start
	case start < end:
		open = start <= h && h < end
	default:
		open = h >= start || h < end
	}
	if open {
		return true, time.Time{}
	}
	next = time.Date(now.Year(), now.Month(), now.Day(), int(start), 0, 0, 0, now.Location())
	if !next.After(now) {
		next = time.Date(now.Year(), now.Month(), now.Day()+1, int(start), 0, 0, 0, now.Location())
	}
	return false, next
}
