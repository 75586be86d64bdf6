package store

import "fmt"

// NewView returns a view of just the given records, with no database
// behind it: the input of pure code — placement's view, an explanation,
// the API's conversions — built by a test in microseconds instead of an
// etcd member and a cluster's worth of calls.
//
// Each record is a pointer to a Cluster, Security, Node, Group, Resource,
// Status, Operation, Token, Alive or Claim. They are stored as a commit
// stores them (encoded, then decoded into the view's own copies), each at
// the next revision in the order given, so a group's resources are in the
// order given; the schema version is the record's own V (0, the oldest,
// unless set). A node is Up only with an Alive record. A record of
// another type, or one that does not encode, panics: that is the
// caller's mistake, not data.
func NewView(records ...any) View {
	changes := make([]change, 0, len(records))
	for i, rec := range records {
		key := recordKey(rec)
		b, err := encode(key, rec)
		if err != nil {
			panic(err)
		}
		rev := int64(i + 1)
		changes = append(changes, change{key: key, value: b, rev: rev, crev: rev})
	}
	return View{c: newCache().apply(int64(len(records)), changes)}
}

// recordKey is where rec, a pointer to a record, is stored.
func recordKey(rec any) string {
	switch r := rec.(type) {
	case *Cluster:
		return ClusterKey()
	case *Security:
		return SecurityKey()
	case *Node:
		return NodeKey(r.Name)
	case *Group:
		return GroupKey(r.Name)
	case *Resource:
		return ResourceKey(r.Name)
	case *Status:
		return StatusKey(r.Resource)
	case *Operation:
		return OpKey(r.ID)
	case *Token:
		return TokenKey(r.Name)
	case *Alive:
		return AliveKey(r.Node)
	case *Claim:
		return ClaimKey(r.Group)
	}
	panic(fmt.Sprintf("store: NewView: %T is not a record", rec))
}
