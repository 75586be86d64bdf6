//go:build linux

package cluster

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/batoncluster/baton/internal/procstat"
)

// kill -9 the owner of a group whose resource is a real process (Generic
// Application): the process outlives its agent, so the node's fence guard
// must kill it before the lease can expire — the process on the dead node
// is gone before the next owner starts its own.
func testKillOwnerProcess(t *testing.T, c *cluster) {
	ownerProcessFailover(t, c, "kill-proc", func(owner *node) { owner.kill(t) })
}

// The same with the owner's agent frozen (SIGSTOP) past its lease: the agent
// cannot act, its guard does; once resumed the agent does not start the
// process again.
func testFreezeOwnerProcess(t *testing.T, c *cluster) {
	ownerProcessFailover(t, c, "freeze-proc", func(owner *node) { owner.signal(t, syscall.SIGSTOP) })
}

func ownerProcessFailover(t *testing.T, c *cluster, group string, fail func(owner *node)) {
	leader := c.dbLeader(t)
	owner, next := c.others(leader)[0], c.others(leader)[1]
	via := leader
	starts := filepath.Join(c.dir, group+".starts")
	// Each start appends "PID START_NS" and then becomes the long sleep
	// (exec keeps the pid), so the file tells when each process began.
	script := fmt.Sprintf(`echo "$$ $(date +%%s%%N)" >> %s; exec sleep 600`, starts)
	res := group + "-app"
	via.must(t, "group", "create", group, "--preferred-owner", owner.name, "--preferred-owner", next.name)
	via.must(t, "resource", "create", res, "--group", group, "--type", "Generic Application",
		"--prop", "CommandLine=sz:/bin/sh -c '"+script+"'")
	op := mustJSON[opJSON](t, via, "group", "online", group, "--wait=30s")
	if op.State == nil || *op.State != "Online" {
		t.Fatalf("group online %s: %+v", group, op)
	}
	var first []appStart
	await(t, 5*time.Second, "the first start's line", func() (bool, string) {
		first = appStarts(t, starts)
		return len(first) >= 1, fmt.Sprintf("%+v", first)
	})
	if len(first) != 1 {
		t.Fatalf("%d starts before the failure, want 1", len(first))
	}
	pid := first[0].pid
	t.Cleanup(func() { _ = syscall.Kill(-pid, syscall.SIGKILL) })
	if gs := groupState(t, via, group); gs.OwnerNode != owner.name {
		t.Fatalf("group %s on %s, want %s", group, gs.OwnerNode, owner.name)
	}

	// Watch the first process from here: when did it end?
	ended := make(chan int64, 1)
	go func() {
		for deadline := time.Now().Add(failoverWithin); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
			if st, err := procstat.Read(pid); err != nil || st.State == 'Z' || st.State == 'X' {
				ended <- time.Now().UnixNano()
				return
			}
		}
		close(ended)
	}()
	failed := time.Now()
	fail(owner)
	got, _ := awaitOnlineOn(t, via, group, "", owner.name, failoverWithin)
	endNs, ok := <-ended
	if !ok {
		t.Fatalf("the process %d on %s still runs %v after its agent failed", pid, owner.name, failoverWithin)
	}
	// Online means started: the script may not have written its line yet.
	var all []appStart
	await(t, 5*time.Second, "the second start's line", func() (bool, string) {
		all = appStarts(t, starts)
		return len(all) >= 2, fmt.Sprintf("%+v", all)
	})
	if len(all) != 2 {
		t.Fatalf("%d starts after the failover, want 2: %+v", len(all), all)
	}
	second := all[1]
	if endNs >= second.ns {
		t.Fatalf("two owners: the process on %s ended %v after the one on %s started",
			owner.name, time.Duration(endNs-second.ns), got)
	}
	t.Logf("%s's process killed %v after the failure, %v before %s started its own",
		owner.name, time.Duration(endNs-failed.UnixNano()).Round(time.Millisecond),
		time.Duration(second.ns-endNs).Round(time.Millisecond), got)
	if log, _ := os.ReadFile(filepath.Join(owner.dir, "guard.log")); !strings.Contains(string(log), "killed process group") {
		t.Errorf("%s's guard.log does not say it killed the process group:\n%s", owner.name, log)
	}

	owner.mu.Lock()
	frozen := owner.frozen
	owner.mu.Unlock()
	if frozen {
		owner.signal(t, syscall.SIGCONT)
		c.awaitAllUp(t) // it fences and joins again with a new lease
		time.Sleep(500 * time.Millisecond)
	} else {
		owner.restart(t)
	}
	if n := len(appStarts(t, starts)); n != 2 {
		t.Errorf("%d starts after %s came back, want 2: it must not start the process again", n, owner.name)
	}
	takeOffline(t, via, group)
	if st, err := procstat.Read(second.pid); err == nil && st.State != 'Z' {
		t.Errorf("the process %d still runs after the group went offline", second.pid)
	}
}

type appStart struct {
	pid int
	ns  int64
}

// appStarts reads the "PID START_NS" lines the script appends.
func appStarts(t *testing.T, path string) []appStart {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var out []appStart
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Fields(line)
		if len(f) != 2 {
			continue
		}
		pid, err1 := strconv.Atoi(f[0])
		ns, err2 := strconv.ParseInt(f[1], 10, 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("bad line %q in %s", line, path)
		}
		out = append(out, appStart{pid, ns})
	}
	return out
}
