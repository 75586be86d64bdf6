package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
)

// cache holds the decoded records at one revision. A cache is never
// mutated once published: apply builds the next one, cloning the tables
// it touches — persistent B-trees (table.go), so a clone shares all but
// the nodes the batch changes, and a batch costs O(changes × log n) — so
// a View needs no lock.
//
// A record that does not decode is quarantined: it is listed in bad and
// absent from the other tables. No earlier version of it stays readable —
// a reader would act on facts the database no longer holds — and nothing
// else is held back for it: the records written with it are applied.
type cache struct {
	rev       int64
	cluster   *Cluster
	security  *Security
	nodes     table[*Node]
	groups    table[*Group]
	resources table[*Resource]
	status    table[*Status]
	ops       table[*Operation]
	tokens    table[*Token]
	alive     table[*Alive]
	claims    table[*Claim]
	// members indexes the resources by group, in the order they were
	// created (a group's resources); groupOps the operations by group,
	// in the order they were created (a group's history).
	members  sorted[member]
	groupOps sorted[groupOp]
	owners   sorted[owned] // the groups by owner node
	// stamps is the revision of each group's membership stamp
	// (membershipKey).
	stamps table[int64]
	bad    map[string]*BadRecord // by key; small, copied when it changes
	// dirRev is, for each directory, the revision of the latest change
	// under it the cache applied — a record, quarantined or not, or the
	// directory's guard key — or, after a load, of the latest key loaded.
	// Every change of the directory the cache has not applied is later
	// (see Txn.expectDir).
	dirRev map[string]int64 // a dozen directories
}

// member is a resource in the members index.
type member struct {
	group string
	crev  int64 // the resource record's create revision
	name  string
}

func memberLess(a, b member) bool {
	if a.group != b.group {
		return a.group < b.group
	}
	if a.crev != b.crev {
		return a.crev < b.crev
	}
	return a.name < b.name
}

// owned is a group in the owners index.
type owned struct{ node, group string }

func ownedLess(a, b owned) bool {
	if a.node != b.node {
		return a.node < b.node
	}
	return a.group < b.group
}

// groupOp is an operation in the groupOps index.
type groupOp struct {
	group   string
	created int64 // Operation.Created, Unix nanoseconds
	id      string
}

func groupOpLess(a, b groupOp) bool {
	if a.group != b.group {
		return a.group < b.group
	}
	if a.created != b.created {
		return a.created < b.created
	}
	return a.id < b.id
}

// BadRecord is a record the store cannot decode. It stays in the
// database, reads as absent, and leaves quarantine when it is rewritten
// (or deleted).
type BadRecord struct {
	Key string `json:"key"`
	Rev int64  `json:"rev"` // the etcd mod revision of the bad value
	Err string `json:"error"`
	// Schema is the record's schema version when it is newer than this
	// agent's (SchemaVersion): the record is sound, but this agent cannot
	// tell what it means, and never overwrites or deletes it.
	Schema int `json:"schema,omitempty"`
	// member is, for a resource, its place among its group's resources,
	// which it keeps while quarantined (see keepMember).
	member member
}

// ErrNewerSchema means a decision would overwrite or delete a record
// written with a newer schema version than this agent's (see
// SchemaVersion): Commit refuses it and writes nothing.
var ErrNewerSchema = errors.New("store: record of a newer schema version")

// newerError is the decode error of a record of a newer schema version.
type newerError struct{ v int }

func (e *newerError) Error() string {
	return fmt.Sprintf("schema version %d is newer than this agent's %d: upgrade the agent", e.v, SchemaVersion)
}

func newCache() *cache {
	return &cache{
		nodes:     newTable[*Node](),
		groups:    newTable[*Group](),
		resources: newTable[*Resource](),
		status:    newTable[*Status](),
		ops:       newTable[*Operation](),
		tokens:    newTable[*Token](),
		alive:     newTable[*Alive](),
		claims:    newTable[*Claim](),
		members:   newSorted(memberLess),
		groupOps:  newSorted(groupOpLess),
		owners:    newSorted(ownedLess),
		stamps:    newTable[int64](),
		bad:       map[string]*BadRecord{},
		dirRev:    map[string]int64{},
	}
}

// change is one key's new value, or its deletion, at a mod revision.
type change struct {
	key     string
	value   []byte
	rev     int64
	crev    int64 // the key's create revision (0: unknown, taken as rev)
	deleted bool
}

