// Package ledger records, from every node on one machine, when each
// resource starts and stops running, and checks from the outside the
// cluster's first safety rule (DESIGN §6): a resource runs on at most one
// node at a time.
//
// A ledger is a text file with one event a line:
//
//	<monotonic ns> <node> <resource> online|offline|gone
//
// The time is CLOCK_MONOTONIC in nanoseconds, one timeline for every
// process on the machine (whatever their network namespace), so lines
// written by different agents compare directly. "online" is written after a
// resource came online; "offline" when it stops being online (an offline,
// a terminate, fencing). "gone" is written by a test harness, not by a
// resource: the process that hosted the resource is known to be dead (it
// was reaped), so an in-process resource such as the dummy runs no more;
// its time is taken after the death, so it can only make an interval
// longer than it really was, never shorter. The resource name is
// everything between the node and the last field (names may hold spaces,
// never line breaks).
//
// Writers open the file with O_APPEND and write each line with one write
// call, so lines of concurrent writers never interleave. Lines of
// different writers may land slightly out of time order; Check sorts them.
package ledger

import (
	"bufio"
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Kind is what happened to a resource.
type Kind string

// The kinds of event.
const (
	Online  Kind = "online"
	Offline Kind = "offline"
	// Gone: the hosting process is dead (written by a test harness).
	Gone Kind = "gone"
)

// Event is one line of a ledger.
type Event struct {
	Time     int64 // CLOCK_MONOTONIC, nanoseconds
	Node     string
	Resource string
	Kind     Kind
	Line     int // line number in the file (Parse sets it)
}

// String is the event's line, without the line break.
func (e Event) String() string {
	return fmt.Sprintf("%d %s %s %s", e.Time, e.Node, e.Resource, e.Kind)
}

// Now reads CLOCK_MONOTONIC in nanoseconds.
func Now() int64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		panic("ledger: clock_gettime(CLOCK_MONOTONIC): " + err.Error()) // cannot fail on Linux
	}
	return ts.Nano()
}

// Append writes one event to the ledger at path (created if missing) with
// one write call on a file opened with O_APPEND. A zero Time is Now().
func Append(path string, e Event) error {
	if e.Time == 0 {
		e.Time = Now()
	}
	switch {
	case e.Node == "" || strings.ContainsAny(e.Node, " \n"), e.Resource == "" || strings.Contains(e.Resource, "\n"):
		return fmt.Errorf("ledger: cannot record node %q, resource %q", e.Node, e.Resource)
	case e.Kind != Online && e.Kind != Offline && e.Kind != Gone:
		return fmt.Errorf("ledger: unknown event %q", e.Kind)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	_, werr := f.Write([]byte(e.String() + "\n"))
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		return fmt.Errorf("ledger: %s: %w", path, err)
	}
	return nil
}

// Parse reads every event; a line that is not an event is an error that
// names it.
func Parse(r io.Reader) ([]Event, error) {
	var out []Event
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		e, err := parseLine(sc.Text())
		if err != nil {
			return nil, fmt.Errorf("ledger: line %d %q: %w", n, sc.Text(), err)
		}
		e.Line = n
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("ledger: line %d: %w", n+1, err)
	}
	return out, nil
}

func parseLine(s string) (Event, error) {
	ts, rest, ok := strings.Cut(s, " ")
	if !ok {
		return Event{}, errors.New("want <ns> <node> <resource> <online|offline|gone>")
	}
	t, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || t < 0 {
		return Event{}, fmt.Errorf("time %q is not a number of nanoseconds", ts)
	}
	node, rest, ok := strings.Cut(rest, " ")
	i := strings.LastIndexByte(rest, ' ')
	if !ok || node == "" || i <= 0 {
		return Event{}, errors.New("want <ns> <node> <resource> <online|offline|gone>")
	}
	e := Event{Time: t, Node: node, Resource: rest[:i], Kind: Kind(rest[i+1:])}
	switch e.Kind {
	case Online, Offline, Gone:
	default:
		return Event{}, fmt.Errorf("event %q: want online, offline or gone", e.Kind)
	}
	return e, nil
}

