package host

import (
	"testing"

	"github.com/batoncluster/baton/clusapi/wsfc"
)

func TestDecide(t *testing.T) {
	const (
		on   = wsfc.ClusterResourceOnline
		off  = wsfc.ClusterResourceOffline
		fail = wsfc.ClusterResourceFailed
		onP  = wsfc.ClusterResourceOnlinePending
		offP = wsfc.ClusterResourceOfflinePending
	)
	type S = []wsfc.ClusterResourceState
	cases := []struct {
		name string
		in   situation
		want step
	}{
		{"online pending, no providers", situation{state: onP}, stepOnline},
		{"online pending, providers online", situation{state: onP, providers: S{on, on}}, stepOnline},
		{"online pending waits for pending provider", situation{state: onP, providers: S{on, onP}}, stepNone},
		{"online pending, provider failed", situation{state: onP, providers: S{fail}}, stepFailProvider},
		{"online pending, provider offline", situation{state: onP, providers: S{off}}, stepFailProvider},
		{"online pending, provider going offline", situation{state: onP, providers: S{offP}}, stepFailProvider},
		{"online pending while online runs", situation{state: onP, busy: busyOnline}, stepNone},
		{"online pending while old offline finishes", situation{state: onP, busy: busyOffline}, stepNone},
		{"online pending, not a possible owner", situation{state: onP, notPossible: true, providers: S{on}}, stepNotPossible},
		{"not a possible owner, providers not ready", situation{state: onP, notPossible: true, providers: S{onP}}, stepNotPossible},
		{"not a possible owner while offline finishes", situation{state: onP, notPossible: true, busy: busyOffline}, stepNone},
		{"offline pending, not a possible owner", situation{state: offP, notPossible: true}, stepOffline},
		{"offline pending, no dependents", situation{state: offP}, stepOffline},
		{"offline pending supersedes online", situation{state: offP, busy: busyOnline}, stepCancelOnline},
		{"offline pending while offline runs", situation{state: offP, busy: busyOffline}, stepNone},
		{"offline pending waits for online dependent", situation{state: offP, dependents: S{offP}}, stepNone},
		{"offline pending waits for dependent still online", situation{state: offP, dependents: S{on}}, stepNone},
		{"offline pending after dependents offline or failed", situation{state: offP, dependents: S{off, fail}}, stepOffline},
		// An "or": ([A] or [B]) and [C] is terms {2, 1}.
		{"or: one provider of each term online", situation{state: onP, providers: S{fail, on, on}, terms: []int{2, 1}}, stepOnline},
		{"or: the other provider online", situation{state: onP, providers: S{on, off, on}, terms: []int{2, 1}}, stepOnline},
		{"or: a failed provider waits for the other coming online", situation{state: onP, providers: S{fail, onP, on}, terms: []int{2, 1}}, stepNone},
		{"or: both providers of a term failed", situation{state: onP, providers: S{fail, off, on}, terms: []int{2, 1}}, stepFailProvider},
		{"or: the AND term's provider failed", situation{state: onP, providers: S{on, on, fail}, terms: []int{2, 1}}, stepFailProvider},
		{"or: a term going offline, the other term online", situation{state: onP, providers: S{offP, on, on}, terms: []int{2, 1}}, stepOnline},
		{"or: one term of three", situation{state: onP, providers: S{off, fail, onP}, terms: []int{3}}, stepNone},
		{"or: terms in order, the first waits", situation{state: onP, providers: S{onP, fail}, terms: []int{1, 1}}, stepNone},
		{"online watches health", situation{state: on}, stepWatchHealth},
		{"online asked to fail", situation{state: on, failAsked: true}, stepFail},
		{"offline stops health", situation{state: off}, stepStopHealth},
		{"failed stops health", situation{state: fail}, stepStopHealth},
	}
	for _, c := range cases {
		if got := decide(c.in); got != c.want {
			t.Errorf("%s: decide = %v, want %v", c.name, got, c.want)
		}
	}
}