// apply returns a new cache with the changes applied, key by key: a
// record that does not decode is quarantined (see cache) and the others
// are applied. Each table is cloned once per batch, not per change, and
// a clone is O(1).
func (c *cache) apply(rev int64, changes []change) *cache {
	n := *c
	n.rev = rev
	own := map[string]bool{} // what n has cloned for itself
	noteDir := func(dir string, rev int64) {
		if rev <= n.dirRev[dir] {
			return
		}
		if !own[dirRevs] {
			own[dirRevs] = true
			n.dirRev = cloneMap(n.dirRev)
		}
		n.dirRev[dir] = rev
	}
	for _, ch := range changes {
		dir, name := kindOf(ch.key)
		if dir == "" {
			if d, ok := guardOf(ch.key); ok {
				noteDir(d, ch.rev)
			}
			continue // not a record
		}
		noteDir(dir, ch.rev)
		if !own[dir] {
			own[dir] = true
			n.cloneDir(dir)
		}
		err := n.set(dir, name, ch)
		if err == nil && n.bad[ch.key] == nil {
			continue
		}
		if !own[dirBad] {
			own[dirBad] = true
			n.bad = cloneMap(n.bad)
		}
		if err != nil {
			// set left the previous version: drop it.
			prev := n.resources.get(name)
			_ = n.set(dir, name, change{key: ch.key, rev: ch.rev, deleted: true})
			b := &BadRecord{Key: ch.key, Rev: ch.rev, Err: err.Error()}
			var ne *newerError
			if errors.As(err, &ne) {
				b.Schema = ne.v
			}
			if dir == dirResources {
				n.keepMember(b, name, ch, prev)
			}
			n.bad[ch.key] = b
		} else {
			delete(n.bad, ch.key)
		}
	}
	return &n
}

// dirBad and dirRevs name the quarantine map and dirRev in apply's set
// of cloned maps.
const (
	dirBad  = "bad"
	dirRevs = "dirRev"
)

// cloneDir gives c its own copy of the table of dir, and of the indexes
// kept with it (O(1): see sorted).
func (c *cache) cloneDir(dir string) {
	switch dir {
	case dirNodes:
		c.nodes = c.nodes.clone()
	case dirGroups:
		c.groups = c.groups.clone()
		c.owners = c.owners.clone()
	case dirResources:
		c.resources = c.resources.clone()
		c.members = c.members.clone()
	case dirStatus:
		c.status = c.status.clone()
	case dirOps:
		c.ops = c.ops.clone()
		c.groupOps = c.groupOps.clone()
	case dirTokens:
		c.tokens = c.tokens.clone()
	case dirAlive:
		c.alive = c.alive.clone()
	case dirClaims:
		c.claims = c.claims.clone()
	case dirMembership:
		c.stamps = c.stamps.clone()
	}
}

// get returns the record at key, or nil.
func (c *cache) get(key string) any {
	dir, name := kindOf(key)
	switch dir {
	case keyCluster:
		if c.cluster != nil {
			return c.cluster
		}
	case keySecurity:
		if c.security != nil {
			return c.security
		}
	case dirNodes:
		return lookup(c.nodes, name)
	case dirGroups:
		return lookup(c.groups, name)
	case dirResources:
		return lookup(c.resources, name)
	case dirStatus:
		return lookup(c.status, name)
	case dirOps:
		return lookup(c.ops, name)
	case dirTokens:
		return lookup(c.tokens, name)
	case dirAlive:
		return lookup(c.alive, name)
	case dirClaims:
		return lookup(c.claims, name)
	}
	return nil
}

// revAt is the revision of the record at key, 0 if it is absent.
func (c *cache) revAt(key string) int64 {
	if r, ok := c.get(key).(interface{ revision() int64 }); ok {
		return r.revision()
	}
	return 0
}

// lookup is t's record name as an interface that is nil when the record
// is absent.
func lookup[T any](t table[*T], name string) any {
	if p := t.get(name); p != nil {
		return p
	}
	return nil
}

