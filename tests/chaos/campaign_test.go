//go:build linux

package chaos

import (
	"context"
	"testing"
	"time"
)

// TestChaos runs the CI-sized campaign: a few rounds on three nodes and
// on five, with fixed seeds (-chaos.seed and -chaos.rounds override them;
// bench/chaos runs long campaigns). Freezes spare the database leader
// (Campaign.SpareLeader); kills do not.
func TestChaos(t *testing.T) {
	for _, tc := range []struct {
		name   string
		nodes  int
		seed   uint64
		rounds int
	}{
		{"3nodes", 3, 1, 6},
		{"5nodes", 5, 2, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cp := Campaign{Bin: batonBin, Dir: testDir(t), Nodes: tc.nodes, Seed: tc.seed, Rounds: tc.rounds,
				Active: 6 * time.Second, SpareLeader: true, Log: t.Logf}
			if *seedFlag != 0 {
				cp.Seed = *seedFlag
			}
			if *rounds != 0 {
				cp.Rounds = *rounds
			}
			ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
			defer cancel()
			rep, err := cp.Run(ctx)
			t.Logf("report:\n%s", rep.Summary())
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}
