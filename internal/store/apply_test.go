package store

import (
	"encoding/json"
	"fmt"
	"runtime"
	"testing"
)

// bigCache holds n groups of 5 resources, each with a status.
func bigCache(tb testing.TB, n int) *cache {
	tb.Helper()
	var changes []change
	rev := int64(1)
	add := func(key string, rec any) {
		b, err := json.Marshal(rec)
		if err != nil {
			tb.Fatal(err)
		}
		rev++
		changes = append(changes, change{key: key, value: b, rev: rev, crev: rev})
	}
	for g := range n {
		gn := fmt.Sprintf("g%06d", g)
		add(GroupKey(gn), &Group{meta: meta{V: SchemaVersion}, Name: gn})
		for r := range 5 {
			rn := fmt.Sprintf("%s-r%d", gn, r)
			add(ResourceKey(rn), &Resource{meta: meta{V: SchemaVersion}, Name: rn, Group: gn, Type: "dummy"})
			add(StatusKey(rn), &Status{meta: meta{V: SchemaVersion}, Resource: rn, State: 3})
		}
	}
	return newCache().apply(rev, changes)
}

// applyBytes is what applying one small batch (a new resource, its status
// and a changed status) to c allocates, on average.
func applyBytes(tb testing.TB, c *cache) uint64 {
	st, _ := json.Marshal(&Status{meta: meta{V: SchemaVersion}, Resource: "x", State: 2})
	res, _ := json.Marshal(&Resource{meta: meta{V: SchemaVersion}, Name: "x", Group: "g000000"})
	const rounds = 200
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range rounds {
		rev := c.rev + 1
		name := fmt.Sprintf("new%d", i)
		c = c.apply(rev, []change{
			{key: ResourceKey(name), value: res, rev: rev, crev: rev},
			{key: StatusKey(name), value: st, rev: rev, crev: rev},
			{key: StatusKey("g000000-r1"), value: st, rev: rev},
		})
	}
	runtime.ReadMemStats(&after)
	return (after.TotalAlloc - before.TotalAlloc) / rounds
}

// Applying a batch costs the same on a cache of 500 resources and one of
// 50,000: the tables are persistent B-trees, not maps copied per batch.
func TestApplyCostIsIndependentOfSize(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a cache of 50,000 resources")
	}
	small, big := applyBytes(t, bigCache(t, 100)), applyBytes(t, bigCache(t, 10000))
	t.Logf("bytes allocated per batch: %d with 500 resources, %d with 50,000", small, big)
	if big > 2*small+4096 {
		t.Errorf("a batch allocates %d bytes with 50,000 resources and %d with 500: the cost grows with the size", big, small)
	}
}

func BenchmarkApply(b *testing.B) {
	for _, n := range []int{100, 10000} {
		c := bigCache(b, n)
		st, _ := json.Marshal(&Status{meta: meta{V: SchemaVersion}, Resource: "x", State: 2})
		b.Run(fmt.Sprintf("resources=%d", 5*n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				c = c.apply(c.rev+1, []change{{key: StatusKey("g000000-r1"), value: st, rev: c.rev + 1}})
			}
		})
	}
}
