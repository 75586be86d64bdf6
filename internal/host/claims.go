package host

import (
	"context"
	"sync"
	"time"

	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/store"
)

// claim makes sure this node holds the claim on group under its current
// lease, creating it if nobody holds it. A claim held by anyone else —
// another node, or this node under an older lease that may still live —
// means waiting: it disappears when that lease ends, and the change wakes
// the host again.
func (h *Host) claim(ctx context.Context, v store.View, group string) bool {
	lease := int64(h.cfg.Lease.ID())
	if c := v.Claim(group); c != nil {
		return c.Node == h.cfg.Node && c.Lease == lease
	}
	_, err := h.cfg.Store.Update(ctx, func(v store.View, t *store.Txn) error {
		g := v.Group(group)
		if g == nil || g.OwnerNode != h.cfg.Node || v.Claim(group) != nil {
			return nil // moved, deleted or claimed meanwhile: decide again
		}
		t.PutClaim(&store.Claim{Group: group, Node: h.cfg.Node, Lease: lease}, h.cfg.Lease.ID())
		return nil
	})
	if err != nil {
		h.log.Warn("cannot claim group", "group", group, "err", err)
		return false
	}
	c := h.cfg.Store.View().Claim(group)
	return c != nil && c.Node == h.cfg.Node && c.Lease == lease
}

// claimAll claims, in one transaction, every unclaimed group of the given
// ones (nil: all) that this node owns and has a resource to bring online —
// a node taking over many groups at once claims them together. It reports
// whether it wrote anything.
func (h *Host) claimAll(ctx context.Context, v store.View, groups map[string]bool) bool {
	if !h.cfg.Lease.Valid(h.now()) {
		return false
	}
	var want []string
	for _, g := range groupsIn(v, groups) {
		if g.OwnerNode != h.cfg.Node || v.Claim(g.Name) != nil {
			continue
		}
		for _, name := range v.GroupResourceNames(g) {
			if v.ResourceState(name) == wsfc.ClusterResourceOnlinePending {
				want = append(want, g.Name)
				break
			}
		}
	}
	if len(want) == 0 {
		return false
	}
	lease := h.cfg.Lease.ID()
	store.Batches(want, writeBatch, func(chunk []string) error {
		_, err := h.cfg.Store.Update(ctx, func(v store.View, t *store.Txn) error {
			for _, name := range chunk {
				g := v.Group(name)
				if g == nil || g.OwnerNode != h.cfg.Node || v.Claim(name) != nil {
					continue
				}
				t.PutClaim(&store.Claim{Group: name, Node: h.cfg.Node, Lease: int64(lease)}, lease)
			}
			return nil
		})
		return err
	}, func(chunk []string, err error) {
		h.log.Warn("cannot claim groups", "groups", len(chunk), "err", err)
	})
	return true
}

// writeBatch bounds the records of one transaction the host writes for
// many groups or resources at once (etcd limits a transaction's size).
const writeBatch = 500

// releaseClaims gives up the claims of groups this node no longer owns,
// once nothing of them runs here any more.
func (h *Host) releaseClaims(ctx context.Context, v store.View) {
	lease := int64(h.cfg.Lease.ID())
	for _, c := range v.Claims() {
		if c.Node != h.cfg.Node || c.Lease != lease {
			continue
		}
		if g := v.Group(c.Group); g != nil && g.OwnerNode == h.cfg.Node {
			continue
		}
		if h.hostsAnything(c.Group) {
			continue
		}
		_, err := h.cfg.Store.Update(ctx, func(v store.View, t *store.Txn) error {
			cur := v.Claim(c.Group)
			if cur == nil || cur.Node != h.cfg.Node || cur.Lease != lease {
				return nil
			}
			t.Delete(store.ClaimKey(c.Group), cur.Rev)
			return nil
		})
		if err != nil {
			h.log.Warn("cannot release claim", "group", c.Group, "err", err)
		}
	}
}

// hostsAnything reports whether a call runs, or an instance is online
// (health polled), for a resource of group.
func (h *Host) hostsAnything(group string) bool {
	for _, inst := range h.insts {
		if inst.group == group && (inst.busy != idle || inst.healthCancel != nil) {
			return true
		}
	}
	return false
}

// fenceTimeout bounds stopping everything once the lease is lost.
const fenceTimeout = 5 * time.Second

// fence stops every resource this node hosts, at once and in parallel,
// because the node can no longer prove it owns them: another node may take
// them over as soon as the lease expires on the server.
func (h *Host) fence() {
	for _, inst := range h.insts {
		if inst.cancel != nil {
			inst.cancel()
		}
		if inst.healthCancel != nil {
			inst.healthCancel()
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), fenceTimeout)
	defer cancel()
	var wg sync.WaitGroup
	for _, inst := range h.insts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := stopNow(ctx, inst); err != nil {
				h.log.Error("fencing: could not stop resource", "resource", inst.name, "err", err)
			}
			inst.cg.Release()
		}()
	}
	wg.Wait()
	h.log.Warn("fenced: stopped every resource this node hosted", "resources", len(h.insts))
	// Outcomes not yet written are forgotten: the node has lost the
	// authority to record them, and the next owner redoes the work from
	// what the database says.
	clear(h.unwritten)
	h.queue, h.calls = nil, 0
	h.flushTimer.Stop()
	// Wait for the cancelled calls and the writer, taking what they
	// report so none blocks.
	waited := make(chan struct{})
	go func() { h.wg.Wait(); close(waited) }()
	for {
		select {
		case <-h.done:
		case <-h.health:
		case <-h.wrote:
		case <-waited:
			h.insts = map[string]*instance{}
			h.byGroup = map[string]map[string]*instance{}
			return
		}
	}
}
