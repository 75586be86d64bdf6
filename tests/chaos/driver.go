//go:build linux

package chaos

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/batoncluster/baton/clusapi"
	"github.com/batoncluster/baton/internal/ledger"
	"github.com/batoncluster/baton/proplist"
)

// Driver is the campaign's clients: each issues a random mix of calls
// through the API of a random running node (frozen and cut-off ones
// included) and records every call and answer in the history.
type Driver struct {
	c       *Cluster
	w       Workload
	h       *History
	clients int
	tags    atomic.Int64 // ChaosTag values: unique, so every write is told apart
}

// NewDriver makes a driver of n clients.
func NewDriver(c *Cluster, w Workload, h *History, n int) *Driver {
	return &Driver{c: c, w: w, h: h, clients: n}
}

// Run drives the cluster until ctx ends, then waits for every call in
// flight (each is bounded by callTimeout). Each client draws from its
// own generator, seeded from seed.
func (d *Driver) Run(ctx context.Context, round int, seed uint64) {
	var wg sync.WaitGroup
	for i := 0; i < d.clients; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, uint64(i)))
			for ctx.Err() == nil {
				d.one(round, i, rng)
				select {
				case <-ctx.Done():
				case <-time.After(time.Duration(30+rng.IntN(220)) * time.Millisecond):
				}
			}
		}()
	}
	wg.Wait()
}

// op is one kind of call the driver makes, with its weight.
type op struct {
	weight int
	do     func(d *Driver, ctx context.Context, rng *rand.Rand, cl *clusapi.Client, g GroupSpec, c *Call) error
}

var ops = []op{
	{18, (*Driver).onlineGroup},
	{14, (*Driver).offlineGroup},
	{14, (*Driver).moveGroup},
	{8, (*Driver).setPeriod},
	{10, (*Driver).setTag},
	{4, (*Driver).setDelay},
	{5, (*Driver).onlineResource},
	{5, (*Driver).offlineResource},
	{5, (*Driver).createScratch},
	{4, (*Driver).deleteScratch},
	{3, (*Driver).offlineScratch},
	{2, (*Driver).onlineScratch},
}

var opsWeight = func() int {
	n := 0
	for _, o := range ops {
		n += o.weight
	}
	return n
}()

func pickOp(rng *rand.Rand) op {
	x := rng.IntN(opsWeight)
	for _, o := range ops {
		if x < o.weight {
			return o
		}
		x -= o.weight
	}
	return ops[0]
}

// one makes one call and records it.
func (d *Driver) one(round, client int, rng *rand.Rand) {
	var live []*Node
	for _, n := range d.c.Nodes {
		if n.Running() {
			live = append(live, n)
		}
	}
	if len(live) == 0 {
		return
	}
	n := live[rng.IntN(len(live))]
	g := d.w.Groups[rng.IntN(len(d.w.Groups))]
	o := pickOp(rng)
	c := Call{Round: round, Client: client, Node: n.Name, Target: g.Name}
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	c.Start = ledger.Now()
	err := o.do(d, ctx, rng, n.Client(), g, &c)
	c.End = ledger.Now()
	c.Outcome, c.Code = classify(err)
	if err != nil {
		c.Err = err.Error()
	}
	d.h.Add(c)
}

func (d *Driver) result(op *clusapi.Operation, err error, c *Call) error {
	if err == nil && op != nil {
		c.Code, c.OpID = op.Status, op.ID
	}
	return err
}

func (d *Driver) onlineGroup(ctx context.Context, rng *rand.Rand, cl *clusapi.Client, g GroupSpec, c *Call) error {
	c.Kind, c.Key, c.Value = "OnlineGroup", groupKey(g.Name, keyPersist), 1
	opts := clusapi.OnlineOptions{}
	if rng.IntN(5) == 0 {
		opts.Node = d.c.Nodes[rng.IntN(len(d.c.Nodes))].Name
		c.Detail = "on " + opts.Node
	}
	op, err := cl.Groups().Online(ctx, g.Name, opts)
	return d.result(op, err, c)
}

func (d *Driver) offlineGroup(ctx context.Context, rng *rand.Rand, cl *clusapi.Client, g GroupSpec, c *Call) error {
	c.Kind, c.Key, c.Value = "OfflineGroup", groupKey(g.Name, keyPersist), 0
	opts := clusapi.OfflineOptions{}
	if rng.IntN(3) == 0 {
		v := uint32(rng.IntN(4))
		opts.Params = proplist.List{}.Set("dummy", proplist.DWORD(v))
		c.Detail = fmt.Sprintf("dummy=%d", v)
	}
	op, err := cl.Groups().Offline(ctx, g.Name, opts)
	return d.result(op, err, c)
}

