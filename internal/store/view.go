package store

import (
	"math"

	"github.com/batoncluster/baton/clusapi/wsfc"
)

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
//   - a group's resources (GroupResourceNames, and GroupResources,
//     GroupState, Dependents that use it) must still be the same: no
//     resource added to the group or deleted from it since — one
//     comparison, of the group's membership stamp;
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

func (v View) Node(name string) *Node   { return read(v, dirNodes, name, v.c.nodes.get(name)) }
func (v View) Group(name string) *Group { return read(v, dirGroups, name, v.c.groups.get(name)) }
func (v View) Resource(name string) *Resource {
	return read(v, dirResources, name, v.c.resources.get(name))
}
func (v View) Status(resource string) *Status {
	return read(v, dirStatus, resource, v.c.status.get(resource))
}
func (v View) Operation(id string) *Operation { return read(v, dirOps, id, v.c.ops.get(id)) }
func (v View) Token(name string) *Token       { return read(v, dirTokens, name, v.c.tokens.get(name)) }

// Nodes returns every node, by name.
func (v View) Nodes() []*Node { v.list(dirNodes); return v.c.nodes.values() }

// Groups returns every group, by name.
func (v View) Groups() []*Group { v.list(dirGroups); return v.c.groups.values() }

// Resources returns every resource, by name.
func (v View) Resources() []*Resource { v.list(dirResources); return v.c.resources.values() }

// Tokens returns every token record, by name.
func (v View) Tokens() []*Token { v.list(dirTokens); return v.c.tokens.values() }

// Operations returns every operation record, by id.
func (v View) Operations() []*Operation { v.list(dirOps); return v.c.ops.values() }

// NodesAfter, GroupsAfter and ResourcesAfter are pages of Nodes, Groups
// and Resources: at most limit records (limit <= 0: no limit) whose names
// sort after the name after ("": from the first), by name, found in
// O(log n + limit). In a decision a page is recorded as the whole
// listing.
func (v View) NodesAfter(after string, limit int) []*Node {
	v.list(dirNodes)
	return page(v.c.nodes, after, limit)
}

func (v View) GroupsAfter(after string, limit int) []*Group {
	v.list(dirGroups)
	return page(v.c.groups, after, limit)
}

func (v View) ResourcesAfter(after string, limit int) []*Resource {
	v.list(dirResources)
	return page(v.c.resources, after, limit)
}

// GroupsOwnedBy returns the names of the groups whose owner is node, by
// name, from an index: O(log n) plus their number. In a decision it is
// recorded as the listing of every group.
func (v View) GroupsOwnedBy(node string) []string {
	v.list(dirGroups)
	var out []string
	v.c.owners.from(owned{node: node}, func(o owned) bool {
		if o.node != node {
			return false
		}
		out = append(out, o.group)
		return true
	})
	return out
}

// NumGroups and NumResources count the groups and resources, in O(1)
// (not recorded: a count is advice).
func (v View) NumGroups() int    { return v.c.groups.len() }
func (v View) NumResources() int { return v.c.resources.len() }

func page[V any](t table[V], after string, limit int) []V {
	var out []V
	t.after(after, func(_ string, r V) bool {
		out = append(out, r)
		return limit <= 0 || len(out) < limit
	})
	return out
}

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

func listEach[P interface{ revision() int64 }](t *Txn, dir string, m table[P]) {
	m.after("", func(name string, p P) bool {
		t.expect(dir+name, p.revision())
		return true
	})
}

// GroupResourceNames returns the names of g's resources — the resources
// whose record names g — in the order they were created, from an index
// (O(log n) plus the group's size). In a decision it records the group's
// membership stamp (membershipKey): a resource added to the group or
// deleted from it since makes the decision conflict; a change of one of
// the resources does not, unless the decision read that resource too.
func (v View) GroupResourceNames(g *Group) []string {
	var out []string
	v.eachMember(g.Name, minRev, "", func(m member) bool {
		out = append(out, m.name)
		return true
	})
	return out
}