// set applies ch to the cloned table of dir (and its indexes). A record
// that does not decode leaves everything as it was and returns the error.
func (c *cache) set(dir, name string, ch change) error {
	switch dir {
	case keyCluster:
		return setOne(&c.cluster, ch)
	case keySecurity:
		return setOne(&c.security, ch)
	case dirNodes:
		_, _, err := setIn(c.nodes, name, ch)
		return err
	case dirGroups:
		old, cur, err := setIn(c.groups, name, ch)
		if err == nil && old != cur && (old == nil || cur == nil || old.OwnerNode != cur.OwnerNode) {
			if old != nil {
				c.owners.remove(owned{old.OwnerNode, name})
			}
			if cur != nil {
				c.owners.put(owned{cur.OwnerNode, name})
			}
		}
		return err
	case dirResources:
		old, cur, err := setIn(c.resources, name, ch)
		if b := c.bad[ch.key]; err == nil && b != nil && b.member.group != "" {
			c.members.remove(b.member) // out of quarantine
		}
		if err == nil && old != cur {
			if old != nil {
				c.members.remove(member{old.Group, old.crev, name})
			}
			if cur != nil {
				c.members.put(member{cur.Group, cur.crev, name})
			}
		}
		return err
	case dirStatus:
		_, _, err := setIn(c.status, name, ch)
		return err
	case dirOps:
		old, cur, err := setIn(c.ops, name, ch)
		if err == nil && old != cur {
			if old != nil && old.Group != "" {
				c.groupOps.remove(groupOp{old.Group, old.Created.UnixNano(), name})
			}
			if cur != nil && cur.Group != "" {
				c.groupOps.put(groupOp{cur.Group, cur.Created.UnixNano(), name})
			}
		}
		return err
	case dirTokens:
		_, _, err := setIn(c.tokens, name, ch)
		return err
	case dirAlive:
		_, _, err := setIn(c.alive, name, ch)
		return err
	case dirClaims:
		_, _, err := setIn(c.claims, name, ch)
		return err
	case dirMembership:
		// A stamp's value means nothing: only its revision is kept.
		if ch.deleted {
			c.stamps.del(name)
		} else {
			c.stamps.set(name, ch.rev)
		}
	}
	return nil
}

// keepMember keeps a quarantined resource among its group's resources: it
// reads as absent (View.Resource), but it is not known to be gone, and
// its status still counts in its group's state — a running resource
// whose record turns unreadable does not make its group read Offline, nor
// an empty group deletable. Its group is the one its value names, if that
// much of it decodes, else the one its last good version named (or, if it
// was quarantined already, the one it kept then).
func (c *cache) keepMember(b *BadRecord, name string, ch change, prev *Resource) {
	var named struct {
		Group string `json:"group"`
	}
	group := ""
	switch {
	case json.Unmarshal(ch.value, &named) == nil && named.Group != "":
		group = named.Group
	case prev != nil:
		group = prev.Group
	case c.bad[ch.key] != nil:
		group = c.bad[ch.key].member.group
	}
	if old := c.bad[ch.key]; old != nil && old.member.group != "" {
		c.members.remove(old.member)
	}
	if group == "" {
		return
	}
	crev := ch.crev
	if crev == 0 {
		crev = ch.rev
	}
	b.member = member{group: group, crev: crev, name: name}
	c.members.put(b.member)
}

// recordPtr is a pointer to a record type.
type recordPtr[T any] interface {
	*T
	setRev(int64)
	setCreateRev(int64)
	version() int
}

func decode[T any, P recordPtr[T]](ch change) (P, error) {
	p := P(new(T))
	if f, ok := any(p).(interface{ fastUnmarshal([]byte) bool }); !ok || !f.fastUnmarshal(ch.value) {
		p = P(new(T)) // what a fast decoder gave up on is decoded afresh
		if err := json.Unmarshal(ch.value, p); err != nil {
			return nil, err
		}
	}
	if v := p.version(); v > SchemaVersion {
		return nil, &newerError{v: v}
	}
	if in, ok := any(p).(interface{ intern() }); ok {
		in.intern() // see intern.go
	}
	p.setRev(ch.rev)
	crev := ch.crev
	if crev == 0 {
		crev = ch.rev
	}
	p.setCreateRev(crev)
	return p, nil
}

func setOne[T any, P recordPtr[T]](dst *P, ch change) error {
	if ch.deleted {
		*dst = nil
		return nil
	}
	p, err := decode[T, P](ch)
	if err != nil {
		return err
	}
	*dst = p
	return nil
}

// setIn applies ch to t and returns the record before and after.
func setIn[T any, P recordPtr[T]](t table[P], name string, ch change) (old, cur P, err error) {
	old = t.get(name)
	if ch.deleted {
		if old != nil {
			t.del(name)
		}
		return old, nil, nil
	}
	p, err := decode[T, P](ch)
	if err != nil {
		return old, old, err
	}
	t.set(name, p)
	return old, p, nil
}

// minRev sorts before every create revision (see member).
const minRev = math.MinInt64

func cloneMap[K comparable, V any](m map[K]V) map[K]V {
	n := make(map[K]V, len(m)+1)
	for k, v := range m {
		n[k] = v
	}
	return n
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
