// Package qmp is a small client for the QEMU Machine Protocol: JSON
// commands and replies over a Unix socket, with file-descriptor passing for
// the getfd command (which is how a VM's state is migrated to and from a
// file the caller opened).
//
// A Conn runs one command at a time and starts no goroutines: Execute
// writes the command with an id and reads until the reply carrying that id,
// keeping the asynchronous events it meets on the way (Events). The context
// bounds every call; a call cut short by its context or by an I/O error
// leaves the connection broken — a late reply could otherwise be taken for
// the next command's — so it is closed and later calls fail at once.
//
// QEMU serves one client per QMP socket at a time: while another client is
// connected, Dial waits (within its context) for the greeting.
package qmp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// ErrClosed is returned by calls on a connection that was closed, or broken
// by an earlier failure.
var ErrClosed = errors.New("qmp: connection closed")

// Error is a command's error reply.
type Error struct {
	Command string
	Class   string // e.g. GenericError, CommandNotFound, DeviceNotActive
	Desc    string
}

func (e *Error) Error() string {
	return fmt.Sprintf("qmp: %s: %s: %s", e.Command, e.Class, e.Desc)
}

// Version is the QEMU version from the greeting.
type Version struct {
	Major, Minor, Micro int
	Package             string
}

func (v Version) String() string {
	s := fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Micro)
	if v.Package != "" {
		s += " (" + v.Package + ")"
	}
	return s
}

// AtLeast reports whether v is major.minor or newer.
func (v Version) AtLeast(major, minor int) bool {
	return v.Major > major || v.Major == major && v.Minor >= minor
}

// Event is an asynchronous message from QEMU (STOP, RESUME, SHUTDOWN, ...).
type Event struct {
	Name string
	Data json.RawMessage
	Time time.Time
}

// maxEvents bounds the events a Conn keeps between Events calls.
const maxEvents = 64

// Conn is one QMP connection. It is safe for concurrent use; commands run
// one at a time.
type Conn struct {
	version Version

	mu     sync.Mutex // guards the fields below and serialises commands
	conn   *net.UnixConn
	dec    *json.Decoder
	nextID uint64
	err    error // why the connection is unusable; nil while it is fine
	events []Event
}

// message is anything QEMU sends.
type message struct {
	QMP *struct {
		Version struct {
			QEMU struct {
				Major int `json:"major"`
				Minor int `json:"minor"`
				Micro int `json:"micro"`
			} `json:"qemu"`
			Package string `json:"package"`
		} `json:"version"`
	} `json:"QMP"`
	Event     string          `json:"event"`
	Data      json.RawMessage `json:"data"`
	Timestamp struct {
		Seconds      int64 `json:"seconds"`
		Microseconds int64 `json:"microseconds"`
	} `json:"timestamp"`
	Return json.RawMessage `json:"return"`
	Error  *struct {
		Class string `json:"class"`
		Desc  string `json:"desc"`
	} `json:"error"`
	ID json.RawMessage `json:"id"`
}

// Dial connects to the QMP socket at path, reads the greeting and leaves
// capabilities negotiation mode, so the connection is ready for commands.
func Dial(ctx context.Context, path string) (*Conn, error) {
	var d net.Dialer
	nc, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		return nil, fmt.Errorf("qmp: %w", err)
	}
	c := &Conn{conn: nc.(*net.UnixConn)}
	c.dec = json.NewDecoder(c.conn)
	err = c.bounded(ctx, func() error {
		var m message
		if err := c.dec.Decode(&m); err != nil {
			return fmt.Errorf("qmp: reading greeting: %w", err)
		}
		if m.QMP == nil {
			return errors.New("qmp: no greeting: not a QMP socket")
		}
		v := m.QMP.Version
		c.version = Version{Major: v.QEMU.Major, Minor: v.QEMU.Minor, Micro: v.QEMU.Micro, Package: v.Package}
		return c.roundTrip("qmp_capabilities", nil, nil, nil)
	})
	if err != nil {
		c.conn.Close()
		return nil, err
	}
	return c, nil
}

// Version is the QEMU version the greeting announced.
func (c *Conn) Version() Version { return c.version }

// Execute runs command with args (any JSON-encodable value, nil for none)
// and decodes the reply's "return" into result (nil to ignore it). An
// error reply is an *Error.
func (c *Conn) Execute(ctx context.Context, command string, args, result any) error {
	return c.ExecuteFile(ctx, command, args, nil, result)
}

