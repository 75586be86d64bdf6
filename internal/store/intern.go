package store

import (
	"sync"

	"github.com/batoncluster/baton/proplist"
)

// The cache holds a status record for every resource, and most of what
// those records hold is the same from one to the next: the status
// properties their types report (a dummy's Onlines 0, SavedState 0, a
// cgroup's Processes 0 …) and the names of nodes. Decoded, each such
// property costs about 170 bytes (its name, a one-element []Value of 112
// bytes) in every record; at 50,000 resources the statuses took 1.4 KB
// each, most of the agent's heap. The cache therefore shares equal
// property values and short strings between the records it decodes.
//
// Sharing is sound because records in the cache are never modified: a
// view is a snapshot that other views share, so whoever changes a record
// clones it first (Status.Clone copies Props deeply).

// internMax bounds each table; a full table starts again empty (what is
// shared stays shared; values seen often are soon back).
const internMax = 4096

// internStrMax is the longest property string value shared: longer ones
// (paths, messages) are seldom the same in two records.
const internStrMax = 32

// propKey is a property with one scalar value.
type propKey struct {
	name   string
	syntax proplist.Syntax
	u      uint64
	i      int64
	s      string
}

var interned struct {
	mu    sync.Mutex // guards props and strs
	props map[propKey]proplist.Property
	strs  map[string]string
}

// internStrLocked returns a string equal to s that other records may
// share. Callers hold interned.mu.
func internStrLocked(s string) string {
	if s == "" {
		return ""
	}
	if t, ok := interned.strs[s]; ok {
		return t
	}
	if interned.strs == nil || len(interned.strs) >= internMax {
		interned.strs = make(map[string]string)
	}
	interned.strs[s] = s
	return s
}

// internProps replaces, in l (a newly decoded list nobody else holds yet),
// each property with one short scalar value by an equal one that other
// records share, and the names of the others by shared strings.
func internProps(l proplist.List) {
	if len(l) == 0 {
		return
	}
	interned.mu.Lock()
	defer interned.mu.Unlock()
	for i, p := range l {
		k, ok := keyOf(p)
		if !ok {
			l[i].Name = internStrLocked(p.Name)
			continue
		}
		if q, ok := interned.props[k]; ok {
			l[i] = q
			continue
		}
		if interned.props == nil || len(interned.props) >= internMax {
			interned.props = make(map[propKey]proplist.Property)
		}
		p.Name = internStrLocked(p.Name)
		k.name = p.Name
		interned.props[k] = p
		l[i] = p
	}
}

// keyOf is p's key when p has one scalar value (a number or a short
// string).
func keyOf(p proplist.Property) (propKey, bool) {
	if len(p.Values) != 1 {
		return propKey{}, false
	}
	v := p.Values[0]
	if v.Strs != nil || v.Bytes != nil || v.List != nil || len(v.Str) > internStrMax {
		return propKey{}, false
	}
	return propKey{name: p.Name, syntax: v.Syntax, u: v.Uint, i: v.Int, s: v.Str}, true
}

// Whole property lists are shared too, by their JSON: the resources of
// one type in one state report the same properties (the 200 dummies of a
// group going offline together all report Offlines 1 …), and decoding the
// list was most of what decoding a status cost (5 µs of the 6 for one with
// ten properties, where a lookup hashes its bytes). The same bytes decode
// to the same list, so a list found by its JSON is exactly what decoding
// would give. A list is interned (internProps) once, as it enters the
// table, and never changed after.
const (
	sharedListsMax = 1024 // lists kept; a full table starts again empty
	sharedListMax  = 1024 // bytes of JSON; longer lists are decoded each time
)

var sharedLists struct {
	mu sync.Mutex
	m  map[string]proplist.List
}

// decodeProps decodes raw, the JSON of a status's properties, sharing the
// list with the other statuses whose properties are the same JSON;
// shared says whether it did (the list is interned then, and shared).
func decodeProps(raw []byte) (l proplist.List, shared bool, err error) {
	if len(raw) > sharedListMax {
		err = l.UnmarshalJSON(raw)
		return l, false, err
	}
	sharedLists.mu.Lock()
	l, ok := sharedLists.m[string(raw)]
	sharedLists.mu.Unlock()
	if ok {
		return l, true, nil
	}
	if err := l.UnmarshalJSON(raw); err != nil {
		return nil, false, err
	}
	internProps(l)
	sharedLists.mu.Lock()
	defer sharedLists.mu.Unlock()
	if sharedLists.m == nil || len(sharedLists.m) >= sharedListsMax {
		sharedLists.m = make(map[string]proplist.List)
	}
	sharedLists.m[string(raw)] = l
	return l, true, nil
}

// intern makes a newly decoded status share what it has in common with
// others.
func (s *Status) intern() {
	if !s.propsShared { // a shared list is interned already
		internProps(s.Props)
	}
	interned.mu.Lock()
	s.Node = internStrLocked(s.Node)
	interned.mu.Unlock()
}

// intern makes a newly decoded resource share its type's name.
func (r *Resource) intern() {
	interned.mu.Lock()
	r.Type = internStrLocked(r.Type)
	interned.mu.Unlock()
}
