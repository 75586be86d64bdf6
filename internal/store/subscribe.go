package store

import "sync"

// Subscription delivers the keys that changed, in batches, without ever
// blocking the watch: batches queue up until the subscriber takes them.
//
// When the store cannot tell which keys changed — it reloaded its cache
// because the history its watch needed was compacted away — it delivers a
// reset instead: the subscriber must look at everything again, from the
// current view (as an informer's relist replaces its whole store).
type Subscription struct {
	s      *Store
	mu     sync.Mutex // guards keys and reset
	keys   []string
	reset  bool
	notify chan struct{} // has a token when keys is non-empty or reset is set
}

// Subscribe starts collecting changed keys; Close ends it.
func (s *Store) Subscribe() *Subscription {
	sub := &Subscription{s: s, notify: make(chan struct{}, 1)}
	s.mu.Lock()
	s.subs[sub] = struct{}{}
	s.mu.Unlock()
	return sub
}

// C is ready when Take has keys to give.
func (sub *Subscription) C() <-chan struct{} { return sub.notify }

// Take returns and clears the keys changed since the last Take. reset
// reports a reload of the cache since then: keys is incomplete (nil), and
// anything may have changed.
func (sub *Subscription) Take() (keys []string, reset bool) {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	keys, reset = sub.keys, sub.reset
	sub.keys, sub.reset = nil, false
	return keys, reset
}

// Close stops the subscription.
func (sub *Subscription) Close() {
	sub.s.mu.Lock()
	delete(sub.s.subs, sub)
	sub.s.mu.Unlock()
}

func (sub *Subscription) push(keys []string) {
	sub.mu.Lock()
	if !sub.reset { // a pending reset covers every key
		sub.keys = append(sub.keys, keys...)
	}
	sub.mu.Unlock()
	sub.wake()
}

func (sub *Subscription) pushReset() {
	sub.mu.Lock()
	sub.keys, sub.reset = nil, true
	sub.mu.Unlock()
	sub.wake()
}

func (sub *Subscription) wake() {
	select {
	case sub.notify <- struct{}{}:
	default:
	}
}

// KeyResource returns the resource name if key is a resource or status key.
func KeyResource(key string) (string, bool) {
	dir, name := kindOf(key)
	if dir == dirResources || dir == dirStatus {
		return name, true
	}
	return "", false
}

// KeyGroup returns the group name if key is a group key.
func KeyGroup(key string) (string, bool) {
	dir, name := kindOf(key)
	return name, dir == dirGroups
}

// KeyClaim returns the group name if key is a group's claim key.
func KeyClaim(key string) (string, bool) {
	dir, name := kindOf(key)
	return name, dir == dirClaims
}