// ExecuteFile is Execute sending f's descriptor with the command (SCM_RIGHTS),
// as getfd and add-fd expect. f stays open; QEMU holds its own copy.
func (c *Conn) ExecuteFile(ctx context.Context, command string, args any, f *os.File, result any) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return c.err
	}
	return c.bounded(ctx, func() error { return c.roundTrip(command, args, f, result) })
}

// Events returns the events received since the last call and forgets them
// (at most the last 64 are kept).
func (c *Conn) Events() []Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	ev := c.events
	c.events = nil
	return ev
}

// Close closes the connection; a command in flight fails with ErrClosed.
func (c *Conn) Close() error {
	err := c.conn.Close() // first, without mu: it interrupts a command in flight
	c.mu.Lock()
	c.err = ErrClosed
	c.mu.Unlock()
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

// aLongTimeAgo is a deadline in the past: it interrupts blocked I/O.
var aLongTimeAgo = time.Unix(1, 0)

// bounded runs fn (which does I/O on the connection) within ctx. When fn
// fails, or ctx ends while it runs, the connection is broken for good.
func (c *Conn) bounded(ctx context.Context, fn func() error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	dl, hasDeadline := ctx.Deadline() // zero: none
	if err := c.conn.SetDeadline(dl); err != nil {
		c.breakLocked(err)
		return c.err
	}
	interrupted := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		defer close(interrupted)
		_ = c.conn.SetDeadline(aLongTimeAgo)
	})
	err := fn()
	if !stop() {
		<-interrupted
		err = ctx.Err()
	}
	if err != nil {
		var qe *Error
		if !errors.As(err, &qe) { // an error reply leaves the stream in step
			c.breakLocked(err)
		}
		if cerr := ctx.Err(); cerr != nil {
			return fmt.Errorf("qmp: %w", cerr)
		}
		if hasDeadline && errors.Is(err, os.ErrDeadlineExceeded) {
			// The connection's deadline (ctx's) passed a moment before
			// ctx's own timer.
			return fmt.Errorf("qmp: %w", context.DeadlineExceeded)
		}
	}
	return err
}

func (c *Conn) breakLocked(err error) {
	if c.err == nil {
		c.err = fmt.Errorf("%w (after: %v)", ErrClosed, err)
		c.conn.Close()
	}
}

// roundTrip writes one command and reads until its reply.
func (c *Conn) roundTrip(command string, args any, f *os.File, result any) error {
	c.nextID++
	id := c.nextID
	b, err := json.Marshal(struct {
		Execute   string `json:"execute"`
		Arguments any    `json:"arguments,omitempty"`
		ID        uint64 `json:"id"`
	}{command, args, id})
	if err != nil {
		return fmt.Errorf("qmp: %s: encoding arguments: %w", command, err)
	}
	b = append(b, '\n')
	if err := c.write(b, f); err != nil {
		return fmt.Errorf("qmp: %s: %w", command, err)
	}
	want := strconv.FormatUint(id, 10)
	for {
		var m message
		if err := c.dec.Decode(&m); err != nil {
			return fmt.Errorf("qmp: %s: reading reply: %w", command, err)
		}
		if m.Event != "" {
			c.keepEvent(m)
			continue
		}
		if string(m.ID) != want {
			continue // a reply to a command whose caller gave up, or no id
		}
		if m.Error != nil {
			return &Error{Command: command, Class: m.Error.Class, Desc: m.Error.Desc}
		}
		if result == nil || len(m.Return) == 0 {
			return nil
		}
		if err := json.Unmarshal(m.Return, result); err != nil {
			return &Error{Command: command, Class: "DecodeError", Desc: err.Error()}
		}
		return nil
	}
}

func (c *Conn) write(b []byte, f *os.File) error {
	if f == nil {
		_, err := c.conn.Write(b)
		return err
	}
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var n int
	var werr error
	if err := rc.Control(func(fd uintptr) {
		n, _, werr = c.conn.WriteMsgUnix(b, syscall.UnixRights(int(fd)), nil)
	}); err != nil {
		return err
	}
	if werr != nil {
		return werr
	}
	if n < len(b) { // the descriptor went with the first bytes; send the rest
		_, werr = c.conn.Write(b[n:])
	}
	return werr
}

func (c *Conn) keepEvent(m message) {
	if len(c.events) == maxEvents {
		c.events = append(c.events[:0], c.events[1:]...)
	}
	c.events = append(c.events, Event{
		Name: m.Event,
		Data: m.Data,
		Time: time.Unix(m.Timestamp.Seconds, m.Timestamp.Microseconds*1000),
	})
}
