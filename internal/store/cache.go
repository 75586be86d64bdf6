package store

import (
	"encoding/json"
	"fmt"
	"sort"
)

// cache holds the decoded records at one revision. A cache is never
// mutated once published: apply builds the next one, copying only the maps
// it touches (copy on write), so a View needs no lock.
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
	}
}

// change is one key's new value (nil value = deleted) at a mod revision.
type change struct {
	key   string
	value []byte
	rev   int64
}

// apply returns a new cache with the changes applied. Maps are copied once
// per batch, not per change.
func (c *cache) apply(rev int64, changes []change) (*cache, error) {
	n := *c
	n.rev = rev
	copied := map[string]bool{}
	for _, ch := range changes {
		dir, name := kindOf(ch.key)
		if dir == "" {
			continue // not ours
		}
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
		if err := n.set(dir, name, ch); err != nil {
			return nil, fmt.Errorf("store: decode %s: %w", ch.key, err)
		}
	}
	return &n, nil
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
	if ch.value == nil {
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
	if ch.value == nil {
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
