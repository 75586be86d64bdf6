package server

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/batoncluster/baton/internal/store"
)

// usageInterval is how often, at most, a node records that a token was
// used: its last-used time is right to about this much, and a busy token
// costs one database write a minute per node instead of one per call.
const usageInterval = time.Minute

// usage records when tokens were last used, in the background: a call
// never waits for the write, and a failed write is only logged.
type usage struct {
	st  *store.Store
	log *slog.Logger

	ctx    context.Context // ends at close
	cancel context.CancelFunc
	wg     sync.WaitGroup // the writing goroutine

	mu      sync.Mutex           // guards the fields below
	noted   map[string]time.Time // per token: when a use was last queued
	pending map[string]time.Time // uses not written yet
	writing bool                 // the writing goroutine runs
	closed  bool
}

func newUsage(st *store.Store, log *slog.Logger) *usage {
	ctx, cancel := context.WithCancel(context.Background())
	return &usage{st: st, log: log, ctx: ctx, cancel: cancel,
		noted: map[string]time.Time{}, pending: map[string]time.Time{}}
}

// touch notes that token name was used at now.
func (u *usage) touch(name string, now time.Time) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if last, ok := u.noted[name]; ok && now.Sub(last) < usageInterval {
		return
	}
	if u.closed {
		return
	}
	u.noted[name] = now
	u.pending[name] = now
	if !u.writing {
		u.writing = true
		u.wg.Add(1)
		go u.write()
	}
}

// write records the pending uses until there are none.
func (u *usage) write() {
	defer u.wg.Done()
	for {
		u.mu.Lock()
		batch := u.pending
		if len(batch) == 0 || u.closed {
			u.writing = false
			u.mu.Unlock()
			return
		}
		u.pending = map[string]time.Time{}
		u.mu.Unlock()
		ctx, cancel := context.WithTimeout(u.ctx, 5*time.Second)
		_, err := u.st.Update(ctx, func(v store.View, t *store.Txn) error {
			for name, at := range batch {
				tk := v.Token(name)
				// Another node may have recorded a use within the minute.
				if tk == nil || at.Sub(tk.LastUsed) < usageInterval {
					continue
				}
				cp := *tk
				cp.LastUsed = at.UTC()
				t.PutToken(&cp)
			}
			return nil
		})
		cancel()
		if err != nil && u.ctx.Err() == nil && u.log != nil {
			u.log.Warn("cannot record when tokens were last used", "err", err)
		}
	}
}

// close stops recording and waits for a write in progress.
func (u *usage) close() {
	u.mu.Lock()
	u.closed = true
	u.mu.Unlock()
	u.cancel()
	u.wg.Wait()
}
