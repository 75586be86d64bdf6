package store

import (
	"context"
	"fmt"
)

// migrateBatch bounds the records one transaction of Migrate rewrites.
const migrateBatch = 100

// Migrate rewrites the records that SchemaVersion changed the shape of
// and that are still of an older version: version 1 group records, which
// list their resources. They read correctly as they are (the list is
// ignored), but each is as long as its group, and rewriting it drops the
// list. Each batch is a decision comparing the records it rewrites, so
// Migrate may run on several nodes at once and alongside any other
// change; a record changed meanwhile is rewritten by that change anyway.
// It says how many records it rewrote.
func Migrate(ctx context.Context, s *Store) (int, error) {
	var old []string
	s.View().c.groups.after("", func(name string, g *Group) bool {
		if g.V < SchemaVersion {
			old = append(old, name)
		}
		return true
	})
	done := 0
	for len(old) > 0 {
		chunk := old[:min(len(old), migrateBatch)]
		old = old[len(chunk):]
		n, _, err := Decide(ctx, s, func(v View, t *Txn) (int, error) {
			n := 0
			for _, name := range chunk {
				if g := v.Group(name); g != nil && g.V < SchemaVersion {
					t.PutGroup(g.Clone())
					n++
				}
			}
			return n, nil
		})
		if err != nil {
			return done, fmt.Errorf("store: migrate: %w", err)
		}
		done += n
	}
	return done, nil
}
