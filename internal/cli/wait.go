package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/batoncluster/baton/clusapi"
)

// pollInterval is how often --wait asks for the state.
const pollInterval = 50 * time.Millisecond

// observed is one answer of a state poll.
type observed struct {
	state string // state name, e.g. "Pending"
	code  int32  // state code
	done  bool   // the state asked for
	stuck bool   // a state the wait will not leave by itself: give up
	line  string // progress text
	// op is the operation record the wait judged by, if any (a move's): it
	// goes with the answer --wait prints.
	op *clusapi.OperationRecord
}

// waitError is a --wait that did not end in the state asked for.
type waitError struct {
	kind        string // "group" or "resource"
	name        string
	want, got   string
	timedOut    bool
	interrupted bool
	limit       time.Duration
}

func (e *waitError) Error() string {
	switch {
	case e.timedOut:
		return fmt.Sprintf("%s %s is not %s after %v: it is %s", e.kind, e.name, e.want, e.limit, e.got)
	case e.interrupted:
		return fmt.Sprintf("interrupted while waiting: %s %s is %s", e.kind, e.name, e.got)
	}
	return fmt.Sprintf("%s %s is %s, not %s", e.kind, e.name, e.got, e.want)
}

// hint says where to look next.
func (e *waitError) hint() string {
	switch {
	case e.timedOut || e.interrupted:
		return fmt.Sprintf("the operation goes on; watch it with 'baton %s state %s'", e.kind, e.name)
	case e.kind == "group":
		return fmt.Sprintf("'baton resource list --group %s' shows which resource is not %s", e.name, e.want)
	}
	return fmt.Sprintf("'baton resource show %s' shows its last error", e.name)
}

// waitFor polls until the state asked for, a state it will not leave, the
// time limit or the end of ctx. On a terminal it shows the progress on one
// line of standard error. It returns the last state observed; the error is
// a *waitError, or the error of a poll.
func (a *app) waitFor(ctx context.Context, kind, name, want string, limit time.Duration, poll func(context.Context) (observed, error)) (observed, error) {
	wctx := ctx
	if limit > 0 {
		var cancel context.CancelFunc
		wctx, cancel = context.WithTimeout(ctx, limit)
		defer cancel()
	}
	p := newProgress(a.stderr)
	defer p.clear()
	ticker := time.NewTicker(pollInterval)
	defer ticker.Stop()
	var last observed
	for {
		obs, err := poll(wctx)
		if err != nil && wctx.Err() == nil {
			return last, err
		}
		if err == nil {
			last = obs
			p.show(obs.line)
			switch {
			case obs.done:
				return obs, nil
			case obs.stuck:
				return obs, &waitError{kind: kind, name: name, want: want, got: obs.state}
			}
		}
		select {
		case <-ticker.C:
			continue
		case <-wctx.Done():
		}
		p.clear()
		interrupted := ctx.Err() != nil
		if !interrupted {
			// One last look, outside the expired wait, to name the state.
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.timeout)
			if obs, err := poll(fctx); err == nil {
				last = obs
			}
			cancel()
			if last.done {
				return last, nil
			}
		}
		if last.state == "" {
			last.state = "unknown"
		}
		return last, &waitError{kind: kind, name: name, want: want, got: last.state,
			timedOut: !interrupted, interrupted: interrupted, limit: limit}
	}
}

// waitGroup waits for a group to reach want (Online or Offline).
func (a *app) waitGroup(ctx context.Context, c *clusapi.Client, name string, want clusapi.ClusterGroupState, limit time.Duration) (observed, error) {
	verb := "online"
	if want == clusapi.ClusterGroupOffline {
		verb = "offline"
	}
	return a.waitFor(ctx, "group", name, want.String(), limit, func(ctx context.Context) (observed, error) {
		st, err := c.Groups().State(ctx, name)
		if err != nil {
			return observed{}, err
		}
		return groupObserved(st, want, verb), nil
	})
}

// groupObserved judges one group state answer while waiting for want. A
// group without resources is Offline and satisfies an online too, as for
// clusapi's Operation.Wait: its online answers ERROR_SUCCESS, with
// nothing to bring online.
func groupObserved(m clusapi.GroupStatus, want clusapi.ClusterGroupState, verb string) observed {
	st := m.State
	count := m.ResourcesOnline
	if want == clusapi.ClusterGroupOffline {
		count = m.ResourcesOffline
	}
	obs := observed{
		state: st.String(), code: int32(st), done: st == want || (m.ResourcesTotal == 0 && st != clusapi.ClusterGroupPending),
		line: fmt.Sprintf("%s: %s — resources %s %d of %d", m.Name, st, verb, count, m.ResourcesTotal),
	}
	switch st {
	case clusapi.ClusterGroupPending, clusapi.ClusterGroupStateUnknown:
	default:
		obs.stuck = !obs.done
	}
	return obs
}

// waitResource waits for a resource to reach want (Online or Offline).
func (a *app) waitResource(ctx context.Context, c *clusapi.Client, name string, want clusapi.ClusterResourceState, limit time.Duration) (observed, error) {
	return a.waitFor(ctx, "resource", name, want.String(), limit, func(ctx context.Context) (observed, error) {
		st, err := c.Resources().State(ctx, name)
		if err != nil {
			return observed{}, err
		}
		return resourceObserved(st, want), nil
	})
}

// resourceObserved judges one resource state answer while waiting for want.
func resourceObserved(m clusapi.ResourceStatus, want clusapi.ClusterResourceState) observed {
	st := m.State
	obs := observed{state: st.String(), code: int32(st), done: st == want,
		line: fmt.Sprintf("%s: %s", m.Name, st)}
	if m.Locked {
		obs.line += " (locked: " + m.LockedReason + ")"
	}
	if !st.IsPending() && st != clusapi.ClusterResourceInitializing && st != clusapi.ClusterResourceStateUnknown {
		obs.stuck = !obs.done
	}
	return obs
}

// progress is the one-line live progress shown on a terminal.
type progress struct {
	w     io.Writer // nil when not a terminal: show nothing
	line  string    // the line shown now
	width int       // its width in runes
}

func newProgress(w io.Writer) *progress {
	if !isTerminal(w) {
		return &progress{}
	}
	return &progress{w: w}
}

// show replaces the line with s.
func (p *progress) show(s string) {
	if p.w == nil || s == "" || s == p.line {
		return
	}
	n := utf8.RuneCountInString(s)
	pad := ""
	if p.width > n {
		pad = strings.Repeat(" ", p.width-n)
	}
	fmt.Fprintf(p.w, "\r%s%s", s, pad)
	p.line, p.width = s, n
}

// clear erases the line, so what follows starts on a clean one.
func (p *progress) clear() {
	if p.w == nil || p.width == 0 {
		return
	}
	fmt.Fprintf(p.w, "\r%s\r", strings.Repeat(" ", p.width))
	p.line, p.width = "", 0
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
