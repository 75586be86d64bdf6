package main

import (
	"context"
	"flag"
	"syscall"
	"testing"
	"time"

	"github.com/batoncluster/baton/internal/clustertest"
	"github.com/batoncluster/baton/internal/dial"
)

var ciGroups = flag.Int("ci-groups", 1000, "groups the CI-sized run creates (slices of a tenth)")

// processCPU is the CPU time this process has used: the in-process
// agent's and the test's.
func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// The CI-sized variant of bench/scale: 1,000 groups of 5 dummy resources,
// created through the API of one in-process node, one call at a time,
// timed per slice of 100 groups. The cost of a call must not grow with
// the cluster: the last slice's median may be at most twice the first's.
// A last slice over that is measured once more (the next 100 groups), so
// that a burst of other work on the machine — the rest of the test suite
// runs alongside — does not fail it; a cost that grows with the size
// fails both times.
func TestCallCostIndependentOfSize(t *testing.T) {
	if testing.Short() {
		t.Skip("creates 6,000 records through the API")
	}
	n := clustertest.New(t)
	conn, err := dial.New(n.Addr(), dial.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	f := filler{conn: conn, resources: 5}
	per := max(*ciGroups/10, 1)
	slice := func(from int) sliceStats {
		t.Helper()
		t0, c0 := time.Now(), processCPU()
		lat, err := f.fill(ctx, from, from+per)
		if err != nil {
			t.Fatal(err)
		}
		s := statsOf(lat, from+per, time.Since(t0), processCPU()-c0)
		t.Logf("%5d groups: p50 %s ms, p99 %s ms, CPU %s ms per call, %v", s.groups, ms(s.p50), ms(s.p99), ms(s.cpuPerCall()), s.elapsed.Round(time.Millisecond))
		return s
	}
	var first, last sliceStats
	for i := 0; i < *ciGroups; i += per {
		s := slice(i)
		if i == 0 {
			first = s
		}
		last = s
	}
	if last.p50 > 2*first.p50 {
		t.Logf("the last slice's median is %.1f× the first's: measuring once more", float64(last.p50)/float64(first.p50))
		last = slice(*ciGroups)
	}
	if last.p50 > 2*first.p50 {
		t.Errorf("a call's median took %s ms with %d groups and %s ms with %d (%.1f×, at most 2× allowed); CPU per call %s ms and %s ms",
			ms(first.p50), first.groups, ms(last.p50), last.groups, float64(last.p50)/float64(first.p50), ms(first.cpuPerCall()), ms(last.cpuPerCall()))
	}
}