func (d *Driver) moveGroup(ctx context.Context, rng *rand.Rand, cl *clusapi.Client, g GroupSpec, c *Call) error {
	c.Kind = "MoveGroup"
	opts := clusapi.MoveOptions{}
	if rng.IntN(3) > 0 {
		opts.Node = d.c.Nodes[rng.IntN(len(d.c.Nodes))].Name
	}
	switch rng.IntN(10) {
	case 0:
		opts.Flags = clusapi.CLUSAPI_GROUP_MOVE_QUEUE_ENABLED
	case 1:
		opts.Flags = clusapi.CLUSAPI_GROUP_MOVE_RETURN_TO_SOURCE_NODE_ON_ERROR
	}
	c.Detail = fmt.Sprintf("to %q flags 0x%x", opts.Node, opts.Flags)
	op, err := cl.Groups().Move(ctx, g.Name, opts)
	return d.result(op, err, c)
}

func (d *Driver) setPeriod(ctx context.Context, rng *rand.Rand, cl *clusapi.Client, g GroupSpec, c *Call) error {
	v := 1 + rng.IntN(1193)
	c.Kind, c.Key, c.Value = "SetGroupProperties", groupKey(g.Name, propPeriod), int64(v)
	_, err := cl.Groups().SetProperties(ctx, g.Name, proplist.List{}.Set(propPeriod, proplist.DWORD(uint32(v))))
	return err
}

func (d *Driver) setTag(ctx context.Context, rng *rand.Rand, cl *clusapi.Client, g GroupSpec, c *Call) error {
	r := g.Resources[rng.IntN(len(g.Resources))]
	v := d.tags.Add(1)
	c.Kind, c.Target, c.Key, c.Value = "SetResourceProperties", r, resourceKey(r, propTag), v
	_, err := cl.Resources().SetProperties(ctx, r, proplist.List{}.Set(propTag, proplist.DWORD(uint32(v))))
	return err
}

func (d *Driver) setDelay(ctx context.Context, rng *rand.Rand, cl *clusapi.Client, g GroupSpec, c *Call) error {
	r := g.Resources[rng.IntN(len(g.Resources))]
	v := rng.IntN(250)
	c.Kind, c.Target, c.Key, c.Value = "SetResourceProperties", r, resourceKey(r, propDelay), int64(v)
	_, err := cl.Resources().SetProperties(ctx, r, proplist.List{}.Set(propDelay, proplist.DWORD(uint32(v))))
	return err
}

func (d *Driver) onlineResource(ctx context.Context, rng *rand.Rand, cl *clusapi.Client, g GroupSpec, c *Call) error {
	r := g.Resources[rng.IntN(len(g.Resources))]
	c.Kind, c.Target = "OnlineResource", r
	op, err := cl.Resources().Online(ctx, r, clusapi.ResourceOptions{})
	if err == nil {
		c.Code, c.OpID = op.Status, op.ID
	}
	return err
}

func (d *Driver) offlineResource(ctx context.Context, rng *rand.Rand, cl *clusapi.Client, g GroupSpec, c *Call) error {
	r := g.Resources[rng.IntN(len(g.Resources))]
	c.Kind, c.Target = "OfflineResource", r
	op, err := cl.Resources().Offline(ctx, r, clusapi.ResourceOptions{})
	if err == nil {
		c.Code, c.OpID = op.Status, op.ID
	}
	return err
}

func (d *Driver) createScratch(ctx context.Context, rng *rand.Rand, cl *clusapi.Client, g GroupSpec, c *Call) error {
	c.Kind, c.Target, c.Key, c.Value = "CreateResource", g.Scratch, resourceKey(g.Scratch, keyExists), 1
	_, err := cl.Resources().Create(ctx, g.Scratch, g.Name, "dummy", clusapi.CreateResourceOptions{Properties: resourceProps(d.c.Ledger)})
	return err
}

func (d *Driver) deleteScratch(ctx context.Context, rng *rand.Rand, cl *clusapi.Client, g GroupSpec, c *Call) error {
	c.Kind, c.Target, c.Key, c.Value = "DeleteResource", g.Scratch, resourceKey(g.Scratch, keyExists), 0
	return cl.Resources().Delete(ctx, g.Scratch)
}

func (d *Driver) offlineScratch(ctx context.Context, rng *rand.Rand, cl *clusapi.Client, g GroupSpec, c *Call) error {
	c.Kind, c.Target = "OfflineResource", g.Scratch
	op, err := cl.Resources().Offline(ctx, g.Scratch, clusapi.ResourceOptions{})
	if err == nil {
		c.Code, c.OpID = op.Status, op.ID
	}
	return err
}

func (d *Driver) onlineScratch(ctx context.Context, rng *rand.Rand, cl *clusapi.Client, g GroupSpec, c *Call) error {
	c.Kind, c.Target = "OnlineResource", g.Scratch
	op, err := cl.Resources().Online(ctx, g.Scratch, clusapi.ResourceOptions{})
	if err == nil {
		c.Code, c.OpID = op.Status, op.ID
	}
	return err
}
