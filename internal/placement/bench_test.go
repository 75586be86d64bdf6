package placement

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkCompute plans the failover of a large cluster (DESIGN §7: 64
// nodes, 10,000 groups) after 8 nodes die at once.
func BenchmarkCompute(b *testing.B) {
	v := View{Now: time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)}
	for i := range 64 {
		st := NodeUp
		if i < 8 {
			st = NodeDown
		}
		v.Nodes = append(v.Nodes, Node{Name: fmt.Sprintf("n%02d", i), State: st})
	}
	for i := range 10000 {
		g := Group{
			Name:                fmt.Sprintf("g%05d", i),
			Owner:               fmt.Sprintf("n%02d", i%64),
			Online:              true,
			PreferredOwners:     []string{fmt.Sprintf("n%02d", i%64), fmt.Sprintf("n%02d", (i+1)%64)},
			Priority:            uint32(i%4) * 1000,
			FailoverThreshold:   Infinite,
			FailoverPeriodHours: 6,
			FailbackWindowStart: Infinite,
			FailbackWindowEnd:   Infinite,
		}
		if i%3 == 0 {
			g.AntiAffinity = []string{fmt.Sprintf("class%d", i%50)}
		}
		v.Groups = append(v.Groups, g)
	}
	b.ReportAllocs()
	for b.Loop() {
		p := Compute(v)
		if len(p.Moves) == 0 {
			b.Fatal("no moves")
		}
	}
}
