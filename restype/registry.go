package restype

import (
	"fmt"
	"sort"
	"sync"
)

// Registry holds the resource types a node knows, by name.
type Registry struct {
	mu    sync.RWMutex // guards types
	types map[string]*Type
}

// NewRegistry returns a registry holding the given types.
func NewRegistry(types ...*Type) *Registry {
	r := &Registry{types: map[string]*Type{}}
	for _, t := range types {
		r.MustRegister(t)
	}
	return r
}

// Register adds t; a second type with the same name is an error.
func (r *Registry) Register(t *Type) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.types[t.Name]; ok {
		return fmt.Errorf("restype: type %q registered twice", t.Name)
	}
	r.types[t.Name] = t
	return nil
}

// MustRegister is Register for built-in types, where a clash is a bug.
func (r *Registry) MustRegister(t *Type) {
	if err := r.Register(t); err != nil {
		panic(err)
	}
}

// Lookup returns the type named name.
func (r *Registry) Lookup(name string) (*Type, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	t, ok := r.types[name]
	return t, ok
}

// Types returns every type, by name.
func (r *Registry) Types() []*Type {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]*Type, 0, len(r.types))
	for _, t := range r.types {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