// eachMember calls fn for the resources of group after the one at
// (crev, name) in the group's order, recording the group's membership.
func (v View) eachMember(group string, crev int64, name string, fn func(member) bool) {
	if v.t != nil {
		v.t.expect(membershipKey(group), v.c.stamps.get(group))
	}
	v.c.members.from(member{group: group, crev: crev, name: name}, func(m member) bool {
		if m.group != group {
			return false
		}
		if m.crev == crev && m.name == name {
			return true // the one the page ended with
		}
		return fn(m)
	})
}

// GroupResources returns the resources of g in the group's order (see
// GroupResourceNames), each read as Resource reads it.
func (v View) GroupResources(g *Group) []*Resource {
	return v.GroupResourcesAfter(g, Cursor{}, 0)
}

// Cursor is where a page of a group's resources or operations ended
// (GroupResourcesAfter, GroupOperations): the last one's place in the
// order, which stays valid if it is deleted. The zero Cursor is the
// start.
type Cursor struct {
	Seq  int64  // a resource's CreateRev; an operation's Created, in Unix nanoseconds
	Name string // its name, or id
}

// Cursor is the place of r in its group's order.
func (r *Resource) Cursor() Cursor { return Cursor{Seq: r.crev, Name: r.Name} }

// Cursor is the place of o in its group's history.
func (o *Operation) Cursor() Cursor { return Cursor{Seq: o.Created.UnixNano(), Name: o.ID} }

// GroupResourcesAfter is a page of GroupResources: at most limit
// resources (<= 0: no limit) after the place after in the group's order.
func (v View) GroupResourcesAfter(g *Group, after Cursor, limit int) []*Resource {
	crev := after.Seq
	if after.Name == "" {
		crev = minRev
	}
	var out []*Resource
	v.eachMember(g.Name, crev, after.Name, func(m member) bool {
		if r := v.Resource(m.name); r != nil {
			out = append(out, r)
		}
		return limit <= 0 || len(out) < limit
	})
	return out
}

// GroupOperations returns at most limit (<= 0: every) operation records
// of group in the order they were created, after the place after (the
// zero Cursor: from the first), from an index: O(log n) plus the page. In
// a decision it is recorded as the whole listing of operations.
func (v View) GroupOperations(group string, after Cursor, limit int) []*Operation {
	v.list(dirOps)
	pivot := groupOp{group: group, created: math.MinInt64}
	if after.Name != "" {
		pivot.created, pivot.id = after.Seq, after.Name
	}
	var out []*Operation
	v.c.groupOps.from(pivot, func(o groupOp) bool {
		if o.group != group {
			return false
		}
		if o == pivot {
			return true
		}
		if op := v.c.ops.get(o.id); op != nil {
			out = append(out, op)
		}
		return limit <= 0 || len(out) < limit
	})
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

// Alive is a node's liveness record, present while its lease lives.
func (v View) Alive(node string) *Alive { return read(v, dirAlive, node, v.c.alive.get(node)) }

// Claim is the claim on a group: which node, under which lease, may run it.
func (v View) Claim(group string) *Claim { return read(v, dirClaims, group, v.c.claims.get(group)) }

// NodeState is a node's state as the cluster sees it: Down unless its
// lease is alive, else Paused or Up as recorded.
func (v View) NodeState(name string) wsfc.ClusterNodeState {
	n := v.Node(name)
	if n == nil || v.Alive(name) == nil {
		return wsfc.ClusterNodeDown
	}
	if wsfc.ClusterNodeState(n.State) == wsfc.ClusterNodePaused {
		return wsfc.ClusterNodePaused
	}
	return wsfc.ClusterNodeUp
}

// Claims returns every claim, by group.
func (v View) Claims() []*Claim { v.list(dirClaims); return v.c.claims.values() }

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
	out := make([]*BadRecord, 0, len(v.c.bad))
	for _, k := range sortedKeys(v.c.bad) {
		out = append(out, v.c.bad[k])
	}
	return out
}

// IsQuarantined reports whether the record at key could not be decoded:
// it reads as absent, but it is not known to be gone.
func (v View) IsQuarantined(key string) bool {
	if v.t != nil {
		v.t.expect(key, v.c.revAt(key))
	}
	return v.c.bad[key] != nil
}
