package e2e

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"
)

type eventLine struct {
	Revision int64  `json:"revision"`
	Kind     string `json:"kind"`
	Name     string `json:"name"`
	State    string `json:"state"`
}

// events runs `baton events -o json` with extra arguments and returns a
// channel of its lines; the process is stopped when the test ends.
func (a *agent) events(args ...string) <-chan eventLine {
	a.t.Helper()
	cmd := exec.Command(batonBin, append([]string{"events", "-o", "json"}, args...)...)
	cmd.Env = append(os.Environ(), "BATON_ADDR="+a.addr)
	out, err := cmd.StdoutPipe()
	if err != nil {
		a.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		a.t.Fatal(err)
	}
	a.t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	})
	ch := make(chan eventLine, 1024)
	go func() {
		defer close(ch)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			var ev eventLine
			if json.Unmarshal(sc.Bytes(), &ev) == nil {
				ch <- ev
			}
		}
	}()
	return ch
}

func next(t *testing.T, ch <-chan eventLine) eventLine {
	t.Helper()
	select {
	case ev, ok := <-ch:
		if !ok {
			t.Fatal("event stream ended")
		}
		return ev
	case <-time.After(20 * time.Second):
		t.Fatal("no event for 20 s")
	}
	return eventLine{}
}

// Events stream as they happen and, after an agent restart, a client that
// resumes from the revision it started at gets every one of them again, in
// order, and then the new ones: no gaps.
func TestEventsResumeAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	a := startAgent(t, dir)
	live := a.events()
	sync := next(t, live)
	if sync.Kind != "sync" {
		t.Fatalf("first event %+v, want sync", sync)
	}
	createDemoGroup(a)
	var seen []eventLine
	for {
		ev := next(t, live)
		if ev.Kind != "groupState" {
			seen = append(seen, ev)
		}
		if ev.Kind == "groupState" && ev.Name == "DemoGroup" && ev.State == "Online" {
			break
		}
	}
	a.stop()

	b := startAgent(t, dir)
	b.must("group", "offline", "DemoGroup", "--wait=30s")
	replay := b.events("--since", strconv.FormatInt(sync.Revision, 10))
	if ev := next(t, replay); ev.Kind != "sync" || ev.Revision != sync.Revision {
		t.Fatalf("resumed stream starts with %+v, want sync at %d", ev, sync.Revision)
	}
	var got []eventLine
	for len(got) < len(seen) {
		if ev := next(t, replay); ev.Kind != "groupState" {
			got = append(got, ev)
		}
	}
	for i := range seen {
		if got[i].Revision != seen[i].Revision || got[i].Kind != seen[i].Kind || got[i].Name != seen[i].Name {
			t.Fatalf("event %d after resume: %+v, before the restart: %+v", i, got[i], seen[i])
		}
	}
	// Then what happened since, up to the offline.
	for {
		ev := next(t, replay)
		if ev.Kind == "groupState" && ev.Name == "DemoGroup" && ev.State == "Offline" {
			break
		}
	}
}
