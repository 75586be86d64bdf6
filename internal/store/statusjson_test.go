package store

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/batoncluster/baton/proplist"
)

// Status.appendJSON writes exactly what encoding/json writes for a status,
// for statuses with every field set or empty and strings that need
// escaping: HTML characters, U+2028/U+2029, control characters, invalid
// UTF-8, non-ASCII.
func TestStatusJSONAsEncodingJSON(t *testing.T) {
	strs := []string{"", "r1", "web <tier> & \"db\"", "line\nbreak\ttab\x01\x1f", "sep\u2028par\u2029", "bad\xffutf8\xc3", "ünïcødé ✓ 𝄞", `back\slash/`}
	rng := rand.New(rand.NewPCG(1, 2))
	pick := func() string { return strs[rng.IntN(len(strs))] }
	zones := []*time.Location{time.UTC, time.FixedZone("X", 5*3600+30*60), time.FixedZone("Y", -7*3600)}
	tm := func() time.Time {
		if rng.IntN(5) == 0 {
			return time.Time{}
		}
		return time.Unix(rng.Int64N(4e9), rng.Int64N(1e9)*int64(rng.IntN(2))).In(zones[rng.IntN(len(zones))])
	}
	for i := range 2000 {
		s := &Status{Resource: pick(), Node: pick(), State: int32(rng.IntN(200)) - 5, Seq: rng.Uint64() >> rng.IntN(64),
			Locked: rng.IntN(2) == 0, LockedReason: pick(), Persistent: uint32(rng.IntN(2)), OpID: pick(),
			OpParams: rng.IntN(2) == 0, Terminate: rng.IntN(2) == 0, Restart: rng.IntN(2) == 0,
			FailSeq: uint64(rng.IntN(3)), ConfigRev: rng.Int64N(1e6) * int64(rng.IntN(2)), LastError: pick(), Updated: tm()}
		s.V = rng.IntN(3)
		for range rng.IntN(3) {
			s.Restarts = append(s.Restarts, tm())
		}
		switch rng.IntN(3) {
		case 1:
			s.Props = proplist.List{}
		case 2:
			for j := range 1 + rng.IntN(3) {
				name := []string{"Pid", "Note <a&b>", "Sep\u2028x", "ü"}[j]
				v := proplist.DWORD(rng.Uint32())
				if rng.IntN(2) == 0 {
					v = proplist.SZ([]string{"x", "<&>", "a\u2029b", "✓"}[rng.IntN(4)])
				}
				s.Props = append(s.Props, proplist.Property{Name: name, Values: []proplist.Value{v}})
			}
		}
		want, werr := json.Marshal(s)
		got, gerr := s.appendJSON(nil)
		if (werr != nil) != (gerr != nil) {
			t.Fatalf("status %d: encoding/json error %v, appendJSON error %v", i, werr, gerr)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("status %d:\n got  %s\n want %s", i, got, want)
		}
	}
	// A time encoding/json refuses is refused too.
	if _, err := (&Status{Updated: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}).appendJSON(nil); err == nil {
		t.Error("year 10000: no error")
	}
}

func BenchmarkStatusEncode(b *testing.B) {
	s := &Status{Resource: "flat-200-r123", Node: "n1", State: 3, Seq: 12, Persistent: 1, OpID: "0123456789abcdef0123", OpParams: true,
		ConfigRev: 1234, Updated: time.Now(), Props: proplist.List{{Name: "Pid", Values: []proplist.Value{proplist.DWORD(1234)}}}}
	b.Run("encoding/json", func(b *testing.B) {
		for b.Loop() {
			if _, err := json.Marshal(s); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("appendJSON", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.appendJSON(make([]byte, 0, 256)); err != nil {
				b.Fatal(err)
			}
		}
	})
}
