package ops

import (
	"fmt"

	"github.com/batoncluster/baton/clusapi/wsfc"
)

// fail wraps a Win32 code with a message for people.
func fail(code wsfc.Errno, format string, args ...any) error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...)}
}

// Error is a rejected call: its Win32 code and what was wrong.
type Error struct {
	Code wsfc.Errno
	Msg  string
}

func (e *Error) Error() string { return e.Msg }

// Unwrap lets errors.Is(err, wsfc.ERROR_…) match.
func (e *Error) Unwrap() error { return e.Code }
