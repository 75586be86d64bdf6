package host

import "github.com/batoncluster/baton/clusapi/wsfc"

// busy is the lifecycle call in flight on a resource, if any.
type busy int

const (
	idle busy = iota
	busyOnline
	busyOffline
)

func (b busy) String() string {
	switch b {
	case busyOnline:
		return "online"
	case busyOffline:
		return "offline"
	}
	return "idle"
}

// step is what the host does next for one resource.
type step int

const (
	stepNone         step = iota // nothing, or wait for an ordering condition
	stepOnline                   // call type.Online
	stepOffline                  // call type.Offline
	stepCancelOnline             // supersede the online in flight
	stepFailProvider             // a provider can no longer come online: fail
	stepWatchHealth              // Online: make sure health polling runs
	stepStopHealth               // not Online: make sure it does not
	stepFail                     // Online, failure asked for: as a failed health check
	stepNotPossible              // this node is not a possible owner: end Offline
)

func (s step) String() string {
	return [...]string{"none", "online", "offline", "cancel-online", "fail-provider", "watch-health", "stop-health", "fail", "not-possible"}[s]
}

// situation is everything decide looks at for one resource.
type situation struct {
	state wsfc.ClusterResourceState
	busy  busy
	// providers are the states of the resources this one depends on;
	// dependents those of the resources that depend on it and need it
	// (not one whose dependency expression another Online resource
	// satisfies without it).
	providers, dependents []wsfc.ClusterResourceState
	// terms groups providers into the OR terms of a dependency
	// expression, each term that many providers in a row, all of them
	// ANDed; nil when each provider is a term of its own (a plain AND).
	terms []int
	// failAsked: FailClusterResource asked for this state sequence to
	// fail (store.Status.FailSeq).
	failAsked bool
	// notPossible: this node is not one of the resource's possible owners
	// (store.Resource.PossibleOwners); it never comes online here.
	notPossible bool
}

// decide is the resource lifecycle as a pure function.
func decide(s situation) step {
	switch s.state {
	case wsfc.ClusterResourceOnlinePending:
		if s.busy != idle {
			return stepNone // an online runs, or an offline finishes first
		}
		if s.notPossible {
			// [MS-CMRP] ApiAddResourceNode: hosted on a node that is not
			// a possible owner, the resource stays Offline.
			return stepNotPossible
		}
		// Term by term, as written: a term needs one provider Online;
		// one coming online may still make it (wait); with none of
		// either the dependency cannot be met (an "or" term fails only
		// when all its providers cannot come online).
		for i, n := 0, 0; i < len(s.providers); i += n {
			n = 1
			if s.terms != nil {
				n = s.terms[0]
				s.terms = s.terms[1:]
			}
			switch termState(s.providers[i : i+n]) {
			case wsfc.ClusterResourceOnline:
			case wsfc.ClusterResourceOnlinePending:
				return stepNone // wait for it
			default:
				return stepFailProvider
			}
		}
		return stepOnline
	case wsfc.ClusterResourceOfflinePending:
		switch s.busy {
		case busyOnline:
			return stepCancelOnline
		case busyOffline:
			return stepNone
		}
		for _, d := range s.dependents {
			if d != wsfc.ClusterResourceOffline && d != wsfc.ClusterResourceFailed {
				return stepNone // dependents go first
			}
		}
		return stepOffline
	case wsfc.ClusterResourceOnline:
		if s.failAsked && s.busy == idle {
			return stepFail
		}
		return stepWatchHealth
	}
	return stepStopHealth
}

// termState is an OR term's state: Online if a provider is, else
// OnlinePending if one is coming online, else Failed.
func termState(providers []wsfc.ClusterResourceState) wsfc.ClusterResourceState {
	pending := false
	for _, p := range providers {
		switch p {
		case wsfc.ClusterResourceOnline:
			return p
		case wsfc.ClusterResourceOnlinePending:
			pending = true
		}
	}
	if pending {
		return wsfc.ClusterResourceOnlinePending
	}
	return wsfc.ClusterResourceFailed
}
