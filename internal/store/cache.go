package store

import (
	"encoding/json"
	"sort"
)

// cache holds the decoded records at one revision. A cache is never
// mutated once published: apply builds the next one, copying only the maps
// it touches (copy on write), so a View needs no lock.
//
// A record that does not decode is quarantined: it is listed in bad and
// absent from the other maps. No earlier version of it stays readable —
// a reader would act on facts the database no longer holds — and nothing
// else is held back for it: the records written with it are applied.
type cache struct {
	rev       int64
	cluster   *Cluster
	security  *Security
	nodes     map[string]*Node
	groups    map[string]*Group
	resources map[string]*Resource
	status    map[string]*Status
	ops       map[string]*Operation
	tokens    map[string]*Token
	alive     map[string]*Alive
	claims    map[string]*Claim
	bad       map[string]*BadRecord // by key
	// dirRev is, for each directory, the revision of the latest change
	// under it the cache applied — a record, quarantined or not, or the
	// directory's guard key — or, after a load, of the latest key loaded.
	// Every change of the directory the cache has not applied is later
	// (see Txn.expectDir).
	dirRev map[string]int64
}

// BadRecord is a record the store cannot decode. It stays in the
// database, reads as absent, and leaves quarantine when it is rewritten
// (or deleted).
type BadRecord struct {
	Key string `json:"key"`
	Rev int64  `json:"rev"` // the etcd mod revision of the bad value
	Err string `json:"error"`
}

func newCache() *cache {
	return &cache{
		nodes:     map[string]*Node{},
		groups:    map[string]*Group{},
		resources: map[string]*Resource{},
		status:    map[string]*Status{},
		ops:       map[string]*Operation{},
		tokens:    map[string]*Token{},
		alive:     map[string]*Alive{},
		claims:    map[string]*Claim{},
		bad:       map[string]*BadRecord{},
		dirRev:    map[string]int64{},
	}
}

// change is one key's new value, or its deletion, at a mod revision.
type change struct {
	key     string
	value   []byte
	rev     int64
	deleted bool
}

// apply returns a new cache with the changes applied, key by key: a
// record that does not decode is quarantined (see cache) and the others
// are applied. Maps are copied once per batch, not per change.
func (c *cache) apply(rev int64, changes []change) *cache {
	n := *c
	n.rev = rev
	copied := map[string]bool{}
	noteDir := func(dir string, rev int64) {
		if rev <= n.dirRev[dir] {
			return
		}
		if !copied[dirRevs] {
			copied[dirRevs] = true
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
		if !copied[dir] {
			copied[dir] = true
			switch dir {
			case dirNodes:
				n.nodes = cloneMap(n.nodes)
			case dirGroups:
				n.groups = cloneMap(n.groups)
			case dirResources:
				n.resources = cloneMap(n.resources)
			case dirStatus:
				n.status = cloneMap(n.status)
			case dirOps:
				n.ops = cloneMap(n.ops)
			case dirTokens:
				n.tokens = cloneMap(n.tokens)
			case dirAlive:
				n.alive = cloneMap(n.alive)
			case dirClaims:
				n.claims = cloneMap(n.claims)
			}
		}
		err := n.set(dir, name, ch)
		if err == nil && n.bad[ch.key] == nil {
			continue
		}
		if !copied[dirBad] {
			copied[dirBad] = true
			n.bad = cloneMap(n.bad)
		}
		if err != nil {
			// set left the previous version: drop it.
			_ = n.set(dir, name, change{key: ch.key, rev: ch.rev, deleted: true})
			n.bad[ch.key] = &BadRecord{Key: ch.key, Rev: ch.rev, Err: err.Error()}
		} else {
			delete(n.bad, ch.key)
		}
	}
	return &n
}

// dirBad and dirRevs name the quarantine map and dirRev in apply's set
// of copied maps.
const (
	dirBad  = "bad"
	dirRevs = "dirRev"
)

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

// lookup is m[name] as an interface that is nil when the record is absent.
func lookup[T any](m map[string]*T, name string) any {
	if p := m[name]; p != nil {
		return p
	}
	return nil
}

func (c *cache) set(dir, name string, ch change) error {
	switch dir {
	case keyCluster:
		return setOne(&c.cluster, ch)
	case keySecurity:
		return setOne(&c.security, ch)
	case dirNodes:
		return setIn(c.nodes, name, ch)
	case dirGroups:
		return setIn(c.groups, name, ch)
	case dirResources:
		return setIn(c.resources, name, ch)
	case dirStatus:
		return setIn(c.status, name, ch)
	case dirOps:
		return setIn(c.ops, name, ch)
	case dirTokens:
		return setIn(c.tokens, name, ch)
	case dirAlive:
		return setIn(c.alive, name, ch)
	case dirClaims:
		return setIn(c.claims, name, ch)
	}
	return nil
}

type record interface{ setRev(int64) }

func decode[T any, P interface {
	*T
	record
}](ch change) (P, error) {
	p := P(new(T))
	if err := json.Unmarshal(ch.value, p); err != nil {
		return nil, err
	}
	p.setRev(ch.rev)
	return p, nil
}

func setOne[T any, P interface {
	*T
	record
}](dst *P, ch change) error {
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

func setIn[T any, P interface {
	*T
	record
}](m map[string]P, name string, ch change) error {
	if ch.deleted {
		delete(m, name)
		return nil
	}
	p, err := decode[T, P](ch)
	if err != nil {
		return err
	}
	m[name] = p
	return nil
}

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
