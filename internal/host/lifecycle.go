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
)

func (s step) String() string {
	return [...]string{"none", "online", "offline", "cancel-online", "fail-provider", "watch-health", "stop-health", "fail"}[s]
}

// situation is everything decide looks at for one resource.
type situation struct {
	state wsfc.ClusterResourceState
	busy  busy
	// providers are the states of the resources this one depends on;
	// dependents those of the resources that depend on it.
	providers, dependents []wsfc.ClusterResourceState
	// failAsked: FailClusterResource asked for this state sequence to
	// fail (store.Status.FailSeq).
	failAsked bool
}

// decide is the resource lifecycle as a pure function.
func decide(s situation) step {
	switch s.state {
	case wsfc.ClusterResourceOnlinePending:
		if s.busy != idle {
			return stepNone // an online runs, or an offline finishes first
		}
		for _, p := range s.providers {
			switch p {
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