// Read parses the ledger at path. A missing file is an empty ledger.
func Read(path string) ([]Event, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("ledger: %w", err)
	}
	return Parse(bytes.NewReader(b))
}

// Interval is a time a resource was online on a node: [Start, End).
type Interval struct {
	Resource, Node string
	Start, End     int64
	// Open: no later offline (or gone) on that node; End is the ledger's
	// last time, and the resource counts as online until after it.
	Open bool
}

func (iv Interval) end() int64 {
	if iv.Open {
		return math.MaxInt64
	}
	return iv.End
}

func (iv Interval) String() string {
	if iv.Open {
		return fmt.Sprintf("%s on %s from %d (still online at the end of the ledger, %d)", iv.Resource, iv.Node, iv.Start, iv.End)
	}
	return fmt.Sprintf("%s on %s from %d to %d", iv.Resource, iv.Node, iv.Start, iv.End)
}

// Intervals turns events (in any order) into online intervals, ordered by
// resource, then start. A second online on the same node before an offline
// continues the interval; an offline with no online before it is ignored.
func Intervals(events []Event) []Interval {
	evs := slices.Clone(events)
	slices.SortStableFunc(evs, func(a, b Event) int { return cmp.Compare(a.Time, b.Time) })
	var last int64
	if len(evs) > 0 {
		last = evs[len(evs)-1].Time
	}
	type key struct{ res, node string }
	open := map[key]int64{}
	var out []Interval
	for _, e := range evs {
		k := key{e.Resource, e.Node}
		start, on := open[k]
		switch {
		case e.Kind == Online && !on:
			open[k] = e.Time
		case e.Kind != Online && on:
			out = append(out, Interval{Resource: e.Resource, Node: e.Node, Start: start, End: e.Time})
			delete(open, k)
		}
	}
	for k, start := range open {
		out = append(out, Interval{Resource: k.res, Node: k.node, Start: start, End: last, Open: true})
	}
	slices.SortFunc(out, func(a, b Interval) int {
		return cmp.Or(cmp.Compare(a.Resource, b.Resource), cmp.Compare(a.Start, b.Start), cmp.Compare(a.Node, b.Node))
	})
	return out
}

// Overlap is a resource online on two nodes at once.
type Overlap struct{ A, B Interval }

func (o Overlap) String() string {
	from := max(o.A.Start, o.B.Start)
	to := min(o.A.end(), o.B.end())
	how := fmt.Sprintf("for %d ns", to-from)
	if to == math.MaxInt64 {
		how = "until the end of the ledger"
	}
	return fmt.Sprintf("%s online on %s and %s at once from %d %s: %v; %v", o.A.Resource, o.A.Node, o.B.Node, from, how, o.A, o.B)
}

// Overlaps lists every pair of intervals of one resource on two different
// nodes that share a moment.
func Overlaps(events []Event) []Overlap {
	ivs := Intervals(events)
	var out []Overlap
	for i, a := range ivs {
		for _, b := range ivs[i+1:] {
			if b.Resource != a.Resource {
				break
			}
			if b.Node != a.Node && a.Start < b.end() && b.Start < a.end() {
				out = append(out, Overlap{A: a, B: b})
			}
		}
	}
	return out
}

// CheckEvents reports every overlap in events, or nil.
func CheckEvents(events []Event) error {
	ovs := Overlaps(events)
	if len(ovs) == 0 {
		return nil
	}
	msgs := make([]string, len(ovs))
	for i, o := range ovs {
		msgs[i] = o.String()
	}
	return fmt.Errorf("ledger: %d overlap(s): a resource ran on two nodes at once:\n  %s", len(ovs), strings.Join(msgs, "\n  "))
}

// Check reads the ledger at path and reports every moment a resource was
// online on two nodes at once, with the times and nodes; a line that is not
// an event is an error too.
func Check(path string) error {
	evs, err := Read(path)
	if err != nil {
		return err
	}
	return CheckEvents(evs)
}
