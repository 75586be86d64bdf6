package store

import "github.com/batoncluster/baton/clusapi"

// View is a read-only, consistent picture of the whole database at one
// revision. Records it returns are shared: never modify them; Clone first.
type View struct{ c *cache }

// Rev is the database revision the view reflects.
func (v View) Rev() int64 { return v.c.rev }

func (v View) Cluster() *Cluster   { return v.c.cluster }
func (v View) Security() *Security { return v.c.security }

func (v View) Node(name string) *Node         { return v.c.nodes[name] }
func (v View) Group(name string) *Group       { return v.c.groups[name] }
func (v View) Resource(name string) *Resource { return v.c.resources[name] }
func (v View) Status(resource string) *Status { return v.c.status[resource] }
func (v View) Operation(id string) *Operation { return v.c.ops[id] }
func (v View) Token(name string) *Token       { return v.c.tokens[name] }

// Nodes returns every node, by name.
func (v View) Nodes() []*Node { return values(v.c.nodes) }

// Groups returns every group, by name.
func (v View) Groups() []*Group { return values(v.c.groups) }

// Resources returns every resource, by name.
func (v View) Resources() []*Resource { return values(v.c.resources) }

// Tokens returns every token record, by name.
func (v View) Tokens() []*Token { return values(v.c.tokens) }

// Operations returns every operation record, by id.
func (v View) Operations() []*Operation { return values(v.c.ops) }

// GroupResources returns the resources of g in the group's order.
func (v View) GroupResources(g *Group) []*Resource {
	out := make([]*Resource, 0, len(g.Resources))
	for _, name := range g.Resources {
		if r := v.c.resources[name]; r != nil {
			out = append(out, r)
		}
	}
	return out
}

// Dependents returns the resources of r's group that depend on r directly.
func (v View) Dependents(r *Resource) []*Resource {
	g := v.c.groups[r.Group]
	if g == nil {
		return nil
	}
	var out []*Resource
	for _, o := range v.GroupResources(g) {
		for _, d := range o.DependsOn {
			if d == r.Name {
				out = append(out, o)
				break
			}
		}
	}
	return out
}

func values[V any](m map[string]V) []V {
	out := make([]V, 0, len(m))
	for _, k := range sortedKeys(m) {
		out = append(out, m[k])
	}
	return out
}

// Alive is a node's liveness record, present while its lease lives.
func (v View) Alive(node string) *Alive { return v.c.alive[node] }

// Claim is the claim on a group: which node, under which lease, may run it.
func (v View) Claim(group string) *Claim { return v.c.claims[group] }

// NodeState is a node's state as the cluster sees it: Down unless its
// lease is alive, else Paused or Up as recorded.
func (v View) NodeState(name string) clusapi.ClusterNodeState {
	n := v.c.nodes[name]
	if n == nil || v.c.alive[name] == nil {
		return clusapi.ClusterNodeDown
	}
	if clusapi.ClusterNodeState(n.State) == clusapi.ClusterNodePaused {
		return clusapi.ClusterNodePaused
	}
	return clusapi.ClusterNodeUp
}

// Claims returns every claim, by group.
func (v View) Claims() []*Claim { return values(v.c.claims) }

// Quarantined returns the records the store could not decode, by key.
// Each reads as absent from every other method until it is rewritten with
// a value that decodes, or deleted; it stays in the database meanwhile.
func (v View) Quarantined() []*BadRecord { return values(v.c.bad) }

// IsQuarantined reports whether the record at key could not be decoded:
// it reads as absent, but it is not known to be gone.
func (v View) IsQuarantined(key string) bool { return v.c.bad[key] != nil }
