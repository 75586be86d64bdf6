//go:build linux

package chaos

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/batoncluster/baton/clusapi"
)

// Outcome is what a call's answer says about its effect.
type Outcome int

const (
	// OK: the call was acknowledged (ERROR_SUCCESS or ERROR_IO_PENDING):
	// its change must be in the cluster's state from its answer on.
	OK Outcome = iota
	// Refused: the cluster answered that it changed nothing (a refusal
	// decided before any commit: 87, 5013, 5023, 5960, a conflict that
	// outlasted the retries, ...).
	Refused
	// Unknown: no answer, or one that cannot say whether the change was
	// committed (a timeout, no quorum, an agent that went away): the
	// change may or may not have happened.
	Unknown
)

func (o Outcome) String() string {
	switch o {
	case OK:
		return "ok"
	case Refused:
		return "refused"
	}
	return "unknown"
}

// Call is one API call of the driver (or one read of the checker), with
// its answer. Times are ledger times (CLOCK_MONOTONIC ns), one timeline
// with the ledger's.
type Call struct {
	ID     int    `json:"id"`
	Round  int    `json:"round"`
	Client int    `json:"client"`
	Node   string `json:"node"`   // whose socket it went to
	Kind   string `json:"kind"`   // the API call, e.g. "OnlineGroup"
	Target string `json:"target"` // group or resource
	// Key is the modelled register the call writes or reads ("" when the
	// call is not modelled, e.g. MoveGroup), Value what it writes.
	Key     string        `json:"key,omitempty"`
	Value   int64         `json:"value,omitempty"`
	Detail  string        `json:"detail,omitempty"` // flags, destination, parameters
	Start   int64         `json:"start"`
	End     int64         `json:"end"`
	Code    clusapi.Errno `json:"code"` // 0 or 997 when OK
	Err     string        `json:"err,omitempty"`
	OpID    string        `json:"opId,omitempty"`
	Outcome Outcome       `json:"outcome"`
}

func (c Call) String() string {
	s := fmt.Sprintf("#%d r%d c%d %s %s(%s)", c.ID, c.Round, c.Client, c.Node, c.Kind, c.Target)
	if c.Key != "" {
		s += fmt.Sprintf(" %s=%d", c.Key, c.Value)
	}
	if c.Detail != "" {
		s += " " + c.Detail
	}
	s += fmt.Sprintf(" → %s %d", c.Outcome, uint32(c.Code))
	if c.Err != "" {
		s += " " + c.Err
	}
	return s
}

// classify turns a call's error into its outcome and code.
func classify(err error) (Outcome, clusapi.Errno) {
	if err == nil {
		return OK, clusapi.ERROR_SUCCESS
	}
	var code clusapi.Errno
	if !errors.As(err, &code) {
		// The caller's own deadline, or something that is not an answer.
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
			return Unknown, clusapi.WAIT_TIMEOUT
		}
		return Unknown, clusapi.ERROR_INVALID_FUNCTION
	}
	switch code {
	case clusapi.WAIT_TIMEOUT, // the agent's context ended: maybe after the commit
		clusapi.RPC_S_SERVER_UNAVAILABLE,    // no answer
		clusapi.RPC_S_CALL_FAILED,           // sent, and the answer lost
		clusapi.ERROR_CLUSTER_NO_QUORUM,     // the database may have taken it
		clusapi.ERROR_INVALID_FUNCTION,      // an internal error: anything
		clusapi.ERROR_SHUTDOWN_CLUSTER,      // the agent stopped under the call
		clusapi.ERROR_CLUSTER_SHUTTING_DOWN: // ditto
		return Unknown, code
	}
	return Refused, code
}

// History is every call, in the order they were recorded, also written
// to a file (JSON lines) as they come so a failed run can be replayed.
type History struct {
	mu    sync.Mutex // guards the fields below
	calls []Call
	f     *os.File
}

// NewHistory records into path (created or truncated).
func NewHistory(path string) (*History, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	return &History{f: f}, nil
}

// Add records a finished call and gives it its ID.
func (h *History) Add(c Call) Call {
	h.mu.Lock()
	defer h.mu.Unlock()
	c.ID = len(h.calls) + 1
	h.calls = append(h.calls, c)
	if b, err := json.Marshal(c); err == nil {
		h.f.Write(append(b, '\n'))
	}
	return c
}

// Since returns the calls recorded after the first n.
func (h *History) Since(n int) []Call {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]Call(nil), h.calls[min(n, len(h.calls)):]...)
}

// Len is how many calls are recorded.
func (h *History) Len() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.calls)
}

// Close closes the file.
func (h *History) Close() error { return h.f.Close() }
