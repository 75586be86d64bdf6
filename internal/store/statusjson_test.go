package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
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

// What Status.fastUnmarshal accepts, encoding/json decodes to the same
// status: every status appendJSON writes (most of which it accepts), and
// those bytes cut, with a byte changed, or with keys repeated.
func TestStatusFastDecodeAsEncodingJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var inputs, plain [][]byte
	for i := range 3000 {
		s := &Status{Resource: fmt.Sprintf("r%d", i), Node: []string{"", "n1", "nœud"}[rng.IntN(3)], State: int32(rng.IntN(130)),
			Seq: rng.Uint64() >> rng.IntN(64), Locked: rng.IntN(2) == 0, LockedReason: []string{"", "backup", "a<b"}[rng.IntN(3)],
			Persistent: uint32(rng.IntN(2)), OpID: []string{"", "op1"}[rng.IntN(2)], OpParams: rng.IntN(2) == 0,
			Terminate: rng.IntN(2) == 0, Restart: rng.IntN(2) == 0, FailSeq: uint64(rng.IntN(3)), ConfigRev: rng.Int64N(1e6),
			LastError: []string{"", "exit 1", "quote \" here"}[rng.IntN(3)],
			Updated:   time.Unix(rng.Int64N(4e9), rng.Int64N(1e9)).In([]*time.Location{time.UTC, time.FixedZone("", 3600)}[rng.IntN(2)])}
		s.V = 2
		for range rng.IntN(3) {
			s.Restarts = append(s.Restarts, time.Unix(rng.Int64N(4e9), 0).UTC())
		}
		if rng.IntN(2) == 0 {
			s.Props = proplist.List{{Name: "Pid", Values: []proplist.Value{proplist.DWORD(rng.Uint32())}}}
		}
		b, err := s.appendJSON(nil)
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, b)
		if !bytes.ContainsAny(b, "\\œ") { // no escape, all ASCII: the shape the fast decoder is for
			plain = append(plain, b)
		}
		m := bytes.Clone(b)
		m[rng.IntN(len(m))] = "{}[]:,\"0-9 ex\\"[rng.IntN(14)]
		inputs = append(inputs, m, b[:rng.IntN(len(b))], bytes.Replace(b, []byte(`,"seq":`), []byte(`,"state":1,"seq":`), 1))
	}
	inputs = append(inputs, []byte(`{}`), []byte(`{"v":2,"restarts":[]}`), []byte(`{"v":2,"props":[]}`), []byte(` {"v":2} `),
		[]byte(`{"v":2,"seq":-1}`), []byte(`{"v":2,"state":1e3}`), []byte(`{"v":2,"locked":truex}`), []byte(`{"v":2,"unknown":1}`))
	fast := 0
	for _, b := range inputs {
		var got Status
		if !got.fastUnmarshal(b) {
			continue
		}
		fast++
		var want Status
		if err := json.Unmarshal(b, &want); err != nil {
			t.Fatalf("fastUnmarshal took %s, which encoding/json refuses: %v", b, err)
		}
		got.propsShared = false // how the list was had, not what it holds
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s:\n fast %+v\n json %+v", b, got, want)
		}
	}
	for _, b := range plain {
		var s Status
		if !s.fastUnmarshal(b) {
			t.Fatalf("the fast decoder refused what appendJSON wrote: %s", b)
		}
	}
	if len(plain) < 500 || fast < len(plain) {
		t.Errorf("the fast decoder took %d of %d inputs, %d plain ones", fast, len(inputs), len(plain))
	}
}

func BenchmarkStatusDecode(b *testing.B) {
	s := &Status{Resource: "flat-200-r123", Node: "n1", State: 3, Seq: 12, Persistent: 1, OpID: "0123456789abcdef0123", OpParams: true,
		ConfigRev: 1234, Updated: time.Now().UTC(), Props: proplist.List{{Name: "Pid", Values: []proplist.Value{proplist.DWORD(1234)}}}}
	raw, _ := s.appendJSON(nil)
	b.Run("encoding/json", func(b *testing.B) {
		for b.Loop() {
			var st Status
			if err := json.Unmarshal(raw, &st); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("fastUnmarshal", func(b *testing.B) {
		for b.Loop() {
			var st Status
			if !st.fastUnmarshal(raw) {
				b.Fatal("refused")
			}
		}
	})
}
