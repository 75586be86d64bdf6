package store

import "github.com/google/btree"

// sorted is a persistent sorted set: a B-tree (github.com/google/btree)
// whose clone is O(1) and shares every node with the original, copying a
// node only when the clone changes it. The cache keeps every kind of
// record, and its indexes, in one of these, so applying a batch of k
// changes costs O(k log n) and leaves the published cache untouched —
// copying a Go map would cost O(n) per batch, which made every write
// slower the bigger the cluster.
//
// A published sorted is never changed again: apply clones it first (once
// per batch) and changes the clone. Clone itself must not run on the same
// sorted from two goroutines at once; the cache's owner (the store's
// watch, or a History's own replica) is the only one that clones it.
type sorted[T any] struct{ t *btree.BTreeG[T] }

// degree is the B-tree's minimum degree: nodes hold 15 to 31 items. A
// change copies one node per level, about 1 KB per level.
const degree = 16

func newSorted[T any](less btree.LessFunc[T]) sorted[T] {
	return sorted[T]{t: btree.NewG(degree, less)}
}

func (s sorted[T]) clone() sorted[T] { return sorted[T]{t: s.t.Clone()} }
func (s sorted[T]) len() int         { return s.t.Len() }
func (s sorted[T]) get(k T) (T, bool) {
	return s.t.Get(k)
}
func (s sorted[T]) put(item T)   { s.t.ReplaceOrInsert(item) }
func (s sorted[T]) remove(key T) { s.t.Delete(key) }

// from calls fn for every item not less than pivot, in order, until fn
// returns false.
func (s sorted[T]) from(pivot T, fn func(T) bool) { s.t.AscendGreaterOrEqual(pivot, fn) }

// each calls fn for every item in order until fn returns false.
func (s sorted[T]) each(fn func(T) bool) { s.t.Ascend(fn) }

// table is a persistent map from a record's name to the record, in the
// order of the names.
type table[V any] struct{ s sorted[named[V]] }

type named[V any] struct {
	name string
	val  V
}

func newTable[V any]() table[V] {
	return table[V]{s: newSorted(func(a, b named[V]) bool { return a.name < b.name })}
}

func (t table[V]) clone() table[V] { return table[V]{s: t.s.clone()} }
func (t table[V]) len() int        { return t.s.len() }

// get returns the value named name, or the zero value.
func (t table[V]) get(name string) V {
	e, _ := t.s.get(named[V]{name: name})
	return e.val
}

func (t table[V]) set(name string, v V) { t.s.put(named[V]{name: name, val: v}) }
func (t table[V]) del(name string)      { t.s.remove(named[V]{name: name}) }

// after calls fn for each entry whose name sorts after name ("": every
// entry), in order, until fn returns false.
func (t table[V]) after(name string, fn func(name string, v V) bool) {
	t.s.from(named[V]{name: name}, func(e named[V]) bool {
		if e.name == name {
			return true
		}
		return fn(e.name, e.val)
	})
}

// values returns every value, in the order of the names.
func (t table[V]) values() []V {
	out := make([]V, 0, t.len())
	t.s.each(func(e named[V]) bool {
		out = append(out, e.val)
		return true
	})
	return out
}
