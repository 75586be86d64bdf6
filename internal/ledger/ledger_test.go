package ledger

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestCheck(t *testing.T) {
	for _, tt := range []struct {
		name   string
		ledger string
		want   []string // substrings of the error; nil: clean
	}{
		{name: "empty", ledger: ""},
		{name: "clean handover", ledger: `
100 n1 r1 online
100 n1 r2 online
200 n1 r1 offline
210 n1 r2 offline
210 n2 r2 online
300 n2 r1 online
`},
		{name: "online on two nodes at once", ledger: `
100 n1 r1 online
150 n2 r1 online
200 n1 r1 offline
300 n2 r1 offline
`, want: []string{"1 overlap", "r1 online on n1 and n2 at once from 150 for 50 ns", "r1 on n1 from 100 to 200", "r1 on n2 from 150 to 300"}},
		{name: "lines out of order are sorted", ledger: `
200 n1 r1 offline
100 n1 r1 online
250 n2 r1 online
`},
		{name: "open interval lasts to the end of the ledger", ledger: `
100 n1 r1 online
200 n2 r1 online
300 n2 r1 offline
400 n3 other online
`, want: []string{"r1 online on n1 and n2 at once from 200 for 100 ns", "r1 on n1 from 100 (still online at the end of the ledger, 400)"}},
		{name: "two open intervals, the later one at the last line", ledger: `
100 n1 r1 online
200 n2 r1 online
`, want: []string{"r1 online on n1 and n2 at once from 200 until the end of the ledger"}},
		{name: "gone closes an interval", ledger: `
100 n1 r1 online
150 n1 r1 gone
200 n2 r1 online
`},
		{name: "same node twice is no overlap", ledger: `
100 n1 r1 online
150 n1 r1 online
200 n1 r1 offline
`},
		{name: "stray offline is ignored", ledger: `
50 n2 r1 offline
100 n1 r1 online
`},
		{name: "resource names with spaces", ledger: `
100 n1 Cluster IP Address online
150 n2 Cluster IP Address online
`, want: []string{"Cluster IP Address online on n1 and n2"}},
		{name: "garbage line", ledger: "100 n1 r1 online\nhello world\n", want: []string{`line 2 "hello world"`, "not a number"}},
		{name: "unknown event", ledger: "100 n1 r1 started\n", want: []string{`line 1`, `event "started"`}},
		{name: "missing field", ledger: "100 n1 online\n", want: []string{`line 1`, "want <ns> <node> <resource>"}},
		{name: "blank line", ledger: "100 n1 r1 online\n\n", want: []string{`line 2 ""`}},
		{name: "negative time", ledger: "-5 n1 r1 online\n", want: []string{`line 1`, "not a number"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "ledger")
			if err := os.WriteFile(path, []byte(strings.TrimPrefix(tt.ledger, "\n")), 0o644); err != nil {
				t.Fatal(err)
			}
			err := Check(path)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Check = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Check = nil, want an error with %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Check = %v\nwant it to contain %q", err, w)
				}
			}
		})
	}
}

func TestCheckMissingFileIsEmpty(t *testing.T) {
	if err := Check(filepath.Join(t.TempDir(), "none")); err != nil {
		t.Fatal(err)
	}
}

// Concurrent writers (goroutines here; processes in the cluster tests)
// never tear or interleave lines, and the clock only moves forward.
func TestAppendConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger")
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			node := []string{"n1", "n2", "n3", "n4", "n5", "n6", "n7", "n8"}[w]
			for range 200 {
				if err := Append(path, Event{Node: node, Resource: "res " + node, Kind: Online}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	evs, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 8*200 {
		t.Fatalf("%d events, want %d", len(evs), 8*200)
	}
	last := map[string]int64{}
	for _, e := range evs {
		if e.Resource != "res "+e.Node || e.Kind != Online {
			t.Fatalf("torn line %d: %+v", e.Line, e)
		}
		if e.Time < last[e.Node] {
			t.Fatalf("line %d: time went back for %s", e.Line, e.Node)
		}
		last[e.Node] = e.Time
	}
	if err := CheckEvents(evs); err != nil {
		t.Fatal(err) // each resource on one node only
	}
}

func TestAppendRefusesWhatCannotBeParsed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger")
	for _, e := range []Event{
		{Node: "", Resource: "r", Kind: Online},
		{Node: "n 1", Resource: "r", Kind: Online},
		{Node: "n1", Resource: "", Kind: Online},
		{Node: "n1", Resource: "a\nb", Kind: Online},
		{Node: "n1", Resource: "r", Kind: "started"},
	} {
		if err := Append(path, e); err == nil {
			t.Errorf("Append(%+v) = nil, want an error", e)
		}
	}
}

func TestNowIsMonotonic(t *testing.T) {
	a := Now()
	b := Now()
	if a <= 0 || b < a {
		t.Fatalf("Now: %d then %d", a, b)
	}
}
