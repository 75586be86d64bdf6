package store

import (
	"bytes"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"
)

// appendJSON appends s as encoding/json writes it — the same bytes
// (TestStatusJSONAsEncodingJSON holds it to that) — without reflection.
// Status records are the ones written by the hundred: every resource of a
// group's operation gets one when it is accepted and another when it ends,
// and encoding/json spent about 10 µs on each (the property list's own
// MarshalJSON output compacted and escaped once more).
func (s *Status) appendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"v":`...)
	b = strconv.AppendInt(b, int64(s.V), 10)
	b = append(b, `,"resource":`...)
	b = appendJSONString(b, s.Resource)
	if s.Node != "" {
		b = append(b, `,"node":`...)
		b = appendJSONString(b, s.Node)
	}
	b = append(b, `,"state":`...)
	b = strconv.AppendInt(b, int64(s.State), 10)
	b = append(b, `,"seq":`...)
	b = strconv.AppendUint(b, s.Seq, 10)
	if s.Locked {
		b = append(b, `,"locked":true`...)
	}
	if s.LockedReason != "" {
		b = append(b, `,"lockedReason":`...)
		b = appendJSONString(b, s.LockedReason)
	}
	if len(s.Props) > 0 {
		p, err := s.Props.MarshalJSON()
		if err != nil {
			return nil, fmt.Errorf("json: error calling MarshalJSON for type proplist.List: %w", err)
		}
		b = append(b, `,"props":`...)
		b = appendHTMLEscaped(b, p)
	}
	b = append(b, `,"persistent":`...)
	b = strconv.AppendUint(b, uint64(s.Persistent), 10)
	if s.OpID != "" {
		b = append(b, `,"opId":`...)
		b = appendJSONString(b, s.OpID)
	}
	if s.OpParams {
		b = append(b, `,"opParams":true`...)
	}
	if s.Terminate {
		b = append(b, `,"terminate":true`...)
	}
	if s.Restart {
		b = append(b, `,"restart":true`...)
	}
	if s.FailSeq != 0 {
		b = append(b, `,"failSeq":`...)
		b = strconv.AppendUint(b, s.FailSeq, 10)
	}
	if s.ConfigRev != 0 {
		b = append(b, `,"configRev":`...)
		b = strconv.AppendInt(b, s.ConfigRev, 10)
	}
	if s.LastError != "" {
		b = append(b, `,"lastError":`...)
		b = appendJSONString(b, s.LastError)
	}
	var err error
	if len(s.Restarts) > 0 {
		b = append(b, `,"restarts":[`...)
		for i, t := range s.Restarts {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = appendJSONTime(b, t); err != nil {
				return nil, err
			}
		}
		b = append(b, ']')
	}
	b = append(b, `,"updated":`...)
	if b, err = appendJSONTime(b, s.Updated); err != nil {
		return nil, err
	}
	return append(b, '}'), nil
}

// appendJSONTime appends t as time.Time.MarshalJSON does.
func appendJSONTime(b []byte, t time.Time) ([]byte, error) {
	if y := t.Year(); y < 0 || y >= 10000 {
		return nil, fmt.Errorf("json: error calling MarshalJSON for type time.Time: Time.MarshalJSON: year outside of range [0,9999]")
	}
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"'), nil
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string the way encoding/json does
// by default: HTML-safe (<, > and & as \u003c, \u003e, \u0026), U+2028
// and U+2029 escaped, invalid UTF-8 as U+FFFD. (proplist has a plainer
// one: its output goes through encoding/json, which escapes the rest.)
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendHTMLEscaped appends JSON p, escaping <, >, & and U+2028/U+2029 as
// encoding/json does to a Marshaler's output (p is compact already:
// proplist writes no white space).
func appendHTMLEscaped(b, p []byte) []byte {
	// Four byte scans, not bytes.ContainsAny: with U+2028 and U+2029 in
	// its set that one goes rune by rune, and took half of the encoding of
	// a status with ten properties. Both start with the byte 0xE2.
	if bytes.IndexByte(p, '<') < 0 && bytes.IndexByte(p, '>') < 0 && bytes.IndexByte(p, '&') < 0 && bytes.IndexByte(p, 0xE2) < 0 {
		return append(b, p...)
	}
	start := 0
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case c == '<' || c == '>' || c == '&':
			b = append(b, p[start:i]...)
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			start = i + 1
		case c == 0xE2 && i+2 < len(p) && p[i+1] == 0x80 && p[i+2]&^1 == 0xA8:
			b = append(b, p[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[p[i+2]&0xF])
			start = i + 3
		}
	}
	return append(b, p[start:]...)
}
