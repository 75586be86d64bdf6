package store

import (
	"cmp"
	"fmt"
	"maps"
	"slices"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// Txn collects the comparisons and writes of one atomic change. In a
// decision (Decide, Update) the comparisons come from what the decision
// read (View) and from the writes themselves; nobody lists them by hand.
type Txn struct {
	cmps []clientv3.Cmp
	ops  []clientv3.Op
	// compared is the revision each key is compared at, listed the
	// directories whose listing is, and guards the directories whose
	// guard key the transaction writes (Delete).
	compared map[string]int64
	listed   map[string]bool
	guards   map[string]bool
	// err is the first record that could not be encoded: Commit returns
	// it and writes nothing.
	err error
	// bad is the quarantine of the view Update decides on: a record there
	// reads as absent, so expecting it absent compares its bad version.
	bad map[string]*BadRecord
	// c is the cache the decision's view reads (nil outside a decision):
	// a resource's deletion finds its group there.
	c *cache
	// stamps are the groups whose membership stamp the transaction
	// writes (true) or deletes with the group (false); see membershipKey.
	stamps map[string]bool
}

// Empty reports whether the transaction writes nothing. One with a record
// that could not be encoded is not empty: committing it fails.
func (t *Txn) Empty() bool { return len(t.ops) == 0 && t.err == nil }

// allOps is what the transaction writes: its operations and its
// membership stamps.
func (t *Txn) allOps() []clientv3.Op {
	if len(t.stamps) == 0 {
		return t.ops
	}
	ops := slices.Clone(t.ops)
	for _, g := range slices.Sorted(maps.Keys(t.stamps)) {
		if t.stamps[g] {
			ops = append(ops, clientv3.OpPut(membershipKey(g), stampValue))
		} else {
			ops = append(ops, clientv3.OpDelete(membershipKey(g)))
		}
	}
	return ops
}

// stamp makes the transaction write group's membership stamp, unless it
// deletes the group.
func (t *Txn) stamp(group string) {
	if t.stamps == nil {
		t.stamps = map[string]bool{}
	}
	if _, ok := t.stamps[group]; !ok { // false: the group goes
		t.stamps[group] = true
	}
}

// refuseNewer makes the commit fail if key holds a record of a newer
// schema version, which this agent must not overwrite or delete.
func (t *Txn) refuseNewer(key string) {
	if b := t.bad[key]; b != nil && b.Schema > SchemaVersion {
		t.err = cmp.Or(t.err, fmt.Errorf("%w: %s is of schema version %d, this agent's is %d", ErrNewerSchema, key, b.Schema, SchemaVersion))
	}
}

// expect makes the commit depend on key still being at rev (0: absent).
// In a decision, a quarantined record counts as absent: expecting it
// absent expects its undecodable version, so writing the record anew
// replaces it (and takes it out of quarantine) instead of conflicting
// forever. A key expected at two revisions — a write of a record read
// from elsewhere than the decision's view — can never commit: the
// decision conflicts until it writes what it read.
func (t *Txn) expect(key string, rev int64) {
	if b := t.bad[key]; rev == 0 && b != nil {
		rev = b.Rev
	}
	if r, ok := t.compared[key]; ok {
		if r == rev {
			return
		}
	} else {
		if t.compared == nil {
			t.compared = map[string]int64{}
		}
		t.compared[key] = rev
	}
	if rev == 0 {
		t.cmps = append(t.cmps, clientv3.Compare(clientv3.CreateRevision(key), "=", 0))
	} else {
		t.cmps = append(t.cmps, clientv3.Compare(clientv3.ModRevision(key), "=", rev))
	}
}

// expectDir makes the commit depend on no record of dir having been
// created, changed or deleted after rev, the revision of the latest
// change of dir the view holds (cache.dirRev). One comparison covers the
// directory's keys and its guard key: none may have been written after
// rev — a record created or changed since, or a deletion since, which
// writes the guard (Delete). It holds whatever the view's own revision
// says: the cache applies changes in revision order, so a change it has
// not applied is later than every one it has.
func (t *Txn) expectDir(dir string, rev int64) {
	if t.listed[dir] {
		return
	}
	if t.listed == nil {
		t.listed = map[string]bool{}
	}
	t.listed[dir] = true
	t.cmps = append(t.cmps, clientv3.Compare(clientv3.ModRevision(guardKey(dir)), "<", rev+1).
		WithRange(clientv3.GetPrefixRangeEnd(dir)))
}

// Put writes rec at key, expecting the revision rec was read at (0 for a
// new record): in a decision that is the revision the view read it at,
// which the read compares already. A record that could not be read back
// (see encode) makes the commit fail with ErrUnencodable.
func (t *Txn) Put(key string, rec any, readRev int64) {
	t.expect(key, readRev)
	t.refuseNewer(key)
	b, err := encode(key, rec)
	if err != nil {
		t.err = cmp.Or(t.err, err)
		return
	}
	t.ops = append(t.ops, clientv3.OpPut(key, string(b)))
}

// PutLeased writes rec at key attached to an etcd lease: the key goes when
// the lease does.
func (t *Txn) PutLeased(key string, rec any, readRev int64, lease clientv3.LeaseID) {
	t.expect(key, readRev)
	t.refuseNewer(key)
	b, err := encode(key, rec)
	if err != nil {
		t.err = cmp.Or(t.err, err)
		return
	}
	t.ops = append(t.ops, clientv3.OpPut(key, string(b), clientv3.WithLease(lease)))
}

// Delete removes key, expecting the revision it was read at. It also
// writes the guard key of key's directory (once per transaction), which
// is how a decision that listed the directory learns that a record it
// listed is gone. Deleting a resource in a decision also writes its
// group's membership stamp (the group is the one the decision's view
// has); deleting a group deletes the group's stamp.
func (t *Txn) Delete(key string, readRev int64) {
	t.expect(key, readRev)
	t.refuseNewer(key)
	t.ops = append(t.ops, clientv3.OpDelete(key))
	dir, name := kindOf(key)
	switch {
	case dir == dirResources && t.c != nil:
		if r := t.c.resources.get(name); r != nil {
			t.stamp(r.Group)
		}
	case dir == dirGroups:
		if t.stamps == nil {
			t.stamps = map[string]bool{}
		}
		t.stamps[name] = false
	}
	if guarded(dir) && !t.guards[dir] {
		if t.guards == nil {
			t.guards = map[string]bool{}
		}
		t.guards[dir] = true
		t.ops = append(t.ops, clientv3.OpPut(guardKey(dir), guardValue))
	}
}

func (t *Txn) PutCluster(c *Cluster)     { c.V = SchemaVersion; t.Put(ClusterKey(), c, c.Rev) }
func (t *Txn) PutSecurity(s *Security)   { s.V = SchemaVersion; t.Put(SecurityKey(), s, s.Rev) }
func (t *Txn) PutNode(n *Node)           { n.V = SchemaVersion; t.Put(NodeKey(n.Name), n, n.Rev) }
func (t *Txn) PutGroup(g *Group)         { g.V = SchemaVersion; t.Put(GroupKey(g.Name), g, g.Rev) }
func (t *Txn) PutStatus(s *Status)       { s.V = SchemaVersion; t.Put(StatusKey(s.Resource), s, s.Rev) }
func (t *Txn) PutOperation(o *Operation) { o.V = SchemaVersion; t.Put(OpKey(o.ID), o, o.Rev) }
func (t *Txn) PutToken(k *Token)         { k.V = SchemaVersion; t.Put(TokenKey(k.Name), k, k.Rev) }

func (t *Txn) PutAlive(a *Alive, lease clientv3.LeaseID) {
	a.V = SchemaVersion
	t.PutLeased(AliveKey(a.Node), a, a.Rev, lease)
}

func (t *Txn) PutClaim(c *Claim, lease clientv3.LeaseID) {
	c.V = SchemaVersion
	t.PutLeased(ClaimKey(c.Group), c, c.Rev, lease)
}

// PutResource writes r. A new resource (r.Rev 0) joins its group, so the
// transaction also writes the group's membership stamp (membershipKey):
// a decision that read the group's resources conflicts with it.
func (t *Txn) PutResource(r *Resource) {
	r.V = SchemaVersion
	t.Put(ResourceKey(r.Name), r, r.Rev)
	if r.Rev == 0 {
		t.stamp(r.Group)
	} else if t.c != nil {
		if old := t.c.resources.get(r.Name); old != nil && old.Group != r.Group {
			t.stamp(old.Group)
			t.stamp(r.Group)
		}
	}
}
