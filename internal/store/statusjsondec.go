package store

import (
	"bytes"
	"strconv"
	"time"
)

// fastUnmarshal decodes b into s (a zero Status) when b has the shape
// appendJSON writes — the known keys, no escapes in strings, plain
// integers — and reports whether it did; anything else (another agent's
// encoding, an escape, an unknown or repeated key) is left to
// encoding/json. What it accepts decodes to what encoding/json makes of
// the same bytes (TestStatusFastDecodeAsEncodingJSON). Every node decodes
// every status written, two per resource of each group operation, and
// encoding/json took about 3 µs and 19 allocations for one.
func (s *Status) fastUnmarshal(b []byte) bool {
	d := jsonReader{b: b}
	if !d.byte('{') {
		return false
	}
	var seen uint32
	for first := true; ; first = false {
		if d.peek() == '}' && first {
			d.i++
			break
		}
		key, ok := d.str()
		if !ok || !d.byte(':') {
			return false
		}
		bit, ok := statusKeys[string(key)]
		if !ok || seen&bit != 0 {
			return false
		}
		seen |= bit
		switch string(key) {
		case "v":
			n, ok := d.int(64)
			s.V = int(n)
			if !ok {
				return false
			}
		case "resource":
			s.Resource, ok = d.string()
		case "node":
			s.Node, ok = d.string()
		case "state":
			var n int64
			n, ok = d.int(32)
			s.State = int32(n)
		case "seq":
			s.Seq, ok = d.uint(64)
		case "locked":
			s.Locked, ok = d.bool()
		case "lockedReason":
			s.LockedReason, ok = d.string()
		case "props":
			raw, rok := d.array()
			if !rok {
				return false
			}
			var err error
			if s.Props, s.propsShared, err = decodeProps(raw); err != nil {
				return false
			}
		case "persistent":
			var n uint64
			n, ok = d.uint(32)
			s.Persistent = uint32(n)
		case "opId":
			s.OpID, ok = d.string()
		case "opParams":
			s.OpParams, ok = d.bool()
		case "terminate":
			s.Terminate, ok = d.bool()
		case "restart":
			s.Restart, ok = d.bool()
		case "failSeq":
			s.FailSeq, ok = d.uint(64)
		case "configRev":
			s.ConfigRev, ok = d.int(64)
		case "lastError":
			s.LastError, ok = d.string()
		case "restarts":
			if !d.byte('[') {
				return false
			}
			s.Restarts = []time.Time{} // as encoding/json makes of []
			for i := 0; d.peek() != ']'; i++ {
				if i > 0 && !d.byte(',') {
					return false
				}
				t, tok := d.time()
				if !tok {
					return false
				}
				s.Restarts = append(s.Restarts, t)
			}
			d.i++
		case "updated":
			s.Updated, ok = d.time()
		}
		if !ok {
			return false
		}
		switch d.next() {
		case ',':
			continue
		case '}':
		default:
			return false
		}
		break
	}
	d.ws()
	return d.i == len(d.b)
}

// statusKeys are the keys appendJSON writes, each with a bit of its own.
var statusKeys = func() map[string]uint32 {
	m := map[string]uint32{}
	for i, k := range []string{"v", "resource", "node", "state", "seq", "locked", "lockedReason", "props", "persistent",
		"opId", "opParams", "terminate", "restart", "failSeq", "configRev", "lastError", "restarts", "updated"} {
		m[k] = 1 << i
	}
	return m
}()

// jsonReader reads the plain JSON appendJSON writes.
type jsonReader struct {
	b []byte
	i int
}

func (d *jsonReader) ws() {
	for d.i < len(d.b) && (d.b[d.i] == ' ' || d.b[d.i] == '\t' || d.b[d.i] == '\n' || d.b[d.i] == '\r') {
		d.i++
	}
}

func (d *jsonReader) peek() byte {
	d.ws()
	if d.i < len(d.b) {
		return d.b[d.i]
	}
	return 0
}

func (d *jsonReader) next() byte {
	c := d.peek()
	if c != 0 {
		d.i++
	}
	return c
}

func (d *jsonReader) byte(c byte) bool { return d.next() == c }

// str reads a string without escapes or control characters, as bytes of
// the input.
func (d *jsonReader) str() ([]byte, bool) {
	if !d.byte('"') {
		return nil, false
	}
	start := d.i
	for d.i < len(d.b) {
		switch c := d.b[d.i]; {
		case c == '"':
			d.i++
			return d.b[start : d.i-1], true
		case c == '\\' || c < 0x20 || c >= 0x80:
			// Escapes, and anything but ASCII (encoding/json replaces
			// invalid UTF-8), are encoding/json's to read.
			return nil, false
		}
		d.i++
	}
	return nil, false
}

func (d *jsonReader) string() (string, bool) {
	s, ok := d.str()
	return string(s), ok
}

// number reads a JSON integer: an optional minus, digits, no leading zero,
// no fraction or exponent.
func (d *jsonReader) number() ([]byte, bool) {
	d.ws()
	start := d.i
	if d.i < len(d.b) && d.b[d.i] == '-' {
		d.i++
	}
	digits := d.i
	for d.i < len(d.b) && d.b[d.i] >= '0' && d.b[d.i] <= '9' {
		d.i++
	}
	n := d.i - digits
	if n == 0 || n > 1 && d.b[digits] == '0' {
		return nil, false
	}
	if d.i < len(d.b) && (d.b[d.i] == '.' || d.b[d.i] == 'e' || d.b[d.i] == 'E') {
		return nil, false
	}
	return d.b[start:d.i], true
}

func (d *jsonReader) int(bits int) (int64, bool) {
	b, ok := d.number()
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(string(b), 10, bits)
	return n, err == nil
}

func (d *jsonReader) uint(bits int) (uint64, bool) {
	b, ok := d.number()
	if !ok || b[0] == '-' {
		return 0, false
	}
	n, err := strconv.ParseUint(string(b), 10, bits)
	return n, err == nil
}

func (d *jsonReader) bool() (bool, bool) {
	d.ws()
	switch {
	case bytes.HasPrefix(d.b[d.i:], []byte("true")):
		d.i += 4
		return true, true
	case bytes.HasPrefix(d.b[d.i:], []byte("false")):
		d.i += 5
		return false, true
	}
	return false, false
}

// time reads a time as time.Time.UnmarshalJSON does.
func (d *jsonReader) time() (time.Time, bool) {
	d.ws()
	start := d.i
	if _, ok := d.str(); !ok {
		return time.Time{}, false
	}
	var t time.Time
	return t, t.UnmarshalJSON(d.b[start:d.i]) == nil
}

// array returns the bytes of the array that starts here, strings and
// nesting skipped over; encoding/json validated nothing yet, so the
// caller's decoder checks them.
func (d *jsonReader) array() ([]byte, bool) {
	if d.peek() != '[' {
		return nil, false
	}
	start, depth := d.i, 0
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case '"':
			d.i++
			for d.i < len(d.b) && d.b[d.i] != '"' {
				if d.b[d.i] == '\\' {
					d.i++
				}
				d.i++
			}
		case '[', '{':
			depth++
		case ']', '}':
			depth--
			if depth == 0 {
				d.i++
				return d.b[start:d.i], true
			}
		}
		d.i++
	}
	return nil, false
}
