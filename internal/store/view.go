package store

import "github.com/batoncluster/baton/clusapi"

// View is a read-only, consistent picture of the whole database at one
// revision. Records it returns are shared: never modify them; Clone first.
//
// The view a decision gets (Decide, Update) records what the decision
// reads in the attempt's Txn, and the commit compares exactly that:
//
//   - a record (Cluster, Group, Status, Claim, …, and the ones
//     GroupResources, Dependents, NodeState, ResourceState, GroupState and
//     IsQuarantined look at) must still be at the revision the view had
//     it at; one read as absent must still be absent (a quarantined one,
//     still at its undecodable version);
//   - a listing (Groups, Nodes, Resources, Operations, Tokens) must still
//     be whole: no record of its kind created, changed or deleted since.
//     That is one comparison over the kind's keys and its guard key, which
//     every deletion writes (Txn.Delete), however long the list. Claims,
//     which also vanish with a lease, compare each claim listed too, and
//     Quarantined lists, so compares, every kind.
//
// Use such a view only within the decision, from its goroutine. Rev is
// not a read of anything. Unrecorded gives the same picture without the
// recording, for reads that are only advice to the decision.
type View struct {
	c *cache
	t *Txn // records the reads of a decision; nil: none
}

// Rev is the database revision the view reflects.
func (v View) Rev() int64 { return v.c.rev }

// Unrecorded returns the same view without recording reads: a decision
// does not conflict with changes of what it reads through it. It is for
// advice a decision could as well have taken a moment earlier; say why
// where it is used.
func (v View) Unrecorded() View { return View{c: v.c} }

func (v View) Cluster() *Cluster   { return read(v, keyCluster, "", v.c.cluster) }
func (v View) Security() *Security { return read(v, keySecurity, "", v.c.security) }

func (v View) Node(name string) *Node   { return read(v, dirNodes, name, v.c.nodes[name]) }
func (v View) Group(name string) *Group { return read(v, dirGroups, name, v.c.groups[name]) }
func (v View) Resource(name string) *Resource {
	return read(v, dirResources, name, v.c.resources[name])
}
func (v View) Status(resource string) *Status {
	return read(v, dirStatus, resource, v.c.status[resource])
}
func (v View) Operation(id string) *Operation { return read(v, dirOps, id, v.c.ops[id]) }
func (v View) Token(name string) *Token       { return read(v, dirTokens, name, v.c.tokens[name]) }

// Nodes returns every node, by name.
func (v View) Nodes() []*Node { v.list(dirNodes); return values(v.c.nodes) }

// Groups returns every group, by name.
func (v View) Groups() []*Group { v.list(dirGroups); return values(v.c.groups) }

// Resources returns every resource, by name.
func (v View) Resources() []*Resource { v.list(dirResources); return values(v.c.resources) }

// Tokens returns every token record, by name.
func (v View) Tokens() []*Token { v.list(dirTokens); return values(v.c.tokens) }

// Operations returns every operation record, by id.
func (v View) Operations() []*Operation { v.list(dirOps); return values(v.c.ops) }

// read returns p, the record at dir+name, recording in a decision that it
// was read at its revision (0: absent).
func read[P interface {
	comparable
	revision() int64
}](v View, dir, name string, p P) P {
	if v.t != nil {
		var rev int64
		var absent P
		if p != absent {
			rev = p.revision()
		}
		v.t.expect(dir+name, rev)
	}
	return p
}

// list records in a decision that it listed dir. Directories without a
// guard (leased records) also compare each record listed: a record gone
// with its lease wrote no guard.
func (v View) list(dir string) {
	if v.t == nil {
		return
	}
	v.t.expectDir(dir, v.c.dirRev[dir])
	switch dir {
	case dirClaims:
		listEach(v.t, dir, v.c.claims)
	case dirAlive:
		listEach(v.t, dir, v.c.alive)
	}
}

func listEach[P interface{ revision() int64 }](t *Txn, dir string, m map[string]P) {
	for name, p := range m {
		t.expect(dir+name, p.revision())
	}
}

// GroupResources returns the resources of g in the group's order.
func (v View) GroupResources(g *Group) []*Resource {
	out := make([]*Resource, 0, len(g.Resources))
	for _, name := range g.Resources {
		if r := v.Resource(name); r != nil {
			out = append(out, r)
		}
	}
	return out
}

// Dependents returns the resources of r's group that depend on r directly.
func (v View) Dependents(r *Resource) []*Resource {
	g := v.Group(r.Group)
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
func (v View) Alive(node string) *Alive { return read(v, dirAlive, node, v.c.alive[node]) }

// Claim is the claim on a group: which node, under which lease, may run it.
func (v View) Claim(group string) *Claim { return read(v, dirClaims, group, v.c.claims[group]) }

// NodeState is a node's state as the cluster sees it: Down unless its
// lease is alive, else Paused or Up as recorded.
func (v View) NodeState(name string) clusapi.ClusterNodeState {
	n := v.Node(name)
	if n == nil || v.Alive(name) == nil {
		return clusapi.ClusterNodeDown
	}
	if clusapi.ClusterNodeState(n.State) == clusapi.ClusterNodePaused {
		return clusapi.ClusterNodePaused
	}
	return clusapi.ClusterNodeUp
}

// Claims returns every claim, by group.
func (v View) Claims() []*Claim { v.list(dirClaims); return values(v.c.claims) }

// Quarantined returns the records the store could not decode, by key.
// Each reads as absent from every other method until it is rewritten with
// a value that decodes, or deleted; it stays in the database meanwhile.
func (v View) Quarantined() []*BadRecord {
	if v.t != nil {
		v.Cluster()
		v.Security()
		for _, dir := range []string{dirNodes, dirGroups, dirResources, dirStatus, dirOps, dirTokens, dirAlive, dirClaims} {
			v.list(dir)
		}
	}
	return values(v.c.bad)
}

// IsQuarantined reports whether the record at key could not be decoded:
// it reads as absent, but it is not known to be gone.
func (v View) IsQuarantined(key string) bool {
	if v.t != nil {
		v.t.expect(key, v.c.revAt(key))
	}
	return v.c.bad[key] != nil
}
