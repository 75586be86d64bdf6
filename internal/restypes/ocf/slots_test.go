package ocf

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batoncluster/baton/proplist"
	"github.com/batoncluster/baton/restype"
)

// TestActionSlotsBoundAgents starts three times as many resources as
// there are slots, all at once: never more agents run at a time than the
// slots allow, and every resource comes online.
func TestActionSlotsBoundAgents(t *testing.T) {
	root := UseTestRoot(t)
	limit := cap(lifecycleSlots)
	n := 3 * limit
	res := make([]*resource, n)
	for i := range res {
		res[i], _ = recorder(t, fmt.Sprintf("slot%d", i), "sleep_start", proplist.SZ("0.3"))
	}
	// The start action's command line: the agent's path, then "start".
	starts := filepath.Join(root, "resource.d", TestProvider, "recorder") + "\x00start\x00"

	done := make(chan struct{})
	most := 0
	var sampler sync.WaitGroup
	sampler.Go(func() {
		for {
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
			}
			most = max(most, processGroups(t, procsWith(t, starts)))
		}
	})
	// A deadline of the caller's, as the host gives: without one each
	// start would get the recorder's own timeout (2 s), which a loaded
	// machine can exceed.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for _, r := range res {
		wg.Go(func() { errs <- r.Online(ctx, restype.OnlineRequest{}) })
	}
	wg.Wait()
	close(done)
	sampler.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("Online: %v", err)
		}
	}
	if most > limit {
		t.Errorf("%d start actions ran at once; the node's limit is %d", most, limit)
	}
	if most < 2 {
		t.Errorf("at most %d start action ran at once: the slots ran them one by one", most)
	}
	for _, r := range res {
		if err := r.Offline(ctx, offline()); err != nil {
			t.Errorf("Offline: %v", err)
		}
	}
}

// processGroups counts the process groups of pids: one per agent action
// (each runs in a group of its own), however often its shell forked.
func processGroups(t *testing.T, pids []int) int {
	groups := map[int]bool{}
	for _, pid := range pids {
		st, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue // gone meanwhile
		}
		// After the command's ")": state, ppid, pgrp.
		i := bytes.LastIndexByte(st, ')')
		f := strings.Fields(string(st[i+1:]))
		if len(f) < 3 {
			t.Fatalf("/proc/%d/stat: %q", pid, st)
		}
		pgrp, _ := strconv.Atoi(f[2])
		groups[pgrp] = true
	}
	return len(groups)
}

// TestHealthChecksHaveSlotsOfTheirOwn fills every lifecycle slot, as slow
// starts would: a health check still runs at once, and a start waits
// until its deadline and says why.
func TestHealthChecksHaveSlotsOfTheirOwn(t *testing.T) {
	UseTestRoot(t)
	up, _ := recorder(t, "up")
	down, _ := recorder(t, "down")
	ctx := context.Background()
	if err := up.Online(ctx, restype.OnlineRequest{}); err != nil {
		t.Fatal(err)
	}
	for range cap(lifecycleSlots) {
		if err := lifecycleSlots.take(ctx, "test"); err != nil {
			t.Fatal(err)
		}
	}
	held := true
	release := func() {
		if held {
			for range cap(lifecycleSlots) {
				lifecycleSlots.give()
			}
			held = false
		}
	}
	defer release()

	hctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := up.LooksAlive(hctx); err != nil {
		t.Errorf("LooksAlive with every lifecycle slot taken: %v", err)
	}
	if err := up.IsAlive(hctx); err != nil {
		t.Errorf("IsAlive with every lifecycle slot taken: %v", err)
	}
	sctx, cancel2 := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel2()
	err := down.Online(sctx, restype.OnlineRequest{})
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "agent slots") {
		t.Errorf("Online with every slot taken = %v, want a deadline error naming the slots", err)
	}
	release()
	if err := down.Online(ctx, restype.OnlineRequest{}); err != nil {
		t.Errorf("Online once the slots are free: %v", err)
	}
	for _, r := range []*resource{up, down} {
		if err := r.Offline(ctx, offline()); err != nil {
			t.Errorf("Offline: %v", err)
		}
	}
}
