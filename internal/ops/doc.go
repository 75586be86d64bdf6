// Package ops implements the cluster's state-changing calls — create and
// delete, properties, dependencies, and the clusapi Online/Offline Ex calls
// — as validated, checked, atomic transactions on the store.
//
// Each call checks its input in the documented order and answers with a
// clusapi.Errno (wrapped with context) for the first check that fails; a
// rejected call writes nothing. An accepted state change records the
// operation, the persistent state and the resources' pending states in one
// transaction and answers ERROR_IO_PENDING; the owner node's resource host
// does the work (package host). Access control is checked before ops is
// called (package server).
package ops

import (
	"crypto/rand"
	"encoding/hex"
	"sync/atomic"
	"time"

	"github.com/batoncluster/baton/internal/store"
	"github.com/batoncluster/baton/restype"
)

// Engine runs operations against one cluster database.
type Engine struct {
	st    *store.Store
	types *restype.Registry
	node  string // the local node: owner of new groups on a one-node cluster
	now   func() time.Time
	// chunk is the resources one transaction of a split change takes
	// (split.go); 0 until etcd first refused a chunk as too large.
	chunk atomic.Int64
}

// New returns an engine; node is the local node's name.
func New(st *store.Store, types *restype.Registry, node string) *Engine {
	return &Engine{st: st, types: types, node: node, now: time.Now}
}

// Store is the database the engine works on.
func (e *Engine) Store() *store.Store { return e.st }

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40 // UUID v4 layout, so ids look familiar
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
