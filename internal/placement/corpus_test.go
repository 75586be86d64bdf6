package placement

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the expected plans in testdata/*.txt")

// A corpus case (testdata/*.txt) is a small cluster, a line "----", and the
// expected output. The cluster is written one line each:
//
//	# a comment
//	now 2026-03-02T12:00:00Z
//	forming T
//	node NAME up|down|paused|joining [draining]
//	group NAME [owner=N] [online] [failed] [prefer=N,N] [priority=2000]
//	      [anti=C,C] [threshold=0xFFFFFFFF] [period=6] [failovers=T,T]
//	      [failback] [window=S-E] [lastfailed=T] [retry=3600000]
//	      [owners=N,N]   (possible owners of all its resources; "-": none)
//	best GROUP [ignore-affinity]
//	canhost GROUP NODE [ignore-affinity]
//
// Defaults are the WSFC ones (priority 2000, threshold 0xFFFFFFFF, period 6
// hours, no window, retry 3600000 ms). A time T is RFC 3339 or relative to
// now ("-90m"). The output is the plan (move and hold lines, or "nothing to
// do") followed by one line per best or canhost query.
const separator = "----"

type query struct {
	kind           string // "best" or "canhost"
	group, node    string
	ignoreAffinity bool
}

type corpusCase struct {
	view    View
	queries []query
}

// parseCase reads the cluster part of a case.
func parseCase(text string) (corpusCase, error) {
	var c corpusCase
	lines := strings.Split(text, "\n")
	// "now" first, so that relative times anywhere resolve against it.
	for _, line := range lines {
		if f := strings.Fields(line); len(f) == 2 && f[0] == "now" {
			t, err := time.Parse(time.RFC3339, f[1])
			if err != nil {
				return c, fmt.Errorf("now: %w", err)
			}
			c.view.Now = t
		}
	}
	for i, line := range lines {
		f := strings.Fields(line)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		var err error
		switch f[0] {
		case "now":
			if len(f) != 2 {
				err = fmt.Errorf("now takes one time")
			}
		case "forming":
			if len(f) != 2 {
				err = fmt.Errorf("forming takes one time")
			} else {
				c.view.FormingUntil, err = c.parseTime(f[1])
			}
		case "node":
			err = c.parseNode(f[1:])
		case "group":
			err = c.parseGroup(f[1:])
		case "best", "canhost":
			err = c.parseQuery(f)
		default:
			err = fmt.Errorf("unknown directive %q", f[0])
		}
		if err != nil {
			return c, fmt.Errorf("line %d: %w", i+1, err)
		}
	}
	return c, nil
}

var nodeStates = map[string]NodeState{"up": NodeUp, "down": NodeDown, "paused": NodePaused, "joining": NodeJoining}

func (c *corpusCase) parseNode(f []string) error {
	if len(f) < 2 || len(f) > 3 {
		return fmt.Errorf("node NAME STATE [draining]")
	}
	st, ok := nodeStates[f[1]]
	if !ok {
		return fmt.Errorf("unknown node state %q", f[1])
	}
	n := Node{Name: f[0], State: st}
	if len(f) == 3 {
		if f[2] != "draining" {
			return fmt.Errorf("unknown node flag %q", f[2])
		}
		n.Draining = true
	}
	c.view.Nodes = append(c.view.Nodes, n)
	return nil
}

func (c *corpusCase) parseGroup(f []string) error {
	if len(f) == 0 {
		return fmt.Errorf("group NAME ...")
	}
	g := Group{
		Name:                   f[0],
		Priority:               2000,
		FailoverThreshold:      Infinite,
		FailoverPeriodHours:    6,
		FailbackWindowStart:    Infinite,
		FailbackWindowEnd:      Infinite,
		RetryPeriodOnFailureMs: 3600000,
	}
	for _, kv := range f[1:] {
		k, v, hasValue := strings.Cut(kv, "=")
		var err error
		switch {
		case !hasValue && k == "online":
			g.Online = true
		case !hasValue && k == "failed":
			g.Failed = true
		case !hasValue && k == "failback":
			g.AutoFailback = true
		case !hasValue:
			err = fmt.Errorf("unknown group flag %q", k)
		case k == "owner":
			g.Owner = v
		case k == "prefer":
			g.PreferredOwners = strings.Split(v, ",")
		case k == "anti":
			g.AntiAffinity = strings.Split(v, ",")
		case k == "priority":
			g.Priority, err = parseDword(v)
		case k == "threshold":
			g.FailoverThreshold, err = parseDword(v)
		case k == "period":
			g.FailoverPeriodHours, err = parseDword(v)
		case k == "retry":
			g.RetryPeriodOnFailureMs, err = parseDword(v)
		case k == "window":
			s, e, ok := strings.Cut(v, "-")
			if !ok {
				return fmt.Errorf("window=START-END")
			}
			if g.FailbackWindowStart, err = parseDword(s); err == nil {
				g.FailbackWindowEnd, err = parseDword(e)
			}
		case k == "failovers":
			for t := range strings.SplitSeq(v, ",") {
				var ft time.Time
				if ft, err = c.parseTime(t); err != nil {
					break
				}
				g.Failovers = append(g.Failovers, ft)
			}
		case k == "owners":
			g.PossibleOwners = []string{}
			if v != "-" {
				g.PossibleOwners = strings.Split(v, ",")
			}
		case k == "lastfailed":
			g.LastFailedAt, err = c.parseTime(v)
		default:
			err = fmt.Errorf("unknown group key %q", k)
		}
		if err != nil {
			return fmt.Errorf("group %s: %s: %w", g.Name, kv, err)
		}
	}
	c.view.Groups = append(c.view.Groups, g)
	return nil
}

func (c *corpusCase) parseQuery(f []string) error {
	q := query{kind: f[0]}
	args := f[1:]
	if n := len(args); n > 0 && args[n-1] == "ignore-affinity" {
		q.ignoreAffinity = true
		args = args[:n-1]
	}
	switch {
	case q.kind == "best" && len(args) == 1:
		q.group = args[0]
	case q.kind == "canhost" && len(args) == 2:
		q.group, q.node = args[0], args[1]
	default:
		return fmt.Errorf("best GROUP [ignore-affinity] | canhost GROUP NODE [ignore-affinity]")
	}
	c.queries = append(c.queries, q)
	return nil
}

func parseDword(s string) (uint32, error) {
	n, err := strconv.ParseUint(s, 0, 32)
	return uint32(n), err
}

// parseTime reads an RFC 3339 time or a duration relative to now.
func (c *corpusCase) parseTime(s string) (time.Time, error) {
	if strings.HasPrefix(s, "-") || strings.HasPrefix(s, "+") {
		d, err := time.ParseDuration(s)
		return c.view.Now.Add(d), err
	}
	return time.Parse(time.RFC3339, s)
}

// run computes the plan and answers the queries, in the corpus format.
func (c corpusCase) run() string {
	var b strings.Builder
	p := Compute(c.view)
	if len(p.Moves) == 0 && len(p.Holds) == 0 {
		b.WriteString("nothing to do\n")
	}
	for _, m := range p.Moves {
		fmt.Fprintf(&b, "move %s %s -> %s (%s)\n", m.Group, orDash(m.From), m.To, m.Reason)
	}
	for _, h := range p.Holds {
		fmt.Fprintf(&b, "hold %s %s", h.Group, h.Reason)
		if !h.Until.IsZero() {
			fmt.Fprintf(&b, " until %s (now+%s)", h.Until.UTC().Format(time.RFC3339), h.Until.Sub(c.view.Now))
		}
		b.WriteString("\n")
	}
	for _, q := range c.queries {
		flag := ""
		if q.ignoreAffinity {
			flag = " ignore-affinity"
		}
		switch q.kind {
		case "best":
			node, why, ok := Best(c.view, q.group, q.ignoreAffinity)
			fmt.Fprintf(&b, "best %s%s -> %s (%s)\n", q.group, flag, orNone(node, ok), why)
		case "canhost":
			why, ok := CanHost(c.view, q.group, q.node, q.ignoreAffinity)
			answer := "yes"
			if !ok {
				answer = "no (" + string(why) + ")"
			}
			fmt.Fprintf(&b, "canhost %s %s%s -> %s\n", q.group, q.node, flag, answer)
		}
	}
	return b.String()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func orNone(s string, ok bool) string {
	if !ok {
		return "none"
	}
	return s
}

// splitCase returns the cluster part of a case file (through the line
// before the separator) and the expected output.
func splitCase(data string) (input, want string, ok bool) {
	if strings.HasPrefix(data, separator+"\n") {
		return "", data[len(separator)+1:], true
	}
	i := strings.Index(data, "\n"+separator+"\n")
	if i < 0 {
		if strings.HasSuffix(data, "\n"+separator) {
			return data[:len(data)-len(separator)], "", true
		}
		return data, "", false
	}
	return data[:i+1], data[i+len(separator)+2:], true
}

func corpusFiles(t testing.TB) []string {
	files, err := filepath.Glob(filepath.Join("testdata", "*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no cases in testdata")
	}
	return files
}

// TestCorpus runs every stored case and compares the plan with the stored
// one; -update rewrites them.
func TestCorpus(t *testing.T) {
	for _, file := range corpusFiles(t) {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txt"), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			input, want, hasSep := splitCase(string(data))
			c, err := parseCase(input)
			if err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			if len(c.view.Nodes) == 0 && len(c.view.Groups) == 0 {
				t.Fatalf("%s: no nodes or groups", file)
			}
			checkPlan(t, c.view, Compute(c.view))
			got := c.run()
			if *update {
				if !hasSep || got != want {
					out := input + separator + "\n" + got
					if err := os.WriteFile(file, []byte(out), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				return
			}
			if !hasSep {
				t.Fatalf("%s: no %q line; run with -update", file, separator)
			}
			if got != want {
				t.Errorf("%s: plan differs (run with -update to accept)\n--- want\n%s--- got\n%s", file, want, got)
			}
		})
	}
}

// The parser reads back what the format documents.
func TestParseCase(t *testing.T) {
	c, err := parseCase("now 2026-03-02T12:00:00Z\nnode a up draining\n" +
		"group g owner=a online failed prefer=a,b priority=3000 anti=x,y threshold=2 period=1 " +
		"failovers=-1h,2026-03-02T11:30:00Z failback window=22-2 lastfailed=-5m retry=0xFFFFFFFF\n")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	g := c.view.Groups[0]
	if !c.view.Nodes[0].Draining || !g.Online || !g.Failed || !g.AutoFailback ||
		g.Priority != 3000 || g.FailoverThreshold != 2 || g.FailoverPeriodHours != 1 ||
		g.FailbackWindowStart != 22 || g.FailbackWindowEnd != 2 || g.RetryPeriodOnFailureMs != Infinite ||
		!g.LastFailedAt.Equal(now.Add(-5*time.Minute)) || len(g.Failovers) != 2 ||
		!g.Failovers[0].Equal(now.Add(-time.Hour)) || strings.Join(g.AntiAffinity, ",") != "x,y" {
		t.Errorf("parsed %+v", c.view)
	}
	for _, bad := range []string{"node a sideways", "group g colour=red", "frobnicate", "best", "now yesterday"} {
		if _, err := parseCase(bad); err == nil {
			t.Errorf("parseCase(%q): no error", bad)
		}
	}
}
