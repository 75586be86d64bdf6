package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"time"

	"connectrpc.com/connect"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
	"github.com/batoncluster/baton/clusapi"
	"github.com/batoncluster/baton/internal/dial"
)

// groupName names the i-th group the filler creates; its resources are
// groupName(i)-r0 … -r(k-1).
func groupName(i int) string { return fmt.Sprintf("sc-%05d", i) }

// filler creates groups of dummy resources through the API, one call at
// a time on one connection, as a site filling its cluster would, and
// times every call.
type filler struct {
	conn *dial.Conn
	// resources per group, in a chain: each depends on the one before.
	resources int
}

// fill creates groups [from, to) — CreateGroup, then CreateResource for
// each resource — and returns how long each call took.
func (f filler) fill(ctx context.Context, from, to int) ([]time.Duration, error) {
	lat := make([]time.Duration, 0, (to-from)*(1+f.resources))
	for i := from; i < to; i++ {
		g := groupName(i)
		t0 := time.Now()
		if err := retryBusy(ctx, func() error {
			_, err := f.conn.Groups.CreateGroup(ctx, connect.NewRequest(&batonv1.CreateGroupRequest{Name: g}))
			return err
		}); err != nil {
			return lat, fmt.Errorf("CreateGroup %s: %w", g, err)
		}
		lat = append(lat, time.Since(t0))
		for r := range f.resources {
			req := &batonv1.CreateResourceRequest{Name: g + "-r" + strconv.Itoa(r), Group: g, Type: "dummy"}
			if r > 0 {
				req.DependsOn = []string{g + "-r" + strconv.Itoa(r-1)}
			}
			t0 := time.Now()
			if err := retryBusy(ctx, func() error {
				_, err := f.conn.Resources.CreateResource(ctx, connect.NewRequest(req))
				return err
			}); err != nil {
				return lat, fmt.Errorf("CreateResource %s: %w", req.Name, err)
			}
			lat = append(lat, time.Since(t0))
		}
	}
	return lat, nil
}

// retryBusy calls fn again, at most 5 times 1 s apart, after an error of
// a database too busy to answer in time (a machine loaded by other work:
// no quorum in time, a change that kept conflicting), as a site filling
// its cluster would; a retry that finds the object made by the call
// before is done. The call's time includes its retries; each is told on
// standard error.
func retryBusy(ctx context.Context, fn func() error) error {
	err := fn()
	for try := 0; err != nil && try < 5; try++ {
		switch clusapi.FromConnectError(err).Win32() {
		case clusapi.ERROR_CLUSTER_NO_QUORUM, clusapi.ERROR_CLUSTER_DATABASE_UPDATE_CONDITION_FAILED, clusapi.WAIT_TIMEOUT:
		default:
			return err
		}
		fmt.Fprintf(os.Stderr, "  %v; trying again\n", err)
		select {
		case <-time.After(time.Second):
		case <-ctx.Done():
			return ctx.Err()
		}
		if err = fn(); err != nil && clusapi.FromConnectError(err).Win32() == clusapi.ERROR_OBJECT_ALREADY_EXISTS {
			return nil
		}
	}
	return err
}

// sliceStats describes the calls of one slice of groups.
type sliceStats struct {
	groups   int           // groups in the cluster at the end of the slice
	calls    int           // calls timed
	p50, p99 time.Duration // nearest rank
	elapsed  time.Duration // the slice's wall time
	cpu      time.Duration // CPU time the agents (or the test process) used meanwhile
}

// percentile is the nearest-rank p-th percentile of sorted samples.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p/100*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func statsOf(lat []time.Duration, groups int, elapsed, cpu time.Duration) sliceStats {
	s := slices.Clone(lat)
	slices.Sort(s)
	return sliceStats{groups: groups, calls: len(s), p50: percentile(s, 50), p99: percentile(s, 99), elapsed: elapsed, cpu: cpu}
}

// cpuPerCall is the CPU time per call of the slice.
func (s sliceStats) cpuPerCall() time.Duration {
	if s.calls == 0 {
		return 0
	}
	return s.cpu / time.Duration(s.calls)
}

// makeProbe creates group name with a chain of k dummy resources.
func makeProbe(ctx context.Context, c *dial.Conn, name string, k int) error {
	if _, err := c.Groups.CreateGroup(ctx, connect.NewRequest(&batonv1.CreateGroupRequest{Name: name})); err != nil {
		return fmt.Errorf("CreateGroup %s: %w", name, err)
	}
	for r := range k {
		req := &batonv1.CreateResourceRequest{Name: name + "-r" + strconv.Itoa(r), Group: name, Type: "dummy"}
		if r > 0 {
			req.DependsOn = []string{name + "-r" + strconv.Itoa(r-1)}
		}
		if _, err := c.Resources.CreateResource(ctx, connect.NewRequest(req)); err != nil {
			return fmt.Errorf("CreateResource %s: %w", req.Name, err)
		}
	}
	return nil
}

// onlineOffline brings group online and takes it offline rounds times and
// returns each online's and each offline's time, from just before the
// call until GetGroupState, polled every millisecond, shows the state.
func onlineOffline(ctx context.Context, c *dial.Conn, group string, rounds int, limit time.Duration) (on, off []time.Duration, err error) {
	ref := &batonv1.GroupRef{Name: group}
	for range rounds {
		t0 := time.Now()
		if _, err := c.Groups.OnlineGroup(ctx, connect.NewRequest(&batonv1.OnlineGroupRequest{Group: ref})); err != nil {
			return on, off, fmt.Errorf("OnlineGroup %s: %w", group, err)
		}
		if err := awaitState(ctx, c, group, clusapi.ClusterGroupOnline, limit); err != nil {
			return on, off, err
		}
		on = append(on, time.Since(t0))
		t0 = time.Now()
		if _, err := c.Groups.OfflineGroup(ctx, connect.NewRequest(&batonv1.OfflineGroupRequest{Group: ref})); err != nil {
			return on, off, fmt.Errorf("OfflineGroup %s: %w", group, err)
		}
		if err := awaitState(ctx, c, group, clusapi.ClusterGroupOffline, limit); err != nil {
			return on, off, err
		}
		off = append(off, time.Since(t0))
	}
	return on, off, nil
}

func awaitState(ctx context.Context, c *dial.Conn, group string, want clusapi.ClusterGroupState, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		r, err := c.Groups.GetGroupState(ctx, connect.NewRequest(&batonv1.GetGroupStateRequest{Group: &batonv1.GroupRef{Name: group}}))
		if err != nil {
			return fmt.Errorf("GetGroupState %s: %w", group, err)
		}
		if clusapi.ClusterGroupState(r.Msg.State) == want {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("group %s is %s after %v, want %s", group, r.Msg.StateName, limit, want)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Millisecond):
		}
	}
}

// median of samples (0 for none).
func median(samples []time.Duration) time.Duration {
	s := slices.Clone(samples)
	slices.Sort(s)
	return percentile(s, 50)
}

// ms formats d in milliseconds with a precision that suits it.
func ms(d time.Duration) string {
	f := float64(d) / float64(time.Millisecond)
	switch {
	case f < 10:
		return strconv.FormatFloat(f, 'f', 2, 64)
	case f < 100:
		return strconv.FormatFloat(f, 'f', 1, 64)
	}
	return strconv.FormatFloat(f, 'f', 0, 64)
}
