package store

import "strings"

// Prefix is the root of every key baton writes.
const Prefix = "/baton/v1/"

const (
	keyCluster   = Prefix + "cluster"
	keySecurity  = Prefix + "security"
	dirNodes     = Prefix + "nodes/"
	dirGroups    = Prefix + "groups/"
	dirResources = Prefix + "resources/"
	dirStatus    = Prefix + "status/"
	dirOps       = Prefix + "ops/"
	dirTokens    = Prefix + "tokens/"
	dirAlive     = Prefix + "alive/"
	dirClaims    = Prefix + "claims/"
	// dirMembership holds one stamp per group whose resources changed
	// (membershipKey).
	dirMembership = Prefix + "membership/"
)

// ClusterKey and the other Key functions name the etcd key of a record.
func ClusterKey() string               { return keyCluster }
func SecurityKey() string              { return keySecurity }
func NodeKey(name string) string       { return dirNodes + name }
func GroupKey(name string) string      { return dirGroups + name }
func ResourceKey(name string) string   { return dirResources + name }
func StatusKey(resource string) string { return dirStatus + resource }
func OpKey(id string) string           { return dirOps + id }
func TokenKey(name string) string      { return dirTokens + name }

// kind tells which record a key holds and its name.
func kindOf(key string) (dir, name string) {
	switch key {
	case keyCluster, keySecurity:
		return key, ""
	}
	for _, d := range []string{dirNodes, dirGroups, dirResources, dirStatus, dirOps, dirTokens, dirAlive, dirClaims, dirMembership} {
		if strings.HasPrefix(key, d) {
			return d, key[len(d):]
		}
	}
	return "", ""
}

// A directory's guard key is its name without the final slash
// ("/baton/v1/groups"). Every transaction that deletes records of the
// directory writes it too (Txn.Delete), so that a decision that listed
// the directory conflicts with the deletion of a record it listed
// (Txn.expectDir) with one comparison, not one per record. Its value
// means nothing. Alive records and claims have none: they also vanish
// when their lease ends, which writes nothing else, so their listings
// compare each record. (A record deleted behind the store's back, with
// etcdctl, writes no guard either: a listing does not see it go.)
func guardKey(dir string) string { return dir[:len(dir)-1] }

// guardValue is what a guard key holds.
const guardValue = `{"v":1}`

// guarded reports whether dir has a guard key.
func guarded(dir string) bool {
	switch dir {
	case dirNodes, dirGroups, dirResources, dirStatus, dirOps, dirTokens:
		return true
	}
	return false
}

// guardOf returns the directory whose guard key is key.
func guardOf(key string) (dir string, ok bool) {
	dir = key + "/"
	return dir, guarded(dir)
}

// AliveKey is where a node's liveness record lives (tied to its lease).
func AliveKey(node string) string { return dirAlive + node }

// ClaimKey is where a group's hosting claim lives (tied to its owner's lease).
func ClaimKey(group string) string { return dirClaims + group }

// membershipKey is a group's membership stamp: every transaction that
// adds a resource to the group or deletes one of its resources writes it
// (Txn.PutResource, Txn.Delete), and one that deletes the group deletes
// it. Its value means nothing; its revision is the revision of the
// latest change of the group's membership, so a decision that read the
// group's resources (View.GroupResourceNames) compares it, one comparison
// however many resources the group has, as a listing compares its
// directory. The group record itself stays the same size as the group
// grows.
func membershipKey(group string) string { return dirMembership + group }

// stampValue is what a membership stamp holds.
const stampValue = `{"v":2}`
