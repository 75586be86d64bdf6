package server

import (
	"slices"
	"testing"
	"time"

	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/store"
)

// The API's conversions are pure functions of a view and the time: these
// tests build the view in memory (store.NewView) and set timeNow.

func at(t *testing.T, now time.Time) {
	t.Helper()
	old := timeNow
	timeNow = func() time.Time { return now }
	t.Cleanup(func() { timeNow = old })
}

// A resource the health policy restarted shows its restarts within
// RestartPeriod, and when the oldest stops counting against
// RestartThreshold; once RestartPeriod has passed it shows none, although
// the record still holds them (nothing rewrites the status of a resource
// that stays Failed).
func TestResourceRestartsExpire(t *testing.T) {
	const period = 2 * time.Second
	first := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	second := first.Add(time.Second)
	common := store.DefaultResourceCommon()
	common.RestartPeriod = uint32(period / time.Millisecond)
	v := store.NewView(
		&store.Group{Name: "G", Policy: store.DefaultGroupPolicy()},
		&store.Resource{Name: "flaky", Group: "G", Type: "dummy", Common: common},
		&store.Status{Resource: "flaky", State: int32(wsfc.ClusterResourceFailed), Restarts: []time.Time{second, first}},
	)
	for _, c := range []struct {
		now      time.Time
		restarts []time.Time
		expires  time.Time
	}{
		{first.Add(time.Millisecond), []time.Time{first, second}, first.Add(period)},
		{first.Add(period - time.Nanosecond), []time.Time{first, second}, first.Add(period)},
		{first.Add(period), []time.Time{second}, second.Add(period)}, // the first no longer counts
		{second.Add(period - time.Nanosecond), []time.Time{second}, second.Add(period)},
		{second.Add(period), nil, time.Time{}},
		{second.Add(time.Hour), nil, time.Time{}},
	} {
		at(t, c.now)
		r := resourceMsg(v, v.Resource("flaky"))
		var want []int64
		for _, r := range c.restarts {
			want = append(want, r.UnixNano())
		}
		if !slices.Equal(r.RestartsUnixNano, want) || r.RestartCountExpiresUnixNano != unixNano(c.expires) {
			t.Errorf("at first+%v: restarts %v, expiry %d; want %v, %d", c.now.Sub(first),
				r.RestartsUnixNano, r.RestartCountExpiresUnixNano, want, unixNano(c.expires))
		}
	}
}

// A group with an online (or pending) resource in locked mode shows
// CLUSGRP_STATUS_LOCKED_MODE (0x1); once the resource leaves locked mode,
// or is no longer online, it does not.
func TestGroupLockedModeBit(t *testing.T) {
	for _, c := range []struct {
		state  wsfc.ClusterResourceState
		locked bool
		want   uint64
	}{
		{wsfc.ClusterResourceOnline, false, 0},
		{wsfc.ClusterResourceOnline, true, wsfc.CLUSGRP_STATUS_LOCKED_MODE},
		{wsfc.ClusterResourceOfflinePending, true, wsfc.CLUSGRP_STATUS_LOCKED_MODE},
		{wsfc.ClusterResourceOffline, true, 0},
		{wsfc.ClusterResourceFailed, true, 0},
	} {
		v := store.NewView(
			&store.Group{Name: "G", Policy: store.DefaultGroupPolicy()},
			&store.Resource{Name: "r1", Group: "G", Type: "dummy", Common: store.DefaultResourceCommon()},
			&store.Resource{Name: "r2", Group: "G", Type: "dummy", Common: store.DefaultResourceCommon()},
			&store.Status{Resource: "r1", State: int32(c.state), Locked: c.locked},
			&store.Status{Resource: "r2", State: int32(wsfc.ClusterResourceOnline)},
		)
		if g := groupMsg(v, v.Group("G")); g.StatusInformation != c.want {
			t.Errorf("r1 %v, locked %v: StatusInformation 0x%x, want 0x%x", c.state, c.locked, g.StatusInformation, c.want)
		}
	}
}
